//! The record readers wired into a run: every input that is a JSON Lines shard or
//! a WARC/WET archive (see [`crate::input::format`]) is replaced, in the run's list
//! of sources, by one source per record it holds, in file order.
//!
//! * **Keys.** Record `N` of file `FILE` is keyed `FILE#N`: for JSON Lines, `N` is
//!   the 1-based line number (`sed -n Np` shows it; blank lines are skipped but
//!   counted); for WARC, the 1-based record number in the archive, skipped
//!   records included. Keys are stable across runs and machines and name where
//!   the document came from; the manifest adds the byte offset.
//! * **Files at once.** Each shard or archive is read by its own worker (a run of
//!   two shards reads both together) while the progress bar counts records; their
//!   records are then put back in file order, so nothing downstream depends on
//!   `-j` or on which file finished first.
//! * **Texts wait on disk.** Each record (a JSON Lines record's line, which holds
//!   its text, without whitespace between its top-level fields; a WARC record's
//!   headers and text) is appended to the run's
//!   [`InputStore`] as the file is read; the source keeps only its metadata, so
//!   memory grows with the number of records, not their size.
//! * **Sites from URLs.** A record with a URL belongs to the site `--site-key` makes
//!   of it (host by default); one without, to its file's folder, like a capture.
//!   Sites are keyed across the whole run, so a site whose records are spread over
//!   several shards learns its boilerplate from all of them.
//! * **Bad records are rows.** A line that is not a record docsift can clean, a
//!   WARC record that cannot be read, a second record with an id already seen
//!   (checked once every file is read, in key order):
//!   each is a source carrying its error (`line 3: not JSON: …`), so it becomes a
//!   manifest row and a line on stderr, and reading goes on. A stream that breaks
//!   (a gzip cut short, garbage after a zstd frame) is a row for the file itself,
//!   after every record read before the break.
//! * **Skipped WARC records** (warcinfo, request, metadata, HTML responses) are not
//!   documents: they are counted by type for the summary.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::ops::Range;
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use rayon::prelude::*;

use crate::document::{Extra, Key, Meta, Origin, RecordFile, RecordFormat, Site, SpoolRef};
use crate::error::{DocError, Error, Result};
use crate::input::format::{reader_for, Reader, Reading};
use crate::input::jsonl::{read_line, Layout, Line, LineReader, RecordError};
use crate::input::walk::{Expanded, Source};
use crate::input::warc::{capture_of, Capture, WarcReader, WarcRecord};
use crate::input::{compress, read};
use crate::store::InputStore;
use crate::ui::progress::{Phase, Progress};

