//! The JSON Lines reader on arbitrary bytes: every line is numbered, parsed into a
//! record or a reason, and a record's fields write back as valid JSON. Never panics,
//! never keeps a line over the limit.
#![no_main]
use libfuzzer_sys::fuzz_target;

use docsift::input::jsonl::{parse_record, Keys, Line, LineReader};

fuzz_target!(|data: &[u8]| {
    let keys = Keys {
        text: "text".parse().unwrap(),
        id: "id".parse().unwrap(),
        url: "metadata.url".parse().unwrap(),
    };
    let mut lines = LineReader::new(data, 4096);
    let mut last = 0;
    while let Ok(Some(line)) = lines.next_line() {
        match line {
            Line::Text {
                number,
                bytes,
                terminated,
                ..
            } => {
                assert!(number > last);
                last = number;
                assert!(bytes.len() <= 4096);
                if let Ok(rec) = parse_record(bytes, terminated, &keys) {
                    let json = rec.fields.to_json();
                    assert!(serde_json::from_str::<serde_json::Value>(&json).is_ok());
                }
            }
            Line::TooLong { number, size, .. } => {
                assert!(number > last && size > 4096);
                last = number;
            }
        }
    }
});
