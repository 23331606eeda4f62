//! The title: the heading-like line that introduces the article.
//!
//! Candidates are heading-like lines (short, with letters, not ending like a sentence,
//! not matched by a chrome rule) just above the article block, the block's own first
//! line, and lines inside the block that have nothing but packed lines above them (a
//! ticker of teasers that the block swallowed). Each is scored by what distinguishes a
//! title from the menu items, bylines and share buttons around it:
//!
//! * shared words with the article text that follows it (a title names its subject);
//! * being doubled (a scraper saves a linked heading twice: link text, then heading);
//! * a date, byline or time stamp right below it (the article's header);
//! * length (titles are longer than menu items);
//! * distance (the title sits right above the article);
//! * place: under a headline with its date or byline, the line opening the article
//!   is a deck or a question; a long standfirst under a heading is that heading's
//!   deck; a line of several sentences is prose.
//!
//! The line opening the block is measured against the text below it, never against
//! its own words; when it shares too little with them (a promotion, a call to
//! action), a heading below it may open the article instead.
//!
//! The best candidate above [`MIN_SCORE`] is the title. The body keeps it as its first
//! line, and the header and manifest report it. When the title lies inside the block,
//! the article starts there: what the block held above it was not the article.

use std::collections::HashSet;

use crate::document::Document;
use crate::stage::features::{Features, LineInfo, CONTENT};
use crate::stage::rules::Rule;
use crate::tokens::KeyBuild;

/// Longest line (in characters) still taken for a title.
pub const MAX_TITLE_CHARS: usize = 200;
/// Non-blank lines above the article searched for a title.
pub const WINDOW: usize = 12;
/// Words of article text compared with a candidate.
const LEAD_WORDS: usize = 250;
/// A candidate must score at least this much.
pub const MIN_SCORE: f32 = 0.6;
/// A title inside the block must score this much more than one above it.
const INSIDE_MARGIN: f32 = 0.5;
/// Lines below a candidate searched for a date, byline or time stamp.
const META_LINES: usize = 3;
/// Non-blank lines below a title searched for the same headline without the
/// breadcrumb or site name glued in front of it.
const UNGLUE_LINES: usize = 2;
/// The headline alone has at least this many words (a one- or two-word tail of a
/// glued line is a section name as often).
const UNGLUE_MIN_WORDS: f32 = 3.0;
/// A line standing alone with at least this score is a paragraph of the article.
const PARAGRAPH_SCORE: f32 = 8.0;

const OVERLAP_WEIGHT: f32 = 3.0;
const DOUBLED_BONUS: f32 = 1.5;
const META_BONUS: f32 = 1.0;
const WORD_BONUS: f32 = 0.08;
const DISTANCE_COST: f32 = 0.12;
/// A heading-like line that opens the capture and sits right on top of the article
/// is its title: nothing else is there to be. (This is also how a clean body looks,
/// its title first, so cleaning it again keeps the title: the doubling that marked
/// the title in the capture is gone by then.)
const OPENING_BONUS: f32 = 1.0;
/// A long line as dense in function words as prose is a standfirst (the sentence or two
/// under a headline that sums the article up), not the headline: headlines are terse.
/// It can still be the title when nothing else is.
const STANDFIRST_COST: f32 = 1.0;
const STANDFIRST_WORDS: f32 = 14.0;
const STANDFIRST_STOP_RATIO: f32 = 0.35;
/// Under a headline with its article header (a date or byline right below it), the
/// line opening the block is the deck (a subtitle) more often than the headline.
const DECK_COST: f32 = 2.0;
/// A question this long is a standfirst too: a headline asking a question is terse.
const LONG_QUESTION_WORDS: f32 = 20.0;

/// Sentences in a line: a sentence's end (`.`, `?`, `!`) followed by a space and a
/// capital letter starts another. A headline is one sentence at most.
fn sentences(t: &str) -> usize {
    let b = t.as_bytes();
    1 + (1..b.len().saturating_sub(1))
        .filter(|&k| {
            matches!(b[k - 1], b'.' | b'?' | b'!')
                && b[k] == b' '
                && t[k + 1..].chars().next().is_some_and(char::is_uppercase)
        })
        .count()
}

