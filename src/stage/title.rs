//! The title: the heading-like line that introduces the article.
//!
//! Candidates are the heading-like lines just above the article block (and the
//! block's own first line): short, with letters, not ending like a sentence, not
//! matched by a chrome rule. Each is scored by what distinguishes a title from the
//! menu items, bylines and share buttons around it:
//!
//! * shared words with the start of the article (a title names its subject);
//! * being doubled (a scraper saves a linked heading twice: link text, then heading);
//! * length (titles are longer than menu items);
//! * distance (the title sits right above the article).
//!
//! The best candidate above [`MIN_SCORE`] is the title. The body keeps it as its first
//! line, and the header and manifest report it.

use std::collections::HashSet;

use crate::document::Document;
use crate::stage::features::LineInfo;
use crate::stage::rules::Rule;
use crate::stage::stopwords;

/// Longest line (in characters) still taken for a title.
pub const MAX_TITLE_CHARS: usize = 200;
/// Non-blank lines above the article searched for a title.
pub const WINDOW: usize = 12;
/// Words at the start of the article compared with a candidate.
const LEAD_WORDS: usize = 250;
/// A candidate must score at least this much.
pub const MIN_SCORE: f32 = 0.6;

const OVERLAP_WEIGHT: f32 = 3.0;
const DOUBLED_BONUS: f32 = 1.5;
const WORD_BONUS: f32 = 0.08;
const DISTANCE_COST: f32 = 0.12;

/// Short, with letters, not ending like a sentence or a label.
pub fn is_heading_like(t: &str) -> bool {
    let t = t.trim();
    let n = t.chars().count();
    if !(2..=MAX_TITLE_CHARS).contains(&n) || !t.chars().any(char::is_alphabetic) {
        return false;
    }
    let last = t.chars().last().unwrap_or(' ');
    !matches!(last, '.' | ',' | ';' | ':' | '。' | '、' | '|' | '/')
}

fn content_words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .map(|w| w.to_lowercase())
        .filter(|w| !stopwords::is_stopword(w))
}

/// Chooses the title line for a document whose article block is `block`.
pub fn choose(
    doc: &Document,
    infos: &[LineInfo],
    matched: &[Option<&Rule>],
    stutters: &[bool],
    block: Option<(usize, usize)>,
) -> Option<usize> {
    let (start, end) = block?;
    let mut lead: HashSet<String> = HashSet::new();
    let mut words = 0;
    for i in start..=end {
        if infos[i].blank || !doc.is_kept(i) || matched[i].is_some() {
            continue;
        }
        for w in content_words(doc.text(i)) {
            lead.insert(w);
            words += 1;
        }
        if words >= LEAD_WORDS {
            break;
        }
    }
    let usable = |i: usize| {
        !infos[i].blank && doc.is_kept(i) && matched[i].is_none() && is_heading_like(doc.text(i))
    };
    let score = |i: usize, distance: usize| {
        let own: Vec<String> = content_words(doc.text(i)).collect();
        let overlap = if own.is_empty() {
            0.0
        } else {
            own.iter().filter(|w| lead.contains(*w)).count() as f32 / own.len() as f32
        };
        let doubled = stutters[i] || stutters.get(i + 1) == Some(&true);
        OVERLAP_WEIGHT * overlap
            + if doubled { DOUBLED_BONUS } else { 0.0 }
            + WORD_BONUS * infos[i].words.min(15.0)
            - DISTANCE_COST * distance as f32
    };
    let mut best: Option<(f32, usize)> = None;
    let mut consider = |i: usize, distance: usize| {
        let s = score(i, distance);
        if s >= MIN_SCORE && best.is_none_or(|(b, _)| s > b) {
            best = Some((s, i));
        }
    };
    // The block's own first line, when it is a heading.
    if let Some(first) = (start..=end).find(|&i| !infos[i].blank && doc.is_kept(i)) {
        if usable(first) && !infos[first].sentence_end {
            consider(first, 0);
        }
    }
    let mut distance = 0;
    for i in (0..start).rev() {
        if infos[i].blank {
            continue;
        }
        distance += 1;
        if distance > WINDOW {
            break;
        }
        // Of a doubled line, consider the second copy only.
        if stutters.get(i + 1) == Some(&true) {
            continue;
        }
        if usable(i) {
            consider(i, distance);
        }
    }
    best.map(|(_, i)| i)
}
