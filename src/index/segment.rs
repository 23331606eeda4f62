//! Segment files: one batch's documents, immutable once written.
//!
//! ```text
//! header   64 bytes   magic "DSIDXSEG", format version, hashes, bands, rows per band,
//!                     first and last batch, documents, sections (all little-endian)
//! sections            in this order, each contiguous:
//!   sha               32 B a row: SHA-256 of the clean body; rows are sorted by it,
//!                     so exact lookups are a binary search or a merge
//!   signatures        `hashes` B a row: the MinHash signature
//!   meta              52 B a row: batch u32, shingles u32, body bytes u64,
//!                     body offset u64, body length u32, strings offset u64,
//!                     strings length u32, set offset u64, set length u32
//!                     (values)
//!   strings           per row: key, id, url, each u32 length + UTF-8
//!                     (length u32::MAX: none; the key is always there)
//!   band 0 … b−1      12 B an entry: band key u64, row u32; one entry per row,
//!                     sorted by (key, row)
//!   sets              per row, in row order: its short shingle set, sorted u32s
//!                     (`dedup::short`; format version 2 on)
//!   bodies            per row, in row order: the zstd frame of the clean body
//! footer              per section: offset u64, length u64, xxh3 u64; then the xxh3
//!                     of header and table (the segment's checksum, which the
//!                     manifest records), then "DSIDXEND"
//! ```
//!
//! Fixed-size sections make a truncated or overlong file detectable from the header
//! alone; the footer's checksums cover every byte. Rows are sorted by SHA-256 and
//! bands by key, so the same documents give the same bytes in whatever order they
//! were added. Reads go through `pread`, never a memory map: a probe of a whole
//! batch streams the sections in large chunks, so memory stays flat however large
//! the index grows.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use xxhash_rust::xxh3::{xxh3_64, Xxh3};

use crate::dedup::minhash::{Signature, HASHES};
use crate::index::entry::{Entry, EntryRef};
use crate::index::error::{IndexError, Result};
use crate::index::manifest::SegmentRecord;
use crate::index::params::{Params, FORMAT_VERSION};

pub const MAGIC: &[u8; 8] = b"DSIDXSEG";
pub const END_MAGIC: &[u8; 8] = b"DSIDXEND";
pub const HEADER: u64 = 64;
pub const SHA: usize = 32;
pub const META: usize = 52;
pub const BAND_ENTRY: usize = 12;
const TABLE_ENTRY: u64 = 24;
/// Length of a string that is not there.
const NONE: u32 = u32::MAX;

/// A section of a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sha,
    Signatures,
    Meta,
    Strings,
    Band(u32),
    Sets,
    Bodies,
}

impl Kind {
    /// The sections of a segment with `bands` bands, in file order.
    pub fn all(bands: u32) -> Vec<Kind> {
        let mut v = vec![Kind::Sha, Kind::Signatures, Kind::Meta, Kind::Strings];
        v.extend((0..bands).map(Kind::Band));
        v.push(Kind::Sets);
        v.push(Kind::Bodies);
        v
    }

    fn position(self, bands: u32) -> usize {
        match self {
            Kind::Sha => 0,
            Kind::Signatures => 1,
            Kind::Meta => 2,
            Kind::Strings => 3,
            Kind::Band(b) => 4 + b as usize,
            Kind::Sets => 4 + bands as usize,
            Kind::Bodies => 5 + bands as usize,
        }
    }

    /// Bytes a row takes, for fixed-size sections.
    fn record(self, hashes: usize) -> Option<usize> {
        match self {
            Kind::Sha => Some(SHA),
            Kind::Signatures => Some(hashes),
            Kind::Meta => Some(META),
            Kind::Band(_) => Some(BAND_ENTRY),
            Kind::Strings | Kind::Sets | Kind::Bodies => None,
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Kind::Sha => f.write_str("sha256 section"),
            Kind::Signatures => f.write_str("signatures section"),
            Kind::Meta => f.write_str("metadata section"),
            Kind::Strings => f.write_str("strings section"),
            Kind::Band(b) => write!(f, "band {b} section"),
            Kind::Sets => f.write_str("shingle sets section"),
            Kind::Bodies => f.write_str("bodies section"),
        }
    }
}