/// Rules whose lines make up an article's header (under its title).
pub const META_RULES: [&str; 6] = [
    "pattern:date",
    "pattern:date-cjk",
    "pattern:byline",
    "pattern:stamp",
    "pattern:read-time",
    "pattern:thread-starter",
];

/// The rule of a forum thread's header ("Thread starter NAME", "Start date ..."): the
/// line right above it is the thread's title, however far above the first post it
/// sits (the posters' profiles, page links and tools come in between).
const THREAD_RULE: &str = "pattern:thread-starter";
/// Non-blank lines above the article searched for a thread's title.
const THREAD_WINDOW: usize = 300;

/// Short, with letters, not ending like a sentence or a label.
pub fn is_heading_like(t: &str) -> bool {
    let t = t.trim();
    // A line has between a quarter of its bytes and all of them in characters: most
    // lines are settled by their length in bytes, without counting (this runs on
    // every line, on every pass of cleaning).
    let len = t.len();
    let fits = if !(2..=4 * MAX_TITLE_CHARS).contains(&len) {
        false
    } else if (8..=MAX_TITLE_CHARS).contains(&len) {
        true
    } else {
        (2..=MAX_TITLE_CHARS).contains(&t.chars().count())
    };
    if !fits || !t.chars().any(char::is_alphabetic) {
        return false;
    }
    let last = t.chars().last().unwrap_or(' ');
    !matches!(last, '.' | ',' | ';' | ':' | '。' | '、' | '|' | '/')
}

/// Hashes of line `i`'s content words (three letters or more, not function words).
fn content_words(f: &Features, i: usize) -> impl Iterator<Item = u64> + '_ {
    f.line_tokens(i)
        .iter()
        .zip(f.line_tags(i))
        .filter(|(_, &tag)| tag == CONTENT)
        .map(|(&h, _)| h)
}

/// Why a line was taken for the title: which of the candidate kinds won (`explain`
/// prints it, so a reviewer sees which rule decided).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// A heading-like line above the article block scored best.
    Above,
    /// The line opening the article block scored best.
    Opening,
    /// A heading inside the block, below lines that were not the article, scored
    /// clearly better than any line above or the block's first line: the article
    /// starts there.
    Inside,
    /// The line right above a forum thread's header ("Thread starter ...").
    Thread,
    /// The best line above ended with this one (a breadcrumb or a site name glued in
    /// front of the headline), which follows it within `UNGLUE_LINES` lines.
    Unglued,
}

impl Why {
    /// One line for `explain`.
    pub fn describe(self) -> &'static str {
        match self {
            Why::Above => "the best heading above the article",
            Why::Opening => "the line opening the article",
            Why::Inside => "a heading inside the block, below lines that are not the article (the article starts there)",
            Why::Thread => "the line above the thread's header",
            Why::Unglued => "the headline alone, which the best line above ended with (a breadcrumb or site name glued in front)",
        }
    }
}

/// The title line, why it was taken, and the article block (its start moved to the
/// title when the title was found inside it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    pub title: Option<usize>,
    pub why: Option<Why>,
    pub block: Option<(usize, usize)>,
}

struct Ctx<'a> {
    doc: &'a Document,
    feats: &'a Features,
    infos: &'a [LineInfo],
    matched: &'a [Option<&'a Rule>],
    stutters: &'a [bool],
    /// The block opens with a heading-like line that shares too little with the
    /// article to be its title (a masthead's tagline, a promotion): the line above it
    /// does not sit "right on top of the article".
    weak_opener: bool,
}

