//! JSON Lines records (`--to jsonl`): how each canonical document becomes one line,
//! and the writer that streams them to stdout (shards under `--out` are
//! [`super::shards`]).
//!
//! Two shapes, chosen per document:
//!
//! * **Passthrough**, for a document that came from a JSON Lines record: the input
//!   record with every field kept, in its order and with its raw JSON (numbers keep
//!   their digits, nested objects their key order), the value at `--text-key`
//!   replaced by the clean text, and docsift's findings added under one top-level
//!   key, [`FINDINGS_KEY`], whose value is the document's manifest row (DESIGN §3). A
//!   FineWeb row stays a FineWeb row, a dolma record a dolma record. A `docsift`
//!   field the input already had (from an earlier run) is replaced in place.
//! * **docsift's own**, for every other document (a text capture, a WARC record), in
//!   the shape the large corpus toolkits use: `{"id", "text", "source", "metadata":
//!   {…the manifest row…}}`, the id being the document's key, unique within a run.
//!
//! The original fields are read back from the store
//! ([`BodyStore::input_fields`]) one record at a time, so the run holds no record's
//! fields or text in memory while it writes. A WARC record's fields are its
//! headers, which are not a record of anyone's corpus format: it gets docsift's own
//! shape, as a text capture does.

use std::io::{self, BufWriter, Write};

use rayon::prelude::*;
use serde::Serialize;
use serde_json::value::RawValue;

use crate::document::RecordFormat;
use crate::error::{Error, Result};
use crate::input::jsonl::{Fields, KeyPath};
use crate::interrupt;
use crate::output::manifest::Row;
use crate::output::sink::{Writer, Written};
use crate::record::{Record, Status};
use crate::store::{BodyStore, StoredLine};
use crate::ui::progress::Progress;

/// The top-level key under which a passthrough record carries docsift's findings
/// (its manifest row).
pub use crate::input::jsonl::FINDINGS_KEY;

#[derive(Serialize)]
struct JsonlRecord<'a> {
    id: &'a str,
    text: &'a str,
    source: &'a str,
    metadata: &'a Row<'a>,
}

/// One record line in docsift's own shape, newline included.
pub fn record_line(row: &Row<'_>, text: &str) -> String {
    let rec = JsonlRecord {
        id: row.source,
        text,
        source: row.source,
        metadata: row,
    };
    let mut s = serde_json::to_string(&rec).unwrap_or_default();
    s.push('\n');
    s
}

/// One passthrough line, newline included: `fields` with the value at `text_key`
/// replaced by `text` and [`FINDINGS_KEY`] set to `row`.
pub fn passthrough_line(
    mut fields: Fields,
    text_key: &KeyPath,
    row: &Row<'_>,
    text: &str,
) -> serde_json::Result<String> {
    let text = RawValue::from_string(serde_json::to_string(text)?)?;
    fields.set(text_key, text)?;
    let findings = RawValue::from_string(serde_json::to_string(row)?)?;
    let key: KeyPath = FINDINGS_KEY.parse().expect("a plain key");
    fields.set(&key, findings)?;
    let mut s = fields.to_json();
    s.push('\n');
    Ok(s)
}

/// What every JSON Lines writer needs to turn a record into its line: the bodies
/// and input fields, and where the text sits in a record.
pub struct Lines<'a> {
    pub store: &'a dyn BodyStore,
    /// `--text-key`: the field the clean text replaces.
    pub text_key: KeyPath,
}

impl Lines<'_> {
    /// The line for canonical `rec`, its manifest row naming `output` and
    /// `output_line` (where the line goes, under `--out`), newline included.
    pub fn line(
        &self,
        rec: &Record,
        output: Option<String>,
        output_line: Option<u64>,
    ) -> io::Result<Vec<u8>> {
        let body = self.store.body(rec.key())?;
        let mut row = Row::new(rec, output);
        row.output_line = output_line;
        if rec.meta.record_format() != Some(RecordFormat::Jsonl) {
            return Ok(record_line(&row, &body).into_bytes());
        }
        let rebuild = |e: serde_json::Error| {
            io::Error::other(format!("cannot rebuild the input record: {e}"))
        };
        if self.splices() {
            if let Some(stored) = self.store.input_line(&rec.meta)? {
                return splice(&stored, &row, &body).map_err(rebuild);
            }
        }
        match self.store.input_fields(&rec.meta)? {
            Some(bytes) => serde_json::from_slice::<Fields>(&bytes)
                .and_then(|fields| passthrough_line(fields, &self.text_key, &row, &body))
                .map(String::into_bytes)
                .map_err(rebuild),
            None => Ok(record_line(&row, &body).into_bytes()),
        }
    }

    /// Whether a compact line can be written back by splicing: its text is a
    /// top-level field (a nested one is rewritten inside its object, whose own
    /// spacing [`passthrough_line`] does not keep) other than the findings'.
    fn splices(&self) -> bool {
        self.text_key.segments().len() == 1 && self.text_key.segments()[0] != FINDINGS_KEY
    }
}