/// Replaces every JSON Lines and WARC input among `expanded`'s sources by its
/// records, spooling their texts (see the module documentation). Files are read at
/// once, one per worker of the current rayon pool, and their records put back in
/// file order, so the sources (and all that follows) never depend on `-j` or on
/// which file finished first. Errors only when the spool cannot be written (exit 2).
pub fn expand_records(
    expanded: &mut Expanded,
    reading: &Reading,
    progress: &Progress,
) -> Result<()> {
    let readers: Vec<Reader> = expanded
        .sources
        .iter()
        .map(|s| reader_for(s, reading.from))
        .collect();
    if readers.iter().all(|r| *r == Reader::Text) {
        return Ok(());
    }
    let mut store = InputStore::create(rayon::current_num_threads())
        .map_err(|e| Error::write(std::env::temp_dir(), e))?;
    // Reading a shard can take long, or never end (a pipe whose writer stays open):
    // Ctrl-C stops between records, and a read that does not return is abandoned by
    // the watchdog, which removes the spool (see `interrupt`).
    crate::interrupt::install();
    let files = readers.iter().filter(|r| **r != Reader::Text).count();
    let done = Arc::new(AtomicUsize::new(0));
    let _abandonable = crate::interrupt::abandonable(Some(store.dir()), files, done.clone());
    let phase = progress.spinner("reading");
    let counted = AtomicU64::new(0);
    let sources = std::mem::take(&mut expanded.sources);
    let jobs: Vec<(usize, Reader)> = readers
        .iter()
        .enumerate()
        .filter(|(_, r)| **r != Reader::Text)
        .map(|(i, r)| (i, *r))
        .collect();
    let read: Vec<Result<FileRecords>> = jobs
        .par_iter()
        .with_max_len(1)
        .map(|&(i, reader)| {
            let mut file = FileReader {
                reading,
                store: &store,
                out: FileRecords::default(),
                counted: &counted,
                phase: &phase,
                sites: HashMap::new(),
            };
            if !crate::interrupt::is_set() {
                file.read_file(sources[i].clone(), reader)?;
            }
            done.fetch_add(1, Ordering::SeqCst);
            Ok(file.out)
        })
        .collect();
    if crate::interrupt::is_set() {
        eprintln!("docsift: interrupted while reading records; nothing was written");
        return Err(Error::Interrupted);
    }
    let read = read.into_iter().collect::<Result<Vec<FileRecords>>>()?;
    // Held for the whole run, so made at its final size: no room left over from
    // growing, and no second copy while it grows.
    let total = sources.len() - read.len() + read.iter().map(|f| f.sources.len()).sum::<usize>();
    let mut out = Vec::with_capacity(total);
    let mut read = read.into_iter();
    let mut skipped: BTreeMap<String, u64> = BTreeMap::new();
    for (source, reader) in sources.into_iter().zip(readers) {
        if reader == Reader::Text {
            out.push(source);
            continue;
        }
        let file = read.next().expect("one result per file read");
        out.extend(file.sources);
        for (label, n) in file.skipped {
            *skipped.entry(label).or_default() += n;
        }
    }
    one_record_per_id(&mut out);
    let dir = store.dir().to_path_buf();
    store.seal().map_err(|e| Error::write(&dir, e))?;
    expanded.sources = out;
    expanded.skipped_records = skipped;
    expanded.inputs = Some(Arc::new(store));
    Ok(())
}

/// A second record with an id already seen in the run is an error row naming the
/// first (in key order: whichever file was read first, the same record wins).
fn one_record_per_id(sources: &mut [Source]) {
    let mut ids: HashMap<&str, &Key> = HashMap::new();
    let mut repeats: Vec<(usize, DocError)> = Vec::new();
    for (i, s) in sources.iter().enumerate() {
        let (Some(id), None) = (s.meta.id(), &s.walk_error) else {
            continue;
        };
        let Origin::Record {
            file,
            number,
            offset,
            ..
        } = &s.meta.origin
        else {
            continue;
        };
        match ids.get(id) {
            Some(first) => repeats.push((
                i,
                DocError::Record(format!(
                    "{}: id {id:?} is already the id of {first}",
                    record_prefix(*number, *offset, file.format)
                )),
            )),
            None => {
                ids.insert(id, &s.meta.key);
            }
        }
    }
    drop(ids);
    for (i, e) in repeats {
        sources[i].walk_error = Some(Box::new(e));
    }
}

/// How a row's reason names its record: `line 3`, `record 2 (byte 512)`.
fn record_prefix(number: u64, offset: u64, format: RecordFormat) -> String {
    match format {
        RecordFormat::Jsonl => format!("line {number}"),
        RecordFormat::Warc => format!("record {number} (byte {offset})"),
    }
}

/// What one file gave: its records' sources, in file order, and the WARC records
/// skipped, by type.
#[derive(Default)]
struct FileRecords {
    sources: Vec<Source>,
    skipped: BTreeMap<String, u64>,
}

/// Reads one shard or archive into the store.
struct FileReader<'a> {
    reading: &'a Reading,
    store: &'a InputStore,
    out: FileRecords,
    /// Records read by every file so far, for the progress bar.
    counted: &'a AtomicU64,
    phase: &'a Phase,
    /// The sites of this file's records so far, by name: records of one site share
    /// one [`Site`] (one allocation per site, not per record: a run holds every
    /// record's metadata to its end).
    sites: HashMap<String, Site>,
}

/// What a record holds once read: its line with where its text lies in it, or its
/// text and input fields apart.
enum Payload {
    Line {
        line: Vec<u8>,
        text: Range<usize>,
        layout: Layout,
    },
    Apart {
        text: Vec<u8>,
        fields: Vec<u8>,
    },
}

