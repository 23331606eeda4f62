//! The manifest's `language`, as an ISO 639-1 code (the code corpus tools filter on),
//! or null when unsure.
//!
//! whatlang is accurate but scores every language profile on every call, which costs
//! more than the rest of the per-document work put together. Most captures are settled
//! far more cheaply: the writing system names the language outright for most non-Latin
//! scripts (Hangul is Korean, kana is Japanese), and for Latin and Cyrillic text the
//! function-word lists the classifier already uses (`stage::stopwords`) name it when one
//! language clearly leads. whatlang decides the rest.

use crate::stage::stopwords;

/// Bytes of the body looked at; more adds time, not accuracy.
const SAMPLE_BYTES: usize = 1024;
/// The leading function-word language needs this many hits...
const MIN_HITS: u32 = 4;
/// ...and this many times the hits of the runner-up.
const MIN_LEAD: f32 = 1.5;
/// Fewer words than this and only a guess whatlang calls reliable is reported.
const MIN_WORDS: usize = 12;

#[derive(Default)]
struct Scripts {
    latin: u32,
    cyrillic: u32,
    greek: u32,
    arabic: u32,
    hebrew: u32,
    han: u32,
    kana: u32,
    hangul: u32,
    thai: u32,
    devanagari: u32,
    georgian: u32,
    armenian: u32,
}

fn scripts(s: &str) -> Scripts {
    let mut c = Scripts::default();
    for ch in s.chars() {
        match ch as u32 {
            0x41..=0x5A | 0x61..=0x7A | 0xC0..=0x24F => c.latin += 1,
            0x370..=0x3FF => c.greek += 1,
            0x400..=0x52F => c.cyrillic += 1,
            0x530..=0x58F => c.armenian += 1,
            0x590..=0x5FF => c.hebrew += 1,
            0x600..=0x6FF | 0x750..=0x77F => c.arabic += 1,
            0x900..=0x97F => c.devanagari += 1,
            0xE00..=0xE7F => c.thai += 1,
            0x10A0..=0x10FF => c.georgian += 1,
            0x3040..=0x30FF => c.kana += 1,
            0x3400..=0x4DBF | 0x4E00..=0x9FFF => c.han += 1,
            0xAC00..=0xD7AF | 0x1100..=0x11FF => c.hangul += 1,
            _ => {}
        }
    }
    c
}

/// Tokens of a document's kept lines looked at for function words.
const SAMPLE_TOKENS: usize = 300;

/// The language of a cleaned document, from the function words the features pass
/// already found in its kept lines; [`detect`] on the body when they do not decide.
pub fn detect_document(
    doc: &crate::document::Document,
    f: &crate::stage::features::Features,
    body: &str,
) -> Option<&'static str> {
    if f.lines.len() != doc.len() {
        return detect(body);
    }
    let mut hits = [0u32; 16];
    let mut seen = 0usize;
    for i in doc.kept() {
        if f.lines[i].cjk {
            return detect(body);
        }
        for &tag in f.line_tags(i) {
            let mut bits = tag & !crate::stage::features::CONTENT;
            while bits != 0 {
                hits[bits.trailing_zeros() as usize] += 1;
                bits &= bits - 1;
            }
        }
        seen += f.lines[i].token_count as usize;
        if seen >= SAMPLE_TOKENS {
            break;
        }
    }
    leader(&hits).or_else(|| detect(body))
}

/// The language whose function words clearly lead, if one does.
fn leader(hits: &[u32; 16]) -> Option<&'static str> {
    let mut ranked: Vec<(u32, &str)> = stopwords::codes()
        .enumerate()
        .map(|(i, code)| (hits[i], code))
        .collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    let (best, code) = ranked[0];
    let second = ranked.get(1).map_or(0, |r| r.0);
    (best >= MIN_HITS && best as f32 >= MIN_LEAD * second as f32).then_some(code)
}

