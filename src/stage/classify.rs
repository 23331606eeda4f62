//! The chrome classifier: where is the article, and what around and inside it is chrome.
//!
//! A capture is the article surrounded by the site's chrome, in reading order. The
//! classifier scores every line, finds the article as the highest-scoring contiguous
//! block of lines (Finn et al.'s body text extraction, on lines instead of tokens),
//! and removes everything outside it, plus the rule-matched and stuttered lines
//! inside it. All the features and weights are in [`Weights`], documented in one
//! place.
//!
//! **Line scores.** A line of prose (enough words, a sensible share of function words,
//! ending like a sentence, or simply long) scores its word count: the more text, the
//! more evidence of the article. It scores half as much when it is packed between
//! other lines instead of standing alone between blank lines, because captures render
//! paragraphs with blank lines around them while teaser grids and lists come out as
//! runs of lines. Short lines score a little when they stand alone (subheadings,
//! one-line paragraphs) and cost a little when packed (menus); each further line of a
//! packed run of short lines costs more, so long menus and link lists become walls the
//! article block does not cross. Lines matched by a chrome rule cost more still.
//!
//! **Markers.** A rule of kind `comments` (a comment section's heading) or `related`
//! (a related/recent/popular list's heading) ends the article: the block cannot cross
//! it, and once an article-sized block has been seen, everything after such a marker
//! (or after a `footer` rule) is discounted, so a long comment thread or footer cannot
//! outscore the article above it. A `related` heading followed within a few lines by a
//! real paragraph is an inline box inside the article instead, and the block runs on.
//!
//! **Listings.** Teaser lists, search results and comment threads repeat a small
//! pattern in which a date or a byline recurs every few lines. Such a span ends the
//! article like a comments heading, and its lines count for little, unless it is the
//! page's content: a page with no article-sized prose outside its listings (an index
//! of dated posts, a newsroom's list) keeps them.
//!
//! **Threads.** A forum thread's posts are found by their numbers ("#1", "#2", "#3")
//! or by a profile template printed once per post. Inside a thread a post's metadata
//! (dates, counts, "Reply", a quote's header) is still removed, but it costs nothing
//! and ends nothing, so every post joins the block (see `Classifier::threads`).
//!
//! **Decisions.** Outside the block: the title (see [`crate::stage::title`]) is kept;
//! every other line is removed as a stutter, a rule match, part of a navigation run
//! (three or more consecutive non-blank lines) or simply outside the article. Inside
//! the block: rule matches and stutters are removed (a doubled line between other short
//! lines, as in a poem or a song, is kept), everything else is kept.

use std::sync::Arc;

use crate::document::{Document, Reason};
use crate::stage::features::{self, LineInfo};
use crate::stage::rules::{Rule, RuleKind, Rules};
use crate::stage::{stutter, title};

/// Every weight and threshold of the classifier. Scores are in "words of evidence":
/// a line of prose adds its word count, chrome subtracts.
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    /// A line ending like a sentence is prose from this many words.
    pub sentence_words: f32,
    /// Any line is prose from this many words (if its function-word share allows).
    pub long_words: f32,
    /// Prose needs at least this share of function words (jusText's stopword density;
    /// CJK text is exempt). Tag clouds and link lists have none.
    pub min_stop_ratio: f32,
    /// Prose packed between other lines counts this fraction of its words.
    pub packed_prose_factor: f32,
    /// A short line standing alone scores `factor × words − penalty`.
    pub isolated_short_factor: f32,
    pub isolated_short_penalty: f32,
    /// A short packed line costs this much...
    pub packed_short_penalty: f32,
    /// ...plus this much for each line before it in the same packed run...
    pub run_penalty: f32,
    /// ...counting at most this many lines.
    pub run_cap: usize,
    /// A short packed line that reads like verse (function words, few capitals) scores
    /// `factor × words − penalty` instead, so poems and lyrics are not menus.
    pub verse_factor: f32,
    pub verse_penalty: f32,
    /// A short packed line that is not a menu label (digits, inner punctuation or
    /// lower-case words: a list item or table row) costs only this much, and does not
    /// count towards a run.
    pub list_penalty: f32,
    /// An item of a numbered list (`1) ...`, `2. ...`) or a table row (tab-separated
    /// cells) scores this much: both are content far more often than chrome.
    pub numbered_score: f32,
    /// A line matched by a `chrome` or `footer` rule costs this much.
    pub chrome_penalty: f32,
    /// A `comments` or `related` heading costs this much (it also ends the block).
    pub marker_penalty: f32,
    /// Blocks after an end marker count this fraction of their score...
    pub after_end_factor: f32,
    /// ...once a block of at least this score has been seen before the marker.
    pub min_article_score: f32,
    /// A `related` heading is an inline box if a line scoring at least
    /// `inline_resume_score` follows within `inline_lookahead` non-blank lines.
    pub inline_lookahead: usize,
    pub inline_resume_score: f32,
    /// Lines of at most this many words count as short neighbours when deciding
    /// whether a doubled line is part of a poem.
    pub verse_neighbour_words: f32,
    /// A listing (teasers, search results, a comment thread) shows itself by item
    /// metadata (dates, bylines) recurring every few lines: at least `listing_min_dates` of them,
    /// each within `listing_max_gap` non-blank lines of the previous. A listing ends
    /// the article like a comments heading, and its lines count `listing_factor` of
    /// their score.
    pub listing_min_dates: usize,
    pub listing_max_gap: usize,
    pub listing_factor: f32,
    /// Listing items are a title and perhaps a sentence of teaser; a stretch between
    /// two dates holding at least this many words of prose is an article (its own
    /// byline and date above it), and breaks the listing there.
    pub listing_max_item_prose: f32,
    /// An article header (a heading-like line with a date, byline or time stamp
    /// within `header_meta_lines` lines below it) anchors the article: the best block
    /// starting within `header_window` non-blank lines after it wins if it scores at
    /// least `header_ratio` of the best block overall.
    pub header_meta_lines: usize,
    pub header_window: usize,
    pub header_ratio: f32,
    /// Records (forum posts, listing items, product specifications) are separated by
    /// the same short line again and again ("View Profile", "Add to cart", a price
    /// shaped like every other price): a line of at most `furniture_max_words` words
    /// whose shape (lower-cased, digits as `#`) recurs at least `furniture_min_repeats`
    /// times, each time `furniture_min_gap`..=`furniture_max_gap` non-blank lines after
    /// the previous, is record furniture. It scores nothing and is removed, and it does
    /// not lengthen a packed run. A menu repeats nothing at such spacing; a menu split
    /// by separators (`|`) repeats them on every other line, below the minimum gap, and
    /// a mega-menu's repeated "All" links enclose nothing but menu labels, while every
    /// record holds a line of its own that is not a label.
    pub furniture_max_words: f32,
    pub furniture_min_repeats: usize,
    pub furniture_min_gap: usize,
    pub furniture_max_gap: usize,
    /// Between the first and last furniture line of a shape, the records' own short
    /// lines (a spec value, a one-line post) score this much instead of counting as a
    /// menu, so a list of records is content, not a wall; labels (a poster's name, an
    /// item's title) score nothing, so a menu bridged by furniture gains nothing.
    pub record_line_score: f32,
    /// Every record holds a line of at least this many words that is not a label.
    pub record_content_words: f32,
    /// A page whose best block scores under `weak_block_score` has no article: it is
    /// made of short pieces (a guide's steps, a service page's cards, a list's items)
    /// that the walls of short lines between them cut apart. There, every negative
    /// line score but an end marker's counts `weak_wall_factor` of itself, and the
    /// block is found again. Articles, which hold an article-sized block, are not
    /// touched.
    pub weak_block_score: f32,
    pub weak_wall_factor: f32,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            sentence_words: 8.0,
            long_words: 20.0,
            min_stop_ratio: 0.2,
            packed_prose_factor: 0.5,
            isolated_short_factor: 0.5,
            isolated_short_penalty: 1.0,
            packed_short_penalty: 5.0,
            run_penalty: 2.0,
            run_cap: 4,
            verse_factor: 0.5,
            verse_penalty: 1.5,
            list_penalty: 1.0,
            numbered_score: 1.0,
            chrome_penalty: 10.0,
            marker_penalty: 30.0,
            after_end_factor: 0.2,
            min_article_score: 40.0,
            inline_lookahead: 6,
            inline_resume_score: 15.0,
            verse_neighbour_words: 12.0,
            listing_min_dates: 3,
            listing_max_gap: 8,
            listing_factor: 0.2,
            listing_max_item_prose: 50.0,
            header_meta_lines: 3,
            header_window: 8,
            header_ratio: 0.5,
            furniture_max_words: 6.0,
            furniture_min_repeats: 3,
            furniture_min_gap: 3,
            furniture_max_gap: 40,
            record_line_score: 0.5,
            record_content_words: 3.0,
            weak_block_score: 60.0,
            weak_wall_factor: 0.5,
        }
    }
}

