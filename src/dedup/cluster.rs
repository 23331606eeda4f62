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
/// measured (MinHash with 128 hashes errs by more than this about once in a thousand).
pub const ESTIMATE_MARGIN: f64 = 0.15;
/// LSH looks for pairs down to this fraction of the threshold: a copy with a
/// paragraph added has a lower Jaccard than its containment, and containment is what
/// the verification can accept.
pub const CANDIDATE_FACTOR: f64 = 0.7;

/// Containment of the smaller shingle set in the larger, estimated from the MinHash
/// Jaccard `j` and the set sizes: |A ∩ B| = j (|A| + |B|) / (1 + j).
pub fn estimated_containment(j: f64, a: u32, b: u32) -> f64 {
    let (a, b) = (a as f64, b as f64);
    if a.min(b) == 0.0 {
        return 0.0;
    }
    (j * (a + b) / (1.0 + j) / a.min(b)).min(1.0)
}

/// What the clustering needs about each document.
#[derive(Debug, Clone)]
pub struct Item {
    pub sha: [u8; 32],
    pub shingles: u32,
    pub bytes: u64,
    pub signature: Option<Signature>,
}

/// A document's place in the clusters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Assignment {
    Canonical,
    Duplicate { of: u32 },
    NearDuplicate { of: u32, estimate: f64 },
}

/// Clusters `items` (indexed by source order; `None` = not a document).
/// `measure(a, bs)` returns the measured similarity of `a` to each of `bs` (one call
/// per first member, so the caller reads and shingles `a` once for all its pairs).
pub fn cluster(
    items: &[Option<Item>],
    threshold: Option<f64>,
    measure: impl Fn(u32, &[u32]) -> Vec<f64> + Sync,
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
    let mut first_of: HashMap<[u8; 32], u32> = HashMap::new();
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

    // Near duplicates among the exact groups' canonicals.
    let rank: HashMap<u32, usize> = reps.iter().enumerate().map(|(r, &i)| (i, r)).collect();
    let eligible: Vec<u32> = reps
        .iter()
        .copied()
        .filter(|&i| {
            let it = items[i as usize].as_ref().expect("filtered");
            it.shingles >= MIN_NEAR_SHINGLES && it.signature.is_some()
        })
        .collect();
    let sig = |i: u32| {
        items[i as usize]
            .as_ref()
            .and_then(|it| it.signature.as_ref())
            .expect("eligible")
    };
    let bands = Bands::for_threshold(threshold * CANDIDATE_FACTOR);
    let mut pairs: Vec<(u32, u32)> = (0..bands.bands)
        .into_par_iter()
        .flat_map_iter(|band| {
            let mut keyed: Vec<(u64, usize, u32)> = eligible
                .iter()
                .map(|&i| (bands.key(sig(i), band), rank[&i], i))
                .collect();
            keyed.sort_unstable();
            let mut local = Vec::new();
            for bucket in keyed.chunk_by(|a, b| a.0 == b.0) {
                let heads = if bucket.len() > MAX_BUCKET {
                    BUCKET_HEADS
                } else {
                    bucket.len()
                };
                for (x, a) in bucket.iter().enumerate().take(heads) {
                    for b in &bucket[x + 1..] {
                        local.push((a.2, b.2)); // a precedes b in canonical order
                    }
                }
            }
            local
        })
        .collect();
    pairs.sort_unstable_by_key(|&(a, b)| (rank[&a], rank[&b]));
    pairs.dedup();
    let size = |i: u32| items[i as usize].as_ref().map_or(0, |it| it.shingles);
    pairs.retain(|&(a, b)| {
        estimated_containment(sig(a).similarity(sig(b)), size(a), size(b))
            >= threshold - ESTIMATE_MARGIN
    });

    // Measure every candidate pair, grouped by first member (in parallel; results in
    // pair order).
    let groups: Vec<&[(u32, u32)]> = pairs.chunk_by(|x, y| x.0 == y.0).collect();
    let verdicts: Vec<f64> = groups
        .par_iter()
        .flat_map_iter(|g| {
            let bs: Vec<u32> = g.iter().map(|p| p.1).collect();
            measure(g[0].0, &bs)
        })
        .collect();
    debug_assert_eq!(verdicts.len(), pairs.len());

    // Greedy stars in canonical order.
    let mut taken = vec![false; n];
    let mut by_first: HashMap<u32, Vec<(u32, f64)>> = HashMap::new();
    for (&(a, b), &s) in pairs.iter().zip(&verdicts) {
        by_first.entry(a).or_default().push((b, s));
    }
    for &c in &reps {
        if taken[c as usize] {
            continue;
        }
        if let Some(list) = by_first.get(&c) {
            for &(d, s) in list {
                if !taken[d as usize] && s >= threshold {
                    taken[d as usize] = true;
                    out[d as usize] = Some(Assignment::NearDuplicate {
                        of: c,
                        estimate: sig(c).similarity(sig(d)),
                    });
                }
            }
        }
    }
    // Exact duplicates of a document that became a near duplicate follow their group's
    // canonical into the star, attached to the star's centre.
    for i in 0..n {
        if let Some(Assignment::Duplicate { of }) = out[i] {
            if let Some(Assignment::NearDuplicate { of: centre, .. }) = out[of as usize] {
                out[i] = Some(Assignment::NearDuplicate {
                    of: centre,
                    estimate: sig(centre).similarity(sig(of)),
                });
            }
        }
    }
    out
}
