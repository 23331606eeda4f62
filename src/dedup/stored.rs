//! Deduplication over bodies kept in a [`BodyStore`]: candidate pairs are confirmed
//! on the clean text (see [`verify`]), read back by key, so dedup never calls into the
//! runner and works the same over a run's spool or a persistent index.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use crate::dedup::cluster::{self, Assignment, ClusterStats, Item, Measure};
use crate::dedup::{shingle, short, verify};
use crate::document::Key;
use crate::limits::{Counts, Limit};
use crate::store::BodyStore;

/// What deduplicating a run's documents gave.
#[derive(Debug)]
pub struct Outcome {
    /// Each document's place in the clusters (`None` for those not deduplicated:
    /// errors and empty documents); `of` is an index into the documents given.
    pub assignments: Vec<Option<Assignment>>,
    pub stats: ClusterStats,
    /// The bounds that bit (oversized buckets, diffs out of steps).
    pub limits: Counts,
}

/// Clusters `items` (document `i` is `keys[i]`, its body in `store`); `threshold`
/// is `None` for exact duplicates only. `stop` is polled before each body read: once
/// it says so, the remaining pairs count as not similar and the caller discards the
/// result.
pub fn deduplicate(
    items: &[Option<Item<'_>>],
    keys: &[&Key],
    store: &dyn BodyStore,
    threshold: Option<f64>,
    stop: &(dyn Fn() -> bool + Sync),
) -> Outcome {
    let measure = Stored {
        keys,
        shingles: items
            .iter()
            .map(|it| it.as_ref().map_or(0, |it| it.shingles))
            .collect(),
        store,
        threshold: threshold.unwrap_or(1.0),
        stop,
        unsettled: AtomicU64::new(0),
    };
    let stats = ClusterStats::default();
    let assignments = cluster::cluster_counted(items, threshold, &measure, &stats);
    let mut limits = Counts::default();
    limits.hit(Limit::LshBucket, stats.thinned.load(Ordering::Relaxed));
    limits.hit(Limit::DiffSteps, measure.unsettled.load(Ordering::Relaxed));
    Outcome {
        assignments,
        stats,
        limits,
    }
}

/// Candidate pairs confirmed on the stored clean bodies.
struct Stored<'a> {
    keys: &'a [&'a Key],
    /// Each document's distinct shingle count (what the short sets' bound needs).
    shingles: Vec<u32>,
    store: &'a dyn BodyStore,
    threshold: f64,
    stop: &'a (dyn Fn() -> bool + Sync),
    /// Diffs that ran out of steps.
    unsettled: AtomicU64,
}

impl Stored<'_> {
    fn body(&self, id: u32) -> Option<String> {
        if (self.stop)() {
            return None;
        }
        self.store.body(self.keys[id as usize]).ok()
    }
}

/// A document as its pairs are measured: by its short shingle set when the store keeps
/// one (`dedup::short`: most candidate pairs are ruled out on it, neither body read),
/// and by its full shingle set, made from its body once a pair needs it (at
/// preparing, when the store keeps no short set) and kept for its other pairs.
pub struct Prepared {
    id: u32,
    short: Option<Vec<u32>>,
    full: OnceLock<Vec<u64>>,
}

impl Prepared {
    /// The full shingle set, made from `body()` the first time one of the document's
    /// pairs needs it (`None` when the body cannot be read).
    fn full_set<'b>(&self, body: impl FnOnce() -> Option<&'b str>) -> Option<&Vec<u64>> {
        match self.full.get() {
            Some(set) => Some(set),
            None => body().map(|text| self.full.get_or_init(|| shingle::shingle_set(text))),
        }
    }
}

