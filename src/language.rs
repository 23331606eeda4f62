//! The manifest's `language`: whatlang's guess on the start of the clean body, as an
//! ISO 639-1 code (the code corpus tools filter on), or null when whatlang is unsure.

/// Bytes of the body given to the detector; more adds time, not accuracy.
const SAMPLE_BYTES: usize = 1024;

/// Fewer words than this and only a guess whatlang calls reliable is reported:
/// trigram statistics on a line or two are noise.
const MIN_WORDS: usize = 12;

/// ISO 639-1 code of the body's language: whatlang's guess when it is reliable or the
/// sample has at least [`MIN_WORDS`] words, else `None`.
pub fn detect(body: &str) -> Option<&'static str> {
    let mut end = body.len().min(SAMPLE_BYTES);
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    let sample = &body[..end];
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
