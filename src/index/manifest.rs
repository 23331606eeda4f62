//! `index.json`: the index's table of contents, and its commit point.
//!
//! It pins the format and [`Params`], lists the batches (number, the caller's name
//! and time, documents) and the segment files with their size and checksum. A
//! segment not named here is not part of the index. The file is replaced whole, by
//! rename, so a reader sees the old manifest or the new one.
//!
//! On disk it is JSON a person can read, wrapped with a checksum of its own bytes:
//!
//! ```text
//! {"checksum": "xxh3:<16 hex>",
//!  "manifest": { …pretty-printed… }}
//! ```
//!
//! The checksum covers the exact bytes of the `manifest` value (read back as a raw
//! JSON value), so any damage to it, even one that leaves valid JSON, is caught.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::index::error::{IndexError, Result};
use crate::index::params::{Params, FORMAT_VERSION};

/// The manifest's file name inside the index folder.
pub const MANIFEST_FILE: &str = "index.json";

/// What the `format` field holds.
pub const FORMAT_NAME: &str = "docsift-index";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    /// The docsift that last wrote the manifest (informational; not checked).
    pub written_by: String,
    pub params: Params,
    pub documents: u64,
    pub batches: Vec<BatchRecord>,
    pub segments: Vec<SegmentRecord>,
}

/// One batch: what the caller called it, and how many documents it added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchRecord {
    /// 1, 2, 3, … in the order batches were committed.
    pub number: u32,
    pub name: String,
    /// As the caller gave it (not the clock: the index bytes must not depend on when).
    pub time: Option<String>,
    pub documents: u64,
}

/// One immutable segment file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentRecord {
    pub file: String,
    pub bytes: u64,
    pub documents: u64,
    pub first_batch: u32,
    pub last_batch: u32,
    /// The checksum in the segment's footer (which covers every section's checksum).
    pub checksum: String,
}

#[derive(Deserialize)]
struct Wrapped<'a> {
    checksum: String,
    #[serde(borrow)]
    manifest: &'a RawValue,
}

/// Just the fields that say what format follows (read before the rest, so a future
/// format is reported as such rather than as unparsable).
#[derive(Deserialize)]
struct Head {
    format: Option<String>,
    format_version: Option<u32>,
}

impl Manifest {
    /// An index with no batches yet.
    pub fn empty(params: Params) -> Manifest {
        Manifest {
            format: FORMAT_NAME.to_owned(),
            format_version: FORMAT_VERSION,
            written_by: env!("CARGO_PKG_VERSION").to_owned(),
            params,
            documents: 0,
            batches: Vec::new(),
            segments: Vec::new(),
        }
    }

    /// The file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let body = serde_json::to_string_pretty(self).expect("a manifest serializes");
        let sum = checksum(body.as_bytes());
        format!("{{\"checksum\": \"{sum}\",\n\"manifest\": {body}}}\n").into_bytes()
    }

    /// Parses and checks the file's bytes (`path` names it in errors).
    pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<Manifest> {
        let bad = |what: String| IndexError::damaged(path, what);
        let text = std::str::from_utf8(bytes).map_err(|e| bad(format!("not UTF-8 ({e})")))?;
        if text.trim().is_empty() {
            return Err(bad(
                "empty file (the manifest is missing its content)".into()
            ));
        }
        let wrapped: Wrapped = serde_json::from_str(text).map_err(|e| {
            bad(format!(
                "not a readable manifest ({e}); truncated or damaged"
            ))
        })?;
        let raw = wrapped.manifest.get();
        let sum = checksum(raw.as_bytes());
        if sum != wrapped.checksum {
            return Err(bad(format!(
                "checksum mismatch (recorded {}, content has {sum}): the manifest is damaged",
                wrapped.checksum
            )));
        }
        let head: Head =
            serde_json::from_str(raw).map_err(|e| bad(format!("unreadable manifest ({e})")))?;
        if head.format.as_deref() != Some(FORMAT_NAME) {
            return Err(IndexError::NotAnIndex {
                path: path.to_path_buf(),
                why: format!("format is {:?}, not {FORMAT_NAME:?}", head.format),
            });
        }
        if head.format_version != Some(FORMAT_VERSION) {
            return Err(IndexError::Mismatch {
                path: path.to_path_buf(),
                param: "index format version",
                index: head.format_version.map_or("none".into(), |v| v.to_string()),
                ours: FORMAT_VERSION.to_string(),
            });
        }
        let m: Manifest =
            serde_json::from_str(raw).map_err(|e| bad(format!("unreadable manifest ({e})")))?;
        m.check(path)?;
        Ok(m)
    }

    /// The manifest's own invariants: batches numbered 1, 2, …; segments covering
    /// them in order, with counts that add up.
    fn check(&self, path: &Path) -> Result<()> {
        let bad = |what: String| Err(IndexError::damaged(path, what));
        for (i, b) in self.batches.iter().enumerate() {
            if b.number as usize != i + 1 {
                return bad(format!(
                    "batch {} is listed where batch {} belongs",
                    b.number,
                    i + 1
                ));
            }
        }
        let mut next = 1u32;
        let mut docs = 0u64;
        for s in &self.segments {
            if s.first_batch != next || s.last_batch < s.first_batch {
                return bad(format!(
                    "segment {} holds batches {}..{}, expected to start at {next}",
                    s.file, s.first_batch, s.last_batch
                ));
            }
            if s.last_batch as usize > self.batches.len() {
                return bad(format!(
                    "segment {} holds batches up to {}, only {} are listed",
                    s.file,
                    s.last_batch,
                    self.batches.len()
                ));
            }
            let in_batches: u64 = self.batches[s.first_batch as usize - 1..s.last_batch as usize]
                .iter()
                .map(|b| b.documents)
                .sum();
            if in_batches != s.documents {
                return bad(format!(
                    "segment {} counts {} documents, its batches {}",
                    s.file, s.documents, in_batches
                ));
            }
            if !is_segment_name(&s.file) {
                return bad(format!(
                    "segment file name {:?} is not one docsift writes",
                    s.file
                ));
            }
            docs += s.documents;
            next = s.last_batch + 1;
        }
        if next as usize != self.batches.len() + 1 {
            return bad(format!(
                "{} batches are listed but segments cover {}",
                self.batches.len(),
                next - 1
            ));
        }
        if docs != self.documents {
            return bad(format!(
                "the manifest counts {} documents, its segments {docs}",
                self.documents
            ));
        }
        Ok(())
    }
}

