//! Short shingle sets: what lets deduplication rule out a candidate pair without
//! reading either body.
//!
//! LSH meets many candidates that pass the MinHash filter
//! (`dedup::cluster::worth_measuring`) and still fail on the text: articles built from
//! the same sentences, in another order. Confirming each cost reading and shingling
//! both bodies, and such pairs grow faster than the corpus (at a million documents,
//! most of dedup's time was bodies read only to be rejected). So each document's
//! shingle set is kept cut to the high 32 bits of each shingle (4 bytes a shingle):
//! by the index for every entry, and by a run for each canonical, spooled on disk
//! while cleaning ([`spool_value`], [`from_spooled`]). A pair is read and measured
//! only if [`containment_bound`] says it can reach the threshold.
//!
//! **The bound never rules out a pair that could confirm.** The measured similarity
//! is `max(J, min(C, R))` (`dedup::verify`), and `J ≤ C`, so it is at most the exact
//! containment `C = |A ∩ B| / min(|A|, |B|)` of the full (64-bit) shingle sets. Cutting
//! shingles to 32 bits can only merge values: with `f` the cut, `|A ∩ B| ≤ |f(A) ∩
//! f(B)| + (|A| − |f(A)|)` (every common shingle lands in the cut intersection, and the
//! shingles lost to merging within `A ∩ B` are at most those lost within `A`). The
//! full counts `|A|` are the distinct-shingle counts every entry keeps. So a pair whose
//! bound is under the threshold is one the old measurement rejected too: results are
//! the same, only fewer bodies are read.

/// A shingle cut to the bits a short set keeps.
fn cut(shingle: u64) -> u32 {
    (shingle >> 32) as u32
}

/// The short set of a body's 64-bit shingles (a set, or with repeats and in any
/// order: the result is the same): sorted, without repeats.
pub fn short_set(set: &[u64]) -> Vec<u32> {
    let mut s: Vec<u32> = set.iter().map(|&h| cut(h)).collect();
    s.sort_unstable();
    s.dedup();
    s
}

/// Appends the cut value of one distinct shingle to `out`, as a run spools them while
/// cleaning: in any order, with repeats where two shingles share their cut, so that
/// spooling costs the writing alone ([`from_spooled`] sorts, once per document read).
pub fn spool_value(out: &mut Vec<u8>, shingle: u64) {
    out.extend_from_slice(&cut(shingle).to_le_bytes());
}

/// The short set of spooled values ([`spool_value`]): sorted, without repeats.
pub fn from_spooled(bytes: &[u8]) -> Vec<u32> {
    let mut s = from_bytes(bytes);
    s.sort_unstable();
    s.dedup();
    s
}

/// A short set as stored: little-endian `u32`s.
pub fn to_bytes(set: &[u32]) -> Vec<u8> {
    set.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// A stored short set back as values (`bytes.len()` a multiple of 4).
pub fn from_bytes(bytes: &[u8]) -> Vec<u32> {
    bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
        .collect()
}

/// One side of a pair: its short set and its full distinct-shingle count.
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    pub short: &'a [u32],
    pub shingles: u32,
}

/// An upper bound on the containment of two documents' full shingle sets (see the
/// module doc): at least the exact containment, whatever the cut merged.
pub fn containment_bound(a: Side<'_>, b: Side<'_>) -> f64 {
    let small = a.shingles.min(b.shingles);
    if small == 0 {
        // `containment` gives 1 for two empty sets and 0 otherwise; never rule out.
        return 1.0;
    }
    let merged = |s: Side<'_>| (s.shingles as usize).saturating_sub(s.short.len());
    let common = crate::dedup::shingle::intersection(a.short, b.short) + merged(a).min(merged(b));
    (common as f64 / small as f64).min(1.0)
}

/// Whether [`containment_bound`] of `a` and `b` reaches `t` (the same answer), without
/// always finishing the merge of the two sets: every 64 steps (`STRIDE`) the bound is
/// taken as if every value left in the shorter remainder were common, and once even
/// that is under `t` the pair is ruled out. A probe rules out nearly every candidate
/// it meets (99.8% at batch 10 of `benches/issue15.sh`), and a pair far under the
/// threshold stops early.
pub fn reaches(a: Side<'_>, b: Side<'_>, t: f64) -> bool {
    let small = a.shingles.min(b.shingles);
    if small == 0 {
        return 1.0 >= t;
    }
    let merged = |s: Side<'_>| (s.shingles as usize).saturating_sub(s.short.len());
    let m = merged(a).min(merged(b));
    let bound = |common: usize| ((common + m) as f64 / small as f64).min(1.0);
    let (x, y) = (a.short, b.short);
    let (mut i, mut j, mut n) = (0usize, 0usize, 0usize);
    while i < x.len() && j < y.len() {
        if bound(n + (x.len() - i).min(y.len() - j)) < t {
            return false;
        }
        // A stretch of the merge without branches on the values.
        for _ in 0..STRIDE {
            if i >= x.len() || j >= y.len() {
                break;
            }
            let (u, v) = (x[i], y[j]);
            n += (u == v) as usize;
            i += (u <= v) as usize;
            j += (v <= u) as usize;
        }
    }
    bound(n) >= t
}

