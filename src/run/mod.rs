//! The local runner of `docsift clean`: it drives the readers, the per-document
//! pipeline, site boilerplate, deduplication and the writers over a rayon pool, and
//! owns what one run counts (its limits tally, its timings, its progress). The work
//! is in those modules; the runner only schedules it.
//!
//! Memory stays proportional to the number of documents, never their size: a
//! document's text lives only while a worker cleans it (or, for a site whose
//! boilerplate is being learned, until that site is done, up to
//! [`crate::config::SITE_CACHE`] documents; two sites at a time, since one site's
//! learning overlaps the next site's cleaning). What survives is a [`Record`] per
//! input, and bodies wait in the spool until deduplication has decided what is
//! written where.
//!
//! 1. Sites too small to learn boilerplate from are cleaned in one parallel pass.
//! 2. Every other site, in turn: its captures are cleaned in parallel, its boilerplate
//!    is learned (`site`) and removed, and its documents are spooled (`run::sites`).
//! 3. Deduplication over every spooled body (`dedup`), read back by key; with
//!    `--index`, first against the earlier batches' canonicals (`run::index`).
//! 4. The writers (`output`) put the canonical documents in place and write the
//!    manifest (`run::write`); with `--index`, the batch's canonicals are then added.
//!
//! Documents are numbered privately in key order (the sorted source list), and
//! results are collected in that order, so output never depends on thread count or
//! input order; everything that leaves the run names documents by key.

pub mod index;
mod report;
mod sites;
mod timings;
mod write;

use std::path::PathBuf;
use std::sync::atomic::AtomicUsize;
use std::time::Instant;

use crate::config::CleanConfig;
use crate::dedup::{self, BodyId};
use crate::document::{Key, Origin};
use crate::error::{DocError, Error, Result};
use crate::exit::Exit;
use crate::input::{self, Source};
use crate::interrupt;
use crate::limits::Tally;
use crate::output::atomic::{sweep_temp_files, Staging};
use crate::output::stdout::StdoutText;
use crate::output::{Sink, Writer};
use crate::pipeline::{self, Pipeline, Processed};
use crate::record::{Record, Status};
use crate::store::{InputStore, RunStore, SetSpool};

use crate::ui::progress::Progress;

use timings::Timings;

/// Reads one source and runs the cleaning half of the pipeline on it; on failure,
/// the reason and the bytes read.
pub fn load(
    source: &Source,
    pipeline: &Pipeline,
    max_bytes: u64,
) -> std::result::Result<Processed, (DocError, u64)> {
    load_from(source, None, pipeline, max_bytes)
}

/// [`load`], for a run whose shards and archives were read into `inputs`: a
/// record's text comes from there, with its file's permission bits.
pub fn load_from(
    source: &Source,
    inputs: Option<&InputStore>,
    pipeline: &Pipeline,
    max_bytes: u64,
) -> std::result::Result<Processed, (DocError, u64)> {
    let read = match (&source.meta.origin, inputs) {
        (Origin::Record { file, .. }, Some(inputs)) if source.walk_error.is_none() => inputs
            .text(&source.meta)
            .map(|text| (text, file.mode))
            .map_err(|e| DocError::Read(format!("cannot read the record back: {e}"))),
        _ => input::read_source_with_mode(source, max_bytes),
    };
    let (bytes, mode) = read.map_err(|e| {
        let size = match &e {
            DocError::TooLarge { size, .. } => *size,
            _ => 0,
        };
        (e, size)
    })?;
    let size = bytes.len() as u64;
    let mut p = pipeline::clean(bytes, pipeline).map_err(|e| (e, size))?;
    p.mode = mode;
    Ok(p)
}

/// One run of `clean` over its sources.
pub struct Run<'a> {
    cfg: &'a CleanConfig,
    /// The progress bar (drawn only for a corpus run, see [`Run::corpus`]).
    progress: Progress,
    sources: Vec<Source>,
    pipeline: Pipeline,
    sink: Sink,
    started: Instant,
    /// Links met while walking and not followed (no `--follow`), reported at the end.
    skipped_links: Vec<PathBuf>,
    /// The bounds that bit, over every document and step of this run.
    limits: Tally,
    /// `--report`: where each document's per-line decisions are kept.
    line_log: Option<&'a crate::report::LineLog>,
    /// The texts and input fields of the records read from shards and archives.
    inputs: Option<std::sync::Arc<InputStore>>,
    /// WARC records that are not documents, by type, for the summary.
    skipped_records: std::collections::BTreeMap<String, u64>,
    /// `--index`: the earlier batches, and where this one is added.
    index: Option<std::sync::Mutex<index::RunIndex>>,
    /// Each canonical's short shingle set, spooled while cleaning (near-duplicate
    /// detection and `--index` rule out candidate pairs on them).
    sets: Option<SetSpool>,
}

