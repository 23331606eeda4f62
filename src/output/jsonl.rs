//! JSON Lines records (`--to jsonl`), in the shape the large corpus toolkits use:
//! `{"id", "text", "source", "metadata": {…the manifest row…}}`. The id is the
//! document's key, which is unique within a run. Streamed in record order to stdout
//! or to `--out/documents.jsonl` (written atomically).

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::interrupt;
use crate::output::atomic::temp_file_for_mode;
use crate::output::manifest::Row;
use crate::output::sink::{shared_mode, Writer, Written};
use crate::output::JSONL_FILE;
use crate::record::{Record, Status};
use crate::store::BodyStore;
use crate::ui::progress::Progress;

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

/// The JSON Lines writer: to `out/documents.jsonl` when `out` is given, else stdout.
pub struct Jsonl<'a> {
    pub out: Option<&'a Path>,
}

impl Writer for Jsonl<'_> {
    fn write(
        &mut self,
        records: &mut [Record],
        store: &dyn BodyStore,
        progress: &Progress,
    ) -> Result<Written> {
        type FilePair = (tempfile::NamedTempFile, PathBuf);
        let (mut sink, file_path): (Box<dyn Write>, Option<FilePair>) = match self.out {
            Some(out) => {
                let final_path = out.join(JSONL_FILE);
                let tmp = temp_file_for_mode(&final_path, shared_mode(records))
                    .and_then(|t| Ok((t.as_file().try_clone()?, t)));
                let (f, tmp) = tmp.map_err(|e| Error::write(&final_path, e))?;
                (Box::new(BufWriter::new(f)), Some((tmp, final_path)))
            }
            None => (Box::new(BufWriter::new(io::stdout().lock())), None),
        };
        let output_name = file_path.as_ref().map(|_| JSONL_FILE.to_owned());
        let mut written = Written::default();
        for rec in records.iter_mut() {
            if interrupt::is_set() {
                return Err(Error::Interrupted);
            }
            if rec.status != Status::Canonical {
                continue;
            }
            let body = match store.body(rec.key()) {
                Ok(b) => b,
                Err(e) => {
                    rec.status = Status::Error;
                    rec.write_error = Some(format!("cannot read staged output: {e}").into());
                    continue;
                }
            };
            let row = Row::new(rec, output_name.clone());
            let line = record_line(&row, &body);
            match sink.write_all(line.as_bytes()) {
                Ok(()) => {
                    written.documents += 1;
                    written.bytes += line.len() as u64;
                    progress.inc(1);
                }
                Err(e) => {
                    let p = file_path
                        .as_ref()
                        .map(|(t, _)| t.path().to_path_buf())
                        .unwrap_or_else(|| "-".into());
                    return Err(Error::write(p, e));
                }
            }
        }
        sink.flush().map_err(|e| {
            let p = file_path
                .as_ref()
                .map_or_else(|| "-".into(), |(t, _)| t.path().to_path_buf());
            Error::write(p, e)
        })?;
        drop(sink);
        if let Some((tmp, final_path)) = file_path {
            crate::output::atomic::persist(tmp, &final_path, true)
                .map_err(|e| Error::write(&final_path, e))?;
        }
        Ok(written)
    }
}
