//! Patterns cut down to an alphabet, and a compact encoding of them.
//!
//! A pattern matches a line exactly when the pattern with each of its character
//! classes cut down to an alphabet holding all the line's characters does (a match
//! only ever consumes the line's characters), and the cut-down automata are a small
//! fraction of the full ones: `[\w ]{0,30}` case-insensitive is thirty copies of a
//! class of 770 ranges in full, of 4 in ASCII. So [`super::rules`] matches each line
//! with the automata of the first of [`ALPHABETS`] holding all its characters.
//!
//! Parsing the patterns (folding the case of their Unicode classes) and cutting them
//! down costs more than compiling the small automata, so the build script (which
//! includes this file) does it for the built-in patterns once, at compile time, and
//! stores them in the encoding below; this module depends on nothing but
//! `regex-syntax` for that reason.

use regex_syntax::hir::{
    self, Class, ClassBytes, ClassBytesRange, ClassUnicode, ClassUnicodeRange, Hir, HirKind, Look,
};

/// The alphabets a line is matched in, each holding the one before it; the last is
/// every character. ASCII; with Latin-1 and the general punctuation of typeset text
/// (curly quotes, dashes, ellipsis, bullets: U+2000–U+206F); everything encoded in
/// one or two bytes of UTF-8 (Latin, Greek, Cyrillic, Hebrew, Arabic…) with the Latin
/// and Greek extensions, punctuation, currency, letter-like symbols and arrows
/// (U+1E00–U+21FF); everything.
pub const ALPHABETS: [&[(char, char)]; 4] = [
    &[('\0', '\x7f')],
    &[('\0', '\u{ff}'), ('\u{2000}', '\u{206f}')],
    &[('\0', '\u{7ff}'), ('\u{1e00}', '\u{21ff}')],
    &[('\0', char::MAX)],
];

/// The alphabets patterns are cut down to (all but the last, which is the pattern).
pub const NARROW: usize = ALPHABETS.len() - 1;

/// Parses a pattern as `regex` does with `case_insensitive(true)`; `None` if it is
/// not a valid pattern (`regex` reports why when the rules are loaded).
pub fn parse(pattern: &str) -> Option<Hir> {
    regex_syntax::ParserBuilder::new()
        .case_insensitive(true)
        .build()
        .parse(pattern)
        .ok()
}

/// `hir` with every Unicode class cut down to alphabet `k` (< [`NARROW`]) of
/// [`ALPHABETS`], and without capture groups (only whether a line matches is asked).
pub fn cut_down(hir: &Hir, k: usize) -> Hir {
    let alphabet = ClassUnicode::new(
        ALPHABETS[k]
            .iter()
            .map(|&(lo, hi)| ClassUnicodeRange::new(lo, hi)),
    );
    cut_to(hir, &alphabet)
}

fn cut_to(hir: &Hir, alphabet: &ClassUnicode) -> Hir {
    match hir.kind() {
        HirKind::Class(Class::Unicode(class)) => {
            let mut class = class.clone();
            class.intersect(alphabet);
            Hir::class(Class::Unicode(class))
        }
        HirKind::Capture(c) => cut_to(&c.sub, alphabet),
        HirKind::Repetition(r) => Hir::repetition(hir::Repetition {
            min: r.min,
            max: r.max,
            greedy: r.greedy,
            sub: Box::new(cut_to(&r.sub, alphabet)),
        }),
        HirKind::Concat(subs) => Hir::concat(subs.iter().map(|h| cut_to(h, alphabet)).collect()),
        HirKind::Alternation(subs) => {
            Hir::alternation(subs.iter().map(|h| cut_to(h, alphabet)).collect())
        }
        HirKind::Empty
        | HirKind::Literal(_)
        | HirKind::Class(Class::Bytes(_))
        | HirKind::Look(_) => hir.clone(),
    }
}

/// Appends `hir` (without capture groups) to `out`: a tag byte, then the node's
/// numbers as LEB128 and its children.
#[cfg_attr(not(test), allow(dead_code))] // the build script and the tests encode
pub fn encode(hir: &Hir, out: &mut Vec<u8>) {
    match hir.kind() {
        HirKind::Empty => out.push(0),
        HirKind::Literal(hir::Literal(bytes)) => {
            out.push(1);
            put(out, bytes.len() as u32);
            out.extend_from_slice(bytes);
        }
        HirKind::Class(Class::Unicode(class)) => {
            out.push(2);
            put(out, class.ranges().len() as u32);
            for r in class.ranges() {
                put(out, r.start() as u32);
                put(out, r.end() as u32);
            }
        }
        HirKind::Class(Class::Bytes(class)) => {
            out.push(3);
            put(out, class.ranges().len() as u32);
            for r in class.ranges() {
                out.extend_from_slice(&[r.start(), r.end()]);
            }
        }
        HirKind::Look(look) => {
            out.push(4);
            put(out, look.as_repr());
        }
        HirKind::Repetition(r) => {
            out.push(5);
            put(out, r.min);
            put(out, r.max.map_or(0, |m| m + 1));
            out.push(u8::from(r.greedy));
            encode(&r.sub, out);
        }
        HirKind::Capture(c) => encode(&c.sub, out),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => {
            out.push(if matches!(hir.kind(), HirKind::Concat(_)) {
                6
            } else {
                7
            });
            put(out, subs.len() as u32);
            for sub in subs {
                encode(sub, out);
            }
        }
    }
}