/// Returned by a phase that saw Ctrl-C: how many inputs were done.
struct Interrupted(usize);

/// A document's record once its body (if any) is spooled.
type Staged = Record;

impl<'a> Run<'a> {
    pub fn new(
        cfg: &'a CleanConfig,
        expanded: input::Expanded,
        sink: Sink,
        started: Instant,
    ) -> Self {
        Run {
            cfg,
            progress: Progress::hidden(),
            sources: expanded.sources,
            pipeline: Pipeline::new(cfg.rules.clone()),
            sink,
            started,
            skipped_links: expanded.skipped_links,
            limits: Tally::default(),
            line_log: None,
            inputs: expanded.inputs,
            skipped_records: expanded.skipped_records,
            index: None,
            sets: None,
        }
    }

    /// Deduplicates against `index` too, and adds the run's canonicals to it at the end.
    pub fn with_index(mut self, index: Option<index::RunIndex>) -> Self {
        self.index = index.map(std::sync::Mutex::new);
        self
    }

    /// Keeps each document's per-line decisions in `log` (`--report`), by manifest row.
    pub fn with_line_log(mut self, log: Option<&'a crate::report::LineLog>) -> Self {
        self.line_log = log;
        self
    }

    /// Runs to the end (in the current rayon pool); the exit status.
    pub fn execute(self) -> Result<Exit> {
        match self.sink {
            Sink::StdoutText => self.single(),
            Sink::StdoutJsonl | Sink::Out => self.corpus(),
        }
    }

    fn load(&self, i: usize) -> std::result::Result<Processed, (DocError, u64)> {
        let p = load_from(
            &self.sources[i],
            self.inputs.as_deref(),
            &self.pipeline,
            self.cfg.max_bytes,
        );
        if let Ok(p) = &p {
            self.limits.add(&p.cleaned.doc.limits);
        }
        p
    }

    /// One input, clean text on stdout.
    fn single(self) -> Result<Exit> {
        // Until its text is printed, the run may be abandoned (see `interrupt`).
        let reading = interrupt::abandonable(None, 1, Default::default());
        let loaded = self.load(0);
        drop(reading);
        if interrupt::is_set() {
            eprintln!("docsift: interrupted: 1 of 1 inputs not processed; nothing was written");
            return Err(Error::Interrupted);
        }
        let meta = self.sources[0].meta.clone();
        let (record, body) = match loaded {
            Err((e, size)) => (Record::error(meta, e, size), String::new()),
            Ok(p) => pipeline::finish(&p, meta, None, &self.pipeline, None),
        };
        if record.status == Status::Empty && !self.cfg.quiet {
            eprintln!(
                "docsift: {}: nothing left after cleaning",
                crate::escape::terminal_str(record.key())
            );
        }
        let store: std::collections::HashMap<Key, String> = [(record.key().clone(), body)].into();
        let mut records = [record];
        let written = StdoutText {
            header: self.cfg.header,
        }
        .write(&mut records, &store, &self.progress)?;
        self.report_errors(&records);
        self.finish(&records, written.documents, written.bytes)
    }

    /// Many inputs: clean and spool, deduplicate, write in order.
    fn corpus(mut self) -> Result<Exit> {
        let workers = rayon::current_num_threads();
        let mut staging = match (&self.cfg.out, self.sink) {
            (Some(out), Sink::Out) => {
                Staging::inside(out, workers).map_err(|e| Error::write(out, e))?
            }
            _ => Staging::temporary(workers).map_err(|e| Error::write(std::env::temp_dir(), e))?,
        };
        staging.spool.reserve(self.sources.len());
        if self.index.is_some() || self.cfg.near_threshold.is_some() {
            // Without it (it could not be made) each set is made from its body.
            self.sets = SetSpool::create(staging.dir(), workers).ok();
            if let Some(sets) = &self.sets {
                sets.reserve(self.sources.len());
            }
        }
        self.progress = Progress::new(self.cfg.quiet);
        let result = self.corpus_staged(&mut staging);
        self.progress.finish();
        if let Some(sets) = self.sets.take() {
            sets.remove();
        }
        if result.is_err() {
            if let Some(out) = &self.cfg.out {
                sweep_temp_files(out);
            }
        }
        staging.finish();
        result
    }

