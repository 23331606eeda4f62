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
    /// A record inside a file (a JSON Lines line, a WARC record): the file's root
    /// and its path relative to that root (`-` for stdin, shared by every record of
    /// the file), the record's 1-based number and the byte offset where it starts
    /// in the decompressed stream. Its key is `FILE#N`.
    Record {
        root: Arc<Path>,
        file: Arc<Path>,
        number: u64,
        offset: u64,
        format: RecordFormat,
    },
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
    /// What only some readers know (id, url); boxed, so a plain file pays one word.
    pub extra: Option<Box<Extra>>,
}

/// Metadata that records and archives carry and plain files do not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extra {
    /// The id the input gave the document (a JSON Lines or WARC record's).
    pub id: Option<Box<str>>,
    /// The URL the document was captured from.
    pub url: Option<Box<str>>,
    /// When it was captured, as the archive says (WARC's `WARC-Date`).
    pub date: Option<Box<str>>,
    /// The languages the archive identified (WET's
    /// `WARC-Identified-Content-Language`, as written: `eng,fra`).
    pub content_language: Option<Box<str>>,
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
        self.extra.as_ref()?.id.as_deref()
    }

    /// The URL the document was captured from, if the input says.
    pub fn url(&self) -> Option<&str> {
        self.extra.as_ref()?.url.as_deref()
    }

    /// The path relative to its input root (`-` for stdin; for a record, the
    /// file's, since a record has no path of its own).
    pub fn rel(&self) -> &Path {
        match &self.origin {
            Origin::Stdin => Path::new("-"),
            Origin::Record { file, .. } => file,
            Origin::File { rel: Some(rel), .. } => rel,
            Origin::File { rel: None, .. } => Path::new(self.key.as_str()),
        }
    }

    /// The path that is opened, and that a user is shown (`-` for stdin).
    pub fn path(&self) -> PathBuf {
        match &self.origin {
            Origin::Stdin => PathBuf::from("-"),
            Origin::File { root, .. } => root.join(self.rel()),
            Origin::Record { file, .. } if file.as_os_str() == "-" => PathBuf::from("-"),
            Origin::Record { root, file, .. } => root.join(file),
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
                let file = if file.as_os_str() == "-" {
                    Path::new("stdin")
                } else {
                    file
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
            } => Some((file, *number, *offset)),
            _ => None,
        }
    }

    /// The kind of file the document is a record of; `None` for a whole file.
    pub fn record_format(&self) -> Option<RecordFormat> {
        match &self.origin {
            Origin::Record { format, .. } => Some(*format),
            _ => None,
        }
    }

    /// WARC's capture date, if the archive gave one.
    pub fn date(&self) -> Option<&str> {
        self.extra.as_ref()?.date.as_deref()
    }

    /// The languages the archive identified, if it did.
    pub fn content_language(&self) -> Option<&str> {
        self.extra.as_ref()?.content_language.as_deref()
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
