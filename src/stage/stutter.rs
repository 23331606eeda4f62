//! Stuttered lines: the same line twice in a row. A scraper saves a linked heading as
//! its link text and then the heading itself, so titles and related-post lists come
//! out doubled. This finds the second line of each pair; the classifier decides
//! whether to remove it (it keeps doubled lines inside a poem or song, where a
//! repeated line is the text).

use crate::document::Document;

/// `true` at each kept line whose previous line is an identical kept, non-blank line.
pub fn second_of_pairs(doc: &Document) -> Vec<bool> {
    (0..doc.len())
        .map(|i| {
            i > 0
                && !doc.is_blank(i)
                && doc.is_kept(i)
                && doc.is_kept(i - 1)
                && doc.text(i).trim() == doc.text(i - 1).trim()
        })
        .collect()
}
