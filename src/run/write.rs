//! The run's last step: the writers in order (documents, kept duplicates, the
//! manifest last), then `--force`'s stale files, then what stderr says.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use super::Run;
use crate::error::{Error, Result};
use crate::escape::{escape_path, terminal_str};
use crate::exit::Exit;
use crate::output::atomic::Staging;
use crate::output::jsonl::{Jsonl, Lines};
use crate::output::keep::KeptDuplicates;
use crate::output::manifest::Manifest;
use crate::output::shards::Shards;
use crate::output::tree::TextTree;
use crate::output::{shard_name, Format, Sink, Writer, MANIFEST_FILE};
use crate::record::{Record, Status};
use crate::store::BodyStore;

impl Run<'_> {
    pub(super) fn write_all(
        &self,
        records: &mut [Record],
        staging: &Staging,
        store: &dyn BodyStore,
    ) -> Result<Exit> {
        // What the previous run wrote, read before this run's manifest replaces its.
        let previous = match &self.cfg.out {
            Some(out) if self.cfg.force => {
                crate::output::previous::outputs(out).map_err(|e| Error::Read {
                    path: out.join(MANIFEST_FILE),
                    source: e,
                })?
            }
            _ => None,
        };
        let canonical = records
            .iter()
            .filter(|r| r.status == Status::Canonical)
            .count() as u64;
        let shards = canonical.div_ceil(self.cfg.shard_size.max(1)) as u32;
        self.progress.phase("writing", canonical);
        let mut documents: Box<dyn Writer + '_> = match (self.sink, self.cfg.format, &self.cfg.out)
        {
            (Sink::Out, Format::Text, Some(out)) => Box::new(TextTree {
                out,
                staging,
                header: self.cfg.header,
            }),
            (Sink::Out, Format::Jsonl, Some(out)) => Box::new(Shards {
                out,
                staging,
                shard_size: self.cfg.shard_size,
                compress: self.cfg.compress,
                lines: self.lines(store),
            }),
            _ => Box::new(Jsonl {
                lines: self.lines(store),
            }),
        };
        let written = documents.write(records, store, &self.progress)?;
        drop(documents);
        if let Some(dir) = &self.cfg.keep_duplicates {
            KeptDuplicates { dir }.write(records, store, &self.progress)?;
        }
        let mut stale_failed = false;
        if let Some(out) = &self.cfg.out {
            let mut manifest = Manifest {
                out,
                format: self.cfg.format,
                compress: self.cfg.compress,
            };
            if let Err(e) = manifest.write(records, store, &self.progress) {
                // Every document is in place, old or new; the failed ones are named
                // here since no manifest can name them.
                self.report_errors(records);
                eprintln!(
                    "docsift: cannot write the manifest; {} still holds the previous one, if any",
                    terminal_str(&escape_path(&manifest.path()))
                );
                return Err(e);
            }
            // Removed only once the new manifest no longer names them, so a manifest
            // never names a file that is not there.
            if let Some(previous) = previous {
                stale_failed = !self.remove_stale(out, &previous, records, shards);
            }
        }
        // The bar goes before the notices and the summary take its place on stderr.
        self.progress.finish();
        self.report_errors(records);
        self.finish(records, written.documents, written.bytes)
            .map(|code| {
                if stale_failed {
                    code.merge(Exit::Failure)
                } else {
                    code
                }
            })
    }

    /// How JSON Lines writers build each record's line.
    fn lines<'s>(&'s self, store: &'s dyn BodyStore) -> Lines<'s> {
        Lines {
            store,
            text_key: self.cfg.reading.keys.text.clone(),
        }
    }

    /// `shards`: how many JSON Lines shards this run wrote or tried to write.
    fn remove_stale(
        &self,
        out: &Path,
        previous: &BTreeSet<PathBuf>,
        records: &[Record],
        shards: u32,
    ) -> bool {
        let written: HashSet<PathBuf> = if self.cfg.format == Format::Jsonl {
            (0..shards)
                .map(|n| PathBuf::from(shard_name(n, self.cfg.compress)))
                .collect()
        } else {
            records
                .iter()
                .filter(|r| r.status == Status::Canonical || r.write_error.is_some())
                .map(|r| r.meta.output_rel().to_path_buf())
                .collect()
        };
        let (removed, failed) = crate::output::previous::remove_stale(out, previous, &written);
        if !removed.is_empty() && !self.cfg.quiet {
            eprintln!(
                "docsift: removed {} file{} an earlier run wrote that this run does not",
                removed.len(),
                if removed.len() == 1 { "" } else { "s" }
            );
        }
        for (rel, e) in &failed {
            eprintln!(
                "docsift: {}: cannot remove this earlier output, which this run does not write: {e}",
                terminal_str(&escape_path(&out.join(rel)))
            );
        }
        failed.is_empty()
    }
}
