//! Two escapings of file names, for two audiences.
//!
//! * [`escape_path`] is for data (the manifest, JSON, headers): lossless and
//!   deterministic. Valid UTF-8 passes through (JSON escapes control characters
//!   itself), a backslash becomes `\\`, and each byte that is not UTF-8 becomes
//!   `\xHH`, so two different names never share an escaped form and the original
//!   bytes can be recovered.
//! * [`terminal_path`] / [`terminal_str`] are for people: control characters,
//!   bidirectional overrides and zero-width characters are shown as `\u{…}` escapes,
//!   so a capture's name cannot move the cursor, recolour or reorder the user's screen.

use std::fmt::Write as _;
use std::path::Path;

/// Lossless, deterministic text form of a relative path, `/`-separated.
pub fn escape_path(path: &Path) -> String {
    let mut out = String::new();
    for comp in path.components() {
        if !out.is_empty() && !out.ends_with('/') {
            out.push('/');
        }
        match comp {
            std::path::Component::RootDir => out.push('/'),
            other => escape_bytes_into(other.as_os_str().as_encoded_bytes(), &mut out),
        }
    }
    out
}

fn escape_bytes_into(mut bytes: &[u8], out: &mut String) {
    loop {
        match std::str::from_utf8(bytes) {
            Ok(s) => {
                push_escaping_backslash(s, out);
                return;
            }
            Err(e) => {
                let (good, bad) = bytes.split_at(e.valid_up_to());
                push_escaping_backslash(std::str::from_utf8(good).unwrap_or_default(), out);
                let n = e.error_len().unwrap_or(bad.len()).max(1);
                for b in &bad[..n] {
                    let _ = write!(out, "\\x{b:02X}");
                }
                bytes = &bad[n..];
            }
        }
    }
}

fn push_escaping_backslash(s: &str, out: &mut String) {
    for ch in s.chars() {
        if ch == '\\' {
            out.push_str("\\\\");
        } else {
            out.push(ch);
        }
    }
}

/// A path made safe to print on a terminal.
pub fn terminal_path(path: &Path) -> String {
    terminal_str(&path.to_string_lossy_escaped())
}

/// A string made safe to print on a terminal (see the module doc).
pub fn terminal_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if is_unsafe_on_terminal(ch) {
            let _ = write!(out, "\\u{{{:x}}}", ch as u32);
        } else {
            out.push(ch);
        }
    }
    out
}

fn is_unsafe_on_terminal(ch: char) -> bool {
    ch.is_control()
        || matches!(ch,
            '\u{200B}'..='\u{200F}'   // zero-width space/joiners, LRM, RLM
            | '\u{202A}'..='\u{202E}' // bidi embeddings and overrides
            | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
            | '\u{2066}'..='\u{2069}' // bidi isolates
            | '\u{FEFF}'
            | '\u{061C}'
            | '\u{00AD}')
}

trait LossyEscaped {
    fn to_string_lossy_escaped(&self) -> String;
}

impl LossyEscaped for Path {
    /// Like `escape_path`, but keeps absolute paths and `..` as given.
    fn to_string_lossy_escaped(&self) -> String {
        let mut out = String::new();
        escape_bytes_into(self.as_os_str().as_encoded_bytes(), &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn non_utf8_is_escaped_losslessly() {
        use std::os::unix::ffi::OsStrExt;
        let p = Path::new(std::ffi::OsStr::from_bytes(b"dir/caf\xE9\\x.txt"));
        assert_eq!(escape_path(p), "dir/caf\\xE9\\\\x.txt");
        let q = Path::new(std::ffi::OsStr::from_bytes(b"dir/caf\\xE9\\x.txt"));
        assert_ne!(escape_path(p), escape_path(q));
    }

    #[test]
    fn absolute_and_relative_paths() {
        assert_eq!(escape_path(Path::new("/tmp/a.txt")), "/tmp/a.txt");
        assert_eq!(escape_path(Path::new("../x/a.txt")), "../x/a.txt");
        assert_eq!(escape_path(Path::new("a")), "a");
    }

    #[test]
    fn terminal_escapes_controls_and_bidi() {
        assert_eq!(terminal_str("a\x1b[31mb"), "a\\u{1b}[31mb");
        assert_eq!(terminal_str("x\u{202E}y\nz"), "x\\u{202e}y\\u{a}z");
        assert_eq!(terminal_str("naïve.txt"), "naïve.txt");
    }
}
