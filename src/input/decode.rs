//! Bytes to text: byte-order mark first, then a fast check for valid UTF-8, then
//! chardetng's guess, then encoding_rs to decode. Malformed sequences become U+FFFD
//! and are counted; they never stop a run.
//!
//! Two decisions go beyond the crates:
//!
//! * **Binary files.** A NUL byte in the first block ([`SNIFF_LEN`]) marks a binary
//!   file, as in grep and git, unless the block has the shape of BOM-less UTF-16
//!   (NULs on every other byte, the usual shape of UTF-16 Latin text), which is then
//!   decoded as UTF-16.
//! * **Mostly UTF-8.** A UTF-8 file with a few bad bytes (a truncated sequence, one
//!   stray windows-1252 quote) is still UTF-8: decoding all of it as a legacy encoding
//!   would garble every correct character to save a few broken ones. Legacy-encoded
//!   text almost never forms valid multi-byte UTF-8 sequences (an accented letter is
//!   followed by ASCII), so when valid multi-byte sequences are at least
//!   [`UTF8_MAJORITY`] times as many as invalid bytes, the file is decoded as UTF-8
//!   with replacement; otherwise chardetng decides.

use std::borrow::Cow;

use encoding_rs::{DecoderResult, Encoding, KOI8_R, KOI8_U, UTF_16BE, UTF_16LE, UTF_8};

use crate::error::DocError;

/// How many leading bytes are inspected for NULs (the binary check).
pub const SNIFF_LEN: usize = 8192;

/// Valid multi-byte UTF-8 sequences per invalid byte needed to keep a file UTF-8.
pub const UTF8_MAJORITY: usize = 1;

/// A decoded capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    /// The encoding used (its WHATWG name is `UTF-8`, `windows-1251`, `UTF-16LE`, ...).
    pub encoding: &'static Encoding,
    /// Whether a byte-order mark named the encoding.
    pub bom: bool,
    /// Malformed byte sequences replaced with U+FFFD.
    pub malformed: usize,
}

/// Decodes a capture's bytes, or says it is binary.
pub fn decode(bytes: &[u8]) -> Result<Decoded, DocError> {
    decode_any(Cow::Borrowed(bytes))
}

/// [`decode`], taking the bytes: a capture that is UTF-8 already (most are) becomes
/// its text without a copy.
pub fn decode_owned(bytes: Vec<u8>) -> Result<Decoded, DocError> {
    decode_any(Cow::Owned(bytes))
}

fn decode_any(input: Cow<'_, [u8]>) -> Result<Decoded, DocError> {
    let bytes: &[u8] = &input;
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (text, malformed) = decode_counting(enc, &bytes[bom_len..]);
        return Ok(Decoded {
            text,
            encoding: enc,
            bom: true,
            malformed,
        }
        .without_nuls());
    }
    let head = &bytes[..bytes.len().min(SNIFF_LEN)];
    if let Some(offset) = memchr::memchr(0, head) {
        if let Some(enc) = utf16_without_bom(head) {
            let (text, malformed) = decode_counting(enc, bytes);
            return Ok(Decoded {
                text,
                encoding: enc,
                bom: false,
                malformed,
            }
            .without_nuls());
        }
        if !stray_nuls_in_text(head) {
            return Err(DocError::Binary { offset });
        }
    }
    let utf8 = |text: String| {
        Decoded {
            text,
            encoding: UTF_8,
            bom: false,
            malformed: 0,
        }
        .without_nuls()
    };
    // Owned bytes that are UTF-8 become the text as they are; borrowed ones are
    // copied only once they are known to be text.
    let input = match input {
        Cow::Owned(v) => match String::from_utf8(v) {
            Ok(text) => return Ok(utf8(text)),
            Err(e) => Cow::Owned(e.into_bytes()),
        },
        Cow::Borrowed(b) => match std::str::from_utf8(b) {
            Ok(s) => return Ok(utf8(s.to_owned())),
            Err(_) => Cow::Borrowed(b),
        },
    };
    let bytes: &[u8] = &input;
    let enc = if mostly_utf8(bytes) {
        UTF_8
    } else {
        let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
        det.feed(bytes, true);
        narrow_koi8(det.guess(None, chardetng::Utf8Detection::Allow), bytes)
    };
    let (text, malformed) = decode_counting(enc, bytes);
    Ok(Decoded {
        text,
        encoding: enc,
        bom: false,
        malformed,
    }
    .without_nuls())
}

