//! MinHash signatures: [`HASHES`] seeded permutations of 32-bit shingle hashes,
//! keeping each permutation's minimum. Two signatures agree at a position with
//! probability equal to the Jaccard similarity of the two shingle sets.
//!
//! The permutations are `x ↦ a·x + b (mod 2³²)` with odd `a` drawn from a fixed seed,
//! so signatures are the same on every machine and every run. The update loop works on
//! 128 lanes of 32 bits, a shape compilers vectorize on any x86-64 (SSE2) or ARM
//! (NEON) target; on x86-64 copies of the loop compiled for AVX-512 (16 lanes an
//! instruction, half the instructions of AVX2) and AVX2 are chosen at run time when
//! the CPU has them. No `-C target-cpu` is needed. Every copy computes the same
//! minima: the arithmetic is exact (wrapping u32), only its width differs.
//!
//! Only the low 8 bits of each minimum are kept ([`Signature`]): 128 bytes per
//! document, held for every document of the run. This is b-bit minwise hashing
//! (Li and König, 2010): two unrelated minima agree on 8 bits with probability 2⁻⁸,
//! which [`Signature::similarity`] corrects for; the correction widens the estimate's
//! error by under one percent.

/// Permutations per signature.
pub const HASHES: usize = 128;

/// The fixed seed of the permutations (changing it changes every signature).
pub const SEED: u64 = 0x646f_6373_6966_7421; // "docsift!"

/// A document's signature: the low 8 bits of each permutation's minimum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature(pub Box<[u8; HASHES]>);

impl Signature {
    /// Estimated Jaccard similarity: the share of agreeing positions, corrected for
    /// chance agreement of 8-bit values.
    pub fn similarity(&self, other: &Signature) -> f64 {
        let agree = agreements(&self.0, &other.0);
        let raw = agree as f64 / HASHES as f64;
        let chance = 1.0 / 256.0;
        ((raw - chance) / (1.0 - chance)).clamp(0.0, 1.0)
    }
}

/// Positions where two signatures hold the same value.
///
/// A probe of the index compares a signature pair for each of tens of millions of
/// LSH collisions, so this is counted sixteen positions at a time: each chunk of 16
/// bytes adds its equal positions (0 or 1) to 16 byte-wide counters, a loop the
/// compiler turns into one 16-byte compare and subtract per chunk on any x86-64
/// (SSE2) or ARM (NEON) target, and the counters (at most 8 each: no overflow) are
/// summed once at the end. About half the instructions of the word-at-a-time count
/// this replaces (eight bytes of a `u64` a step, with a carry trick and a popcount).
pub fn agreements(a: &[u8; HASHES], b: &[u8; HASHES]) -> usize {
    const LANES: usize = 16;
    let mut equal = [0u8; LANES];
    for (x, y) in a.chunks_exact(LANES).zip(b.chunks_exact(LANES)) {
        for i in 0..LANES {
            equal[i] += u8::from(x[i] == y[i]);
        }
    }
    equal.iter().map(|&n| usize::from(n)).sum()
}

/// The permutation parameters.
pub struct MinHasher {
    a: [u32; HASHES],
    b: [u32; HASHES],
}

impl Default for MinHasher {
    fn default() -> Self {
        MinHasher::new(SEED)
    }
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl MinHasher {
    pub fn new(seed: u64) -> Self {
        let mut s = seed;
        let mut a = [0u32; HASHES];
        let mut b = [0u32; HASHES];
        for i in 0..HASHES {
            a[i] = (splitmix(&mut s) as u32) | 1;
            b[i] = splitmix(&mut s) as u32;
        }
        MinHasher { a, b }
    }

    /// The full 32-bit minima of a set of shingle hashes (all `u32::MAX` when empty).
    pub fn minima(&self, shingles: &[u64]) -> [u32; HASHES] {
        let mut sig = [u32::MAX; HASHES];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: the CPU supports AVX-512F, checked just above.
                unsafe { update_avx512(&mut sig, &self.a, &self.b, shingles) };
                return sig;
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2, checked just above.
                unsafe { update_avx2(&mut sig, &self.a, &self.b, shingles) };
                return sig;
            }
        }
        update(&mut sig, &self.a, &self.b, shingles);
        sig
    }

    /// The stored signature of a set of shingle hashes.
    pub fn signature(&self, shingles: &[u64]) -> Signature {
        let m = self.minima(shingles);
        let mut s = Box::new([0u8; HASHES]);
        for (o, v) in s.iter_mut().zip(m) {
            *o = v as u8;
        }
        Signature(s)
    }
}

