//! The one tokenizer. Every stage that looks at words uses it, and a document is
//! tokenized once: the features pass records each line's token hashes, and function
//! words, line keys, shingles and language counts are all read from them.
//!
//! A token is a run of letters and digits, lower-cased; every other character
//! separates tokens (so punctuation and spacing are folded away). Each CJK, kana or
//! hangul character is a token of its own: those scripts do not put spaces between
//! words, so their shingles become character n-grams. Tokenizing a body gives exactly
//! the concatenation of its lines' tokens, which lets deduplication tokenize a staged
//! body and get the hashes the features pass computed.
//!
//! Hashing is built for speed on every byte: a token's lower-cased bytes are packed
//! eight to a word and each word is mixed in with one multiply.

/// One token of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub hash: u64,
    /// Characters in the token.
    pub chars: u32,
    /// Its first character is upper case.
    pub upper: bool,
    /// A single CJK, kana or hangul character.
    pub cjk: bool,
}

#[derive(Clone, Copy)]
struct Hasher {
    h: u64,
    word: u64,
    fill: u32,
    bytes: u32,
}

const K1: u64 = 0x9E37_79B9_7F4A_7C15;
const K2: u64 = 0xFF51_AFD7_ED55_8CCD;

impl Hasher {
    const NEW: Hasher = Hasher {
        h: 0x243F_6A88_85A3_08D3,
        word: 0,
        fill: 0,
        bytes: 0,
    };

    #[inline(always)]
    fn push(&mut self, b: u8) {
        self.word |= (b as u64) << (8 * self.fill);
        self.fill += 1;
        self.bytes += 1;
        if self.fill == 8 {
            self.h = (self.h ^ self.word).wrapping_mul(K1).rotate_left(31);
            self.word = 0;
            self.fill = 0;
        }
    }

    /// Pushes a run of ASCII letters and digits, lower-cased: eight bytes to a word
    /// loaded at once rather than shifted in one by one. In those bytes lower case is
    /// just the 0x20 bit (digits have it already), so a word is lower-cased with one OR.
    /// Equivalent to pushing the bytes one at a time.
    ///
    /// The run is `text[start..end]`; the bytes after it are read (and masked off) to
    /// load a last partial word whole when the text has them.
    #[inline(always)]
    fn push_ascii_alnum(&mut self, text: &[u8], start: usize, end: usize) {
        const LOWER: u64 = 0x2020_2020_2020_2020;
        if self.fill != 0 {
            for &b in &text[start..end] {
                self.push(b | 0x20);
            }
            return;
        }
        let load = |at: usize| u64::from_le_bytes(text[at..at + 8].try_into().expect("8 bytes"));
        let mut at = start;
        while at + 8 <= end {
            self.h = (self.h ^ (load(at) | LOWER))
                .wrapping_mul(K1)
                .rotate_left(31);
            at += 8;
        }
        let rest = end - at;
        if rest > 0 {
            let keep = (1u64 << (8 * rest)) - 1;
            self.word = if at + 8 <= text.len() {
                (load(at) | LOWER) & keep
            } else {
                text[at..end]
                    .iter()
                    .rev()
                    .fold(0, |w, &b| (w << 8) | (b | 0x20) as u64)
            };
            self.fill = rest as u32;
        }
        self.bytes += (end - start) as u32;
    }

    #[inline(always)]
    fn finish(&self) -> u64 {
        let mut h = (self.h ^ self.word ^ ((self.bytes as u64) << 56)).wrapping_mul(K2);
        h ^= h >> 33;
        h = h.wrapping_mul(K1);
        h ^ (h >> 29)
    }
}

/// CJK ideographs, kana and hangul: one token per character.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3100..=0x312F | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF)
}

/// Letters and digits, with fast paths for ASCII, Latin-1 and Cyrillic letters and
/// for General Punctuation (curly quotes, dashes, ellipsis): between them, nearly
/// every character of European-language text. The standard library's lookup is a
/// binary search, and tokenizing runs on every byte of the corpus.
#[inline]
pub fn is_word_char(c: char) -> bool {
    match c as u32 {
        0..=0x7F => c.is_ascii_alphanumeric(),
        0xC0..=0xFF => c != '\u{D7}' && c != '\u{F7}',
        0x400..=0x481 | 0x48A..=0x52F => true,
        0x2000..=0x206F => false,
        _ => c.is_alphanumeric(),
    }
}