/// Where a section is, and its checksum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Section {
    pub offset: u64,
    pub len: u64,
    pub checksum: u64,
}

/// One row to write. `frame_at` says where its zstd frame is in the batch's spool
/// (offset, bytes), `set_at` where its short shingle set is (offset, values).
#[derive(Debug)]
pub struct Row {
    pub sha256: [u8; 32],
    pub signature: Signature,
    pub batch: u32,
    pub shingles: u32,
    pub bytes: u64,
    pub key: String,
    pub id: Option<String>,
    pub url: Option<String>,
    pub frame_at: (u64, u32),
    pub set_at: (u64, u32),
}

/// A step of writing, for the fault hook (see `Batch::commit_with`).
pub type Hook<'a> = &'a mut dyn FnMut(&str) -> io::Result<()>;

/// Writes a segment of `rows` (sorted by SHA-256, unique) to `out`, copying bodies
/// from `spool`. Returns the file's length and checksum.
pub fn write(
    out: &Path,
    rows: &[Row],
    params: &Params,
    batches: (u32, u32),
    spool: &File,
    spool_path: &Path,
    hook: Hook<'_>,
) -> Result<(u64, String)> {
    let io_err = |op: &str, e: io::Error| IndexError::io(out, op.to_owned(), e);
    let step = |hook: &mut dyn FnMut(&str) -> io::Result<()>, name: &str| {
        hook(name).map_err(|e| IndexError::io(out, name.to_owned(), e))
    };
    debug_assert!(rows.windows(2).all(|w| w[0].sha256 < w[1].sha256));
    let bands = params.banding();
    let kinds = Kind::all(params.bands);
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(out)
        .map_err(|e| io_err("create the segment", e))?;
    let mut w = Counting::new(BufWriter::with_capacity(1 << 20, file));

    let mut header = [0u8; HEADER as usize];
    header[0..8].copy_from_slice(MAGIC);
    header[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    header[12..16].copy_from_slice(&params.hashes.to_le_bytes());
    header[16..20].copy_from_slice(&params.bands.to_le_bytes());
    header[20..24].copy_from_slice(&params.rows.to_le_bytes());
    header[24..28].copy_from_slice(&batches.0.to_le_bytes());
    header[28..32].copy_from_slice(&batches.1.to_le_bytes());
    header[32..40].copy_from_slice(&(rows.len() as u64).to_le_bytes());
    header[40..44].copy_from_slice(&(kinds.len() as u32).to_le_bytes());
    step(hook, "write the segment header")?;
    w.write_all(&header)
        .map_err(|e| io_err("write the segment header", e))?;

    let mut table = Vec::with_capacity(kinds.len());
    for kind in &kinds {
        let what = format!("write the {kind}");
        step(hook, &what)?;
        w.start();
        match *kind {
            Kind::Sha => rows.iter().try_for_each(|r| w.write_all(&r.sha256)),
            Kind::Signatures => rows
                .iter()
                .try_for_each(|r| w.write_all(&r.signature.0[..])),
            Kind::Meta => {
                let (mut body_off, mut str_off, mut set_off) = (0u64, 0u64, 0u64);
                rows.iter().try_for_each(|r| {
                    let slen = strings_len(r);
                    let mut m = [0u8; META];
                    m[0..4].copy_from_slice(&r.batch.to_le_bytes());
                    m[4..8].copy_from_slice(&r.shingles.to_le_bytes());
                    m[8..16].copy_from_slice(&r.bytes.to_le_bytes());
                    m[16..24].copy_from_slice(&body_off.to_le_bytes());
                    m[24..28].copy_from_slice(&r.frame_at.1.to_le_bytes());
                    m[28..36].copy_from_slice(&str_off.to_le_bytes());
                    m[36..40].copy_from_slice(&slen.to_le_bytes());
                    m[40..48].copy_from_slice(&set_off.to_le_bytes());
                    m[48..52].copy_from_slice(&r.set_at.1.to_le_bytes());
                    body_off += r.frame_at.1 as u64;
                    str_off += slen as u64;
                    set_off += r.set_at.1 as u64 * 4;
                    w.write_all(&m)
                })
            }
            Kind::Strings => rows.iter().try_for_each(|r| {
                put_str(&mut w, Some(&r.key))?;
                put_str(&mut w, r.id.as_deref())?;
                put_str(&mut w, r.url.as_deref())
            }),
            Kind::Band(b) => {
                let mut keys: Vec<(u64, u32)> = rows
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (bands.key(&r.signature, b as usize), i as u32))
                    .collect();
                keys.sort_unstable();
                keys.iter().try_for_each(|(k, i)| {
                    w.write_all(&k.to_le_bytes())?;
                    w.write_all(&i.to_le_bytes())
                })
            }
            Kind::Sets | Kind::Bodies => {
                let mut frame = Vec::new();
                let mut res = Ok(());
                for r in rows {
                    let (at, len) = match kind {
                        Kind::Sets => (r.set_at.0, r.set_at.1 as usize * 4),
                        _ => (r.frame_at.0, r.frame_at.1 as usize),
                    };
                    frame.resize(len, 0);
                    if let Err(e) = read_at(spool, &mut frame, at) {
                        return Err(IndexError::io(spool_path, "read the spooled bodies", e));
                    }
                    res = w.write_all(&frame);
                    if res.is_err() {
                        break;
                    }
                }
                res
            }
        }
        .map_err(|e| io_err(&what, e))?;
        table.push(w.finish());
    }

    step(hook, "write the segment footer")?;
    let footer = footer_bytes(&header, &table);
    let checksum = u64::from_le_bytes(
        footer[footer.len() - 16..footer.len() - 8]
            .try_into()
            .unwrap(),
    );
    w.inner
        .write_all(&footer)
        .map_err(|e| io_err("write the segment footer", e))?;
    let len = w.pos + footer.len() as u64;
    let file = w
        .inner
        .into_inner()
        .map_err(|e| io_err("write the segment", e.into_error()))?;
    step(hook, "sync the segment")?;
    file.sync_all().map_err(|e| io_err("sync the segment", e))?;
    Ok((len, format!("xxh3:{checksum:016x}")))
}

