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

#[test]
fn clean_and_document_regressions() {
    let cleaner = Cleaner::new(Rules::builtin());
    for (name, bytes) in inputs("clean").into_iter().chain(inputs("document")) {
        let Ok(decoded) = docsift::input::decode(&bytes) else {
            continue;
        };
        let body = cleaner.clean(&decoded.text).body();
        assert_eq!(cleaner.clean(&body).body(), body, "{name}: not idempotent");
        let normalized = normalize(&decoded.text);
        let mut lines = (0..normalized.len()).map(|i| normalized.text(i));
        for line in body.lines().filter(|l| !l.is_empty()) {
            assert!(lines.any(|l| l == line), "{name}: invented {line:?}");
        }
    }
}
