//! Deduplication: exact (SHA-256 of the clean body) and near duplicates (MinHash over
//! shingles, LSH candidates, every candidate confirmed on the clean text), clustered
//! into stars around one canonical document each. A body's identity is computed here
//! ([`identity`]); bodies are read back through a store ([`stored`]).

pub mod cluster;
pub mod distance;
pub mod identity;
pub mod lsh;
pub mod minhash;
pub mod shingle;
pub mod short;
pub mod stored;
pub mod verify;

pub use cluster::{cluster, Assignment, Item};
pub use identity::BodyId;
pub use minhash::{MinHasher, Signature};
pub use stored::{deduplicate, Outcome};