/// A compact line (see [`crate::input::jsonl::Layout`]) written back: its text
/// replaced by `text` and its findings by `row`, added as the last field when it
/// has none, newline included. The very bytes [`passthrough_line`] gives for the
/// line's fields, without parsing them again.
fn splice(stored: &StoredLine, row: &Row<'_>, text: &str) -> serde_json::Result<Vec<u8>> {
    let line = &stored.line[..];
    let t = stored.text.clone();
    let mut out = Vec::with_capacity(line.len() + text.len() + 1024);
    match stored.findings.clone() {
        Some(f) if f.start > t.start => {
            out.extend_from_slice(&line[..t.start]);
            serde_json::to_writer(&mut out, text)?;
            out.extend_from_slice(&line[t.end..f.start]);
            serde_json::to_writer(&mut out, row)?;
            out.extend_from_slice(&line[f.end..]);
        }
        Some(f) => {
            out.extend_from_slice(&line[..f.start]);
            serde_json::to_writer(&mut out, row)?;
            out.extend_from_slice(&line[f.end..t.start]);
            serde_json::to_writer(&mut out, text)?;
            out.extend_from_slice(&line[t.end..]);
        }
        None => {
            out.extend_from_slice(&line[..t.start]);
            serde_json::to_writer(&mut out, text)?;
            // Before the closing brace, which ends a compact line.
            out.extend_from_slice(&line[t.end..line.len() - 1]);
            out.extend_from_slice(b",");
            serde_json::to_writer(&mut out, FINDINGS_KEY)?;
            out.extend_from_slice(b":");
            serde_json::to_writer(&mut out, row)?;
            out.extend_from_slice(b"}");
        }
    }
    out.push(b'\n');
    Ok(out)
}

/// The JSON Lines writer to stdout (no `--out`), in record order.
pub struct Jsonl<'a> {
    pub lines: Lines<'a>,
}

/// Canonical records whose lines are built at once (in parallel, then written in
/// record order): enough to keep every worker busy, few enough that memory stays a
/// few hundred lines.
const LINES_AT_ONCE: usize = 256;