/// The lower case of a letter, as UTF-8 bytes pushed to `h`, with fast paths for the
/// Latin-1 and Cyrillic capitals (see [`is_word_char`]).
#[inline]
fn push_lower(h: &mut Hasher, c: char) {
    let fast = match c as u32 {
        0xC0..=0xDE if c != '\u{D7}' => char::from_u32(c as u32 + 0x20),
        0xDF..=0xFF => Some(c),
        0x410..=0x42F => char::from_u32(c as u32 + 0x20),
        0x400..=0x40F => char::from_u32(c as u32 + 0x50),
        0x430..=0x45F => Some(c),
        _ => None,
    };
    let mut buf = [0u8; 4];
    match fast {
        Some(l) => {
            for &x in l.encode_utf8(&mut buf).as_bytes() {
                h.push(x);
            }
        }
        None => {
            for l in c.to_lowercase() {
                for &x in l.encode_utf8(&mut buf).as_bytes() {
                    h.push(x);
                }
            }
        }
    }
}

/// Length of the run of ASCII letters and digits starting at `b[start]`, eight bytes
/// at a time: each byte's "is a letter or digit" is computed in all eight lanes of a
/// word at once (range tests by addition, no lane carries into the next since every
/// lane stays below 0x80), so a word costs one step rather than a loop that
/// mispredicts at its end. Bytes of 0x80 and up end a run.
#[inline(always)]
fn ascii_alnum_run(b: &[u8], start: usize) -> usize {
    const fn lanes(x: u8) -> u64 {
        u64::from_le_bytes([x; 8])
    }
    const HIGH: u64 = lanes(0x80);
    let mut at = start;
    while at + 8 <= b.len() {
        let w = u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"));
        let low = w & !HIGH;
        // High bit of each lane: the byte is at least `lo`, or more than `hi`.
        let at_least = |x: u64, lo: u8| x + lanes(0x80 - lo);
        let above = |x: u64, hi: u8| x + lanes(0x7F - hi);
        let digit = at_least(low, b'0') & !above(low, b'9');
        let folded = low | lanes(0x20);
        let letter = at_least(folded, b'a') & !above(folded, b'z');
        let alnum = (digit | letter) & !w & HIGH;
        let run = (!alnum & HIGH).trailing_zeros() as usize / 8;
        at += run;
        if run < 8 {
            return at - start;
        }
    }
    at + b[at..]
        .iter()
        .position(|c| !c.is_ascii_alphanumeric())
        .unwrap_or(b.len() - at)
        - start
}

/// Calls `f` for each token of `text`, in order.
#[inline]
#[allow(unused_assignments)] // the final flush resets state it no longer needs
pub fn for_each(text: &str, mut f: impl FnMut(Token)) {
    let b = text.as_bytes();
    let mut h = Hasher::NEW;
    let mut chars = 0u32;
    let mut upper = false;
    let mut i = 0;
    macro_rules! emit {
        () => {
            if chars > 0 {
                f(Token {
                    hash: h.finish(),
                    chars,
                    upper,
                    cjk: false,
                });
                h = Hasher::NEW;
                chars = 0;
            }
        };
    }
    while i < b.len() {
        let byte = b[i];
        if byte < 0x80 {
            if byte.is_ascii_alphanumeric() {
                if chars == 0 {
                    upper = byte.is_ascii_uppercase();
                }
                // At least 1: `byte` is a letter or digit (the max keeps the loop moving
                // whatever happens).
                let run = ascii_alnum_run(b, i).max(1);
                h.push_ascii_alnum(b, i, i + run);
                chars += run as u32;
                i += run;
            } else {
                i += 1;
                emit!();
            }
            continue;
        }
        let c = text[i..].chars().next().unwrap_or(' ');
        i += c.len_utf8();
        if is_cjk(c) {
            emit!();
            let mut one = Hasher::NEW;
            let mut buf = [0u8; 4];
            for &x in c.encode_utf8(&mut buf).as_bytes() {
                one.push(x);
            }
            f(Token {
                hash: one.finish(),
                chars: 1,
                upper: false,
                cjk: true,
            });
        } else if is_word_char(c) {
            if chars == 0 {
                upper = c.is_uppercase();
            }
            push_lower(&mut h, c);
            chars += 1;
        } else {
            emit!();
        }
    }
    emit!();
}

/// The token hashes of a text, in order.
pub fn hashes(text: &str) -> Vec<u64> {
    let mut out = Vec::with_capacity(text.len() / 5);
    for_each(text, |t| out.push(t.hash));
    out
}

/// The hash of a single word (for tables keyed by token hash).
pub fn word_hash(word: &str) -> u64 {
    let mut h = 0;
    for_each(word, |t| h = t.hash);
    h
}

