//! `docsift index stats|verify IDX`: what a dedup index holds, and whether it is
//! intact (see `crate::index`).
//!
//! Both only read: they take no lock, so they run beside a writer and see the index
//! as its last committed batch left it. `stats` exits 2 on a damaged index, as any
//! command that needs the index would; `verify` reads every byte and exits 1 naming
//! each problem (file and what is wrong), 2 when there is no index to check.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use crate::error::{Error, Result};
use crate::escape::{terminal_path, terminal_str};
use crate::exit::Exit;
use crate::index::{self, Index, IndexError};
use crate::ui::print_stdout;

/// `docsift index ACTION IDX`.
#[derive(Debug, Args)]
#[command(after_help = INDEX_HELP)]
pub struct IndexArgs {
    /// stats: documents, batches, size and the parameters the index pins; verify:
    /// read everything, check every checksum and invariant
    #[arg(value_enum, value_name = "ACTION")]
    pub action: Action,

    /// The index folder
    #[arg(value_name = "IDX")]
    pub index: PathBuf,

    /// stats as one JSON object
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Action {
    Stats,
    Verify,
}

const INDEX_HELP: &str = "\
Exit status: 0 done (verify: intact); 1 verify found problems, each named with its file;
2 no usable index (not there, not an index, or for stats, damaged).

verify reads every byte and recomputes each body's signature: it takes about as long as
deduplicating the bodies again.";

pub fn run(args: &IndexArgs) -> Result<Exit> {
    match args.action {
        Action::Stats => stats(&args.index, args.json),
        Action::Verify => verify(&args.index),
    }
}

/// An index error as the run's error (exit 2: there is no answer).
fn trouble(e: IndexError) -> Error {
    Error::Usage(e.to_string())
}

fn stats(path: &Path, json: bool) -> Result<Exit> {
    let idx = Index::inspect(path).map_err(trouble)?;
    let s = idx.stats();
    let mut out = String::new();
    if json {
        out = serde_json::to_string_pretty(&s).expect("stats serialize");
        out.push('\n');
    } else {
        let per = |b: u64| b.checked_div(s.documents).unwrap_or(0);
        let p = &s.params;
        let _ = writeln!(out, "index: {}", terminal_path(path));
        let _ = writeln!(out, "documents: {}", s.documents);
        let _ = writeln!(out, "batches: {}", s.batches.len());
        for b in &s.batches {
            let _ = writeln!(
                out,
                "  {:>4}  {}{}  {} document{}",
                b.number,
                terminal_str(&b.name),
                b.time
                    .as_deref()
                    .map_or(String::new(), |t| format!(" ({})", terminal_str(t))),
                b.documents,
                if b.documents == 1 { "" } else { "s" }
            );
        }
        let _ = writeln!(
            out,
            "size: {} bytes in {} segments; {} bytes a document, of which {} of compressed body \
             and {} of shingle sets",
            s.bytes,
            s.segments,
            per(s.bytes),
            per(s.body_bytes),
            per(s.set_bytes)
        );
        let _ = writeln!(out, "format version: {}", index::params::FORMAT_VERSION);
        let _ = writeln!(out, "parameters:");
        let _ = writeln!(out, "  near-duplicate threshold: {}", p.threshold);
        let _ = writeln!(out, "  LSH: {} bands of {} rows", p.bands, p.rows);
        let _ = writeln!(
            out,
            "  MinHash: {} hashes of {} bits, seed {}",
            p.hashes, p.signature_bits, p.hash_seed
        );
        let _ = writeln!(out, "  shingles: {} tokens", p.shingle_size);
        let _ = writeln!(
            out,
            "  tokenizer version: {} (fingerprint {})",
            p.tokenizer_version, p.fingerprint
        );
        let _ = writeln!(out, "  normalization version: {}", p.normalization_version);
    }
    print_stdout(out.as_bytes())?;
    Ok(Exit::Success)
}

fn verify(path: &Path) -> Result<Exit> {
    let report = index::verify(path).map_err(trouble)?;
    let mut out = String::new();
    let shown = terminal_path(path);
    for p in &report.problems {
        let _ = writeln!(
            out,
            "{shown}/{}: {}",
            terminal_str(&p.file),
            terminal_str(&p.what)
        );
    }
    for l in &report.leftovers {
        let _ = writeln!(
            out,
            "note: {shown}/{}: left by an interrupted batch; not part of the index (the next batch removes it)",
            terminal_str(l)
        );
    }
    for l in &report.strangers {
        let _ = writeln!(
            out,
            "note: {shown}/{}: not written by docsift; not part of the index",
            terminal_str(l)
        );
    }
    let code = if report.is_ok() {
        let _ = writeln!(
            out,
            "ok: {} documents in {} batches ({} segments), every checksum and invariant holds",
            report.documents, report.batches, report.segments
        );
        Exit::Success
    } else {
        let _ = writeln!(
            out,
            "damaged: {} problem{} found; restore the index from a copy or build it again",
            report.problems.len(),
            if report.problems.len() == 1 { "" } else { "s" }
        );
        Exit::Failure
    };
    print_stdout(out.as_bytes())?;
    Ok(code)
}
