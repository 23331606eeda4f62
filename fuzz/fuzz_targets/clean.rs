//! Cleaning arbitrary text never panics, is idempotent (unless the refine passes hit
//! their bound, which the run reports), and keeps only lines of the normalized input,
//! in order (docsift never invents text).
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

use docsift::stage::{normalize, Cleaner, Rules};

fn cleaner() -> &'static Cleaner {
    static C: OnceLock<Cleaner> = OnceLock::new();
    C.get_or_init(|| Cleaner::new(Rules::builtin()))
}

fuzz_target!(|text: &str| {
    use docsift::limits::Limit;
    let doc = cleaner().clean(text);
    let settled = doc.limits.count(Limit::CleaningPasses) == 0;
    let body = doc.body();
    let normalized = normalize(text);
    let mut input = (0..normalized.len()).map(|i| normalized.text(i));
    for line in body.lines().filter(|l| !l.is_empty()) {
        assert!(input.any(|l| l == line), "invented or reordered line: {line:?}");
    }
    if settled {
        let again = cleaner().clean(&body).body();
        assert_eq!(again, body, "cleaning is not idempotent");
    }
});
