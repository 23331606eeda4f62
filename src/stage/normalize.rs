//! Normalization: the first stage, and the definition of "a line" for every later one.
//!
//! * Line breaks: `\r\n`, `\r`, `\n`, and the rarer U+2028, U+2029, U+0085, VT and FF
//!   all end a line.
//! * Spaces: NBSP and every other space separator (Unicode category Zs) become U+0020.
//! * Invisible characters are dropped: zero-width space, word joiner, U+FEFF, the
//!   Mongolian vowel separator, soft hyphens, and control characters other than tab.
//!   ZWJ and ZWNJ are kept on purpose: they carry meaning in emoji sequences, Indic
//!   scripts and Persian, and dropping them would change words.
//! * Unicode NFC, so the same text typed two ways hashes and compares the same.
//! * Trailing spaces and tabs are trimmed (leading ones are kept: indentation in
//!   poems and code is content); a line of only spaces is blank.
//! * Runs of blank lines become one; leading and trailing blank lines go.
//!
//! The stage is idempotent: normalizing the joined output again gives the same lines.

use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

use crate::document::Document;

/// Normalizes decoded text into a [`Document`] whose lines are the "normalized input"
/// every later stage, `explain` and the subsequence guarantee refer to.
pub fn normalize(text: &str) -> Document {
    let mut doc = Document::with_capacity(text.len());
    let mut state = BlankState::Start;
    let mut scratch = String::new();
    let bytes = text.as_bytes();
    let mut pos = 0;
    while pos <= bytes.len() {
        let end = memchr::memchr2(b'\n', b'\r', &bytes[pos..])
            .map(|i| pos + i)
            .unwrap_or(bytes.len());
        let raw = &text[pos..end];
        if printable_ascii(raw.as_bytes()) || surely_clean(raw) {
            push(&mut doc, &mut state, raw);
        } else {
            slow_line(raw, &mut scratch, &mut doc, &mut state);
        }
        if end == bytes.len() {
            break;
        }
        pos = end + 1;
        if bytes[end] == b'\r' && bytes.get(pos) == Some(&b'\n') {
            pos += 1;
        }
        if pos == bytes.len() {
            break;
        }
    }
    // A trailing blank line is never content.
    if state == BlankState::AfterBlank {
        doc.pop_trailing_blank();
    }
    doc
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum BlankState {
    Start,
    AfterText,
    AfterBlank,
}

fn push(doc: &mut Document, state: &mut BlankState, line: &str) {
    let line = line.trim_end_matches([' ', '\t']);
    if line.is_empty() {
        if *state == BlankState::AfterText {
            doc.push_line("");
            *state = BlankState::AfterBlank;
        }
    } else {
        doc.push_line(line);
        *state = BlankState::AfterText;
    }
}

/// The character-by-character path for lines with anything but printable ASCII.
fn slow_line(raw: &str, scratch: &mut String, doc: &mut Document, state: &mut BlankState) {
    scratch.clear();
    for ch in raw.chars() {
        match ch {
            '\u{2028}' | '\u{2029}' | '\u{0085}' | '\u{000B}' | '\u{000C}' => {
                finish(scratch, doc, state);
                scratch.clear();
            }
            '\t' => scratch.push('\t'),
            c if is_space_separator(c) => scratch.push(' '),
            c if is_invisible(c) => {}
            c => scratch.push(c),
        }
    }
    finish(scratch, doc, state);
}

fn finish(scratch: &str, doc: &mut Document, state: &mut BlankState) {
    if is_nfc_quick(scratch.chars()) == IsNormalized::Yes {
        push(doc, state, scratch);
    } else {
        let nfc: String = scratch.nfc().collect();
        push(doc, state, &nfc);
    }
}

/// Whether every byte is printable ASCII or a tab (such a line needs nothing from the
/// slow path). Sixteen bytes at a time, with no early exit inside a block, so that the
/// test compiles to vector instructions: it runs on every byte of the corpus.
fn printable_ascii(b: &[u8]) -> bool {
    let ok = |c: u8| (0x20..0x7F).contains(&c) | (c == b'\t');
    let mut blocks = b.chunks_exact(16);
    for block in &mut blocks {
        if !block.iter().fold(true, |all, &c| all & ok(c)) {
            return false;
        }
    }
    blocks.remainder().iter().all(|&c| ok(c))
}

/// A fast, conservative test that a line needs nothing from the slow path: no byte
/// that starts a character normalization maps or drops, and only characters that NFC
/// leaves alone and that cannot combine with a neighbour. It accepts the common
/// cases (Latin-1 and Latin Extended letters, Cyrillic, curly quotes, dashes and other
/// general punctuation) and sends everything else through the full path; a property
/// test checks it against that path.
fn surely_clean(line: &str) -> bool {
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            0x20..=0x7E | b'\t' => i += 1,
            // U+00A1..U+02FF except NBSP (C2 A0), soft hyphen (C2 AD), C1 controls
            // (C2 80..9F).
            0xC2 => {
                let n = b.get(i + 1).copied().unwrap_or(0);
                if n <= 0xA0 || n == 0xAD {
                    return false;
                }
                i += 2;
            }
            0xC3..=0xCB => i += 2,
            // U+0400..U+047F: Cyrillic letters (no combining marks).
            0xD0 | 0xD1 => i += 2,
            // U+2010..U+2027 and U+2030..U+205E: dashes, quotes, bullets, ellipsis.
            0xE2 => {
                let (n1, n2) = (
                    b.get(i + 1).copied().unwrap_or(0),
                    b.get(i + 2).copied().unwrap_or(0),
                );
                let ok = (n1 == 0x80
                    && ((0x90..=0xA7).contains(&n2) || (0xB0..=0xBF).contains(&n2)))
                    || (n1 == 0x81 && (0x80..=0x9E).contains(&n2));
                if !ok {
                    return false;
                }
                i += 3;
            }
            _ => return false,
        }
    }
    true
}