/// What one record gave: a document, or the reason it is not one.
struct Found {
    number: u64,
    offset: u64,
    site: Option<String>,
    extra: Option<Extra>,
    outcome: std::result::Result<Payload, String>,
}

/// How often (in records) the progress bar's count is redrawn.
const PROGRESS_EVERY: u64 = 1024;

impl FileReader<'_> {
    fn read_file(&mut self, source: Source, reader: Reader) -> Result<()> {
        let path = source.path();
        let _reading = crate::interrupt::reading(&crate::escape::escape_path(&path));
        let stdin = source.meta.origin == Origin::Stdin;
        let (input, mode): (Box<dyn Read + Send>, _) = if stdin {
            (Box::new(std::io::stdin()), None)
        } else {
            match open_regular(&path) {
                Ok((f, mode)) => (Box::new(f), mode),
                Err(e) => return self.file_failed(source, e),
            }
        };
        let name = (!stdin).then(|| source.rel());
        let buffered = match compress::open_ahead(input, name) {
            Ok((b, _)) => b,
            Err(e) => return self.file_failed(source, read::decompress_error(&e)),
        };
        let (root, rel): (Arc<Path>, Box<Path>) = match &source.meta.origin {
            Origin::File { root, .. } => (root.clone(), source.rel().into()),
            _ => (Arc::from(Path::new("")), Path::new("-").into()),
        };
        let format = match reader {
            Reader::Jsonl => RecordFormat::Jsonl,
            _ => RecordFormat::Warc,
        };
        let file = Arc::new(RecordFile {
            root,
            rel,
            format,
            mode,
        });
        match reader {
            Reader::Jsonl => self.read_jsonl(source, &file, buffered),
            _ => self.read_warc(source, &file, buffered),
        }
    }

    /// A file that could not be read (or stopped decoding): one row for it.
    fn file_failed(&mut self, mut source: Source, e: DocError) -> Result<()> {
        source.walk_error = Some(Box::new(e));
        self.out.sources.push(source);
        Ok(())
    }

    fn read_jsonl(
        &mut self,
        source: Source,
        file: &Arc<RecordFile>,
        input: Box<dyn std::io::BufRead>,
    ) -> Result<()> {
        let mut lines = LineReader::new(input, self.reading.max_bytes);
        let mut last = 0;
        while !crate::interrupt::is_set() {
            let found = match lines.next_line() {
                Ok(None) => return Ok(()),
                Err(e) => {
                    let e = stream_broke(&e, last, "line");
                    return self.file_failed(source, e);
                }
                Ok(Some(Line::TooLong {
                    number,
                    offset,
                    size,
                })) => Found {
                    number,
                    offset,
                    site: None,
                    extra: None,
                    outcome: Err(RecordError::TooLarge {
                        size,
                        limit: self.reading.max_bytes,
                    }
                    .to_string()),
                },
                Ok(Some(Line::Text {
                    number,
                    offset,
                    bytes,
                    terminated,
                })) => {
                    last = number;
                    if terminated && bytes.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    jsonl_found(number, offset, bytes, terminated, self.reading)
                }
            };
            self.add(&source, file, found)?;
        }
        Ok(())
    }

    fn read_warc(
        &mut self,
        source: Source,
        file: &Arc<RecordFile>,
        input: Box<dyn std::io::BufRead>,
    ) -> Result<()> {
        let mut records = WarcReader::new(input, self.reading.max_bytes);
        while let Some(item) = records
            .next_record()
            .filter(|_| !crate::interrupt::is_set())
        {
            let found = match item {
                Err(e) => Found {
                    number: e.number,
                    offset: e.offset,
                    site: None,
                    extra: None,
                    outcome: Err(e.kind.to_string()),
                },
                Ok(rec) => match warc_found(&rec) {
                    Some(found) => found,
                    None => {
                        let Capture::Skip(label) = capture_of(&rec) else {
                            unreachable!("warc_found takes every capture")
                        };
                        *self.out.skipped.entry(label).or_default() += 1;
                        continue;
                    }
                },
            };
            self.add(&source, file, found)?;
        }
        Ok(())
    }

    /// Adds one record's source: its text spooled, or its error.
    fn add(&mut self, source: &Source, file: &Arc<RecordFile>, found: Found) -> Result<()> {
        let key = Key::new(format!("{}#{}", source.name(), found.number));
        let site = match found.site.as_deref() {
            Some(url) => self
                .reading
                .site_key
                .of_url(url)
                .map(|name| self.site(name)),
            None => None,
        }
        .unwrap_or_else(|| source.meta.site.clone());
        let (stored, error) = match found.outcome {
            Ok(payload) => (
                match payload {
                    Payload::Line { line, text, layout } => {
                        self.store.put_line(&line, text, Some(&layout))
                    }
                    Payload::Apart { text, fields } => self.store.put(&text, &fields),
                }
                .map_err(|e| Error::write(self.store.dir(), e))?,
                None,
            ),
            Err(reason) => (
                SpoolRef::default(),
                Some(Box::new(DocError::Record(format!(
                    "{}: {reason}",
                    record_prefix(found.number, found.offset, file.format)
                )))),
            ),
        };
        let meta = Meta {
            key,
            origin: Origin::Record {
                file: file.clone(),
                number: found.number,
                offset: found.offset,
                stored,
            },
            site,
            extra: found.extra,
        };
        self.out.sources.push(Source {
            meta: Arc::new(meta),
            walk_error: error,
            known_file: false,
        });
        let n = self.counted.fetch_add(1, Ordering::Relaxed) + 1;
        if n.is_multiple_of(PROGRESS_EVERY) {
            self.phase
                .set_message(format!("{} records", indicatif::HumanCount(n)));
        }
        Ok(())
    }

    /// The site named `name`, shared with this file's other records of that site.
    fn site(&mut self, name: String) -> Site {
        match self.sites.get(&name) {
            Some(site) => site.clone(),
            None => {
                let site = Site::new(name.as_str());
                self.sites.insert(name, site.clone());
                site
            }
        }
    }
}