/// Shared rule names for the removals the classifier makes itself.
#[derive(Debug, Clone)]
struct Names {
    stutter: Arc<str>,
    nav_run: Arc<str>,
    outside: Arc<str>,
    furniture: Arc<str>,
}

impl Default for Names {
    fn default() -> Self {
        Names {
            stutter: Arc::from("stutter"),
            nav_run: Arc::from("nav-run"),
            outside: Arc::from("outside-article"),
            furniture: Arc::from("record-furniture"),
        }
    }
}

/// What the classifier saw, for `explain` and tests.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    pub scores: Vec<f32>,
    pub block: Option<(usize, usize)>,
    pub title: Option<usize>,
    /// Why the title line was taken (`None` without a title).
    pub title_why: Option<title::Why>,
    /// The page had no article-sized block (its best block scored under
    /// [`Weights::weak_block_score`]), so its walls were softened before the block was
    /// found again: `scores` are the softened ones. `explain` says so, because a line
    /// kept or lost on such a page was decided under the softer rule.
    pub weak: Option<WeakPage>,
}

/// Why a page was treated as weak: what its best block scored before the walls were
/// softened, against the threshold it missed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeakPage {
    /// The best block's score with the strict walls (0 when there was no block).
    pub best_score: f32,
    /// [`Weights::weak_block_score`] at the time.
    pub threshold: f32,
}

/// The classifier: rules plus weights.
#[derive(Debug, Clone, Default)]
pub struct Classifier {
    pub rules: Rules,
    pub weights: Weights,
    names: Names,
}

impl Classifier {
    pub fn new(rules: Rules, weights: Weights) -> Self {
        Classifier {
            rules,
            weights,
            names: Names::default(),
        }
    }

    /// Finds the article in `doc` and marks every other line removed with its reason.
    pub fn run(&self, doc: &mut Document) -> Analysis {
        let feats = features::document_features(doc);
        self.run_with(doc, &feats)
    }

    /// [`Classifier::run`] with the features already computed.
    pub fn run_with(&self, doc: &mut Document, feats: &features::Features) -> Analysis {
        let matched = self.match_lines(doc, feats, |i| self.rules.match_line(doc.text(i)));
        self.run_matched(doc, feats, matched)
    }

