//! Repeated body: the article, or a long part of it, a second time in one capture.
//!
//! Scrapers save what the browser shows, and some pages show the article twice: a
//! preview and the full text, a mobile and a desktop copy, a teaser paragraph repeated
//! at the end, the lede repeated under the title. Detection works on the sequence of
//! non-blank lines, like LZ77 on lines: at each position, find the longest earlier run
//! of identical lines (compared case- and space-insensitively). A run counts as a
//! second copy of the article when it is mostly prose (at least half its characters in
//! prose lines, and at least [`MIN_PARAGRAPH_CHARS`] of them: a repeated paragraph is
//! enough), or when it is very long ([`LONG_RUN_CHARS`]). Other repeats are left
//! alone: recipes, meal plans, tables and song choruses repeat their short lines by
//! nature, and the classifier deals with menus printed twice.
//!
//! Of the two copies, the most complete stays: normally the first; but when the first
//! copy is followed by chrome and the second one continues with more article text (a
//! teaser above the full article), the first copy goes.
//!
//! Cost is linear in practice: at most [`MAX_CANDIDATES`] earlier positions are tried
//! per line, and a matched run is skipped as a whole.

use std::collections::HashMap;
use std::sync::Arc;

use crate::document::{Document, Reason};
use crate::stage::features::LineInfo;
use crate::tokens::KeyBuild;

/// A repeated run needs at least this many characters of prose...
pub const MIN_PARAGRAPH_CHARS: usize = 100;
/// ...or this many characters in all.
pub const LONG_RUN_CHARS: usize = 2000;
/// Earlier occurrences of a line (nearest first) tried as the start of a match.
pub const MAX_CANDIDATES: usize = 8;
/// A following line this long (characters) is "more article text".
const CONTINUATION_CHARS: usize = 100;

/// Marks the less complete copy of every repeated run as [`Reason::RepeatedBody`].
/// Returns how many lines it removed.
pub fn remove_repeats(doc: &mut Document, infos: &[LineInfo]) -> usize {
    let counts: Vec<usize> = (0..doc.len())
        .map(|i| doc.text(i).chars().count())
        .collect();
    remove_repeats_counted(doc, infos, |i| counts[i])
}

/// [`remove_repeats`] with each line's length in characters given by `chars_of(line)`:
/// cleaning counts them once per document, not once per pass.
pub fn remove_repeats_counted(
    doc: &mut Document,
    infos: &[LineInfo],
    chars_of: impl Fn(usize) -> usize,
) -> usize {
    let lines: Vec<usize> = doc.kept().filter(|&i| !doc.is_blank(i)).collect();
    let keys: Vec<u64> = lines.iter().map(|&i| infos[i].key).collect();
    let chars: Vec<usize> = lines.iter().map(|&i| chars_of(i)).collect();
    let prose: Vec<usize> = lines
        .iter()
        .zip(&chars)
        .map(|(&i, &c)| if is_prose(&infos[i]) { c } else { 0 })
        .collect();
    let n = lines.len();
    // prev[p]: the previous position with the same key (a chain per distinct line).
    let mut prev = vec![u32::MAX; n];
    let mut last: HashMap<u64, u32, KeyBuild> =
        HashMap::with_capacity_and_hasher(n, KeyBuild::default());
    for (p, &k) in keys.iter().enumerate() {
        if let Some(q) = last.insert(k, p as u32) {
            prev[p] = q;
        }
    }
    let mut repeats: Vec<(usize, usize, usize)> = Vec::new(); // (first, second, len)
    let mut p = 0;
    let mut capped = 0u64;
    while p < n {
        let mut best = (0usize, 0usize); // (len, q)
        let mut q = prev[p];
        let mut tried = 0;
        while q != u32::MAX && tried < MAX_CANDIDATES {
            let q0 = q as usize;
            let mut m = 0;
            while p + m < n && q0 + m < p && keys[q0 + m] == keys[p + m] {
                m += 1;
            }
            if m >= best.0 {
                best = (m, q0);
            }
            q = prev[q0];
            tried += 1;
        }
        if q != u32::MAX {
            capped += 1;
        }
        let (m, q) = best;
        if m > 0 {
            let run: usize = chars[p..p + m].iter().sum();
            let prose_run: usize = prose[p..p + m].iter().sum();
            if (prose_run >= MIN_PARAGRAPH_CHARS && prose_run * 2 >= run) || run >= LONG_RUN_CHARS {
                repeats.push((q, p, m));
                p += m;
                continue;
            }
        }
        p += 1;
    }
    doc.limits.hit(crate::limits::Limit::RepeatSearch, capped);
    let rule: Arc<str> = Arc::from("repeated-body");
    let mut removed = 0;
    for (q, p, m) in repeats {
        // Something must separate the copies for the first to be a mere teaser.
        let (drop_from, len) =
            if q + m < p && continues(&chars, p + m, n) && !continues(&chars, q + m, p) {
                (q, m)
            } else {
                (p, m)
            };
        for &line in &lines[drop_from..drop_from + len] {
            if doc.remove(line, Reason::RepeatedBody, rule.clone()) {
                removed += 1;
            }
        }
    }
    removed
}

