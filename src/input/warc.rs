//! WARC and WET archives (ISO 28500; Common Crawl's WET files are WARC files of
//! `conversion` records): a record reader that keeps going past a bad record.
//!
//! Hand-written rather than taken from a crate, for one behaviour the crates do
//! not offer: a record whose `Content-Length` is wrong, or whose header does not
//! parse, is reported with its record number and byte offset and the reader
//! **resynchronises** on the next `WARC/` line, so one bad record costs one error
//! row, not the rest of the archive (`warc` 0.4 stops, and fastwarc's strict mode
//! ends the file). The format is small: a version line, `Name: value` headers,
//! an empty line, `Content-Length` bytes of block, and two CRLFs.
//!
//! [`capture_of`] decides which records are captures: a WET `conversion`, a
//! `response` whose HTTP payload is `text/plain`, and a `resource` that is
//! `text/plain`. Every other record is skipped by type, for the summary.

use std::io::{self, BufRead};

/// The longest header block accepted (fastwarc's default too); a longer one is
/// not a WARC header but a stream that lost its framing.
pub const MAX_HEADER_BYTES: usize = 32 << 10;

/// One WARC record: its place in the stream, its headers and its block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarcRecord {
    /// 1-based number of the record in its file.
    pub number: u64,
    /// Byte offset of its `WARC/` line in the (decompressed) stream.
    pub offset: u64,
    pub headers: Vec<(String, String)>,
    pub block: Vec<u8>,
}

impl WarcRecord {
    /// A header's value (names compare case-insensitively; the first wins).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `WARC-Type`, lower-cased (`conversion`, `response`, `warcinfo`, …).
    pub fn record_type(&self) -> String {
        self.header("WARC-Type")
            .unwrap_or("(no WARC-Type)")
            .to_ascii_lowercase()
    }

    /// `WARC-Target-URI` without the angle brackets some writers put around it.
    pub fn target_uri(&self) -> Option<&str> {
        self.header("WARC-Target-URI")
            .map(|u| u.trim().trim_start_matches('<').trim_end_matches('>'))
            .filter(|u| !u.is_empty())
    }
}

/// Why a record could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WarcErrorKind {
    #[error("not a WARC record (expected a WARC/1.x line, found {0:?})")]
    NotWarc(String),
    #[error("bad header line {0:?}")]
    BadHeader(String),
    #[error("header is over {MAX_HEADER_BYTES} bytes")]
    HeaderTooLong,
    #[error("no Content-Length header")]
    NoContentLength,
    #[error("Content-Length {0:?} is not a number")]
    BadContentLength(String),
    #[error("Content-Length {declared} is wrong: the block is not followed by the record's end")]
    WrongLength { declared: u64 },
    #[error("archive ends inside this record's header")]
    TruncatedHeader,
    #[error("archive ends inside this record ({got} of {declared} bytes)")]
    Truncated { declared: u64, got: u64 },
    #[error("record block is {size} bytes, over the --max-bytes limit of {limit}")]
    TooLarge { size: u64, limit: u64 },
    #[error("read failed: {0}")]
    Read(String),
}

/// A record that could not be read, and where it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("record {number} (byte {offset}): {kind}")]
pub struct WarcError {
    pub number: u64,
    pub offset: u64,
    pub kind: WarcErrorKind,
}

/// Reads records one at a time from a (decompressed) stream.
pub struct WarcReader<R> {
    src: Pushback<R>,
    limit: u64,
    number: u64,
    done: bool,
}

impl<R: BufRead> WarcReader<R> {
    /// `limit` bounds one record's block (`--max-bytes`); a larger block is skipped
    /// without being kept in memory.
    pub fn new(inner: R, limit: u64) -> Self {
        WarcReader {
            src: Pushback::new(inner),
            limit,
            number: 0,
            done: false,
        }
    }

    /// Whether the stream starts like a WARC file (for format detection).
    pub fn sniff(head: &[u8]) -> bool {
        let trimmed = head
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .map_or(&[][..], |i| &head[i..]);
        trimmed.starts_with(b"WARC/")
    }

