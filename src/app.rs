//! Orchestration of `docsift clean`: inputs → read → document stages → corpus
//! stages → write. Each step is a function here; the work is in the stage modules.
//!
//! Memory stays proportional to the number of documents, never their size: a
//! document's text lives only while a worker cleans it (or, for a site whose
//! boilerplate is being learned, until that site is done, up to [`SITE_CACHE`]
//! documents; two sites at a time, since one site's learning overlaps the next
//! site's cleaning). What survives is a [`Record`] per input, and bodies wait in staged
//! temporary files until deduplication has decided what is written where.
//!
//! 1. Sites too small to learn boilerplate from are cleaned in one parallel pass.
//! 2. Every other site, in turn: its captures are cleaned in parallel, its boilerplate
//!    is learned (`stage::boilerplate`) and removed, and its documents are staged.
//!    Learning is serial, so it runs beside the cleaning of the next site.
//! 3. Deduplication over every staged body (`dedup`).
//! 4. Canonical documents are moved into place (with their duplicates listed in the
//!    header), duplicates are dropped (or kept aside), and the manifest is written.
//!
//! Everything is keyed by the source's index in the sorted source list and collected
//! in index order, so output never depends on thread count or input order.

use std::collections::BTreeMap;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::config::CleanConfig;
use crate::dedup::{self, shingle, verify, Assignment, MinHasher};
use crate::document::{Document, ReasonCounts};
use crate::error::{DocError, Error, Result};
use crate::input::{self, Decoded, Source};
use crate::interrupt;
use crate::output::atomic::{
    sweep_temp_files, temp_file_for_mode, write_atomic_with_mode, write_inside_mode, Staging,
};
use crate::output::manifest::Row;
use crate::output::summary::Summary;
use crate::output::{jsonl, outdir, text, Format, JSONL_FILE, MANIFEST_FILE};
use crate::record::{Record, Status};
use crate::stage::boilerplate;
use crate::stage::Cleaner;
use crate::ui::escape::{escape_path, terminal_str};
use crate::ui::progress::{Phase, Progress};

/// Documents of one site held in memory between cleaning and boilerplate removal;
/// beyond this, a site's documents are cleaned again after learning.
pub const SITE_CACHE: usize = 4096;

/// Notices of one kind (no text, malformed bytes) shown on stderr before the rest of
/// that kind are counted in one line (errors are always shown, each).
pub const NOTICES_SHOWN: usize = 5;

/// [`SITE_CACHE`], or `DOCSIFT_SITE_CACHE` when set (a developer aid: the tests use it
/// to check that a site too large to keep is cleaned exactly as one that is kept).
fn site_cache() -> usize {
    static LIMIT: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *LIMIT.get_or_init(|| {
        std::env::var("DOCSIFT_SITE_CACHE")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(SITE_CACHE)
    })
}

/// Decodes and cleans one capture's bytes: the whole per-document path.
pub fn clean_bytes(
    bytes: &[u8],
    cleaner: &Cleaner,
) -> std::result::Result<(Decoded, Document), DocError> {
    let decoded = input::decode(bytes)?;
    let doc = cleaner.clean(&decoded.text);
    Ok((decoded, doc))
}

/// [`clean_bytes`], also returning what the classifier saw (for `explain`).
pub fn clean_bytes_analyzed(
    bytes: &[u8],
    cleaner: &Cleaner,
) -> std::result::Result<(Decoded, Document, crate::stage::Analysis), DocError> {
    let decoded = input::decode(bytes)?;
    let (doc, analysis) = cleaner.clean_analyzed(&decoded.text);
    Ok((decoded, doc, analysis))
}

/// One capture after the per-document stages.
pub struct Cleaned {
    pub doc: Document,
    pub encoding: &'static str,
    pub malformed: usize,
    pub bytes_in: u64,
    /// The input file's permission bits, if it has any (see [`Record::mode`]).
    pub mode: Option<u32>,
}

/// Reads, decodes and cleans one source; on failure, the reason and the bytes read.
pub fn load(
    source: &Source,
    cleaner: &Cleaner,
    max_bytes: u64,
) -> std::result::Result<Cleaned, (DocError, u64)> {
    let (bytes, mode) = input::read_source_with_mode(source, max_bytes).map_err(|e| {
        let size = match &e {
            DocError::TooLarge { size, .. } => *size,
            _ => 0,
        };
        (e, size)
    })?;
    let bytes_in = bytes.len() as u64;
    // A panic in the stages is a docsift bug; it costs this input (an error row
    // saying so), never the run. The bytes are freed once decoded, and the text once
    // normalized: memory per capture stays within about ten times its size.
    let cleaned = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let decoded = input::decode(&bytes)?;
        drop(bytes);
        let Decoded {
            text,
            encoding,
            bom,
            malformed,
        } = decoded;
        let doc = cleaner.clean_bounded(text);
        let decoded = Decoded {
            text: String::new(),
            encoding,
            bom,
            malformed,
        };
        Ok((decoded, doc))
    }))
    .unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".to_owned());
        Err(DocError::Internal(crate::error::one_line(&what)))
    });
    let (decoded, doc) = cleaned.map_err(|e| (e, bytes_in))?;
    Ok(Cleaned {
        doc,
        encoding: decoded.encoding,
        malformed: decoded.malformed,
        bytes_in,
        mode,
    })
}

/// What boilerplate learning takes from one cleaned capture of a site, computed as
/// `clean` computes it (for `explain`, which learns a site's boilerplate the same way).
pub fn site_sample(doc: &Document, minhash: &MinHasher) -> boilerplate::Sample {
    let body = doc.body();
    let id = BodyId::of(doc, &body, minhash);
    boilerplate::Sample::new(doc, id.sha, id.shingles, id.signature)
}

