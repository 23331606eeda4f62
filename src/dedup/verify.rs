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
//! * …the diff ratio over words, `2·LCS / (n + m)`: how much of both texts lines up
//!   in order, with LCS the longest common subsequence of their word tokens (the most
//!   any word diff can align; `similar`'s ratio for an optimal diff). It is exact, and
//!   found within budgets counted in work, not time, so the answer is the same on any
//!   machine under any load (a pair's clusters never depend on how busy the machine
//!   was): a search of the edit distance `d` within [`distance::DIFF_STEPS`] steps
//!   gives LCS = `(n + m − d) / 2` (near copies settle in a few thousand steps); a
//!   search that would be long (texts far apart: it grows with the square of their
//!   distance) is cut short and the LCS computed bit-parallel instead
//!   ([`distance::lcs_length`], whose cost does not grow with the distance: texts built
//!   from the same sentences in another order have the same shingles and little in
//!   order). Only a pair too long for both falls back to a coarser answer, a lower
//!   bound, the same way everywhere.
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

use similar::{Algorithm, DiffOp, DiffableStr};

use crate::dedup::distance::{self, edit_distance, Distance};
use crate::dedup::shingle::{containment_of, intersection, jaccard_of};

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

    /// Completes the measure of a pair whose similarity reached `threshold`: the diff
    /// ratio if Jaccard alone decided (so the similarity reported is the full one, as
    /// `docsift diff` shows it), and the largest differing passage. Returns how many
    /// of its diffs ran out of steps ([`distance::DIFF_STEPS`]).
    pub fn complete(&mut self, a: &str, b: &str, threshold: f64) -> u64 {
        let mut unsettled = 0;
        if self.ratio.is_none() {
            let ratio = diff_ratio_from(a, b, threshold);
            self.ratio = Some(ratio.value);
            unsettled += ratio.unsettled as u64;
        }
        let (passage, late) = different_passage_counted(a, b);
        self.passage = passage;
        unsettled + late as u64
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
    let mut m = measure_sets(sa, sb, threshold, || {
        Some(diff_ratio_from(a, b, threshold).value)
    });
    if m.similarity() >= threshold {
        m.complete(a, b, threshold);
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
    let common = intersection(sa, sb);
    let j = jaccard_of(common, sa.len(), sb.len());
    let c = containment_of(common, sa.len(), sb.len());
    let ratio = (j < threshold && c >= threshold).then(ratio).flatten();
    Measured {
        jaccard: j,
        containment: c,
        ratio,
        passage: None,
    }
}

/// The largest place where the two bodies differ on both sides (see the module doc):
/// a word diff whose changes are joined into passages across equal runs shorter than
/// `PASSAGE_GAP` words; of the passages with words on both sides, the one whose
/// smaller side is longest. `None` when no place differs on both sides.
pub fn different_passage(a: &str, b: &str) -> Option<Passage> {
    different_passage_counted(a, b).0
}

/// [`different_passage`], and whether its diff ran out of steps: then everything
/// between the common beginning and end counts as one changed place (a coarser
/// alignment, the same on every machine).
fn different_passage_counted(a: &str, b: &str) -> (Option<Passage>, bool) {
    let (ta, tb) = (crate::tokens::hashes(a), crate::tokens::hashes(b));
    let settled = settles(&ta, &tb, usize::MAX) == Some(true);
    let ops = if settled {
        similar::capture_diff_slices(Algorithm::Myers, &ta, &tb)
    } else {
        coarse_diff(&ta, &tb)
    };
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
    let passage = passages
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
        });
    (passage, !settled)
}

