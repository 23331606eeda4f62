//! The text tree (`--out DIR`, `--to text`): one file per canonical document, with
//! its header (DESIGN §2), at its origin's path below `--out`. Documents are written
//! into the staging tree, then published into `--out` by rename (see [`Staging`]).

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::document::Key;
use crate::error::{Error, Result};
use crate::escape::escape_path;
use crate::interrupt;
use crate::output::atomic::Staging;
use crate::output::sink::{Writer, Written};
use crate::output::text;
use crate::record::{Record, Status};
use crate::store::BodyStore;
use crate::ui::progress::Progress;

/// The text tree writer.
pub struct TextTree<'a> {
    pub out: &'a Path,
    pub staging: &'a Staging,
    /// Whether each file starts with its metadata header (`--no-header` turns it off).
    pub header: bool,
}

/// For each canonical document, the keys of its duplicates, in record order (the
/// header's `duplicates`).
pub fn duplicates_of(records: &[Record]) -> HashMap<&Key, Vec<&str>> {
    let mut dups: HashMap<&Key, Vec<&str>> = HashMap::new();
    for r in records {
        if let Some(c) = r.duplicate_of() {
            dups.entry(c).or_default().push(r.key());
        }
    }
    dups
}

impl Writer for TextTree<'_> {
    fn write(
        &mut self,
        records: &mut [Record],
        store: &dyn BodyStore,
        progress: &Progress,
    ) -> Result<Written> {
        let out = self.out;
        let staging = self.staging;
        let results: Vec<Option<std::result::Result<u64, String>>> = {
            let dups = duplicates_of(records);
            records
                .par_iter()
                .map(|rec| {
                    if rec.status != Status::Canonical || interrupt::is_set() {
                        return None;
                    }
                    let rel = &*rec.meta.output_rel();
                    let result = store.body(rec.key()).and_then(|body| {
                        let mut data = String::with_capacity(body.len() + 300);
                        if self.header {
                            let names = dups.get(rec.key()).map_or(&[][..], |v| &v[..]);
                            data.push_str(&text::header(rec.key(), rec, names));
                        }
                        data.push_str(&body);
                        staging.write_document_mode(rel, data.as_bytes(), rec.mode.into())?;
                        Ok(data.len() as u64)
                    });
                    progress.inc(1);
                    Some(
                        result
                            .map_err(|e| format!("cannot write output {}: {e}", escape_path(rel))),
                    )
                })
                .collect()
        };
        if !interrupt::is_set() {
            progress.set_message("moving into place");
            let failures = staging.publish(out, &interrupt::is_set);
            mark_publish_failures(records, &failures);
        }
        if interrupt::is_set() {
            eprintln!("docsift: interrupted while writing documents; the manifest was not written");
            return Err(Error::Interrupted);
        }
        let mut written = Written::default();
        for (rec, r) in records.iter_mut().zip(results) {
            match r {
                Some(Ok(len)) if rec.status == Status::Canonical => {
                    written.documents += 1;
                    written.bytes += len;
                }
                Some(Err(e)) => {
                    rec.status = Status::Error;
                    rec.write_error = Some(e.into());
                }
                _ => {}
            }
        }
        // Each failed document's row says what its output path holds now.
        for rec in records.iter_mut() {
            if let (Status::Error, Some(e)) = (rec.status, &rec.write_error) {
                let rel = rec.meta.output_rel().into_owned();
                rec.write_error = Some(format!("{e}; {}", left_in_place(out, &rel)).into());
            }
        }
        Ok(written)
    }
}

/// Documents under an entry that could not be published become error rows.
fn mark_publish_failures(records: &mut [Record], failures: &[(PathBuf, io::Error)]) {
    for (rel, e) in failures {
        for rec in records.iter_mut() {
            if rec.status == Status::Canonical && rec.meta.output_rel().starts_with(rel) {
                rec.status = Status::Error;
                rec.write_error =
                    Some(format!("cannot write output {}: {e}", escape_path(rel)).into());
            }
        }
    }
}

/// What `out/rel` holds after its document failed to be written: said in the error row,
/// since the manifest names no file for an error row.
pub fn left_in_place(out: &Path, rel: &Path) -> &'static str {
    if std::fs::symlink_metadata(out.join(rel)).is_ok_and(|m| m.is_file()) {
        "--out keeps the file an earlier run wrote there"
    } else {
        "nothing was written there"
    }
}
