//! docsift: turn folders and streams of scraped web captures into a clean,
//! deduplicated corpus.
//!
//! The library is what the `docsift` binary runs; it is public so that benchmarks,
//! fuzz targets, tests and other programs drive the same code. One capture, cleaned
//! from Rust:
//!
//! ```
//! use docsift::document::{Meta, Origin, Site};
//! use docsift::pipeline::{process, Pipeline};
//!
//! let pipeline = Pipeline::default(); // the built-in chrome rules
//! let capture = "Share this article\n\nThe ferry crossed the sound at dawn, and the \
//!     harbour woke as its horn carried over the water.\n\nSubscribe to our newsletter\n";
//! let meta = Meta::file(Origin::Stdin, "capture.txt".into(), Site::default()).into();
//! let (record, body) = process(capture.as_bytes().to_vec(), meta, &pipeline);
//! assert_eq!(record.status.name(), "canonical");
//! assert!(body.starts_with("The ferry crossed the sound at dawn"));
//! assert_eq!(record.removed.total(), 2); // the share and subscribe lines
//! ```
//!
//! The crate, from the bottom up (a module imports only from modules above it in
//! this list, never from one below). See `DESIGN.md` for the contract.

// Foundations.
// A document: its metadata and stable key, and its lines with a reason per removal.
pub mod document;
// Per-document errors (rows) and run errors (exit 2 or 1), each naming its file.
pub mod error;
// Names and paths made safe for data (lossless) and terminals (inert).
pub mod escape;
// Exit codes as a type, merged in one place.
pub mod exit;
// Ctrl-C: the flag every loop checks, and the watchdog for a run stuck in a read.
pub mod interrupt;
// Per-run counts of the bounds that bit (values, never process-wide).
pub mod limits;
// Word tokens and line-key hashing shared by the stages and deduplication.
pub mod tokens;
// What a terminal sees: colour, progress, unified diffs.
pub mod ui;

// Per document.
// Deduplication: body identity, LSH, verification, star clusters, over a body store.
pub mod dedup;
// Readers: locations to documents (files, stdin, JSON Lines, WARC/WET; gzip, zstd), decoding.
pub mod input;
// The per-document path as pure functions: decode to body identity.
pub mod pipeline;
// What a run remembers about each document after its text is gone, by key.
pub mod record;
// Site boilerplate: site keys, learning a site's recurring lines, removing them.
pub mod site;
// The per-document cleaning stages: normalize, repeats, chrome, title, language.
pub mod stage;
// Where clean bodies and records' texts and input fields wait, read back by key (spools).
pub mod store;

// Per run.
// The `docsift` command line as data (clap), and its help.
pub mod cli;
// One module per subcommand, and the dispatch that gives the exit status.
pub mod cmd;
// Settings resolved once: flags, rules loaded, environment knobs, the output sink.
pub mod config;
// Writers behind one trait (text tree, JSON Lines, stdout, manifest), and the output
// safety machinery (atomic writes, staging, locks, `--check`).
pub mod output;
// The persistent dedup index: immutable segments and a checksummed manifest, crash-safe,
// with pinned parameters (`docsift index stats|verify`; `clean --index` in `run::index`).
pub mod index;
// The self-contained HTML report of a finished run (`docsift report`, `clean --report`).
pub mod report;
// The local runner: drives readers, pipeline, sites, dedup (and `--index`) and writers
// on a thread pool.
pub mod run;
