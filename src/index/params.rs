//! The parameters an index pins: everything that changes which documents match.
//!
//! An index stores SHA-256s of clean bodies, MinHash signatures and LSH band keys.
//! They only mean something to a docsift that computes them the same way, so the
//! manifest records every input to that computation and [`Params::first_difference`]
//! names the first one that differs; the index then refuses to open. Three kinds:
//!
//! * numbers from the dedup modules: hash seed, number of hashes, bits kept per
//!   hash, shingle size, the near-duplicate threshold and the LSH banding it implies;
//! * versions of code whose output is not a number: [`TOKENIZER_VERSION`] (the
//!   hashing-only tokenizer in `crate::tokens` and the shingle hash) and
//!   [`NORMALIZATION_VERSION`] (what makes a clean body: `stage::normalize` and the
//!   chrome stages, which decide the SHA-256);
//! * a fingerprint: the shingles, signature and band keys of a fixed multilingual
//!   text, computed by this docsift. A change to the tokenizer or the hashing that
//!   forgot to bump [`TOKENIZER_VERSION`] still changes the fingerprint, so the
//!   index refuses rather than mixing signatures. (A unit test pins the value, so such
//!   a change also fails the test suite with a reminder to bump the version.)

use serde::{Deserialize, Serialize};

use crate::dedup::cluster::CANDIDATE_FACTOR;
use crate::dedup::lsh::Bands;
use crate::dedup::minhash::{MinHasher, HASHES, SEED};
use crate::dedup::shingle::{shingles, SHINGLE};

/// The on-disk format this docsift reads and writes. Version 2 added each entry's
/// short shingle set (`dedup::short`); an index of version 1 is refused by name
/// (`index format version`), as any other difference is, and must be built again.
pub const FORMAT_VERSION: u32 = 2;

/// Bump when `crate::tokens` or the shingle hash gives different hashes for some text.
pub const TOKENIZER_VERSION: u32 = 1;

/// Bump when the clean body of some capture changes (normalization or chrome
/// stripping), since the index's SHA-256s and bodies are of clean bodies.
pub const NORMALIZATION_VERSION: u32 = 1;

/// Bits kept of each MinHash minimum (see `dedup::minhash::Signature`).
pub const SIGNATURE_BITS: u32 = 8;

/// Text whose hashes make the fingerprint: several scripts, so the CJK path of the
/// tokenizer, case folding and punctuation are all exercised.
const FINGERPRINT_TEXT: &str = "The Ferry returns to the islands, at last! \
    Паром наконец вернулся на острова. Die Fähre kehrt zurück — 2026. \
    東京の港から船が出ます。 ÉCOLE, école; ﬁnal café 123.";

/// Every parameter that changes results, as the manifest records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The MinHash seed, as 16 hex digits (a JSON number would lose bits in most readers).
    pub hash_seed: String,
    pub hashes: u32,
    pub signature_bits: u32,
    pub shingle_size: u32,
    pub tokenizer_version: u32,
    pub normalization_version: u32,
    /// See the module doc.
    pub fingerprint: String,
    pub threshold: f64,
    pub bands: u32,
    pub rows: u32,
}

impl Params {
    /// The parameters of this docsift for a near-duplicate threshold. The banding is
    /// the one clustering asks candidates with (`threshold × CANDIDATE_FACTOR`), so
    /// the index finds the candidates a run over everything would.
    pub fn new(threshold: f64) -> Params {
        let bands = Bands::for_threshold(threshold * CANDIDATE_FACTOR);
        Params::with(SEED, threshold, bands)
    }

    /// Parameters with a given seed and banding (tests; a future `--rebuild-bands`).
    pub fn with(seed: u64, threshold: f64, bands: Bands) -> Params {
        Params {
            hash_seed: format!("{seed:016x}"),
            hashes: HASHES as u32,
            signature_bits: SIGNATURE_BITS,
            shingle_size: SHINGLE as u32,
            tokenizer_version: TOKENIZER_VERSION,
            normalization_version: NORMALIZATION_VERSION,
            fingerprint: fingerprint(seed, bands),
            threshold,
            bands: bands.bands as u32,
            rows: bands.rows as u32,
        }
    }

