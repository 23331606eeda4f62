//! The whole per-document path on arbitrary bytes: decode, normalize, clean, then the
//! body's identity (SHA-256, shingles, MinHash) and its text header. Never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

use docsift::app::{clean_bytes, finish, Cleaned};
use docsift::dedup::MinHasher;
use docsift::stage::{Cleaner, Rules};

fn tools() -> &'static (Cleaner, MinHasher) {
    static T: OnceLock<(Cleaner, MinHasher)> = OnceLock::new();
    T.get_or_init(|| (Cleaner::new(Rules::builtin()), MinHasher::default()))
}

fuzz_target!(|data: &[u8]| {
    let (cleaner, minhash) = tools();
    if let Ok((decoded, doc)) = clean_bytes(data, cleaner) {
        let cleaned = Cleaned {
            doc,
            encoding: decoded.encoding,
            malformed: decoded.malformed,
            bytes_in: data.len() as u64,
            mode: None,
        };
        let (record, body) = finish(&cleaned, minhash);
        assert_eq!(record.bytes_out, body.len() as u64);
        let header = docsift::output::text::header("fuzz.txt", &record, &[]);
        assert!(header.starts_with("---\n") && header.ends_with("---\n\n"));
    }
});