impl Ctx<'_> {
    fn usable(&self, i: usize) -> bool {
        !self.infos[i].blank
            && self.doc.is_kept(i)
            && self.matched[i].is_none()
            && is_heading_like(self.doc.text(i))
    }

    /// Content words of the article text from line `from` to `end`.
    fn lead(&self, from: usize, end: usize) -> HashSet<u64, KeyBuild> {
        let mut lead = HashSet::with_capacity_and_hasher(LEAD_WORDS, KeyBuild::default());
        let mut words = 0;
        for i in from..=end {
            if self.infos[i].blank || !self.doc.is_kept(i) || self.matched[i].is_some() {
                continue;
            }
            for w in content_words(self.feats, i) {
                lead.insert(w);
                words += 1;
            }
            if words >= LEAD_WORDS {
                break;
            }
        }
        lead
    }

    /// Whether a date, byline or time stamp sits right below line `i`.
    fn has_meta(&self, i: usize) -> bool {
        (i + 1..self.infos.len())
            .filter(|&j| !self.infos[j].blank)
            .take(META_LINES)
            .any(|j| self.matched[j].is_some_and(|r| META_RULES.contains(&&*r.id)))
    }

    /// Whether a heading-like line among the [`WINDOW`] non-blank lines above line
    /// `start` has a date, byline or time stamp right below it.
    fn header_above(&self, start: usize) -> bool {
        (0..start)
            .rev()
            .filter(|&i| !self.infos[i].blank)
            .take(WINDOW)
            .any(|i| self.usable(i) && self.has_meta(i))
    }

    /// Whether line `i` reads like a standfirst: long and as dense in function words as
    /// prose. A question is a headline as often ("What is ...?"): not counted.
    fn standfirst(&self, i: usize) -> bool {
        let info = &self.infos[i];
        let text = self.doc.text(i).trim_end();
        !info.cjk
            && info.words >= STANDFIRST_WORDS
            && info.stop_ratio() >= STANDFIRST_STOP_RATIO
            && (!text.ends_with('?') || info.words >= LONG_QUESTION_WORDS || sentences(text) > 1)
    }

    /// Whether the next non-blank line below line `i` is a forum thread's header.
    fn heads_thread(&self, i: usize) -> bool {
        (i + 1..self.infos.len())
            .find(|&j| !self.infos[j].blank)
            .is_some_and(|j| self.matched[j].is_some_and(|r| &*r.id == THREAD_RULE))
    }

    fn score(&self, i: usize, distance: usize, lead: &HashSet<u64, KeyBuild>) -> f32 {
        let own: Vec<u64> = content_words(self.feats, i).collect();
        let overlap = if own.is_empty() {
            0.0
        } else {
            own.iter().filter(|w| lead.contains(w)).count() as f32 / own.len() as f32
        };
        let doubled = self.stutters[i] || self.stutters.get(i + 1) == Some(&true);
        let meta = self.has_meta(i);
        let opening = distance == 1
            && !self.weak_opener
            && (0..i).all(|j| self.infos[j].blank || !self.doc.is_kept(j));
        // One or two words are a section label ("Review") as often as a title.
        let short = if self.infos[i].words < 3.0 { 0.5 } else { 1.0 };
        OVERLAP_WEIGHT * overlap * short
            - if self.standfirst(i) {
                STANDFIRST_COST
            } else {
                0.0
            }
            + if doubled { DOUBLED_BONUS } else { 0.0 }
            + if meta { META_BONUS } else { 0.0 }
            + if opening { OPENING_BONUS } else { 0.0 }
            + WORD_BONUS * self.infos[i].words.min(15.0)
            - DISTANCE_COST * distance as f32
    }
}

