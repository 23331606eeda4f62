//! What the classifier knows about each line: its size in words, how much of it is
//! function words, whether it ends like a sentence, and whether it stands alone
//! between blank lines. The last one comes from how captures are rendered: a
//! paragraph (`<p>`) gets a blank line before and after, while menus, lists and
//! teaser grids (`<li>`, `<div>`) come out as runs of consecutive lines.
//!
//! This is also where a document is tokenized, once ([`crate::tokens`]): the token
//! hashes of every line are kept in [`Features::tokens`], each with a tag saying
//! whether it is a function word (and in which languages) or a content word, and
//! every later user (line keys, shingles, language, the title) reads them from there.

use crate::document::Document;
use crate::stage::stopwords;
use crate::tokens;

/// Features of one line.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LineInfo {
    /// Words; a CJK character counts half a word.
    pub words: f32,
    /// Tokens found in a function-word list (the counts saturate: a line of more
    /// than 65,535 words is no less prose for it).
    pub stop: u16,
    /// Tokens of three letters or more that are not function words.
    pub content_words: u16,
    /// Content words starting with a capital.
    pub capitalized: u16,
    /// Ends like a sentence (after closing quotes and brackets).
    pub sentence_end: bool,
    /// Ends with a comma or semicolon: a sentence that goes on (verse, a long list item).
    pub continues: bool,
    /// Mostly CJK characters (function-word density does not apply).
    pub cjk: bool,
    /// Contains a digit, or punctuation inside the line (`:`, `(`, `,`, `;`, `%`, tab,
    /// `=`): the marks of list items and table rows, which menu labels lack.
    pub data: bool,
    /// Starts like an item of a numbered list: `1)`, `2.`, and a word.
    pub numbered: bool,
    /// A table row: cells separated by tabs (captures render table cells so, and
    /// nothing else).
    pub table_row: bool,
    /// A blank line (or the document's edge) before and after.
    pub isolated: bool,
    pub blank: bool,
    /// The line compared case-, space- and punctuation-insensitively (see
    /// [`line_key`]).
    pub key: u64,
    /// This line's tokens: `Features::tokens[first..first + count]`.
    pub first_token: u32,
    pub token_count: u32,
}

impl LineInfo {
    /// Share of tokens that are function words.
    pub fn stop_ratio(&self) -> f32 {
        if self.token_count > 0 {
            self.stop as f32 / self.token_count as f32
        } else {
            0.0
        }
    }

    /// A menu label: every content word capitalized, no digits or inner punctuation
    /// ("Auto News", "Car Deals", "About Us").
    pub fn is_label(&self) -> bool {
        !self.data && self.capitalized == self.content_words && !self.cjk
    }
}

/// A token's tag: the languages it is a function word in (bits 0–14), or
/// [`CONTENT`] for a content word (three letters or more), or 0.
pub const CONTENT: u16 = 1 << 15;

/// The features of a whole document.
#[derive(Debug, Clone, Default)]
pub struct Features {
    pub lines: Vec<LineInfo>,
    /// Token hashes of all lines, in order.
    pub tokens: Vec<u64>,
    /// One tag per token (see [`CONTENT`]).
    pub tags: Vec<u16>,
}

impl Features {
    /// The token hashes of line `i`.
    pub fn line_tokens(&self, i: usize) -> &[u64] {
        let l = &self.lines[i];
        &self.tokens[l.first_token as usize..(l.first_token + l.token_count) as usize]
    }

    /// The tags of line `i`'s tokens.
    pub fn line_tags(&self, i: usize) -> &[u16] {
        let l = &self.lines[i];
        &self.tags[l.first_token as usize..(l.first_token + l.token_count) as usize]
    }
}

/// Features of one line of text (its tokens are not kept).
pub fn line_info(text: &str) -> LineInfo {
    let mut f = Features::default();
    push_line(text, &mut f);
    f.lines[0]
}

/// The key of a line: its token sequence, or (for a line of symbols only) its
/// trimmed text.
pub fn line_key(text: &str) -> u64 {
    line_info(text).key
}