fn footer_bytes(header: &[u8], table: &[Section]) -> Vec<u8> {
    let mut f = Vec::with_capacity(table.len() * TABLE_ENTRY as usize + 16);
    for s in table {
        f.extend_from_slice(&s.offset.to_le_bytes());
        f.extend_from_slice(&s.len.to_le_bytes());
        f.extend_from_slice(&s.checksum.to_le_bytes());
    }
    let mut h = Xxh3::new();
    h.update(header);
    h.update(&f);
    f.extend_from_slice(&h.digest().to_le_bytes());
    f.extend_from_slice(END_MAGIC);
    f
}

fn strings_len(r: &Row) -> u32 {
    let l = |s: Option<&str>| 4 + s.map_or(0, str::len) as u32;
    l(Some(&r.key)) + l(r.id.as_deref()) + l(r.url.as_deref())
}

fn put_str(w: &mut impl Write, s: Option<&str>) -> io::Result<()> {
    match s {
        Some(s) => {
            w.write_all(&(s.len() as u32).to_le_bytes())?;
            w.write_all(s.as_bytes())
        }
        None => w.write_all(&NONE.to_le_bytes()),
    }
}

/// A writer that knows its position and checksums the current section.
struct Counting<W: Write> {
    inner: W,
    pos: u64,
    start: u64,
    hash: Xxh3,
}

impl<W: Write> Counting<W> {
    fn new(inner: W) -> Self {
        Counting {
            inner,
            pos: 0,
            start: 0,
            hash: Xxh3::new(),
        }
    }
    fn start(&mut self) {
        self.start = self.pos;
        self.hash = Xxh3::new();
    }
    fn finish(&mut self) -> Section {
        Section {
            offset: self.start,
            len: self.pos - self.start,
            checksum: self.hash.digest(),
        }
    }
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.pos += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Reads exactly `buf.len()` bytes at `offset`.
pub fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
    }
    #[cfg(windows)]
    {
        let mut done = 0;
        while done < buf.len() {
            let n = std::os::windows::fs::FileExt::seek_read(
                file,
                &mut buf[done..],
                offset + done as u64,
            )?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            done += n;
        }
        Ok(())
    }
}

