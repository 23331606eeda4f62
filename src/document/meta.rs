//! What a reader knows about a document, carried unchanged to the writers.
//!
//! The [`Key`] is the document's identity: stable across runs and machines, unique
//! within a run, and naming where the document came from (a file's path relative to
//! its input root, as the manifest's `source` shows it). Records, clusters,
//! `duplicate_of`, the manifest and the writers refer to documents by key; a run may
//! number its documents privately (in key order) but never lets that number out.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A document's stable identity (the manifest's `source`). Cheap to clone: records,
/// clusters and headers all hold it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key(Arc<str>);

impl Key {
    pub fn new(s: impl Into<Arc<str>>) -> Self {
        Key(s.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Key {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The group of documents whose shared lines are learned as boilerplate: for files,
/// the folder below the input root (`""` for the root itself); for documents with a
/// URL, its host (see the `site` module's keys). Set by the reader.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Site(Arc<str>);

impl Site {
    pub fn new(s: impl Into<Arc<str>>) -> Self {
        Site(s.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where a document's bytes came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Standard input (key `-`; written as `stdin.txt`).
    Stdin,
    /// A file at `root` joined with its path relative to the root. The root is shared
    /// by every document found under it; the relative path is kept only when it is
    /// not the key itself (a name that needed escaping), so a run's many origins stay
    /// small.
    File {
        root: Arc<Path>,
        rel: Option<Box<Path>>,
    },
    /// A record inside a file (a JSON Lines line, a WARC record): the file it was
    /// read from (shared by every record of the file), the record's 1-based number
    /// and the byte offset where it starts in the decompressed stream. Its key is
    /// `FILE#N`.
    Record {
        file: Arc<RecordFile>,
        number: u64,
        offset: u64,
        /// Where the record waits in the run's record store (meaningless for a
        /// record that is an error row, which has nothing stored).
        stored: SpoolRef,
    },
}

/// Where some bytes lie in one of a run's spool files (see `store::spool`): the
/// file, the byte offset in it and the length. A record's metadata holds its own,
/// so finding a record's text needs no index by key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SpoolRef {
    pub file: u16,
    pub len: u32,
    pub offset: u64,
}

/// A shard or archive whose records are documents: what every one of its records
/// shares, held once per file (a run of a million records holds one of these per
/// shard, not per record).
#[derive(Debug, PartialEq, Eq)]
pub struct RecordFile {
    /// The input root the file was found under (empty for stdin).
    pub root: Arc<Path>,
    /// The file's path relative to its root, as the manifest shows it (`-` for stdin).
    pub rel: Box<Path>,
    /// What kind of file it is, so that writers never guess it again.
    pub format: RecordFormat,
    /// The file's permission bits, if it has any (not stdin): a record's outputs are
    /// never more readable than its file.
    pub mode: Option<u32>,
}

/// The kind of file a record was read from. It says what the record's input fields
/// are (a JSON Lines record's own line, which `--to jsonl` passes through; a WARC
/// record's headers, which it does not), so writers never guess it again from the
/// file's name or bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordFormat {
    Jsonl,
    Warc,
}

impl Origin {
    /// The origin of a file at `root`/`rel` whose key is `key`.
    pub fn file(root: Arc<Path>, rel: PathBuf, key: &str) -> Self {
        let rel = (rel.as_os_str() != std::ffi::OsStr::new(key)).then(|| rel.into_boxed_path());
        Origin::File { root, rel }
    }
}

/// Everything a reader knows about a document, before and after cleaning. Shared
/// (`Arc<Meta>`) by the reader's source and the run's record, so a run holds one
/// per document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    pub key: Key,
    pub origin: Origin,
    pub site: Site,
    /// What only some readers know (id, url, date, languages), in one allocation;
    /// a plain file pays two words.
    pub extra: Option<Extra>,
}

/// Metadata that records and archives carry and plain files do not: the id the
/// input gave the document (a JSON Lines or WARC record's), the URL it was captured
/// from, when (WARC's `WARC-Date`) and the languages the archive identified (WET's
/// `WARC-Identified-Content-Language`, as written: `eng,fra`).
///
/// Every record of a run holds one for the whole run, so the four optional strings
/// share one allocation: a header of four lengths (`u32::MAX` for a field that is
/// absent), then their bytes. Four boxed strings in a boxed struct were three or four
/// allocations, with their headers and rounding, per document.
#[derive(Clone, PartialEq, Eq)]
pub struct Extra(Box<[u8]>);

/// The fields of [`Extra`], in the order of its header.
const EXTRA_FIELDS: usize = 4;
const ABSENT: u32 = u32::MAX;

impl Extra {
    /// The metadata of a record: its id, url, capture date and content languages.
    pub fn new(
        id: Option<&str>,
        url: Option<&str>,
        date: Option<&str>,
        content_language: Option<&str>,
    ) -> Self {
        let fields = [id, url, date, content_language];
        let len: usize = fields.iter().flatten().map(|f| f.len()).sum();
        let mut buf = Vec::with_capacity(4 * EXTRA_FIELDS + len);
        for f in &fields {
            // A field over 4 GiB cannot be read (records are at most --max-bytes).
            let n = f.map_or(ABSENT, |f| u32::try_from(f.len()).unwrap_or(0));
            buf.extend_from_slice(&n.to_le_bytes());
        }
        for f in fields.iter().flatten() {
            if u32::try_from(f.len()).is_ok() {
                buf.extend_from_slice(f.as_bytes());
            }
        }
        Extra(buf.into_boxed_slice())
    }

    /// Field `k` (0 id, 1 url, 2 date, 3 content languages), if present.
    fn field(&self, k: usize) -> Option<&str> {
        let len = |i: usize| {
            let at = 4 * i;
            u32::from_le_bytes(self.0[at..at + 4].try_into().expect("a length"))
        };
        if len(k) == ABSENT {
            return None;
        }
        let start = 4 * EXTRA_FIELDS
            + (0..k)
                .map(len)
                .filter(|&n| n != ABSENT)
                .map(|n| n as usize)
                .sum::<usize>();
        let bytes = &self.0[start..start + len(k) as usize];
        // Built from `&str`s by `new` only.
        Some(std::str::from_utf8(bytes).expect("UTF-8 fields"))
    }

    /// The id the input gave the document.
    pub fn id(&self) -> Option<&str> {
        self.field(0)
    }

    /// The URL the document was captured from.
    pub fn url(&self) -> Option<&str> {
        self.field(1)
    }

    /// When it was captured, as the archive says.
    pub fn date(&self) -> Option<&str> {
        self.field(2)
    }

    /// The languages the archive identified.
    pub fn content_language(&self) -> Option<&str> {
        self.field(3)
    }
}

impl fmt::Debug for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Extra")
            .field("id", &self.id())
            .field("url", &self.url())
            .field("date", &self.date())
            .field("content_language", &self.content_language())
            .finish()
    }
}

impl Meta {
    /// A plain capture file's metadata: keyed by `name` (its escaped relative path),
    /// in the site of its folder.
    pub fn file(origin: Origin, name: String, site: Site) -> Self {
        Meta {
            key: Key::new(name),
            origin,
            site,
            extra: None,
        }
    }

