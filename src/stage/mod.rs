//! The per-document stages, in the order [`Cleaner::clean`] runs them:
//!
//! 1. [`normalize`]: decoded text to normalized lines (the "normalized input");
//! 2. site boilerplate: lines the corpus stage learned recur across the site;
//! 3. [`repeat`]: the second copy of a repeated article body;
//! 4. [`classify`]: the article block, the title, and every chrome line around and in
//!    it (rules, stutters, navigation runs);
//! 5. blank lines left doubled by removals are tidied.

pub mod boilerplate;
pub mod classify;
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
        self.clean_with(text, None).0
    }

    /// Cleans with the site's boilerplate lines (if known); also returns what the
    /// classifier saw, for `explain`.
    pub fn clean_with(
        &self,
        text: &str,
        site: Option<&boilerplate::SiteLines>,
    ) -> (Document, Analysis) {
        let mut doc = normalize(text);
        if let Some(site) = site {
            boilerplate::remove(&mut doc, site);
        }
        let infos = features::document_info(&doc);
        repeat::remove_repeats(&mut doc, &infos);
        let analysis = self.classifier.run_with(&mut doc, &infos);
        doc.tidy_blank_lines();
        doc.title = analysis.title.map(|i| doc.text(i).trim().to_owned());
        (doc, analysis)
    }
}