/// An open segment, its header and footer checked.
#[derive(Debug)]
pub struct Segment {
    pub path: PathBuf,
    file: File,
    pub documents: u64,
    pub first_batch: u32,
    pub last_batch: u32,
    pub bytes: u64,
    pub checksum: String,
    hashes: usize,
    bands: u32,
    sections: Vec<Section>,
}

impl Segment {
    /// Opens `path` and checks it against its manifest record and the index's
    /// parameters: size, magic, version, footer checksum, section layout. (The
    /// sections' own checksums are checked by `verify`, which reads all.)
    pub fn open(path: &Path, record: &SegmentRecord, params: &Params) -> Result<Segment> {
        let bad = |what: String| IndexError::damaged(path, what);
        let file = File::open(path).map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                bad("missing: the manifest lists this segment, but the file is not there".into())
            } else {
                IndexError::io(path, "open the segment", e)
            }
        })?;
        let bytes = file
            .metadata()
            .map_err(|e| IndexError::io(path, "read the segment's size", e))?
            .len();
        if bytes != record.bytes {
            return Err(bad(format!(
                "{} bytes, the manifest recorded {}{}",
                bytes,
                record.bytes,
                if bytes < record.bytes {
                    " (truncated)"
                } else {
                    ""
                }
            )));
        }
        if bytes < HEADER + 16 {
            return Err(bad(format!(
                "{bytes} bytes: too short for a segment (truncated)"
            )));
        }
        let mut header = [0u8; HEADER as usize];
        read_at(&file, &mut header, 0).map_err(|e| IndexError::io(path, "read the header", e))?;
        if &header[0..8] != MAGIC {
            return Err(bad("not a segment (wrong magic bytes at the start)".into()));
        }
        let u32_at = |b: &[u8], i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap());
        let u64_at = |b: &[u8], i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap());
        let version = u32_at(&header, 8);
        if version != FORMAT_VERSION {
            return Err(IndexError::Mismatch {
                path: path.to_path_buf(),
                param: "segment format version",
                index: version.to_string(),
                ours: FORMAT_VERSION.to_string(),
            });
        }
        // The footer's checksum covers the header: check it before believing any field.
        let kinds = Kind::all(params.bands);
        let footer_len = kinds.len() as u64 * TABLE_ENTRY + 16;
        if bytes < HEADER + footer_len {
            return Err(bad(format!(
                "{bytes} bytes: too short for its footer (truncated)"
            )));
        }
        let mut footer = vec![0u8; footer_len as usize];
        read_at(&file, &mut footer, bytes - footer_len)
            .map_err(|e| IndexError::io(path, "read the footer", e))?;
        if &footer[footer.len() - 8..] != END_MAGIC {
            return Err(bad(
                "no footer at the end (truncated, or damaged at the end)".into(),
            ));
        }
        let table_bytes = &footer[..kinds.len() * TABLE_ENTRY as usize];
        let mut h = Xxh3::new();
        h.update(&header);
        h.update(table_bytes);
        let sum = h.digest();
        let stored = u64_at(&footer, footer.len() - 16);
        if sum != stored {
            return Err(bad(format!(
                "header or footer damaged (checksum {sum:016x}, recorded {stored:016x})"
            )));
        }
        let checksum = format!("xxh3:{stored:016x}");
        if checksum != record.checksum {
            return Err(bad(format!(
                "checksum {checksum}, the manifest recorded {} (a different file)",
                record.checksum
            )));
        }
        let (hashes, bands, rows) = (
            u32_at(&header, 12),
            u32_at(&header, 16),
            u32_at(&header, 20),
        );
        if (hashes, bands, rows) != (params.hashes, params.bands, params.rows) {
            return Err(bad(format!(
                "written with {hashes} hashes in {bands} bands of {rows}; the manifest says {} in {} of {}",
                params.hashes, params.bands, params.rows
            )));
        }
        if hashes as usize != HASHES {
            return Err(bad(format!(
                "{hashes} hashes; this docsift computes {HASHES}"
            )));
        }
        let (first_batch, last_batch) = (u32_at(&header, 24), u32_at(&header, 28));
        let documents = u64_at(&header, 32);
        let count = u32_at(&header, 40);
        if (first_batch, last_batch, documents)
            != (record.first_batch, record.last_batch, record.documents)
        {
            return Err(bad(format!(
                "holds batches {first_batch}..{last_batch} with {documents} documents; the manifest says {}..{} with {}",
                record.first_batch, record.last_batch, record.documents
            )));
        }
        if count as usize != kinds.len() {
            return Err(bad(format!("{count} sections; {} expected", kinds.len())));
        }
        let sections: Vec<Section> = (0..kinds.len())
            .map(|i| Section {
                offset: u64_at(table_bytes, i * 24),
                len: u64_at(table_bytes, i * 24 + 8),
                checksum: u64_at(table_bytes, i * 24 + 16),
            })
            .collect();
        let mut at = HEADER;
        for (kind, s) in kinds.iter().zip(&sections) {
            if s.offset != at {
                return Err(bad(format!("{kind} starts at {}, expected {at}", s.offset)));
            }
            if let Some(rec) = kind.record(hashes as usize) {
                if s.len != documents * rec as u64 {
                    return Err(bad(format!(
                        "{kind} holds {} bytes, {documents} rows need {}",
                        s.len,
                        documents * rec as u64
                    )));
                }
            }
            at = s
                .offset
                .checked_add(s.len)
                .ok_or_else(|| bad(format!("{kind} length overflows")))?;
        }
        if at != bytes - footer_len {
            return Err(bad(format!(
                "sections end at {at}, the footer starts at {}",
                bytes - footer_len
            )));
        }
        Ok(Segment {
            path: path.to_path_buf(),
            file,
            documents,
            first_batch,
            last_batch,
            bytes,
            checksum,
            hashes: hashes as usize,
            bands,
            sections,
        })
    }

    pub fn section(&self, kind: Kind) -> Section {
        self.sections[kind.position(self.bands)]
    }

    fn read(&self, kind: Kind, at: u64, buf: &mut [u8]) -> Result<()> {
        let s = self.section(kind);
        if at + buf.len() as u64 > s.len {
            return Err(IndexError::damaged(
                &self.path,
                format!("a read past the end of its {kind} (offset {at})"),
            ));
        }
        read_at(&self.file, buf, s.offset + at)
            .map_err(|e| IndexError::io(&self.path, format!("read its {kind}"), e))
    }

    /// The SHA-256 of row `row`.
    pub fn sha(&self, row: u64) -> Result<[u8; 32]> {
        let mut b = [0u8; 32];
        self.read(Kind::Sha, row * SHA as u64, &mut b)?;
        Ok(b)
    }

    /// The row whose body has this SHA-256 (binary search).
    pub fn find_sha(&self, sha: &[u8; 32]) -> Result<Option<u32>> {
        let (mut lo, mut hi) = (0u64, self.documents);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.sha(mid)?.cmp(sha) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Ok(Some(mid as u32)),
            }
        }
        Ok(None)
    }

    fn band_entry(&self, band: u32, i: u64) -> Result<(u64, u32)> {
        let mut b = [0u8; BAND_ENTRY];
        self.read(Kind::Band(band), i * BAND_ENTRY as u64, &mut b)?;
        Ok(split_band(&b))
    }

    /// The rows whose band `band` has key `key` (binary search, then a scan).
    pub fn band_rows(&self, band: u32, key: u64) -> Result<Vec<u32>> {
        let (mut lo, mut hi) = (0u64, self.documents);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.band_entry(band, mid)?.0 < key {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let mut rows = Vec::new();
        while lo < self.documents {
            let (k, r) = self.band_entry(band, lo)?;
            if k != key {
                break;
            }
            rows.push(r);
            lo += 1;
        }
        Ok(rows)
    }

    /// The entry at `row` (`segment` is this segment's number, for the [`EntryRef`]).
    pub fn entry(&self, segment: u32, row: u32) -> Result<Entry> {
        if row as u64 >= self.documents {
            return Err(IndexError::Invalid(format!(
                "{}: no row {row} (it holds {})",
                self.path.display(),
                self.documents
            )));
        }
        let r = row as u64;
        let sha256 = self.sha(r)?;
        let mut sig = Box::new([0u8; HASHES]);
        self.read(Kind::Signatures, r * self.hashes as u64, &mut sig[..])?;
        let mut m = [0u8; META];
        self.read(Kind::Meta, r * META as u64, &mut m)?;
        let meta = Meta::parse(&m);
        let mut s = vec![0u8; meta.str_len as usize];
        self.read(Kind::Strings, meta.str_off, &mut s)?;
        let (key, id, url) = parse_strings(&s)
            .map_err(|what| IndexError::damaged(&self.path, format!("row {row}: {what}")))?;
        Ok(Entry {
            at: EntryRef { segment, row },
            batch: meta.batch,
            key: key.unwrap_or_default(),
            id,
            url,
            sha256,
            signature: Signature(sig),
            shingles: meta.shingles,
            bytes: meta.bytes,
            body_at: (meta.body_off, meta.body_len),
            set_at: (meta.set_off, meta.set_len),
        })
    }

    /// The metadata row of `row`.
    pub fn meta(&self, row: u32) -> Result<Meta> {
        let mut m = [0u8; META];
        self.read(Kind::Meta, row as u64 * META as u64, &mut m)?;
        Ok(Meta::parse(&m))
    }

    /// The short shingle set of a row, given its metadata (see `dedup::short`).
    pub fn short_set(&self, meta: &Meta) -> Result<Vec<u32>> {
        let mut b = vec![0u8; meta.set_len as usize * 4];
        self.read(Kind::Sets, meta.set_off, &mut b)?;
        Ok(crate::dedup::short::from_bytes(&b))
    }

    /// The clean body of an entry of this segment, checked against its SHA-256.
    pub fn body(&self, entry: &Entry) -> Result<String> {
        let mut frame = vec![0u8; entry.body_at.1 as usize];
        self.read(Kind::Bodies, entry.body_at.0, &mut frame)?;
        decode_body(&frame, entry.bytes, &entry.sha256).map_err(|what| {
            IndexError::damaged(
                &self.path,
                format!("row {} ({}): {what}", entry.at.row, entry.key),
            )
        })
    }

    /// A reader of a whole section in large chunks.
    pub fn stream(&self, kind: Kind) -> Stream<'_> {
        let s = self.section(kind);
        Stream {
            segment: self,
            kind,
            pos: 0,
            end: s.len,
            buf: Vec::new(),
            at: 0,
        }
    }
}

