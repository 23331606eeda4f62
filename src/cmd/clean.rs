//! `docsift clean`: resolve where output goes, take the locks, start the pool, and
//! hand the run to [`crate::run`]; `--check` runs into a private folder and compares.

use std::path::Path;
use std::time::Instant;

use crate::config::CleanConfig;
use crate::document::Origin;
use crate::error::{Error, Result};
use crate::escape::{escape_path, terminal_str};
use crate::exit::Exit;
use crate::input::{self, Source};
use crate::interrupt;
use crate::output::outdir;
use crate::run::Run;

/// Runs `docsift clean`: `Success` when every input was handled, `Failure` when
/// some failed (each a manifest row).
pub fn run(cfg: &CleanConfig) -> Result<Exit> {
    if cfg.check {
        return check(cfg);
    }
    let started = Instant::now();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {} threads: {e}", cfg.threads)))?;
    let mut expanded = input::expand_with(&cfg.inputs, cfg.follow)?;
    // Shards and archives are read on the run's pool, one per worker.
    pool.install(|| {
        let progress = crate::ui::progress::Progress::new(cfg.quiet);
        input::expand_records(&mut expanded, &cfg.reading, &progress)
    })?;
    check_output_names(&expanded.sources)?;
    let sink = cfg.sink(expanded.sources.len())?;
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
    // Opened (and, for writing, locked) before any input is read.
    let index = crate::run::index::open(cfg)?;
    interrupt::install();
    let line_log = crate::report::start_run(cfg.out.as_deref().filter(|_| cfg.report))?;
    let run = Run::new(cfg, expanded, sink, started)
        .with_line_log(line_log.as_ref())
        .with_index(index);
    let exit = pool.install(|| run.execute())?;
    crate::report::finish_run(line_log, cfg.out.as_deref(), cfg.quiet)?;
    Ok(exit)
}

/// `clean --check`: runs into a private temporary folder, then compares it with
/// `--out` (see [`crate::output::check`]). Exit 0 when they match, 1 when they differ.
fn check(cfg: &CleanConfig) -> Result<Exit> {
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
        index: cfg.index.clone().map(|s| crate::config::IndexSettings {
            read_only: true,
            ..s
        }),
        ..cfg.clone()
    };
    // A read or write that fails here leaves no verdict: exit 2, not 1 ("differs").
    let unfinished = |e: Error| match e.exit() {
        crate::exit::Exit::Failure => Error::CheckUnfinished(Box::new(e)),
        _ => e,
    };
    run(&inner).map_err(unfinished)?;
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
    Ok(if diffs.is_empty() {
        Exit::Success
    } else {
        Exit::Failure
    })
}

/// Two inputs must not be written to one output path: stdin (`stdin.txt`) and a real
/// `stdin.txt`, a `capture.txt.gz` (written as `capture.txt`) and a `capture.txt`.
fn check_output_names(sources: &[Source]) -> Result<()> {
    let renamed = |s: &Source| match &s.meta.origin {
        Origin::Stdin => true,
        Origin::File { .. } => s.meta.output_rel().as_ref() != s.rel(),
        Origin::Record { .. } => false,
    };
    if !sources.iter().any(renamed) {
        return Ok(());
    }
    let mut seen: std::collections::HashMap<std::borrow::Cow<'_, Path>, &Source> =
        std::collections::HashMap::with_capacity(sources.len());
    for s in sources {
        if let Some(first) = seen.insert(s.meta.output_rel(), s) {
            return Err(Error::OutputCollision {
                rel: s.meta.output_rel().to_path_buf(),
                first: first.path(),
                second: s.path(),
            });
        }
    }
    Ok(())
}
