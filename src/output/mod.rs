//! Writing: every output format is a [`Writer`] (records and a body store in):
//! the text tree ([`tree`]), JSON Lines ([`jsonl`]), one document on stdout
//! ([`stdout`]), the manifest ([`manifest`]), kept duplicates ([`keep`]). Beside
//! them: the summary, `--check`, and the atomic-write, staging and locking machinery
//! under them.

pub mod atomic;
pub mod check;
pub mod jsonl;
pub mod keep;
pub mod lock;
pub mod manifest;
pub mod outdir;
pub mod previous;
pub mod sink;
pub mod stdout;
pub mod summary;
pub mod text;
pub mod tree;

pub use sink::{Sink, Writer, Written};

/// `--to`: one text file per canonical document, or JSON Lines records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Jsonl,
}

/// The file `--to jsonl --out DIR` writes its records to.
pub const JSONL_FILE: &str = "documents.jsonl";
/// The manifest's file name inside `--out`.
pub const MANIFEST_FILE: &str = "manifest.jsonl";