/// A line of running text: a sentence of some length with function words in it.
fn is_prose(info: &LineInfo) -> bool {
    (info.cjk && info.words >= 15.0)
        || (info.stop_ratio() >= 0.15
            && (info.words >= 25.0 || (info.sentence_end && info.words >= 12.0)))
}

/// Whether the next non-blank line after a run (before `limit`) is a long line.
fn continues(chars: &[usize], after: usize, limit: usize) -> bool {
    after < limit && chars[after] >= CONTINUATION_CHARS
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stage::features::document_info;

    fn para(n: usize) -> String {
        format!("Paragraph {n} talks about the harbour, the ferry and the people who wait for it every evening in the rain.")
    }

    fn run(d: &mut Document) -> usize {
        let infos = document_info(d);
        remove_repeats(d, &infos)
    }

    #[test]
    fn second_copy_of_the_article_goes() {
        let (a, b, c) = (para(1), para(2), para(3));
        let mut d = Document::from_lines([
            "Title",
            &a,
            "",
            &b,
            "",
            &c,
            "",
            "Share post:",
            "Title",
            &a,
            "",
            &b,
            "",
            &c,
            "",
            "Recent",
        ]);
        assert_eq!(run(&mut d), 4);
        assert!(d.is_kept(1) && d.is_kept(3) && d.is_kept(5));
        for i in [8, 9, 11, 13] {
            assert_eq!(
                d.removal(i).unwrap().reason,
                Reason::RepeatedBody,
                "line {i}"
            );
        }
    }

    #[test]
    fn teaser_above_the_full_article_goes() {
        let (a, b, c) = (para(1), para(2), para(3));
        let mut d = Document::from_lines([&a, "", "Related", "", &a, "", &b, "", &c]);
        assert_eq!(run(&mut d), 1);
        assert_eq!(d.removal(0).unwrap().reason, Reason::RepeatedBody);
        assert!(d.is_kept(4));
    }

    #[test]
    fn short_refrains_stay() {
        let mut d = Document::from_lines([
            "Row, row, row your boat,",
            "Gently down the stream.",
            "",
            "Verse two goes here,",
            "",
            "Row, row, row your boat,",
            "Gently down the stream.",
        ]);
        assert_eq!(run(&mut d), 0);
    }

    #[test]
    fn a_million_identical_lines_is_linear() {
        let line = "the ferry and the harbour wait for the night crossing in the rain, as they always do in the long winter.";
        let lines: Vec<&str> = std::iter::repeat_n(line, 200_000).collect();
        let mut d = Document::from_lines(lines);
        assert_eq!(run(&mut d), 199_999);
    }
}
