//! The per-document stages, in the order [`Cleaner::clean`] runs them:
//!
//! 1. [`normalize()`]: decoded text to normalized lines (the "normalized input");
//! 2. [`repeat`]: the second copy of a repeated article body;
//! 3. [`classify`]: the article block, the title, and every chrome line around and in
//!    it (rules, stutters, navigation runs);
//! 4. blank lines left doubled by removals are tidied;
//! 5. stages 2–4 run again on the kept lines alone, until they remove nothing more
//!    (at most [`MAX_PASSES`] times). The article block is found in context, and
//!    context that cleaning removed could move its edges on a second look; iterating to
//!    a fixed point is what makes cleaning idempotent: cleaning a clean body is
//!    exactly such a look, and changes nothing.
//!
//! The corpus stage `site::boilerplate` then removes, from the kept lines, those that
//! recur across the site (`site::apply`). Language detection
//! ([`language`]) reads the features the stages computed.

pub mod classify;
mod cut;
pub mod features;
pub mod language;
mod needles;
pub mod normalize;
pub mod repeat;
pub mod rules;
pub mod stopwords;
pub mod stutter;
pub mod title;

use crate::document::Document;
use crate::limits::Limit;
use features::Features;

pub use classify::{Analysis, Classifier, WeakPage, Weights};
pub use normalize::normalize;
pub use rules::Rules;

use rules::Rule;

/// Most passes over a document's kept lines (the first pass included). Real captures
/// settle in two or three; garbage such as runs of tab-separated fragments (found by
/// `cargo fuzz`) can take five, or twenty, each pass exposing one more stutter or
/// shifting the block's edge by a line. The bound keeps cleaning linear; when it
/// bites, the run's summary says so, and only then could a second cleaning still
/// remove something.
pub const MAX_PASSES: usize = 64;

/// Most lines of a capture cleaned as one document (see [`Cleaner::clean_bounded`]).
pub const SEGMENT_LINES: usize = 1 << 17;

/// Most bytes of a capture cleaned as one document (see [`Cleaner::clean_bounded`]).
pub const SEGMENT_BYTES: usize = 16 << 20;

/// Whether `text` is cleaned in segments: over [`SEGMENT_BYTES`], or over
/// [`SEGMENT_LINES`] lines (ended by LF, CRLF or CR).
fn too_large(text: &str) -> bool {
    // Every line end is a byte: a text shorter than SEGMENT_LINES needs no count.
    text.len() > SEGMENT_BYTES
        || (text.len() > SEGMENT_LINES && segment_end(text.as_bytes()) < text.len())
}

/// Where the first segment of `text` ends: after its [`SEGMENT_LINES`]th line end,
/// or at [`SEGMENT_BYTES`] bytes rounded up to the next line end (a single longer
/// line is one segment), or at the end of the text.
fn segment_end(b: &[u8]) -> usize {
    let mut lines = 0;
    for i in memchr::memchr2_iter(b'\n', b'\r', b) {
        if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') {
            continue;
        }
        lines += 1;
        if lines == SEGMENT_LINES || i + 1 >= SEGMENT_BYTES {
            return i + 1;
        }
    }
    b.len()
}

/// `text` cut into segments at line ends (see [`segment_end`]).
fn segments(mut text: &str) -> impl Iterator<Item = &str> {
    std::iter::from_fn(move || {
        if text.is_empty() {
            return None;
        }
        let (head, tail) = text.split_at(segment_end(text.as_bytes()));
        text = tail;
        Some(head)
    })
}

/// A cleaned capture: its lines with their removals, and the per-line features the
/// stages computed (reused for the body's identity, its language and the site's
/// boilerplate, so no line is tokenized twice). The features are empty for a capture
/// too large to clean whole; every user then falls back to the text.
#[derive(Debug, Clone, Default)]
pub struct Cleaned {
    pub doc: Document,
    pub features: Features,
}

/// Runs the per-document stages on decoded text. Built once per run and shared by
/// every worker thread.
#[derive(Debug, Clone, Default)]
pub struct Cleaner {
    pub classifier: Classifier,
}

impl Cleaner {
    pub fn new(rules: Rules) -> Self {
        Cleaner {
            classifier: Classifier::new(rules, Weights::default()),
        }
    }

    /// Normalizes and cleans one capture's text.
    pub fn clean(&self, text: &str) -> Document {
        self.clean_normalized(normalize(text)).0.doc
    }

    /// [`Cleaner::clean`] within bounded memory, taking the text so that it is freed
    /// as soon as it is normalized: a capture of more than [`SEGMENT_LINES`] lines or
    /// [`SEGMENT_BYTES`] bytes is cleaned in segments of that size, cut at line ends
    /// (the per-line data of cleaning costs well over a hundred bytes a line, which a
    /// capture of 60 MB of two-byte lines made 4 GB). What the segments keep is then
    /// cleaned again as one document if it is small enough (so a scraper loop split
    /// across segments still collapses to one line), else kept as it is. Smaller
    /// captures, every real one, are cleaned whole, exactly as [`Cleaner::clean`]
    /// does. The summary counts captures cleaned in segments (a limit that bit).
    pub fn clean_bounded(&self, text: String) -> Cleaned {
        if !too_large(&text) {
            let doc = normalize(&text);
            drop(text);
            return self.clean_normalized(doc).0;
        }
        let mut limits = crate::limits::Counts::default();
        limits.hit(Limit::HugeCapture, 1);
        let mut removed = crate::document::ReasonCounts::default();
        // Sized once (pages are only touched as they are written): growing by
        // doubling would copy, and briefly hold, up to three times the text.
        let mut kept = String::with_capacity(text.len());
        for segment in segments(&text) {
            let doc = self.clean(segment);
            limits.add(&doc.limits);
            removed.add(&crate::document::ReasonCounts::from_document(&doc));
            for i in doc.kept() {
                kept.push_str(doc.text(i));
                kept.push('\n');
            }
        }
        drop(text);
        let mut cleaned = if too_large(&kept) {
            // Normalized already; this only rebuilds the lines (runs of blank lines at
            // the segments' edges become one).
            Cleaned {
                doc: normalize(&kept),
                features: Features::default(),
            }
        } else {
            self.clean_normalized(normalize(&kept)).0
        };
        let doc = &mut cleaned.doc;
        removed.add(&doc.removed_earlier);
        doc.removed_earlier = removed;
        limits.add(&doc.limits);
        doc.limits = limits;
        cleaned
    }

