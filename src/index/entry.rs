//! The document as the index keeps it: [`Entry`] (read back), [`NewEntry`] and
//! [`Prepared`] (what a batch adds).

use sha2::{Digest, Sha256};

use crate::dedup::minhash::Signature;

/// Where an entry lives: its segment (in manifest order) and row (in SHA-256 order
/// within the segment). Stable for the life of the index; sorting by it sorts by
/// segment, then row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntryRef {
    pub segment: u32,
    pub row: u32,
}

/// A canonical document in the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub at: EntryRef,
    /// The batch it came in (see the manifest's batch list for its name and time).
    pub batch: u32,
    /// The document's identity in the run that added it (its manifest `source`).
    pub key: String,
    pub id: Option<String>,
    pub url: Option<String>,
    /// SHA-256 of the clean body.
    pub sha256: [u8; 32],
    pub signature: Signature,
    /// Distinct shingles of the clean body (ranks and prefilters candidates).
    pub shingles: u32,
    /// Length of the clean body in bytes.
    pub bytes: u64,
    /// The compressed body: offset in the segment's bodies section, length.
    pub(crate) body_at: (u64, u32),
    /// The short shingle set (`dedup::short`): offset in the segment's sets section,
    /// number of values.
    pub(crate) set_at: (u64, u32),
}

/// What a caller knows about a canonical document it adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub key: String,
    pub id: Option<String>,
    pub url: Option<String>,
    /// Its MinHash signature, as dedup computed it (`verify` recomputes it from the
    /// body and names an entry whose signature does not match).
    pub signature: Signature,
    pub shingles: u32,
}

/// A clean body made ready for the index: its SHA-256, its zstd frame and its short
/// shingle set (`dedup::short`). Making it is the costly part of adding a document
/// (hashing, compressing and shingling), and needs no
/// access to the batch, so callers can prepare bodies on many threads and add them
/// in order. The bytes do not depend on the thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    pub sha256: [u8; 32],
    pub bytes: u64,
    pub(crate) frame: Vec<u8>,
    /// The short shingle set as stored (little-endian `u32`s).
    pub(crate) set: Vec<u8>,
}

/// zstd level for bodies. Bodies are compressed one by one (each must be readable
/// alone), and a single article of a few KB gives zstd little to work with: on 5,000
/// bodies of real sentences (mean 5.8 KB) level 1 keeps 57.2%, level 3 56.8%, level
/// 19 54.8%, while level 3 is 1.5 times and level 19 thirty times slower than level 1
/// (`cargo bench --bench index_store -- --compare`). Changing it changes the bytes
/// of new segments (not their meaning: old ones stay readable).
pub const BODY_LEVEL: i32 = 1;

impl Prepared {
    pub fn new(body: &str) -> Prepared {
        Prepared::with_set(body, None)
    }

    /// [`Prepared::new`], with the body's short set when the caller already has it
    /// (made from the same shingles: `crate::dedup::short::short_set`), so the body
    /// is not shingled again.
    pub fn with_set(body: &str, set: Option<Vec<u32>>) -> Prepared {
        // A compression context is about a megabyte to set up: one per thread, reused
        // (a fresh one per body made compressing five times slower).
        thread_local! {
            static ZSTD: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> =
                const { std::cell::RefCell::new(None) };
        }
        let frame = ZSTD
            .with(|z| {
                let mut z = z.borrow_mut();
                let c = z.get_or_insert_with(|| {
                    zstd::bulk::Compressor::new(BODY_LEVEL).expect("a zstd context")
                });
                c.compress(body.as_bytes())
            })
            .expect("compressing into memory cannot fail");
        // The shingles with repeats: `short_set` cuts, sorts and dedups them at once.
        let set = set.unwrap_or_else(|| {
            crate::dedup::short::short_set(&crate::dedup::shingle::shingles(body))
        });
        Prepared {
            sha256: Sha256::digest(body.as_bytes()).into(),
            bytes: body.len() as u64,
            frame,
            set: crate::dedup::short::to_bytes(&set),
        }
    }

    /// Compressed size in bytes.
    pub fn compressed(&self) -> usize {
        self.frame.len()
    }
}

/// Hex of a SHA-256, as the manifest writes it.
pub fn hex(sha: &[u8; 32]) -> String {
    use std::fmt::Write;
    sha.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
