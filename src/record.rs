//! What the run remembers about each input after its text is gone.
//!
//! Bodies are never held for the whole corpus (memory must grow with the number of
//! documents, not their size): a [`Record`] keeps only what the manifest, the
//! header and the corpus stages need. A record refers to documents by [`Key`] only
//! (its own, in its [`Meta`], and its canonical's), never by a position in a list.

use crate::document::{Key, Meta, ReasonCounts};
use crate::error::DocError;

/// An input's outcome, as the manifest's `status` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Canonical,
    Duplicate,
    NearDuplicate,
    Empty,
    Error,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Canonical => "canonical",
            Status::Duplicate => "duplicate",
            Status::NearDuplicate => "near_duplicate",
            Status::Empty => "empty",
            Status::Error => "error",
        }
    }
}

/// One input's outcome and metadata.
#[derive(Debug, Clone)]
pub struct Record {
    /// What the reader knew about the document: its key, origin, site, id, url.
    pub meta: std::sync::Arc<Meta>,
    pub status: Status,
    pub error: Option<Box<DocError>>,
    /// Set when writing the output failed (the row becomes an error).
    pub write_error: Option<Box<str>>,
    /// The encoding the input was decoded from (a thin pointer: its name is one call away).
    pub encoding: Option<&'static encoding_rs::Encoding>,
    pub malformed: u32,
    pub language: Option<&'static str>,
    pub bytes_in: u64,
    /// Bytes of the clean body (UTF-8).
    pub bytes_out: u64,
    pub sha256: Option<[u8; 32]>,
    pub title: Option<Box<str>>,
    pub removed: ReasonCounts,
    /// What a duplicate or near duplicate was matched to (boxed: most records are
    /// neither, and a run holds every record to its end).
    pub matched: Option<Box<Match>>,
    /// Shingles in the clean body (the "most complete" measure of canonical order).
    pub shingles: u32,
    /// MinHash signature of the clean body (None for bodies too short for near
    /// duplicates, and for non-documents).
    pub signature: Option<crate::dedup::Signature>,
    /// Permission bits the input's outputs may have at most (the input file's own;
    /// `0o777`, no restriction, when it has none, e.g. a pipe).
    pub mode: u16,
    /// Where `--to jsonl --out` put the document: its shard and line (the manifest's
    /// `output` and `output_line`); set by the shard writer.
    pub placed: Option<Placed>,
}

/// A document's place in the JSON Lines shards: shard number (from 0) and line
/// number in it (from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    pub shard: u32,
    pub line: u32,
}

/// The canonical document a duplicate or near duplicate was matched to.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// The canonical's key (the manifest's `duplicate_of`).
    pub of: Key,
    /// The measured similarity (1.0 for an exact duplicate).
    pub similarity: f32,
    /// With `--index`, when `of` names a document of an earlier batch: its id and
    /// that batch.
    pub earlier: Option<Earlier>,
}

/// The earlier document a duplicate was matched to in `--index`, beyond its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Earlier {
    /// The earlier document's id (record inputs), if it had one.
    pub id: Option<Box<str>>,
    /// The batch it came in: its number in the index and its name.
    pub batch: u32,
    pub batch_name: Box<str>,
}

/// The places of the canonical records in `records`, in order (what the writers write).
pub fn canonical_indices(records: &[Record]) -> Vec<usize> {
    records
        .iter()
        .enumerate()
        .filter(|(_, r)| r.status == Status::Canonical)
        .map(|(i, _)| i)
        .collect()
}

impl Record {
    pub fn error(meta: std::sync::Arc<Meta>, err: DocError, bytes_in: u64) -> Self {
        Record {
            meta,
            status: Status::Error,
            error: Some(Box::new(err)),
            write_error: None,
            encoding: None,
            malformed: 0,
            language: None,
            bytes_in,
            bytes_out: 0,
            sha256: None,
            title: None,
            removed: ReasonCounts::default(),
            matched: None,
            shingles: 0,
            signature: None,
            mode: 0o777,
            placed: None,
        }
    }

    /// The one-line error reason for the manifest, if any.
    pub fn error_reason(&self) -> Option<String> {
        self.error
            .as_ref()
            .map(ToString::to_string)
            .or_else(|| self.write_error.as_deref().map(str::to_owned))
    }

    /// The document's key (the manifest's `source`).
    pub fn key(&self) -> &Key {
        &self.meta.key
    }

    /// The canonical's key, for a duplicate or near duplicate.
    pub fn duplicate_of(&self) -> Option<&Key> {
        self.matched.as_ref().map(|m| &m.of)
    }

    /// The measured similarity to the canonical, for a duplicate or near duplicate.
    pub fn similarity(&self) -> Option<f32> {
        self.matched.as_ref().map(|m| m.similarity)
    }

    /// With `--index`, the earlier batch's document a duplicate was matched to.
    pub fn earlier(&self) -> Option<&Earlier> {
        self.matched.as_ref().and_then(|m| m.earlier.as_ref())
    }

    pub fn is_error(&self) -> bool {
        self.status == Status::Error
    }

    pub fn sha256_hex(&self) -> Option<String> {
        self.sha256.map(|h| hex(&h))
    }
}

/// Lower-case hex of a byte string.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run holds one `Record` per input to its end (issue 12: a pipe's memory must
    /// grow by at most 1 KiB per document). A size is not a timing: this fails only
    /// when a field is added or widened, which should then be a decision.
    #[test]
    fn a_record_stays_small() {
        let size = std::mem::size_of::<Record>();
        assert!(size <= 192, "Record is {size} bytes");
    }
}