/// A record named as the manifest names it, `FILE#N` (`docsift explain
/// shard.jsonl.zst#17`): FILE and N, when the path is not itself a file and FILE is.
pub fn record_address(path: &Path) -> Option<(std::path::PathBuf, u64)> {
    if std::fs::symlink_metadata(path).is_ok() {
        return None;
    }
    let (file, n) = path.to_str()?.rsplit_once('#')?;
    let n = n.parse().ok().filter(|n| *n > 0)?;
    let file = std::path::PathBuf::from(file);
    file.is_file().then_some((file, n))
}

/// Reads the shard or archive `file` as `clean` reads it (every record, in its
/// site) and finds record `n` among its sources, for `explain` and `diff`. The
/// error is what to tell the user: the file holds no such record, or why record
/// `n` is not a document (its manifest row's reason).
pub fn read_record(
    file: &Path,
    n: u64,
    reading: &Reading,
) -> std::result::Result<(Expanded, usize), String> {
    let mut expanded =
        crate::input::expand_with(&[file.to_path_buf()], false).map_err(|e| e.to_string())?;
    expand_records(&mut expanded, reading, &Progress::hidden()).map_err(|e| e.to_string())?;
    if expanded.inputs.is_none() {
        return Err("not a JSON Lines shard or a WARC archive: its records cannot be named".into());
    }
    let number = |s: &Source| match &s.meta.origin {
        Origin::Record { number, .. } => Some(*number),
        _ => None,
    };
    if let Some(i) = expanded.sources.iter().position(|s| number(s) == Some(n)) {
        return match &expanded.sources[i].walk_error {
            Some(e) => Err(e.to_string()),
            None => Ok((expanded, i)),
        };
    }
    let last = expanded.sources.iter().filter_map(number).max();
    let broke = expanded
        .sources
        .iter()
        .find(|s| number(s).is_none())
        .and_then(|s| s.walk_error.as_ref());
    let mut msg = match last {
        Some(last) => format!("no record {n}: the last record is {last}"),
        None => format!("no record {n}: the file holds no records"),
    };
    if let Some(e) = broke {
        msg.push_str(&format!("; reading stopped: {e}"));
    }
    Err(msg)
}

