//! Where the documents of JSON Lines shards and WARC archives wait between reading
//! and cleaning, and where each one's original record stays for the writers.
//!
//! A shard is read once, front to back (it may be a pipe), before cleaning starts,
//! since its records are documents of the run like any file's. Keeping their texts
//! in memory would make memory grow with the size of the corpus; instead each
//! record's text is appended to a spool file on disk and read back by key when a
//! worker cleans it, so a run holds about a key and a spool reference per record.
//!
//! Beside the text, each record's **input fields** are spooled as one JSON object:
//! for a JSON Lines record, its line exactly as read (every field, in its order);
//! for a WARC record, its WARC headers in order (`{"WARC-Type": "conversion", …}`).
//! A writer that passes input fields through (`--to jsonl`) reads them back with
//! [`crate::store::BodyStore::input_fields`] at write time, so they are never held
//! in memory either.
//!
//! The spool lives in a private temporary folder (under `TMPDIR`), removed when the
//! store is dropped.

use std::collections::HashMap;
use std::io;
use std::path::Path;
use std::sync::Arc;

use crate::document::Key;
use crate::store::Spool;

/// Texts and input fields of a run's records, by key.
pub struct InputStore {
    texts: Spool,
    fields: Spool,
    /// Permission bits of each shard or archive read (by its path relative to its
    /// root), so a record's outputs are never more readable than its file.
    modes: HashMap<Arc<Path>, u32>,
    /// Declared last: removed after the spools' files are closed.
    dir: tempfile::TempDir,
}

impl std::fmt::Debug for InputStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InputStore")
            .field("dir", &self.dir.path())
            .finish_non_exhaustive()
    }
}

impl InputStore {
    /// A new, empty store in a private temporary folder.
    pub fn create() -> io::Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("docsift-records-")
            .tempdir()?;
        let texts_dir = dir.path().join("texts");
        let fields_dir = dir.path().join("fields");
        std::fs::create_dir(&texts_dir)?;
        std::fs::create_dir(&fields_dir)?;
        Ok(InputStore {
            texts: Spool::create(&texts_dir, 1)?,
            fields: Spool::create(&fields_dir, 1)?,
            modes: HashMap::new(),
            dir,
        })
    }

    /// The folder the spool lives in.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Keeps record `key`'s text and its input fields (one JSON object).
    pub fn put(&self, key: &Key, text: &[u8], fields: &[u8]) -> io::Result<()> {
        self.texts.append_keyed(key, text)?;
        self.fields.append_keyed(key, fields)
    }

    /// Notes the permission bits of the file `rel` whose records are stored.
    pub fn set_mode(&mut self, rel: Arc<Path>, mode: u32) {
        self.modes.insert(rel, mode);
    }

    /// The permission bits of the file `rel`, if it had any.
    pub fn mode(&self, rel: &Path) -> Option<u32> {
        self.modes.get(rel).copied()
    }

    /// Ends reading: flushes the spools and opens them for reading back.
    pub fn seal(&mut self) -> io::Result<()> {
        self.texts.seal()?;
        self.fields.seal()
    }

    /// Record `key`'s text (after [`InputStore::seal`]).
    pub fn text(&self, key: &Key) -> io::Result<Vec<u8>> {
        self.texts.read_key(key)
    }

    /// Record `key`'s input fields as one JSON object (after [`InputStore::seal`]);
    /// `None` for a key the store does not hold (a plain file).
    pub fn fields(&self, key: &Key) -> io::Result<Option<Vec<u8>>> {
        if !self.fields.contains(key) {
            return Ok(None);
        }
        self.fields.read_key(key).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_and_fields_come_back_by_key_and_the_folder_goes() {
        let mut s = InputStore::create().unwrap();
        let dir = s.dir().to_path_buf();
        let (a, b) = (Key::new("s.jsonl#2"), Key::new("s.jsonl#10"));
        s.put(&a, b"two", br#"{"text":"two","n":2}"#).unwrap();
        s.put(&b, b"ten", br#"{"text":"ten","n":10}"#).unwrap();
        s.seal().unwrap();
        assert_eq!(s.text(&b).unwrap(), b"ten");
        assert_eq!(s.fields(&a).unwrap().unwrap(), br#"{"text":"two","n":2}"#);
        assert_eq!(s.fields(&Key::new("other.txt")).unwrap(), None);
        drop(s);
        assert!(!dir.exists());
    }
}