impl Decoded {
    /// A NUL in text is a damaged byte, not a character anyone wrote: it becomes
    /// U+FFFD and is counted as malformed, like any other byte that is not text, so
    /// the reader sees where the damage was and the manifest says it happened.
    fn without_nuls(mut self) -> Self {
        let nuls = memchr::memchr_iter(0, self.text.as_bytes()).count();
        if nuls > 0 {
            self.text = self.text.replace('\0', "\u{FFFD}");
            self.malformed += nuls;
        }
        self
    }
}

/// Most NULs at most this share of the sniffed bytes are "stray" in a text file.
const STRAY_NUL_SHARE: usize = 100;

/// A text file with a few stray NULs (a scraper's buffer bug, a truncated write)
/// rather than a binary file: NULs are under 1% of the sniffed bytes and no other
/// control byte a text file never holds appears (binary formats are full of them:
/// PNG's header alone has 0x1A). Such a file is decoded, its NULs reported.
fn stray_nuls_in_text(head: &[u8]) -> bool {
    let nuls = memchr::memchr_iter(0, head).count();
    let binary_controls = head
        .iter()
        .filter(|&&b| matches!(b, 0x01..=0x08 | 0x0E..=0x1A | 0x1C..=0x1F | 0x7F))
        .count();
    nuls * STRAY_NUL_SHARE <= head.len() && binary_controls == 0
}

/// chardetng never answers KOI8-R, only its superset KOI8-U. The two differ in eight
/// byte values (Ukrainian letters in KOI8-U, box drawing in KOI8-R); when none occurs
/// the decoded text is the same, and the far more common KOI8-R is the honest name.
fn narrow_koi8(enc: &'static Encoding, bytes: &[u8]) -> &'static Encoding {
    const DIFFER: [u8; 8] = [0xA4, 0xA6, 0xA7, 0xAD, 0xB4, 0xB6, 0xB7, 0xBD];
    if enc == KOI8_U && !bytes.iter().any(|b| DIFFER.contains(b)) {
        KOI8_R
    } else {
        enc
    }
}

/// Decodes with replacement, counting the malformed sequences replaced.
fn decode_counting(enc: &'static Encoding, bytes: &[u8]) -> (String, usize) {
    let mut decoder = enc.new_decoder_without_bom_handling();
    let cap = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len() * 3)
        + 4;
    let mut out = String::with_capacity(cap);
    let mut input = bytes;
    let mut malformed = 0;
    loop {
        let (result, read) = decoder.decode_to_string_without_replacement(input, &mut out, true);
        input = &input[read..];
        match result {
            DecoderResult::InputEmpty => break,
            DecoderResult::Malformed(_, _) => {
                malformed += 1;
                out.push('\u{FFFD}');
            }
            DecoderResult::OutputFull => {
                out.reserve(input.len() * 3 + 16);
            }
        }
    }
    (out, malformed)
}

/// UTF-16 without a BOM: in Latin text, one byte of every pair is NUL. Requires most
/// pairs to have their NUL on the same side and almost none on the other.
fn utf16_without_bom(head: &[u8]) -> Option<&'static Encoding> {
    let pairs = head.len() / 2;
    if pairs < 2 {
        return None;
    }
    let (mut even, mut odd) = (0usize, 0usize);
    for p in head.chunks_exact(2) {
        even += (p[0] == 0) as usize;
        odd += (p[1] == 0) as usize;
    }
    let (lo, hi) = (even.min(odd), even.max(odd));
    if hi * 10 < pairs * 3 || lo * 20 > hi {
        return None;
    }
    Some(if odd > even { UTF_16LE } else { UTF_16BE })
}

/// True when the bytes are UTF-8 apart from a few invalid bytes (see module doc).
fn mostly_utf8(bytes: &[u8]) -> bool {
    let mut valid_multibyte = 0usize;
    let mut invalid = 0usize;
    let mut rest = bytes;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                valid_multibyte += count_multibyte(s);
                break;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                // SAFETY-free: `good` is valid by construction.
                valid_multibyte += count_multibyte(std::str::from_utf8(good).unwrap_or(""));
                let skip = e.error_len().unwrap_or(bad.len()).max(1);
                invalid += skip;
                rest = &bad[skip..];
            }
        }
    }
    valid_multibyte > 0 && valid_multibyte >= invalid * UTF8_MAJORITY
}