/// Whether two token sequences' diff may run: their edit distance is searched
/// within [`distance::DIFF_STEPS`] up to `max_d`. `Some(true)`: it settled, so the
/// full diff (`similar`'s Myers, with no deadline) is cheap; `None`: the distance is
/// over `max_d`; `Some(false)`: the steps ran out, and the caller settles for the
/// coarse diff ([`coarse_diff`]).
fn settles<T: PartialEq>(a: &[T], b: &[T], max_d: usize) -> Option<bool> {
    match edit_distance(a, b, max_d, distance::DIFF_STEPS) {
        Distance::Exactly(_) => Some(true),
        Distance::Over => None,
        Distance::Unsettled { .. } => Some(false),
    }
}

/// The diff that aligns only the common beginning and end of `a` and `b`.
fn coarse_diff<T: PartialEq>(a: &[T], b: &[T]) -> Vec<DiffOp> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (mid_a, mid_b) = (a.len() - prefix - suffix, b.len() - prefix - suffix);
    let mut ops = Vec::new();
    if prefix > 0 {
        ops.push(DiffOp::Equal {
            old_index: 0,
            new_index: 0,
            len: prefix,
        });
    }
    if mid_a > 0 || mid_b > 0 {
        ops.push(DiffOp::Replace {
            old_index: prefix,
            old_len: mid_a,
            new_index: prefix,
            new_len: mid_b,
        });
    }
    if suffix > 0 {
        ops.push(DiffOp::Equal {
            old_index: prefix + mid_a,
            new_index: prefix + mid_b,
            len: suffix,
        });
    }
    ops
}

/// Search steps tried before computing the longest common subsequence outright, per
/// word operation that computation costs: a search that takes longer than that is
/// one of two texts far apart, for which the bit-parallel LCS is the cheaper answer.
const LCS_PROBE: u64 = 4;

/// A diff ratio, and whether its diff ran out of steps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ratio {
    pub value: f64,
    /// Neither the search nor the longest common subsequence could be had within
    /// their budgets ([`distance::DIFF_STEPS`], [`distance::LCS_WORDS`]); `value` is
    /// then that of the coarse diff (common beginning and end only), a lower bound.
    pub unsettled: bool,
}

/// The share of words two texts have in common, in order: `2·LCS / (n + m)` over their
/// word tokens (whitespace runs included), with LCS their longest common subsequence,
/// the most any word diff can align.
pub fn diff_ratio(a: &str, b: &str) -> f64 {
    diff_ratio_from(a, b, 0.0).value
}

/// The ratio `2·LCS / (n + m)` of two token counts and the length of their longest
/// common subsequence. Computed in `f32`, as the `similar` crate computes its ratio
/// and the record keeps a similarity: for every pair whose diff `similar` aligned
/// optimally, the number is the one it gave, bit for bit.
fn lcs_ratio(lcs: usize, total: usize) -> f64 {
    (2.0 * lcs as f32 / total as f32) as f64
}