    /// The next record, an error for a record that could not be read (the reader
    /// then looks for the next one), or `None` at the end.
    pub fn next_record(&mut self) -> Option<Result<WarcRecord, WarcError>> {
        if self.done {
            return None;
        }
        match self.read_record() {
            Ok(Some(r)) => Some(Ok(r)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err((offset, kind)) => {
                let at_end = matches!(
                    kind,
                    WarcErrorKind::Truncated { .. }
                        | WarcErrorKind::TruncatedHeader
                        | WarcErrorKind::Read(_)
                );
                // A read error while resynchronising ends the archive: the error
                // already reported is the last thing known about it.
                if at_end || self.resync().is_err() {
                    self.done = true;
                }
                Some(Err(WarcError {
                    number: self.number,
                    offset,
                    kind,
                }))
            }
        }
    }

    fn read_record(&mut self) -> Result<Option<WarcRecord>, (u64, WarcErrorKind)> {
        let io_err = |offset: u64| move |e: io::Error| (offset, WarcErrorKind::Read(e.to_string()));
        // Blank lines between records (the trailer's CRLFs, stray newlines).
        let (offset, version) = loop {
            let offset = self.src.offset;
            match self
                .src
                .read_line(MAX_HEADER_BYTES)
                .map_err(io_err(offset))?
            {
                None => return Ok(None),
                Some(line) if line.iter().all(u8::is_ascii_whitespace) => continue,
                Some(line) => break (offset, line),
            }
        };
        self.number += 1;
        if !version.starts_with(b"WARC/") {
            return Err((
                offset,
                WarcErrorKind::NotWarc(shorten(&String::from_utf8_lossy(&version))),
            ));
        }
        let mut headers: Vec<(String, String)> = Vec::new();
        let mut header_bytes = 0usize;
        loop {
            let line = self
                .src
                .read_line(MAX_HEADER_BYTES)
                .map_err(io_err(offset))?
                .ok_or((offset, WarcErrorKind::TruncatedHeader))?;
            header_bytes += line.len();
            if header_bytes > MAX_HEADER_BYTES {
                return Err((offset, WarcErrorKind::HeaderTooLong));
            }
            let line = trim_eol(&line);
            if line.is_empty() {
                break;
            }
            let text = String::from_utf8_lossy(line);
            if line[0] == b' ' || line[0] == b'\t' {
                // A folded continuation of the previous header.
                match headers.last_mut() {
                    Some((_, v)) => {
                        v.push(' ');
                        v.push_str(text.trim());
                    }
                    None => return Err((offset, WarcErrorKind::BadHeader(shorten(&text)))),
                }
                continue;
            }
            let Some((name, value)) = text.split_once(':') else {
                return Err((offset, WarcErrorKind::BadHeader(shorten(&text))));
            };
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
        let declared = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("Content-Length"))
            .map(|(_, v)| v.clone())
            .ok_or((offset, WarcErrorKind::NoContentLength))?;
        let declared: u64 = declared
            .parse()
            .map_err(|_| (offset, WarcErrorKind::BadContentLength(shorten(&declared))))?;
        let mut block = Vec::new();
        let keep = declared <= self.limit;
        if keep {
            block.reserve(usize::try_from(declared).unwrap_or(0));
        }
        let got = self
            .src
            .read_up_to(declared, keep.then_some(&mut block))
            .map_err(io_err(offset))?;
        if got < declared {
            // A block that runs into the next record's start is a wrong length,
            // not the end of the archive: give its bytes back and resynchronise.
            if keep && memchr::memmem::find(&block, b"\nWARC/1.").is_some() {
                self.src.unread(block);
                return Err((offset, WarcErrorKind::WrongLength { declared }));
            }
            return Err((offset, WarcErrorKind::Truncated { declared, got }));
        }
        // The block must be followed by CRLF CRLF (LF LF from lax writers), or end
        // the stream.
        let trailer = self.src.peek(4).map_err(io_err(offset))?;
        let ok = trailer.is_empty()
            || trailer.starts_with(b"\r\n\r\n")
            || trailer.starts_with(b"\n\n")
            || trailer == b"\r\n"
            || trailer == b"\n";
        if !ok {
            if keep {
                self.src.unread(block);
            }
            return Err((offset, WarcErrorKind::WrongLength { declared }));
        }
        if !keep {
            return Err((
                offset,
                WarcErrorKind::TooLarge {
                    size: declared,
                    limit: self.limit,
                },
            ));
        }
        Ok(Some(WarcRecord {
            number: self.number,
            offset,
            headers,
            block,
        }))
    }

    /// Skips to the next line that starts a record and leaves it unread.
    fn resync(&mut self) -> io::Result<()> {
        loop {
            let Some(line) = self.src.read_line(MAX_HEADER_BYTES)? else {
                return Ok(());
            };
            if line.starts_with(b"WARC/1.") {
                self.src.unread(line);
                return Ok(());
            }
        }
    }
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn shorten(s: &str) -> String {
    let s = s.trim_end();
    match s.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// A buffered reader that can take bytes back (after a block turned out to hold
/// the next record) and counts the offset of what it hands out.
struct Pushback<R> {
    inner: R,
    back: Vec<u8>,
    back_pos: usize,
    offset: u64,
}

impl<R: BufRead> Pushback<R> {
    fn new(inner: R) -> Self {
        Pushback {
            inner,
            back: Vec::new(),
            back_pos: 0,
            offset: 0,
        }
    }

    fn fill(&mut self) -> io::Result<&[u8]> {
        if self.back_pos < self.back.len() {
            return Ok(&self.back[self.back_pos..]);
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, n: usize) {
        if self.back_pos < self.back.len() {
            self.back_pos += n;
            if self.back_pos == self.back.len() {
                self.back.clear();
                self.back_pos = 0;
            }
        } else {
            self.inner.consume(n);
        }
        self.offset += n as u64;
    }

    /// Puts `bytes` back in front of what is left.
    fn unread(&mut self, mut bytes: Vec<u8>) {
        self.offset -= bytes.len() as u64;
        bytes.extend_from_slice(&self.back[self.back_pos..]);
        self.back = bytes;
        self.back_pos = 0;
    }

    /// One line with its newline; past `max` bytes the rest of the line is
    /// consumed but not kept.
    fn read_line(&mut self, max: usize) -> io::Result<Option<Vec<u8>>> {
        let mut line = Vec::new();
        let mut any = false;
        loop {
            let chunk = self.fill()?;
            if chunk.is_empty() {
                break;
            }
            any = true;
            let (take, found) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (i + 1, true),
                None => (chunk.len(), false),
            };
            let room = max.saturating_sub(line.len()).min(take);
            line.extend_from_slice(&chunk[..room]);
            self.consume(take);
            if found {
                break;
            }
        }
        Ok(any.then_some(line))
    }

    /// Reads up to `n` bytes, into `out` when given; returns how many there were.
    fn read_up_to(&mut self, n: u64, mut out: Option<&mut Vec<u8>>) -> io::Result<u64> {
        let mut got = 0u64;
        while got < n {
            let chunk = self.fill()?;
            if chunk.is_empty() {
                break;
            }
            let take = chunk
                .len()
                .min(usize::try_from(n - got).unwrap_or(usize::MAX));
            if let Some(out) = out.as_deref_mut() {
                out.extend_from_slice(&chunk[..take]);
            }
            self.consume(take);
            got += take as u64;
        }
        Ok(got)
    }

    /// Up to `n` next bytes, without consuming them.
    fn peek(&mut self, n: usize) -> io::Result<Vec<u8>> {
        let mut seen = Vec::with_capacity(n);
        while seen.len() < n {
            let chunk = self.fill()?;
            if chunk.is_empty() {
                break;
            }
            let take = chunk.len().min(n - seen.len());
            seen.extend_from_slice(&chunk[..take]);
            self.consume(take);
        }
        self.unread(seen.clone());
        Ok(seen)
    }
}

/// What a record is to docsift.
#[derive(Debug, PartialEq, Eq)]
pub enum Capture<'a> {
    /// Page text: the bytes to decode, and the charset the record names, if any.
    Text {
        body: &'a [u8],
        charset: Option<String>,
    },
    /// Not a capture; the label the summary counts it under (`warcinfo`,
    /// `request`, `response (text/html)`, …).
    Skip(String),
}

/// Decides whether a record is a capture and finds its text.
pub fn capture_of(record: &WarcRecord) -> Capture<'_> {
    let kind = record.record_type();
    let content_type = record.header("Content-Type").unwrap_or("");
    match kind.as_str() {
        "conversion" | "resource" if is_text_plain(content_type) || kind == "conversion" => {
            Capture::Text {
                body: &record.block,
                charset: charset_of(content_type),
            }
        }
        "response" if media_type(content_type) == "application/http" => {
            match http_payload(&record.block) {
                Some((payload_type, body)) if is_text_plain(&payload_type) => Capture::Text {
                    body,
                    charset: charset_of(&payload_type),
                },
                Some((payload_type, _)) => Capture::Skip(format!(
                    "response ({})",
                    or_unknown(media_type(&payload_type))
                )),
                None => Capture::Skip("response (no HTTP header)".into()),
            }
        }
        "response" | "resource" => {
            Capture::Skip(format!("{kind} ({})", or_unknown(media_type(content_type))))
        }
        _ => Capture::Skip(kind),
    }
}

fn or_unknown(s: String) -> String {
    if s.is_empty() {
        "no Content-Type".into()
    } else {
        s
    }
}

fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn is_text_plain(content_type: &str) -> bool {
    media_type(content_type) == "text/plain"
}

fn charset_of(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (k, v) = param.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches('"').to_owned())
            .filter(|v| !v.is_empty())
    })
}

