//! The whole per-document path on arbitrary bytes: decode, normalize, clean, then the
//! body's identity (SHA-256, shingles, MinHash) and its text header. Never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

use docsift::document::{Meta, Origin, Site};
use docsift::pipeline::{process, Pipeline};
use docsift::record::Status;

fn pipeline() -> &'static Pipeline {
    static P: OnceLock<Pipeline> = OnceLock::new();
    P.get_or_init(Pipeline::default)
}

fuzz_target!(|data: &[u8]| {
    let meta = Meta::file(Origin::Stdin, "fuzz.txt".into(), Site::default()).into();
    let (record, body) = process(data.to_vec(), meta, pipeline());
    if record.status != Status::Error {
        assert_eq!(record.bytes_out, body.len() as u64);
        let header = docsift::output::text::header("fuzz.txt", &record, &[]);
        assert!(header.starts_with("---\n") && header.ends_with("---\n\n"));
    }
});