    /// [`Cleaner::clean`], also returning what the classifier saw (for `explain`).
    pub fn clean_analyzed(&self, text: &str) -> (Document, Analysis) {
        let (c, analysis) = self.clean_normalized(normalize(text));
        (c.doc, analysis)
    }

    /// [`Cleaner::clean_analyzed`], keeping the features too.
    pub fn clean_analyzed_full(&self, text: &str) -> (Cleaned, Analysis) {
        self.clean_normalized(normalize(text))
    }

    /// The stages after normalization.
    fn clean_normalized(&self, mut doc: Document) -> (Cleaned, Analysis) {
        let feats = features::document_features(&doc);
        // Line lengths in characters, counted once for every pass of the repeat stage.
        let chars: Vec<u32> = (0..doc.len())
            .map(|i| doc.text(i).chars().count() as u32)
            .collect();
        repeat::remove_repeats_counted(&mut doc, &feats.lines, |i| chars[i] as usize);
        // Rules see a line alone: match every line once, for all passes.
        let rules: Vec<Option<&Rule>> = (0..doc.len())
            .map(|i| {
                let line = &feats.lines[i];
                (!line.blank)
                    .then(|| self.classifier.rules.match_line(doc.text(i)))
                    .flatten()
            })
            .collect();
        let matched = self.classifier.match_lines(&doc, &feats, |i| rules[i]);
        let mut analysis = self.classifier.run_matched(&mut doc, &feats, matched);
        doc.tidy_blank_lines();
        let mut settled = false;
        for _ in 1..MAX_PASSES {
            if !self.refine(&mut doc, &feats, &rules, &chars, &mut analysis) {
                settled = true;
                break;
            }
        }
        if !settled {
            doc.limits.hit(Limit::CleaningPasses, 1);
        }
        doc.title = analysis.title.map(|i| doc.text(i).trim().to_owned());
        doc.title_line = analysis.title;
        (
            Cleaned {
                doc,
                features: feats,
            },
            analysis,
        )
    }

    /// Runs the stages again on the kept lines alone and applies what they remove.
    /// Returns whether anything was removed.
    fn refine(
        &self,
        doc: &mut Document,
        features: &Features,
        rules: &[Option<&Rule>],
        chars: &[u32],
        analysis: &mut Analysis,
    ) -> bool {
        let kept: Vec<usize> = doc.kept().collect();
        if kept.is_empty() {
            return false;
        }
        let mut sub = Document::from_lines(kept.iter().map(|&i| doc.text(i)));
        let feats = features.subset(&kept);
        repeat::remove_repeats_counted(&mut sub, &feats.lines, |j| chars[kept[j]] as usize);
        doc.limits.add(&sub.limits);
        let matched = self
            .classifier
            .match_lines(&sub, &feats, |j| rules[kept[j]]);
        let sub_analysis = self.classifier.run_matched(&mut sub, &feats, matched);
        sub.tidy_blank_lines();
        let mut changed = false;
        for (j, &i) in kept.iter().enumerate() {
            if let Some(r) = sub.removal(j) {
                changed |= doc.remove(i, r.reason, r.rule.clone());
            }
        }
        let title = sub_analysis.title.map(|j| kept[j]);
        if title != analysis.title {
            // A later pass moved the title: its reason is the one that decided. (The
            // same title found again on the kept lines keeps the reason it was first
            // found for, in context.)
            analysis.title_why = sub_analysis.title_why;
        }
        analysis.title = title;
        if changed {
            doc.tidy_blank_lines();
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_end_at_line_ends_and_cover_the_text() {
        let line = "ab\r\n";
        let text = line.repeat(SEGMENT_LINES + 5);
        assert!(too_large(&text));
        let parts: Vec<&str> = segments(&text).collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(
            parts[0].len(),
            SEGMENT_LINES * line.len(),
            "CRLF is one line end"
        );
        assert_eq!(parts.concat(), text);
        let cr = "x\r".repeat(SEGMENT_LINES);
        assert_eq!(segments(&cr).count(), 1);
        assert!(!too_large(&cr));
        assert!(!too_large(&"word ".repeat(1000)));
    }

    #[test]
    fn a_capture_cleaned_in_segments_keeps_a_subsequence_and_counts_every_removal() {
        let cleaner = Cleaner::new(Rules::builtin());
        let loop_line = "The same sentence, written by a runaway scraper loop.\n";
        let doc = cleaner
            .clean_bounded(loop_line.repeat(SEGMENT_LINES * 2 + 7))
            .doc;
        assert_eq!(doc.body(), loop_line, "the loop collapses across segments");
        assert_eq!(doc.lines_removed(), SEGMENT_LINES * 2 + 6);
        let small = "A title\n\nOne paragraph of text that is the article here.\n";
        assert_eq!(
            cleaner.clean_bounded(small.to_owned()).doc.body(),
            cleaner.clean(small).body()
        );
    }
}