/// A cleaned document's record and body: SHA-256, title, language, shingles and
/// MinHash signature.
pub fn finish(cleaned: &Cleaned, minhash: &MinHasher) -> (Record, String) {
    finish_with(cleaned, None, minhash)
}

/// [`finish`], reusing the body's identity when it was already computed.
fn finish_with(cleaned: &Cleaned, known: Option<BodyId>, minhash: &MinHasher) -> (Record, String) {
    let doc = &cleaned.doc;
    let body = doc.body();
    let BodyId {
        sha,
        shingles: distinct,
        signature,
    } = known.unwrap_or_else(|| BodyId::of(doc, &body, minhash));
    let record = Record {
        status: if body.is_empty() {
            Status::Empty
        } else {
            Status::Canonical
        },
        error: None,
        write_error: None,
        encoding: Some(cleaned.encoding),
        malformed: cleaned.malformed as u32,
        language: crate::language::detect_document(doc, &body),
        bytes_in: cleaned.bytes_in,
        bytes_out: body.len() as u64,
        sha256: Some(sha),
        title: doc.title.as_deref().map(Into::into),
        removed: ReasonCounts::from_document(doc),
        duplicate_of: None,
        similarity: None,
        shingles: distinct,
        signature,
        body: None,
        mode: cleaned.mode.map_or(0o777, |m| (m & 0o777) as u16),
    };
    (record, body)
}

/// How the results leave the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sink {
    /// One input on stdout as text.
    StdoutText,
    /// JSON Lines on stdout.
    StdoutJsonl,
    /// Files under --out.
    Out,
}

/// Runs `docsift clean`; returns the exit code (0 all handled, 1 some inputs failed).
pub fn clean(cfg: &CleanConfig) -> Result<i32> {
    if cfg.check {
        return check(cfg);
    }
    let started = Instant::now();
    let input::Expanded {
        sources,
        skipped_links,
    } = input::expand_with(&cfg.inputs, cfg.follow)?;
    check_output_names(&sources)?;
    let sink = choose_sink(cfg, &sources)?;
    let rules = crate::config::load_rules(cfg.rules.as_deref())?;
    if let (Some(keep), Some(out)) = (&cfg.keep_duplicates, &cfg.out) {
        outdir::validate_keep(keep, out)?;
    }
    // Held until the run ends: no other run writes into these folders meanwhile.
    let _out_lock = match &cfg.out {
        Some(out) => Some(outdir::prepare(out, &cfg.inputs, cfg.force)?),
        None => None,
    };
    let _keep_lock = match &cfg.keep_duplicates {
        Some(keep) => Some(outdir::prepare(keep, &cfg.inputs, cfg.force)?),
        None => None,
    };
    let line_log = crate::report::start_run(cfg.out.as_deref().filter(|_| cfg.report))?;
    interrupt::install();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {} threads: {e}", cfg.threads)))?;
    let run = Run {
        cfg,
        progress: Progress::hidden(),
        sources,
        cleaner: Cleaner::new(rules),
        minhash: MinHasher::default(),
        sink,
        started,
        skipped_links,
        line_log: line_log.as_ref(),
    };
    let code = pool.install(|| run.execute())?;
    crate::report::finish_run(line_log, cfg.out.as_deref(), cfg.quiet)?;
    Ok(code)
}

/// Where `clean`'s output goes (DESIGN §1): files under `--out`; without it, one
/// input's clean text on stdout, JSON Lines for several (or a folder). An explicit
/// `--to text` is honoured (a folder of one capture prints its text) or refused (two
/// documents cannot be one text on stdout), and `--no-header` with JSON Lines is
/// refused, so a script never gets a format it did not ask for. Exit 2, before
/// anything is read or written.
fn choose_sink(cfg: &CleanConfig, sources: &[Source]) -> Result<Sink> {
    let single = sources.len() == 1;
    let sink = match (&cfg.out, cfg.format) {
        (Some(_), _) => Sink::Out,
        (None, Format::Text) if cfg.format_given && single => Sink::StdoutText,
        (None, Format::Text) if cfg.format_given && sources.len() > 1 => {
            return Err(Error::Usage(format!(
                "--to text prints one document on stdout, but the inputs hold {} documents; \
                 use --to jsonl for JSON Lines on stdout, or --out DIR for one text file \
                 per document",
                sources.len()
            )))
        }
        (None, Format::Text) if cfg.inputs.len() == 1 && !cfg.inputs[0].is_dir() && single => {
            Sink::StdoutText
        }
        (None, _) => Sink::StdoutJsonl,
    };
    let jsonl = cfg.format == Format::Jsonl || (sink == Sink::StdoutJsonl && !cfg.format_given);
    if !cfg.header && jsonl {
        let why = if cfg.format == Format::Jsonl {
            "--to jsonl"
        } else {
            "several documents without --out give JSON Lines"
        };
        return Err(Error::Usage(format!(
            "--no-header applies to text output, and JSON Lines records have no header \
             ({why}); drop --no-header, or use --to text (with --out DIR for several \
             documents)"
        )));
    }
    Ok(sink)
}