impl Writer for Jsonl<'_> {
    fn write(
        &mut self,
        records: &mut [Record],
        _store: &dyn BodyStore,
        progress: &Progress,
    ) -> Result<Written> {
        let mut sink = BufWriter::with_capacity(1 << 16, io::stdout().lock());
        let mut written = Written::default();
        let canonical: Vec<usize> = crate::record::canonical_indices(records);
        let window = LINES_AT_ONCE * rayon::current_num_threads().max(1);
        for group in canonical.chunks(window) {
            if interrupt::is_set() {
                return Err(Error::Interrupted);
            }
            let built: Vec<io::Result<Vec<u8>>> = {
                let records: &[Record] = records;
                group
                    .par_iter()
                    .map(|&i| self.lines.line(&records[i], None, None))
                    .collect()
            };
            for (&i, line) in group.iter().zip(built) {
                let rec = &mut records[i];
                let line = match line {
                    Ok(line) => line,
                    Err(e) => {
                        rec.status = Status::Error;
                        rec.write_error = Some(format!("cannot read staged output: {e}").into());
                        continue;
                    }
                };
                sink.write_all(&line).map_err(|e| Error::write("-", e))?;
                written.documents += 1;
                written.bytes += line.len() as u64;
                progress.inc(1);
            }
        }
        sink.flush().map_err(|e| Error::write("-", e))?;
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{Meta, Origin, Site};
    use crate::pipeline::{process, Pipeline};

    fn canonical(text: &str) -> Record {
        let meta = Meta::file(Origin::Stdin, "shard.jsonl#1".into(), Site::default()).into();
        let (rec, _) = process(text.as_bytes().to_vec(), meta, &Pipeline::default());
        rec
    }

    #[test]
    fn passthrough_keeps_every_field_in_order_and_adds_one_key() {
        let rec = canonical("The ferry crossed the sound at dawn.\n");
        let row = Row::new(&rec, Some("documents-00000.jsonl.zst".into()));
        let fields: Fields = serde_json::from_str(
            r#"{"id":"a1","text":"Share this\nThe ferry","dump":"CC-MAIN-2024-10","language_score":0.98000,"metadata":{"url":"http://x.example/","n":1}}"#,
        )
        .unwrap();
        let line = passthrough_line(fields, &"text".parse().unwrap(), &row, "clean\n").unwrap();
        assert!(line.ends_with("}\n"));
        assert!(
            line.starts_with(
                r#"{"id":"a1","text":"clean\n","dump":"CC-MAIN-2024-10","language_score":0.98000,"metadata":{"url":"http://x.example/","n":1},"docsift":{"source":"shard.jsonl#1","status":"canonical","output":"documents-00000.jsonl.zst""#
            ),
            "{line}"
        );
    }

    /// A line spliced gives the very bytes the fields rebuilt give, with the
    /// findings added, replaced before or after the text, with a key twice, and
    /// for a spaced line (spliced in its compact form).
    #[test]
    fn splicing_a_line_gives_the_bytes_of_rebuilding_it() {
        let rec = canonical("The ferry crossed the sound at dawn.\n");
        let row = Row::new(&rec, Some("documents-00000.jsonl.zst".into()));
        let keys = crate::input::jsonl::Keys::default();
        for line in [
            r#"{"id":"a1","text":"Share this\nThe ferry","n":0.50,"m":{"b": [1, 2]}}"#,
            r#"{"docsift":{"old":true},"text":"x \u00e9"}"#,
            r#"{"text":"x","docsift":null,"z":[]}"#,
            r#"{"text":"first","text":"second","docsift":1,"docsift":2}"#,
            // Spaced as Python's json.dumps writes, or more: compacted when read.
            r#"{"id": "a1", "text": "Share this\nThe ferry", "n": 0.50, "m": {"b": [1, 2]}}"#,
            r#" {"docsift" : {"old": true},"text":"x \u00e9" } "#,
            "{\"url\":\"u\",\n\t\"text\":\"x\",\r\"docsift\": null}",
        ] {
            let read = crate::input::jsonl::read_line(line.as_bytes(), true, &keys)
                .unwrap()
                .unwrap();
            let stored = StoredLine {
                line: read.compacted.unwrap_or_else(|| line.as_bytes().to_vec()),
                text: read.text,
                findings: read.layout.findings,
            };
            let spliced = splice(&stored, &row, "clean \"text\"\n").unwrap();
            let fields: Fields = serde_json::from_str(line).unwrap();
            let rebuilt =
                passthrough_line(fields, &"text".parse().unwrap(), &row, "clean \"text\"\n")
                    .unwrap();
            assert_eq!(String::from_utf8(spliced).unwrap(), rebuilt, "{line}");
        }
    }

    #[test]
    fn a_nested_text_key_is_replaced_where_it_is_and_an_old_findings_key_in_place() {
        let rec = canonical("The ferry crossed the sound at dawn.\n");
        let row = Row::new(&rec, None);
        let fields: Fields = serde_json::from_str(
            r#"{"docsift":{"old":true},"doc":{"body":"raw","lang":"en"},"z":[1,2]}"#,
        )
        .unwrap();
        let line = passthrough_line(fields, &"doc.body".parse().unwrap(), &row, "clean").unwrap();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["doc"]["body"], "clean");
        assert_eq!(v["doc"]["lang"], "en");
        assert_eq!(v["docsift"]["status"], "canonical");
        assert!(v["docsift"].get("old").is_none());
        assert!(line.starts_with(r#"{"docsift":{"source""#), "{line}");
        assert!(line.ends_with("\"z\":[1,2]}\n"), "{line}");
    }
}
