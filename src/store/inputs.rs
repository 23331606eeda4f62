//! Where the documents of JSON Lines shards and WARC archives wait between reading
//! and cleaning, and where each one's original record stays for the writers.
//!
//! Shards are read front to back (one may be a pipe), each on its own worker, before
//! cleaning starts, since their records are documents of the run like any file's.
//! Keeping their texts in memory would make memory grow with the size of the corpus;
//! instead each record is appended to a spool file on disk and read back by key when
//! a worker cleans it, so a run holds about a key and a spool reference per record.
//!
//! One entry per record, holding both what cleaning reads (the text) and what the
//! writers pass through (the record's **input fields**, one JSON object):
//!
//! * a JSON Lines record is its line exactly as read (every field, in its order),
//!   with where the text's JSON string lies in it: the text is unescaped from the
//!   line when it is read back, so it is never stored twice;
//! * a WARC record is its headers in order (`{"WARC-Type": "conversion", …}`),
//!   then its text.
//!
//! A writer that passes input fields through (`--to jsonl`) reads them back with
//! [`crate::store::BodyStore::input_fields`] at write time, so they are never held
//! in memory either.
//!
//! The spool lives in a private temporary folder (under `TMPDIR`), removed when the
//! store is dropped.

use std::collections::HashMap;
use std::io;
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::document::Key;
use crate::store::Spool;

/// The first byte of an entry: a JSON Lines line with its text's span.
const LINE: u8 = b'J';
/// The first byte of an entry: input fields, then the text.
const FIELDS_THEN_TEXT: u8 = b'W';
/// Tag, then two little-endian `u32`s.
const HEADER: usize = 9;

/// Texts and input fields of a run's records, by key.
pub struct InputStore {
    records: Spool,
    /// Permission bits of each shard or archive read (by its path relative to its
    /// root), so a record's outputs are never more readable than its file.
    modes: Mutex<HashMap<Arc<Path>, u32>>,
    /// Declared last: removed after the spool's files are closed.
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
    /// A new, empty store in a private temporary folder, with a spool file for each
    /// of `workers` readers (so that shards read at once never wait on each other).
    pub fn create(workers: usize) -> io::Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("docsift-records-")
            .tempdir()?;
        Ok(InputStore {
            records: Spool::create(dir.path(), workers)?,
            modes: Mutex::new(HashMap::new()),
            dir,
        })
    }

    /// The folder the spool lives in.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Keeps record `key`: its input fields (one JSON object), then its text.
    pub fn put(&self, key: &Key, text: &[u8], fields: &[u8]) -> io::Result<()> {
        let mut entry = Vec::with_capacity(HEADER + fields.len() + text.len());
        entry.push(FIELDS_THEN_TEXT);
        entry.extend_from_slice(&u32_of(fields.len())?.to_le_bytes());
        entry.extend_from_slice(&[0; 4]);
        entry.extend_from_slice(fields);
        entry.extend_from_slice(text);
        self.records.append_keyed(key, &entry)
    }

    /// Keeps JSON Lines record `key`: its `line`, whose bytes `text` are the text's
    /// JSON string (quotes included).
    pub fn put_line(&self, key: &Key, line: &[u8], text: Range<usize>) -> io::Result<()> {
        if text.end > line.len() || text.len() < 2 {
            return Err(io::Error::other("the text's span is not inside its line"));
        }
        let mut entry = Vec::with_capacity(HEADER + line.len());
        entry.push(LINE);
        entry.extend_from_slice(&u32_of(text.start)?.to_le_bytes());
        entry.extend_from_slice(&u32_of(text.len())?.to_le_bytes());
        entry.extend_from_slice(line);
        self.records.append_keyed(key, &entry)
    }

    /// Notes the permission bits of the file `rel` whose records are stored.
    pub fn set_mode(&self, rel: Arc<Path>, mode: u32) {
        self.modes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(rel, mode);
    }

    /// The permission bits of the file `rel`, if it had any.
    pub fn mode(&self, rel: &Path) -> Option<u32> {
        self.modes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(rel)
            .copied()
    }

    /// Ends reading: flushes the spool and opens it for reading back.
    pub fn seal(&mut self) -> io::Result<()> {
        self.records.seal()
    }

    /// Record `key`'s text (after [`InputStore::seal`]).
    pub fn text(&self, key: &Key) -> io::Result<Vec<u8>> {
        let mut entry = self.records.read_key(key)?;
        let (tag, a, b) = header(&entry)?;
        match tag {
            LINE => {
                let raw = entry
                    .get(HEADER + a..HEADER + a + b)
                    .ok_or_else(|| damaged("a text span past its line"))?;
                if !raw.contains(&b'\\') {
                    // No escape: the string's bytes between its quotes are the text.
                    return Ok(raw[1..raw.len() - 1].to_vec());
                }
                serde_json::from_slice::<String>(raw)
                    .map(String::into_bytes)
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
            }
            _ => Ok(entry.split_off(HEADER + a)),
        }
    }

    /// Record `key`'s input fields as one JSON object (after [`InputStore::seal`]);
    /// `None` for a key the store does not hold (a plain file).
    pub fn fields(&self, key: &Key) -> io::Result<Option<Vec<u8>>> {
        if !self.records.contains(key) {
            return Ok(None);
        }
        let mut entry = self.records.read_key(key)?;
        let (tag, a, _) = header(&entry)?;
        if tag == FIELDS_THEN_TEXT {
            entry.truncate(HEADER + a);
        }
        entry.drain(..HEADER);
        Ok(Some(entry))
    }
}

