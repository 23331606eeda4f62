//! JSON Lines records: one JSON object per line, as dolma, datatrove and FineWeb
//! write them.
//!
//! A record is kept as its top-level fields in input order, each as the raw JSON
//! text it had ([`serde_json::value::RawValue`]), so a record written back out
//! differs from the one read only where docsift means it to: the text field holds
//! the clean text and docsift's findings sit under one added key. Numbers keep
//! their digits, nested objects their key order, unknown fields pass through.
//!
//! Text, id and url are found by [`KeyPath`]s (`text`, `metadata.url`). Every way
//! a line can fail to be a record is a [`RecordError`] naming what is wrong; the
//! caller adds the file and the line number.

use std::fmt;
use std::io::{self, BufRead};
use std::ops::Range;
use std::str::FromStr;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

/// A dotted path to a field: `text`, `metadata.url`. Keys that contain a dot
/// cannot be reached; no corpus format here uses one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPath(Vec<String>);

impl FromStr for KeyPath {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let parts: Vec<String> = s.split('.').map(str::to_owned).collect();
        if parts.iter().any(String::is_empty) {
            return Err(format!(
                "{s:?} is not a field path: use names joined by dots, such as metadata.url"
            ));
        }
        Ok(KeyPath(parts))
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("."))
    }
}

impl KeyPath {
    /// The names the path goes through, outermost first.
    pub fn segments(&self) -> &[String] {
        &self.0
    }

    fn parse_static(s: &str) -> Self {
        s.parse().expect("a built-in key path")
    }
}

/// Which fields hold a record's text, id and url.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    pub text: KeyPath,
    pub id: KeyPath,
    pub url: KeyPath,
}

impl Default for Keys {
    fn default() -> Self {
        Keys {
            text: KeyPath::parse_static("text"),
            id: KeyPath::parse_static("id"),
            url: KeyPath::parse_static("url"),
        }
    }
}

/// A record's top-level fields, in input order, each as its raw JSON text.
#[derive(Debug, Default)]
pub struct Fields(pub Vec<(String, Box<RawValue>)>);

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct FieldsVisitor;
        impl<'de> Visitor<'de> for FieldsVisitor {
            type Value = Fields;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
                let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some(entry) = map.next_entry::<String, Box<RawValue>>()? {
                    fields.push(entry);
                }
                Ok(Fields(fields))
            }
        }
        d.deserialize_map(FieldsVisitor)
    }
}

impl Fields {
    /// The raw value at `path`, descending into nested objects.
    pub fn get(&self, path: &KeyPath) -> Option<RawAt<'_>> {
        let (first, rest) = path.0.split_first()?;
        let raw = self.0.iter().rev().find(|(k, _)| k == first)?.1.get();
        descend(raw, rest)
    }

    /// Replaces (or adds, at the end) the value at `path`; intermediate objects are
    /// rewritten with their other fields unchanged and in order.
    pub fn set(&mut self, path: &KeyPath, value: Box<RawValue>) -> Result<(), serde_json::Error> {
        set_in(&mut self.0, &path.0, value)
    }

    /// The record as one line of JSON (no newline).
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(
            self.0
                .iter()
                .map(|(k, v)| k.len() + v.get().len() + 4)
                .sum::<usize>()
                + 2,
        );
        out.push('{');
        for (i, (k, v)) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&serde_json::to_string(k).expect("a string serializes"));
            out.push(':');
            out.push_str(v.get());
        }
        out.push('}');
        out
    }
}

/// A value found at a key path, as raw JSON text.
#[derive(Debug, Clone, Copy)]
pub struct RawAt<'a>(pub &'a str);

impl<'a> RawAt<'a> {
    /// The JSON type's name, for error messages.
    pub fn kind(self) -> &'static str {
        match self.0.trim_start().as_bytes().first() {
            Some(b'"') => "a string",
            Some(b'{') => "an object",
            Some(b'[') => "an array",
            Some(b't' | b'f') => "a boolean",
            Some(b'n') => "null",
            _ => "a number",
        }
    }

    /// The value as a string: a JSON string unescaped, a number as its digits; any
    /// other type is `None`.
    pub fn as_text(self) -> Option<String> {
        match self.kind() {
            "a string" => serde_json::from_str(self.0).ok(),
            "a number" => Some(self.0.trim().to_owned()),
            _ => None,
        }
    }
}