/// A decoded meta row.
#[derive(Debug, Clone, Copy)]
pub struct Meta {
    pub batch: u32,
    pub shingles: u32,
    pub bytes: u64,
    pub body_off: u64,
    pub body_len: u32,
    pub str_off: u64,
    pub str_len: u32,
    /// Byte offset of the short shingle set in the sets section, and its values.
    pub set_off: u64,
    pub set_len: u32,
}

impl Meta {
    pub fn parse(m: &[u8]) -> Meta {
        let u32_at = |i: usize| u32::from_le_bytes(m[i..i + 4].try_into().unwrap());
        let u64_at = |i: usize| u64::from_le_bytes(m[i..i + 8].try_into().unwrap());
        Meta {
            batch: u32_at(0),
            shingles: u32_at(4),
            bytes: u64_at(8),
            body_off: u64_at(16),
            body_len: u32_at(24),
            str_off: u64_at(28),
            str_len: u32_at(36),
            set_off: u64_at(40),
            set_len: u32_at(48),
        }
    }
}

pub fn split_band(b: &[u8]) -> (u64, u32) {
    (
        u64::from_le_bytes(b[0..8].try_into().unwrap()),
        u32::from_le_bytes(b[8..12].try_into().unwrap()),
    )
}

/// Key, id and url.
pub type Strings = (Option<String>, Option<String>, Option<String>);