impl Measure for Stored<'_> {
    type Doc = Prepared;

    fn prepare(&self, id: u32) -> Option<Self::Doc> {
        if (self.stop)() {
            return None;
        }
        let full = OnceLock::new();
        let short = self.store.short_set(self.keys[id as usize]);
        if short.is_none() {
            full.set(shingle::shingle_set(&self.body(id)?))
                .unwrap_or_else(|_| unreachable!("a new cell"));
        }
        Some(Prepared { id, short, full })
    }

    fn similarity(&self, pa: &Self::Doc, pb: &Self::Doc) -> f64 {
        let (a, b) = (pa.id, pb.id);
        if let (Some(x), Some(y)) = (&pa.short, &pb.short) {
            let side = |short, id: u32| short::Side {
                short,
                shingles: self.shingles[id as usize],
            };
            if !short::reaches(side(x, a), side(y, b), self.threshold) {
                // The containment bound is under the threshold: so is the similarity.
                return 0.0;
            }
        }
        // Each body read at most once for the pair, only if needed: for its full set
        // the first time, for the ratio, or for the diff at the threshold.
        let (body_a, body_b) = (std::cell::OnceCell::new(), std::cell::OnceCell::new());
        let read_a = || body_a.get_or_init(|| self.body(a)).as_deref();
        let read_b = || body_b.get_or_init(|| self.body(b)).as_deref();
        let read = || Some((read_a()?, read_b()?));
        let (Some(sa), Some(sb)) = (pa.full_set(read_a), pb.full_set(read_b)) else {
            return 0.0;
        };
        let ratio = || {
            let (x, y) = read()?;
            let r = verify::diff_ratio_from(x, y, self.threshold);
            self.unsettled
                .fetch_add(r.unsettled as u64, Ordering::Relaxed);
            Some(r.value)
        };
        let mut m = verify::measure_sets(sa, sb, self.threshold, ratio);
        if m.similarity() >= self.threshold {
            // Pairs at the threshold only: the diff and its passages.
            let Some((x, y)) = read() else {
                return 0.0;
            };
            let unsettled = m.complete(x, y, self.threshold);
            self.unsettled.fetch_add(unsettled, Ordering::Relaxed);
        }
        if m.confirms(self.threshold) {
            m.similarity()
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedup::minhash::{MinHasher, Signature, SEED};
    use sha2::{Digest, Sha256};
    use std::collections::HashMap;
    use std::sync::Mutex;

    /// Bodies in memory, with or without their short sets, counting each key's reads.
    struct Counting {
        bodies: HashMap<Key, String>,
        short: bool,
        reads: Mutex<HashMap<Key, usize>>,
    }

    impl BodyStore for Counting {
        fn body(&self, key: &Key) -> std::io::Result<String> {
            *self.reads.lock().unwrap().entry(key.clone()).or_default() += 1;
            self.bodies.body(key)
        }

        fn short_set(&self, key: &Key) -> Option<Vec<u32>> {
            let body = self.bodies.get(key)?;
            self.short
                .then(|| short::short_set(&shingle::shingles(body)))
        }
    }

    /// `n` words of a deterministic text (no repeated 5-grams).
    fn words(seed: u64, n: usize) -> Vec<String> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                format!("w{}", x % 100_000)
            })
            .collect()
    }

    /// An article, a copy with two words edited, and one that shares its first 78% and
    /// then goes its own way (containment 0.78: a candidate that cannot confirm at 0.8).
    fn documents() -> Vec<(Key, String)> {
        let a = words(1, 400);
        let mut b = a.clone();
        b[100] = "edited".into();
        b[300] = "changed".into();
        let mut c = a[..312].to_vec();
        c.extend(words(2, 88));
        [("a", a), ("b", b), ("c", c)]
            .into_iter()
            .map(|(k, w)| (Key::new(k), w.join(" ")))
            .collect()
    }

    fn run(short: bool) -> (Outcome, HashMap<Key, usize>) {
        let docs = documents();
        let minhash = MinHasher::new(SEED);
        let ids: Vec<([u8; 32], u32, Signature)> = docs
            .iter()
            .map(|(_, body)| {
                let sh = shingle::shingles(body);
                (
                    Sha256::digest(body.as_bytes()).into(),
                    shingle::count_distinct(&sh) as u32,
                    minhash.signature(&sh),
                )
            })
            .collect();
        let items: Vec<Option<Item<'_>>> = ids
            .iter()
            .zip(&docs)
            .map(|((sha, shingles, sig), (_, body))| {
                Some(Item {
                    sha,
                    shingles: *shingles,
                    bytes: body.len() as u64,
                    signature: Some(sig),
                })
            })
            .collect();
        let keys: Vec<&Key> = docs.iter().map(|(k, _)| k).collect();
        let store = Counting {
            bodies: docs.iter().cloned().collect(),
            short,
            reads: Mutex::new(HashMap::new()),
        };
        let outcome = deduplicate(&items, &keys, &store, Some(0.8), &|| false);
        (outcome, store.reads.into_inner().unwrap())
    }

    /// With short sets, a candidate the containment bound rules out is judged without
    /// reading its body, and every verdict and similarity is the one measured on the
    /// full sets and bodies.
    #[test]
    fn short_sets_rule_out_unread_and_change_no_verdict() {
        let (full, full_reads) = run(false);
        let (short, short_reads) = run(true);
        assert_eq!(short.assignments, full.assignments);
        // The edited copy is a near duplicate (of whichever of the two comes first)…
        assert!(matches!(
            full.assignments[..2],
            [Some(Assignment::NearDuplicate { of: 1, .. }), _]
                | [_, Some(Assignment::NearDuplicate { of: 0, .. })]
        ));
        // …the one that goes its own way stays canonical: a candidate, measured…
        assert_eq!(full.assignments[2], Some(Assignment::Canonical));
        assert!(full.stats.measured.load(Ordering::Relaxed) >= 2);
        assert!(full_reads.contains_key(&Key::new("c")));
        // …and, with short sets, ruled out unread.
        assert_eq!(
            short.stats.measured.load(Ordering::Relaxed),
            full.stats.measured.load(Ordering::Relaxed)
        );
        assert!(!short_reads.contains_key(&Key::new("c")));
    }
}