fn descend<'a>(raw: &'a str, rest: &[String]) -> Option<RawAt<'a>> {
    let Some((next, rest)) = rest.split_first() else {
        return Some(RawAt(raw));
    };
    // Nested objects are parsed only when a path reaches into them.
    let inner: Vec<(&str, &'a RawValue)> = serde_json::from_str::<BorrowedFields<'a>>(raw).ok()?.0;
    let found = inner.iter().rev().find(|(k, _)| *k == next)?.1;
    descend(found.get(), rest)
}

/// Like [`Fields`], borrowing from the text (keys without escapes only; a key with
/// an escape is skipped by the borrowing parse, which then fails over to `None`).
struct BorrowedFields<'a>(Vec<(&'a str, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for BorrowedFields<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = BorrowedFields<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut fields = Vec::new();
                while let Some(entry) = map.next_entry::<&'de str, &'de RawValue>()? {
                    fields.push(entry);
                }
                Ok(BorrowedFields(fields))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

fn set_in(
    fields: &mut Vec<(String, Box<RawValue>)>,
    path: &[String],
    value: Box<RawValue>,
) -> Result<(), serde_json::Error> {
    let Some((first, rest)) = path.split_first() else {
        return Ok(());
    };
    let slot = fields.iter().rposition(|(k, _)| k == first);
    if rest.is_empty() {
        match slot {
            Some(i) => fields[i].1 = value,
            None => fields.push((first.clone(), value)),
        }
        return Ok(());
    }
    let mut inner = match slot {
        Some(i) => serde_json::from_str::<Fields>(fields[i].1.get())?,
        None => Fields::default(),
    };
    set_in(&mut inner.0, rest, value)?;
    let rebuilt = RawValue::from_string(inner.to_json())?;
    match slot {
        Some(i) => fields[i].1 = rebuilt,
        None => fields.push((first.clone(), rebuilt)),
    }
    Ok(())
}

/// One JSON Lines record with the fields docsift reads.
#[derive(Debug)]
pub struct JsonRecord {
    pub fields: Fields,
    pub text: String,
    /// The id field: a string, or a number's digits.
    pub id: Option<String>,
    pub url: Option<String>,
}

/// Why a line is not a record docsift can clean.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("not JSON: {0}")]
    NotJson(String),
    #[error("not a JSON object (a record is {{\"text\": ..., ...}}), but {0}")]
    NotAnObject(&'static str),
    #[error("no {0:?} field (set --text-key to the field that holds the text)")]
    MissingText(String),
    #[error("the {key:?} field is {found}, not a string")]
    TextNotString { key: String, found: &'static str },
    #[error("invalid UTF-8 at byte {0} of the line (JSON Lines is UTF-8)")]
    InvalidUtf8(usize),
    #[error("the file ends in the middle of this record (no newline, and not valid JSON)")]
    CutMidLine,
    #[error("line is {size} bytes, over the --max-bytes limit of {limit}")]
    TooLarge { size: u64, limit: u64 },
}

/// Parses one line (without its newline) into a record. `terminated` says
/// whether a newline followed it: a last line without one that does not parse is
/// a shard cut mid-record.
pub fn parse_record(line: &[u8], terminated: bool, keys: &Keys) -> Result<JsonRecord, RecordError> {
    let text = std::str::from_utf8(line).map_err(|e| RecordError::InvalidUtf8(e.valid_up_to()))?;
    let trimmed = text.trim_start();
    if !trimmed.starts_with('{') {
        if !terminated {
            return Err(RecordError::CutMidLine);
        }
        return match serde_json::from_str::<serde::de::IgnoredAny>(trimmed) {
            Ok(_) => Err(RecordError::NotAnObject(RawAt(trimmed).kind())),
            Err(e) => Err(RecordError::NotJson(e.to_string())),
        };
    }
    let fields: Fields = serde_json::from_str(text).map_err(|e| {
        if !terminated && e.is_eof() {
            RecordError::CutMidLine
        } else {
            RecordError::NotJson(e.to_string())
        }
    })?;
    let raw_text = fields
        .get(&keys.text)
        .ok_or_else(|| RecordError::MissingText(keys.text.to_string()))?;
    if raw_text.kind() != "a string" {
        return Err(RecordError::TextNotString {
            key: keys.text.to_string(),
            found: raw_text.kind(),
        });
    }
    let body: String =
        serde_json::from_str(raw_text.0).map_err(|e| RecordError::NotJson(e.to_string()))?;
    let id = fields.get(&keys.id).and_then(RawAt::as_text);
    let url = fields.get(&keys.url).and_then(RawAt::as_text);
    Ok(JsonRecord {
        fields,
        text: body,
        id,
        url,
    })
}

/// The top-level key under which `--to jsonl` adds docsift's findings to a record
/// it passes through (see `output::jsonl`). The reader notes where a record already
/// has one, so that the writer replaces it in place without parsing the line again.
pub const FINDINGS_KEY: &str = "docsift";

/// A JSON Lines record as the reader keeps it: the line itself (spooled by the
/// caller) and where in it lie the parts the run needs, found with one parse that
/// borrows from the line (nothing of the line is copied but its id and url, and a
/// spaced line's compact form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineRecord {
    /// The byte range of the text's JSON string (quotes included).
    pub text: Range<usize>,
    /// Whether the text is empty or only whitespace once unescaped.
    pub blank: bool,
    /// The id field: a string, or a number's digits.
    pub id: Option<String>,
    pub url: Option<String>,
    /// The line without its top-level whitespace, when it had some (`None`: the
    /// line is compact as read). The spans above and in `layout` lie in this line
    /// when there is one. Its fields are the line's, so rebuilding from either
    /// gives the same bytes; keeping this one lets the writer splice it.
    pub compacted: Option<Vec<u8>>,
    /// Where the (compact) line's findings lie, for writing it back by splicing.
    pub layout: Layout,
}

