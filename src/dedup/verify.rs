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
//!
//! A pair that reaches the threshold is then checked for **different passages**
//! ([`different_passage`]): two different short articles inside one heavy page
//! template (headline lists, teasers, an author box, a newsletter blurb that the
//! cleaner kept) share most of their text, so every measure above can reach the
//! threshold, yet at the article's place each holds a passage of its own that the
//! other lacks. Near duplicates differ by edited sentences (which keep most of their
//! words), by a paragraph added or dropped on one side only, or by a moved block; none
//! of these leaves, at one place, [`MIN_PASSAGE`] words or more on *both* sides that
//! share fewer than [`PASSAGE_SHARED`] of their words. A pair with such a passage is
//! not a near duplicate, whatever its similarity: what differs is the main content,
//! and what they share is the template.

use std::time::Duration;

use similar::TextDiff;

use crate::dedup::shingle::{containment, jaccard};

/// Time budget for one diff.
pub const DIFF_DEADLINE: Duration = Duration::from_millis(100);

/// Words each side of a differing passage must hold for it to count as text of its
/// own (a short paragraph; an edited sentence is shorter, and keeps its words).
pub const MIN_PASSAGE: usize = 30;

/// Below this share of shared words (of the smaller side's distinct words), the two
/// sides of a differing passage are different texts rather than an edit.
pub const PASSAGE_SHARED: f64 = 0.5;

/// Equal runs shorter than this (in words) do not end a differing passage: two
/// unrelated texts still share "of the" here and there.
const PASSAGE_GAP: usize = crate::dedup::shingle::SHINGLE;

/// The largest place where both bodies hold a passage of their own: its length in
/// words on each side and the share of words the two sides have in common.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Passage {
    pub words_a: usize,
    pub words_b: usize,
    pub shared: f64,
}

impl Passage {
    /// Whether this passage makes the two bodies different documents (see the module doc).
    pub fn separates(&self) -> bool {
        self.words_a.min(self.words_b) >= MIN_PASSAGE && self.shared < PASSAGE_SHARED
    }
}

/// The measured similarity of two bodies, with its parts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measured {
    pub jaccard: f64,
    pub containment: f64,
    /// `None` when the diff was not needed (Jaccard alone decided).
    pub ratio: Option<f64>,
    /// The largest differing passage, looked for only when the similarity reaches
    /// the threshold (`None`: not looked for, or the bodies differ nowhere on both
    /// sides at once).
    pub passage: Option<Passage>,
}

impl Measured {
    /// The similarity the threshold applies to (see the module doc).
    pub fn similarity(&self) -> f64 {
        let by_order = self.ratio.map_or(0.0, |r| self.containment.min(r));
        self.jaccard.max(by_order)
    }

    /// Completes the measure of a pair whose similarity reached the threshold: the
    /// diff ratio if Jaccard alone decided (so the similarity reported is the full
    /// one, as `docsift diff` shows it), and the largest differing passage. Returns
    /// whether the diff reached its deadline.
    pub fn complete(&mut self, a: &str, b: &str) -> bool {
        let mut late = false;
        if self.ratio.is_none() {
            let (ratio, deadline) = diff_ratio_timed(a, b);
            self.ratio = Some(ratio);
            late = deadline;
        }
        self.passage = different_passage(a, b);
        late
    }

    /// Whether the pair is near duplicates at `threshold`: its similarity reaches it
    /// and no differing passage separates the two bodies.
    pub fn confirms(&self, threshold: f64) -> bool {
        self.similarity() >= threshold && !self.passage.is_some_and(|p| p.separates())
    }
}

/// Measures two bodies given their sorted shingle sets; the diff runs only when
/// Jaccard alone is below `threshold` and containment reaches it.
pub fn measure(a: &str, b: &str, sa: &[u64], sb: &[u64], threshold: f64) -> Measured {
    let mut m = measure_sets(sa, sb, threshold, || Some(diff_ratio(a, b)));
    if m.similarity() >= threshold {
        m.complete(a, b);
    }
    m
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
        passage: None,
    }
}