    fn corpus_staged(&mut self, staging: &mut Staging) -> Result<Exit> {
        let mut timings = Timings::since(self.cfg.knobs.timings, self.started);
        timings.mark("read the inputs (walk, shards and archives)");
        let n = self.sources.len();
        let phase = self.progress.phase("cleaning", n as u64);
        let done = std::sync::Arc::new(AtomicUsize::new(0));
        // Until cleaning ends, nothing but the staging folder has been written: a run
        // stuck in a read may be abandoned (see `interrupt`).
        let reading = interrupt::abandonable(Some(staging.dir()), n, done.clone());
        let mut staged: Vec<Option<Staged>> = vec![None; n];
        let (small, sites) = crate::site::plan(
            self.sources.iter().map(|s| &s.meta.site),
            self.cfg.boilerplate.is_some(),
        );
        let outcome = self
            .clean_small(&small, staging, &phase, &done, &mut staged)
            .and_then(|()| {
                timings.mark("clean (small sites)");
                self.clean_sites(&sites, staging, &phase, &done, &mut staged)?;
                timings.mark("clean (sites with boilerplate)");
                Ok(())
            });
        drop(reading);
        if let Err(Interrupted(k)) = outcome {
            eprintln!("docsift: interrupted after cleaning {k} of {n} inputs; nothing was written");
            return Err(Error::Interrupted);
        }
        // Every record holds its metadata now: the sources and the site plan go
        // before deduplication, the run's peak of memory.
        drop((small, sites));
        self.sources = Vec::new();
        let mut records: Vec<Record> = staged
            .into_iter()
            .map(|r| r.expect("every source has a record"))
            .collect();
        if let Err(e) = staging.spool.seal() {
            // A full disk (or a file-size limit) while spooling: nothing is published,
            // so --out is left as it was.
            eprintln!("docsift: cannot stage the clean bodies; nothing was written");
            return Err(Error::write(staging.dir(), e));
        }
        if let Some(sets) = &self.sets {
            sets.seal();
        }
        let staging: &Staging = staging;
        let store = &RunStore {
            bodies: &staging.spool,
            inputs: self.inputs.as_deref(),
            sets: self.sets.as_ref(),
        };
        self.progress.spinner("dedup");
        if let Some(idx) = &self.index {
            let idx = idx.lock().unwrap_or_else(|e| e.into_inner());
            let prior = idx.deduplicate(
                &mut records,
                store,
                self.sets.as_ref(),
                self.cfg.near_threshold,
                &interrupt::is_set,
            )?;
            timings.mark(&format!(
                "deduplicate against the index ({} exact, {} near; probe {:.3} s, {} candidates, \
                 {} ruled out by shingle sets, {} pairs measured against the index, {} bodies decoded)",
                prior.exact,
                prior.near,
                prior.probe.as_secs_f64(),
                prior.candidates.into_inner(),
                prior.ruled_out.into_inner(),
                prior.measured.into_inner(),
                prior.decoded.into_inner()
            ));
        }
        let stats = self.deduplicate(&mut records, store);
        let [finding, preparing, measuring] = stats.step_times();
        timings.mark(&format!(
            "deduplicate ({} band collisions, {} pairs measured, {} bodies read; \
             candidates {:.3} s, reading {:.3} s, measuring {:.3} s)",
            stats.candidates.into_inner(),
            stats.measured.into_inner(),
            stats.prepared.into_inner(),
            finding.as_secs_f64(),
            preparing.as_secs_f64(),
            measuring.as_secs_f64()
        ));
        if interrupt::is_set() {
            eprintln!("docsift: interrupted while deduplicating; nothing was written");
            return Err(Error::Interrupted);
        }
        let r = self.write_all(&mut records, staging, store);
        timings.mark("write");
        let exit = r?;
        if let (Some(idx), Some(settings)) = (&self.index, &self.cfg.index) {
            let mut idx = idx.lock().unwrap_or_else(|e| e.into_inner());
            idx.add_batch(
                settings,
                &records,
                store,
                self.sets.as_ref(),
                self.cfg.quiet,
                self.cfg.knobs.index_pause,
            )?;
            timings.mark("add to the index");
        }
        Ok(exit)
    }

