//! The title: the first heading-like kept line. A heading is short, has no final
//! sentence punctuation, and is not a date or a byline. The stutter stage has already
//! removed a doubled title's first copy, so the survivor is found here.

use crate::document::Document;

/// Longest line (in characters) still taken for a title.
pub const MAX_TITLE_CHARS: usize = 200;

/// How many leading kept lines are searched for a title.
const SEARCH_LINES: usize = 6;

/// Sets `doc.title` to the first heading-like line among the first kept lines.
pub fn find_title(doc: &mut Document) {
    doc.title = None;
    let candidates: Vec<usize> = doc
        .kept()
        .filter(|&i| !doc.is_blank(i))
        .take(SEARCH_LINES)
        .collect();
    for i in candidates {
        let t = doc.text(i).trim();
        if is_heading_like(t) {
            doc.title = Some(t.to_owned());
            return;
        }
    }
}

/// Short, with letters, not ending like a sentence or a label.
pub fn is_heading_like(t: &str) -> bool {
    let n = t.chars().count();
    if !(2..=MAX_TITLE_CHARS).contains(&n) {
        return false;
    }
    if !t.chars().any(char::is_alphabetic) {
        return false;
    }
    let last = t.chars().last().unwrap_or(' ');
    !matches!(last, '.' | ',' | ';' | ':' | '。' | '、')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_heading_like_line() {
        let mut d = Document::from_lines(["Some long sentence that ends.", "", "A Title", "Body."]);
        find_title(&mut d);
        assert_eq!(d.title.as_deref(), Some("A Title"));
    }

    #[test]
    fn no_title() {
        let mut d = Document::from_lines(["Only sentences here.", "And here."]);
        find_title(&mut d);
        assert_eq!(d.title, None);
    }
}
