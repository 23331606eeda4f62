//! Star clusters: one canonical document per article, every duplicate attached
//! directly to it.
//!
//! **Canonical order.** Documents are ranked by a written total order: the most
//! complete body first (more shingles, then more bytes), then the smallest source (the
//! sorted index). Both depend only on the documents, never on input order or threads.
//!
//! **Exact duplicates** share the SHA-256 of their clean body; the first in canonical
//! order is the canonical, the rest are `duplicate` with similarity 1.0.
//!
//! **Near duplicates.** Documents are taken in canonical order. A document not yet in
//! a cluster becomes a canonical; each of its LSH candidates that is not yet in a
//! cluster and whose measured similarity to it reaches the threshold becomes its
//! `near_duplicate`. Because every duplicate is measured against its own canonical,
//! a chain A≈B≈C never puts C with A unless C itself is close enough to A. Bodies with
//! fewer than [`MIN_NEAR_SHINGLES`] shingles (a sentence or two) are only ever exact
//! duplicates: on so few shingles, similarity is noise.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::dedup::lsh::Bands;
use crate::dedup::minhash::Signature;

/// Bodies with fewer shingles than this (about 30 words) take part in exact
/// deduplication only.
pub const MIN_NEAR_SHINGLES: u32 = 25;
/// A band bucket with more members than this pairs each member only with the first
/// [`BUCKET_HEADS`] members in canonical order, so a huge bucket cannot make the
/// candidate list quadratic.
pub const MAX_BUCKET: usize = 64;
pub const BUCKET_HEADS: usize = 8;
/// Candidates whose estimated containment is this far below the threshold are not
/// measured. Near the threshold, the containment estimated from 128 hashes has a
/// standard error of about 0.03, so this margin is over three of them: a pair truly
/// at the threshold is skipped well under once in a thousand.
pub const ESTIMATE_MARGIN: f64 = 0.10;
/// Slack on the size bound of [`worth_measuring`] (word counts and distinct shingle
/// counts differ a little).
pub const SIZE_SLACK: f64 = 0.05;
/// Candidate pairs measured in parallel at a time (whole groups: a document and its
/// candidates): enough work for every core, few enough that members taken by an
/// earlier group are rarely measured in vain, and that the prepared documents of one
/// chunk (at most twice as many as its pairs) stay a few megabytes.
pub const MEASURE_PAIRS: usize = 1024;
/// LSH looks for pairs down to this fraction of the threshold: a copy with a
/// paragraph added has a lower Jaccard than its containment, and containment is what
/// the verification can accept.
pub const CANDIDATE_FACTOR: f64 = 0.7;

/// What one clustering did, counted for the run that asked (`DOCSIFT_TIMINGS` and the
/// summary's limits; never read by the results): band collisions, pairs measured after
/// the size and estimate filters, documents prepared (read and shingled) for them, and
/// buckets thinned to their heads ([`crate::limits::Limit::LshBucket`]); and the wall
/// time of its three steps, to tell where a large run's dedup goes: finding the
/// candidate pairs (the band collisions), preparing documents, measuring pairs.
#[derive(Debug, Default)]
pub struct ClusterStats {
    pub candidates: std::sync::atomic::AtomicU64,
    pub measured: std::sync::atomic::AtomicU64,
    pub prepared: std::sync::atomic::AtomicU64,
    pub thinned: std::sync::atomic::AtomicU64,
    pub candidates_time: std::sync::Mutex<std::time::Duration>,
    pub prepare_time: std::sync::Mutex<std::time::Duration>,
    pub measure_time: std::sync::Mutex<std::time::Duration>,
}

impl ClusterStats {
    /// Adds `since.elapsed()` to one of the step times.
    fn add_time(slot: &std::sync::Mutex<std::time::Duration>, since: std::time::Instant) {
        *slot.lock().unwrap_or_else(|e| e.into_inner()) += since.elapsed();
    }