fn count_multibyte(s: &str) -> usize {
    s.bytes().filter(|&b| b >= 0xC0).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_fast_path() {
        let d = decode("héllo".as_bytes()).unwrap();
        assert_eq!(d.text, "héllo");
        assert_eq!(d.encoding.name(), "UTF-8");
        assert_eq!(d.malformed, 0);
    }

    #[test]
    fn boms() {
        let d = decode(b"\xEF\xBB\xBFhi").unwrap();
        assert_eq!(
            (d.text.as_str(), d.encoding.name(), d.bom),
            ("hi", "UTF-8", true)
        );
        let d = decode(b"\xFF\xFEh\0i\0").unwrap();
        assert_eq!((d.text.as_str(), d.encoding.name()), ("hi", "UTF-16LE"));
        let d = decode(b"\xFE\xFF\0h\0i").unwrap();
        assert_eq!((d.text.as_str(), d.encoding.name()), ("hi", "UTF-16BE"));
    }

    #[test]
    fn utf16_without_bom_is_text() {
        let bytes: Vec<u8> = "plain text here\n"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let d = decode(&bytes).unwrap();
        assert_eq!(d.text, "plain text here\n");
        assert_eq!(d.encoding.name(), "UTF-16LE");
    }

    #[test]
    fn nul_means_binary() {
        let err = decode(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap_err();
        assert_eq!(err, DocError::Binary { offset: 8 });
    }

    #[test]
    fn stray_nuls_in_text_are_malformed_bytes_not_a_binary_file() {
        let mut bytes = "A paragraph of ordinary text, long enough to be a capture. ".repeat(4);
        bytes.insert(30, '\0');
        let d = decode(bytes.as_bytes()).unwrap();
        assert_eq!(d.encoding.name(), "UTF-8");
        assert_eq!(d.malformed, 1);
        assert_eq!(d.text.matches('\u{FFFD}').count(), 1);
        assert!(!d.text.contains('\0'));
        // Many NULs, or NULs among other control bytes, are a binary file.
        let dense = "ab\0".repeat(50);
        assert!(matches!(
            decode(dense.as_bytes()),
            Err(DocError::Binary { offset: 2 })
        ));
        let mut ctl = "text text text text ".repeat(20).into_bytes();
        ctl[100] = 0;
        ctl[5] = 0x02;
        assert!(decode(&ctl).is_err());
    }

    /// Found by `cargo fuzz run decode`: a UTF-16BE BOM followed by an encoded
    /// U+0000 let a NUL through.
    #[test]
    fn nul_after_a_bom_is_counted_too() {
        let d = decode(b"\xFE\xFF\0\0").unwrap();
        assert_eq!((d.text.as_str(), d.malformed), ("\u{FFFD}", 1));
    }

    #[test]
    fn nul_past_the_sniffed_head_is_counted_too() {
        let mut bytes = "word ".repeat(SNIFF_LEN / 4).into_bytes();
        bytes.extend_from_slice(b"late\0nul\n");
        let d = decode(&bytes).unwrap();
        assert_eq!(d.malformed, 1);
        assert!(d.text.ends_with("late\u{FFFD}nul\n"));
    }

    #[test]
    fn stray_bad_byte_keeps_utf8() {
        let mut bytes = "Grüße aus Köln, schöne Grüße".as_bytes().to_vec();
        bytes.push(0xFF);
        let d = decode(&bytes).unwrap();
        assert_eq!(d.encoding.name(), "UTF-8");
        assert_eq!(d.malformed, 1);
        assert!(d.text.ends_with('\u{FFFD}'));
    }

    #[test]
    fn windows_1251() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1251
            .encode("Привет, мир! Это проверка кодировки для русского текста.");
        let d = decode(&bytes).unwrap();
        assert_eq!(d.encoding.name(), "windows-1251");
        assert!(d.text.starts_with("Привет, мир!"));
    }
}