/// Opens a regular file (a FIFO or a device is refused: it may never end), with
/// its permission bits.
fn open_regular(path: &Path) -> std::result::Result<(std::fs::File, Option<u32>), DocError> {
    let f = std::fs::File::open(path).map_err(|e| DocError::from_io(&e))?;
    let meta = f.metadata().map_err(|e| DocError::from_io(&e))?;
    if !meta.is_file() {
        return Err(DocError::NotAFile);
    }
    #[cfg(unix)]
    let mode = {
        use std::os::unix::fs::PermissionsExt;
        Some(meta.permissions().mode() & 0o777)
    };
    #[cfg(not(unix))]
    let mode = None;
    Ok((f, mode))
}

/// The row reason for a stream that broke after `last` records.
fn stream_broke(e: &std::io::Error, last: u64, what: &str) -> DocError {
    let reason = read::decompress_error(e).to_string();
    DocError::Decompress(if last == 0 {
        reason
    } else {
        format!("{reason} (after {what} {last}; the records before it were read)")
    })
}

/// One JSON Lines line as a record: its line (with where its text lies in it, or
/// its text apart when the line's keys hold escapes), id and url.
fn jsonl_found(number: u64, offset: u64, bytes: &[u8], terminated: bool, r: &Reading) -> Found {
    let empty = || Err(format!("the {:?} field is empty", r.keys.text.to_string()));
    let (site, extra, outcome) = match read_line(bytes, terminated, &r.keys) {
        Err(e) => (None, None, Err(e.to_string())),
        Ok(Ok(rec)) => {
            let extra = Extra::new(rec.id.as_deref(), rec.url.as_deref(), None, None);
            let outcome = if rec.blank {
                empty()
            } else {
                Ok(Payload::Line {
                    line: rec.compacted.unwrap_or_else(|| bytes.to_vec()),
                    text: rec.text,
                    layout: rec.layout,
                })
            };
            (rec.url, Some(extra), outcome)
        }
        // Keys with escapes: the owning parse read it, and its text is kept apart.
        Ok(Err(rec)) => {
            let extra = Extra::new(rec.id.as_deref(), rec.url.as_deref(), None, None);
            let outcome = if rec.text.trim().is_empty() {
                empty()
            } else {
                Ok(Payload::Apart {
                    text: rec.text.into_bytes(),
                    fields: bytes.to_vec(),
                })
            };
            (rec.url, Some(extra), outcome)
        }
    };
    Found {
        number,
        offset,
        site,
        extra,
        outcome,
    }
}

/// A WARC record that is a capture (WET `conversion`, text/plain `response` or
/// `resource`): its text (as UTF-8 when the record names another charset),
/// fields (its headers) and metadata. `None` for a record that is skipped.
fn warc_found(rec: &WarcRecord) -> Option<Found> {
    let Capture::Text { body, charset } = capture_of(rec) else {
        return None;
    };
    let url = rec.target_uri().map(str::to_owned);
    let header = |name: &str| rec.header(name).map(str::trim).filter(|v| !v.is_empty());
    let extra = Extra::new(
        header("WARC-Record-ID"),
        url.as_deref(),
        header("WARC-Date"),
        header("WARC-Identified-Content-Language"),
    );
    let outcome = match &url {
        None => Err(format!(
            "a {} record without a WARC-Target-URI (a capture needs its URL)",
            rec.record_type()
        )),
        Some(_) => Ok(Payload::Apart {
            text: utf8_text(body, charset.as_deref()),
            fields: headers_json(rec),
        }),
    };
    Some(Found {
        number: rec.number,
        offset: rec.offset,
        site: url,
        extra: Some(extra),
        outcome,
    })
}

/// A payload in the charset its record names, as UTF-8; without a charset (or
/// one encoding_rs does not know) the bytes go to the usual detection.
fn utf8_text(body: &[u8], charset: Option<&str>) -> Vec<u8> {
    match charset.and_then(|c| encoding_rs::Encoding::for_label(c.as_bytes())) {
        Some(enc) if enc != encoding_rs::UTF_8 => enc
            .decode_without_bom_handling(body)
            .0
            .into_owned()
            .into_bytes(),
        _ => body.to_vec(),
    }
}

