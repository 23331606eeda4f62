//! What the classifier knows about each line: its size in words, how much of it is
//! function words, whether it ends like a sentence, and whether it stands alone
//! between blank lines. The last one comes from how captures are rendered: a
//! paragraph (`<p>`) gets a blank line before and after, while menus, lists and
//! teaser grids (`<li>`, `<div>`) come out as runs of consecutive lines.

use crate::document::Document;
use crate::stage::stopwords;

/// Features of one line.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LineInfo {
    /// Words; a run of CJK characters (no spaces between words) counts one word per
    /// two characters.
    pub words: f32,
    /// Words found in a function-word list.
    pub stop: u16,
    /// Words (of three letters or more, not function words) starting with a capital.
    pub capitalized: u16,
    /// Words of three letters or more that are not function words.
    pub content_words: u16,
    /// Ends like a sentence (after closing quotes and brackets).
    pub sentence_end: bool,
    /// Mostly CJK characters (function-word density does not apply).
    pub cjk: bool,
    /// Contains a digit, or punctuation inside the line (`:`, `(`, `,`, `;`, `%`, tab,
    /// `=`): the marks of list items and table rows, which menu labels lack.
    pub data: bool,
    /// Starts like an item of a numbered list: `1)`, `2.`, `10 -` and a word.
    pub numbered: bool,
    /// A blank line (or the document's edge) before and after.
    pub isolated: bool,
    pub blank: bool,
}

impl LineInfo {
    /// A menu label: a few words, every content word capitalized, no digits or inner
    /// punctuation ("Auto News", "Car Deals", "About Us").
    pub fn is_label(&self) -> bool {
        !self.data && self.capitalized == self.content_words && !self.cjk
    }

    /// Share of words that are function words.
    pub fn stop_ratio(&self) -> f32 {
        if self.words > 0.0 {
            self.stop as f32 / self.words
        } else {
            0.0
        }
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3100..=0x312F | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF)
}

/// Features of one line of text.
pub fn line_info(text: &str) -> LineInfo {
    let t = text.trim();
    if t.is_empty() {
        return LineInfo {
            blank: true,
            ..Default::default()
        };
    }
    let mut info = LineInfo::default();
    let mut cjk_chars = 0usize;
    let mut lower = String::new();
    for word in t
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let cjk_in_word = word.chars().filter(|&c| is_cjk(c)).count();
        if cjk_in_word > 0 {
            cjk_chars += cjk_in_word;
            info.words +=
                cjk_in_word as f32 / 2.0 + (word.chars().count() - cjk_in_word).min(1) as f32;
            continue;
        }
        info.words += 1.0;
        lower.clear();
        lower.extend(word.chars().flat_map(char::to_lowercase));
        if word.len() <= 16 && stopwords::is_stopword(&lower) {
            info.stop += 1;
        } else if word.chars().count() >= 3 {
            info.content_words += 1;
            if word.chars().next().is_some_and(char::is_uppercase) {
                info.capitalized += 1;
            }
        }
    }
    info.cjk = cjk_chars > 0 && cjk_chars as f32 >= info.words;
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    info.numbered = (1..=3).contains(&digits)
        && matches!(t.as_bytes().get(digits), Some(b')' | b'.'))
        && t.as_bytes().get(digits + 1) == Some(&b' ');
    let inner = t.trim_end_matches(|c: char| !c.is_alphanumeric());
    info.data = t.chars().any(|c| c.is_ascii_digit())
        || inner.contains([':', '(', ',', ';', '%', '\t', '=']);
    let end = t.trim_end_matches(['"', '\'', '”', '’', '»', ')', ']', '*', ' ']);
    info.sentence_end = end
        .chars()
        .last()
        .is_some_and(|c| matches!(c, '.' | '!' | '?' | '…' | '。' | '！' | '？' | '؟' | '।'));
    info
}

/// Features of every line of a document (isolation included).
pub fn document_info(doc: &Document) -> Vec<LineInfo> {
    let n = doc.len();
    let mut infos: Vec<LineInfo> = (0..n).map(|i| line_info(doc.text(i))).collect();
    for i in 0..n {
        if infos[i].blank {
            continue;
        }
        let before = i == 0 || infos[i - 1].blank;
        let after = i + 1 == n || infos[i + 1].blank;
        infos[i].isolated = before && after;
    }
    infos
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_and_menu_lines() {
        let p = line_info("The council voted on Tuesday to cut the budget by eight percent.");
        assert_eq!(p.words, 12.0);
        assert!(p.sentence_end);
        assert!(p.stop_ratio() > 0.3);
        let m = line_info("Auto News");
        assert_eq!(m.stop, 0);
        assert!(!m.sentence_end);
        assert_eq!(m.capitalized, 2);
        let q = line_info("“We mostly have tomatoes.”");
        assert!(q.sentence_end);
    }

    #[test]
    fn cjk_counts_half_a_word_per_character() {
        let j = line_info("これは日本語の文章です。");
        assert!(j.cjk);
        assert!(j.sentence_end);
        assert!((j.words - 5.5).abs() < 0.01, "{}", j.words);
    }
}