    /// The rule matching each kept, non-blank line, from `rule_of(line)`.
    pub fn match_lines<'r>(
        &'r self,
        doc: &Document,
        feats: &features::Features,
        rule_of: impl Fn(usize) -> Option<&'r Rule>,
    ) -> Vec<Option<&'r Rule>> {
        (0..doc.len())
            .map(|i| {
                if feats.lines[i].blank || !doc.is_kept(i) {
                    None
                } else {
                    rule_of(i)
                }
            })
            .collect()
    }

    /// [`Classifier::run_with`] with each line's rule already matched.
    pub fn run_matched(
        &self,
        doc: &mut Document,
        feats: &features::Features,
        matched: Vec<Option<&Rule>>,
    ) -> Analysis {
        let infos = &feats.lines[..];
        let mut listing = self.listings(infos, &matched);
        let thread = self.threads(doc, infos, &matched, &mut listing);
        let mut records = self.records(doc, infos, &matched, &listing);
        let find = |records: &[Record]| {
            let mut scores = self.scores(doc, infos, &matched, records, &thread);
            for (s, &l) in scores.iter_mut().zip(&listing) {
                if l && *s > 0.0 {
                    *s *= self.weights.listing_factor;
                }
            }
            let ends = self.end_markers(&scores, infos, &matched, &listing, &thread);
            let mut block = self.best_block(&scores, &matched, &ends);
            let block_score = |b: Option<(usize, usize)>, scores: &[f32]| {
                b.map_or(0.0, |(s, e)| scores[s..=e].iter().sum::<f32>())
            };
            let mut weak = None;
            let best_score = block_score(block, &scores);
            if best_score < self.weights.weak_block_score {
                // No article-sized block: a page made of short pieces (steps, cards,
                // items), whose walls of short lines split its content.
                weak = Some(WeakPage {
                    best_score,
                    threshold: self.weights.weak_block_score,
                });
                let mut soft = false;
                for (i, s) in scores.iter_mut().enumerate() {
                    let marker = matched[i]
                        .is_some_and(|r| matches!(r.kind, RuleKind::Comments | RuleKind::Related));
                    if *s < 0.0 && !marker {
                        *s *= self.weights.weak_wall_factor;
                        soft = true;
                    }
                }
                if soft {
                    block = self.best_block(&scores, &matched, &ends);
                }
            }
            if let Some(anchored) = self.anchored_block(
                doc, &scores, infos, &matched, &listing, &thread, &ends, block,
            ) {
                block = Some(anchored);
            }
            (scores, block, weak)
        };
        let (mut scores, mut block, mut weak) = find(&records);
        if records.iter().any(|&r| r != Record::None) {
            // Records extend the prose block or stand in for a missing one; they never
            // displace an article (a teaser list whose items share a section label is
            // records too).
            let (prose_scores, prose_block, prose_weak) = find(&vec![Record::None; records.len()]);
            if let Some((ps, pe)) = prose_block {
                let prose_score: f32 = prose_scores[ps..=pe].iter().sum();
                let covers = block.is_some_and(|(s, e)| s <= ps && pe <= e);
                if !covers && prose_score >= self.weights.min_article_score {
                    (scores, block, weak) = (prose_scores, prose_block, prose_weak);
                    records.fill(Record::None);
                }
            }
        }
        let stutters = stutter::second_of_pairs(doc);
        let title::Choice {
            title,
            why,
            block: moved,
        } = title::choose(doc, feats, &matched, &stutters, &scores, block);
        // A heading inside the block starts the article there, unless what it cuts off
        // reaches into a thread: a thread's posts and a list's items are all the page's
        // content, the ones above a heading-like item too.
        let block = match (block, moved) {
            (Some((start, _)), Some((from, end)))
                if from > start && thread[start..from].contains(&true) =>
            {
                Some((start, end))
            }
            _ => moved,
        };
        // A line repeated on every record ("Member since 2019") heads nothing.
        let title = title.filter(|&t| records[t] != Record::Furniture);
        let title_why = title.and(why);
        self.decide(doc, infos, &matched, &stutters, &records, block, title);
        Analysis {
            scores,
            block,
            title,
            title_why,
            weak,
        }
    }

    fn scores(
        &self,
        doc: &Document,
        infos: &[LineInfo],
        matched: &[Option<&Rule>],
        records: &[Record],
        thread: &[bool],
    ) -> Vec<f32> {
        let w = &self.weights;
        let n = infos.len();
        let mut scores = vec![0.0f32; n];
        for i in 0..n {
            if infos[i].blank || records[i] == Record::Furniture {
                continue;
            }
            scores[i] = if !doc.is_kept(i) {
                // Inside a thread, a line removed before (a post quoting another) is
                // the post's too.
                if thread[i] {
                    0.0
                } else {
                    -w.chrome_penalty
                }
            } else if thread[i]
                && matched[i]
                    .is_some_and(|r| r.kind == RuleKind::Chrome || LISTING_RULES.contains(&&*r.id))
            {
                // A post's metadata: its date, byline, counts, "Reply" (see
                // `Classifier::threads`).
                0.0
            } else if let Some(rule) = matched[i] {
                match rule.kind {
                    RuleKind::Chrome | RuleKind::Footer => -w.chrome_penalty,
                    RuleKind::Comments | RuleKind::Related => -w.marker_penalty,
                }
            } else if records[i] == Record::Item {
                let own = if infos[i].is_label() {
                    0.0
                } else {
                    w.record_line_score
                };
                self.line_score(&infos[i]).max(own)
            } else {
                self.line_score(&infos[i])
            };
        }
        // A short line right on top of a table is its heading ("Specifications" over
        // the rows of a product's data sheet): it scores like a row.
        for i in 0..n.saturating_sub(1) {
            let heads_table = !infos[i].blank
                && !infos[i].table_row
                && matched[i].is_none()
                && doc.is_kept(i)
                && scores[i] < w.numbered_score
                && infos[i + 1].table_row
                && matched[i + 1].is_none();
            if heads_table {
                scores[i] = w.numbered_score;
            }
        }
        // Each further line of a packed run of negative lines costs more (record
        // furniture is transparent: it neither extends nor breaks a run).
        let mut run = 0usize;
        for i in 0..n {
            if records[i] == Record::Furniture {
                continue;
            }
            if infos[i].blank {
                run = 0;
            } else if scores[i] < 0.0 && !infos[i].isolated && scores[i] != -w.list_penalty {
                if run > 0 {
                    scores[i] -= w.run_penalty * run.min(w.run_cap) as f32;
                }
                run += 1;
            } else {
                run = 0;
            }
        }
        scores
    }

    /// A line of running text: enough words, ending like a sentence or simply long,
    /// with a sensible share of function words.
    fn is_prose(&self, info: &LineInfo) -> bool {
        let w = &self.weights;
        let language_ok = info.cjk || info.stop_ratio() >= w.min_stop_ratio;
        language_ok
            && ((info.sentence_end && info.words >= w.sentence_words) || info.words >= w.long_words)
    }

    /// The evidence one unmatched line gives for being article text.
    pub fn line_score(&self, info: &LineInfo) -> f32 {
        let w = &self.weights;
        if self.is_prose(info) {
            return if info.isolated {
                info.words
            } else {
                info.words * w.packed_prose_factor
            };
        }
        if info.numbered || info.table_row {
            return w.numbered_score;
        }
        if info.isolated {
            return info.words * w.isolated_short_factor - w.isolated_short_penalty;
        }
        if is_verse(info, w) {
            return info.words * w.verse_factor - w.verse_penalty;
        }
        if !info.is_label() {
            return -w.list_penalty;
        }
        -w.packed_short_penalty
    }

    /// Finds record furniture and the record lists it separates (see
    /// [`Weights::furniture_max_words`]).
    fn records(
        &self,
        doc: &Document,
        infos: &[LineInfo],
        matched: &[Option<&Rule>],
        listing: &[bool],
    ) -> Vec<Record> {
        let mut out = vec![Record::None; infos.len()];
        for series in self.furniture_series(doc, infos, matched, listing) {
            for j in series[0]..=series[series.len() - 1] {
                if out[j] == Record::None && !infos[j].blank {
                    out[j] = Record::Item;
                }
            }
            for &j in &series {
                out[j] = Record::Furniture;
            }
        }
        out
    }

    /// The posts of a thread, found two ways:
    ///
    /// - **numbered posts**: lines holding only a post number ("#1", "#2", "#3"), at
    ///   least three numbered one after another (see [`numbered_posts`]);
    /// - **a profile template**: two different unmatched furniture lines ("Joined",
    ///   "Messages") that recur together, the same number of times and always the same
    ///   number of lines apart, printed once per post (a teaser list's section kickers,
    ///   "AUTO NEWS", "REVIEWS", come in any order).
    ///
    /// A thread is not a listing: a post carries its poster's join date beside its own,
    /// so its dates recur as densely as a teaser list's, and the listing rule would
    /// discount the posts and end the article at the first one. Every listing span that
    /// meets a thread is cleared (and joins the thread), and inside a thread a line
    /// matched by a chrome rule (a date, a byline, a post's counts, its "Reply") costs
    /// nothing: it is a post's metadata, removed by its rule, not a wall between the
    /// posts.
    ///
    /// And a page whose prose all lies inside its listings (no article-sized stretch of
    /// prose outside them) is a list of dated items, a thread or an index of posts:
    /// its listings are its content, so they become thread too rather than ending an
    /// article that the page does not have.
    fn threads(
        &self,
        doc: &Document,
        infos: &[LineInfo],
        matched: &[Option<&Rule>],
        listing: &mut [bool],
    ) -> Vec<bool> {
        let n = infos.len();
        let mut thread = vec![false; n];
        if let Some((first, last)) = numbered_posts(doc, infos) {
            thread[first..=last].fill(true);
        }
        // Without a date or byline there is no template or listing to find.
        if matched
            .iter()
            .any(|m| m.is_some_and(|r| LISTING_RULES.contains(&&*r.id)))
        {
            self.template_threads(doc, infos, matched, &mut thread);
        }
        if self.listings_are_content(infos, matched, listing) {
            for (l, t) in listing.iter_mut().zip(thread.iter_mut()) {
                *t |= std::mem::take(l);
            }
        }
        // A listing span that meets a thread is the thread's.
        let mut start = 0;
        while start < n {
            if !listing[start] {
                start += 1;
                continue;
            }
            let end = (start..n).find(|&j| !listing[j]).unwrap_or(n);
            if thread[start..end].contains(&true) {
                listing[start..end].fill(false);
                thread[start..end].fill(true);
            }
            start = end;
        }
        // A page holds one thread: the posts between two found apart (one whose
        // template broke, under a signature or an edit note) are its posts too.
        if let (Some(first), Some(last)) = (
            thread.iter().position(|&t| t),
            thread.iter().rposition(|&t| t),
        ) {
            thread[first..=last].fill(true);
            listing[first..=last].fill(false);
        }
        thread
    }

    /// Marks the spans of threads found by their profile template (see
    /// [`Classifier::threads`]).
    fn template_threads(
        &self,
        doc: &Document,
        infos: &[LineInfo],
        matched: &[Option<&Rule>],
        thread: &mut [bool],
    ) {
        let n = infos.len();
        let series: Vec<Vec<usize>> = self
            .furniture_series(doc, infos, matched, &vec![false; n])
            .into_iter()
            .filter(|s| matched[s[0]].is_none())
            .collect();
        if series.len() < 2 {
            return;
        }
        let mut ordinal = vec![0usize; n];
        let mut k = 0usize;
        for (o, info) in ordinal.iter_mut().zip(infos) {
            *o = k;
            k += usize::from(!info.blank);
        }
        for (a, sa) in series.iter().enumerate() {
            for sb in &series[a + 1..] {
                let offset = |x: usize, y: usize| ordinal[y] as isize - ordinal[x] as isize;
                let together = sa.len() == sb.len()
                    && sa
                        .iter()
                        .zip(sb)
                        .all(|(&x, &y)| offset(x, y) == offset(sa[0], sb[0]));
                // A post says something: most items hold a line of prose (a job board's
                // cards, under the same kind of template, hold only labels and values).
                let prose_items = sa
                    .windows(2)
                    .filter(|p| (p[0] + 1..p[1]).any(|j| self.is_prose(&infos[j])))
                    .count();
                if together && prose_items * 2 >= sa.len() - 1 {
                    let (first, last) = (sa[0].min(sb[0]), sa[sa.len() - 1].max(sb[sb.len() - 1]));
                    thread[first..=last].fill(true);
                }
            }
        }
    }

    /// Whether the page has listings and no stretch of prose outside them worth an
    /// article ([`Weights::min_article_score`] words of unmatched prose between two
    /// listings, or before the first, or after the last).
    fn listings_are_content(
        &self,
        infos: &[LineInfo],
        matched: &[Option<&Rule>],
        listing: &[bool],
    ) -> bool {
        if !listing.contains(&true) {
            return false;
        }
        let mut stretch = 0.0f32;
        for (i, info) in infos.iter().enumerate() {
            if listing[i] {
                stretch = 0.0;
            } else if matched[i].is_none() && self.is_prose(info) {
                stretch += info.words;
                if stretch >= self.weights.min_article_score {
                    return false;
                }
            }
        }
        true
    }

    /// The series of record furniture: the lines of one shape recurring within the
    /// allowed gaps, each series in line order (see [`Weights::furniture_max_words`]).
    fn furniture_series(
        &self,
        doc: &Document,
        infos: &[LineInfo],
        matched: &[Option<&Rule>],
        listing: &[bool],
    ) -> Vec<Vec<usize>> {
        let w = &self.weights;
        let n = infos.len();
        let mut out = Vec::new();
        // Position of each non-blank line among the non-blank lines.
        let mut ordinal = vec![0usize; n];
        // The candidates' shapes, written one after another into one string (each
        // candidate's span of it, and its line): grouped by sorting, not by a map of
        // owned strings, since this runs on every pass of cleaning.
        let mut arena = String::new();
        let mut spans: Vec<(usize, usize, usize)> = Vec::new();
        let mut k = 0usize;
        for i in 0..n {
            if infos[i].blank {
                continue;
            }
            ordinal[i] = k;
            k += 1;
            // Markers keep their meaning; dates and bylines recurring are the listing
            // rule's (a teaser list), not records, and so is every line of a listing:
            // the section kicker on each dated teaser ("AUTO NEWS", "REVIEWS") is a
            // repeated short line too, and taking it for furniture would make the
            // teasers records that join the article below them.
            let marker = matched[i]
                .is_some_and(|r| r.kind != RuleKind::Chrome || LISTING_RULES.contains(&&*r.id));
            if !doc.is_kept(i) || marker || infos[i].words > w.furniture_max_words || listing[i] {
                continue;
            }
            let start = arena.len();
            shape_into(doc.text(i), &mut arena);
            spans.push((start, arena.len(), i));
        }
        spans.sort_unstable_by(|a, b| arena[a.0..a.1].cmp(&arena[b.0..b.1]).then(a.2.cmp(&b.2)));
        // The lines of each shape, in line order; the shapes by their first line.
        let mut shapes: Vec<Vec<usize>> = spans
            .chunk_by(|a, b| arena[a.0..a.1] == arena[b.0..b.1])
            .map(|group| group.iter().map(|s| s.2).collect())
            .collect();
        shapes.sort_unstable();
        for lines in shapes {
            // Split the occurrences into series spaced within the allowed gaps.
            let mut series: Vec<usize> = Vec::new();
            let flush = |series: &mut Vec<usize>, out: &mut Vec<Vec<usize>>| {
                if series.len() >= w.furniture_min_repeats {
                    out.push(std::mem::take(series));
                }
                series.clear();
            };
            // A record holds some content of its own: a line of a few words that is not
            // a menu label.
            let content_between = |a: usize, b: usize| {
                (a + 1..b).any(|j| {
                    !infos[j].blank
                        && matched[j].is_none()
                        && doc.is_kept(j)
                        && !infos[j].is_label()
                        && infos[j].words >= w.record_content_words
                })
            };
            for &i in &lines {
                if let Some(&last) = series.last() {
                    let gap = ordinal[i] - ordinal[last];
                    if gap < w.furniture_min_gap
                        || gap > w.furniture_max_gap
                        || !content_between(last, i)
                    {
                        flush(&mut series, &mut out);
                    }
                }
                series.push(i);
            }
            flush(&mut series, &mut out);
        }
        out
    }

    /// Marks the lines of listings: spans from the first to the last of a group of
    /// date/byline lines recurring every few lines.
    fn listings(&self, infos: &[LineInfo], matched: &[Option<&Rule>]) -> Vec<bool> {
        let w = &self.weights;
        let mut out = vec![false; infos.len()];
        let mut group: Vec<usize> = Vec::new();
        let mut gap = 0usize;
        let mut prose_words = 0.0f32;
        let flush = |group: &mut Vec<usize>, out: &mut Vec<bool>| {
            if group.len() >= w.listing_min_dates {
                for o in &mut out[group[0]..=group[group.len() - 1]] {
                    *o = true;
                }
            }
            group.clear();
        };
        for i in 0..infos.len() {
            if infos[i].blank {
                continue;
            }
            let dated = matched[i].is_some_and(|r| LISTING_RULES.contains(&&*r.id));
            if dated {
                if !group.is_empty()
                    && (gap > w.listing_max_gap || prose_words >= w.listing_max_item_prose)
                {
                    flush(&mut group, &mut out);
                }
                group.push(i);
                gap = 0;
                prose_words = 0.0;
            } else {
                gap += 1;
                if self.is_prose(&infos[i]) {
                    prose_words += infos[i].words;
                }
            }
        }
        flush(&mut group, &mut out);
        out
    }

    /// The lines where an article must end: comment headings, related headings that
    /// do not open an inline box, and the starts of listings.
    fn end_markers(
        &self,
        scores: &[f32],
        infos: &[LineInfo],
        matched: &[Option<&Rule>],
        listing: &[bool],
        thread: &[bool],
    ) -> Vec<bool> {
        (0..scores.len())
            .map(|i| {
                let listing_starts = listing[i] && (i == 0 || !listing[i - 1]);
                // Inside a thread, a quote's header ("Ann said:") is a post's.
                let quote =
                    thread[i] && matched[i].is_some_and(|r| LISTING_RULES.contains(&&*r.id));
                listing_starts
                    || match matched[i].map(|r| r.kind) {
                        Some(RuleKind::Comments) => !quote,
                        Some(RuleKind::Related) => !self.inline_box(i, scores, infos, matched),
                        _ => false,
                    }
            })
            .collect()
    }

    /// The maximum-sum block, with end markers (see the module doc).
    fn best_block(
        &self,
        scores: &[f32],
        matched: &[Option<&Rule>],
        ends: &[bool],
    ) -> Option<(usize, usize)> {
        let w = &self.weights;
        let mut best = (0.0f32, None);
        let mut seen_article = 0.0f32;
        let (mut cur, mut start) = (0.0f32, 0usize);
        let mut after_end = false;
        for i in 0..scores.len() {
            let kind = matched[i].map(|r| r.kind);
            let ends = ends[i];
            if (ends || kind == Some(RuleKind::Footer)) && seen_article >= w.min_article_score {
                after_end = true;
            }
            if ends {
                cur = 0.0;
                start = i + 1;
                continue;
            }
            if cur <= 0.0 {
                cur = 0.0;
                start = i;
            }
            cur += scores[i];
            seen_article = seen_article.max(cur);
            let value = if after_end {
                cur * w.after_end_factor
            } else {
                cur
            };
            if value > best.0 {
                best = (value, Some((start, i)));
            }
        }
        best.1
    }

    /// The best block right after an article header, when it is strong enough to beat
    /// `best` (see [`Weights::header_ratio`]).
    #[allow(clippy::too_many_arguments)]
    fn anchored_block(
        &self,
        doc: &Document,
        scores: &[f32],
        infos: &[LineInfo],
        matched: &[Option<&Rule>],
        listing: &[bool],
        thread: &[bool],
        ends: &[bool],
        best: Option<(usize, usize)>,
    ) -> Option<(usize, usize)> {
        let w = &self.weights;
        let (bs, be) = best?;
        let best_score: f32 = scores[bs..=be].iter().sum();
        let n = infos.len();
        let next_nonblank = |from: usize, count: usize| {
            (from..n)
                .filter(|&j| !infos[j].blank)
                .take(count)
                .collect::<Vec<_>>()
        };
        let mut found: Option<(f32, (usize, usize))> = None;
        for h in 0..n {
            if infos[h].blank
                || listing[h]
                || matched[h].is_some()
                || !doc.is_kept(h)
                || !title::is_heading_like(doc.text(h))
            {
                continue;
            }
            let below = next_nonblank(h + 1, w.header_meta_lines);
            let Some(&last_meta) = below
                .iter()
                .rev()
                .find(|&&j| matched[j].is_some_and(|r| title::META_RULES.contains(&&*r.id)))
            else {
                continue;
            };
            // A post's or an item's header in a thread heads one of many: it anchors
            // no article.
            if thread[last_meta] {
                continue;
            }
            // The best block starting within the window after the header's metadata.
            for s0 in next_nonblank(last_meta + 1, w.header_window) {
                let (mut sum, mut top, mut top_end) = (0.0f32, f32::MIN, s0);
                for e in s0..n {
                    if ends[e] && e > s0 && !(listing[e] && listing[s0]) {
                        break;
                    }
                    sum += scores[e];
                    if sum > top {
                        top = sum;
                        top_end = e;
                    }
                }
                if top >= w.header_ratio * best_score && found.is_none_or(|(f, _)| top > f) {
                    found = Some((top, (s0, top_end)));
                }
            }
        }
        found.map(|(_, b)| b).filter(|&b| b != (bs, be))
    }

    /// Whether a `related` heading at `i` opens a box inside the article: after the
    /// packed run of links right below it (a box is one run of lines), a real
    /// paragraph resumes within a few lines.
    fn inline_box(
        &self,
        i: usize,
        scores: &[f32],
        infos: &[LineInfo],
        matched: &[Option<&Rule>],
    ) -> bool {
        let w = &self.weights;
        let mut after = i + 1;
        while after < scores.len() && after - i <= MAX_BOX_RUN && !infos[after].blank {
            after += 1;
        }
        let mut seen = 0;
        for j in after..scores.len() {
            if infos[j].blank {
                continue;
            }
            seen += 1;
            if seen > w.inline_lookahead {
                return false;
            }
            if matches!(
                matched[j].map(|r| r.kind),
                Some(RuleKind::Comments | RuleKind::Related)
            ) {
                return false;
            }
            if scores[j] >= w.inline_resume_score {
                return true;
            }
        }
        false
    }

    #[allow(clippy::too_many_arguments)]
    fn decide(
        &self,
        doc: &mut Document,
        infos: &[LineInfo],
        matched: &[Option<&Rule>],
        stutters: &[bool],
        records: &[Record],
        block: Option<(usize, usize)>,
        title: Option<usize>,
    ) {
        let n = doc.len();
        let inside = |i: usize| block.is_some_and(|(s, e)| s <= i && i <= e);
        let runs = packed_run_lengths(infos);
        let repeats = stutter::repeat_runs(doc);
        for i in 0..n {
            if infos[i].blank || !doc.is_kept(i) || Some(i) == title {
                continue;
            }
            if let Some(rule) = matched[i] {
                doc.remove(i, Reason::Phrase, rule.id.clone());
                continue;
            }
            // Record furniture is packed with its record's lines; a repeated line set
            // apart as a paragraph of its own inside the article (a table's heading,
            // a refrain) is the article's.
            if records[i] == Record::Furniture && !(inside(i) && infos[i].isolated) {
                doc.remove(i, Reason::Phrase, self.names.furniture.clone());
                continue;
            }
            // The first copy of a doubled title is a stutter too.
            let doubled_title = title == Some(i + 1) && stutters.get(i + 1) == Some(&true);
            if doubled_title
                || (stutters[i]
                    && !(inside(i)
                        && repeats[i] <= stutter::MAX_VERSE_REPEAT
                        && self.is_verse_pair(i, infos, matched)))
            {
                doc.remove(i, Reason::Stutter, self.names.stutter.clone());
                continue;
            }
            if inside(i) {
                continue;
            }
            if runs[i] >= 3 {
                doc.remove(i, Reason::NavRun, self.names.nav_run.clone());
            } else {
                doc.remove(i, Reason::OutsideArticle, self.names.outside.clone());
            }
        }
    }

    /// A doubled line at `i` (second copy) between short unmatched lines: verse.
    fn is_verse_pair(&self, i: usize, infos: &[LineInfo], matched: &[Option<&Rule>]) -> bool {
        let short = |j: usize| {
            !infos[j].blank
                && matched[j].is_none()
                && infos[j].words <= self.weights.verse_neighbour_words
        };
        i >= 2 && i + 1 < infos.len() && short(i - 2) && short(i + 1)
    }
}

