//! Orchestration of `docsift clean`: inputs → read → document stages → corpus
//! stages → write. Each step is a function here; the work is in the stage modules.
//!
//! The corpus is processed in passes that keep memory proportional to the number of
//! documents, never their size: a document's text lives only while a worker cleans
//! it. What survives a pass is a [`Record`] per input, and canonical bodies wait in
//! staged temporary files until the corpus stages have decided what is written where.
//! Everything is keyed by the source's index in the sorted source list and collected
//! in index order, so output never depends on thread count or input order.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::config::CleanConfig;
use crate::document::{Document, ReasonCounts};
use crate::error::{DocError, Error, Result};
use crate::input::{self, Decoded, Source};
use crate::interrupt;
use crate::output::atomic::{move_into_place, write_atomic, Staging};
use crate::output::manifest::Row;
use crate::output::summary::Summary;
use crate::output::{jsonl, outdir, text, Format, JSONL_FILE, MANIFEST_FILE};
use crate::record::{Record, Status};
use crate::stage::Cleaner;
use crate::ui::escape::{escape_path, terminal_str};
use crate::ui::progress::Progress;

/// One input after the document stages.
pub struct Processed {
    pub record: Record,
    /// The clean body (empty unless the record is canonical).
    pub body: String,
    /// The cleaned document, for `explain` and tests.
    pub doc: Option<Document>,
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
    let (doc, analysis) = cleaner.clean_with(&decoded.text, None);
    Ok((decoded, doc, analysis))
}

/// Reads, decodes and cleans one source into its record and body.
pub fn process(source: &Source, cleaner: &Cleaner, max_bytes: u64) -> Processed {
    let bytes = match input::read_source(source, max_bytes) {
        Ok(b) => b,
        Err(e) => {
            let size = match &e {
                DocError::TooLarge { size, .. } => *size,
                _ => 0,
            };
            return Processed {
                record: Record::error(e, size),
                body: String::new(),
                doc: None,
            };
        }
    };
    let (decoded, doc) = match clean_bytes(&bytes, cleaner) {
        Ok(x) => x,
        Err(e) => {
            return Processed {
                record: Record::error(e, bytes.len() as u64),
                body: String::new(),
                doc: None,
            }
        }
    };
    let body = doc.body();
    let sha: [u8; 32] = Sha256::digest(body.as_bytes()).into();
    let record = Record {
        status: if body.is_empty() {
            Status::Empty
        } else {
            Status::Canonical
        },
        error: None,
        write_error: None,
        encoding: Some(decoded.encoding),
        malformed: decoded.malformed as u32,
        language: crate::language::detect(&body),
        bytes_in: bytes.len() as u64,
        bytes_out: body.len() as u64,
        sha256: Some(sha),
        title: doc.title.as_deref().map(Into::into),
        removed: ReasonCounts::from_document(&doc),
        duplicate_of: None,
        similarity: None,
    };
    Processed {
        record,
        body,
        doc: Some(doc),
    }
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
    let started = Instant::now();
    let sources = input::expand(&cfg.inputs)?;
    check_output_names(&sources)?;
    let sink = match (&cfg.out, cfg.format) {
        (Some(_), _) => Sink::Out,
        (None, Format::Text)
            if cfg.inputs.len() == 1 && !cfg.inputs[0].is_dir() && sources.len() == 1 =>
        {
            Sink::StdoutText
        }
        (None, _) => Sink::StdoutJsonl,
    };
    let rules = crate::config::load_rules(cfg.rules.as_deref())?;
    if let Some(out) = &cfg.out {
        outdir::prepare(out, &cfg.inputs, cfg.force)?;
    }
    interrupt::install();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {} threads: {e}", cfg.threads)))?;
    let run = Run {
        cfg,
        sources,
        cleaner: Cleaner::new(rules),
        sink,
        started,
    };
    pool.install(|| run.execute())
}

/// The output path of a source below `--out` (stdin becomes `stdin.txt`).
fn output_rel(source: &Source) -> &Path {
    match source.kind {
        input::SourceKind::Stdin => Path::new("stdin.txt"),
        input::SourceKind::File(_) => &source.rel,
    }
}

/// Stdin's output name must not collide with a real `stdin.txt` input.
fn check_output_names(sources: &[Source]) -> Result<()> {
    let stdin = sources.iter().find(|s| s.kind == input::SourceKind::Stdin);
    if let Some(s) = stdin {
        if let Some(o) = sources.iter().find(|o| o.rel == Path::new("stdin.txt")) {
            return Err(Error::OutputCollision {
                rel: output_rel(s).to_path_buf(),
                first: s.display_path().to_path_buf(),
                second: o.display_path().to_path_buf(),
            });
        }
    }
    Ok(())
}