/// A WARC record's headers as one JSON object, in their order.
fn headers_json(rec: &WarcRecord) -> Vec<u8> {
    let mut out = String::from("{");
    for (i, (k, v)) in rec.headers.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&serde_json::to_string(k).unwrap_or_default());
        out.push(':');
        out.push_str(&serde_json::to_string(v).unwrap_or_default());
    }
    out.push('}');
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{Writer, Written};
    use crate::record::Record;
    use crate::store::{BodyStore, RunStore, Spool};

    /// A writer that keeps what it can read of each record's input.
    struct Fields(Vec<(String, Option<String>)>);

    impl Writer for Fields {
        fn write(
            &mut self,
            records: &mut [Record],
            store: &dyn BodyStore,
            _: &crate::ui::progress::Progress,
        ) -> crate::error::Result<Written> {
            for r in records.iter() {
                let f = store.input_fields(&r.meta).unwrap();
                self.0.push((
                    r.key().to_string(),
                    f.map(|b| String::from_utf8(b).unwrap()),
                ));
            }
            Ok(Written::default())
        }
    }

    fn expand(paths: &[&Path], reading: &Reading) -> Expanded {
        let inputs: Vec<_> = paths.iter().map(|p| p.to_path_buf()).collect();
        let mut e = crate::input::expand_with(&inputs, false).unwrap();
        expand_records(&mut e, reading, &Progress::hidden()).unwrap();
        e
    }

    #[test]
    fn every_input_field_travels_from_reader_to_writer_in_order() {
        let d = tempfile::tempdir().unwrap();
        let line1 = r#"{"z":1,"text":"First body.","id":"x1","meta":{"b":[1,2.50],"a":null},"url":"https://a.example/1"}"#;
        let line3 = r#"{"text":"Third body.","id":7,"token_count":3}"#;
        std::fs::write(d.path().join("s.jsonl"), format!("{line1}\n\n{line3}\n")).unwrap();
        std::fs::write(d.path().join("plain.txt"), "A capture.\n").unwrap();
        let wet = "WARC/1.0\r\nWARC-Type: conversion\r\nWARC-Target-URI: http://b.example/p\r\n\
                   WARC-Date: 2024-05-01T00:00:00Z\r\nWARC-Record-ID: <urn:uuid:1>\r\n\
                   Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nHello\r\n\r\n";
        std::fs::write(d.path().join("a.wet"), wet).unwrap();
        let e = expand(&[d.path()], &Reading::default());
        let keys: Vec<&str> = e.sources.iter().map(|s| s.name()).collect();
        assert_eq!(keys, ["a.wet#1", "plain.txt", "s.jsonl#1", "s.jsonl#3"]);
        let records: Vec<Record> = e
            .sources
            .iter()
            .map(|s| Record::error(s.meta.clone(), DocError::NotFound, 0))
            .collect();
        let bodies_dir = tempfile::tempdir().unwrap();
        let mut bodies = Spool::create(bodies_dir.path(), 1).unwrap();
        bodies.seal().unwrap();
        let store = RunStore {
            bodies: &bodies,
            inputs: e.inputs.as_deref(),
            sets: None,
        };
        let mut w = Fields(Vec::new());
        let mut records = records;
        w.write(
            &mut records,
            &store,
            &crate::ui::progress::Progress::hidden(),
        )
        .unwrap();
        let wet_fields = r#"{"WARC-Type":"conversion","WARC-Target-URI":"http://b.example/p","WARC-Date":"2024-05-01T00:00:00Z","WARC-Record-ID":"<urn:uuid:1>","Content-Type":"text/plain","Content-Length":"5"}"#;
        assert_eq!(
            w.0,
            [
                ("a.wet#1".into(), Some(wet_fields.into())),
                ("plain.txt".into(), None),
                ("s.jsonl#1".into(), Some(line1.into())),
                ("s.jsonl#3".into(), Some(line3.into())),
            ]
        );
        // The reader's metadata travels too.
        let m = &e.sources[2].meta;
        assert_eq!((m.id(), m.url()), (Some("x1"), Some("https://a.example/1")));
        assert_eq!(m.site.as_str(), "a.example");
        assert_eq!(e.sources[3].meta.id(), Some("7"));
        assert_eq!(e.sources[0].meta.date(), Some("2024-05-01T00:00:00Z"));
        assert_eq!(
            e.inputs.as_ref().unwrap().text(&e.sources[3].meta).unwrap(),
            b"Third body."
        );
    }
}