/// A line's part in a list of records (see [`Weights::furniture_max_words`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Record {
    None,
    /// A line repeated between the records: removed, scores nothing.
    Furniture,
    /// A line between the first and last furniture line of a series.
    Item,
}

/// A line's shape for record furniture: lower-cased words, every number (digits with
/// their inner `,` and `.`) as `#`.
/// The shape is appended to `out`.
fn shape_into(text: &str, out: &mut String) {
    let mut in_digits = false;
    for c in text.split_whitespace().flat_map(|w| w.chars().chain([' '])) {
        if c.is_numeric() {
            if !in_digits {
                out.push('#');
            }
            in_digits = true;
        } else if in_digits && (c == ',' || c == '.') {
            // A separator inside a number: "3,880" and "212" are the same shape.
        } else {
            in_digits = false;
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else {
                out.extend(c.to_lowercase());
            }
        }
    }
}

/// Longest run of link lines right under a `related` heading that can still be a box
/// inside the article.
const MAX_BOX_RUN: usize = 20;

/// Rules whose lines date or sign one item of a listing. Share bars and interstitials
/// like "Advertisement" are not among them: an article carries the same share bar as
/// the items listed below it, and ads recur between the paragraphs of long articles.
const LISTING_RULES: [&str; 7] = [
    "pattern:date",
    "pattern:date-ago",
    "pattern:date-cjk",
    "pattern:time",
    "pattern:stamp",
    "pattern:byline",
    "pattern:comment-header",
];

