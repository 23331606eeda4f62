//! The bounds that keep every stage close to linear on hostile input, and a count of
//! how often each one bit, so a run can say so (the summary lists them) instead of
//! silently doing less.
//!
//! Counts are values, never process-wide: a document carries the limits its own
//! cleaning hit ([`Counts`], in `Document::limits`), deduplication returns its own,
//! and a run adds them up in the [`Tally`] it owns, so two runs in one process (a
//! library user, a test, a shard worker) never share counters. They are only
//! reported; no result depends on them.

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
    /// A word diff ran out of its steps (`dedup::distance::DIFF_STEPS`) and settled
    /// for a coarser alignment (the same on every machine: the budget counts work,
    /// not time).
    DiffSteps,
    /// A site had more captures than `site::boilerplate::SAMPLE`: its boilerplate was
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
    Limit::DiffSteps,
    Limit::BoilerplateSample,
    Limit::CleaningPasses,
    Limit::HugeCapture,
];

impl Limit {
    /// How the summary names it.
    pub fn describe(self) -> &'static str {
        match self {
            Limit::RepeatSearch => "repeated-body search capped",
            Limit::LshBucket => "oversized LSH buckets thinned",
            Limit::DiffSteps => "diffs out of steps",
            Limit::BoilerplateSample => "sites learned from a sample",
            Limit::CleaningPasses => "documents still changing after the last cleaning pass",
            Limit::HugeCapture => "huge captures cleaned in segments",
        }
    }
}

/// How often each limit bit, for one document or one step: a plain value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts([u64; ALL.len()]);

impl Counts {
    /// Records that `limit` bit (`n` times).
    pub fn hit(&mut self, limit: Limit, n: u64) {
        self.0[limit as usize] += n;
    }

    /// How many times `limit` bit.
    pub fn count(&self, limit: Limit) -> u64 {
        self.0[limit as usize]
    }

    pub fn add(&mut self, other: &Counts) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }

    /// The limits that bit, with their counts, in a fixed order.
    pub fn report(&self) -> Vec<(Limit, u64)> {
        ALL.iter()
            .map(|&l| (l, self.0[l as usize]))
            .filter(|&(_, n)| n > 0)
            .collect()
    }
}

/// A run's running total, added to from every worker thread.
#[derive(Debug, Default)]
pub struct Tally([AtomicU64; ALL.len()]);

impl Tally {
    pub fn add(&self, c: &Counts) {
        for (a, &b) in self.0.iter().zip(&c.0) {
            if b > 0 {
                a.fetch_add(b, Ordering::Relaxed);
            }
        }
    }

    /// The counts so far.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for (a, b) in c.0.iter_mut().zip(&self.0) {
            *a = b.load(Ordering::Relaxed);
        }
        c
    }
}
