//! The per-line decisions of a run, kept for the report (`clean --report`).
//!
//! The report shows every line of every document, kept or removed with its reason,
//! long after the run has dropped the documents; re-cleaning the inputs then would
//! need them unchanged, and stdin or a site's boilerplate cannot be replayed. So a
//! run asked for a report keeps, per document, its normalized lines and the runs of
//! lines that share one decision ([`DocLines`]), compressed with zstd (see the
//! README for what it costs), in
//! `OUT/.docsift-lines.zst`. A run without `--report` writes none of it.
//!
//! Workers append a frame per document as they finish them (arrival order);
//! [`LineLog::finish`] rewrites them in manifest-row order, [`GROUP`] documents to a
//! frame, so the file's bytes do not depend on `-j`. The file ends with an index and a
//! trailer, so the report reads any document by decompressing one group:
//!
//! ```text
//! MAGIC  u32 length, RunFacts JSON  group frame*
//! index: (u64 offset, u32 length) per group, then (u32 start, u32 length) per row
//!        within its group's decompressed bytes (length 0: no document, an error row)
//! trailer: u64 rows, u64 index offset, MAGIC
//! ```
//!
//! (little-endian). The name is hidden because
//! inputs' names never are: no document written to `OUT` can land on it.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::document::{Document, Reason};
use crate::output::atomic::{persist, temp_file_for, temp_file_for_mode};

/// The log's file name inside `OUT`.
pub const FILE: &str = ".docsift-lines.zst";

/// First and last bytes of the file (format version 1).
const MAGIC: &[u8; 8] = b"DSLINES1";

/// zstd level of the finished log's frames: 3 (the library default) compresses text
/// about 4:1 at hundreds of MB/s.
const LEVEL: i32 = 3;
/// zstd level of a document's frame during the run (regrouped at the end): the
/// fastest, since workers compress on the cleaning path.
const RUN_LEVEL: i32 = 1;
/// Documents (consecutive rows) compressed together in the finished log.
pub const GROUP: usize = 20;

/// One document's lines and the decision on each, as the log and the report's data
/// files store it (the report's pages read this JSON as it is).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocLines {
    /// The normalized lines, each ended by `\n`.
    pub t: String,
    /// Runs of consecutive lines with one decision: `[lines, decision]`, where
    /// decision 0 is kept and `k` is `d[k - 1]`.
    pub r: Vec<[u32; 2]>,
    /// The removal decisions the runs cite: `[reason, rule]` (`Reason::name`).
    pub d: Vec<[String; 2]>,
    /// The title's line (from 0), if any.
    pub title: Option<u32>,
    /// Lines removed before the document was built (a huge capture cleaned in
    /// segments), by reason: counted, but not among `t`'s lines.
    pub e: BTreeMap<String, u32>,
}

impl DocLines {
    pub fn of(doc: &Document) -> Self {
        let mut out = DocLines {
            t: String::with_capacity(doc.text_bytes()),
            r: Vec::new(),
            d: Vec::new(),
            title: doc.title_line.map(|i| i as u32),
            e: doc
                .removed_earlier
                .nonzero()
                .map(|(r, n)| (r.name().to_owned(), n))
                .collect(),
        };
        for i in 0..doc.len() {
            out.t.push_str(doc.text(i));
            out.t.push('\n');
            let code = match doc.removal(i) {
                None => 0,
                Some(rm) => {
                    let key = [rm.reason.name().to_owned(), rm.rule.to_string()];
                    match out.d.iter().position(|d| *d == key) {
                        Some(k) => k as u32 + 1,
                        None => {
                            out.d.push(key);
                            out.d.len() as u32
                        }
                    }
                }
            };
            match out.r.last_mut() {
                Some([n, c]) if *c == code => *n += 1,
                _ => out.r.push([1, code]),
            }
        }
        out
    }

    /// Each line with its removal (`None`: kept), in order.
    pub fn lines(&self) -> impl Iterator<Item = (&str, Option<(&str, &str)>)> + '_ {
        let decisions = self
            .r
            .iter()
            .flat_map(|&[n, c]| std::iter::repeat_n(c, n as usize));
        self.t.split_terminator('\n').zip(decisions).map(|(t, c)| {
            let removal = (c > 0)
                .then(|| self.d.get(c as usize - 1))
                .flatten()
                .map(|[reason, rule]| (reason.as_str(), rule.as_str()));
            (t, removal)
        })
    }

    /// The clean body these decisions give, built by [`Document::body`] itself, so the
    /// report can check it against the manifest's `sha256`.
    pub fn body(&self) -> String {
        let lines: Vec<(&str, Option<(&str, &str)>)> = self.lines().collect();
        let mut doc = Document::from_lines(lines.iter().map(|(t, _)| *t));
        for (i, (_, removal)) in lines.iter().enumerate() {
            if let Some((reason, rule)) = removal {
                let reason = Reason::ALL
                    .into_iter()
                    .find(|r| r.name() == *reason)
                    .unwrap_or(Reason::OutsideArticle);
                doc.remove(i, reason, *rule);
            }
        }
        doc.body()
    }
}

