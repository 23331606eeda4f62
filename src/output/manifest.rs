//! `manifest.jsonl` (DESIGN §3): one JSON object per input, sorted by `source`.
//!
//! Field order is fixed by the struct, so the bytes are stable. Beyond the contract's
//! fields a row carries `malformed` (byte sequences replaced with U+FFFD while
//! decoding, so a lossy decode is never silent) and `removed` (the per-reason
//! breakdown of `lines_removed`) and `docsift_version` (the version that wrote it, so
//! a change of output can be traced to a change of docsift; the same on every row so
//! that each row stands alone when rows are filtered or concatenated). With `--to
//! jsonl --out`, `output` names the document's shard and `output_line` its line in
//! it (from 1); other rows leave `output_line` out, so text manifests are unchanged.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use crate::document::Reason;
use crate::error::{Error, Result};
use crate::escape::escape_path;
use crate::output::atomic::write_atomic_with_mode;
use crate::output::sink::{shared_mode, Writer, Written};
use crate::output::{shard_name, Compress, Format, MANIFEST_FILE};
use crate::record::{Record, Status};
use crate::store::BodyStore;
use crate::ui::progress::Progress;

/// One manifest row.
#[derive(Debug, Serialize)]
pub struct Row<'a> {
    pub source: &'a str,
    pub status: &'static str,
    pub output: Option<String>,
    pub duplicate_of: Option<&'a str>,
    pub similarity: Option<f64>,
    pub sha256: Option<String>,
    pub title: Option<&'a str>,
    pub encoding: Option<&'static str>,
    pub language: Option<&'static str>,
    pub bytes_in: Option<u64>,
    pub bytes_out: Option<u64>,
    pub lines_removed: Option<u64>,
    pub error: Option<String>,
    pub malformed: u32,
    pub removed: std::collections::BTreeMap<&'static str, u32>,
    pub docsift_version: &'static str,
    /// For a record of a shard or archive: the file it is in (relative to its input
    /// root, as `source` names files; `-` for stdin), its number there (JSON Lines:
    /// line; WARC: record) and the byte offset where it starts (decompressed).
    /// Omitted for plain files, whose `source` is their file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// The id and url the input gave (omitted when it gave none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<&'a str>,
    /// WARC's `WARC-Date` and `WARC-Identified-Content-Language` (omitted when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_language: Option<&'a str>,
    /// The line of `output` (a JSON Lines shard) holding the document, from 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_line: Option<u64>,
    /// With `--index`, on a duplicate of a document of an earlier batch only (so a
    /// manifest without `--index` is unchanged): `duplicate_of_id` and
    /// `duplicate_of_batch`.
    #[serde(flatten)]
    pub earlier: Option<EarlierRow<'a>>,
}

/// The manifest's fields for a duplicate of an earlier batch's document (DESIGN §3).
#[derive(Debug, Serialize)]
pub struct EarlierRow<'a> {
    /// The earlier document's id (null if it had none: a file input).
    pub duplicate_of_id: Option<&'a str>,
    pub duplicate_of_batch: BatchRow<'a>,
}

/// A batch of the index, as a manifest row names it.
#[derive(Debug, Serialize)]
pub struct BatchRow<'a> {
    pub number: u32,
    pub name: &'a str,
}

impl<'a> Row<'a> {
    /// The row for `rec`; `output` is the written file's path relative to `--out`
    /// (canonical rows only).
    pub fn new(rec: &'a Record, output: Option<String>) -> Self {
        let ok = !rec.is_error();
        Row {
            source: rec.key(),
            status: rec.status.name(),
            output: if rec.status == Status::Canonical {
                output
            } else {
                None
            },
            duplicate_of: rec.duplicate_of().map(|k| &**k),
            similarity: rec.similarity().map(round4),
            sha256: rec.sha256_hex(),
            title: rec.title.as_deref(),
            encoding: rec.encoding.map(encoding_rs::Encoding::name),
            language: rec.language,
            bytes_in: (ok || rec.bytes_in > 0).then_some(rec.bytes_in),
            bytes_out: ok.then_some(rec.bytes_out),
            lines_removed: ok.then(|| rec.removed.total()),
            error: rec.error_reason(),
            malformed: rec.malformed,
            removed: rec
                .removed
                .nonzero()
                .map(|(r, n): (Reason, u32)| (r.name(), n))
                .collect(),
            docsift_version: env!("CARGO_PKG_VERSION"),
            file: rec.meta.record().map(|(f, _, _)| escape_path(f)),
            record: rec.meta.record().map(|(_, n, _)| n),
            offset: rec.meta.record().map(|(_, _, o)| o),
            id: rec.meta.id(),
            url: rec.meta.url(),
            date: rec.meta.date(),
            content_language: rec.meta.content_language(),
            output_line: None,
            earlier: rec.earlier().map(|e| EarlierRow {
                duplicate_of_id: e.id.as_deref(),
                duplicate_of_batch: BatchRow {
                    number: e.batch,
                    name: &e.batch_name,
                },
            }),
        }
    }

    pub fn to_json_line(&self) -> String {
        let mut s = serde_json::to_string(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// Rounds a similarity to four decimals so manifests are byte-stable.
fn round4(x: f32) -> f64 {
    (x as f64 * 10_000.0).round() / 10_000.0
}

/// The manifest writer: every record's row, in record order, to `out/manifest.jsonl`
/// (atomically; the previous manifest stays if it cannot be written), with the
/// permission bits of the most private input. `format` (and for JSON Lines
/// `compress`, which names the shards) says where canonical documents went (their
/// `output`).
pub struct Manifest<'a> {
    pub out: &'a Path,
    pub format: Format,
    pub compress: Compress,
}

impl Manifest<'_> {
    /// The manifest's path.
    pub fn path(&self) -> std::path::PathBuf {
        self.out.join(MANIFEST_FILE)
    }

    fn rows(&self, records: &[Record], w: &mut dyn Write) -> std::io::Result<u64> {
        let mut bytes = 0;
        for rec in records {
            let (output, output_line) = match self.format {
                Format::Jsonl => match rec.placed {
                    Some(p) => (
                        Some(shard_name(p.shard, self.compress)),
                        Some(u64::from(p.line)),
                    ),
                    None => (None, None),
                },
                Format::Text => (Some(escape_path(&rec.meta.output_rel())), None),
            };
            let mut row = Row::new(rec, output);
            if row.output.is_some() {
                row.output_line = output_line;
            }
            let line = row.to_json_line();
            w.write_all(line.as_bytes())?;
            bytes += line.len() as u64;
        }
        Ok(bytes)
    }
}

impl Writer for Manifest<'_> {
    fn write(
        &mut self,
        records: &mut [Record],
        _store: &dyn BodyStore,
        _progress: &Progress,
    ) -> Result<Written> {
        let path = self.path();
        let mut bytes = 0;
        write_atomic_with_mode(&path, shared_mode(&*records), |w| {
            bytes = self.rows(records, w)?;
            Ok(())
        })
        .map_err(|e| Error::write(&path, e))?;
        Ok(Written {
            documents: records.len(),
            bytes,
        })
    }
}