/// The top-level layout of a **compact** line: one whose top-level object has no
/// whitespace between its tokens and no escape in its keys, so that writing its
/// fields back one after another (as [`Fields::to_json`] does) gives the line
/// itself. Such a line is written out by replacing byte ranges (its text, its
/// findings) instead of being parsed again into fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The value of the last top-level [`FINDINGS_KEY`] field, if the line has one
    /// (an earlier docsift run's findings, which are replaced in place).
    pub findings: Option<Range<usize>>,
}

/// Reads one line as a record (what [`parse_record`] checks, with the same
/// reasons), without building its fields: `Ok(Err(record))` is a record whose keys
/// hold escapes, which only the owning parse reads, its text given apart.
pub fn read_line(
    line: &[u8],
    terminated: bool,
    keys: &Keys,
) -> Result<Result<LineRecord, JsonRecord>, RecordError> {
    let Ok(text) = std::str::from_utf8(line) else {
        return parse_record(line, terminated, keys).map(Err);
    };
    if !text.trim_start().starts_with('{') {
        return parse_record(line, terminated, keys).map(Err);
    }
    // Fails on bad JSON and on a key with an escape: the owning parse then gives
    // the reason (or the record).
    let Ok(top) = serde_json::from_str::<BorrowedFields<'_>>(text) else {
        return parse_record(line, terminated, keys).map(Err);
    };
    let get = |path: &KeyPath| {
        let (first, rest) = path.0.split_first()?;
        let raw = top.0.iter().rev().find(|(k, _)| k == first)?.1.get();
        descend(raw, rest)
    };
    let raw_text =
        get(&keys.text).ok_or_else(|| RecordError::MissingText(keys.text.to_string()))?;
    if raw_text.kind() != "a string" {
        return Err(RecordError::TextNotString {
            key: keys.text.to_string(),
            found: raw_text.kind(),
        });
    }
    let raw = raw_text.0.trim();
    let blank = if raw.contains("\\u") {
        // A \u escape may be a lone surrogate, which only unescaping finds.
        let body: String =
            serde_json::from_str(raw).map_err(|e| RecordError::NotJson(e.to_string()))?;
        body.trim().is_empty()
    } else {
        blank_string(&raw[1..raw.len() - 1])
    };
    let id = get(&keys.id).and_then(RawAt::as_text);
    let url = get(&keys.url).and_then(RawAt::as_text);
    let span = |s: &str| {
        let start = s.as_ptr() as usize - text.as_ptr() as usize;
        start..start + s.len()
    };
    let text_span = span(raw);
    let findings = top
        .0
        .iter()
        .rev()
        .find(|(k, _)| *k == FINDINGS_KEY)
        .map(|(_, v)| span(v.get()));
    let compact_len = 1 + top
        .0
        .iter()
        .map(|(k, v)| k.len() + 4 + v.get().len())
        .sum::<usize>()
        .max(1);
    if text.len() == compact_len {
        return Ok(Ok(LineRecord {
            text: text_span,
            blank,
            id,
            url,
            compacted: None,
            layout: Layout { findings },
        }));
    }
    // Spaced (`json.dumps`'s `", "` and `": "`, or a pretty top level): the line
    // without its top-level whitespace, which is what rebuilding its fields writes,
    // so that it too is written back by splicing. Values are copied byte for byte,
    // so a span inside one moves by its value's shift.
    let mut line = Vec::with_capacity(compact_len);
    let mut moved: Vec<(usize, usize, usize)> = Vec::with_capacity(top.0.len());
    line.push(b'{');
    for (i, (k, v)) in top.0.iter().enumerate() {
        if i > 0 {
            line.push(b',');
        }
        line.push(b'"');
        line.extend_from_slice(k.as_bytes());
        line.extend_from_slice(b"\":");
        let old = span(v.get());
        moved.push((old.start, old.end, line.len()));
        line.extend_from_slice(v.get().as_bytes());
    }
    line.push(b'}');
    let shift = |r: Range<usize>| {
        let &(start, _, to) = moved
            .iter()
            .find(|(start, end, _)| *start <= r.start && r.end <= *end)
            .expect("every span lies inside a top-level value");
        r.start - start + to..r.end - start + to
    };
    Ok(Ok(LineRecord {
        text: shift(text_span),
        blank,
        id,
        url,
        layout: Layout {
            findings: findings.map(shift),
        },
        compacted: Some(line),
    }))
}