/// ISO 639-1 code of the body's language, or `None` when unsure.
pub fn detect(body: &str) -> Option<&'static str> {
    let mut end = body.len().min(SAMPLE_BYTES);
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    let sample = &body[..end];
    let sc = scripts(sample);
    let letters = sc.latin
        + sc.cyrillic
        + sc.greek
        + sc.arabic
        + sc.hebrew
        + sc.han
        + sc.kana
        + sc.hangul
        + sc.thai
        + sc.devanagari
        + sc.georgian
        + sc.armenian;
    if letters == 0 {
        return None;
    }
    let major = |n: u32| n * 2 > letters;
    let by_script = if sc.kana > 0 && major(sc.kana + sc.han) {
        Some("ja")
    } else if major(sc.hangul) {
        Some("ko")
    } else if major(sc.han) {
        Some("zh")
    } else if major(sc.thai) {
        Some("th")
    } else if major(sc.greek) {
        Some("el")
    } else if major(sc.hebrew) {
        Some("he")
    } else if major(sc.georgian) {
        Some("ka")
    } else if major(sc.armenian) {
        Some("hy")
    } else {
        None
    };
    if by_script.is_some() {
        return by_script;
    }
    if major(sc.latin) || major(sc.cyrillic) {
        let mut hits = [0u32; 16];
        crate::tokens::for_each(sample, |t| {
            let mut bits = stopwords::languages_of_hash(t.hash);
            while bits != 0 {
                hits[bits.trailing_zeros() as usize] += 1;
                bits &= bits - 1;
            }
        });
        if let Some(code) = leader(&hits) {
            return Some(code);
        }
    }
    whatlang_detect(sample)
}

fn whatlang_detect(sample: &str) -> Option<&'static str> {
    let info = whatlang::detect(sample)?;
    if !info.is_reliable() && sample.split_whitespace().take(MIN_WORDS).count() < MIN_WORDS {
        return None;
    }
    Some(iso639_1(info.lang().code()))
}

/// ISO 639-3 (whatlang) to ISO 639-1; languages without a two-letter code keep three.
fn iso639_1(code3: &'static str) -> &'static str {
    match code3 {
        "afr" => "af",
        "aka" => "ak",
        "amh" => "am",
        "ara" => "ar",
        "aze" => "az",
        "bel" => "be",
        "ben" => "bn",
        "bul" => "bg",
        "cat" => "ca",
        "ces" => "cs",
        "cmn" => "zh",
        "cym" => "cy",
        "dan" => "da",
        "deu" => "de",
        "ell" => "el",
        "eng" => "en",
        "epo" => "eo",
        "est" => "et",
        "fin" => "fi",
        "fra" => "fr",
        "guj" => "gu",
        "heb" => "he",
        "hin" => "hi",
        "hrv" => "hr",
        "hun" => "hu",
        "hye" => "hy",
        "ind" => "id",
        "ita" => "it",
        "jav" => "jv",
        "jpn" => "ja",
        "kan" => "kn",
        "kat" => "ka",
        "khm" => "km",
        "kor" => "ko",
        "lat" => "la",
        "lav" => "lv",
        "lit" => "lt",
        "mal" => "ml",
        "mar" => "mr",
        "mkd" => "mk",
        "mya" => "my",
        "nep" => "ne",
        "nld" => "nl",
        "nob" => "nb",
        "ori" => "or",
        "pan" => "pa",
        "pes" => "fa",
        "pol" => "pl",
        "por" => "pt",
        "ron" => "ro",
        "rus" => "ru",
        "sin" => "si",
        "slk" => "sk",
        "slv" => "sl",
        "sna" => "sn",
        "spa" => "es",
        "srp" => "sr",
        "swe" => "sv",
        "tam" => "ta",
        "tel" => "te",
        "tgl" => "tl",
        "tha" => "th",
        "tuk" => "tk",
        "tur" => "tr",
        "ukr" => "uk",
        "urd" => "ur",
        "uzb" => "uz",
        "vie" => "vi",
        "yid" => "yi",
        "zul" => "zu",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn detects_common_languages() {
        assert_eq!(
            super::detect(
                "The quick brown fox jumps over the lazy dog and keeps running through the field."
            ),
            Some("en")
        );
        assert_eq!(
            super::detect("Der schnelle braune Fuchs springt über den faulen Hund, und dann läuft er weiter durch den Wald."),
            Some("de")
        );
        assert_eq!(super::detect("Share post:"), None);
        assert_eq!(
            super::detect("Съешь же ещё этих мягких французских булок, да выпей чаю, сказал он."),
            Some("ru")
        );
        assert_eq!(super::detect(""), None);
    }
}
