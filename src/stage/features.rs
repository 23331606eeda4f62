//! What the classifier knows about each line: its size in words, how much of it is
//! function words, whether it ends like a sentence, and whether it stands alone
//! between blank lines. The last one comes from how captures are rendered: a
//! paragraph (`<p>`) gets a blank line before and after, while menus, lists and
//! teaser grids (`<li>`, `<div>`) come out as runs of consecutive lines.

use crate::document::Document;
use crate::stage::stopwords;

/// Words of a line looked up in the function-word lists. A share measured on the
/// first few dozen words of a paragraph is as good as one measured on all of them, and
/// the rest of a long line is only counted.
pub const ANALYZED_WORDS: u16 = 48;

/// Features of one line.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LineInfo {
    /// Words; a run of CJK characters (no spaces between words) counts one word per
    /// two characters.
    pub words: f32,
    /// Words found in a function-word list, among the first [`ANALYZED_WORDS`].
    pub stop: u16,
    /// Words looked up in the function-word lists (the first [`ANALYZED_WORDS`]).
    pub analyzed: u16,
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

    /// Share of words that are function words (among those looked up).
    pub fn stop_ratio(&self) -> f32 {
        if self.analyzed > 0 {
            self.stop as f32 / self.analyzed as f32
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
    line_info_counting(text, &mut [0; 16])
}

/// [`line_info`], also adding each function word's languages to `langs` (one counter
/// per list in [`stopwords::LISTS`]), which is how the document's language is found.
pub fn line_info_counting(text: &str, langs: &mut [u32; 16]) -> LineInfo {
    let t = text.trim();
    if t.is_empty() {
        return LineInfo {
            blank: true,
            ..Default::default()
        };
    }
    let mut info = LineInfo::default();
    let mut cjk_chars = 0usize;
    let mut buf = [0u8; 16];
    if t.is_ascii() {
        ascii_words(t.as_bytes(), &mut info, langs);
    } else {
        // Split on non-word characters; words made of ASCII take the byte path (most
        // words of Latin-script text, even when the line has curly quotes).
        let mut start: Option<usize> = None;
        let mut ascii = true;
        let mut flush = |from: usize, to: usize, ascii: bool, info: &mut LineInfo| {
            let word = &t[from..to];
            if ascii {
                ascii_words(word.as_bytes(), info, langs);
                return;
            }
            let cjk_in_word = word.chars().filter(|&c| is_cjk(c)).count();
            if cjk_in_word > 0 {
                cjk_chars += cjk_in_word;
                info.words +=
                    cjk_in_word as f32 / 2.0 + (word.chars().count() - cjk_in_word).min(1) as f32;
                return;
            }
            info.words += 1.0;
            count_word(word, &mut buf, info, langs);
        };
        for (i, c) in t.char_indices() {
            if info.analyzed >= ANALYZED_WORDS {
                // Past the analysed words, only count: one word per run of
                // non-space characters.
                let rest = &t[i..];
                let mut in_word = start.is_some();
                for b in rest.bytes() {
                    let sp = b == b' ' || b == b'\t';
                    if !sp && !in_word {
                        info.words += 1.0;
                    }
                    in_word = !sp;
                }
                start = None;
                break;
            }
            if is_word_char(c) {
                if start.is_none() {
                    start = Some(i);
                    ascii = true;
                }
                ascii &= c.is_ascii();
            } else if let Some(s0) = start.take() {
                flush(s0, i, ascii, &mut info);
            }
        }
        if let Some(s0) = start {
            flush(s0, t.len(), ascii, &mut info);
        }
    }
    info.cjk = cjk_chars > 0 && cjk_chars as f32 >= info.words;
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    info.numbered = (1..=3).contains(&digits)
        && matches!(t.as_bytes().get(digits), Some(b')' | b'.'))
        && t.as_bytes().get(digits + 1) == Some(&b' ');
    let inner = t.trim_end_matches(|c: char| !c.is_alphanumeric());
    info.data = t.bytes().any(|b| b.is_ascii_digit())
        || inner
            .bytes()
            .any(|b| matches!(b, b':' | b'(' | b',' | b';' | b'%' | b'\t' | b'='));
    let end = t.trim_end_matches(['"', '\'', '”', '’', '»', ')', ']', '*', ' ']);
    info.sentence_end = end
        .chars()
        .last()
        .is_some_and(|c| matches!(c, '.' | '!' | '?' | '…' | '。' | '！' | '？' | '؟' | '।'));
    info
}

/// The word loop for ASCII lines (most lines): bytes, no allocation, no Unicode
/// tables.
fn ascii_words(b: &[u8], info: &mut LineInfo, langs: &mut [u32; 16]) {
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let word = &b[start..i];
        info.words += 1.0;
        if info.analyzed >= ANALYZED_WORDS {
            continue;
        }
        info.analyzed += 1;
        let mut langs_of = 0u16;
        if word.len() <= 16 {
            let mut lower = [0u8; 16];
            for (l, c) in lower.iter_mut().zip(word) {
                *l = c.to_ascii_lowercase();
            }
            langs_of = stopwords::languages_of_bytes(&lower[..word.len()]);
        }
        if langs_of != 0 {
            info.stop += 1;
            add_langs(langs, langs_of);
        } else if word.len() >= 3 {
            info.content_words += 1;
            if word[0].is_ascii_uppercase() {
                info.capitalized += 1;
            }
        }
    }
}

fn add_langs(langs: &mut [u32; 16], bits: u16) {
    let mut bits = bits;
    while bits != 0 {
        let i = bits.trailing_zeros() as usize;
        langs[i] += 1;
        bits &= bits - 1;
    }
}

/// Letters and digits, with an ASCII fast path.
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        c.is_alphanumeric()
    }
}

/// Looks a word up in the function-word lists (lower-cased in `buf` when it fits:
/// function words are short) and counts capitals of the other words.
fn count_word(word: &str, buf: &mut [u8; 16], info: &mut LineInfo, langs: &mut [u32; 16]) {
    if info.analyzed >= ANALYZED_WORDS {
        return;
    }
    info.analyzed += 1;
    let bytes = word.as_bytes();
    let mut langs_of = 0u16;
    if bytes.len() <= buf.len() {
        let lower: std::borrow::Cow<str> = if word.is_ascii() {
            let b = &mut buf[..bytes.len()];
            b.copy_from_slice(bytes);
            b.make_ascii_lowercase();
            std::borrow::Cow::Borrowed(std::str::from_utf8(b).unwrap_or_default())
        } else {
            std::borrow::Cow::Owned(word.to_lowercase())
        };
        langs_of = stopwords::languages_of(&lower);
    }
    if langs_of != 0 {
        info.stop += 1;
        add_langs(langs, langs_of);
    } else if word.chars().nth(2).is_some() {
        info.content_words += 1;
        if word.chars().next().is_some_and(char::is_uppercase) {
            info.capitalized += 1;
        }
    }
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