fn u32_of(n: usize) -> io::Result<u32> {
    u32::try_from(n).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "record over 4 GiB"))
}

fn damaged(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("damaged record spool: {what}"),
    )
}

/// An entry's tag and its two numbers (span start and length, or fields length and 0).
fn header(entry: &[u8]) -> io::Result<(u8, usize, usize)> {
    if entry.len() < HEADER {
        return Err(damaged("an entry shorter than its header"));
    }
    let num =
        |at: usize| u32::from_le_bytes(entry[at..at + 4].try_into().expect("4 bytes")) as usize;
    let (tag, a, b) = (entry[0], num(1), num(5));
    let fits = match tag {
        LINE => a + b <= entry.len() - HEADER && b >= 2,
        FIELDS_THEN_TEXT => a <= entry.len() - HEADER,
        _ => false,
    };
    if !fits {
        return Err(damaged("an entry whose header does not fit it"));
    }
    Ok((tag, a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_and_fields_come_back_by_key_and_the_folder_goes() {
        let mut s = InputStore::create(2).unwrap();
        let dir = s.dir().to_path_buf();
        let (a, b) = (Key::new("s.jsonl#2"), Key::new("s.jsonl#10"));
        s.put(&a, b"two", br#"{"text":"two","n":2}"#).unwrap();
        let line = br#"{"n":10,"text":"t\u0065n"}"#;
        s.put_line(&b, line, 15..25).unwrap();
        let c = Key::new("s.jsonl#11");
        s.put_line(&c, br#"{"text":"plain"}"#, 8..15).unwrap();
        s.seal().unwrap();
        assert_eq!(s.text(&b).unwrap(), b"ten", "unescaped from its line");
        assert_eq!(s.fields(&b).unwrap().unwrap(), line, "the line as read");
        assert_eq!(s.text(&c).unwrap(), b"plain");
        assert_eq!(s.text(&a).unwrap(), b"two");
        assert_eq!(s.fields(&a).unwrap().unwrap(), br#"{"text":"two","n":2}"#);
        assert_eq!(s.fields(&Key::new("other.txt")).unwrap(), None);
        drop(s);
        assert!(!dir.exists());
    }
}
