//! Validated, resolved settings: flags checked, the chrome rules loaded, the
//! environment's developer knobs read, all once, before a run starts. Nothing after
//! this module reads raw flags or the environment.

use std::path::PathBuf;

use crate::cli::CleanArgs;
use crate::output::{Format, Sink};

/// Everything `clean` needs, resolved.
#[derive(Debug, Clone)]
pub struct CleanConfig {
    pub inputs: Vec<PathBuf>,
    pub out: Option<PathBuf>,
    pub format: Format,
    /// Whether `--to` was given: an explicit format is honoured or refused, never
    /// replaced by the one the number of inputs would choose.
    pub format_given: bool,
    pub header: bool,
    /// `--shard-size`: records per JSON Lines shard under `--out`.
    pub shard_size: u64,
    /// `--compress`: how JSON Lines shards are compressed.
    pub compress: crate::output::Compress,
    /// Whether `--shard-size` or `--compress` was given (refused with text output).
    pub shards_given: bool,
    pub threads: usize,
    /// `-L/--follow`: follow symbolic links met while walking folders.
    pub follow: bool,
    pub quiet: bool,
    pub force: bool,
    pub max_bytes: u64,
    /// `--from`, the JSON Lines keys and `--site-key`: how shards and archives are read.
    pub reading: crate::input::Reading,
    /// The chrome rules: the built-in set, or the `--rules` file's, loaded.
    pub rules: crate::stage::Rules,
    /// Near-duplicate threshold; `None` with `--no-near`.
    pub near_threshold: Option<f64>,
    /// Site boilerplate share; `None` with `--no-boilerplate`.
    pub boilerplate: Option<f64>,
    pub keep_duplicates: Option<PathBuf>,
    /// `--check`: compare with `out` instead of writing it.
    pub check: bool,
    /// Whether reports on stdout (the `--check` diff) are coloured.
    pub color: bool,
    /// `--report`: keep per-line decisions and write `out/report/` at the end.
    pub report: bool,
    /// `--index`: the persistent dedup index (see [`IndexSettings`]).
    pub index: Option<IndexSettings>,
    /// Developer knobs from the environment (see [`Knobs`]).
    pub knobs: Knobs,
}

/// `--index DIR` and its companions.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexSettings {
    pub dir: PathBuf,
    /// `--index-wait`: wait for another writer instead of refusing.
    pub wait: bool,
    /// The batch's name in the index: `--batch-name`, else the inputs as given.
    pub batch_name: String,
    /// The batch's time: `SOURCE_DATE_EPOCH` if set (never the clock, so the same
    /// batches give the same index).
    pub batch_time: Option<String>,
    /// Deduplicate against the index without adding to it (`--check`).
    pub read_only: bool,
    /// The threshold a new index pins with `--no-near` (`--near-threshold`'s value).
    pub pin_threshold: f64,
}

/// Developer aids read from the environment, once (empty counts as unset, as for
/// `NO_COLOR`). None changes what a run writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Knobs {
    /// `DOCSIFT_TIMINGS`: phase timings and memory on stderr.
    pub timings: bool,
    /// `DOCSIFT_SITE_CACHE`: a site's documents kept in memory between cleaning and
    /// boilerplate removal (default [`SITE_CACHE`]); the tests lower it to check that
    /// a site too large to keep is cleaned exactly as one that is kept.
    pub site_cache: usize,
    /// `DOCSIFT_INDEX_PAUSE=N`: a `clean --index` run stops for good (sleeps until
    /// killed) at point N of adding its batch: 0 once the outputs and manifest are
    /// written, before the batch is begun; N ≥ 1 before the N-th write, sync or
    /// rename of the commit. It prints `docsift: paused at N (STEP)` on stderr
    /// first, so the crash tests know when to `kill -9` it.
    pub index_pause: Option<usize>,
}

/// Documents of one site held in memory between cleaning and boilerplate removal;
/// beyond this, a site's documents are cleaned again after learning.
pub const SITE_CACHE: usize = 4096;

/// Input bytes of one site's documents held in memory between cleaning and
/// boilerplate removal; documents past it are cleaned again after learning. With
/// [`SITE_CACHE`] alone, a site of 4,096 large texts (a JSON Lines shard of long
/// pages) would hold all of them: memory would grow with the size of the texts, not
/// only their number.
pub const SITE_CACHE_BYTES: u64 = 8 << 20;

impl Default for Knobs {
    fn default() -> Self {
        Knobs {
            timings: false,
            site_cache: SITE_CACHE,
            index_pause: None,
        }
    }
}

impl Knobs {
    pub fn from_env() -> Self {
        Knobs {
            timings: std::env::var_os("DOCSIFT_TIMINGS").is_some_and(|v| !v.is_empty()),
            site_cache: std::env::var("DOCSIFT_SITE_CACHE")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(SITE_CACHE),
            index_pause: std::env::var("DOCSIFT_INDEX_PAUSE")
                .ok()
                .and_then(|v| v.parse().ok()),
        }
    }
}

/// Loads the chrome rules: the built-in set, or a `--rules` file.
pub fn load_rules(path: Option<&std::path::Path>) -> crate::error::Result<crate::stage::Rules> {
    match path {
        Some(p) => crate::stage::Rules::from_file(p),
        None => Ok(crate::stage::Rules::builtin()),
    }
}