/// `clean --check`: runs into a private temporary folder, then compares it with
/// `--out` (see [`crate::output::check`]). Exit 0 when they match, 1 when they differ.
fn check(cfg: &CleanConfig) -> Result<i32> {
    let out = cfg
        .out
        .as_deref()
        .ok_or_else(|| Error::Usage("--check compares with --out: give -o DIR".into()))?;
    outdir::validate(out, &cfg.inputs)?;
    // Compared only while no run is writing there.
    let _lock = if out.is_dir() {
        crate::output::lock::acquire_for_reading(out, "docsift clean --check")?
    } else {
        None
    };
    let temp = tempfile::Builder::new()
        .prefix("docsift-check-")
        .tempdir()
        .map_err(|e| Error::write(std::env::temp_dir(), e))?;
    let fresh = temp.path().join("out");
    let inner = CleanConfig {
        out: Some(fresh.clone()),
        check: false,
        force: false,
        quiet: true,
        ..cfg.clone()
    };
    // A read or write that fails here leaves no verdict: exit 2, not 1 ("differs").
    let unfinished = |e: Error| match e.exit() {
        crate::exit::Exit::Failure => Error::CheckUnfinished(Box::new(e)),
        _ => e,
    };
    clean(&inner).map_err(unfinished)?;
    let read_error = |e| {
        unfinished(Error::Read {
            path: out.to_path_buf(),
            source: e,
        })
    };
    let owned = crate::output::previous::outputs(out).map_err(read_error)?;
    let diffs = crate::output::check::compare(&fresh, out, owned.as_ref(), 3, cfg.color)
        .map_err(read_error)?;
    let report: String = diffs.iter().map(|d| d.report()).collect();
    crate::ui::print_stdout(report.as_bytes())?;
    if !cfg.quiet {
        let shown = terminal_str(&escape_path(out));
        if diffs.is_empty() {
            eprintln!("docsift: --check: {shown} is up to date");
        } else {
            eprintln!(
                "docsift: --check: {} file{} in {shown} differ{} from what docsift would write",
                diffs.len(),
                if diffs.len() == 1 { "" } else { "s" },
                if diffs.len() == 1 { "s" } else { "" },
            );
        }
    }
    Ok(i32::from(!diffs.is_empty()))
}

/// What `out/rel` holds after its document failed to be written: said in the error row,
/// since the manifest names no file for an error row.
fn left_in_place(out: &Path, rel: &Path) -> &'static str {
    if std::fs::symlink_metadata(out.join(rel)).is_ok_and(|m| m.is_file()) {
        "--out keeps the file an earlier run wrote there"
    } else {
        "nothing was written there"
    }
}

/// The output path of a source below `--out` (stdin becomes `stdin.txt`).
fn output_rel(source: &Source) -> &Path {
    match source.kind {
        input::SourceKind::Stdin => Path::new("stdin.txt"),
        input::SourceKind::File { .. } => &source.rel,
    }
}

/// Stdin's output name must not collide with a real `stdin.txt` input.
fn check_output_names(sources: &[Source]) -> Result<()> {
    let stdin = sources.iter().find(|s| s.kind == input::SourceKind::Stdin);
    if let Some(s) = stdin {
        if let Some(o) = sources.iter().find(|o| &*o.rel == Path::new("stdin.txt")) {
            return Err(Error::OutputCollision {
                rel: output_rel(s).to_path_buf(),
                first: s.path(),
                second: o.path(),
            });
        }
    }
    Ok(())
}

struct Run<'a> {
    cfg: &'a CleanConfig,
    /// The progress bar (drawn only for a corpus run, see [`Run::corpus`]).
    progress: Progress,
    sources: Vec<Source>,
    cleaner: Cleaner,
    minhash: MinHasher,
    sink: Sink,
    started: Instant,
    /// Links met while walking and not followed (no `--follow`), reported at the end.
    skipped_links: Vec<PathBuf>,
    /// `--report`: where each document's per-line decisions are kept.
    line_log: Option<&'a crate::report::LineLog>,
}

/// A site's document between cleaning and boilerplate removal: its source index, the
/// cleaned document (`None` when the site is too large to keep its documents: it is
/// cleaned again then), its learning sample, and its body's identity.
type SiteDoc = (
    usize,
    Option<std::result::Result<Cleaned, (DocError, u64)>>,
    Option<boilerplate::Sample>,
    Option<BodyId>,
);

/// A body's hash, shingle count and signature, computed once per body.
struct BodyId {
    sha: [u8; 32],
    shingles: u32,
    signature: Option<dedup::Signature>,
}

impl BodyId {
    /// The identity of a cleaned document's body; its shingles come from the tokens
    /// the features pass already computed for the kept lines.
    fn of(doc: &Document, body: &str, minhash: &MinHasher) -> Self {
        let sha: [u8; 32] = Sha256::digest(body.as_bytes()).into();
        let f = &doc.features;
        let tokens: Vec<u64> = if f.lines.len() == doc.len() {
            let mut tokens = Vec::with_capacity(f.tokens.len());
            for i in doc.kept() {
                tokens.extend_from_slice(f.line_tokens(i));
            }
            tokens
        } else {
            shingle::tokens(body)
        };
        let shingles = shingle::shingles_of_tokens(&tokens);
        drop(tokens);
        let distinct = shingle::count_distinct(&shingles) as u32;
        let signature =
            (distinct >= dedup::cluster::MIN_NEAR_SHINGLES).then(|| minhash.signature(&shingles));
        BodyId {
            sha,
            shingles: distinct,
            signature,
        }
    }
}

/// Candidate pairs confirmed on the staged clean bodies (see `dedup::verify`).
struct StagedBodies<'r> {
    run: &'r Run<'r>,
    records: &'r [Record],
    staging: &'r Staging,
    threshold: f64,
}

impl StagedBodies<'_> {
    fn body(&self, id: u32) -> Option<String> {
        if interrupt::is_set() {
            return None;
        }
        let rec = &self.records[id as usize];
        self.run.staged_body(rec, self.staging).ok()
    }
}