    /// The id the input gave the document, if any.
    pub fn id(&self) -> Option<&str> {
        self.extra.as_ref()?.id()
    }

    /// The URL the document was captured from, if the input says.
    pub fn url(&self) -> Option<&str> {
        self.extra.as_ref()?.url()
    }

    /// The path relative to its input root (`-` for stdin; for a record, the
    /// file's, since a record has no path of its own).
    pub fn rel(&self) -> &Path {
        match &self.origin {
            Origin::Stdin => Path::new("-"),
            Origin::Record { file, .. } => &file.rel,
            Origin::File { rel: Some(rel), .. } => rel,
            Origin::File { rel: None, .. } => Path::new(self.key.as_str()),
        }
    }

    /// The path that is opened, and that a user is shown (`-` for stdin).
    pub fn path(&self) -> PathBuf {
        match &self.origin {
            Origin::Stdin => PathBuf::from("-"),
            Origin::File { root, .. } => root.join(self.rel()),
            Origin::Record { file, .. } if file.rel.as_os_str() == "-" => PathBuf::from("-"),
            Origin::Record { file, .. } => file.root.join(&file.rel),
        }
    }

    /// Where the document's output goes below `--out`: a file's relative path
    /// (without a `.gz`/`.zst` ending: the output is plain text), `stdin.txt` for
    /// stdin, and `FILE#N.txt` for record N of FILE (`stdin#N.txt` from stdin).
    pub fn output_rel(&self) -> Cow<'_, Path> {
        match &self.origin {
            Origin::Stdin => Cow::Borrowed(Path::new("stdin.txt")),
            Origin::File { .. } => strip_compression(self.rel()),
            Origin::Record { file, number, .. } => {
                let file = if file.rel.as_os_str() == "-" {
                    Path::new("stdin")
                } else {
                    &file.rel
                };
                let mut name = file.as_os_str().to_owned();
                name.push(format!("#{number}.txt"));
                Cow::Owned(PathBuf::from(name))
            }
        }
    }

