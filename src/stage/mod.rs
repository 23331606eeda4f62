//! The per-document stages, in the order [`Cleaner::clean`] runs them:
//!
//! 1. [`normalize`]: decoded text to normalized lines (the "normalized input");
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
//! The corpus stage [`boilerplate`] then removes, from the kept lines, those that recur
//! across the site ([`Cleaner::apply_site`]).

pub mod boilerplate;
pub mod classify;
mod cut;
pub mod features;
pub mod normalize;
pub mod repeat;
pub mod rules;
pub mod stopwords;
pub mod stutter;
pub mod title;

use crate::document::Document;

pub use classify::{Analysis, Classifier, Weights};
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
        self.clean_analyzed(text).0
    }

    /// [`Cleaner::clean`], also returning what the classifier saw (for `explain`).
    pub fn clean_analyzed(&self, text: &str) -> (Document, Analysis) {
        let mut doc = normalize(text);
        let feats = features::document_features(&doc);
        repeat::remove_repeats(&mut doc, &feats.lines);
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
        doc.features = feats;
        doc.tidy_blank_lines();
        let mut settled = false;
        for _ in 1..MAX_PASSES {
            if !self.refine(&mut doc, &rules, &mut analysis) {
                settled = true;
                break;
            }
        }
        if !settled {
            crate::limits::hit(crate::limits::Limit::CleaningPasses, 1);
        }
        doc.title = analysis.title.map(|i| doc.text(i).trim().to_owned());
        doc.title_line = analysis.title;
        (doc, analysis)
    }

    /// Runs the stages again on the kept lines alone and applies what they remove.
    /// Returns whether anything was removed.
    fn refine(&self, doc: &mut Document, rules: &[Option<&Rule>], analysis: &mut Analysis) -> bool {
        let kept: Vec<usize> = doc.kept().collect();
        if kept.is_empty() {
            return false;
        }
        let mut sub = Document::from_lines(kept.iter().map(|&i| doc.text(i)));
        let feats = doc.features.subset(&kept);
        repeat::remove_repeats(&mut sub, &feats.lines);
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
        analysis.title = sub_analysis.title.map(|j| kept[j]);
        if changed {
            doc.tidy_blank_lines();
        }
        changed
    }

    /// Removes the site's boilerplate from a cleaned document (the title goes with its
    /// line if that line is boilerplate).
    /// Returns how many lines it removed.
    pub fn apply_site(&self, doc: &mut Document, site: &boilerplate::SiteLines) -> usize {
        let removed = boilerplate::remove(doc, site);
        if removed > 0 {
            doc.tidy_blank_lines();
            if doc.title_line.is_some_and(|t| !doc.is_kept(t)) {
                doc.title = None;
                doc.title_line = None;
            }
        }
        removed
    }
}
