//! The command line, as data: clap derive definitions, help text and examples.
//! Nothing here acts; `config` validates and `app` runs.

use std::num::NonZeroUsize;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::input::jsonl::KeyPath;
use crate::input::InputFormat;
use crate::output::Format;
use crate::site::SiteKey;
use crate::ui::color::ColorChoice;

const EXAMPLES: &str = "\
Examples:
  In a scraping pipeline, one capture at a time:
    cat capture.txt | docsift clean -
  Clean a folder of captures into another folder, with a manifest:
    docsift clean captures/ -o clean/
  In CI, check that committed output is up to date:
    docsift clean fixtures/captures -o fixtures/clean --check";

#[derive(Debug, Parser)]
#[command(
    name = "docsift",
    version,
    about = "Turn folders and streams of scraped web captures into a clean, deduplicated corpus",
    long_about = None,
    after_help = EXAMPLES,
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// When to colour output: auto (a terminal, and NO_COLOR unset), always or never
    #[arg(long, value_enum, default_value_t, global = true, value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Clean captures: decode, normalize, strip chrome, deduplicate, write
    #[command(after_help = EXAMPLES)]
    Clean(CleanArgs),
    /// Show every line of one capture, kept or removed, with the reason for each removal
    Explain(ExplainArgs),
    /// Show two documents' clean bodies as a unified diff, with their similarity
    #[command(after_help = DIFF_EXAMPLES)]
    Diff(DiffArgs),
    /// Write a self-contained HTML report of a finished run: OUT/report/index.html
    #[command(after_help = REPORT_EXAMPLES)]
    Report(ReportArgs),
    /// Print the built-in chrome rules, in the format --rules FILE reads
    Rules,
    /// Print a shell completion script: bash, zsh, fish, powershell or elvish
    Completions {
        /// The shell to complete for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page, in roff (e.g. `docsift man > docsift.1`)
    Man,
    /// Inspect a dedup index: `index stats IDX`, `index verify IDX`
    Index(crate::cmd::index::IndexArgs),
}

const DIFF_EXAMPLES: &str = "\
Exit status: 0 if the clean bodies are identical, 1 if they differ, 2 on trouble.

Examples:
  Check a pair the manifest calls near duplicates:
    docsift diff captures/a.txt captures/b.txt
  Compare a capture with the file docsift wrote for it (its header is skipped):
    docsift diff captures/a.txt clean/a.txt";

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The first capture (- for stdin; FILE#N for record N of a shard or archive)
    #[arg(value_name = "A")]
    pub a: PathBuf,

    /// The second capture (- for stdin; FILE#N for record N of a shard or archive)
    #[arg(value_name = "B")]
    pub b: PathBuf,

    /// Similarity threshold the verdict is given for, as in `clean`
    #[arg(long, value_name = "F", default_value_t = 0.8, value_parser = parse_unit)]
    pub near_threshold: f64,

    /// Unchanged lines shown around each change
    #[arg(short = 'U', long, value_name = "N", default_value_t = 3)]
    pub context: usize,

    /// Chrome rules to use (see `docsift rules`)
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,

    /// Inputs larger than this are refused (suffixes K, M, G; KiB, MiB, GiB)
    #[arg(long, value_name = "BYTES", default_value = "64MiB", value_parser = parse_bytes)]
    pub max_bytes: u64,
}

const REPORT_EXAMPLES: &str = "\
The run must have been made with --report, which keeps each document's per-line
decisions (OUT/.docsift-lines.zst); `clean --report` writes the report itself at the end.

Examples:
  Clean a folder and look at what was removed and merged:
    docsift clean captures/ -o clean/ --report
  Write the report again (after deleting it, or with a newer docsift):
    docsift report clean/";

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The --out folder of a finished `docsift clean … --report` run
    #[arg(value_name = "OUT")]
    pub out: PathBuf,

    /// Print nothing on stderr
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The capture to explain (- for stdin; FILE#N for record N of a shard or archive)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Print the same information as one JSON document
    #[arg(long)]
    pub json: bool,

    /// Learn site boilerplate from the captures in DIR, as `clean` would (default:
    /// the other captures in FILE's folder)
    #[arg(long, value_name = "DIR")]
    pub site: Option<PathBuf>,

    /// Site boilerplate share, as `clean --boilerplate`
    #[arg(long, value_name = "SHARE", default_value_t = 0.02, value_parser = parse_unit)]
    pub boilerplate: f64,

    /// Do not learn site boilerplate (rules and structure only)
    #[arg(long, conflicts_with = "site")]
    pub no_boilerplate: bool,

    /// Chrome rules to use (see `docsift rules`)
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,

    /// Inputs larger than this are refused (suffixes K, M, G; KiB, MiB, GiB)
    #[arg(long, value_name = "BYTES", default_value = "64MiB", value_parser = parse_bytes)]
    pub max_bytes: u64,
}

#[derive(Debug, Args)]
pub struct CleanArgs {
    /// Files, folders (walked recursively, hidden entries skipped) or - for stdin
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Write canonical documents under DIR, mirroring each input's path relative to
    /// the input root it came from; DIR/manifest.jsonl lists every input
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// text: one file per canonical document with a header; jsonl: one record per
    /// document. Default: text with --out or for one input, jsonl for several on stdout
    /// (an explicit --to text with several and no --out is an error)
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub to: Option<Format>,

    /// JSON Lines output under --out: records per shard file (documents-00000.jsonl.zst,
    /// documents-00001…) [default: 100000]
    #[arg(long, value_name = "N", requires = "out", value_parser = clap::value_parser!(u64).range(1..))]
    pub shard_size: Option<u64>,