/// The span of a thread's numbered posts: lines that hold only a post number ("#1",
/// "#2", ...), at least three numbered one after another in line order (the longest
/// such run), from the first post's header to the last number.
fn numbered_posts(doc: &Document, infos: &[LineInfo]) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize, usize)> = None;
    let mut run: Option<(usize, usize, usize, u64)> = None;
    for (i, info) in infos.iter().enumerate() {
        if info.blank || !doc.is_kept(i) {
            continue;
        }
        let Some(number) = post_number(doc.text(i)) else {
            continue;
        };
        run = match run {
            Some((first, _, count, last)) if number == last + 1 => {
                Some((first, i, count + 1, number))
            }
            Some((_, _, _, last)) if number == last => run,
            _ => Some((i, i, 1, number)),
        };
        let (first, end, count, _) = run.unwrap();
        if count >= 3 && best.is_none_or(|b| count > b.2) {
            best = Some((first, end, count));
        }
    }
    // The first post's header (its poster, dates and counts) is packed above its
    // number as the second post's is above its own, and is as long: the packed lines
    // right above the second number say how far back the first post starts (no
    // further, so the thread's title above a header packed with it stays outside).
    best.map(|(first, last, _)| {
        let first_number = post_number(doc.text(first));
        let second = (first + 1..=last)
            .find(|&j| !infos[j].blank && post_number(doc.text(j)) > first_number)
            .unwrap_or(first);
        let header_len = (0..second).rev().take_while(|&j| !infos[j].blank).count();
        let header = (0..first)
            .rev()
            .take_while(|&j| !infos[j].blank)
            .take(header_len)
            .last()
            .unwrap_or(first);
        (header, last)
    })
}