    /// Where a record came from: its file (as the manifest shows it), number and
    /// byte offset; `None` for a whole file.
    pub fn record(&self) -> Option<(&Path, u64, u64)> {
        match &self.origin {
            Origin::Record {
                file,
                number,
                offset,
                ..
            } => Some((&file.rel, *number, *offset)),
            _ => None,
        }
    }

    /// The kind of file the document is a record of; `None` for a whole file.
    pub fn record_format(&self) -> Option<RecordFormat> {
        match &self.origin {
            Origin::Record { file, .. } => Some(file.format),
            _ => None,
        }
    }

    /// WARC's capture date, if the archive gave one.
    pub fn date(&self) -> Option<&str> {
        self.extra.as_ref()?.date()
    }

    /// The languages the archive identified, if it did.
    pub fn content_language(&self) -> Option<&str> {
        self.extra.as_ref()?.content_language()
    }
}

/// `a.txt.gz` → `a.txt`, `a.zst` → `a`: a compressed capture's clean text is
/// written uncompressed, under the name it has once decompressed.
fn strip_compression(rel: &Path) -> Cow<'_, Path> {
    let compressed = rel.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        matches!(
            e.to_ascii_lowercase().as_str(),
            "gz" | "gzip" | "zst" | "zstd"
        )
    });
    if compressed && rel.file_stem().is_some() {
        Cow::Owned(rel.with_extension(""))
    } else {
        Cow::Borrowed(rel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_keeps_each_field_apart_and_absent_ones_absent() {
        let e = Extra::new(Some("r1"), Some("https://a.example/é"), None, Some(""));
        assert_eq!(e.id(), Some("r1"));
        assert_eq!(e.url(), Some("https://a.example/é"));
        assert_eq!(e.date(), None);
        assert_eq!(e.content_language(), Some(""), "empty is not absent");
        let none = Extra::new(None, None, Some("2024-05-01"), None);
        assert_eq!((none.id(), none.url()), (None, None));
        assert_eq!(none.date(), Some("2024-05-01"));
    }

    /// A run holds one `Meta` per document to its end (issue 12: a pipe's memory
    /// must grow by at most 1 KiB per document). A size is not a timing: this
    /// fails only when a field is added or widened, which should be a decision.
    #[test]
    fn a_documents_metadata_stays_small() {
        let sizes = (std::mem::size_of::<Meta>(), std::mem::size_of::<Origin>());
        assert!(sizes.0 <= 96 && sizes.1 <= 48, "{sizes:?}");
    }
}
