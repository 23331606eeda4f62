//! Decoding arbitrary bytes never panics; what comes out is valid UTF-8 without NULs,
//! and valid UTF-8 without NULs comes out unchanged.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(d) = docsift::input::decode(data) {
        assert!(!d.text.contains('\0'));
        if let Ok(s) = std::str::from_utf8(data) {
            if !s.contains('\0') && !s.starts_with('\u{FEFF}') && d.encoding.name() == "UTF-8" {
                assert_eq!(d.text, s);
                assert_eq!(d.malformed, 0);
            }
        }
    }
});