/// Chooses the title line for a document whose article block is `block`.
pub fn choose(
    doc: &Document,
    feats: &Features,
    matched: &[Option<&Rule>],
    stutters: &[bool],
    scores: &[f32],
    block: Option<(usize, usize)>,
) -> Choice {
    let Some((start, end)) = block else {
        return Choice {
            title: None,
            why: None,
            block,
        };
    };
    let infos = &feats.lines[..];
    let mut cx = Ctx {
        doc,
        feats,
        infos,
        matched,
        stutters,
        weak_opener: false,
    };
    let lead = cx.lead(start, end);
    let mut best: Option<(f32, usize)> = None;
    let mut consider = |i: usize, s: f32| {
        if s >= MIN_SCORE && best.is_none_or(|(b, _)| s > b) {
            best = Some((s, i));
        }
    };
    let first = (start..=end).find(|&i| !infos[i].blank && doc.is_kept(i));
    // The line opening the block is measured against the text below it, as a line
    // inside the block is: against a lead that holds its own words it would share all
    // of them, and a caption, a standfirst, a promotion or the first subheading would
    // outscore a headline above. (Only when nothing above is a title is it measured
    // against the lead it opens, below: a poem's title, a clean body's first line.)
    let first_own = first
        .filter(|&f| cx.usable(f))
        .map(|f| cx.score(f, 0, &cx.lead(f + 1, end)));
    cx.weak_opener = first_own.is_some_and(|s| s < MIN_SCORE);
    if let (Some(f), Some(own)) = (first, first_own) {
        // Under a headline with its article header (a date or byline right below it),
        // the line opening the block is a deck, a question or a caption.
        let deck = if cx.header_above(start) {
            DECK_COST
        } else {
            0.0
        };
        consider(f, own - deck);
    }
    let mut distance = 0;
    // The nearest line above the block that heads a thread's header.
    let mut thread_title = None;
    for i in (0..start).rev() {
        if infos[i].blank {
            continue;
        }
        distance += 1;
        if thread_title.is_none()
            && distance <= THREAD_WINDOW
            && cx.usable(i)
            && cx.heads_thread(i)
            && cx.score(i, 1, &lead) >= MIN_SCORE
        {
            thread_title = Some(i);
        }
        if distance > WINDOW {
            // Farther up, only a thread's title: scored as if right above the posts.
            if distance > THREAD_WINDOW {
                break;
            }
            if cx.usable(i) && cx.heads_thread(i) {
                consider(i, cx.score(i, 1, &lead));
            }
            continue;
        }
        // Of a doubled line, consider the second copy only.
        if stutters.get(i + 1) == Some(&true) {
            continue;
        }
        if cx.usable(i) {
            consider(i, cx.score(i, distance, &lead));
        }
    }
    if best.is_none() {
        // Nothing above is a title: the heading opening the block is measured against
        // the lead it opens after all (a thread's title whose words the posts do not
        // repeat).
        best = first
            .filter(|&f| cx.usable(f))
            .map(|f| (cx.score(f, 0, &lead), f))
            .filter(|&(s, _)| s >= MIN_SCORE);
    }
    // A standfirst (the deck under a headline) won: the heading right above it, when
    // it names the article's subject too, is the headline. (Of three words at least: a
    // section label such as "Review" sits above a long headline as often.)
    if let Some((s, t)) = best.filter(|&(_, t)| (t < start || Some(t) == first) && cx.standfirst(t))
    {
        if let Some(h) = (0..t).rev().find(|&j| !infos[j].blank).filter(|&h| {
            cx.usable(h)
                && infos[h].words >= UNGLUE_MIN_WORDS
                && !cx.standfirst(h)
                && stutters.get(h + 1) != Some(&true)
                && content_words(feats, h).any(|w| lead.contains(&w))
        }) {
            best = Some((s, h));
        }
    }
    // A breadcrumb or a site name glued in front of the headline ("Home Blog Fitness
    // Top Home Gym Must Haves"): the headline alone, on one of the next lines, is the
    // title. (Its own score is lower only because the glued line shares its words and
    // sits farther from the date or the article.)
    let mut unglued = false;
    if let Some((s, t)) = best.filter(|&(_, t)| t < start) {
        let glued = doc.text(t).trim();
        if let Some(u) = (t + 1..start)
            .filter(|&j| !infos[j].blank)
            .take(UNGLUE_LINES)
            .find(|&j| {
                let plain = doc.text(j).trim();
                cx.usable(j)
                    && infos[j].words >= UNGLUE_MIN_WORDS
                    && plain.len() < glued.len()
                    && glued.ends_with(plain)
                    && !glued[..glued.len() - plain.len()].ends_with(char::is_alphanumeric)
            })
        {
            best = Some((s, u));
            unglued = true;
        }
    }
    // Inside the block, below lines that are all packed (a ticker, a teaser grid) --
    // unless the block already starts with a heading, or the title found above sits
    // right on top of it or carries a full article header (its date or byline): then
    // a later heading is a subheading, and the block is the article from its first
    // line. (The same test must hold on a cleaned body, where the header is gone and
    // the title sits on top of the block: cleaning is idempotent.)
    let outside_best = best;
    let mut inside: Option<(f32, usize)> = None;
    // A line opening the block that shares too little with the article to be a title
    // (a promotion, a call to action) is not the heading the article starts with, and
    // a heading below it may be.
    let starts_with_heading = first_own.is_some_and(|s| s >= MIN_SCORE);
    // (A masthead's tagline or a promotion opening the block is not the article's
    // first line: a title right on top of it is no article's.)
    let header_above = outside_best.is_some_and(|(_, t)| {
        t < start
            && (cx.has_meta(t)
                || (!cx.weak_opener && first.is_some_and(|f| (t + 1..f).all(|j| infos[j].blank))))
    });
    let search_from = if starts_with_heading || header_above {
        end + 1
    } else {
        first.map_or(start, |f| f + 1)
    };
    for i in search_from..=end {
        if infos[i].blank || !doc.is_kept(i) {
            continue;
        }
        if infos[i].isolated && matched[i].is_none() && scores[i] >= PARAGRAPH_SCORE {
            break; // the article has already started
        }
        if !cx.usable(i) || stutters.get(i + 1) == Some(&true) || is_list_item(infos, i) {
            continue;
        }
        let s = cx.score(i, 0, &cx.lead(i + 1, end));
        let bar = outside_best.map_or(MIN_SCORE, |(b, t)| {
            // The first line won only on the words it shares with itself.
            let b = if Some(t) == first {
                first_own.unwrap_or(b)
            } else {
                b
            };
            b.max(MIN_SCORE)
        }) + INSIDE_MARGIN;
        if s >= bar && inside.is_none_or(|(b, _)| s > b) {
            inside = Some((s, i));
        }
    }
    if let Some(t) = thread_title {
        // A thread's header names its title: no line of the posters' profiles or of
        // the posts, where the block may open, is a better one.
        return Choice {
            title: Some(t),
            why: Some(Why::Thread),
            block,
        };
    }
    match inside {
        Some((_, t)) => Choice {
            title: Some(t),
            why: Some(Why::Inside),
            block: Some((t, end)),
        },
        None => Choice {
            title: best.map(|(_, i)| i),
            why: best.map(|(_, i)| match i {
                _ if unglued => Why::Unglued,
                i if i < start => Why::Above,
                _ => Why::Opening,
            }),
            block,
        },
    }
}