/// Space separators (Zs) other than U+0020.
pub fn is_space_separator(c: char) -> bool {
    matches!(
        c,
        '\u{00A0}' | '\u{1680}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
    )
}

/// Characters dropped outright: controls (but tab), zero-width characters other than
/// ZWJ/ZWNJ, soft hyphen, BOM.
pub fn is_invisible(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(
            c,
            '\u{00AD}' | '\u{180E}' | '\u{200B}' | '\u{2060}' | '\u{FEFF}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(s: &str) -> Vec<String> {
        let d = normalize(s);
        (0..d.len()).map(|i| d.text(i).to_owned()).collect()
    }

    #[test]
    fn line_endings_and_blank_runs() {
        assert_eq!(lines("\n\na\r\n\r\n\r\nb\rc  \n\n"), ["a", "", "b", "c"]);
    }

    #[test]
    fn spaces_and_invisibles() {
        assert_eq!(
            lines("x\u{00A0}y\u{200B}z soft\u{00AD}hyphen\u{3000}end\u{FEFF}"),
            ["x yz softhyphen end"]
        );
        // ZWJ in an emoji sequence survives.
        assert_eq!(lines("👩\u{200D}💻"), ["👩\u{200D}💻"]);
    }

    #[test]
    fn nfc() {
        assert_eq!(lines("Cafe\u{0301}"), ["Café"]);
    }

    #[test]
    fn unicode_line_separators() {
        assert_eq!(lines("a\u{2028}b\u{0085}c\u{000C}d"), ["a", "b", "c", "d"]);
    }

    #[test]
    fn whitespace_only_line_is_blank() {
        assert_eq!(lines("a\n \u{00A0}\t\nb"), ["a", "", "b"]);
    }

    #[test]
    fn fast_path_agrees_with_the_full_path() {
        for s in [
            "Café “quoted” — dash…",
            "Привет, мир",
            "x\u{a0}y",
            "a\u{ad}b",
            "e\u{301}",
            "\u{2028}",
            "\u{200b}",
            "tab\tok",
            "ĳ ǆ ˇ",
        ] {
            let mut fast = Document::default();
            let mut st = BlankState::Start;
            if surely_clean(s) {
                push(&mut fast, &mut st, s);
            } else {
                continue;
            }
            let mut slow = Document::default();
            let mut st2 = BlankState::Start;
            slow_line(s, &mut String::new(), &mut slow, &mut st2);
            assert_eq!(fast.text(0), slow.text(0), "{s:?}");
        }
        assert!(surely_clean("Café “quoted” — dash…"));
        assert!(!surely_clean("x\u{a0}y"));
        assert!(!surely_clean("e\u{301}"));
    }

    #[test]
    fn printable_ascii_blocks_agree_with_the_bytewise_test() {
        let bytewise = |b: &[u8]| b.iter().all(|&c| (0x20..0x7F).contains(&c) || c == b'\t');
        let line = b"The ferry crossed the sound at dawn,\tand the harbour woke.";
        for len in 0..line.len() {
            // Every position of an odd byte, in a block and in the remainder.
            for at in 0..len.max(1) {
                for odd in [0x00, 0x09, 0x1F, 0x7F, 0x80, 0xC3, 0xFF] {
                    let mut b = line[..len].to_vec();
                    if at < b.len() {
                        b[at] = odd;
                    }
                    assert_eq!(printable_ascii(&b), bytewise(&b), "{b:?}");
                }
            }
        }
    }

    #[test]
    fn leading_indentation_kept() {
        assert_eq!(lines("  indented"), ["  indented"]);
    }
}
