//! Where the documents of JSON Lines shards and WARC archives wait between reading
//! and cleaning, and where each one's original record stays for the writers.
//!
//! Shards are read front to back (one may be a pipe), each on its own worker, before
//! cleaning starts, since their records are documents of the run like any file's.
//! Keeping their texts in memory would make memory grow with the size of the corpus;
//! instead each record is appended to a spool file on disk and read back when a
//! worker cleans it. Where it lies (a [`SpoolRef`]) is kept in the record's own
//! metadata, so the store holds no index: a run holds 16 bytes per record for it.
//!
//! One entry per record, holding both what cleaning reads (the text) and what the
//! writers pass through (the record's **input fields**, one JSON object):
//!
//! * a JSON Lines record is its line as read (every field, in its order, each
//!   value's bytes as they were), with where the text's JSON string lies in it: the
//!   text is unescaped from the line when it is read back, so it is never stored
//!   twice. The reader hands over a compact line (see [`Layout`]; a spaced one
//!   without its top-level whitespace, which rebuilding drops anyway), which also
//!   notes where its findings lie, so that `--to jsonl` writes it back by
//!   splicing, without parsing it again ([`InputStore::compact_line`]);
//! * a WARC record is its headers in order (`{"WARC-Type": "conversion", …}`),
//!   then its text.
//!
//! A writer that passes input fields through (`--to jsonl`) reads them back with
//! [`crate::store::BodyStore::input_fields`] at write time, so they are never held
//! in memory either.
//!
//! The spool lives in a private temporary folder (under `TMPDIR`), removed when the
//! store is dropped.

use std::io;
use std::ops::Range;
use std::path::Path;

use crate::document::{Meta, Origin, SpoolRef};
use crate::input::jsonl::Layout;
use crate::store::Spool;

/// The first byte of an entry: a JSON Lines line with its text's span.
const LINE: u8 = b'J';
/// The first byte of an entry: a compact JSON Lines line (see
/// [`crate::input::jsonl::Layout`]) with its text's span and its findings' span.
const COMPACT_LINE: u8 = b'C';
/// The first byte of an entry: input fields, then the text.
const FIELDS_THEN_TEXT: u8 = b'W';
/// Tag, then four little-endian `u32`s: the text's span (start, length) or the
/// fields' length and 0; the findings' span (`NONE` when absent).
const HEADER: usize = 17;
/// The findings' start in the header of a line that has none.
const NONE: u32 = u32::MAX;

/// A compact JSON Lines line as read, with where its text and its findings (an
/// earlier run's `docsift` field, if any) lie in it: what a writer needs to write
/// the record back with its clean text without parsing the line again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLine {
    pub line: Vec<u8>,
    pub text: Range<usize>,
    pub findings: Option<Range<usize>>,
}

/// Texts and input fields of a run's records, found by where each lies (which its
/// metadata keeps).
pub struct InputStore {
    records: Spool,
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
            dir,
        })
    }

    /// The folder the spool lives in.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Keeps a record: its input fields (one JSON object), then its text; where it
    /// lies, which its metadata keeps.
    pub fn put(&self, text: &[u8], fields: &[u8]) -> io::Result<SpoolRef> {
        let header = entry_header(FIELDS_THEN_TEXT, [u32_of(fields.len())?, 0, NONE, 0]);
        self.records.append_parts(&[&header, fields, text])
    }

    /// Keeps a JSON Lines record: its `line`, whose bytes `text` are the text's
    /// JSON string (quotes included), and the line's layout if it is compact; where
    /// it lies, which its metadata keeps.
    pub fn put_line(
        &self,
        line: &[u8],
        text: Range<usize>,
        layout: Option<&Layout>,
    ) -> io::Result<SpoolRef> {
        if text.end > line.len() || text.len() < 2 {
            return Err(io::Error::other("the text's span is not inside its line"));
        }
        let (tag, findings) = match layout {
            None => (LINE, [NONE, 0]),
            Some(Layout { findings: None }) => (COMPACT_LINE, [NONE, 0]),
            Some(Layout {
                findings: Some(f), ..
            }) => (COMPACT_LINE, [u32_of(f.start)?, u32_of(f.len())?]),
        };
        let header = entry_header(
            tag,
            [
                u32_of(text.start)?,
                u32_of(text.len())?,
                findings[0],
                findings[1],
            ],
        );
        self.records.append_parts(&[&header, line])
    }

    /// Ends reading: flushes the spool and opens it for reading back.
    pub fn seal(&mut self) -> io::Result<()> {
        self.records.seal()
    }

    /// The stored entry of the record `meta` describes (after [`InputStore::seal`]);
    /// `None` for a document that is not a record (a plain file).
    fn entry(&self, meta: &Meta) -> io::Result<Option<Vec<u8>>> {
        match &meta.origin {
            Origin::Record { stored, .. } => self.records.read(*stored).map(Some),
            _ => Ok(None),
        }
    }

    /// The text of the record `meta` describes (after [`InputStore::seal`]).
    pub fn text(&self, meta: &Meta) -> io::Result<Vec<u8>> {
        let mut entry = self
            .entry(meta)?
            .ok_or_else(|| io::Error::other("not a record"))?;
        let h = header(&entry)?;
        match h.tag {
            LINE | COMPACT_LINE => {
                let raw = &entry[HEADER..][h.a..h.a + h.b];
                if !raw.contains(&b'\\') {
                    // No escape: the string's bytes between its quotes are the text.
                    return Ok(raw[1..raw.len() - 1].to_vec());
                }
                serde_json::from_slice::<String>(raw)
                    .map(String::into_bytes)
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
            }
            _ => Ok(entry.split_off(HEADER + h.a)),
        }
    }

    /// The input fields, as one JSON object, of the record `meta` describes (after
    /// [`InputStore::seal`]); `None` for a document that is not a record.
    pub fn fields(&self, meta: &Meta) -> io::Result<Option<Vec<u8>>> {
        let Some(mut entry) = self.entry(meta)? else {
            return Ok(None);
        };
        let h = header(&entry)?;
        if h.tag == FIELDS_THEN_TEXT {
            entry.truncate(HEADER + h.a);
        }
        entry.drain(..HEADER);
        Ok(Some(entry))
    }

    /// The line with its layout of the record `meta` describes, if it is a compact
    /// JSON Lines line (after [`InputStore::seal`]); `None` for any other document.
    pub fn compact_line(&self, meta: &Meta) -> io::Result<Option<StoredLine>> {
        let Some(mut entry) = self.entry(meta)? else {
            return Ok(None);
        };
        let h = header(&entry)?;
        if h.tag != COMPACT_LINE {
            return Ok(None);
        }
        entry.drain(..HEADER);
        Ok(Some(StoredLine {
            line: entry,
            text: h.a..h.a + h.b,
            findings: h.findings,
        }))
    }
}