/// The number of a line holding only a post number ("#12").
fn post_number(line: &str) -> Option<u64> {
    line.trim()
        .strip_prefix('#')
        .filter(|d| !d.is_empty() && d.len() <= 6 && d.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|d| d.parse().ok())
}

/// Short packed lines that read like verse: function words present and few capitals,
/// or a line ending in a comma or semicolon (a sentence that goes on; menu labels
/// never do).
fn is_verse(info: &LineInfo, w: &Weights) -> bool {
    info.words >= 2.0
        && (info.continues
            || (info.words >= 3.0
                && info.stop_ratio() >= w.min_stop_ratio
                && (info.capitalized as f32) * 2.0 <= info.content_words as f32))
}

/// For each line, the length of the run of consecutive non-blank lines it is in.
fn packed_run_lengths(infos: &[LineInfo]) -> Vec<usize> {
    let n = infos.len();
    let mut out = vec![0; n];
    let mut i = 0;
    while i < n {
        if infos[i].blank {
            i += 1;
            continue;
        }
        let start = i;
        while i < n && !infos[i].blank {
            i += 1;
        }
        for o in &mut out[start..i] {
            *o = i - start;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(doc: &Document) -> Vec<&str> {
        doc.kept()
            .filter(|&i| !doc.is_blank(i))
            .map(|i| doc.text(i))
            .collect()
    }

    /// Three one-line forum posts.
    const POSTS: [&str; 3] = [
        "The tide tables in the harbour office still show last year's times for the night crossing.",
        "They were fixed on Monday; the printed copies at the kiosk will follow this week.",
        "Thanks, I checked the kiosk this morning and the new ones are there now.",
    ];

    /// A thread of the three [`POSTS`], each under its poster's name and `profile(k)`
    /// and followed by `after`, between a menu and a footer.
    fn thread(profile: impl Fn(usize) -> Vec<&'static str>, after: &[&'static str]) -> Document {
        let mut lines = vec!["Forums", "Search", "Members", "Harbour talk"];
        for (k, post) in POSTS.iter().enumerate() {
            lines.push(["anna_k", "pilot_jo", "anna_k"][k]);
            lines.extend(profile(k));
            lines.push(post);
            lines.extend(after);
        }
        lines.extend(["Terms", "Privacy"]);
        Document::from_lines(lines)
    }

    #[test]
    fn post_numbers_in_order_make_a_thread_and_others_do_not() {
        let doc = |numbers: &[&'static str]| {
            let mut lines = vec!["Menu", ""];
            for (k, number) in numbers.iter().enumerate() {
                lines.extend(["anna_k", "Member", number, POSTS[k % 3], ""]);
            }
            Document::from_lines(lines)
        };
        let spans = |d: &Document| {
            let feats = features::document_features(d);
            numbered_posts(d, &feats.lines)
        };
        // From the first post's header (the packed run holding "#1") to the last number.
        assert_eq!(spans(&doc(&["#1", "#2", "#3"])), Some((2, 14)));
        // A hashtag list or two numbers is no thread.
        assert_eq!(spans(&doc(&["#3", "#1", "#2"])), None);
        assert_eq!(spans(&doc(&["#1", "#2"])), None);
        assert_eq!(spans(&doc(&["#1", "#2", "#tides"])), None);
    }

    const P1: &str = "The harbour council voted on Tuesday to cut next year's maintenance budget by eight percent, after a long debate about dredging.";
    const P2: &str = "Members who opposed the cut said the basin silts up faster every winter and that waiting will only make the work more expensive.";

    #[test]
    fn article_between_menus_and_comments() {
        let mut d = Document::from_lines([
            "Home", "News", "Sport", "Weather", "", "Council cuts the harbour budget", "",
            P1, "", P2, "", "Comments", "", "Anna says:", "",
            "I think the council is right and the basin can wait another year or two, frankly, it has before.",
        ]);
        let a = Classifier::default().run(&mut d);
        assert_eq!(kept(&d), ["Council cuts the harbour budget", P1, P2]);
        assert_eq!(a.title, Some(5));
        assert_eq!(d.removal(2).unwrap().reason, Reason::NavRun);
        assert_eq!(d.removal(11).unwrap().reason, Reason::Phrase);
    }

    #[test]
    fn every_post_of_a_thread_is_kept_and_its_furniture_named() {
        let mut d = thread(|_| vec!["View Profile", "Send Message"], &["Reply"]);
        Classifier::default().run(&mut d);
        let kept = kept(&d);
        for post in POSTS {
            assert!(kept.contains(&post), "{kept:?}");
        }
        // `explain` names the rule that removed each furniture line.
        let profile = d.removal(5).unwrap();
        assert_eq!(
            (profile.reason, &*profile.rule),
            (Reason::Phrase, "record-furniture")
        );
    }

    /// A thread whose posts each sit under a profile holding the poster's join date:
    /// the dates recur as densely as a teaser list's, but the profile's lines recur
    /// together, always the same distance apart, so every post is kept (main kept only
    /// the last one).
    #[test]
    fn a_thread_of_dated_profiles_keeps_every_post() {
        let mut d = thread(
            |k| {
                vec![
                    "Joined",
                    ["May 3, 2021", "Feb 11, 2009", "May 3, 2021"][k],
                    "Messages",
                    ["48", "6,214", "49"][k],
                    ["Jun 2, 2024", "Jun 3, 2024", "Jun 4, 2024"][k],
                ]
            },
            &["", "Reply"],
        );
        Classifier::default().run(&mut d);
        let kept = kept(&d);
        for post in POSTS {
            assert!(kept.contains(&post), "{kept:?}");
        }
        assert!(!kept.iter().any(|l| l.starts_with("Jun ")), "{kept:?}");
    }

    /// Section kickers on dated teasers come in any order: the teasers stay a listing
    /// below the article, not a thread that joins it.
    #[test]
    fn teasers_under_kickers_stay_a_listing() {
        let mut lines = vec![
            "Home",
            "News",
            "Sport",
            "",
            "Council cuts the harbour budget",
            "",
        ];
        lines.extend([P1, "", P2, "", "More stories"]);
        for (kicker, teaser, date) in [
            (
                "AUTO NEWS",
                "The night ferry gets a quieter engine",
                "May 15, 2024",
            ),
            (
                "AUTO NEWS",
                "A new charging point opens by the quay",
                "May 12, 2024",
            ),
            (
                "REVIEWS",
                "We drove the harbour taxi for a week",
                "May 9, 2024",
            ),
            (
                "AUTO NEWS",
                "Parking on the pier will cost more in June",
                "May 6, 2024",
            ),
            (
                "REVIEWS",
                "The island bus is slow but it always comes",
                "May 2, 2024",
            ),
            (
                "AUTO NEWS",
                "Road works close the coast road at night",
                "Apr 28, 2024",
            ),
        ] {
            lines.extend([kicker, teaser, date]);
        }
        let mut d = Document::from_lines(lines);
        Classifier::default().run(&mut d);
        assert_eq!(kept(&d), ["Council cuts the harbour budget", P1, P2]);
    }

    /// A page of short entries has no article-sized block: it is weak, and the analysis
    /// says so with the score that fell short; an article is not.
    #[test]
    fn a_page_of_short_entries_is_weak_and_an_article_is_not() {
        let p3 = "The harbour master said the new timetable would be printed before the spring, and that the ferry company had agreed to keep the late crossing on Fridays and Saturdays at least until the end of the summer season.";
        let mut article =
            Document::from_lines(["Home", "News", "", "Title of it", "", P1, "", P2, "", p3]);
        assert_eq!(Classifier::default().run(&mut article).weak, None);
        let mut entries = Document::from_lines([
            "Shop",
            "Gifts",
            "Journal",
            "Basket",
            "",
            "Smoked teas",
            "",
            "Pine Smoke",
            "Leaves dried over pine fires until they taste of the forest.",
            "",
            "Campfire Black",
            "A dark tea with a gentle smoke and a long, sweet finish.",
            "",
            "Shipping",
            "Returns",
        ]);
        let a = Classifier::default().run(&mut entries);
        let w = a.weak.expect("no article-sized block: a weak page");
        assert!(w.best_score < w.threshold, "{w:?}");
        assert_eq!(w.threshold, Weights::default().weak_block_score);
        assert!(
            kept(&entries).contains(&"Campfire Black"),
            "{:?}",
            kept(&entries)
        );
    }

    #[test]
    fn phrase_inside_a_sentence_is_kept() {
        let s = "Readers who subscribe to the newsletter can share their questions with the council before each meeting.";
        let mut d = Document::from_lines(["Title of it", "", P1, "", s, "", P2]);
        Classifier::default().run(&mut d);
        assert!(kept(&d).contains(&s), "{:?}", kept(&d));
    }
}
