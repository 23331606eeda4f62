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

    /// The number of rows when a band's values fit in 32 bits (at most four 8-bit
    /// values), so that they can stand for the band's key (see [`Bands::key`]).
    pub fn packed_rows(&self) -> Option<usize> {
        (self.rows <= 4).then_some(self.rows)
    }

    /// The values of band `band` of a signature, one byte each (`rows` of them, at
    /// most four: see [`Bands::packed_rows`]).
    pub fn values(&self, sig: &Signature, band: usize, rows: usize) -> u64 {
        sig.0[band * rows..(band + 1) * rows]
            .iter()
            .fold(0u64, |k, &v| (k << 8) | v as u64)
    }

    /// The key of band `band` of a signature.
    ///
    /// On up to four rows the key is injective: two bands with different values never
    /// share a key, so the values themselves can stand for it. Each step maps the
    /// state `h` to `rotl((h ^ v)·P, 17)` with `P` odd, a bijection of `h` for a
    /// given byte `v`. Two different value sequences first differ at some step; there
    /// the inputs `h ^ v` differ, so the products differ, lowest at the same bit as the
    /// inputs (a difference `d` times an odd `P` keeps `d`'s lowest set bit), and the
    /// rotation moves that lowest differing bit from `p` to `p + 17 (mod 64)`. It
    /// starts in bits 0–7 (where the bytes differ) and after `k` more steps lies in
    /// bits 0–7 + 17j for some `j ≤ k`; while that stays at bit 8 or above (it reaches
    /// below only after the fourth step: 51–58 + 17 wraps to 4–11), the next byte,
    /// confined to bits 0–7, cannot cancel the difference, so the states stay
    /// different to the end.
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

    /// Bands of `rows` values from every value of `values` (cycled over the rows).
    fn band_of(rows: usize, values: u32) -> Signature {
        let mut s = Box::new([0u8; HASHES]);
        for (i, v) in s.iter_mut().enumerate() {
            *v = (values >> (8 * (i % rows))) as u8;
        }
        Signature(s)
    }

    /// Grouping by the packed values is grouping by the key: every two-row band
    /// exhaustively, and a million three- and four-row bands of each band index.
    #[test]
    fn keys_are_injective_on_packed_rows() {
        for rows in 1..=4usize {
            let b = Bands {
                bands: HASHES / rows,
                rows,
            };
            assert_eq!(b.packed_rows(), Some(rows));
            let count: u64 = if rows <= 2 { 1 << (8 * rows) } else { 1 << 20 };
            for band in [0, b.bands / 2, b.bands - 1] {
                let mut x = 0x9E37_79B9u32;
                let mut keys: Vec<(u64, u64)> = (0..count)
                    .map(|i| {
                        let v = if rows <= 2 {
                            i as u32
                        } else {
                            x ^= x << 13;
                            x ^= x >> 17;
                            x ^= x << 5;
                            x & (u32::MAX >> (32 - 8 * rows as u32))
                        };
                        let sig = band_of(rows, v);
                        (b.key(&sig, band), b.values(&sig, band, rows))
                    })
                    .collect();
                keys.sort_unstable();
                keys.dedup();
                for w in keys.windows(2) {
                    assert!(w[0].0 != w[1].0, "rows {rows} band {band}: {w:?}");
                }
            }
        }
        assert_eq!(Bands { bands: 25, rows: 5 }.packed_rows(), None);
    }

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
