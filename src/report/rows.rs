//! The run's facts as the report reads them: `OUT/manifest.jsonl` (the contract,
//! DESIGN §3), never the runner's internals, so a report can be made for any
//! finished run (`docsift report OUT`) and fields added to the manifest later do
//! not break it (unknown fields are ignored, newer optional ones default).

use std::collections::BTreeMap;
use std::io::{self, BufRead};
use std::path::Path;

use serde::Deserialize;

use crate::output::MANIFEST_FILE;

/// One manifest row: the fields the report shows.
#[derive(Debug, Clone, Deserialize)]
pub struct Row {
    pub source: String,
    pub status: String,
    #[serde(default)]
    pub output: Option<String>,
    #[serde(default)]
    pub duplicate_of: Option<String>,
    #[serde(default)]
    pub similarity: Option<f64>,
    #[serde(default)]
    pub sha256: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub encoding: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub bytes_in: Option<u64>,
    #[serde(default)]
    pub bytes_out: Option<u64>,
    #[serde(default)]
    pub lines_removed: Option<u64>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub malformed: u64,
    #[serde(default)]
    pub removed: BTreeMap<String, u64>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub docsift_version: Option<String>,
}

impl Row {
    /// The site the row's document belongs to, as `clean` groups them by default:
    /// its URL's host when the manifest gives one, else the folder of its source
    /// (`.` for a file at the root of its input).
    pub fn site(&self) -> String {
        if let Some(host) = self.url.as_deref().and_then(crate::site::key::host_of) {
            return host;
        }
        match self.source.rsplit_once('/') {
            Some((dir, _)) if !dir.is_empty() => dir.to_owned(),
            _ => ".".to_owned(),
        }
    }
}

/// Reads `out/manifest.jsonl`; an unreadable line is an error naming its number.
pub fn read(out: &Path) -> io::Result<Vec<Row>> {
    let path = out.join(MANIFEST_FILE);
    let file = std::fs::File::open(&path)?;
    let mut rows = Vec::new();
    for (n, line) in io::BufReader::new(file).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let row = serde_json::from_str(&line).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("line {}: not a manifest row: {e}", n + 1),
            )
        })?;
        rows.push(row);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_with_their_site_and_a_bad_line_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let m = dir.path().join(MANIFEST_FILE);
        std::fs::write(
            &m,
            concat!(
                r#"{"source":"harbour/a.txt","status":"canonical","removed":{"phrase":2},"later_field":1}"#,
                "\n",
                r#"{"source":"b.txt","status":"error","error":"binary file (NUL byte at offset 3)"}"#,
                "\n",
                r#"{"source":"rec/7","status":"empty","url":"https://www.Example.org/x"}"#,
                "\n"
            ),
        )
        .unwrap();
        let rows = read(dir.path()).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].site(), "harbour");
        assert_eq!(rows[0].removed["phrase"], 2);
        assert_eq!(rows[1].site(), ".");
        assert_eq!(rows[2].site(), "example.org");
        std::fs::write(&m, "{\"source\":\"a\",\"status\":\"canonical\"}\n{oops\n").unwrap();
        let e = read(dir.path()).unwrap_err().to_string();
        assert!(e.starts_with("line 2: not a manifest row"), "{e}");
    }
}