impl dedup::cluster::Measure for StagedBodies<'_> {
    /// A document's index and its sorted shingle set (the body is read again for a
    /// pair whose similarity reaches the threshold: the diff and its passages).
    type Doc = (u32, Vec<u64>);

    fn prepare(&self, id: u32) -> Option<Self::Doc> {
        Some((id, shingle::shingle_set(&self.body(id)?)))
    }

    fn similarity(&self, (a, sa): &Self::Doc, (b, sb): &Self::Doc) -> f64 {
        let ratio = || Some(verify::diff_ratio(&self.body(*a)?, &self.body(*b)?));
        let mut m = verify::measure_sets(sa, sb, self.threshold, ratio);
        if m.similarity() >= self.threshold {
            // Pairs at the threshold only: the bodies are read again for the diff.
            let (Some(x), Some(y)) = (self.body(*a), self.body(*b)) else {
                return 0.0;
            };
            m.complete(&x, &y);
        }
        if m.confirms(self.threshold) {
            m.similarity()
        } else {
            0.0
        }
    }
}

/// Phase timings on stderr when `DOCSIFT_TIMINGS` is set and not empty (a developer
/// aid for profiling runs; see README; empty means unset, as for `NO_COLOR`).
struct Timings {
    on: bool,
    last: Instant,
    cpu: f64,
}

impl Timings {
    fn new() -> Self {
        Timings {
            on: std::env::var_os("DOCSIFT_TIMINGS").is_some_and(|v| !v.is_empty()),
            last: Instant::now(),
            cpu: process_cpu_seconds(),
        }
    }

    fn mark(&mut self, what: &str) {
        if self.on {
            // Peak and current resident memory so far (Linux only).
            let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
            let field = |name: &str| {
                status
                    .lines()
                    .find(|l| l.starts_with(name))
                    .map_or(String::new(), |l| l[name.len()..].trim().to_owned())
            };
            let cpu = process_cpu_seconds();
            eprintln!(
                "docsift: timing: {what}: {:.3} s, cpu {:.2} s (resident {}, peak {})",
                self.last.elapsed().as_secs_f64(),
                cpu - self.cpu,
                field("VmRSS:"),
                field("VmHWM:"),
            );
            self.cpu = cpu;
        }
        self.last = Instant::now();
    }
}

/// User and system CPU time of the process so far, in seconds (Linux only: 0
/// elsewhere), from `/proc/self/stat` (clock ticks of 1/100 s).
fn process_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    let ticks = |k: usize| {
        fields
            .get(k)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are the 14th and 15th fields; the 3rd is the first after ')'.
    (ticks(11) + ticks(12)) / 100.0
}

/// The permission bits a file shared by many inputs (the manifest,
/// `documents.jsonl`) may have: the most restrictive of its inputs', so a private
/// capture's title or text is never more readable there than in the capture.
fn shared_mode(records: &[Record]) -> u32 {
    records.iter().fold(0o777, |m, r| m & u32::from(r.mode))
}

/// Returned by a phase that saw Ctrl-C: how many inputs were done.
struct Interrupted(usize);

