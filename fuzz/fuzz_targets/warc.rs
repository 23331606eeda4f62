//! The WARC reader on arbitrary bytes (decompressed if they look compressed): it
//! ends, numbers records in order, keeps no block over its limit, and every record
//! is a capture or skipped by type. Never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;

use docsift::input::compress;
use docsift::input::warc::{capture_of, Capture, WarcReader};

fuzz_target!(|data: &[u8]| {
    let Ok((reader, _)) = compress::open(data, None) else {
        return;
    };
    let reader = std::io::BufReader::new(compress::Budget::new(reader, 1 << 20));
    let mut records = WarcReader::new(reader, 1 << 16);
    let mut last = 0;
    while let Some(r) = records.next_record() {
        let number = match r {
            Ok(rec) => {
                assert!(rec.block.len() <= 1 << 16);
                match capture_of(&rec) {
                    Capture::Text { body, .. } => assert!(body.len() <= rec.block.len()),
                    Capture::Skip(label) => assert!(!label.is_empty()),
                }
                rec.number
            }
            Err(e) => e.number,
        };
        assert!(number >= last);
        last = number;
    }
});
