//! Inputs that once crashed a fuzz target (`fuzz/`), kept under `fixtures/fuzz/TARGET/`
//! and replayed through the same checks on every test run.

use crate::common::repo;
use docsift::stage::{normalize, Cleaner, Rules};

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = repo().join("fixtures/fuzz").join(target);
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries.flatten() {
            out.push((
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            ));
        }
    }
    out.sort();
    out
}

#[test]
fn decode_regressions() {
    let cases = inputs("decode");
    assert!(
        !cases.is_empty(),
        "fixtures/fuzz/decode holds the decoder's crashes"
    );
    for (name, bytes) in cases {
        if let Ok(d) = docsift::input::decode(&bytes) {
            assert!(!d.text.contains('\0'), "{name}: NUL in decoded text");
        }
    }
}

/// The `clean` target gets the fuzzer's bytes as `&str` (valid UTF-8 only), the
/// `document` target as raw bytes through the decoder; each is replayed the same way.
#[test]
fn clean_and_document_regressions() {
    let cleaner = Cleaner::new(Rules::builtin());
    let as_str = inputs("clean")
        .into_iter()
        .filter_map(|(name, bytes)| String::from_utf8(bytes).ok().map(|text| (name, text)));
    let decoded = inputs("document")
        .into_iter()
        .filter_map(|(name, bytes)| docsift::input::decode(&bytes).ok().map(|d| (name, d.text)));
    for (name, text) in as_str.chain(decoded) {
        let body = cleaner.clean(&text).body();
        assert_eq!(cleaner.clean(&body).body(), body, "{name}: not idempotent");
        let normalized = normalize(&text);
        let mut lines = (0..normalized.len()).map(|i| normalized.text(i));
        for line in body.lines().filter(|l| !l.is_empty()) {
            assert!(lines.any(|l| l == line), "{name}: invented {line:?}");
        }
    }
}