impl Run<'_> {
    fn execute(self) -> Result<i32> {
        match self.sink {
            Sink::StdoutText => self.single(),
            Sink::StdoutJsonl | Sink::Out => self.corpus(),
        }
    }

    /// One input, clean text on stdout.
    fn single(self) -> Result<i32> {
        let src = &self.sources[0];
        let mut written_bytes = 0u64;
        // Until its text is printed, the run may be abandoned (see `interrupt`).
        let reading = interrupt::abandonable(None, 1, Default::default());
        let loaded = load(src, &self.cleaner, self.cfg.max_bytes);
        drop(reading);
        if interrupt::is_set() {
            eprintln!("docsift: interrupted: 1 of 1 inputs not processed; nothing was written");
            return Err(Error::Interrupted);
        }
        let record = match loaded {
            Err((e, size)) => Record::error(e, size),
            Ok(cleaned) => {
                let (rec, body) = finish(&cleaned, &self.minhash);
                if rec.status == Status::Canonical {
                    let mut data = String::new();
                    if self.cfg.header {
                        data.push_str(&text::header(&src.name, &rec, &[]));
                    }
                    data.push_str(&body);
                    written_bytes = data.len() as u64;
                    crate::ui::print_stdout(data.as_bytes())?;
                } else if !self.cfg.quiet {
                    eprintln!(
                        "docsift: {}: nothing left after cleaning",
                        terminal_str(&src.name)
                    );
                }
                rec
            }
        };
        let written = usize::from(record.status == Status::Canonical);
        let records = [record];
        self.report_errors(&records);
        self.finish(&records, written, written_bytes)
    }

    /// Many inputs: clean and stage, deduplicate, write in order.
    fn corpus(mut self) -> Result<i32> {
        let workers = rayon::current_num_threads();
        let mut staging = match (&self.cfg.out, self.sink) {
            (Some(out), Sink::Out) => {
                Staging::inside(out, workers).map_err(|e| Error::write(out, e))?
            }
            _ => Staging::temporary(workers).map_err(|e| Error::write(std::env::temp_dir(), e))?,
        };
        self.progress = Progress::new(self.cfg.quiet);
        let result = self.corpus_staged(&mut staging);
        self.progress.finish();
        if result.is_err() {
            if let Some(out) = &self.cfg.out {
                sweep_temp_files(out);
            }
        }
        staging.finish();
        result
    }

    fn corpus_staged(&self, staging: &mut Staging) -> Result<i32> {
        let mut timings = Timings::new();
        timings.mark("inputs");
        let n = self.sources.len();
        let phase = self.progress.phase("cleaning", n as u64);
        let done = std::sync::Arc::new(AtomicUsize::new(0));
        // Until cleaning ends, nothing but the staging folder has been written: a run
        // stuck in a read may be abandoned (see `interrupt`).
        let reading = interrupt::abandonable(Some(staging.dir()), n, done.clone());
        let mut records: Vec<Option<Record>> = vec![None; n];
        let (small, sites) = self.partition_sites();
        let outcome = self
            .clean_small(&small, staging, &phase, &done, &mut records)
            .and_then(|()| {
                timings.mark("clean (small sites)");
                self.clean_sites(&sites, staging, &phase, &done, &mut records)?;
                timings.mark("clean (sites with boilerplate)");
                Ok(())
            });
        drop(reading);
        if let Err(Interrupted(k)) = outcome {
            eprintln!("docsift: interrupted after cleaning {k} of {n} inputs; nothing was written");
            return Err(Error::Interrupted);
        }
        let mut records: Vec<Record> = records
            .into_iter()
            .map(|r| r.expect("every source has a record"))
            .collect();
        if let Err(e) = staging.spool.seal() {
            // A full disk (or a file-size limit) while staging: nothing is published,
            // so --out is left as it was.
            eprintln!("docsift: cannot stage the clean bodies; nothing was written");
            return Err(Error::write(staging.dir(), e));
        }
        let staging: &Staging = staging;
        self.progress.spinner("dedup");
        self.deduplicate(&mut records, staging);
        timings.mark(&format!(
            "deduplicate ({} band collisions, {} pairs measured, {} bodies read)",
            dedup::cluster::CANDIDATES.load(Ordering::Relaxed),
            dedup::cluster::MEASURED.load(Ordering::Relaxed),
            dedup::cluster::PREPARED.load(Ordering::Relaxed)
        ));
        if interrupt::is_set() {
            eprintln!("docsift: interrupted while deduplicating; nothing was written");
            return Err(Error::Interrupted);
        }
        let r = self.write_all(records, staging);
        timings.mark("write");
        r
    }

    /// Sources in sites too small to learn boilerplate from, and the other sites'
    /// sources, site by site (both in source order).
    fn partition_sites(&self) -> (Vec<usize>, Vec<Vec<usize>>) {
        let mut by_site: BTreeMap<&Path, Vec<usize>> = BTreeMap::new();
        for (i, s) in self.sources.iter().enumerate() {
            by_site.entry(s.site()).or_default().push(i);
        }
        let mut small = Vec::new();
        let mut sites = Vec::new();
        for (_, members) in by_site {
            if self.cfg.boilerplate.is_some() && members.len() > boilerplate::MIN_CLUSTERS {
                sites.push(members);
            } else {
                small.extend(members);
            }
        }
        small.sort_unstable();
        (small, sites)
    }

    fn clean_small(
        &self,
        indices: &[usize],
        staging: &Staging,
        phase: &Phase,
        done: &AtomicUsize,
        records: &mut [Option<Record>],
    ) -> std::result::Result<(), Interrupted> {
        let results: Vec<Option<(usize, Record)>> = indices
            .par_iter()
            .map(|&i| {
                if interrupt::is_set() {
                    return None;
                }
                let rec = match load(&self.sources[i], &self.cleaner, self.cfg.max_bytes) {
                    Ok(c) => {
                        self.line_log.inspect(|log| log.record(i, &c.doc));
                        self.stage_document(&c, staging)
                    }
                    Err((e, size)) => Record::error(e, size),
                };
                done.fetch_add(1, Ordering::Relaxed);
                phase.inc(1);
                Some((i, rec))
            })
            .collect();
        for r in results {
            let (i, rec) = r.ok_or_else(|| Interrupted(done.load(Ordering::Relaxed)))?;
            records[i] = Some(rec);
        }
        Ok(())
    }

    /// The sites with boilerplate, one after another: each site's documents are
    /// cleaned (in parallel), its boilerplate learned from them, then removed from them
    /// (in parallel) as they are staged. Learning is serial, so it runs beside the
    /// cleaning of the next site rather than leave the other cores idle.
    fn clean_sites(
        &self,
        sites: &[Vec<usize>],
        staging: &Staging,
        phase: &Phase,
        done: &AtomicUsize,
        records: &mut [Option<Record>],
    ) -> std::result::Result<(), Interrupted> {
        let mut pending: Option<(&[usize], Vec<SiteDoc>)> = None;
        for next in sites.iter().map(|s| Some(&s[..])).chain([None]) {
            let (cleaned, finished) = rayon::join(
                || next.map(|site| self.clean_site_docs(site, done)),
                || match pending.take() {
                    Some((site, cleaned)) => {
                        self.finish_site(site, cleaned, staging, phase, done, records)
                    }
                    None => Ok(()),
                },
            );
            finished?;
            pending = match (next, cleaned) {
                (Some(site), Some(cleaned)) => Some((site, cleaned?)),
                _ => None,
            };
        }
        Ok(())
    }

    /// Cleans one site's documents, keeping learning samples (and, for a site that
    /// fits, the documents with their bodies' identities).
    fn clean_site_docs(
        &self,
        site: &[usize],
        done: &AtomicUsize,
    ) -> std::result::Result<Vec<SiteDoc>, Interrupted> {
        let cache = site.len() <= site_cache();
        if site.len() > boilerplate::SAMPLE {
            crate::limits::hit(crate::limits::Limit::BoilerplateSample, 1);
        }
        let cleaned: Vec<Option<SiteDoc>> = site
            .par_iter()
            .enumerate()
            .map(|(k, &i)| {
                if interrupt::is_set() {
                    return None;
                }
                let c = load(&self.sources[i], &self.cleaner, self.cfg.max_bytes);
                self.progress.inc(1);
                let (sample, id) = match &c {
                    Ok(c) if cache || k < boilerplate::SAMPLE => {
                        let body = c.doc.body();
                        let id = BodyId::of(&c.doc, &body, &self.minhash);
                        let sample = (k < boilerplate::SAMPLE).then(|| {
                            boilerplate::Sample::new(
                                &c.doc,
                                id.sha,
                                id.shingles,
                                id.signature.clone(),
                            )
                        });
                        (sample, Some(id))
                    }
                    _ => (None, None),
                };
                Some((i, cache.then_some(c), sample, id))
            })
            .collect();
        cleaned
            .into_iter()
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| Interrupted(done.load(Ordering::Relaxed)))
    }

    /// Learns one site's boilerplate from its cleaned documents, removes it from them
    /// (cleaning them again first if the site was too large to keep) and stages them.
    fn finish_site(
        &self,
        site: &[usize],
        mut cleaned: Vec<SiteDoc>,
        staging: &Staging,
        phase: &Phase,
        done: &AtomicUsize,
        records: &mut [Option<Record>],
    ) -> std::result::Result<(), Interrupted> {
        let share = self.cfg.boilerplate.unwrap_or(1.0);
        let cache = site.len() <= site_cache();
        let samples: Vec<boilerplate::Sample> =
            cleaned.iter_mut().filter_map(|d| d.2.take()).collect();
        let name = terminal_str(&escape_path(self.sources[site[0]].site()));
        phase.set_message(format!(
            "learning boilerplate: {name} ({} captures)",
            site.len()
        ));
        let lines = boilerplate::learn(&samples, share);
        drop(samples);
        phase.set_message(format!("removing boilerplate: {name}"));
        let results: Vec<Option<(usize, Record)>> = cleaned
            .into_par_iter()
            .map(|(i, c, _, known)| {
                if interrupt::is_set() {
                    return None;
                }
                let c =
                    c.unwrap_or_else(|| load(&self.sources[i], &self.cleaner, self.cfg.max_bytes));
                let rec = match c {
                    Ok(mut c) => {
                        let removed = self.cleaner.apply_site(&mut c.doc, &lines);
                        self.line_log.inspect(|log| log.record(i, &c.doc));
                        // The learning pass already hashed this body; reuse it unless
                        // boilerplate removal changed it.
                        let known = known.filter(|_| cache && removed == 0);
                        self.stage_known(&c, known, staging)
                    }
                    Err((e, size)) => Record::error(e, size),
                };
                done.fetch_add(1, Ordering::Relaxed);
                Some((i, rec))
            })
            .collect();
        phase.set_message("");
        for r in results {
            let (i, rec) = r.ok_or_else(|| Interrupted(done.load(Ordering::Relaxed)))?;
            records[i] = Some(rec);
        }
        Ok(())
    }

    /// Finishes a cleaned document and stages its output.
    fn stage_document(&self, c: &Cleaned, staging: &Staging) -> Record {
        self.stage_known(c, None, staging)
    }

    /// [`Run::stage_document`] with the body's identity, if already known.
    fn stage_known(&self, c: &Cleaned, known: Option<BodyId>, staging: &Staging) -> Record {
        let (mut rec, body) = finish_with(c, known, &self.minhash);
        if rec.status == Status::Canonical {
            match staging.spool.append(body.as_bytes()) {
                Ok(r) => rec.body = Some(r),
                Err(e) => {
                    rec.status = Status::Error;
                    rec.write_error = Some(format!("cannot spool the clean body: {e}").into());
                }
            }
        }
        rec
    }

    /// The clean body of a document, from the spool.
    fn staged_body(&self, rec: &Record, staging: &Staging) -> io::Result<String> {
        let r = rec
            .body
            .ok_or_else(|| io::Error::other("no body spooled for this input"))?;
        let data = staging.spool.read(r)?;
        String::from_utf8(data).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }

    /// Exact and near-duplicate clusters over the staged bodies.
    fn deduplicate(&self, records: &mut [Record], staging: &Staging) {
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
        let threshold = self.cfg.near_threshold;
        let measure = StagedBodies {
            run: self,
            records,
            staging,
            threshold: threshold.unwrap_or(1.0),
        };
        let assignments = dedup::cluster(&items, threshold, &measure);
        for (rec, a) in records.iter_mut().zip(assignments) {
            match a {
                Some(Assignment::Duplicate { of }) => {
                    rec.status = Status::Duplicate;
                    rec.duplicate_of = Some(of);
                    rec.similarity = Some(1.0);
                }
                Some(Assignment::NearDuplicate { of, similarity }) => {
                    rec.status = Status::NearDuplicate;
                    rec.duplicate_of = Some(of);
                    rec.similarity = Some(similarity as f32);
                }
                _ => {}
            }
        }
    }

    /// For each canonical, the sources of its duplicates, in source order.
    fn duplicates_of(&self, records: &[Record]) -> Vec<Vec<usize>> {
        let mut dups = vec![Vec::new(); records.len()];
        for (i, r) in records.iter().enumerate() {
            if let Some(c) = r.duplicate_of {
                dups[c as usize].push(i);
            }
        }
        dups
    }

    fn write_all(&self, mut records: Vec<Record>, staging: &Staging) -> Result<i32> {
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
        let canonical = records.iter().filter(|r| r.status == Status::Canonical);
        self.progress.phase("writing", canonical.count() as u64);
        let (written, bytes) = match (self.sink, self.cfg.format) {
            (Sink::Out, Format::Text) => self.write_text_files(&mut records, staging)?,
            _ => self.write_jsonl(&mut records, staging)?,
        };
        self.handle_duplicates(&mut records, staging);
        let mut stale_failed = false;
        if let Some(out) = &self.cfg.out {
            let path = out.join(MANIFEST_FILE);
            let mode = shared_mode(&records);
            if let Err(e) =
                write_atomic_with_mode(&path, mode, |w| self.write_manifest(&records, w))
            {
                // Every document is in place, old or new; the failed ones are named
                // here since no manifest can name them.
                self.report_errors(&records);
                eprintln!(
                    "docsift: cannot write the manifest; {} still holds the previous one, if any",
                    terminal_str(&escape_path(&path))
                );
                return Err(Error::write(&path, e));
            }
            // Removed only once the new manifest no longer names them, so a manifest
            // never names a file that is not there.
            if let Some(previous) = previous {
                stale_failed = !self.remove_stale(out, &previous, &records);
            }
        }
        // The bar goes before the notices and the summary take its place on stderr.
        self.progress.finish();
        self.report_errors(&records);
        self.finish(&records, written, bytes)
            .map(|code| code.max(i32::from(stale_failed)))
    }

    /// `--force`: removes the files the previous manifest named that this run did not
    /// write or try to write (see [`crate::output::previous`]). False if one could not
    /// be removed (said on stderr).
    fn remove_stale(
        &self,
        out: &Path,
        previous: &std::collections::BTreeSet<PathBuf>,
        records: &[Record],
    ) -> bool {
        let written: std::collections::HashSet<PathBuf> = if self.cfg.format == Format::Jsonl {
            [PathBuf::from(JSONL_FILE)].into()
        } else {
            records
                .iter()
                .enumerate()
                .filter(|(_, r)| r.status == Status::Canonical || r.write_error.is_some())
                .map(|(i, _)| output_rel(&self.sources[i]).to_path_buf())
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

    /// Writes every canonical document, with its final header, into the staging tree,
    /// then publishes the tree into `--out`.
    fn write_text_files(&self, records: &mut [Record], staging: &Staging) -> Result<(usize, u64)> {
        let out = self.cfg.out.as_deref().expect("text files need --out");
        let dups = self.duplicates_of(records);
        let results: Vec<Option<std::result::Result<u64, String>>> = records
            .par_iter()
            .enumerate()
            .map(|(i, rec)| {
                if rec.status != Status::Canonical || interrupt::is_set() {
                    return None;
                }
                let result = self.staged_body(rec, staging).and_then(|body| {
                    let mut data = String::with_capacity(body.len() + 300);
                    if self.cfg.header {
                        let names: Vec<&str> =
                            dups[i].iter().map(|&d| &*self.sources[d].name).collect();
                        data.push_str(&text::header(&self.sources[i].name, rec, &names));
                    }
                    data.push_str(&body);
                    staging.write_document_mode(
                        output_rel(&self.sources[i]),
                        data.as_bytes(),
                        rec.mode.into(),
                    )?;
                    Ok(data.len() as u64)
                });
                self.progress.inc(1);
                Some(result.map_err(|e| {
                    let rel = output_rel(&self.sources[i]);
                    format!("cannot write output {}: {e}", escape_path(rel))
                }))
            })
            .collect();
        if !interrupt::is_set() {
            self.progress.set_message("moving into place");
            let failures = staging.publish(out, &interrupt::is_set);
            self.mark_publish_failures(records, &failures);
        }
        if interrupt::is_set() {
            eprintln!("docsift: interrupted while writing documents; the manifest was not written");
            return Err(Error::Interrupted);
        }
        let (mut n, mut bytes) = (0, 0);
        for (rec, r) in records.iter_mut().zip(results) {
            match r {
                Some(Ok(len)) if rec.status == Status::Canonical => {
                    n += 1;
                    bytes += len;
                }
                Some(Err(e)) => {
                    rec.status = Status::Error;
                    rec.write_error = Some(e.into());
                }
                _ => {}
            }
        }
        // Each failed document's row says what its output path holds now.
        for (i, rec) in records.iter_mut().enumerate() {
            if let (Status::Error, Some(e)) = (rec.status, &rec.write_error) {
                let rel = output_rel(&self.sources[i]);
                rec.write_error = Some(format!("{e}; {}", left_in_place(out, rel)).into());
            }
        }
        Ok((n, bytes))
    }

    /// Documents under an entry that could not be published become error rows.
    fn mark_publish_failures(&self, records: &mut [Record], failures: &[(PathBuf, io::Error)]) {
        for (rel, e) in failures {
            for (i, rec) in records.iter_mut().enumerate() {
                if rec.status == Status::Canonical && output_rel(&self.sources[i]).starts_with(rel)
                {
                    rec.status = Status::Error;
                    rec.write_error =
                        Some(format!("cannot write output {}: {e}", escape_path(rel)).into());
                }
            }
        }
    }

    /// With `--keep-duplicates DIR`, duplicates' clean bodies are written there (never
    /// through a link).
    fn handle_duplicates(&self, records: &mut [Record], staging: &Staging) {
        let Some(dir) = &self.cfg.keep_duplicates else {
            return;
        };
        let failures: Vec<Option<String>> = records
            .par_iter()
            .enumerate()
            .map(|(i, rec)| {
                if !matches!(rec.status, Status::Duplicate | Status::NearDuplicate) {
                    return None;
                }
                self.staged_body(rec, staging)
                    .and_then(|body| {
                        write_inside_mode(
                            dir,
                            output_rel(&self.sources[i]),
                            body.as_bytes(),
                            rec.mode.into(),
                        )
                    })
                    .err()
                    .map(|e| format!("cannot write duplicate to --keep-duplicates: {e}"))
            })
            .collect();
        for (rec, f) in records.iter_mut().zip(failures) {
            if let Some(e) = f {
                rec.write_error = Some(e.into());
            }
        }
    }

    /// Streams JSON Lines records for the canonical documents, in source order, to
    /// stdout or to `--out/documents.jsonl`.
    fn write_jsonl(&self, records: &mut [Record], staging: &Staging) -> Result<(usize, u64)> {
        type FilePair = (tempfile::NamedTempFile, PathBuf);
        let (mut sink, file_path): (Box<dyn Write>, Option<FilePair>) = match &self.cfg.out {
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
        let (mut n, mut bytes) = (0usize, 0u64);
        for (i, rec) in records.iter_mut().enumerate() {
            if interrupt::is_set() {
                return Err(Error::Interrupted);
            }
            if rec.status != Status::Canonical {
                continue;
            }
            let body = match self.staged_body(rec, staging) {
                Ok(b) => b,
                Err(e) => {
                    rec.status = Status::Error;
                    rec.write_error = Some(format!("cannot read staged output: {e}").into());
                    continue;
                }
            };
            let row = Row::new(&self.sources, rec, i, output_name.clone());
            let line = jsonl::record_line(&row, &body);
            match sink.write_all(line.as_bytes()) {
                Ok(()) => {
                    n += 1;
                    bytes += line.len() as u64;
                    self.progress.inc(1);
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
        Ok((n, bytes))
    }

    fn write_manifest(&self, records: &[Record], w: &mut dyn Write) -> io::Result<()> {
        let jsonl_out = self.cfg.format == Format::Jsonl;
        for (i, rec) in records.iter().enumerate() {
            let output = if jsonl_out {
                Some(JSONL_FILE.to_owned())
            } else {
                Some(escape_path(output_rel(&self.sources[i])))
            };
            w.write_all(
                Row::new(&self.sources, rec, i, output)
                    .to_json_line()
                    .as_bytes(),
            )?;
        }
        Ok(())
    }

    /// Links not followed while walking are not inputs (no manifest row, like hidden
    /// files) but are said, with the first few names, so nothing vanishes silently.
    fn report_skipped_links(&self) {
        const SHOWN: usize = 3;
        let links = &self.skipped_links;
        if links.is_empty() {
            return;
        }
        let mut names: Vec<String> = links
            .iter()
            .take(SHOWN)
            .map(|p| terminal_str(&escape_path(p)))
            .collect();
        if links.len() > SHOWN {
            names.push("…".into());
        }
        eprintln!(
            "docsift: {} not followed (pass -L/--follow to read through links): {}",
            if links.len() == 1 {
                "1 symbolic link".to_owned()
            } else {
                format!("{} symbolic links", links.len())
            },
            names.join(", ")
        );
    }

    /// One stderr line per failed input, in source order (deterministic). Notices
    /// (an input with no text, malformed bytes) are shown for the first
    /// [`NOTICES_SHOWN`] inputs of each kind, then counted in one line: a hundred
    /// thousand empty files must not bury the errors, and the manifest lists them all.
    fn report_errors(&self, records: &[Record]) {
        let (mut empty, mut malformed) = (0usize, 0usize);
        for (i, rec) in records.iter().enumerate() {
            if let Some(reason) = rec.error_reason() {
                eprintln!(
                    "docsift: {}: {}",
                    terminal_str(&escape_path(&self.sources[i].path())),
                    reason
                );
            } else if rec.status == Status::Empty && rec.removed.total() == 0 && !self.cfg.quiet {
                // An input with no text at all is worth a line; one that cleaning
                // emptied (all chrome) is counted in the summary instead.
                empty += 1;
                if empty <= NOTICES_SHOWN {
                    eprintln!(
                        "docsift: {}: no text (empty or blank file)",
                        terminal_str(&escape_path(&self.sources[i].path()))
                    );
                }
            } else if rec.malformed > 0 && !self.cfg.quiet {
                malformed += 1;
                if malformed <= NOTICES_SHOWN {
                    eprintln!(
                        "docsift: {}: {} malformed byte sequences replaced with U+FFFD ({})",
                        terminal_str(&escape_path(&self.sources[i].path())),
                        rec.malformed,
                        rec.encoding.unwrap_or("?")
                    );
                }
            }
        }
        let listed = |what: &str| match &self.cfg.out {
            Some(out) => format!(
                "; {} lists them ({what})",
                terminal_str(&escape_path(&out.join(MANIFEST_FILE)))
            ),
            None => " (give --out DIR for a manifest that lists them)".to_owned(),
        };
        let more = |n: usize| {
            let word = if n == 1 { "input" } else { "inputs" };
            format!("{} more {word}", indicatif::HumanCount(n as u64))
        };
        if empty > NOTICES_SHOWN {
            eprintln!(
                "docsift: … and {} with no text{}",
                more(empty - NOTICES_SHOWN),
                listed("status \"empty\"")
            );
        }
        if malformed > NOTICES_SHOWN {
            eprintln!(
                "docsift: … and {} with malformed bytes replaced{}",
                more(malformed - NOTICES_SHOWN),
                listed("field \"malformed\"")
            );
        }
    }

    fn finish(&self, records: &[Record], written: usize, bytes: u64) -> Result<i32> {
        if !self.cfg.quiet {
            self.report_skipped_links();
            let mut s = Summary::from_records(records, written, bytes);
            s.elapsed = self.started.elapsed();
            s.limits = crate::limits::report();
            eprint!("{s}");
        }
        // A duplicate that could not be kept is a failed write too.
        Ok(
            if records
                .iter()
                .any(|r| r.is_error() || r.write_error.is_some())
            {
                1
            } else {
                0
            },
        )
    }
}