fn push_line(text: &str, f: &mut Features) {
    let t = text.trim();
    let first = f.tokens.len() as u32;
    if t.is_empty() {
        f.lines.push(LineInfo {
            blank: true,
            first_token: first,
            key: 0,
            ..Default::default()
        });
        return;
    }
    let mut info = LineInfo {
        first_token: first,
        ..Default::default()
    };
    let mut cjk_tokens = 0u32;
    let stop = stopwords::table();
    tokens::for_each(t, |tok| {
        let langs = stop.get(tok.hash);
        let tag = if langs != 0 {
            info.stop = info.stop.saturating_add(1);
            langs
        } else if tok.cjk {
            // One ideograph carries a word's meaning: shared ones tie a title to its text.
            CONTENT
        } else if tok.chars >= 3 {
            info.content_words = info.content_words.saturating_add(1);
            if tok.upper {
                info.capitalized = info.capitalized.saturating_add(1);
            }
            CONTENT
        } else {
            0
        };
        if tok.cjk {
            cjk_tokens += 1;
            info.words += 0.5;
        } else {
            info.words += 1.0;
        }
        f.tokens.push(tok.hash);
        f.tags.push(tag);
    });
    info.token_count = f.tokens.len() as u32 - first;
    info.cjk = cjk_tokens > 0 && cjk_tokens * 2 >= info.token_count;
    info.key = if info.token_count > 0 {
        tokens::sequence_key(&f.tokens[first as usize..])
    } else {
        xxhash_rust::xxh3::xxh3_64(t.as_bytes())
    };
    let bytes = t.as_bytes();
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    info.numbered = (1..=3).contains(&digits)
        && matches!(bytes.get(digits), Some(b')' | b'.'))
        && bytes.get(digits + 1) == Some(&b' ');
    info.table_row = bytes.contains(&b'\t');
    if info.words <= 16.0 {
        let inner = t.trim_end_matches(|c: char| !c.is_alphanumeric());
        info.data = bytes.iter().any(|b| b.is_ascii_digit())
            || inner
                .bytes()
                .any(|b| matches!(b, b':' | b'(' | b',' | b';' | b'%' | b'\t' | b'='));
    }
    let end = t.trim_end_matches(['"', '\'', '”', '’', '»', ')', ']', '*', ' ']);
    info.continues = end.ends_with([',', ';', '，', '、']);
    info.sentence_end = end
        .chars()
        .last()
        .is_some_and(|c| matches!(c, '.' | '!' | '?' | '…' | '。' | '！' | '？' | '؟' | '।'));
    f.lines.push(info);
}

/// Features of every line of a document (isolation included).
pub fn document_features(doc: &Document) -> Features {
    let n = doc.len();
    // About one token per six bytes of text (word, space, punctuation).
    let tokens = doc.text_bytes() / 6;
    let mut f = Features {
        lines: Vec::with_capacity(n),
        tokens: Vec::with_capacity(tokens),
        tags: Vec::with_capacity(tokens),
    };
    for i in 0..n {
        push_line(doc.text(i), &mut f);
    }
    f.mark_isolated();
    f
}

impl Features {
    /// Marks the lines with a blank line (or the edge) on both sides.
    fn mark_isolated(&mut self) {
        let n = self.lines.len();
        for i in 0..n {
            if self.lines[i].blank {
                continue;
            }
            let before = i == 0 || self.lines[i - 1].blank;
            let after = i + 1 == n || self.lines[i + 1].blank;
            self.lines[i].isolated = before && after;
        }
    }

    /// The features of a document made of lines `keep` of this one, in that order:
    /// everything but isolation is a property of the line alone, so it is copied,
    /// not recomputed (the refine passes of cleaning look at the kept lines again).
    pub fn subset(&self, keep: &[usize]) -> Features {
        let tokens = keep
            .iter()
            .map(|&i| self.lines[i].token_count as usize)
            .sum();
        let mut f = Features {
            lines: Vec::with_capacity(keep.len()),
            tokens: Vec::with_capacity(tokens),
            tags: Vec::with_capacity(tokens),
        };
        for &i in keep {
            let mut info = self.lines[i];
            info.first_token = f.tokens.len() as u32;
            info.isolated = false;
            f.tokens.extend_from_slice(self.line_tokens(i));
            f.tags.extend_from_slice(self.line_tags(i));
            f.lines.push(info);
        }
        f.mark_isolated();
        f
    }
}

/// Line features only (for tests and callers without a `Features`).
pub fn document_info(doc: &Document) -> Vec<LineInfo> {
    document_features(doc).lines
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
        assert!(m.is_label());
        let q = line_info("“We mostly have tomatoes.”");
        assert!(q.sentence_end);
        assert!(!line_info("England (Group A): 10th appearance").is_label());
    }

    #[test]
    fn cjk_counts_half_a_word_per_character() {
        let j = line_info("これは日本語の文章です。");
        assert!(j.cjk);
        assert!(j.sentence_end);
        assert!((j.words - 5.5).abs() < 0.01, "{}", j.words);
    }

    #[test]
    fn line_keys_fold_case_spacing_and_punctuation() {
        assert_eq!(line_key("Share  post:"), line_key("share post"));
        assert_ne!(line_key("Share post"), line_key("Share posts"));
        assert_ne!(line_key("***"), line_key("---"));
    }

    #[test]
    fn a_subset_has_the_features_of_its_lines() {
        let d = Document::from_lines(["One two", "", "Three four five.", "", "six", "seven"]);
        let keep = [0, 2, 4, 5];
        let sub = Document::from_lines(keep.iter().map(|&i| d.text(i)));
        let direct = document_features(&sub);
        let copied = document_features(&d).subset(&keep);
        assert_eq!(copied.tokens, direct.tokens);
        assert_eq!(copied.tags, direct.tags);
        assert_eq!(copied.lines, direct.lines);
    }

    #[test]
    fn tokens_are_kept_per_line() {
        let d = Document::from_lines(["One two", "", "three"]);
        let f = document_features(&d);
        assert_eq!(f.line_tokens(0).len(), 2);
        assert_eq!(f.line_tokens(1).len(), 0);
        assert_eq!(f.line_tokens(2), crate::tokens::hashes("three").as_slice());
    }
}
