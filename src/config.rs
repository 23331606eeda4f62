//! Validated, resolved settings: flags checked, the chrome rules loaded, the
//! environment's developer knobs read, all once, before a run starts. Nothing after
//! this module reads raw flags or the environment.

use std::path::PathBuf;

use crate::cli::CleanArgs;
use crate::output::Format;

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
    pub threads: usize,
    /// `-L/--follow`: follow symbolic links met while walking folders.
    pub follow: bool,
    pub quiet: bool,
    pub force: bool,
    pub max_bytes: u64,
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
    /// Developer knobs from the environment (see [`Knobs`]).
    pub knobs: Knobs,
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
}

/// Documents of one site held in memory between cleaning and boilerplate removal;
/// beyond this, a site's documents are cleaned again after learning.
pub const SITE_CACHE: usize = 4096;

impl Default for Knobs {
    fn default() -> Self {
        Knobs {
            timings: false,
            site_cache: SITE_CACHE,
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
            threads,
            follow: a.follow,
            quiet: a.quiet,
            force: a.force,
            max_bytes: a.max_bytes,
            rules: load_rules(a.rules.as_deref())?,
            near_threshold: (!a.no_near).then_some(a.near_threshold),
            boilerplate: (!a.no_boilerplate).then_some(a.boilerplate),
            keep_duplicates: a.keep_duplicates.clone(),
            check: a.check,
            color: false,
            knobs: Knobs::from_env(),
        })
    }

    /// Defaults for library use and tests: one thread, quiet, text with headers.
    pub fn for_inputs(inputs: Vec<PathBuf>) -> Self {
        CleanConfig {
            inputs,
            out: None,
            format: Format::Text,
            format_given: false,
            header: true,
            threads: 1,
            follow: false,
            quiet: true,
            force: false,
            max_bytes: 64 << 20,
            rules: crate::stage::Rules::builtin(),
            near_threshold: Some(0.8),
            boilerplate: Some(0.02),
            keep_duplicates: None,
            check: false,
            color: false,
            knobs: Knobs::default(),
        }
    }
}