/// A key for a sequence of token hashes (a line, compared case- and
/// punctuation-insensitively).
pub fn sequence_key(hashes: &[u64]) -> u64 {
    let mut h: u64 = 0x1319_8A2E_0370_7344 ^ hashes.len() as u64;
    for &x in hashes {
        h = (h ^ x).wrapping_mul(K2).rotate_left(27);
    }
    h ^ (h >> 31)
}

/// A hasher for keys that are already hashes.
#[derive(Default, Clone, Copy)]
pub struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ b as u64;
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Build-hasher for maps and sets keyed by line keys (`stage::features::line_key`).
pub type KeyBuild = std::hash::BuildHasherDefault<KeyHasher>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_paths_agree_with_the_standard_library() {
        for c in (0..0x3000u32).filter_map(char::from_u32) {
            let std_word = c.is_alphanumeric();
            assert_eq!(is_word_char(c), std_word, "{c:?}");
            if std_word {
                let mut fast = Hasher::NEW;
                push_lower(&mut fast, c);
                let mut slow = Hasher::NEW;
                for l in c.to_lowercase() {
                    let mut buf = [0u8; 4];
                    for &x in l.encode_utf8(&mut buf).as_bytes() {
                        slow.push(x);
                    }
                }
                assert_eq!(fast.finish(), slow.finish(), "{c:?}");
            }
        }
    }

    /// A token's hash, one byte at a time (the definition the word-at-a-time path of
    /// ASCII runs must agree with).
    fn bytewise(word: &str) -> u64 {
        let mut h = Hasher::NEW;
        for c in word.chars() {
            push_lower(&mut h, c);
        }
        h.finish()
    }

    #[test]
    fn ascii_runs_hash_as_their_bytes_do() {
        let alphabet = "aZ09qMxW";
        for len in 1..=25 {
            let word: String = alphabet.chars().cycle().skip(len % 7).take(len).collect();
            // At the end of the text (no bytes to over-read), inside it, after a
            // non-ASCII letter (a hasher already part-filled) and before one.
            for text in [
                word.clone(),
                format!("{word} and more text after it"),
                format!("é{word}"),
                format!("{word}é and more"),
                format!("ß{word}ñ{word}"),
            ] {
                let mut got = Vec::new();
                for_each(&text, |t| got.push(t.hash));
                let want: Vec<u64> = text
                    .split(|c: char| !is_word_char(c))
                    .filter(|w| !w.is_empty())
                    .map(bytewise)
                    .collect();
                assert_eq!(got, want, "{text:?}");
            }
        }
    }

    #[test]
    fn alnum_runs_match_the_bytewise_scan() {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let alphabet: Vec<u8> = (0u8..=255).collect();
        for len in 0..80 {
            for _ in 0..50 {
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        // mostly letters and digits, with every other byte now and then
                        match x % 4 {
                            0 => alphabet[(x >> 8) as usize % 256],
                            _ => b"aZ09mQz:@[`{/"[(x >> 8) as usize % 13],
                        }
                    })
                    .collect();
                for start in 0..bytes.len() {
                    let want = bytes[start..]
                        .iter()
                        .position(|c| !c.is_ascii_alphanumeric())
                        .unwrap_or(bytes.len() - start);
                    assert_eq!(ascii_alnum_run(&bytes, start), want, "{bytes:?} at {start}");
                }
            }
        }
    }

    #[test]
    fn case_and_punctuation_fold() {
        assert_eq!(hashes("The Ferry, at last!"), hashes("the ferry at last"));
        assert_ne!(hashes("ferry"), hashes("ferries"));
    }

    #[test]
    fn a_body_is_its_lines_tokens() {
        let lines = [
            "Première ligne — “quoted”",
            "日本語の文",
            "Second line, ok.",
        ];
        let joined: Vec<u64> = lines.iter().flat_map(|l| hashes(l)).collect();
        assert_eq!(hashes(&lines.join("\n")), joined);
    }

    #[test]
    fn cjk_characters_are_tokens() {
        let mut n = 0;
        for_each("日本語の文 abc", |t| {
            n += 1;
            assert_eq!(t.cjk, t.chars == 1 && n <= 5);
        });
        assert_eq!(n, 6);
    }

    #[test]
    fn long_tokens_hash_all_their_bytes() {
        assert_ne!(
            word_hash("internationalization"),
            word_hash("internationalisation")
        );
        assert_eq!(word_hash("Überall"), word_hash("überall"));
    }
}
