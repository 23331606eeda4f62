//! Which reader an input goes to (`--from auto|text|jsonl|warc`), and the settings
//! the record readers share ([`Reading`]).
//!
//! `auto` trusts a file's name first (once a `.gz`/`.zst` ending is set aside):
//! `.jsonl`/`.ndjson` are JSON Lines, `.warc`/`.wet` are WARC, `.txt` and other
//! text names are captures. A name that says nothing is sniffed: its first bytes,
//! decompressed, starting `WARC/` make it an archive, and a first line that is a
//! JSON object makes it JSON Lines. Stdin is a capture under `auto` (it cannot be
//! read twice, and a pipe of records is named with `--from jsonl`).

use std::io::{BufRead, Read};
use std::path::Path;

use crate::document::Origin;
use crate::input::jsonl::Keys;
use crate::input::walk::Source;
use crate::input::{compress, warc};
use crate::site::SiteKey;

/// `--from`: the format of the inputs. (The variants' comments are not doc comments:
/// clap would print them as a table and turn `clean --help` into its long form.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum InputFormat {
    // By the file name, then by the first bytes
    #[default]
    Auto,
    // One capture per file
    Text,
    // JSON Lines: one record per line (dolma, datatrove, FineWeb)
    Jsonl,
    // WARC or WET archives (Common Crawl)
    Warc,
}

/// How the record readers read: which format, which fields, which sites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    pub from: InputFormat,
    /// `--text-key`, `--id-key`, `--url-key`.
    pub keys: Keys,
    /// `--site-key`.
    pub site_key: SiteKey,
    /// `--max-bytes`: the largest record (line or WARC block) read.
    pub max_bytes: u64,
}

impl Default for Reading {
    fn default() -> Self {
        Reading {
            from: InputFormat::Auto,
            keys: Keys::default(),
            site_key: SiteKey::Host,
            max_bytes: 64 << 20,
        }
    }
}

/// The reader an input goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    Text,
    Jsonl,
    Warc,
}

/// Which reader `source` goes to under `from`.
pub fn reader_for(source: &Source, from: InputFormat) -> Reader {
    match from {
        InputFormat::Text => Reader::Text,
        InputFormat::Jsonl => Reader::Jsonl,
        InputFormat::Warc => Reader::Warc,
        InputFormat::Auto => {
            if source.meta.origin == Origin::Stdin || source.walk_error.is_some() {
                return Reader::Text;
            }
            by_name(source.rel()).unwrap_or_else(|| sniff(&source.path()))
        }
    }
}

/// The reader a file name announces, if it announces one.
pub fn by_name(rel: &Path) -> Option<Reader> {
    let plain = compress::Compression::strip_extension(rel);
    let ext = plain.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "jsonl" | "ndjson" => Some(Reader::Jsonl),
        "warc" | "wet" => Some(Reader::Warc),
        "txt" | "text" | "md" | "html" | "htm" => Some(Reader::Text),
        _ => None,
    }
}

/// How many decompressed bytes sniffing looks at.
const SNIFF_BYTES: u64 = 64 << 10;

/// Looks at a file's first bytes (decompressed). Anything unreadable, or not a
/// regular file (a FIFO would block), is left to the text reader, which reports it.
fn sniff(path: &Path) -> Reader {
    let regular = std::fs::metadata(path).is_ok_and(|m| m.is_file());
    let Some(file) = regular.then(|| std::fs::File::open(path).ok()).flatten() else {
        return Reader::Text;
    };
    let mut head = Vec::new();
    let read = compress::open(file, Some(path))
        .and_then(|(r, _)| r.take(SNIFF_BYTES).read_to_end(&mut head));
    if read.is_err() && head.is_empty() {
        return Reader::Text;
    }
    sniff_bytes(&head)
}

/// The reader for a stream starting with `head` (decompressed).
pub fn sniff_bytes(head: &[u8]) -> Reader {
    if warc::WarcReader::<&[u8]>::sniff(head) {
        return Reader::Warc;
    }
    let mut first = Vec::new();
    let _ = (&head[..]).read_until(b'\n', &mut first);
    let line = first.trim_ascii();
    if line.starts_with(b"{")
        && serde_json::from_slice::<serde::de::IgnoredAny>(line).is_ok()
        && line.ends_with(b"}")
    {
        return Reader::Jsonl;
    }
    Reader::Text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_first_then_bytes() {
        assert_eq!(by_name(Path::new("a/b.jsonl.zst")), Some(Reader::Jsonl));
        assert_eq!(by_name(Path::new("x.warc.wet.gz")), Some(Reader::Warc));
        assert_eq!(by_name(Path::new("x.warc.gz")), Some(Reader::Warc));
        assert_eq!(by_name(Path::new("capture.txt.gz")), Some(Reader::Text));
        assert_eq!(by_name(Path::new("capture")), None);
        assert_eq!(
            sniff_bytes(b"WARC/1.0\r\nWARC-Type: warcinfo\r\n"),
            Reader::Warc
        );
        assert_eq!(sniff_bytes(b"{\"text\": \"a\"}\n{\"te"), Reader::Jsonl);
        assert_eq!(sniff_bytes(b"{ not json }\nBody\n"), Reader::Text);
        assert_eq!(sniff_bytes(b"Title\n\nBody\n"), Reader::Text);
    }
}