    /// JSON Lines output under --out: how shards are compressed [default: zstd]
    #[arg(long, value_enum, value_name = "HOW", requires = "out")]
    pub compress: Option<crate::output::Compress>,

    /// Text output without the metadata header (refused with JSON Lines output)
    #[arg(long)]
    pub no_header: bool,

    /// Worker threads (default: all cores); output never depends on N
    #[arg(short = 'j', long = "threads", value_name = "N")]
    pub threads: Option<NonZeroUsize>,

    /// No progress bar, no summary
    #[arg(short, long)]
    pub quiet: bool,

    /// Update an existing, non-empty --out (never deleting files docsift did not write)
    #[arg(long)]
    pub force: bool,

    /// Inputs larger than this are error rows, not documents (suffixes K, M, G; KiB,
    /// MiB, GiB); for a compressed input, its decompressed size; for JSON Lines and
    /// WARC, each record's
    #[arg(long, value_name = "BYTES", default_value = "64MiB", value_parser = parse_bytes)]
    pub max_bytes: u64,

    /// Input format: auto (by file name, then first bytes; stdin is text), text (one
    /// capture per file), jsonl (one record per line) or warc (WARC/WET archives).
    /// .gz and .zst inputs are decompressed whatever the format
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t)]
    pub from: InputFormat,

    /// JSON Lines field holding the text (a dotted path such as content.body reaches
    /// a nested field)
    #[arg(long, value_name = "KEY", default_value = "text")]
    pub text_key: KeyPath,

    /// JSON Lines field holding the document's id (dotted path)
    #[arg(long, value_name = "KEY", default_value = "id")]
    pub id_key: KeyPath,

    /// JSON Lines field holding the document's URL (dotted path, e.g. metadata.url)
    #[arg(long, value_name = "KEY", default_value = "url")]
    pub url_key: KeyPath,

    /// What groups documents into a site for boilerplate: host (the URL's host),
    /// domain (its registrable domain) or dir (the folder); documents without a URL
    /// always go by folder
    #[arg(long, value_name = "KEY", default_value = "host")]
    pub site_key: SiteKey,

    /// Follow symbolic links met while walking folders (without it they are skipped
    /// and counted; a link named as an INPUT is always followed)
    #[arg(short = 'L', long)]
    pub follow: bool,

    /// Chrome rules to add to (or, with `builtin = false`, replace) the built-in set;
    /// `docsift rules` prints the format
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,

    /// Similarity threshold for near duplicates (0 to 1; see README for the measure)
    #[arg(long, value_name = "F", default_value_t = 0.8, value_parser = parse_unit)]
    pub near_threshold: f64,

    /// Exact duplicates only: no near-duplicate detection
    #[arg(long)]
    pub no_near: bool,

    /// Site boilerplate: a line recurring in at least this share of a site's
    /// captures (counted once per duplicate cluster, at least 2) is removed
    #[arg(long, value_name = "SHARE", default_value_t = 0.02, value_parser = parse_unit)]
    pub boilerplate: f64,

    /// Do not learn site boilerplate (rules and structure only)
    #[arg(long)]
    pub no_boilerplate: bool,

    /// Write duplicates' clean bodies under DIR, for inspection
    #[arg(long, value_name = "DIR")]
    pub keep_duplicates: Option<PathBuf>,

    /// Write nothing: compare what would be written with what --out holds, print a
    /// unified diff of every difference, exit 1 if any (0 if none)
    #[arg(long, requires = "out", conflicts_with_all = ["keep_duplicates", "force"])]
    pub check: bool,

    /// Also write an HTML report of the run to DIR/report/index.html (keeps each
    /// document's per-line decisions in DIR/.docsift-lines.zst; see `docsift report`)
    #[arg(long, requires = "out", conflicts_with = "check")]
    pub report: bool,

    /// Deduplicate against the persistent index in DIR too (created if new), and add
    /// this batch's canonical documents to it once the run is written (see README)
    #[arg(long, value_name = "DIR", requires = "out")]
    pub index: Option<PathBuf>,

    /// Wait for another run that is adding to --index, instead of exiting 2
    #[arg(long, requires = "index")]
    pub index_wait: bool,

    /// The name --index records for this batch (default: the inputs as given)
    #[arg(long, value_name = "NAME", requires = "index")]
    pub batch_name: Option<String>,
}

/// Parses a number between 0 and 1.
pub fn parse_unit(s: &str) -> Result<f64, String> {
    let x: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number"))?;
    if (0.0..=1.0).contains(&x) {
        Ok(x)
    } else {
        Err(format!("`{s}` is not between 0 and 1"))
    }
}

/// Parses a byte count with an optional unit: `1000`, `64K`, `64KiB`, `2M`, `1GiB`.
pub fn parse_bytes(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a byte count (try 1000, 64K or 64MiB)"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "m" | "mb" => 1_000_000,
        "g" | "gb" => 1_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        _ => {
            return Err(format!(
                "unknown unit in `{s}` (use K, M, G, KiB, MiB or GiB)"
            ))
        }
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("`{s}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn byte_units() {
        assert_eq!(parse_bytes("64MiB"), Ok(64 << 20));
        assert_eq!(parse_bytes("2K"), Ok(2000));
        assert_eq!(parse_bytes("17"), Ok(17));
        assert!(parse_bytes("x").is_err());
        assert!(parse_bytes("5 parsecs").is_err());
    }
}
