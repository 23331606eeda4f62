//! The text output file (DESIGN §2): a YAML header whose values are all JSON
//! literals, so YAML and JSON parsers both read every value, then a blank line and
//! the clean body.

use std::fmt::Write as _;

use crate::record::Record;

/// The header for one canonical document; `duplicates` are the sources of its
/// duplicates, in manifest order.
pub fn header(source: &str, rec: &Record, duplicates: &[&str]) -> String {
    let mut h = String::with_capacity(256);
    h.push_str("---\n");
    let _ = writeln!(h, "title: {}", json(&rec.title.as_deref()));
    let _ = writeln!(h, "source: {}", json(&source));
    let _ = writeln!(h, "sha256: {}", json(&rec.sha256_hex()));
    let _ = writeln!(
        h,
        "encoding: {}",
        json(&rec.encoding.map(encoding_rs::Encoding::name))
    );
    let _ = writeln!(h, "lines_removed: {}", rec.removed.total());
    h.push_str("removed: {");
    for (i, (reason, n)) in rec.removed.nonzero().enumerate() {
        if i > 0 {
            h.push_str(", ");
        }
        let _ = write!(h, "\"{}\": {n}", reason.name());
    }
    h.push_str("}\n");
    let _ = writeln!(h, "duplicates: {}", json(&duplicates));
    h.push_str("---\n\n");
    h
}

fn json<T: serde::Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_owned())
}