impl CleanConfig {
    /// Resolves `clean`'s flags (loading the rules: a bad `--rules` file is a setup
    /// error, exit 2) and the environment's knobs.
    pub fn from_args(a: &CleanArgs) -> crate::error::Result<Self> {
        let threads = a
            .threads
            .map(|n| n.get())
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        Ok(CleanConfig {
            inputs: a.inputs.clone(),
            out: a.out.clone(),
            format: a.to.unwrap_or_default(),
            format_given: a.to.is_some(),
            header: !a.no_header,
            shard_size: a.shard_size.unwrap_or(crate::output::DEFAULT_SHARD_SIZE),
            compress: a.compress.unwrap_or_default(),
            shards_given: a.shard_size.is_some() || a.compress.is_some(),
            threads,
            follow: a.follow,
            quiet: a.quiet,
            force: a.force,
            max_bytes: a.max_bytes,
            reading: crate::input::Reading {
                from: a.from,
                keys: crate::input::jsonl::Keys {
                    text: a.text_key.clone(),
                    id: a.id_key.clone(),
                    url: a.url_key.clone(),
                },
                site_key: a.site_key,
                max_bytes: a.max_bytes,
            },
            rules: load_rules(a.rules.as_deref())?,
            near_threshold: (!a.no_near).then_some(a.near_threshold),
            boilerplate: (!a.no_boilerplate).then_some(a.boilerplate),
            keep_duplicates: a.keep_duplicates.clone(),
            check: a.check,
            color: false,
            report: a.report,
            index: a.index.as_ref().map(|dir| IndexSettings {
                dir: dir.clone(),
                wait: a.index_wait,
                batch_name: a.batch_name.clone().unwrap_or_else(|| {
                    let names: Vec<String> = a
                        .inputs
                        .iter()
                        .map(|p| crate::escape::escape_path(p))
                        .collect();
                    names.join(" ")
                }),
                batch_time: std::env::var("SOURCE_DATE_EPOCH")
                    .ok()
                    .filter(|v| !v.is_empty()),
                read_only: false,
                pin_threshold: a.near_threshold,
            }),
            knobs: Knobs::from_env(),
        })
    }

    /// Where `clean`'s output goes (DESIGN §1): files under `--out`; without it, one
    /// input's clean text on stdout, JSON Lines for several (or a folder). An explicit
    /// `--to text` is honoured (a folder of one capture prints its text) or refused (two
    /// documents cannot be one text on stdout), and `--no-header` with JSON Lines is
    /// refused, so a script never gets a format it did not ask for. Exit 2, before
    /// anything is read or written. `documents` is how many documents the inputs hold.
    pub fn sink(&self, documents: usize) -> crate::error::Result<Sink> {
        let cfg = self;
        let single = documents == 1;
        let sink = match (&cfg.out, cfg.format) {
            (Some(_), _) => Sink::Out,
            (None, Format::Text) if cfg.format_given && single => Sink::StdoutText,
            (None, Format::Text) if cfg.format_given && documents > 1 => {
                return Err(crate::error::Error::Usage(format!(
                    "--to text prints one document on stdout, but the inputs hold {documents} documents; \
                     use --to jsonl for JSON Lines on stdout, or --out DIR for one text file \
                     per document"
                )))
            }
            (None, Format::Text) if cfg.inputs.len() == 1 && !cfg.inputs[0].is_dir() && single => {
                Sink::StdoutText
            }
            (None, _) => Sink::StdoutJsonl,
        };
        if cfg.shards_given && cfg.format != Format::Jsonl {
            return Err(crate::error::Error::Usage(
                "--shard-size and --compress shape JSON Lines output under --out; add --to jsonl"
                    .into(),
            ));
        }
        let jsonl = cfg.format == Format::Jsonl || (sink == Sink::StdoutJsonl && !cfg.format_given);
        if !cfg.header && jsonl {
            let why = if cfg.format == Format::Jsonl {
                "--to jsonl"
            } else {
                "several documents without --out give JSON Lines"
            };
            return Err(crate::error::Error::Usage(format!(
                "--no-header applies to text output, and JSON Lines records have no header \
                 ({why}); drop --no-header, or use --to text (with --out DIR for several \
                 documents)"
            )));
        }
        Ok(sink)
    }

    /// Defaults for library use and tests: one thread, quiet, text with headers.
    pub fn for_inputs(inputs: Vec<PathBuf>) -> Self {
        CleanConfig {
            inputs,
            out: None,
            format: Format::Text,
            format_given: false,
            header: true,
            shard_size: crate::output::DEFAULT_SHARD_SIZE,
            compress: crate::output::Compress::default(),
            shards_given: false,
            threads: 1,
            follow: false,
            quiet: true,
            force: false,
            max_bytes: 64 << 20,
            reading: crate::input::Reading::default(),
            rules: crate::stage::Rules::builtin(),
            near_threshold: Some(0.8),
            boilerplate: Some(0.02),
            keep_duplicates: None,
            check: false,
            color: false,
            report: false,
            index: None,
            knobs: Knobs::default(),
        }
    }
}