/// Reads back what [`encode`] wrote, advancing `input` past it; `None` if it is not
/// such an encoding.
#[allow(dead_code)] // the build script only encodes
pub fn decode(input: &mut &[u8]) -> Option<Hir> {
    let (&tag, rest) = input.split_first()?;
    *input = rest;
    Some(match tag {
        0 => Hir::empty(),
        1 => {
            let n = get(input)? as usize;
            let bytes = input.get(..n)?;
            *input = &input[n..];
            Hir::literal(bytes)
        }
        2 => {
            let n = get(input)?;
            let mut ranges = Vec::with_capacity(n as usize);
            for _ in 0..n {
                let lo = char::from_u32(get(input)?)?;
                let hi = char::from_u32(get(input)?)?;
                ranges.push(ClassUnicodeRange::new(lo, hi));
            }
            Hir::class(Class::Unicode(ClassUnicode::new(ranges)))
        }
        3 => {
            let n = get(input)? as usize;
            let pairs = input.get(..2 * n)?;
            *input = &input[2 * n..];
            Hir::class(Class::Bytes(ClassBytes::new(
                pairs.chunks(2).map(|p| ClassBytesRange::new(p[0], p[1])),
            )))
        }
        4 => Hir::look(Look::from_repr(get(input)?)?),
        5 => {
            let min = get(input)?;
            let max = get(input)?.checked_sub(1);
            let (&greedy, rest) = input.split_first()?;
            *input = rest;
            Hir::repetition(hir::Repetition {
                min,
                max,
                greedy: greedy == 1,
                sub: Box::new(decode(input)?),
            })
        }
        6 | 7 => {
            let n = get(input)?;
            let subs = (0..n).map(|_| decode(input)).collect::<Option<Vec<_>>>()?;
            if tag == 6 {
                Hir::concat(subs)
            } else {
                Hir::alternation(subs)
            }
        }
        _ => return None,
    })
}

#[cfg_attr(not(test), allow(dead_code))]
fn put(out: &mut Vec<u8>, mut n: u32) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

#[allow(dead_code)] // the build script only encodes
fn get(input: &mut &[u8]) -> Option<u32> {
    let mut n = 0u32;
    for shift in (0..35).step_by(7) {
        let (&b, rest) = input.split_first()?;
        *input = rest;
        n |= u32::from(b & 0x7f).checked_shl(shift)?;
        if b < 0x80 {
            return Some(n);
        }
    }
    None
}

/// The built-in patterns' table, as the build script writes it: for each pattern, its
/// source, then its encoding cut down to each narrow alphabet, each as a LEB128
/// length and bytes.
#[cfg_attr(not(test), allow(dead_code))]
pub fn write_table<'a>(sources: impl IntoIterator<Item = &'a str>, out: &mut Vec<u8>) {
    for source in sources {
        let Some(hir) = parse(source) else {
            continue; // a broken built-in pattern is reported by the rules' loading
        };
        put(out, source.len() as u32);
        out.extend_from_slice(source.as_bytes());
        for k in 0..NARROW {
            let mut enc = Vec::new();
            encode(&cut_down(&hir, k), &mut enc);
            put(out, enc.len() as u32);
            out.extend_from_slice(&enc);
        }
    }
}

/// A pattern's source and its encodings cut down to each narrow alphabet.
#[allow(dead_code)] // the build script only writes
pub type Entry<'a> = (&'a str, [&'a [u8]; NARROW]);

/// Reads [`write_table`]'s output.
#[allow(dead_code)] // the build script only writes
pub fn read_table(mut table: &[u8]) -> Option<Vec<Entry<'_>>> {
    fn field<'a>(table: &mut &'a [u8]) -> Option<&'a [u8]> {
        let n = get(table)? as usize;
        let bytes = table.get(..n)?;
        *table = &table[n..];
        Some(bytes)
    }
    let mut out = Vec::new();
    while !table.is_empty() {
        let source = std::str::from_utf8(field(&mut table)?).ok()?;
        let mut cut: [&[u8]; NARROW] = [&[]; NARROW];
        for c in &mut cut {
            *c = field(&mut table)?;
        }
        out.push((source, cut));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind of node reads back as it was written, cut down or not.
    #[test]
    fn encoding_reads_back() {
        for pattern in [
            r"^(?-i:\p{Lu})[\p{L}.\x27-]+(\s\w+){0,3}?$",
            r"(?-u:\b)ab|(?-u:[\x00-\x7f])*|\bx\B|(?m:^$)|a{2,}|a{3}|",
            r"[^\p{L}\p{N}]+|.{0,150}|фото:\s*[^.]{1,80}$|無断転載|(?s:.)",
            r"(?:)",
        ] {
            let hir = parse(pattern).unwrap();
            for cut in [hir.clone(), cut_down(&hir, 0), cut_down(&hir, 1)] {
                let mut enc = Vec::new();
                encode(&cut, &mut enc);
                let mut input = &enc[..];
                let back = decode(&mut input);
                assert!(back == Some(cut_to_all(&cut)), "{pattern}");
                assert!(input.is_empty(), "{pattern}");
            }
        }
        assert_eq!(decode(&mut &[9u8][..]), None);
        assert_eq!(decode(&mut &[2u8, 1, 0x80][..]), None);
    }

    /// `hir` without capture groups.
    fn cut_to_all(hir: &Hir) -> Hir {
        cut_to(
            hir,
            &ClassUnicode::new([ClassUnicodeRange::new('\0', char::MAX)]),
        )
    }

    #[test]
    fn table_reads_back() {
        let mut table = Vec::new();
        write_table(["^a+$", "(", "b|c"], &mut table);
        let read = read_table(&table).unwrap();
        assert_eq!(read.len(), 2, "the broken pattern is left out");
        assert_eq!((read[0].0, read[1].0), ("^a+$", "b|c"));
        assert!(read_table(&table[..table.len() - 1]).is_none());
    }
}