/// The largest place where the two bodies differ on both sides (see the module doc):
/// a word diff (with [`DIFF_DEADLINE`]) whose changes are joined into passages across
/// equal runs shorter than `PASSAGE_GAP` words; of the passages with words on both
/// sides, the one whose smaller side is longest. `None` when no place differs on both
/// sides.
pub fn different_passage(a: &str, b: &str) -> Option<Passage> {
    use similar::{capture_diff_slices_deadline, Algorithm, DiffOp};
    let (ta, tb) = (crate::tokens::hashes(a), crate::tokens::hashes(b));
    let deadline = std::time::Instant::now() + DIFF_DEADLINE;
    let ops = capture_diff_slices_deadline(Algorithm::Myers, &ta, &tb, Some(deadline));
    // Passages as ranges of `ta` and `tb`.
    let mut passages: Vec<(std::ops::Range<usize>, std::ops::Range<usize>)> = Vec::new();
    let mut open: Option<(std::ops::Range<usize>, std::ops::Range<usize>)> = None;
    for op in ops {
        let (ra, rb) = (op.old_range(), op.new_range());
        if matches!(op, DiffOp::Equal { len, .. } if len >= PASSAGE_GAP) {
            passages.extend(open.take());
            continue;
        }
        open = Some(match open.take() {
            Some((oa, ob)) => (oa.start..ra.end, ob.start..rb.end),
            None => (ra, rb),
        });
    }
    passages.extend(open);
    passages
        .into_iter()
        .filter(|(ra, rb)| !ra.is_empty() && !rb.is_empty())
        .max_by_key(|(ra, rb)| (ra.len().min(rb.len()), ra.start))
        .map(|(ra, rb)| {
            let set = |t: &[u64]| {
                t.iter()
                    .copied()
                    .collect::<std::collections::HashSet<u64>>()
            };
            let (sa, sb) = (set(&ta[ra.clone()]), set(&tb[rb.clone()]));
            let common = sa.intersection(&sb).count();
            Passage {
                words_a: ra.len(),
                words_b: rb.len(),
                shared: common as f64 / sa.len().min(sb.len()).max(1) as f64,
            }
        })
}

/// The share of words two texts have in common, in order (the `similar` ratio).
pub fn diff_ratio(a: &str, b: &str) -> f64 {
    diff_ratio_timed(a, b).0
}

/// [`diff_ratio`], and whether the diff reached its deadline
/// ([`crate::limits::Limit::DiffDeadline`], which the caller counts).
pub fn diff_ratio_timed(a: &str, b: &str) -> (f64, bool) {
    let start = std::time::Instant::now();
    let ratio = TextDiff::configure()
        .timeout(DIFF_DEADLINE)
        .diff_words(a, b)
        .ratio() as f64;
    (ratio, start.elapsed() >= DIFF_DEADLINE)
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

    /// A heavy page template: teasers with a sentence each, an author box, a
    /// newsletter blurb, a headline list (what a cleaner keeps because it is prose).
    fn template(article: &str) -> String {
        let mut lines = vec![article.to_owned()];
        for i in 0..12 {
            lines.push(format!(
                "Teaser {i}: the council of ward {i} met on Tuesday evening. It voted to \
                 repair the old school roof before winter and to open the library later."
            ));
        }
        lines.push("About the author: she has written about the harbour towns for twenty years and lives above the bakery on the quay.".into());
        lines.push("Newsletter: one email a week with the stories from the islands, free, and you can leave whenever you like.".into());
        lines.extend((0..8).map(|i| format!("Most read story number {i} of the week")));
        lines.join("\n\n")
    }

    const STOOL: &str = "Three legs never rock, which is why milking stools had three long before \
        anyone wrote about geometry. This one uses the oak offcuts left over from last month's \
        table, glued into a thick round seat. The legs are split from a single ash billet.";
    const RACK: &str = "Sash clamps are long, heavy and impossible to stack without a crash. \
        This rack is two strips of beech screwed to the wall with notches cut at an angle. Each \
        clamp drops into a notch by its bar and leans back against the wall, easy to grab.";

    fn measured(a: &str, b: &str) -> Measured {
        measure(a, b, &shingle_set(a), &shingle_set(b), 0.8)
    }

    #[test]
    fn two_articles_in_one_template_are_not_near_duplicates() {
        let (a, b) = (template(STOOL), template(RACK));
        let m = measured(&a, &b);
        // Most of both is the template: the similarity alone would merge them.
        assert!(m.similarity() >= 0.8, "{m:?}");
        let p = m.passage.expect("a passage differs");
        assert!(
            p.words_a >= MIN_PASSAGE && p.words_b >= MIN_PASSAGE,
            "{p:?}"
        );
        assert!(!m.confirms(0.8), "{m:?}");
    }

    #[test]
    fn an_edited_copy_in_the_same_template_is_still_a_near_duplicate() {
        let edited = STOOL
            .replace("oak offcuts", "walnut offcuts")
            .replace(" glued into a thick round seat.", "");
        let m = measured(&template(STOOL), &template(&edited));
        assert!(m.confirms(0.8), "{m:?}");
    }

    #[test]
    fn a_paragraph_added_on_one_side_does_not_separate() {
        let base: Vec<String> = (0..6).map(para).collect();
        let a = base.join("\n\n");
        let b = format!("{a}\n\n{}", template(RACK));
        let p = different_passage(&a, &b);
        assert!(p.is_none_or(|p| !p.separates()), "{p:?}");
    }
}
