//! Writing: every output format is a [`Writer`] (records and a body store in):
//! the text tree ([`tree`]), JSON Lines shards under `--out` ([`shards`]), JSON
//! Lines on stdout ([`jsonl`], which also builds every record), one document on stdout
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
pub mod shards;
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

/// `--compress`: how `--to jsonl --out DIR` compresses its shards. Levels are fixed
/// (zstd 3, the zstd tool's default; gzip 6, gzip's) and gzip headers carry no time or
/// name, so the same run gives the same bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Compress {
    None,
    Gzip,
    #[default]
    Zstd,
}

impl Compress {
    /// The file name extension this compression adds (`""`, `.gz`, `.zst`).
    pub fn extension(self) -> &'static str {
        match self {
            Compress::None => "",
            Compress::Gzip => ".gz",
            Compress::Zstd => ".zst",
        }
    }
}

/// `--shard-size`'s default: records per JSON Lines shard. 100,000 records of a
/// few KiB each make shards of a few hundred MiB, the size corpus toolkits pass
/// around, and a run of up to that many documents gives one file.
pub const DEFAULT_SHARD_SIZE: u64 = 100_000;

/// The name of JSON Lines shard `index` (from 0) below `--out`:
/// `documents-00000.jsonl.zst`. Five digits sort in order up to 100,000 shards (ten
/// billion records at the default size); beyond that the number grows wider.
pub fn shard_name(index: u32, compress: Compress) -> String {
    format!("documents-{index:05}.jsonl{}", compress.extension())
}
/// The manifest's file name inside `--out`.
pub const MANIFEST_FILE: &str = "manifest.jsonl";