/// Splits an HTTP response into its Content-Type and payload.
fn http_payload(block: &[u8]) -> Option<(String, &[u8])> {
    let (head_end, body_start) = match memchr::memmem::find(block, b"\r\n\r\n") {
        Some(i) => (i, i + 4),
        None => {
            let i = memchr::memmem::find(block, b"\n\n")?;
            (i, i + 2)
        }
    };
    let head = String::from_utf8_lossy(&block[..head_end]);
    let mut lines = head.lines();
    if !lines.next()?.starts_with("HTTP/") {
        return None;
    }
    let content_type = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("Content-Type"))
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default();
    Some((content_type, &block[body_start..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: &str, extra: &str, block: &str) -> String {
        format!(
            "WARC/1.0\r\nWARC-Type: {kind}\r\n{extra}Content-Length: {}\r\n\r\n{block}\r\n\r\n",
            block.len()
        )
    }

    fn read_all(data: &[u8], limit: u64) -> Vec<Result<WarcRecord, WarcError>> {
        let mut r = WarcReader::new(data, limit);
        std::iter::from_fn(|| r.next_record()).collect()
    }

    #[test]
    fn records_are_read_with_headers_numbers_and_offsets() {
        let a = record("warcinfo", "", "software: x\r\n");
        let b = record(
            "conversion",
            "WARC-Target-URI: https://a.example/p\r\nWARC-Record-ID: <urn:uuid:1>\r\n",
            "Title\nBody\n",
        );
        let data = format!("{a}{b}");
        let got = read_all(data.as_bytes(), 1 << 20);
        assert_eq!(got.len(), 2);
        let second = got[1].as_ref().unwrap();
        assert_eq!(second.number, 2);
        assert_eq!(second.offset, a.len() as u64);
        assert_eq!(second.target_uri(), Some("https://a.example/p"));
        assert_eq!(second.header("warc-record-id"), Some("<urn:uuid:1>"));
        assert_eq!(second.block, b"Title\nBody\n");
        assert_eq!(
            capture_of(second),
            Capture::Text {
                body: b"Title\nBody\n",
                charset: None
            }
        );
        assert_eq!(
            capture_of(got[0].as_ref().unwrap()),
            Capture::Skip("warcinfo".into())
        );
    }

    #[test]
    fn a_wrong_content_length_costs_that_record_only() {
        let good1 = record("conversion", "", "first\n");
        let bad_long =
            "WARC/1.0\r\nWARC-Type: conversion\r\nContent-Length: 500\r\n\r\nshort body\r\n\r\n";
        let good2 = record("conversion", "", "second\n");
        let bad_short =
            "WARC/1.0\r\nWARC-Type: conversion\r\nContent-Length: 3\r\n\r\nlonger body\r\n\r\n";
        let good3 = record("conversion", "", "third\n");
        let data = format!("{good1}{bad_long}{good2}{bad_short}{good3}");
        let got = read_all(data.as_bytes(), 1 << 20);
        let summary: Vec<String> = got
            .iter()
            .map(|r| match r {
                Ok(r) => format!("{}:{}", r.number, String::from_utf8_lossy(&r.block).trim()),
                Err(e) => format!("{}:{}", e.number, e.kind),
            })
            .collect();
        assert_eq!(
            summary,
            [
                "1:first",
                "2:Content-Length 500 is wrong: the block is not followed by the record's end",
                "3:second",
                "4:Content-Length 3 is wrong: the block is not followed by the record's end",
                "5:third",
            ]
        );
    }

    #[test]
    fn a_cut_last_record_is_reported_after_the_others() {
        let good = record("conversion", "", "kept\n");
        let cut = "WARC/1.0\r\nWARC-Type: conversion\r\nContent-Length: 100\r\n\r\nonly part";
        let data = format!("{good}{cut}");
        let got = read_all(data.as_bytes(), 1 << 20);
        assert!(got[0].is_ok());
        assert_eq!(
            got[1].as_ref().unwrap_err().kind,
            WarcErrorKind::Truncated {
                declared: 100,
                got: 9
            }
        );
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn an_oversized_block_is_skipped_without_being_kept() {
        let big = record("conversion", "", &"x".repeat(5000));
        let small = record("conversion", "", "small\n");
        let got = read_all(format!("{big}{small}").as_bytes(), 1000);
        assert_eq!(
            got[0].as_ref().unwrap_err().kind,
            WarcErrorKind::TooLarge {
                size: 5000,
                limit: 1000
            }
        );
        assert_eq!(got[1].as_ref().unwrap().block, b"small\n");
    }

    #[test]
    fn garbage_is_not_a_warc_and_the_reader_finds_the_next_record() {
        let good = record("conversion", "", "after\n");
        let data = format!("this is not an archive\nat all\n{good}");
        let got = read_all(data.as_bytes(), 1 << 20);
        assert!(matches!(
            got[0].as_ref().unwrap_err().kind,
            WarcErrorKind::NotWarc(_)
        ));
        assert_eq!(got[1].as_ref().unwrap().block, b"after\n");
        assert!(!WarcReader::<&[u8]>::sniff(b"{\"text\":1}"));
        assert!(WarcReader::<&[u8]>::sniff(b"\r\nWARC/1.1\r\n"));
    }

    #[test]
    fn responses_are_captures_only_when_their_payload_is_plain_text() {
        let plain =
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=windows-1251\r\n\r\nPage text\n";
        let html = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>x</p>";
        let data = format!(
            "{}{}",
            record(
                "response",
                "Content-Type: application/http; msgtype=response\r\n",
                plain
            ),
            record(
                "response",
                "Content-Type: application/http; msgtype=response\r\n",
                html
            ),
        );
        let got = read_all(data.as_bytes(), 1 << 20);
        assert_eq!(
            capture_of(got[0].as_ref().unwrap()),
            Capture::Text {
                body: b"Page text\n",
                charset: Some("windows-1251".into())
            }
        );
        assert_eq!(
            capture_of(got[1].as_ref().unwrap()),
            Capture::Skip("response (text/html)".into())
        );
    }

    fn shared_sample(name: &str) -> Option<Vec<u8>> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/samples/commoncrawl")
            .join(name);
        let file = std::fs::File::open(path).ok()?;
        let (bytes, _) = crate::input::compress::read_to_end_limited(
            file,
            Some(std::path::Path::new(name)),
            1 << 30,
        )
        .ok()?;
        Some(bytes)
    }

    #[test]
    fn real_common_crawl_archives_read_as_expected() {
        // The shared samples are beside the repository on every machine of the
        // project (and in CI); a checkout without them has nothing to read here.
        let Some(wet) = shared_sample("whirlwind.warc.wet.gz") else {
            panic!("../shared/samples/commoncrawl is missing");
        };
        let got = read_all(&wet, 1 << 26);
        let kinds: Vec<String> = got
            .iter()
            .map(|r| r.as_ref().unwrap().record_type())
            .collect();
        assert_eq!(kinds, ["warcinfo", "conversion"]);
        let page = got[1].as_ref().unwrap();
        assert_eq!(
            page.target_uri(),
            Some("https://an.wikipedia.org/wiki/Escopete")
        );
        assert_eq!(page.header("WARC-Identified-Content-Language"), Some("spa"));
        assert!(matches!(capture_of(page), Capture::Text { .. }));

        let warc = shared_sample("resiliparse-warcfile.warc.gz").unwrap();
        let got = read_all(&warc, 1 << 26);
        assert!(got.iter().all(Result::is_ok));
        let responses = got
            .iter()
            .filter(|r| r.as_ref().unwrap().record_type() == "response")
            .count();
        assert_eq!(responses, 16);

        // The clipped archive: every record but the last is read; the last is
        // reported as cut.
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/samples/commoncrawl/resiliparse-clipped.warc.gz");
        let (reader, _) =
            crate::input::compress::open(std::fs::File::open(&path).unwrap(), Some(&path)).unwrap();
        let mut r = WarcReader::new(reader, 1 << 26);
        let mut ok = 0;
        let mut errors = Vec::new();
        while let Some(rec) = r.next_record() {
            match rec {
                Ok(_) => ok += 1,
                Err(e) => errors.push(e),
            }
        }
        // It holds one response, cut inside its block: one error, at record 1,
        // and no record made up from the part that is there.
        assert_eq!(ok, 0);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!((errors[0].number, errors[0].offset), (1, 0));
    }
}
