//! Validated, resolved settings. Nothing after this module reads raw flags.

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
    pub rules: Option<PathBuf>,
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
}

/// Loads the chrome rules: the built-in set, or a `--rules` file.
pub fn load_rules(path: Option<&std::path::Path>) -> crate::error::Result<crate::stage::Rules> {
    match path {
        Some(p) => crate::stage::Rules::from_file(p),
        None => Ok(crate::stage::Rules::builtin()),
    }
}

impl CleanConfig {
    pub fn from_args(a: &CleanArgs) -> Self {
        let threads = a
            .threads
            .map(|n| n.get())
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        CleanConfig {
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
            rules: a.rules.clone(),
            near_threshold: (!a.no_near).then_some(a.near_threshold),
            boilerplate: (!a.no_boilerplate).then_some(a.boilerplate),
            keep_duplicates: a.keep_duplicates.clone(),
            check: a.check,
            color: false,
            report: a.report,
        }
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
            rules: None,
            near_threshold: Some(0.8),
            boilerplate: Some(0.02),
            keep_duplicates: None,
            check: false,
            color: false,
            report: false,
        }
    }
}