#[inline(always)]
fn update(sig: &mut [u32; HASHES], a: &[u32; HASHES], b: &[u32; HASHES], shingles: &[u64]) {
    for &x in shingles {
        let x = (x ^ (x >> 32)) as u32;
        for i in 0..HASHES {
            sig[i] = sig[i].min(a[i].wrapping_mul(x).wrapping_add(b[i]));
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn update_avx512(
    sig: &mut [u32; HASHES],
    a: &[u32; HASHES],
    b: &[u32; HASHES],
    shingles: &[u64],
) {
    update(sig, a, b, shingles)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn update_avx2(
    sig: &mut [u32; HASHES],
    a: &[u32; HASHES],
    b: &[u32; HASHES],
    shingles: &[u64],
) {
    update(sig, a, b, shingles)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The count equals the naive byte-by-byte count, on signatures that agree in
    /// no, some and all positions, with values that differ in one bit (the high bit
    /// too) or in all, and where the agreeing positions cluster in one chunk of 16.
    #[test]
    fn agreements_counts_equal_positions() {
        let naive =
            |a: &[u8; HASHES], b: &[u8; HASHES]| a.iter().zip(b).filter(|(p, q)| p == q).count();
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for k in 0..2000 {
            let mut a = [0u8; HASHES];
            let mut b = [0u8; HASHES];
            for i in 0..HASHES {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                a[i] = x as u8;
                b[i] = match (x >> 8) % 4 {
                    0 => a[i],
                    1 => a[i] ^ (1 << ((x >> 16) % 8)),
                    2 if k % 2 == 0 => a[i],
                    _ if k % 7 == 0 && (i / 16) == k % 8 => a[i],
                    _ => (x >> 24) as u8,
                };
            }
            assert_eq!(agreements(&a, &b), naive(&a, &b), "k {k}");
        }
        assert_eq!(agreements(&[7; HASHES], &[7; HASHES]), HASHES);
        assert_eq!(agreements(&[0; HASHES], &[0x80; HASHES]), 0);
        assert_eq!(agreements(&[0xff; HASHES], &[0x7f; HASHES]), 0);
        // Every single position, agreeing alone or disagreeing alone.
        for i in 0..HASHES {
            let mut b = [1u8; HASHES];
            b[i] = 0;
            assert_eq!(agreements(&[0; HASHES], &b), 1, "alone at {i}");
            assert_eq!(agreements(&[1; HASHES], &b), HASHES - 1, "all but {i}");
        }
    }

    proptest::proptest! {
        /// On any pair of signatures (values from a small alphabet, so that many
        /// positions agree), the count is the naive one.
        #[test]
        fn agreements_is_the_naive_count(
            a in proptest::collection::vec(0u8..4, HASHES),
            b in proptest::collection::vec(0u8..4, HASHES),
        ) {
            let naive = a.iter().zip(&b).filter(|(p, q)| p == q).count();
            let (a, b): ([u8; HASHES], [u8; HASHES]) =
                (a.try_into().unwrap(), b.try_into().unwrap());
            proptest::prop_assert_eq!(agreements(&a, &b), naive);
        }
    }

    /// MinHash's estimate against the exact Jaccard similarity of generated sets.
    #[test]
    fn estimates_track_exact_jaccard() {
        let mh = MinHasher::default();
        let mut s = 7u64;
        for overlap in [0usize, 100, 250, 400, 500] {
            let common: Vec<u64> = (0..overlap).map(|_| splitmix(&mut s)).collect();
            let mut x = common.clone();
            let mut y = common.clone();
            x.extend((0..(500 - overlap)).map(|_| splitmix(&mut s)));
            y.extend((0..(500 - overlap)).map(|_| splitmix(&mut s)));
            let exact = overlap as f64 / (1000 - overlap) as f64;
            let est = mh.signature(&x).similarity(&mh.signature(&y));
            // 128 hashes: standard error at most 0.045; allow three of them.
            assert!(
                (est - exact).abs() < 0.14,
                "overlap {overlap}: exact {exact:.3}, estimate {est:.3}"
            );
        }
    }

    /// Against a naive oracle: exact Jaccard of hash sets, over many random pairs of
    /// different sizes and overlaps. The corrected estimate must be unbiased (mean
    /// error near zero) and within four standard errors on every pair.
    #[test]
    fn estimates_match_a_naive_oracle() {
        use std::collections::HashSet;
        let mh = MinHasher::default();
        let mut s = 99u64;
        let mut bias = 0.0;
        let trials = 200;
        for t in 0..trials {
            let size_x = 50 + (splitmix(&mut s) % 900) as usize;
            let size_y = 50 + (splitmix(&mut s) % 900) as usize;
            let shared = (splitmix(&mut s) as usize) % size_x.min(size_y);
            let common: Vec<u64> = (0..shared).map(|_| splitmix(&mut s)).collect();
            let mut x = common.clone();
            let mut y = common;
            x.extend((shared..size_x).map(|_| splitmix(&mut s)));
            y.extend((shared..size_y).map(|_| splitmix(&mut s)));
            let (hx, hy): (HashSet<u64>, HashSet<u64>) =
                (x.iter().copied().collect(), y.iter().copied().collect());
            let exact = hx.intersection(&hy).count() as f64 / hx.union(&hy).count() as f64;
            let est = mh.signature(&x).similarity(&mh.signature(&y));
            let se = (exact * (1.0 - exact) / HASHES as f64).sqrt().max(0.01);
            assert!(
                (est - exact).abs() <= 4.0 * se + 0.01,
                "trial {t}: exact {exact:.3}, estimate {est:.3}"
            );
            bias += est - exact;
        }
        assert!(
            (bias / trials as f64).abs() < 0.01,
            "mean error {}",
            bias / trials as f64
        );
    }

    #[test]
    fn deterministic_and_dispatch_independent() {
        let mh = MinHasher::default();
        let sh: Vec<u64> = (0..300u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        let mut plain = [u32::MAX; HASHES];
        update(&mut plain, &mh.a, &mh.b, &sh);
        assert_eq!(mh.minima(&sh), plain);
        assert_eq!(MinHasher::default().minima(&sh), plain);
        // Every wider copy of the loop the CPU can run agrees with the plain one.
        #[cfg(target_arch = "x86_64")]
        {
            type Update = unsafe fn(&mut [u32; HASHES], &[u32; HASHES], &[u32; HASHES], &[u64]);
            let copies: [(&str, bool, Update); 2] = [
                (
                    "avx512f",
                    std::arch::is_x86_feature_detected!("avx512f"),
                    update_avx512,
                ),
                (
                    "avx2",
                    std::arch::is_x86_feature_detected!("avx2"),
                    update_avx2,
                ),
            ];
            for (name, _, wide) in copies.into_iter().filter(|c| c.1) {
                let mut got = [u32::MAX; HASHES];
                // SAFETY: the CPU supports the feature (filtered on just above).
                unsafe { wide(&mut got, &mh.a, &mh.b, &sh) };
                assert_eq!(got, plain, "{name}");
            }
        }
    }
}