/// Key, id and url of a strings record; the error says what is wrong.
pub fn parse_strings(s: &[u8]) -> std::result::Result<Strings, String> {
    let mut at = 0usize;
    let mut one = |name: &str| -> std::result::Result<Option<String>, String> {
        let len = s
            .get(at..at + 4)
            .ok_or_else(|| format!("its strings record ends inside the {name}"))?;
        let len = u32::from_le_bytes(len.try_into().unwrap());
        at += 4;
        if len == NONE {
            return Ok(None);
        }
        let bytes = s
            .get(at..at + len as usize)
            .ok_or_else(|| format!("its strings record ends inside the {name}"))?;
        at += len as usize;
        String::from_utf8(bytes.to_vec())
            .map(Some)
            .map_err(|_| format!("its {name} is not UTF-8"))
    };
    let key = one("key")?;
    let id = one("id")?;
    let url = one("url")?;
    if key.is_none() {
        return Err("it has no key".into());
    }
    if at != s.len() {
        return Err(format!(
            "{} bytes left over in its strings record",
            s.len() - at
        ));
    }
    Ok((key, id, url))
}

/// Decompresses a body frame and checks its length and SHA-256.
pub fn decode_body(
    frame: &[u8],
    bytes: u64,
    sha: &[u8; 32],
) -> std::result::Result<String, String> {
    use sha2::{Digest, Sha256};
    thread_local! {
        static ZSTD: std::cell::RefCell<Option<zstd::bulk::Decompressor<'static>>> =
            const { std::cell::RefCell::new(None) };
    }
    // The recorded length bounds the output, so a damaged frame cannot make it huge.
    let body = ZSTD
        .with(|z| {
            let mut z = z.borrow_mut();
            let d = match z.as_mut() {
                Some(d) => d,
                None => z.insert(zstd::bulk::Decompressor::new()?),
            };
            d.decompress(frame, bytes as usize + 1)
        })
        .map_err(|e| format!("its body does not decompress ({e})"))?;
    if body.len() as u64 != bytes {
        return Err(format!(
            "its body decompresses to {} bytes, {bytes} recorded",
            body.len()
        ));
    }
    let got: [u8; 32] = Sha256::digest(&body).into();
    if &got != sha {
        return Err("its body does not match its SHA-256".into());
    }
    String::from_utf8(body).map_err(|_| "its body is not UTF-8".into())
}

