//! Deduplication: exact (SHA-256 of the clean body) and near duplicates (MinHash over
//! shingles, LSH candidates, every candidate confirmed on the clean text), clustered
//! into stars around one canonical document each.

pub mod cluster;
pub mod lsh;
pub mod minhash;
pub mod shingle;
pub mod verify;

pub use cluster::{cluster, Assignment, Item};
pub use minhash::{MinHasher, Signature};