/// An entry's header.
fn entry_header(tag: u8, numbers: [u32; 4]) -> [u8; HEADER] {
    let mut h = [0; HEADER];
    h[0] = tag;
    for (k, n) in numbers.iter().enumerate() {
        h[1 + 4 * k..5 + 4 * k].copy_from_slice(&n.to_le_bytes());
    }
    h
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

/// An entry's header, read: its tag; the text's span (start `a`, length `b`) in
/// the line, or the fields' length `a`; the findings' span.
struct Header {
    tag: u8,
    a: usize,
    b: usize,
    findings: Option<Range<usize>>,
}

/// An entry's header, checked against the entry's length.
fn header(entry: &[u8]) -> io::Result<Header> {
    if entry.len() < HEADER {
        return Err(damaged("an entry shorter than its header"));
    }
    let num =
        |k: usize| u32::from_le_bytes(entry[1 + 4 * k..5 + 4 * k].try_into().expect("4 bytes"));
    let (tag, a, b) = (entry[0], num(0) as usize, num(1) as usize);
    let findings = (num(2) != NONE).then(|| num(2) as usize..(num(2) as usize + num(3) as usize));
    let body = entry.len() - HEADER;
    let fits = match tag {
        LINE | COMPACT_LINE => {
            a + b <= body && b >= 2 && findings.as_ref().is_none_or(|f| f.end <= body)
        }
        FIELDS_THEN_TEXT => a <= body,
        _ => false,
    };
    if !fits {
        return Err(damaged("an entry whose header does not fit it"));
    }
    Ok(Header {
        tag,
        a,
        b,
        findings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{Key, RecordFile, RecordFormat, Site};
    use std::sync::Arc;

    /// The metadata of record `number`, stored at `stored`.
    fn record(number: u64, stored: SpoolRef) -> Meta {
        let file = Arc::new(RecordFile {
            root: Arc::from(Path::new("")),
            rel: Path::new("s.jsonl").into(),
            format: RecordFormat::Jsonl,
            mode: None,
        });
        Meta {
            key: Key::new(format!("s.jsonl#{number}")),
            origin: Origin::Record {
                file,
                number,
                offset: 0,
                stored,
            },
            site: Site::default(),
            extra: None,
        }
    }

    #[test]
    fn texts_lines_and_fields_come_back_by_where_they_lie_and_the_folder_goes() {
        let mut s = InputStore::create(2).unwrap();
        let dir = s.dir().to_path_buf();
        let a = record(2, s.put(b"two", br#"{"text":"two","n":2}"#).unwrap());
        let line = br#"{"n":10,"text":"t\u0065n"}"#;
        let b = record(10, s.put_line(line, 15..25, None).unwrap());
        let compact = Layout {
            findings: Some(22..24),
        };
        let plain = br#"{"text":"plain","docsift":{}}"#;
        let c = record(11, s.put_line(plain, 8..15, Some(&compact)).unwrap());
        s.seal().unwrap();
        assert_eq!(s.text(&b).unwrap(), b"ten", "unescaped from its line");
        assert_eq!(s.fields(&b).unwrap().unwrap(), line, "the line as read");
        assert_eq!(s.compact_line(&b).unwrap(), None, "not compact");
        assert_eq!(s.text(&c).unwrap(), b"plain");
        assert_eq!(
            s.compact_line(&c).unwrap(),
            Some(StoredLine {
                line: plain.to_vec(),
                text: 8..15,
                findings: Some(22..24),
            })
        );
        assert_eq!(s.text(&a).unwrap(), b"two");
        assert_eq!(s.fields(&a).unwrap().unwrap(), br#"{"text":"two","n":2}"#);
        let file = Meta::file(Origin::Stdin, "other.txt".into(), Site::default());
        assert_eq!(s.fields(&file).unwrap(), None);
        drop(s);
        assert!(!dir.exists());
    }
}