/// [`diff_ratio`] where only a ratio of at least `floor` matters. The ratio is exact:
/// the edit distance `d` found by the step-counted search ([`edit_distance`], Myers'
/// greedy search for the shortest edit script) gives the LCS as `(n + m − d) / 2`.
/// The search is asked only for distances that allow `floor` (a ratio of `2·LCS /
/// (n + m)` needs `d ≤ (1 − floor)·(n + m)`); a pair shown further apart is given the
/// bound that shows it, under the floor. A search that would be long (two texts far
/// apart: its cost grows with the square of their distance) is cut after a probe and
/// the LCS computed bit-parallel instead ([`distance::lcs_length`], whose cost does not
/// grow with the distance): exact as well. Deduplication asks with the threshold as the
/// floor: a ratio below it can neither confirm a pair nor be the similarity reported
/// (see [`Measured::similarity`]), so every number that decides is exact, and the same
/// one `docsift diff` shows (it asks with a floor of 0).
pub fn diff_ratio_from(a: &str, b: &str, floor: f64) -> Ratio {
    let (ta, tb) = (a.tokenize_words(), b.tokenize_words());
    let total = ta.len() + tb.len();
    if total == 0 {
        return Ratio {
            value: 1.0,
            unsettled: false,
        };
    }
    let exact = |lcs: usize| Ratio {
        value: lcs_ratio(lcs, total),
        unsettled: false,
    };
    // One more than the largest distance that can still reach the floor.
    let max_d = ((1.0 - floor.clamp(0.0, 1.0)) * total as f64).floor() as usize + 1;
    let over = Ratio {
        // Over the distance: the ratio is at most this, below the floor.
        value: (total - (max_d + 1).min(total)) as f64 / total as f64,
        unsettled: false,
    };
    let lcs_cost = distance::lcs_cost(&ta, &tb);
    // Near copies settle within the probe and never pay for the LCS; a probe as long as
    // the whole budget is the whole search.
    let probe = lcs_cost.saturating_mul(LCS_PROBE).min(distance::DIFF_STEPS);
    match edit_distance(&ta, &tb, max_d, probe) {
        Distance::Exactly(d) => return exact((total - d) / 2),
        Distance::Over => return over,
        Distance::Unsettled { .. } => {}
    }
    if let Some(lcs) = distance::lcs_length(&ta, &tb) {
        return exact(lcs);
    }
    let search = if probe < distance::DIFF_STEPS {
        edit_distance(&ta, &tb, max_d, distance::DIFF_STEPS)
    } else {
        Distance::Unsettled { beyond: 0 }
    };
    match search {
        Distance::Exactly(d) => exact((total - d) / 2),
        Distance::Over => over,
        Distance::Unsettled { .. } => {
            let ops = coarse_diff(&ta, &tb);
            Ratio {
                value: similar::diff_ratio(&ops, ta.len(), tb.len()) as f64,
                unsettled: true,
            }
        }
    }
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

    /// `words` words drawn from a vocabulary of 400 by a seeded generator.
    fn words(seed: u64, words: usize) -> String {
        let mut x = seed;
        (0..words)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                format!("w{}", x % 400)
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The longest common subsequence of two token lists, by dynamic programming.
    fn lcs_reference(a: &[&str], b: &[&str]) -> usize {
        let mut row = vec![0usize; b.len() + 1];
        for x in a {
            let mut diagonal = 0;
            for (j, y) in b.iter().enumerate() {
                let up = row[j + 1];
                row[j + 1] = if x == y { diagonal + 1 } else { up.max(row[j]) };
                diagonal = up;
            }
        }
        row[b.len()]
    }

    #[test]
    fn the_ratio_is_twice_the_longest_common_subsequence_over_the_tokens() {
        // Texts over a small vocabulary, edited copies and unrelated ones, short and
        // long enough for both the search and the bit-parallel LCS to answer.
        let mut x = 0x51_7CC1_B727_220Au64;
        let mut next = move |k: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % k
        };
        for k in 0..300 {
            let a = words(k, next(400) as usize);
            let b = if k % 2 == 0 {
                // An edited copy: words dropped, changed and added.
                let mut kept = Vec::new();
                for w in a.split(' ') {
                    match next(40) {
                        0 => {}
                        1 => kept.push("edited"),
                        2 => kept.extend([w, "added"]),
                        _ => kept.push(w),
                    }
                }
                kept.join(" ")
            } else {
                words(k + 1000, next(400) as usize)
            };
            let (ta, tb) = (a.tokenize_words(), b.tokenize_words());
            let total = ta.len() + tb.len();
            let want = if total == 0 {
                1.0
            } else {
                (2.0 * lcs_reference(&ta, &tb) as f32 / total as f32) as f64
            };
            let r = diff_ratio_from(&a, &b, 0.0);
            assert_eq!(
                r,
                Ratio {
                    value: want,
                    unsettled: false
                },
                "k {k}"
            );
            // With a floor: the same number whenever it reaches the floor, else a
            // number under the floor.
            let r = diff_ratio_from(&a, &b, 0.8);
            if want >= 0.8 {
                assert_eq!(r.value, want, "k {k}");
            } else {
                assert!(r.value < 0.8 && r.value >= want, "k {k}: {r:?} {want}");
            }
        }
    }

    #[test]
    fn a_diff_out_of_steps_settles_the_same_way_every_time() {
        // Two long bodies of the same vocabulary in unrelated orders: their word diff
        // needs several times DIFF_STEPS, and their LCS more than LCS_WORDS.
        let (a, b) = (words(7, 12_000), words(11, 12_000));
        let r = diff_ratio_from(&a, &b, 0.0);
        assert!(r.unsettled, "{r:?}");
        // The coarse diff: nothing aligned but the common beginning and end (none here).
        assert_eq!(r.value, 0.0);
        for _ in 0..3 {
            assert_eq!(diff_ratio_from(&a, &b, 0.0), r);
        }
        let (p, unsettled) = different_passage_counted(&a, &b);
        assert!(unsettled);
        let p = p.expect("everything differs");
        assert_eq!((p.words_a, p.words_b), (12_000, 12_000));
        assert_eq!(different_passage_counted(&a, &b), (Some(p), true));
    }

    #[test]
    fn sentences_in_another_order_are_measured_by_the_bit_parallel_lcs() {
        // The same 60 sentences in two orders: nearly the same shingles, little in
        // order, so the diff's search would be long.
        let sentences: Vec<String> = (0..60)
            .map(|i| format!("Sentence {i} says {} and stops here.", words(i, 12)))
            .collect();
        let a = sentences.join(" ");
        let mut shuffled = sentences.clone();
        let mut x = 0x2545_F491u64;
        for i in (1..shuffled.len()).rev() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            shuffled.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let b = shuffled.join(" ");
        let (ta, tb) = (a.tokenize_words(), b.tokenize_words());
        // The search is cut after its probe…
        let probe = distance::lcs_cost(&ta, &tb) * LCS_PROBE;
        assert!(matches!(
            edit_distance(&ta, &tb, usize::MAX >> 2, probe),
            Distance::Unsettled { .. }
        ));
        // …and the ratio is the exact one all the same, with a floor or without.
        let lcs = lcs_reference(&ta, &tb);
        let exact = lcs_ratio(lcs, ta.len() + tb.len());
        assert!(exact < 0.8, "{exact}");
        for floor in [0.0, 0.8] {
            assert_eq!(
                diff_ratio_from(&a, &b, floor),
                Ratio {
                    value: exact,
                    unsettled: false
                }
            );
        }
        // `similar`'s heuristic diff aligns no more than the LCS.
        let full = similar::TextDiff::configure().diff_words(&a, &b).ratio() as f64;
        assert!(full <= exact, "{full} {exact}");
    }

    #[test]
    fn the_ratio_that_decides_is_the_full_one() {
        // A long copy with a few edits settles well within the steps, and its ratio is
        // `similar`'s own without any deadline.
        let a = words(3, 6000);
        let b = a.replacen("w1 ", "w1 w1000 ", 3).replacen("w2 ", "", 2);
        let full = similar::TextDiff::configure().diff_words(&a, &b).ratio() as f64;
        let r = diff_ratio_from(&a, &b, 0.8);
        assert_eq!(
            r,
            Ratio {
                value: full,
                unsettled: false
            }
        );
        assert!(full > 0.99);
        // A pair below the floor is given as a bound under it, without the full diff.
        let (a, b) = (para(1), para(2).replace("ferry", "old steamer"));
        let c = format!("{a} {}", words(5, 60));
        let full = similar::TextDiff::configure().diff_words(&a, &c).ratio() as f64;
        let r = diff_ratio_from(&a, &c, 0.8);
        assert!(
            full < 0.8 && r.value < 0.8 && r.value >= full,
            "{full} {r:?}"
        );
        assert!(!r.unsettled);
        assert!(diff_ratio_from(&a, &b, 0.0).value > 0.8);
    }
}
