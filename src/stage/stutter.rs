//! Stuttered lines: the same line twice in a row. A scraper saves a linked heading as
//! its link text and then the heading itself, so titles and related-post lists come
//! out doubled. This finds the second line of each pair; the classifier decides
//! whether to remove it (it keeps doubled lines inside a poem or song, where a
//! repeated line is the text, but not a line repeated more than [`MAX_VERSE_REPEAT`]
//! times in a row: that is a scraper caught in a loop, not a refrain).

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

/// The most times a line may repeat in a row and still be verse.
pub const MAX_VERSE_REPEAT: u32 = 3;

/// For each line, how many identical kept lines in a row it belongs to (1 when it is
/// not repeated, 0 for blank or removed lines). One pass, so linear in the document.
pub fn repeat_runs(doc: &Document) -> Vec<u32> {
    let n = doc.len();
    let mut runs = vec![0u32; n];
    let mut start = 0;
    while start < n {
        if doc.is_blank(start) || !doc.is_kept(start) {
            start += 1;
            continue;
        }
        let line = doc.text(start).trim();
        let mut end = start + 1;
        while end < n && doc.is_kept(end) && !doc.is_blank(end) && doc.text(end).trim() == line {
            end += 1;
        }
        let len = (end - start) as u32;
        runs[start..end].fill(len);
        start = end;
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_identical_lines() {
        let doc = Document::from_lines(["a", "a", "a", "", "b", "c", "c"]);
        assert_eq!(repeat_runs(&doc), vec![3, 3, 3, 0, 1, 2, 2]);
        assert_eq!(
            second_of_pairs(&doc),
            vec![false, true, true, false, false, false, true]
        );
    }
}