/// Whether a JSON string's contents (between its quotes, with no `\u` escape) is
/// only whitespace once unescaped, as `str::trim` sees it.
fn blank_string(inner: &str) -> bool {
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n' | 'r' | 't' | 'f') => {}
                _ => return false,
            },
            c if c.is_whitespace() => {}
            _ => return false,
        }
    }
    true
}

/// Where the value at `path` lies in `line` (a line [`parse_record`] took as a
/// record), as a byte range of its raw JSON text, found without copying: the record
/// store keeps the line alone and reads the text back from it. `None` when a key on
/// the way holds an escape, which the borrowing parse does not take.
pub fn span_of(line: &str, path: &KeyPath) -> Option<std::ops::Range<usize>> {
    let (first, rest) = path.0.split_first()?;
    let top = serde_json::from_str::<BorrowedFields<'_>>(line).ok()?;
    let raw = top.0.iter().rev().find(|(k, _)| *k == first)?.1.get();
    let at = descend(raw, rest)?.0.trim();
    let start = (at.as_ptr() as usize).checked_sub(line.as_ptr() as usize)?;
    (start + at.len() <= line.len()).then_some(start..start + at.len())
}

/// One line of a JSON Lines stream.
#[derive(Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// A line within the byte limit, without its newline (and without a `\r`
    /// before it).
    Text {
        /// 1-based line number: the record number a user can find with `sed -n Np`.
        number: u64,
        /// Byte offset of the line's start in the (decompressed) stream.
        offset: u64,
        bytes: &'a [u8],
        /// Whether a newline ended it (false only for a last line without one).
        terminated: bool,
    },
    /// A line over the limit: skipped to its end without being kept in memory.
    TooLong { number: u64, offset: u64, size: u64 },
}

/// Splits a stream into lines, holding at most `limit` bytes of any one line.
pub struct LineReader<R> {
    inner: R,
    limit: u64,
    number: u64,
    offset: u64,
    buf: Vec<u8>,
}

impl<R: BufRead> LineReader<R> {
    pub fn new(inner: R, limit: u64) -> Self {
        LineReader {
            inner,
            limit,
            number: 0,
            offset: 0,
            buf: Vec::new(),
        }
    }