/// Whether line `i` opens one item of a list of like items: its packed run of lines
/// is as long as the run right above it and the run right below it (a teaser's
/// heading and blurb between two others). Such a line heads its item, not the page:
/// what follows it is the next item, not an article.
fn is_list_item(infos: &[LineInfo], i: usize) -> bool {
    let n = infos.len();
    if i > 0 && !infos[i - 1].blank {
        return false;
    }
    let run_from = |s: usize| (s..n).take_while(|&j| !infos[j].blank).count();
    let len = run_from(i);
    if len < 2 {
        return false;
    }
    let above_end = (0..i).rev().find(|&j| !infos[j].blank);
    let above = above_end.map_or(0, |e| {
        (0..=e).rev().take_while(|&j| !infos[j].blank).count()
    });
    let below_start = (i + len..n).find(|&j| !infos[j].blank);
    let below = below_start.map_or(0, run_from);
    above == len && below == len
}

#[cfg(test)]
mod tests {
    use super::{is_list_item, sentences};
    use crate::document::Document;
    use crate::stage::features::document_features;

    #[test]
    fn a_heading_between_like_items_is_a_list_item_and_a_headline_over_paragraphs_is_not() {
        let list = Document::from_lines([
            "First item",
            "Its blurb.",
            "",
            "Second item",
            "Its blurb.",
            "",
            "Third item",
            "Its blurb.",
        ]);
        let infos = document_features(&list).lines;
        assert!(is_list_item(&infos, 3));
        // The first and last items have no like item on one side.
        assert!(!is_list_item(&infos, 0) && !is_list_item(&infos, 6));
        let article = Document::from_lines([
            "Teaser one",
            "Its blurb.",
            "",
            "The headline",
            "A deck under it.",
            "",
            "The first paragraph of the article, on its own.",
        ]);
        assert!(!is_list_item(&document_features(&article).lines, 3));
    }

    #[test]
    fn sentences_are_counted_at_an_end_mark_before_a_capital() {
        assert_eq!(sentences("Why did the night trains stop?"), 1);
        assert_eq!(
            sentences("Choosing a builder: WordPress vs. everything else"),
            1
        );
        assert_eq!(
            sentences("Ten years ago nobody mulched. Today everyone does. Why?"),
            3
        );
        assert_eq!(
            sentences("Il y a vingt ans. Aujourd'hui le paillage est partout"),
            2
        );
        assert_eq!(sentences("Прошлым летом. Этим летом"), 2);
        assert_eq!(sentences("Version 2.0 is out"), 1);
    }
}
