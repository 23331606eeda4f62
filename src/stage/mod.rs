//! The per-document stages, in the order [`Cleaner::clean`] runs them, and the
//! corpus-level boilerplate model they can consult.

pub mod normalize;
pub mod title;

use crate::document::Document;

pub use normalize::normalize;

/// Runs the per-document stages on decoded text. Built once per run and shared by
/// every worker thread.
#[derive(Debug, Clone, Default)]
pub struct Cleaner {}

impl Cleaner {
    pub fn new() -> Self {
        Cleaner {}
    }

    /// Normalizes and cleans one capture's text.
    pub fn clean(&self, text: &str) -> Document {
        let mut doc = normalize(text);
        doc.tidy_blank_lines();
        title::find_title(&mut doc);
        doc
    }
}