    /// The next line, or `None` at the end of the stream.
    pub fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        self.buf.clear();
        let start = self.offset;
        let mut size: u64 = 0;
        let mut terminated = false;
        loop {
            let chunk = self.inner.fill_buf()?;
            if chunk.is_empty() {
                break;
            }
            let (take, found) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (i + 1, true),
                None => (chunk.len(), false),
            };
            let content = if found { &chunk[..take - 1] } else { chunk };
            if size + (content.len() as u64) <= self.limit {
                self.buf.extend_from_slice(content);
            }
            size += content.len() as u64;
            self.inner.consume(take);
            self.offset += take as u64;
            if found {
                terminated = true;
                break;
            }
        }
        if size == 0 && !terminated {
            return Ok(None);
        }
        self.number += 1;
        if size > self.limit {
            return Ok(Some(Line::TooLong {
                number: self.number,
                offset: start,
                size,
            }));
        }
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        Ok(Some(Line::Text {
            number: self.number,
            offset: start,
            bytes: &self.buf,
            terminated,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<JsonRecord, RecordError> {
        parse_record(line.as_bytes(), true, &Keys::default())
    }

    fn keys(text: &str, id: &str, url: &str) -> Keys {
        Keys {
            text: text.parse().unwrap(),
            id: id.parse().unwrap(),
            url: url.parse().unwrap(),
        }
    }

    #[test]
    fn a_text_is_found_in_its_line_without_copying() {
        let line = r#"{"id":1,"doc":{"lang":"en","body": "a\"b" },"text":"x"}"#;
        let span = span_of(line, &"doc.body".parse().unwrap()).unwrap();
        assert_eq!(&line[span], r#""a\"b""#);
        let span = span_of(line, &"text".parse().unwrap()).unwrap();
        assert_eq!(&line[span], r#""x""#);
        assert_eq!(span_of(line, &"missing".parse().unwrap()), None);
        // A key with an escape is not borrowed: the caller stores the text itself.
        assert_eq!(
            span_of(r#"{"te\u0078t":"x"}"#, &"text".parse().unwrap()),
            None
        );
    }

    #[test]
    fn dolma_datatrove_and_fineweb_shapes_read_with_flags_alone() {
        let dolma = r#"{"id":"d1","text":"Hello\nworld","source":"web","added":"2024-01-01","created":"2023-05-01","metadata":{"url":"https://a.example/x","lang":"en"}}"#;
        let r = parse_record(dolma.as_bytes(), true, &keys("text", "id", "metadata.url")).unwrap();
        assert_eq!(r.text, "Hello\nworld");
        assert_eq!(r.id.as_deref(), Some("d1"));
        assert_eq!(r.url.as_deref(), Some("https://a.example/x"));

        let datatrove = r#"{"text":"Body","id":"<urn:uuid:1>","metadata":{"url":"http://b.example/","dump":"CC-MAIN-2024-22"}}"#;
        let r = parse_record(
            datatrove.as_bytes(),
            true,
            &keys("text", "id", "metadata.url"),
        )
        .unwrap();
        assert_eq!(r.url.as_deref(), Some("http://b.example/"));

        let fineweb = r#"{"text":"Body","id":"<urn:uuid:2>","dump":"CC-MAIN-2024-10","url":"https://c.example/p","date":"2024-02-20T00:00:00Z","file_path":"s3://x","language":"en","language_score":0.9234567891234,"token_count":1234}"#;
        let r = parse(fineweb).unwrap();
        assert_eq!(r.url.as_deref(), Some("https://c.example/p"));
        // Passthrough: the record written back is the record read.
        assert_eq!(r.fields.to_json(), fineweb);
    }

    #[test]
    fn numeric_ids_are_their_digits() {
        let r = parse(r#"{"id": 17, "text": "x"}"#).unwrap();
        assert_eq!(r.id.as_deref(), Some("17"));
    }

    #[test]
    fn replacing_the_text_keeps_every_other_field_in_order() {
        let line = r#"{"a":1.50,"text":"old","m":{"z":1,"text":"n","b":[1,2]},"w":null}"#;
        let mut r = parse(line).unwrap();
        r.fields
            .set(
                &"text".parse().unwrap(),
                RawValue::from_string("\"new\"".into()).unwrap(),
            )
            .unwrap();
        r.fields
            .set(
                &"m.text".parse().unwrap(),
                RawValue::from_string("\"N\"".into()).unwrap(),
            )
            .unwrap();
        r.fields
            .set(
                &"docsift".parse().unwrap(),
                RawValue::from_string("{}".into()).unwrap(),
            )
            .unwrap();
        assert_eq!(
            r.fields.to_json(),
            r#"{"a":1.50,"text":"new","m":{"z":1,"text":"N","b":[1,2]},"w":null,"docsift":{}}"#
        );
    }

    #[test]
    fn each_bad_line_has_its_own_reason() {
        assert!(matches!(parse("not json"), Err(RecordError::NotJson(_))));
        assert!(matches!(
            parse(r#"{"text": "a""#),
            Err(RecordError::NotJson(_))
        ));
        assert_eq!(
            parse("[1,2]").unwrap_err(),
            RecordError::NotAnObject("an array")
        );
        assert_eq!(
            parse(r#"{"body":"x"}"#).unwrap_err(),
            RecordError::MissingText("text".into())
        );
        assert_eq!(
            parse(r#"{"text":42}"#).unwrap_err(),
            RecordError::TextNotString {
                key: "text".into(),
                found: "a number"
            }
        );
        assert_eq!(
            parse_record(b"{\"text\":\"a\xff\"}", true, &Keys::default()).unwrap_err(),
            RecordError::InvalidUtf8(10)
        );
        assert_eq!(
            parse_record(br#"{"text":"cut he"#, false, &Keys::default()).unwrap_err(),
            RecordError::CutMidLine
        );
        // A complete last line without a newline is a record.
        assert!(parse_record(br#"{"text":"fine"}"#, false, &Keys::default()).is_ok());
    }

    /// The one-parse reader finds what the owning parse finds: the same reason for
    /// every bad line, the same id and url, the text's span, and whether it is blank.
    #[test]
    fn reading_a_line_once_agrees_with_the_owning_parse() {
        let lines: &[&[u8]] = &[
            br#"{"id":7,"text":"a\nb","url":"https://x.example/"}"#,
            br#"{"text":" \n\t\r\f ","id":"b"}"#,
            br#"{"text":"\u0020\u00a0"}"#,
            br#"{"text":"\b"}"#,
            br#"{"text":"\ud800"}"#,
            br#"{"te\u0078t":"escaped key","id":"k"}"#,
            br#"{ "text" : "spaced" }"#,
            b"not json",
            b"[1]",
            br#"{"body":"x"}"#,
            br#"{"text":3}"#,
            b"{\"text\":\"\xff\"}",
        ];
        for &line in lines {
            let shown = String::from_utf8_lossy(line);
            let owned = parse_record(line, true, &Keys::default());
            match (read_line(line, true, &Keys::default()), owned) {
                (Err(a), Err(b)) => assert_eq!(a, b, "{shown}"),
                (Ok(Ok(r)), Ok(o)) => {
                    assert_eq!((r.id, r.url), (o.id, o.url), "{shown}");
                    assert_eq!(r.blank, o.text.trim().is_empty(), "{shown}");
                    // The span lies in the compact line, the one spooled.
                    let kept = r.compacted.as_deref().unwrap_or(line);
                    let text = std::str::from_utf8(&kept[r.text]).unwrap();
                    assert_eq!(serde_json::from_str::<String>(text).unwrap(), o.text);
                }
                (Ok(Err(r)), Ok(o)) => assert_eq!(r.text, o.text, "{shown}"),
                (a, b) => panic!("{shown}: {a:?} against {b:?}"),
            }
        }
        // A spaced line comes back compact, its spans in the compact line.
        let spaced = br#" { "id": 7, "text" : "x", "m": {"a": [1, 2]}, "docsift": {} } "#;
        let read = read_line(spaced, true, &Keys::default()).unwrap().unwrap();
        let line = read.compacted.expect("compacted");
        assert_eq!(
            line,
            br#"{"id":7,"text":"x","m":{"a": [1, 2]},"docsift":{}}"#
        );
        assert_eq!(&line[read.text], br#""x""#);
        assert_eq!(&line[read.layout.findings.unwrap()], b"{}");
        let nested = Keys {
            text: "m.body".parse().unwrap(),
            ..Keys::default()
        };
        let read = read_line(br#"{"n": 1, "m": {"body": "y"}}"#, true, &nested)
            .unwrap()
            .unwrap();
        let line = read.compacted.expect("compacted");
        assert_eq!(&line[read.text], br#""y""#, "a nested span moves too");
        let compact = read_line(br#"{"text":"x"}"#, true, &Keys::default());
        assert_eq!(compact.unwrap().unwrap().compacted, None, "kept as read");
    }

    #[test]
    fn key_paths_refuse_empty_parts() {
        assert!("metadata..url".parse::<KeyPath>().is_err());
        assert!("".parse::<KeyPath>().is_err());
    }

    #[test]
    fn lines_are_numbered_and_long_lines_are_skipped_without_being_kept() {
        let data = b"{\"text\":\"a\"}\r\n\n0123456789012345\n{\"text\":\"b\"}";
        let mut lines = LineReader::new(&data[..], 12);
        let mut seen = Vec::new();
        while let Some(line) = lines.next_line().unwrap() {
            seen.push(match line {
                Line::Text {
                    number,
                    offset,
                    bytes,
                    terminated,
                } => format!(
                    "{number}@{offset}:{}:{terminated}",
                    String::from_utf8_lossy(bytes)
                ),
                Line::TooLong {
                    number,
                    offset,
                    size,
                } => format!("{number}@{offset}: too long {size}"),
            });
        }
        assert_eq!(
            seen,
            [
                "1@0: too long 13",
                "2@14::true",
                "3@15: too long 16",
                "4@32:{\"text\":\"b\"}:false",
            ]
        );
    }
}
