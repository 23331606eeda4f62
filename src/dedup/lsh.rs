//! Locality-sensitive hashing: which pairs of documents are worth comparing.
//!
//! The signature's [`HASHES`] values are cut into `b` bands of `r` values. Two
//! documents become a candidate pair when all `r` values of at least one band agree.
//! For a pair with Jaccard similarity `s`, one band agrees with probability `sʳ`, so
//! the pair is a candidate with probability
//!
//! ```text
//!     P(s) = 1 − (1 − sʳ)ᵇ
//! ```
//!
//! an S-curve that rises steeply around `(1/b)^(1/r)`. [`Bands::for_threshold`] picks
//! the largest `r` (fewest chance candidates) whose curve still gives a pair exactly at
//! the threshold a probability of at least [`MIN_RECALL`]. At the default threshold 0.8
//! and 128 hashes that is `r = 6`, `b = 21`: P(0.8) = 0.9985, P(0.5) = 0.28,
//! P(0.3) = 0.015. Every candidate is then confirmed by its true similarity
//! (`verify`), so chance candidates cost time, never correctness. (Clustering asks
//! for candidates at a fraction of the user's threshold, `cluster::CANDIDATE_FACTOR`,
//! because verification also accepts copies by containment.)

use crate::dedup::minhash::{Signature, HASHES};

/// A pair at the threshold must become a candidate at least this often.
pub const MIN_RECALL: f64 = 0.99;

/// The banding of a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bands {
    pub bands: usize,
    pub rows: usize,
}

impl Bands {
    /// Probability that a pair with similarity `s` becomes a candidate.
    pub fn probability(&self, s: f64) -> f64 {
        1.0 - (1.0 - s.powi(self.rows as i32)).powi(self.bands as i32)
    }

    /// The banding for a similarity threshold (see the module doc).
    pub fn for_threshold(threshold: f64) -> Bands {
        for rows in (1..=HASHES).rev() {
            let b = Bands {
                bands: HASHES / rows,
                rows,
            };
            if b.probability(threshold) >= MIN_RECALL {
                return b;
            }
        }
        Bands {
            bands: HASHES,
            rows: 1,
        }
    }

    /// The key of band `band` of a signature.
    pub fn key(&self, sig: &Signature, band: usize) -> u64 {
        let vals = &sig.0[band * self.rows..(band + 1) * self.rows];
        let mut h = (band as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD6E8_FEB8_6659_FD93;
        for &v in vals {
            h = (h ^ v as u64)
                .wrapping_mul(0x0000_0100_0000_01b3)
                .rotate_left(17);
        }
        h
    }

    /// Calls `pair(a, b)` for every two members sharing a bucket of band `band`, `a`
    /// among the first `heads` members of the bucket (in id order), `b` after it: the
    /// candidate pairs of one band, for callers that need no canonical ranking (site
    /// boilerplate's counting clusters).
    pub fn bucket_pairs(
        &self,
        members: &[(u32, &Signature)],
        band: usize,
        heads: usize,
        mut pair: impl FnMut(u32, u32),
    ) {
        let mut keyed: Vec<(u64, u32)> = members
            .iter()
            .map(|&(i, sig)| (self.key(sig, band), i))
            .collect();
        keyed.sort_unstable();
        for bucket in keyed.chunk_by(|a, b| a.0 == b.0) {
            for (x, a) in bucket.iter().enumerate().take(heads) {
                for b in &bucket[x + 1..] {
                    pair(a.1, b.1);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_threshold_banding() {
        let b = Bands::for_threshold(0.8);
        assert_eq!((b.bands, b.rows), (21, 6));
        assert!(b.probability(0.8) >= MIN_RECALL);
        assert!(b.probability(0.5) < 0.3);
    }

    #[test]
    fn every_threshold_meets_the_recall() {
        for t in [0.5, 0.6, 0.7, 0.8, 0.9, 0.95] {
            let b = Bands::for_threshold(t);
            assert!(b.probability(t) >= MIN_RECALL, "{t}: {b:?}");
            assert!(b.bands * b.rows <= HASHES);
            // One more row would miss the recall (the banding is as selective as allowed).
            if b.rows < HASHES {
                let tighter = Bands {
                    bands: HASHES / (b.rows + 1),
                    rows: b.rows + 1,
                };
                assert!(tighter.probability(t) < MIN_RECALL, "{t}");
            }
        }
    }
}