    /// The banding, as `dedup::lsh` computes keys with it.
    pub fn banding(&self) -> Bands {
        Bands {
            bands: self.bands as usize,
            rows: self.rows as usize,
        }
    }

    /// The MinHash seed.
    pub fn seed(&self) -> Option<u64> {
        u64::from_str_radix(&self.hash_seed, 16).ok()
    }

    /// The first parameter (in the order of the struct) on which `self` (the
    /// index's) and `ours` differ: its name, the index's value, ours.
    pub fn first_difference(&self, ours: &Params) -> Option<(&'static str, String, String)> {
        let pairs: [(&'static str, String, String); 10] = [
            ("hash seed", self.hash_seed.clone(), ours.hash_seed.clone()),
            ("number of hashes", n(self.hashes), n(ours.hashes)),
            (
                "bits per hash",
                n(self.signature_bits),
                n(ours.signature_bits),
            ),
            ("shingle size", n(self.shingle_size), n(ours.shingle_size)),
            (
                "tokenizer version",
                n(self.tokenizer_version),
                n(ours.tokenizer_version),
            ),
            (
                "normalization version",
                n(self.normalization_version),
                n(ours.normalization_version),
            ),
            (
                "near-duplicate threshold",
                self.threshold.to_string(),
                ours.threshold.to_string(),
            ),
            ("LSH bands", n(self.bands), n(ours.bands)),
            ("LSH rows per band", n(self.rows), n(ours.rows)),
            (
                "tokenizer fingerprint (the tokenizer or hashing changed without a version bump)",
                self.fingerprint.clone(),
                ours.fingerprint.clone(),
            ),
        ];
        pairs.into_iter().find(|(_, a, b)| a != b)
    }
}

fn n(x: u32) -> String {
    x.to_string()
}

/// See the module doc: an xxh3 of the reference text's shingles, signature and band keys.
fn fingerprint(seed: u64, bands: Bands) -> String {
    let sh = shingles(FINGERPRINT_TEXT);
    let sig = MinHasher::new(seed).signature(&sh);
    let mut bytes = Vec::new();
    for s in &sh {
        bytes.extend_from_slice(&s.to_le_bytes());
    }
    bytes.extend_from_slice(&sig.0[..]);
    for b in 0..bands.bands {
        bytes.extend_from_slice(&bands.key(&sig, b).to_le_bytes());
    }
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// If this fails, the tokenizer, the shingle hash, MinHash or the band keys now
    /// compute differently: bump TOKENIZER_VERSION (indexes built before then refuse
    /// to open, as they must) and update the value here.
    #[test]
    fn the_fingerprint_is_pinned() {
        let p = Params::new(0.8);
        assert_eq!((p.bands, p.rows), (42, 3));
        assert_eq!(p.fingerprint, "bf9337265c474322");
    }

    #[test]
    fn the_first_difference_is_named() {
        let ours = Params::new(0.8);
        assert_eq!(ours.first_difference(&ours), None);
        let other = Params::new(0.9);
        let (name, a, b) = other.first_difference(&ours).unwrap();
        assert_eq!(
            (name, a.as_str(), b.as_str()),
            ("near-duplicate threshold", "0.9", "0.8")
        );
        let seeded = Params::with(7, 0.8, ours.banding());
        assert_eq!(seeded.first_difference(&ours).unwrap().0, "hash seed");
        let mut tok = ours.clone();
        tok.tokenizer_version += 1;
        assert_eq!(tok.first_difference(&ours).unwrap().0, "tokenizer version");
        let mut fp = ours.clone();
        fp.fingerprint = "0".repeat(16);
        assert!(fp
            .first_difference(&ours)
            .unwrap()
            .0
            .starts_with("tokenizer fingerprint"));
    }
}