/// What the run knew that the manifest does not say, kept with the log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunFacts {
    pub docsift_version: String,
    /// The limits that bit during the run (see `crate::limits`): description, count.
    pub limits: Vec<(String, u64)>,
}

impl RunFacts {
    /// This docsift's version and the limits that bit during the run.
    pub fn of(limits: &crate::limits::Counts) -> Self {
        RunFacts {
            docsift_version: env!("CARGO_PKG_VERSION").to_owned(),
            limits: limits
                .report()
                .into_iter()
                .map(|(l, n)| (l.describe().to_owned(), n))
                .collect(),
        }
    }
}

/// A finished group: its compressed frame, and each row's (start, length) in it.
type Group = (Vec<u8>, Vec<(u32, u32)>);

/// The log being written during a run: frames appended by any worker.
pub struct LineLog {
    inner: Mutex<Appender>,
    /// The run's limit counts, handed over when its work is done.
    limits: Mutex<crate::limits::Counts>,
}

struct Appender {
    file: BufWriter<File>,
    temp: tempfile::NamedTempFile,
    offset: u64,
    /// Row index → (offset, length) of its frame in `temp`.
    frames: BTreeMap<usize, (u64, u32)>,
    /// The first write that failed: the log is then unusable, said at the end.
    error: Option<io::Error>,
}

impl LineLog {
    /// Records the limits the run hit (its [`crate::limits::Tally`] at the end).
    pub fn set_limits(&self, limits: crate::limits::Counts) {
        *self.limits.lock().unwrap_or_else(|e| e.into_inner()) = limits;
    }

