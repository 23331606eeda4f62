//! Inputs: expand the command line into a sorted list of [`Source`]s (`walk`), replace
//! each JSON Lines shard and WARC/WET archive by its records (`format` chooses the
//! reader, `records` reads them with `jsonl` and `warc`), read each capture with
//! size and binary guards (`read`, through `compress`), and decode bytes to text.

pub mod compress;
pub mod decode;
pub mod format;
pub mod jsonl;
pub mod read;
pub mod records;
pub mod walk;
pub mod warc;

pub use decode::{decode, decode_owned, Decoded};
pub use format::{InputFormat, Reading};
pub use read::{read_source, read_source_with_mode};
pub use records::expand_records;
pub use walk::{expand, expand_with, Expanded, Source, SourceKind};