/// `seg-000001.dsx`: the name of the segment whose first batch is `batch`.
pub fn segment_name(batch: u32) -> String {
    format!("seg-{batch:06}.dsx")
}

/// Whether `name` is one [`segment_name`] gives (a plain name, no path).
pub fn is_segment_name(name: &str) -> bool {
    name.len() == 14
        && name.starts_with("seg-")
        && name.ends_with(".dsx")
        && name[4..10].bytes().all(|b| b.is_ascii_digit())
}

fn checksum(bytes: &[u8]) -> String {
    format!("xxh3:{:016x}", xxhash_rust::xxh3::xxh3_64(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Manifest {
        let mut m = Manifest::empty(Params::new(0.8));
        m.batches.push(BatchRecord {
            number: 1,
            name: "day one".into(),
            time: Some("2026-11-30T00:00:00Z".into()),
            documents: 2,
        });
        m.segments.push(SegmentRecord {
            file: segment_name(1),
            bytes: 100,
            documents: 2,
            first_batch: 1,
            last_batch: 1,
            checksum: "xxh3:0000000000000000".into(),
        });
        m.documents = 2;
        m
    }

    #[test]
    fn round_trips_and_is_readable_json() {
        let m = sample();
        let bytes = m.to_bytes();
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["manifest"]["batches"][0]["name"], "day one");
        assert_eq!(
            Manifest::from_bytes(Path::new("index.json"), &bytes).unwrap(),
            m
        );
    }

    #[test]
    fn damage_that_stays_valid_json_is_caught() {
        let bytes = sample().to_bytes();
        let text = String::from_utf8(bytes)
            .unwrap()
            .replace("\"documents\": 2", "\"documents\": 3");
        let err = Manifest::from_bytes(Path::new("index.json"), text.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("checksum mismatch"), "{err}");
    }

    #[test]
    fn truncation_and_emptiness_are_damage_not_an_empty_index() {
        let bytes = sample().to_bytes();
        for cut in [0, 1, bytes.len() / 2, bytes.len() - 3] {
            let err = Manifest::from_bytes(Path::new("index.json"), &bytes[..cut]).unwrap_err();
            assert!(
                matches!(err, IndexError::Damaged { .. }),
                "cut {cut}: {err}"
            );
        }
    }

    #[test]
    fn counts_that_do_not_add_up_are_caught() {
        let mut m = sample();
        m.documents = 5;
        let err = Manifest::from_bytes(Path::new("index.json"), &m.to_bytes()).unwrap_err();
        assert!(err.to_string().contains("counts 5 documents"), "{err}");
        let mut m = sample();
        m.batches[0].number = 2;
        let err = Manifest::from_bytes(Path::new("index.json"), &m.to_bytes()).unwrap_err();
        assert!(
            err.to_string().contains("batch 2 is listed where batch 1"),
            "{err}"
        );
    }

    #[test]
    fn another_format_version_is_a_mismatch() {
        // A newer index, and one of version 1 (before the shingle sets).
        for version in [FORMAT_VERSION + 1, 1] {
            let mut m = sample();
            m.format_version = version;
            let err = Manifest::from_bytes(Path::new("index.json"), &m.to_bytes()).unwrap_err();
            let said = format!("index format version = {version}, this docsift uses 2");
            assert!(err.to_string().contains(&said), "{err}");
        }
    }
}
