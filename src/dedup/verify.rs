//! Confirming a candidate pair on the clean text.
//!
//! MinHash only estimates; a pair counts as near duplicates only when its measured
//! similarity reaches the threshold:
//!
//! ```text
//!     similarity = max( Jaccard(A, B), min(containment(A, B), diff ratio(A, B)) )
//! ```
//!
//! * Jaccard of the exact shingle sets: the usual measure, what MinHash estimates.
//! * Containment, |A ∩ B| / min(|A|, |B|): a copy with a paragraph added or dropped
//!   keeps nearly all of the shorter text's shingles, while its Jaccard falls with the
//!   size of the change. Containment alone would also match a short text quoted inside
//!   a long one, so it only counts together with…
//! * …the `similar` crate's diff ratio over words, which measures how much of both
//!   texts lines up in order. It runs with a deadline ([`DIFF_DEADLINE`]); past it, the
//!   diff settles for a coarser answer rather than blowing up on hostile input.

use std::time::Duration;

use similar::TextDiff;

use crate::dedup::shingle::{containment, jaccard};

/// Time budget for one diff.
pub const DIFF_DEADLINE: Duration = Duration::from_millis(100);

/// The measured similarity of two bodies, with its parts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measured {
    pub jaccard: f64,
    pub containment: f64,
    /// `None` when the diff was not needed (Jaccard alone decided).
    pub ratio: Option<f64>,
}

impl Measured {
    /// The similarity the threshold applies to (see the module doc).
    pub fn similarity(&self) -> f64 {
        let by_order = self.ratio.map_or(0.0, |r| self.containment.min(r));
        self.jaccard.max(by_order)
    }
}

/// Measures two bodies given their sorted shingle sets; the diff runs only when
/// Jaccard alone is below `threshold` and containment reaches it.
pub fn measure(a: &str, b: &str, sa: &[u64], sb: &[u64], threshold: f64) -> Measured {
    measure_sets(sa, sb, threshold, || Some(diff_ratio(a, b)))
}

/// [`measure`] for callers that hold only the shingle sets: `ratio` computes the diff
/// ratio of the two texts (`None` if they cannot be had), and is called only when the
/// diff is needed, which is rare (deduplication reads the bodies again then, rather
/// than hold every candidate's text).
pub fn measure_sets(
    sa: &[u64],
    sb: &[u64],
    threshold: f64,
    ratio: impl FnOnce() -> Option<f64>,
) -> Measured {
    let j = jaccard(sa, sb);
    let c = containment(sa, sb);
    let ratio = (j < threshold && c >= threshold).then(ratio).flatten();
    Measured {
        jaccard: j,
        containment: c,
        ratio,
    }
}

/// The share of words two texts have in common, in order (the `similar` ratio).
pub fn diff_ratio(a: &str, b: &str) -> f64 {
    let start = std::time::Instant::now();
    let ratio = TextDiff::configure()
        .timeout(DIFF_DEADLINE)
        .diff_words(a, b)
        .ratio() as f64;
    if start.elapsed() >= DIFF_DEADLINE {
        crate::limits::hit(crate::limits::Limit::DiffDeadline, 1);
    }
    ratio
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedup::shingle::shingle_set;

    fn para(n: usize) -> String {
        format!("Paragraph {n} tells how the ferry crossed the sound at night while the harbour lights went out one by one along the quay.")
    }

    #[test]
    fn a_paragraph_added_is_still_the_same_article() {
        let base: Vec<String> = (0..6).map(para).collect();
        let a = base.join("\n\n");
        let mut more = base.clone();
        more.push(
            para(99)
                .replace("ferry", "old steamer")
                .replace("night", "dawn"),
        );
        more.push(para(98).replace("harbour", "village"));
        let b = more.join("\n\n");
        let m = measure(&a, &b, &shingle_set(&a), &shingle_set(&b), 0.8);
        assert!(m.jaccard < 0.8, "{m:?}");
        assert!(m.similarity() >= 0.8, "{m:?}");
    }

    #[test]
    fn a_quote_inside_a_long_text_is_not_a_copy() {
        let a = para(1);
        let b: String = (0..12)
            .map(|i| para(i).replace("ferry", &format!("boat {i}")))
            .collect::<Vec<_>>()
            .join(" ");
        let b = format!("{b} {a}");
        let m = measure(&a, &b, &shingle_set(&a), &shingle_set(&b), 0.8);
        assert!(m.containment >= 0.8);
        assert!(m.similarity() < 0.8, "{m:?}");
    }
}