struct Run<'a> {
    cfg: &'a CleanConfig,
    sources: Vec<Source>,
    cleaner: Cleaner,
    sink: Sink,
    started: Instant,
}

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
        let p = process(src, &self.cleaner, self.cfg.max_bytes);
        let rec = &p.record;
        let mut written = 0u64;
        match rec.status {
            Status::Canonical => {
                let mut data = String::new();
                if self.cfg.header {
                    data.push_str(&text::header(&src.name, rec, &[]));
                }
                data.push_str(&p.body);
                written = data.len() as u64;
                write_stdout(data.as_bytes())?;
            }
            Status::Empty if !self.cfg.quiet => {
                eprintln!(
                    "docsift: {}: nothing left after cleaning",
                    terminal_str(&src.name)
                );
            }
            _ => {}
        }
        let records = [p.record];
        self.report_errors(&records);
        self.finish(&records, usize::from(written > 0), written)
    }

    /// Many inputs: clean in parallel into staging, then write in order.
    fn corpus(self) -> Result<i32> {
        let staging = match (&self.cfg.out, self.sink) {
            (Some(out), Sink::Out) => Staging::inside(out).map_err(|e| Error::write(out, e))?,
            _ => Staging::temporary().map_err(|e| Error::write(std::env::temp_dir(), e))?,
        };
        let mut progress = Progress::new(self.cfg.quiet);
        let records = match self.clean_all(&staging, &mut progress) {
            Ok(r) => r,
            Err(done) => {
                progress.finish();
                if let Some(out) = &self.cfg.out {
                    crate::output::atomic::sweep_temp_files(out);
                }
                staging.finish();
                eprintln!(
                    "docsift: interrupted after cleaning {done} of {} inputs; nothing was written",
                    self.sources.len()
                );
                return Err(Error::Interrupted);
            }
        };
        progress.finish();
        let result = self.write_all(records, &staging);
        if result.is_err() {
            if let Some(out) = &self.cfg.out {
                crate::output::atomic::sweep_temp_files(out);
            }
        }
        staging.finish();
        result
    }

    /// The document stages over every source, in parallel; canonical bodies are
    /// staged. Returns how many were done if interrupted.
    fn clean_all(
        &self,
        staging: &Staging,
        progress: &mut Progress,
    ) -> std::result::Result<Vec<Record>, usize> {
        let phase = progress.phase("clean", self.sources.len() as u64);
        let done = AtomicUsize::new(0);
        let records: Option<Vec<Record>> = (0..self.sources.len())
            .into_par_iter()
            .map(|i| {
                if interrupt::is_set() {
                    return None;
                }
                let p = process(&self.sources[i], &self.cleaner, self.cfg.max_bytes);
                let mut rec = p.record;
                if rec.status == Status::Canonical {
                    let data = self.staged_content(i, &rec, &p.body);
                    if let Err(e) = staging.write(output_rel(&self.sources[i]), data.as_bytes()) {
                        rec.status = Status::Error;
                        rec.write_error = Some(format!("cannot stage output: {e}"));
                    }
                }
                done.fetch_add(1, Ordering::Relaxed);
                phase.inc(1);
                Some(rec)
            })
            .collect();
        records.ok_or_else(|| done.load(Ordering::Relaxed))
    }

    /// What is staged for a canonical document: the final file's bytes in text mode
    /// (the header's duplicate list is filled in when it is known), the body in JSONL.
    fn staged_content(&self, i: usize, rec: &Record, body: &str) -> String {
        if self.sink == Sink::Out && self.cfg.format == Format::Text && self.cfg.header {
            let mut s = text::header(&self.sources[i].name, rec, &[]);
            s.push_str(body);
            s
        } else {
            body.to_owned()
        }
    }

    fn write_all(&self, mut records: Vec<Record>, staging: &Staging) -> Result<i32> {
        let (written, bytes) = match (self.sink, self.cfg.format) {
            (Sink::Out, Format::Text) => self.write_text_files(&mut records, staging)?,
            _ => self.write_jsonl(&mut records, staging)?,
        };
        if let Some(out) = &self.cfg.out {
            let manifest = self.manifest(&records);
            let path = out.join(MANIFEST_FILE);
            write_atomic(&path, manifest.as_bytes()).map_err(|e| Error::write(&path, e))?;
        }
        self.report_errors(&records);
        self.finish(&records, written, bytes)
    }

    /// Moves staged text files into place under `--out`.
    fn write_text_files(&self, records: &mut [Record], staging: &Staging) -> Result<(usize, u64)> {
        let out = self.cfg.out.as_deref().expect("text files need --out");
        let results: Vec<Option<std::result::Result<u64, String>>> = records
            .par_iter()
            .enumerate()
            .map(|(i, rec)| {
                if rec.status != Status::Canonical || interrupt::is_set() {
                    return None;
                }
                let dest = out.join(output_rel(&self.sources[i]));
                let staged = staging.path(output_rel(&self.sources[i]));
                let len = std::fs::metadata(&staged).map(|m| m.len()).unwrap_or(0);
                Some(
                    move_into_place(&staged, &dest)
                        .map(|_| len)
                        .map_err(|e| format!("cannot write output: {e}")),
                )
            })
            .collect();
        if interrupt::is_set() {
            eprintln!(
                "docsift: interrupted while moving files into place; the manifest was not written"
            );
            return Err(Error::Interrupted);
        }
        let (mut n, mut bytes) = (0, 0);
        for (rec, r) in records.iter_mut().zip(results) {
            match r {
                Some(Ok(len)) => {
                    n += 1;
                    bytes += len;
                }
                Some(Err(e)) => {
                    rec.status = Status::Error;
                    rec.write_error = Some(e);
                }
                None => {}
            }
        }
        Ok((n, bytes))
    }

    /// Streams JSON Lines records for the canonical documents, in source order, to
    /// stdout or to `--out/documents.jsonl`.
    fn write_jsonl(&self, records: &mut [Record], staging: &Staging) -> Result<(usize, u64)> {
        let (mut sink, file_path): (
            Box<dyn Write>,
            Option<(std::path::PathBuf, std::path::PathBuf)>,
        ) = match &self.cfg.out {
            Some(out) => {
                let final_path = out.join(JSONL_FILE);
                let tmp = out.join(format!(".{JSONL_FILE}.docsift-{}.tmp", std::process::id()));
                let f = std::fs::File::create(&tmp).map_err(|e| Error::write(&tmp, e))?;
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
            let body = match staging.read(output_rel(&self.sources[i])) {
                Ok(b) => String::from_utf8(b).unwrap_or_default(),
                Err(e) => {
                    rec.status = Status::Error;
                    rec.write_error = Some(format!("cannot read staged output: {e}"));
                    continue;
                }
            };
            let row = Row::new(&self.sources, rec, i, output_name.clone());
            let line = jsonl::record_line(&row, &body);
            match sink.write_all(line.as_bytes()) {
                Ok(()) => {
                    n += 1;
                    bytes += line.len() as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => std::process::exit(0),
                Err(e) => {
                    let p = file_path
                        .as_ref()
                        .map(|(t, _)| t.clone())
                        .unwrap_or_else(|| "-".into());
                    return Err(Error::write(p, e));
                }
            }
        }
        match sink.flush() {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => std::process::exit(0),
            Err(e) => return Err(Error::write("-", e)),
            Ok(()) => {}
        }
        drop(sink);
        if let Some((tmp, final_path)) = file_path {
            std::fs::rename(&tmp, &final_path).map_err(|e| Error::write(&final_path, e))?;
        }
        Ok((n, bytes))
    }

    fn manifest(&self, records: &[Record]) -> String {
        let mut s = String::with_capacity(records.len() * 300);
        let jsonl_out = self.cfg.format == Format::Jsonl;
        for (i, rec) in records.iter().enumerate() {
            let output = if jsonl_out {
                Some(JSONL_FILE.to_owned())
            } else {
                Some(escape_path(output_rel(&self.sources[i])))
            };
            s.push_str(&Row::new(&self.sources, rec, i, output).to_json_line());
        }
        s
    }

    /// One stderr line per failed input, in source order (deterministic).
    fn report_errors(&self, records: &[Record]) {
        for (i, rec) in records.iter().enumerate() {
            if let Some(reason) = rec.error_reason() {
                eprintln!(
                    "docsift: {}: {}",
                    terminal_str(&escape_path(self.sources[i].display_path())),
                    reason
                );
            } else if rec.malformed > 0 && !self.cfg.quiet {
                eprintln!(
                    "docsift: {}: {} malformed byte sequences replaced with U+FFFD ({})",
                    terminal_str(&escape_path(self.sources[i].display_path())),
                    rec.malformed,
                    rec.encoding.unwrap_or("?")
                );
            }
        }
    }

    fn finish(&self, records: &[Record], written: usize, bytes: u64) -> Result<i32> {
        if !self.cfg.quiet {
            let mut s = Summary::from_records(records, written, bytes);
            s.elapsed = self.started.elapsed();
            eprint!("{s}");
        }
        Ok(if records.iter().any(Record::is_error) {
            1
        } else {
            0
        })
    }
}

/// Writes to stdout; a closed pipe ends the process quietly with 0 (DESIGN §1).
fn write_stdout(data: &[u8]) -> Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(data).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => Err(Error::write("-", e)),
    }
}

/// True when stdout is a terminal (used to decide colour and hints).
pub fn stdout_is_terminal() -> bool {
    io::stdout().is_terminal()
}
