//! JSON Lines records (`--to jsonl`), in the shape the large corpus toolkits use:
//! `{"id", "text", "source", "metadata": {…the manifest row…}}`. The id is the source,
//! which is unique within a run.

use serde::Serialize;

use crate::output::manifest::Row;

#[derive(Serialize)]
struct JsonlRecord<'a> {
    id: &'a str,
    text: &'a str,
    source: &'a str,
    metadata: &'a Row<'a>,
}

/// One record line, newline included.
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