/// See [`Segment::stream`]: fixed-size records, or raw bytes, read through a buffer.
pub struct Stream<'a> {
    segment: &'a Segment,
    kind: Kind,
    pos: u64,
    end: u64,
    buf: Vec<u8>,
    at: usize,
}

/// Bytes read from disk at once when streaming a section.
const CHUNK: usize = 1 << 20;

impl Stream<'_> {
    /// The next `n` bytes, or `None` at the end of the section.
    pub fn next(&mut self, n: usize) -> Result<Option<&[u8]>> {
        if self.at + n > self.buf.len() {
            self.buf.drain(..self.at);
            self.at = 0;
            if self.pos < self.end {
                let keep = self.buf.len();
                let want = (CHUNK.max(n) as u64).min(self.end - self.pos) as usize;
                self.buf.resize(keep + want, 0);
                self.segment
                    .read(self.kind, self.pos, &mut self.buf[keep..])?;
                self.pos += want as u64;
            }
            if self.buf.len() < n {
                if self.buf.is_empty() {
                    return Ok(None);
                }
                return Err(IndexError::damaged(
                    &self.segment.path,
                    format!("its {} ends inside a record", self.kind),
                ));
            }
        }
        let r = &self.buf[self.at..self.at + n];
        self.at += n;
        Ok(Some(r))
    }
}

/// The checksum of a byte string as sections record it (for tests and verify).
pub fn section_checksum(bytes: &[u8]) -> u64 {
    xxh3_64(bytes)
}