    /// The wall time of the three steps, for `DOCSIFT_TIMINGS`: candidates, preparing,
    /// measuring.
    pub fn step_times(&self) -> [std::time::Duration; 3] {
        [
            &self.candidates_time,
            &self.prepare_time,
            &self.measure_time,
        ]
        .map(|m| *m.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Containment of the smaller shingle set in the larger, estimated from the MinHash
/// Jaccard `j` and the set sizes: |A ∩ B| = j (|A| + |B|) / (1 + j).
pub fn estimated_containment(j: f64, a: u32, b: u32) -> f64 {
    let (a, b) = (a as f64, b as f64);
    if a.min(b) == 0.0 {
        return 0.0;
    }
    (j * (a + b) / (1.0 + j) / a.min(b)).min(1.0)
}

/// Whether a candidate pair (estimated Jaccard `j`, shingle counts `a` and `b`) can
/// reach threshold `t` when measured, so is worth reading and measuring.
///
/// The measured similarity is `max(J, min(C, R))` (see `verify`). Both ways up need
/// bodies of similar size: `J ≥ t` needs `min/max ≥ t`, and the diff ratio
/// `R = 2·matches / (words₁ + words₂) ≤ 2·min / (min + max)` reaches `t` only when
/// `min/max ≥ t / (2 − t)` (2/3 at the default 0.8). Both also need the containment `C`
/// to reach `t`, which the signatures estimate.
pub fn worth_measuring(j: f64, a: u32, b: u32, t: f64) -> bool {
    sizes_compatible(a, b, t) && estimated_containment(j, a, b) >= t - ESTIMATE_MARGIN
}

/// The size half of [`worth_measuring`]: whether bodies of `a` and `b` shingles can
/// reach threshold `t` at all, whatever their signatures.
pub fn sizes_compatible(a: u32, b: u32, t: f64) -> bool {
    let (small, large) = (a.min(b) as f64, a.max(b) as f64);
    large > 0.0 && small / large >= t / (2.0 - t) - SIZE_SLACK
}

/// The shingle counts `b` for which [`sizes_compatible`]`(a, b, t)` holds, as one
/// range: a probe of the index skips the entries outside it without looking at their
/// signatures. The counts form an interval because the ratio of the smaller count to
/// the larger only falls as `b` moves away from `a` (and division rounds
/// monotonically); its ends are found by binary search on the predicate itself, so
/// the range is exactly what the predicate allows, roundings included. Empty
/// (`1..=0`) when no count is compatible.
pub fn size_window(a: u32, t: f64) -> std::ops::RangeInclusive<u32> {
    const EMPTY: std::ops::RangeInclusive<u32> = std::ops::RangeInclusive::new(1, 0);
    let ok = |b: u64| sizes_compatible(a, b as u32, t);
    let max = u64::from(u32::MAX);
    if a == 0 {
        // 0 / b for every b > 0: all compatible or none.
        return if ok(1) { 1..=u32::MAX } else { EMPTY };
    }
    let a64 = u64::from(a);
    if !ok(a64) {
        return EMPTY;
    }
    // The least compatible count in [0, a]: refused below it, allowed from it on.
    let (mut lo, mut hi) = (0u64, a64);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if ok(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    let from = lo;
    // The greatest compatible count in [a, u32::MAX]: allowed up to it, refused past.
    let (mut lo, mut hi) = (a64, max);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if ok(mid) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    from as u32..=lo as u32
}

/// What the clustering needs about each document (borrowed from the run's records:
/// signatures are the largest thing held per document, and are never copied).
#[derive(Debug, Clone, Copy)]
pub struct Item<'a> {
    pub sha: &'a [u8; 32],
    pub shingles: u32,
    pub bytes: u64,
    pub signature: Option<&'a Signature>,
}

/// A document's place in the clusters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Assignment {
    Canonical,
    Duplicate {
        of: u32,
    },
    /// `similarity`: the measured similarity to `of` that confirmed the pair (see
    /// `verify`), the number the manifest reports.
    NearDuplicate {
        of: u32,
        similarity: f64,
    },
}

/// How the clustering confirms a candidate pair on the documents themselves.
/// Preparing a document (reading its body, building its shingle set) costs more than
/// comparing two prepared ones, and a document is in many pairs, so the clustering
/// prepares each document once per chunk of pairs and compares from there.
pub trait Measure: Sync {
    /// What one document's comparisons need.
    type Doc: Send + Sync;
    /// Prepares document `id` (an index into the items); `None` if it cannot be read
    /// (its pairs then count as not similar).
    fn prepare(&self, id: u32) -> Option<Self::Doc>;
    /// The measured similarity of two prepared documents (`a` precedes `b` in canonical
    /// order) that the threshold decides on: 0 when the pair is shown to be two
    /// different documents whatever its similarity (see `verify::different_passage`).
    fn similarity(&self, a: &Self::Doc, b: &Self::Doc) -> f64;
}

/// Splits the candidate groups into chunks of about [`MEASURE_PAIRS`] pairs (a group
/// is never split).
fn measure_chunks<'g>(groups: &'g [&'g [(u32, u32)]]) -> Vec<&'g [&'g [(u32, u32)]]> {
    let mut chunks = Vec::new();
    let (mut start, mut pairs) = (0, 0);
    for (i, g) in groups.iter().enumerate() {
        pairs += g.len();
        if pairs >= MEASURE_PAIRS {
            chunks.push(&groups[start..=i]);
            (start, pairs) = (i + 1, 0);
        }
    }
    if start < groups.len() {
        chunks.push(&groups[start..]);
    }
    chunks
}

/// A member of a band's bucket: its place in canonical order among the documents
/// that take part in near deduplication, its shingle count and its signature.
#[derive(Clone, Copy)]
struct Member<'a> {
    e: u32,
    shingles: u32,
    signature: &'a Signature,
}

/// The candidate pairs of `eligible` (documents in canonical order), as pairs of
/// documents (the first precedes the second in canonical order), sorted by canonical
/// order of the first, then the second, without repeats.
///
/// In each band the documents are sorted by the band's values, then by canonical
/// order, so a bucket is a run of equal values; each member of a bucket is paired with
/// the members after it (only the first [`BUCKET_HEADS`] of a bucket larger than
/// [`MAX_BUCKET`]), and a pair is kept if [`worth_measuring`]. Sorting packs a
/// document into one `u64`, the band's values above its place in canonical order,
/// when they fit (up to four rows, as at every threshold up to 0.95): half the memory
/// of a hashed key and its index, and no hashing. The buckets are the same as those of
/// [`Bands::key`], which is injective on up to four rows (see there). A bucket's
/// members are read once (their signatures and shingle counts lie anywhere in memory),
/// and a pair's sizes are compared before its signatures.
fn candidates(
    items: &[Option<Item<'_>>],
    eligible: &[u32],
    bands: Bands,
    threshold: f64,
    stats: &ClusterStats,
) -> Vec<(u32, u32)> {
    let member = |e: u32| {
        let it = items[eligible[e as usize] as usize]
            .as_ref()
            .expect("eligible");
        Member {
            e,
            shingles: it.shingles,
            signature: it.signature.expect("eligible"),
        }
    };
    // Each band reads every signature. Walked in canonical order, the signatures lie
    // anywhere in memory (two cache misses each, per band, a million documents times
    // the bands); walked in the order they lie in memory, the reads go forwards. The
    // band's sort makes the order walked irrelevant to the result.
    let mut by_address: Vec<(&Signature, u32)> = (0..eligible.len() as u32)
        .map(|e| (member(e).signature, e))
        .collect();
    by_address.sort_unstable_by_key(|&(s, _)| s as *const Signature as usize);
    // A pair of copies collides in most bands: each thread folds its bands' pairs into
    // one sorted list without repeats as it goes, so the lists hold each pair about
    // once rather than once per band.
    let pairs: Vec<u64> = (0..bands.bands)
        .into_par_iter()
        .map(|band| {
            let mut found = Vec::new();
            let mut collisions = 0u64;
            let mut bucket: Vec<Member> = Vec::new();
            let mut visit = |run: &mut dyn Iterator<Item = u32>, found: &mut Vec<u64>| {
                bucket.clear();
                bucket.extend(run.map(member));
                collisions += pair_bucket(&bucket, threshold, found, stats);
            };
            if let Some(rows) = bands.packed_rows() {
                let mut keyed: Vec<u64> = by_address
                    .iter()
                    .map(|&(signature, e)| (bands.values(signature, band, rows) << 32) | e as u64)
                    .collect();
                keyed.sort_unstable();
                for run in keyed.chunk_by(|a, b| a >> 32 == b >> 32) {
                    if run.len() > 1 {
                        visit(&mut run.iter().map(|&k| k as u32), &mut found);
                    }
                }
            } else {
                let mut keyed: Vec<(u64, u32)> = by_address
                    .iter()
                    .map(|&(signature, e)| (bands.key(signature, band), e))
                    .collect();
                keyed.sort_unstable();
                for run in keyed.chunk_by(|a, b| a.0 == b.0) {
                    if run.len() > 1 {
                        visit(&mut run.iter().map(|&(_, e)| e), &mut found);
                    }
                }
            }
            stats
                .candidates
                .fetch_add(collisions, std::sync::atomic::Ordering::Relaxed);
            found
        })
        .fold(Vec::new, merge_pairs)
        .reduce(Vec::new, merge_pairs);
    pairs
        .into_iter()
        .map(|p| (eligible[(p >> 32) as usize], eligible[p as u32 as usize]))
        .collect()
}

/// Adds `more` to the sorted list `pairs`, keeping it sorted and without repeats.
fn merge_pairs(mut pairs: Vec<u64>, mut more: Vec<u64>) -> Vec<u64> {
    if pairs.len() < more.len() {
        std::mem::swap(&mut pairs, &mut more);
    }
    pairs.append(&mut more);
    pairs.sort_unstable();
    pairs.dedup();
    pairs.shrink_to_fit();
    pairs
}

/// The pairs worth measuring in one bucket (members in canonical order), packed as
/// `first << 32 | second` places; returns the bucket's collisions (pairs looked at).
fn pair_bucket(
    bucket: &[Member],
    threshold: f64,
    found: &mut Vec<u64>,
    stats: &ClusterStats,
) -> u64 {
    let heads = if bucket.len() > MAX_BUCKET {
        stats
            .thinned
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        BUCKET_HEADS
    } else {
        bucket.len()
    };
    let mut collisions = 0;
    for (x, a) in bucket.iter().enumerate().take(heads) {
        collisions += (bucket.len() - x - 1) as u64;
        for b in &bucket[x + 1..] {
            // `sizes_compatible` is the first half of `worth_measuring`: checked first,
            // it spares most chance pairs the comparison of their signatures.
            if sizes_compatible(a.shingles, b.shingles, threshold)
                && worth_measuring(
                    a.signature.similarity(b.signature),
                    a.shingles,
                    b.shingles,
                    threshold,
                )
            {
                found.push(((a.e as u64) << 32) | b.e as u64);
            }
        }
    }
    collisions
}

/// Shingles of prepared documents kept between chunks of measurements for later
/// chunks (about 8 bytes each in a shingle set: 16 MB).
pub const KEEP_SHINGLES: u64 = 1 << 21;

/// Which prepared documents to keep from one chunk of measurements for later ones.
/// Preparing a document (reading its body, building its shingle set) is most of a
/// measurement's cost, and a document often comes back some chunks later (it is the
/// candidate of several earlier documents, each with a group of its own). Every
/// chunk's pairs are known in advance, so the documents kept are those needed again
/// soonest (Belady's rule, the best choice for a cache of fixed size), up to
/// [`KEEP_SHINGLES`] shingles in all. What is kept never changes a verdict, only
/// how often a document is prepared.
struct Reuse {
    /// `document << 32 | chunk` for every document of every chunk, sorted.
    uses: Vec<u64>,
}

impl Reuse {
    fn new(chunks: &[&[&[(u32, u32)]]]) -> Self {
        let mut uses: Vec<u64> = chunks
            .iter()
            .enumerate()
            .flat_map(|(k, chunk)| {
                chunk
                    .iter()
                    .flat_map(|g| g.iter())
                    .flat_map(move |&(c, d)| {
                        [((c as u64) << 32) | k as u64, ((d as u64) << 32) | k as u64]
                    })
            })
            .collect();
        uses.sort_unstable();
        uses.dedup();
        Reuse { uses }
    }

    /// The first chunk after chunk `k` with a pair of document `id`.
    fn next_use(&self, id: u32, k: usize) -> Option<usize> {
        let key = ((id as u64) << 32) | k as u64;
        let at = self.uses.partition_point(|&u| u <= key);
        self.uses
            .get(at)
            .filter(|&&u| u >> 32 == id as u64)
            .map(|&u| u as u32 as usize)
    }

    /// After chunk `k`: keeps the prepared documents still free and needed again
    /// soonest, within [`KEEP_SHINGLES`] (`shingles` gives a document's count).
    fn keep<D>(
        &self,
        prepared: &mut HashMap<u32, D>,
        k: usize,
        taken: &[bool],
        shingles: impl Fn(u32) -> u32,
    ) {
        let mut next: Vec<(usize, u32)> = prepared
            .keys()
            .filter(|&&id| !taken[id as usize])
            .filter_map(|&id| Some((self.next_use(id, k)?, id)))
            .collect();
        next.sort_unstable();
        let mut budget = KEEP_SHINGLES;
        let mut keep = std::collections::HashSet::with_capacity(next.len());
        for (_, id) in next {
            let s = shingles(id) as u64;
            if s > budget {
                break;
            }
            budget -= s;
            keep.insert(id);
        }
        prepared.retain(|id, _| keep.contains(id));
    }
}

/// Clusters `items` (indexed by source order; `None` = not a document), confirming
/// candidate pairs with `measure`.
pub fn cluster<M: Measure>(
    items: &[Option<Item<'_>>],
    threshold: Option<f64>,
    measure: &M,
) -> Vec<Option<Assignment>> {
    cluster_counted(items, threshold, measure, &ClusterStats::default())
}

/// [`cluster`], counting what it did into `stats`.
pub fn cluster_counted<M: Measure>(
    items: &[Option<Item<'_>>],
    threshold: Option<f64>,
    measure: &M,
    stats: &ClusterStats,
) -> Vec<Option<Assignment>> {
    let n = items.len();
    let mut out: Vec<Option<Assignment>> = vec![None; n];
    let mut order: Vec<u32> = (0..n as u32)
        .filter(|&i| items[i as usize].is_some())
        .collect();
    let key = |i: &u32| {
        let it = items[*i as usize].as_ref().expect("filtered");
        (
            std::cmp::Reverse(it.shingles),
            std::cmp::Reverse(it.bytes),
            *i,
        )
    };
    order.sort_by_key(key);

    // Exact duplicates.
    let mut first_of: HashMap<&[u8; 32], u32> = HashMap::new();
    let mut reps: Vec<u32> = Vec::new();
    for &i in &order {
        let it = items[i as usize].as_ref().expect("filtered");
        match first_of.get(&it.sha) {
            Some(&c) => out[i as usize] = Some(Assignment::Duplicate { of: c }),
            None => {
                first_of.insert(it.sha, i);
                out[i as usize] = Some(Assignment::Canonical);
                reps.push(i);
            }
        }
    }
    let Some(threshold) = threshold else {
        return out;
    };

    // Near duplicates among the exact groups' canonicals, in canonical order.
    drop(first_of);
    drop(order);
    let eligible: Vec<u32> = reps
        .iter()
        .copied()
        .filter(|&i| {
            let it = items[i as usize].as_ref().expect("filtered");
            it.shingles >= MIN_NEAR_SHINGLES && it.signature.is_some()
        })
        .collect();
    drop(reps);
    let bands = Bands::for_threshold(threshold * CANDIDATE_FACTOR);
    let started = std::time::Instant::now();
    let pairs = candidates(items, &eligible, bands, threshold, stats);
    ClusterStats::add_time(&stats.candidates_time, started);
    drop(eligible);

    // Greedy stars in canonical order (the pairs are sorted by their first member's
    // rank, then the second's), measuring lazily: groups are measured in parallel a
    // chunk at a time, and a pair is measured only if both its members are still free
    // when its chunk starts. A verdict on a taken member would never be used, so the
    // result is exactly that of measuring every pair; but a cluster of k copies costs
    // about k measurements instead of k²/2. Each document a chunk needs is prepared
    // (read and shingled) once for all its pairs in the chunk, and kept for a later
    // chunk that needs it again (see [`Reuse`]).
    let groups: Vec<&[(u32, u32)]> = pairs.chunk_by(|x, y| x.0 == y.0).collect();
    let chunks = measure_chunks(&groups);
    let reuse = Reuse::new(&chunks);
    let size = |i: u32| items[i as usize].as_ref().map_or(0, |it| it.shingles);
    let mut taken = vec![false; n];
    let (mut measured, mut loads) = (0u64, 0u64);
    let mut prepared: HashMap<u32, M::Doc> = HashMap::new();
    for (k, chunk) in chunks.iter().enumerate() {
        let todo: Vec<(u32, u32)> = chunk
            .iter()
            .flat_map(|g| g.iter().copied())
            .filter(|&(c, d)| !taken[c as usize] && !taken[d as usize])
            .collect();
        let mut needed: Vec<u32> = todo.iter().flat_map(|&(c, d)| [c, d]).collect();
        needed.sort_unstable();
        needed.dedup();
        let missing: Vec<u32> = needed
            .iter()
            .copied()
            .filter(|id| !prepared.contains_key(id))
            .collect();
        let started = std::time::Instant::now();
        let loaded: Vec<(u32, Option<M::Doc>)> = missing
            .par_iter()
            .map(|&id| (id, measure.prepare(id)))
            .collect();
        ClusterStats::add_time(&stats.prepare_time, started);
        loads += loaded.len() as u64;
        prepared.extend(loaded.into_iter().filter_map(|(id, d)| Some((id, d?))));
        let started = std::time::Instant::now();
        let verdicts: Vec<f64> = todo
            .par_iter()
            .map(|&(c, d)| match (prepared.get(&c), prepared.get(&d)) {
                (Some(x), Some(y)) => measure.similarity(x, y),
                _ => 0.0,
            })
            .collect();
        ClusterStats::add_time(&stats.measure_time, started);
        measured += todo.len() as u64;
        for (&(c, d), s) in todo.iter().zip(verdicts) {
            if !taken[c as usize] && !taken[d as usize] && s >= threshold {
                taken[d as usize] = true;
                out[d as usize] = Some(Assignment::NearDuplicate {
                    of: c,
                    similarity: s,
                });
            }
        }
        reuse.keep(&mut prepared, k, &taken, size);
    }
    stats
        .measured
        .store(measured, std::sync::atomic::Ordering::Relaxed);
    stats
        .prepared
        .store(loads, std::sync::atomic::Ordering::Relaxed);
    // Exact duplicates of a document that became a near duplicate follow their group's
    // canonical into the star, attached to the star's centre.
    for i in 0..n {
        if let Some(Assignment::Duplicate { of }) = out[i] {
            if let Some(Assignment::NearDuplicate {
                of: centre,
                similarity,
            }) = out[of as usize]
            {
                // The same body as `of`, so the same similarity to the centre.
                out[i] = Some(Assignment::NearDuplicate {
                    of: centre,
                    similarity,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedup::minhash::{MinHasher, SEED};
    use crate::dedup::shingle::jaccard;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// The size window holds exactly the counts the predicate allows: every count
    /// near small sizes, and around the window's ends (and samples within and past
    /// them) for large ones, at thresholds from low to 1.
    #[test]
    fn the_size_window_is_what_the_predicate_allows() {
        for t in [0.05, 0.3, 0.5, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0] {
            for a in (0..=600u32).chain([999, 1000, 4096, 65_535, 1_000_003, u32::MAX / 3]) {
                let w = size_window(a, t);
                let allowed = |b: u32| sizes_compatible(a, b, t);
                let probes: Vec<u32> = if a <= 600 {
                    (0..=3 * a + 20).collect()
                } else {
                    let (s, e) = (*w.start(), *w.end());
                    [0, 1, a / 2, a, a.saturating_mul(2), u32::MAX]
                        .into_iter()
                        .chain([s.saturating_sub(1), s, s.saturating_add(1)])
                        .chain([e.saturating_sub(1), e, e.saturating_add(1)])
                        .collect()
                };
                for b in probes {
                    assert_eq!(w.contains(&b), allowed(b), "t {t} a {a} b {b} window {w:?}");
                }
                if a > 0 {
                    assert!(w.contains(&a), "t {t} a {a}");
                }
            }
        }
    }

    /// Documents as sorted shingle sets, measured by exact Jaccard; counts preparations.
    struct Sets<'a> {
        sets: &'a [Vec<u64>],
        prepared: AtomicUsize,
    }

    impl Measure for Sets<'_> {
        type Doc = usize;

        fn prepare(&self, id: u32) -> Option<usize> {
            self.prepared.fetch_add(1, Ordering::Relaxed);
            Some(id as usize)
        }

        fn similarity(&self, &a: &usize, &b: &usize) -> f64 {
            jaccard(&self.sets[a], &self.sets[b])
        }
    }

    /// Families of edited copies: each copy replaces a few of its family's shingles.
    fn families(families: usize, copies: usize) -> Vec<Vec<u64>> {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut sets = Vec::new();
        for _ in 0..families {
            let base: Vec<u64> = (0..150 + next() % 100).map(|_| next()).collect();
            for _ in 0..copies {
                let mut s = base.clone();
                for _ in 0..next() % 12 {
                    let k = (next() % s.len() as u64) as usize;
                    s[k] = next();
                }
                if next() % 3 == 0 {
                    s.truncate(s.len() - s.len() / 8);
                }
                s.sort_unstable();
                s.dedup();
                sets.push(s);
            }
        }
        sets
    }

    /// Greedy stars over every pair, in canonical order: what the lazy, chunked
    /// measurement of the LSH candidates must reproduce.
    fn brute_force(sets: &[Vec<u64>], t: f64) -> Vec<Option<u32>> {
        let mut order: Vec<usize> = (0..sets.len()).collect();
        order.sort_by_key(|&i| {
            (
                std::cmp::Reverse(sets[i].len()),
                std::cmp::Reverse(sets[i].len() * 8),
                i,
            )
        });
        let mut of = vec![None; sets.len()];
        let mut taken = vec![false; sets.len()];
        for (k, &c) in order.iter().enumerate() {
            if taken[c] {
                continue;
            }
            for &d in &order[k + 1..] {
                if !taken[d] && jaccard(&sets[c], &sets[d]) >= t {
                    taken[d] = true;
                    of[d] = Some(c as u32);
                }
            }
        }
        of
    }

    #[test]
    fn chunked_lazy_measurement_gives_the_greedy_stars() {
        let sets = families(120, 25);
        let hasher = MinHasher::new(SEED);
        let sigs: Vec<_> = sets.iter().map(|s| hasher.signature(s)).collect();
        let shas: Vec<[u8; 32]> = (0..sets.len())
            .map(|i| {
                let mut sha = [0u8; 32];
                sha[..8].copy_from_slice(&(i as u64).to_le_bytes());
                sha
            })
            .collect();
        let items: Vec<Option<Item>> = (0..sets.len())
            .map(|i| {
                Some(Item {
                    sha: &shas[i],
                    shingles: sets[i].len() as u32,
                    bytes: sets[i].len() as u64 * 8,
                    signature: Some(&sigs[i]),
                })
            })
            .collect();
        let measure = Sets {
            sets: &sets,
            prepared: AtomicUsize::new(0),
        };
        let stats = ClusterStats::default();
        let got: Vec<Option<u32>> = cluster_counted(&items, Some(0.8), &measure, &stats)
            .into_iter()
            .map(|a| match a {
                Some(Assignment::NearDuplicate { of, .. }) => Some(of),
                _ => None,
            })
            .collect();
        assert_eq!(got, brute_force(&sets, 0.8));
        let measured = stats.measured.load(Ordering::Relaxed) as usize;
        let near = got.iter().filter(|a| a.is_some()).count();
        // Several chunks, and each document prepared about once, not once per pair.
        assert!(measured > 2 * MEASURE_PAIRS, "{measured} pairs measured");
        assert!(near > sets.len() / 2, "{near} near duplicates");
        assert!(
            measure.prepared.load(Ordering::Relaxed) < measured,
            "{} preparations for {measured} pairs",
            measure.prepared.load(Ordering::Relaxed)
        );
    }
}
