//! Writing: text files with headers, JSON Lines records, the manifest, the summary,
//! and the atomic-write and staging machinery under them.

pub mod atomic;
pub mod check;
pub mod jsonl;
pub mod lock;
pub mod manifest;
pub mod outdir;
pub mod previous;
pub mod spool;
pub mod summary;
pub mod text;

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
