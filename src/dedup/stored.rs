//! Deduplication over bodies kept in a [`BodyStore`]: candidate pairs are confirmed
//! on the clean text (see [`verify`]), read back by key, so dedup never calls into the
//! runner and works the same over a run's spool or a persistent index.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::dedup::cluster::{self, Assignment, ClusterStats, Item, Measure};
use crate::dedup::{shingle, verify};
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

impl Measure for Stored<'_> {
    /// A document's index and its sorted shingle set (the body is read again for a
    /// pair whose similarity reaches the threshold: the diff and its passages).
    type Doc = (u32, Vec<u64>);

    fn prepare(&self, id: u32) -> Option<Self::Doc> {
        Some((id, shingle::shingle_set(&self.body(id)?)))
    }

    fn similarity(&self, (a, sa): &Self::Doc, (b, sb): &Self::Doc) -> f64 {
        // The two bodies, read at most once for the pair (by the ratio, or for the
        // diff and its passages at the threshold), only if needed.
        let bodies = std::cell::OnceCell::new();
        let read = || {
            bodies
                .get_or_init(|| Some((self.body(*a)?, self.body(*b)?)))
                .as_ref()
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