    /// The limits handed over by [`LineLog::set_limits`].
    pub fn limits(&self) -> crate::limits::Counts {
        *self.limits.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts a log in `out` (a hidden temporary file there until [`LineLog::finish`];
    /// a run that fails removes it, and it has the name docsift's sweep of `--out`
    /// recognises, so a killed run's is cleared by the next).
    pub fn create(out: &Path) -> io::Result<LineLog> {
        let temp = temp_file_for(&out.join(FILE))?;
        let file = BufWriter::with_capacity(1 << 20, temp.as_file().try_clone()?);
        Ok(LineLog {
            limits: Mutex::default(),
            inner: Mutex::new(Appender {
                file,
                temp,
                offset: 0,
                frames: BTreeMap::new(),
                error: None,
            }),
        })
    }

    /// Records the decisions on row `index`'s document (its index among the run's
    /// sorted sources, which is its manifest row). The frame is compressed by the
    /// calling worker; only the append holds the lock.
    pub fn record(&self, index: usize, doc: &Document) {
        let frame = serde_json::to_vec(&DocLines::of(doc))
            .map_err(io::Error::other)
            .and_then(|json| zstd::bulk::compress(&json, RUN_LEVEL));
        let mut a = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if a.error.is_some() {
            return;
        }
        let written = frame.and_then(|f| {
            a.file.write_all(&f)?;
            Ok(f.len())
        });
        match written {
            Ok(len) => {
                let at = a.offset;
                a.frames.insert(index, (at, len as u32));
                a.offset += len as u64;
            }
            Err(e) => a.error = Some(e),
        }
    }

    /// Writes the log to `out/FILE` in row order (`rows` rows), atomically, with at
    /// most the permission bits `mode` (the manifest's: the log holds every input's
    /// text). The documents are regrouped by [`GROUP`] consecutive rows and each group
    /// compressed as one frame: a frame per document compresses poorly (a capture is
    /// a few KB), and a group is still quick to read for one document.
    pub fn finish(
        self,
        out: &Path,
        rows: usize,
        mode: u32,
        facts: &RunFacts,
    ) -> io::Result<PathBuf> {
        use rayon::prelude::*;
        let a = self.inner.into_inner().unwrap_or_else(|p| p.into_inner());
        if let Some(e) = a.error {
            return Err(e);
        }
        let Appender {
            file, temp, frames, ..
        } = a;
        file.into_inner().map_err(|e| e.into_error())?;
        let source = temp.as_file();
        let dest = out.join(FILE);
        let tmp = temp_file_for_mode(&dest, mode)?;
        let mut w = BufWriter::with_capacity(1 << 20, tmp.as_file().try_clone()?);
        let facts = serde_json::to_vec(facts).map_err(io::Error::other)?;
        w.write_all(MAGIC)?;
        w.write_all(&(facts.len() as u32).to_le_bytes())?;
        w.write_all(&facts)?;
        let mut offset = (MAGIC.len() + 4 + facts.len()) as u64;
        let groups = rows.div_ceil(GROUP);
        let mut group_index = Vec::with_capacity(groups * 12);
        let mut row_index = Vec::with_capacity(rows * 8);
        // A batch of groups at a time, compressed in parallel, written in order.
        let batch = 4 * rayon::current_num_threads().max(1);
        for first in (0..groups).step_by(batch) {
            let built: Vec<io::Result<Group>> = (first..(first + batch).min(groups))
                .into_par_iter()
                .map(|g| {
                    let mut plain = Vec::new();
                    let mut spans = Vec::with_capacity(GROUP);
                    let mut frame = Vec::new();
                    for i in g * GROUP..((g + 1) * GROUP).min(rows) {
                        match frames.get(&i) {
                            Some(&(from, len)) => {
                                frame.resize(len as usize, 0);
                                read_exact_at(source, &mut frame, from)?;
                                let json = zstd::stream::decode_all(&frame[..])?;
                                spans.push((plain.len() as u32, json.len() as u32));
                                plain.extend_from_slice(&json);
                            }
                            None => spans.push((plain.len() as u32, 0)),
                        }
                    }
                    Ok((zstd::bulk::compress(&plain, LEVEL)?, spans))
                })
                .collect();
            for b in built {
                let (compressed, spans) = b?;
                w.write_all(&compressed)?;
                group_index.extend_from_slice(&offset.to_le_bytes());
                group_index.extend_from_slice(&(compressed.len() as u32).to_le_bytes());
                offset += compressed.len() as u64;
                for (at, len) in spans {
                    row_index.extend_from_slice(&at.to_le_bytes());
                    row_index.extend_from_slice(&len.to_le_bytes());
                }
            }
        }
        w.write_all(&group_index)?;
        w.write_all(&row_index)?;
        w.write_all(&(rows as u64).to_le_bytes())?;
        w.write_all(&offset.to_le_bytes())?;
        w.write_all(MAGIC)?;
        w.into_inner().map_err(|e| e.into_error())?;
        persist(tmp, &dest, true)?;
        Ok(dest)
    }
}

/// A finished log, read by row.
pub struct LineLogReader {
    file: File,
    /// Each group's frame: offset and length.
    groups: Vec<(u64, u32)>,
    /// Each row's document within its group's bytes: start and length (0: none).
    rows: Vec<(u32, u32)>,
    pub facts: RunFacts,
}

impl LineLogReader {
    /// Opens `out/FILE`; `Ok(None)` when there is none (the run had no `--report`).
    pub fn open(out: &Path) -> io::Result<Option<LineLogReader>> {
        let path = out.join(FILE);
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
        let size = file.metadata()?.len();
        if size < 36 {
            return Err(bad("not a docsift line log (too short)"));
        }
        let mut trailer = [0u8; 24];
        read_exact_at(&file, &mut trailer, size - 24)?;
        let mut head = [0u8; 8];
        read_exact_at(&file, &mut head, 0)?;
        if &trailer[16..] != MAGIC || &head != MAGIC {
            return Err(bad("not a docsift line log (format 1)"));
        }
        let rows = u64::from_le_bytes(trailer[..8].try_into().expect("8 bytes"));
        let at = u64::from_le_bytes(trailer[8..16].try_into().expect("8 bytes"));
        let groups = rows.div_ceil(GROUP as u64);
        let index_len = groups
            .saturating_mul(12)
            .saturating_add(rows.saturating_mul(8));
        if at.checked_add(index_len) != Some(size - 24) {
            return Err(bad("damaged docsift line log (index does not fit)"));
        }
        let mut len = [0u8; 4];
        read_exact_at(&file, &mut len, 8)?;
        let len = u32::from_le_bytes(len) as u64;
        if 12 + len > at {
            return Err(bad("damaged docsift line log (run facts do not fit)"));
        }
        let mut raw = vec![0u8; len as usize];
        read_exact_at(&file, &mut raw, 12)?;
        let facts = serde_json::from_slice(&raw)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        let mut raw = vec![0u8; index_len as usize];
        read_exact_at(&file, &mut raw, at)?;
        let (g, r) = raw.split_at(groups as usize * 12);
        let u64_at = |c: &[u8]| u64::from_le_bytes(c[..8].try_into().expect("8 bytes"));
        let u32_at = |c: &[u8]| u32::from_le_bytes(c[..4].try_into().expect("4 bytes"));
        Ok(Some(LineLogReader {
            file,
            groups: g
                .chunks_exact(12)
                .map(|c| (u64_at(c), u32_at(&c[8..])))
                .collect(),
            rows: r
                .chunks_exact(8)
                .map(|c| (u32_at(c), u32_at(&c[4..])))
                .collect(),
            facts,
        }))
    }

    /// Rows the log was written for.
    pub fn rows(&self) -> usize {
        self.rows.len()
    }

    /// The decompressed bytes of group `g`.
    fn group(&self, g: usize) -> io::Result<Vec<u8>> {
        let (at, len) = self.groups[g];
        let mut frame = vec![0u8; len as usize];
        read_exact_at(&self.file, &mut frame, at)?;
        zstd::stream::decode_all(&frame[..])
    }

    /// Row `i`'s decisions as the JSON text of its [`DocLines`] (`None`: no document).
    pub fn json(&self, i: usize) -> io::Result<Option<Vec<u8>>> {
        Ok(self.json_range(i, i + 1)?.pop().flatten())
    }

    /// Rows `from..to`'s decisions as JSON text, reading each group once.
    pub fn json_range(&self, from: usize, to: usize) -> io::Result<Vec<Option<Vec<u8>>>> {
        let to = to.min(self.rows.len());
        let mut out = Vec::with_capacity(to.saturating_sub(from));
        let mut cached: Option<(usize, Vec<u8>)> = None;
        for i in from..to {
            let (start, len) = self.rows[i];
            if len == 0 {
                out.push(None);
                continue;
            }
            let g = i / GROUP;
            if cached.as_ref().is_none_or(|(k, _)| *k != g) {
                cached = Some((g, self.group(g)?));
            }
            let bytes = &cached.as_ref().expect("just read").1;
            let doc = bytes
                .get(start as usize..start as usize + len as usize)
                .ok_or_else(|| {
                    io::Error::new(io::ErrorKind::InvalidData, "damaged docsift line log")
                })?;
            out.push(Some(doc.to_vec()));
        }
        Ok(out)
    }

    /// Row `i`'s decisions (`None`: no document).
    pub fn get(&self, i: usize) -> io::Result<Option<DocLines>> {
        match self.json(i)? {
            None => Ok(None),
            Some(json) => serde_json::from_slice(&json)
                .map(Some)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e)),
        }
    }
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], at: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, at)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut at: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, at)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                at += n as u64;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Document {
        let mut d = Document::from_lines(["Share this", "Title", "", "Body one.", "", "Menu"]);
        d.remove(0, Reason::Phrase, "en:share");
        d.remove(5, Reason::NavRun, "nav");
        d.title_line = Some(1);
        d.tidy_blank_lines();
        d
    }

    #[test]
    fn decisions_round_trip_and_give_the_same_body() {
        let d = doc();
        let lines = DocLines::of(&d);
        assert_eq!(lines.r, [[1, 1], [3, 0], [1, 2], [1, 3]]);
        assert_eq!(lines.d[0], ["phrase".to_owned(), "en:share".to_owned()]);
        assert_eq!(lines.body(), d.body());
        let shown: Vec<_> = lines.lines().collect();
        assert_eq!(shown[0], ("Share this", Some(("phrase", "en:share"))));
        assert_eq!(shown[3], ("Body one.", None));
        assert_eq!(shown.len(), 6);
    }

    #[test]
    fn the_log_is_written_in_row_order_whatever_the_arrival_order() {
        let dir = tempfile::tempdir().unwrap();
        let write = |order: &[usize]| {
            let log = LineLog::create(dir.path()).unwrap();
            for &i in order {
                let mut d = doc();
                d.push_line(&format!("line of document {i}"));
                log.record(i, &d);
            }
            let facts = RunFacts {
                docsift_version: "0.0.0".into(),
                limits: vec![("diffs out of steps".into(), 2)],
            };
            let path = log.finish(dir.path(), 4, 0o666, &facts).unwrap();
            std::fs::read(path).unwrap()
        };
        let a = write(&[0, 2, 3]);
        let b = write(&[3, 0, 2]);
        assert_eq!(a, b);
        let r = LineLogReader::open(dir.path()).unwrap().unwrap();
        assert_eq!(r.rows(), 4);
        assert_eq!(r.facts.limits[0].1, 2);
        assert!(r.get(1).unwrap().is_none(), "row 1 had no document");
        let third = r.get(2).unwrap().unwrap();
        assert!(third.t.ends_with("line of document 2\n"));
        // No temporary file is left beside it.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [std::ffi::OsString::from(FILE)]);
    }

    #[test]
    fn a_damaged_log_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE), b"not a log at all, just some bytes").unwrap();
        assert!(LineLogReader::open(dir.path()).is_err());
        assert!(LineLogReader::open(&dir.path().join("none"))
            .unwrap()
            .is_none());
    }
}