/// Merge steps between two looks at the bound in [`reaches`].
const STRIDE: usize = 64;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedup::shingle::containment;

    fn sets(seed: u64, n: usize, shared: &[u64]) -> Vec<u64> {
        let mut x = seed;
        let mut v: Vec<u64> = (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x
            })
            .collect();
        v.extend_from_slice(shared);
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The bound of two full shingle sets, through their short sets.
    fn bound_of(a: &[u64], b: &[u64]) -> f64 {
        let (sa, sb) = (short_set(a), short_set(b));
        let side = |short, n: usize| Side {
            short,
            shingles: n as u32,
        };
        containment_bound(side(&sa, a.len()), side(&sb, b.len()))
    }

    /// The bound is never under the exact containment: on random sets, and on sets
    /// whose shingles are built to merge when cut (same high bits, different low
    /// bits), inside one set and across the two.
    #[test]
    fn the_bound_is_never_under_the_exact_containment() {
        for k in 0..200u64 {
            let shared = sets(k + 1000, (k as usize * 7) % 300, &[]);
            let mut a = sets(k + 1, 50 + (k as usize * 13) % 400, &shared);
            let mut b = sets(k + 5000, 50 + (k as usize * 31) % 400, &shared);
            // Merges: within a, within the common part, and across a and b only.
            let hi = (k + 1) << 32;
            a.extend([hi | 1, hi | 2, hi | 3]);
            b.extend([hi | 2, hi | 4]);
            if k % 3 == 0 {
                a.push(((k + 7) << 32) | 9);
                b.push(((k + 7) << 32) | 10);
            }
            for s in [&mut a, &mut b] {
                s.sort_unstable();
                s.dedup();
            }
            let bound = bound_of(&a, &b);
            let exact = containment(&a, &b);
            assert!(bound >= exact, "k {k}: bound {bound} < exact {exact}");
        }
    }

    /// `reaches` answers as the bound does, at every threshold, whatever the sizes:
    /// it only stops early when no ending of the merge could reach the threshold.
    #[test]
    fn reaches_is_the_bound_reaching_the_threshold() {
        for k in 0..300u64 {
            let shared = sets(k + 1000, (k as usize * 11) % 500, &[]);
            let a = sets(k + 1, (k as usize * 13) % 600, &shared);
            let b = sets(k + 5000, (k as usize * 31) % 200, &shared);
            let (sa, sb) = (short_set(&a), short_set(&b));
            // Counts above the short sets' lengths stand for values lost to merging.
            let extra = (k % 4) as u32 * 5;
            let side = |short, n: usize| Side {
                short,
                shingles: n as u32 + extra,
            };
            let (x, y) = (side(&sa, a.len()), side(&sb, b.len()));
            for t in [0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0] {
                let bound = containment_bound(x, y);
                assert_eq!(reaches(x, y, t), bound >= t, "k {k}, t {t}, bound {bound}");
                assert_eq!(reaches(y, x, t), bound >= t, "k {k}, t {t}, swapped");
            }
        }
    }

    /// Without merges inside a set, the bound is the exact containment plus the
    /// shingles of one set whose cut value the other set holds by chance (rare: one
    /// here), so it rules out what cannot reach the threshold and keeps what can.
    #[test]
    fn without_merges_the_bound_is_close_to_exact() {
        let shared = sets(99, 80, &[]);
        let a = sets(1, 20, &shared);
        let b = sets(2, 300, &shared);
        let (sa, sb) = (short_set(&a), short_set(&b));
        assert_eq!((sa.len(), sb.len()), (a.len(), b.len()));
        let (bound, exact) = (bound_of(&a, &b), containment(&a, &b));
        assert_eq!(exact, 0.8);
        assert!(
            bound >= exact && bound < exact + 1.5 / 100.0,
            "{bound} {exact}"
        );
        assert_eq!(from_bytes(&to_bytes(&sa)), sa);
    }

    /// Values spooled one distinct shingle at a time, in any order, read back as the
    /// short set of those shingles: repeats from a shared cut are dropped.
    #[test]
    fn a_spooled_set_reads_back_as_the_short_set() {
        let mut full = sets(7, 300, &[]);
        full.extend([(5u64 << 32) | 1, (5u64 << 32) | 2, (9u64 << 32) | 3]);
        full.sort_unstable();
        full.dedup();
        let mut spooled = Vec::new();
        for &h in full.iter().rev() {
            spool_value(&mut spooled, h);
        }
        assert_eq!(spooled.len(), full.len() * 4);
        let back = from_spooled(&spooled);
        assert_eq!(back, short_set(&full));
        assert_eq!(back.len(), full.len() - 1);
    }
}