    /// Finishes a cleaned document (its body's identity, and spooled short set, reused
    /// when known) and spools its body and short set.
    fn stage(
        &self,
        i: usize,
        p: &Processed,
        known: Option<(BodyId, Vec<u8>)>,
        staging: &Staging,
    ) -> Staged {
        if let Some(log) = self.line_log {
            log.record(i, &p.cleaned.doc);
        }
        let meta = self.sources[i].meta.clone();
        thread_local! {
            /// The short set being spooled (one per worker: no allocation per document).
            static SHORT: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        SHORT.with(|short| {
            let mut short = short.borrow_mut();
            short.clear();
            let (known, known_short) = known.unzip();
            let spooling = (known.is_none() && self.sets.is_some()).then_some(&mut *short);
            let (mut rec, body) = pipeline::finish(p, meta, known, &self.pipeline, spooling);
            if rec.status == Status::Canonical {
                match staging.spool.append_keyed(rec.key(), body.as_bytes()) {
                    Ok(()) => {
                        if let Some(sets) = &self.sets {
                            sets.append(rec.key(), known_short.as_deref().unwrap_or(&short));
                        }
                    }
                    Err(e) => {
                        rec.status = Status::Error;
                        rec.write_error = Some(format!("cannot spool the clean body: {e}").into());
                    }
                }
            }
            if short.capacity() > 1 << 20 {
                // One huge body must not keep its buffer for the thread's lifetime.
                *short = Vec::new();
            }
            rec
        })
    }

    /// A document that could not be read or cleaned.
    fn failed(&self, i: usize, e: DocError, size: u64) -> Staged {
        Record::error(self.sources[i].meta.clone(), e, size)
    }

    /// Exact and near-duplicate clusters over the spooled bodies; each duplicate's
    /// record names its canonical by key.
    fn deduplicate(
        &self,
        records: &mut [Record],
        store: &dyn crate::store::BodyStore,
    ) -> dedup::cluster::ClusterStats {
        let items: Vec<Option<dedup::Item>> = records
            .iter()
            .map(|r| {
                (r.status == Status::Canonical).then(|| dedup::Item {
                    sha: r.sha256.as_ref().expect("documents have a hash"),
                    shingles: r.shingles,
                    bytes: r.bytes_out,
                    signature: r.signature.as_ref(),
                })
            })
            .collect();
        let keys: Vec<&Key> = records.iter().map(Record::key).collect();
        let outcome = dedup::deduplicate(
            &items,
            &keys,
            store,
            self.cfg.near_threshold,
            &interrupt::is_set,
        );
        drop(items);
        self.limits.add(&outcome.limits);
        let canonical: Vec<Option<Key>> = outcome
            .assignments
            .iter()
            .map(|a| match a {
                Some(dedup::Assignment::Duplicate { of })
                | Some(dedup::Assignment::NearDuplicate { of, .. }) => {
                    Some(keys[*of as usize].clone())
                }
                _ => None,
            })
            .collect();
        drop(keys);
        for ((rec, a), of) in records.iter_mut().zip(&outcome.assignments).zip(canonical) {
            match a {
                Some(dedup::Assignment::Duplicate { .. }) => {
                    rec.status = Status::Duplicate;
                    rec.matched = of.map(|of| matched(of, 1.0));
                }
                Some(dedup::Assignment::NearDuplicate { similarity, .. }) => {
                    rec.status = Status::NearDuplicate;
                    rec.matched = of.map(|of| matched(of, *similarity as f32));
                }
                _ => {}
            }
        }
        outcome.stats
    }

    fn finish(&self, records: &[Record], written: usize, bytes: u64) -> Result<Exit> {
        if let Some(log) = self.line_log {
            log.set_limits(self.limits.counts());
        }
        if !self.cfg.quiet {
            self.report_skipped_links();
            let mut s = crate::output::summary::Summary::from_records(records, written, bytes);
            s.elapsed = self.started.elapsed();
            s.limits = self.limits.counts().report();
            s.skipped_records = self.skipped_records.clone();
            eprint!("{s}");
        }
        // A duplicate that could not be kept is a failed write too.
        Ok(
            if records
                .iter()
                .any(|r| r.is_error() || r.write_error.is_some())
            {
                Exit::Failure
            } else {
                Exit::Success
            },
        )
    }
}

/// A duplicate's match within the run (never an earlier batch's document).
fn matched(of: Key, similarity: f32) -> Box<crate::record::Match> {
    Box::new(crate::record::Match {
        of,
        similarity,
        earlier: None,
    })
}
