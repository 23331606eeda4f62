//! The bounds that keep every stage close to linear on hostile input, and a count of
//! how often each one bit, so a run can say so (the summary lists them) instead of
//! silently doing less.
//!
//! Counts are per process (a `docsift` run is one process) and only reported; no
//! result depends on them.

use std::sync::atomic::{AtomicU64, Ordering};

/// A bound that can bite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// The repeated-body search tried its maximum of earlier positions for a line
    /// (`stage::repeat::MAX_CANDIDATES`): a longer repeat further back may be missed.
    RepeatSearch,
    /// An LSH bucket was larger than `dedup::cluster::MAX_BUCKET`: its members were
    /// paired with its first few only (many near-identical template pages).
    LshBucket,
    /// A word diff reached its deadline (`dedup::verify::DIFF_DEADLINE`) and settled
    /// for a coarser alignment; the measured similarity of that pair can then vary
    /// with machine load.
    DiffDeadline,
    /// A site had more captures than `stage::boilerplate::SAMPLE`: its boilerplate was
    /// learned from the first ones.
    BoilerplateSample,
    /// A document was still changing after `stage::MAX_PASSES` cleaning passes:
    /// cleaning its output again could remove a little more.
    CleaningPasses,
    /// A capture had more than `stage::SEGMENT_LINES` lines or `stage::SEGMENT_BYTES`
    /// bytes: it was cleaned in segments (the article block found in each), so that
    /// memory stays within about ten times its size.
    HugeCapture,
}

const ALL: [Limit; 6] = [
    Limit::RepeatSearch,
    Limit::LshBucket,
    Limit::DiffDeadline,
    Limit::BoilerplateSample,
    Limit::CleaningPasses,
    Limit::HugeCapture,
];

static HITS: [AtomicU64; 6] = [const { AtomicU64::new(0) }; 6];

impl Limit {
    /// How the summary names it.
    pub fn describe(self) -> &'static str {
        match self {
            Limit::RepeatSearch => "repeated-body search capped",
            Limit::LshBucket => "oversized LSH buckets thinned",
            Limit::DiffDeadline => "diffs stopped at their deadline",
            Limit::BoilerplateSample => "sites learned from a sample",
            Limit::CleaningPasses => "documents still changing after the last cleaning pass",
            Limit::HugeCapture => "huge captures cleaned in segments",
        }
    }
}

/// How many times `limit` has bitten so far.
pub fn count(limit: Limit) -> u64 {
    HITS[limit as usize].load(Ordering::Relaxed)
}

/// Records that `limit` bit (`n` times).
pub fn hit(limit: Limit, n: u64) {
    if n > 0 {
        HITS[limit as usize].fetch_add(n, Ordering::Relaxed);
    }
}

/// The limits that bit so far, with their counts, in a fixed order.
pub fn report() -> Vec<(Limit, u64)> {
    ALL.iter()
        .map(|&l| (l, HITS[l as usize].load(Ordering::Relaxed)))
        .filter(|&(_, n)| n > 0)
        .collect()
}
