//! Transparent decompression for every input format: gzip (every member of a
//! multi-member stream, as Common Crawl writes one member per record) and zstd
//! (every frame), chosen by the file's extension and then by its magic bytes, so a
//! `capture.txt.gz`, a `shard.jsonl.zst` and a `.warc.wet.gz` read like their plain
//! forms.
//!
//! Two guards go beyond the crates:
//!
//! * **A byte budget on the decompressed side.** `--max-bytes` limits what a reader
//!   may produce, not what is on disk: a 10 KB gzip of 10 GB of zeros (a
//!   decompression bomb) stops at the budget and becomes an error row, never an
//!   out-of-memory. [`Budget`] counts the bytes read through it.
//! * **Garbage after the last frame** (a zstd frame followed by junk, a gzip stream
//!   cut short) is an error that says what is wrong, after whatever decoded cleanly
//!   before it was delivered.

use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

/// How an input's bytes are compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

impl Compression {
    /// The compression a file name announces (`.gz`, `.gzip`, `.zst`, `.zstd`).
    pub fn from_extension(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "gz" | "gzip" => Some(Compression::Gzip),
            "zst" | "zstd" => Some(Compression::Zstd),
            _ => None,
        }
    }

    /// The compression the first bytes show (gzip's `1f 8b`, zstd's `28 b5 2f fd`).
    pub fn from_magic(head: &[u8]) -> Self {
        if head.starts_with(&GZIP_MAGIC) {
            Compression::Gzip
        } else if head.starts_with(&ZSTD_MAGIC) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    /// The extension is trusted first; the magic bytes decide for names without
    /// one (stdin, `capture.txt` that is really gzip). A name that says `.gz` over
    /// bytes that are not gzip is read as gzip and fails with a clear error.
    pub fn detect(path: Option<&Path>, head: &[u8]) -> Self {
        path.and_then(Self::from_extension)
            .unwrap_or_else(|| Self::from_magic(head))
    }

    /// The file name without the compression extension: `a.jsonl.gz` → `a.jsonl`.
    pub fn strip_extension(path: &Path) -> std::path::PathBuf {
        match Self::from_extension(path) {
            Some(_) => path.with_extension(""),
            None => path.to_path_buf(),
        }
    }
}

/// Wraps `inner` in the decoder for `compression`. Gzip reads every member; zstd
/// every frame.
pub fn decoder<'a, R: BufRead + 'a>(
    inner: R,
    compression: Compression,
) -> io::Result<Box<dyn Read + 'a>> {
    Ok(match compression {
        Compression::None => Box::new(inner),
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(inner)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(inner)?),
    })
}

/// Opens a reader over `inner`, sniffing its compression when the name does not
/// say, and returns it buffered with the compression found.
pub fn open<'a, R: Read + 'a>(
    inner: R,
    path: Option<&Path>,
) -> io::Result<(Box<dyn BufRead + 'a>, Compression)> {
    let mut buffered = BufReader::with_capacity(1 << 16, inner);
    let head = buffered.fill_buf()?;
    let compression = Compression::detect(path, head);
    let reader = decoder(buffered, compression)?;
    Ok((
        Box::new(BufReader::with_capacity(1 << 16, reader)),
        compression,
    ))
}

/// Decompressed bytes a [`open_ahead`] thread hands over at a time.
const AHEAD_CHUNK: usize = 1 << 20;
/// Chunks it may decompress ahead of the reader (so at most this many MiB wait).
const AHEAD_CHUNKS: usize = 4;

/// [`open`], with the decompression on a thread of its own, a few chunks ahead of
/// the reader: a shard or archive is read on one thread (it may be a pipe), and
/// decompressing it (gzip's members, zstd's frames) is about as much work as
/// splitting it into records, so the two overlap instead of taking turns. An
/// error while decompressing reaches the reader where the stream broke, after every
/// byte before it; an uncompressed stream is read directly.
pub fn open_ahead<R: Read + Send + 'static>(
    inner: R,
    path: Option<&Path>,
) -> io::Result<(Box<dyn BufRead>, Compression)> {
    let mut buffered = BufReader::with_capacity(1 << 16, inner);
    let head = buffered.fill_buf()?;
    let compression = Compression::detect(path, head);
    if compression == Compression::None {
        return Ok((Box::new(buffered), compression));
    }
    let (tx, rx) = std::sync::mpsc::sync_channel::<io::Result<Vec<u8>>>(AHEAD_CHUNKS);
    std::thread::Builder::new()
        .name("docsift-decompress".into())
        .spawn(move || {
            let mut reader = match decoder(buffered, compression) {
                Ok(r) => r,
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            };
            loop {
                let mut chunk = vec![0u8; AHEAD_CHUNK];
                let mut filled = 0;
                let end = loop {
                    match reader.read(&mut chunk[filled..]) {
                        Ok(0) => break None,
                        Ok(n) => {
                            filled += n;
                            if filled == chunk.len() {
                                break Some(Ok(()));
                            }
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => break Some(Err(e)),
                    }
                };
                chunk.truncate(filled);
                // A reader that stopped (Ctrl-C, or a broken record stream) drops
                // its end: this thread stops too.
                if !chunk.is_empty() && tx.send(Ok(chunk)).is_err() {
                    return;
                }
                match end {
                    Some(Ok(())) => {}
                    Some(Err(e)) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                    None => return,
                }
            }
        })?;
    Ok((
        Box::new(ReadAhead {
            rx,
            chunk: Vec::new(),
            pos: 0,
            done: false,
        }),
        compression,
    ))
}

/// The reader's end of [`open_ahead`].
struct ReadAhead {
    rx: std::sync::mpsc::Receiver<io::Result<Vec<u8>>>,
    chunk: Vec<u8>,
    pos: usize,
    /// The stream ended (or failed, which was reported once).
    done: bool,
}

impl BufRead for ReadAhead {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.pos >= self.chunk.len() && !self.done {
            match self.rx.recv() {
                Ok(Ok(chunk)) => {
                    self.chunk = chunk;
                    self.pos = 0;
                }
                Ok(Err(e)) => {
                    self.done = true;
                    self.chunk.clear();
                    self.pos = 0;
                    return Err(e);
                }
                Err(_) => self.done = true,
            }
        }
        Ok(self.chunk.get(self.pos..).unwrap_or_default())
    }

    fn consume(&mut self, n: usize) {
        self.pos += n;
    }
}

impl Read for ReadAhead {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

/// A reader that gives at most `limit` bytes and then fails with
/// [`BudgetExceeded`], so a decompression bomb stops where the budget says instead
/// of where memory runs out.
pub struct Budget<R> {
    inner: R,
    read: u64,
    limit: u64,
}

/// The error [`Budget`] returns past its limit (inside an `io::Error` of kind
/// `Other`; [`BudgetExceeded::find`] recovers it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("decompressed input is over the --max-bytes limit of {limit} bytes")]
pub struct BudgetExceeded {
    pub limit: u64,
}

impl BudgetExceeded {
    /// The budget error inside an I/O error, if that is what it is.
    pub fn find(e: &io::Error) -> Option<Self> {
        e.get_ref()
            .and_then(|inner| inner.downcast_ref::<BudgetExceeded>())
            .copied()
    }
}

impl<R> Budget<R> {
    pub fn new(inner: R, limit: u64) -> Self {
        Budget {
            inner,
            read: 0,
            limit,
        }
    }

    /// Bytes delivered so far.
    pub fn consumed(&self) -> u64 {
        self.read
    }
}

impl<R: Read> Read for Budget<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.limit.saturating_sub(self.read);
        if left == 0 {
            // One probe byte tells "exactly at the limit" from "over it".
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::other(BudgetExceeded { limit: self.limit })),
            };
        }
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.read += n as u64;
        Ok(n)
    }
}

/// Reads a whole (possibly compressed) stream into memory, at most `limit`
/// decompressed bytes. For single-document inputs such as `capture.txt.gz`.
pub fn read_to_end_limited(
    inner: impl Read,
    path: Option<&Path>,
    limit: u64,
) -> io::Result<(Vec<u8>, Compression)> {
    let (reader, compression) = open(inner, path)?;
    let mut out = Vec::new();
    Budget::new(reader, limit).read_to_end(&mut out)?;
    Ok((out, compression))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn zstd(data: &[u8]) -> Vec<u8> {
        zstd::stream::encode_all(data, 1).unwrap()
    }

    fn read_all(bytes: &[u8], path: Option<&str>, limit: u64) -> io::Result<Vec<u8>> {
        read_to_end_limited(bytes, path.map(Path::new), limit).map(|(b, _)| b)
    }

    #[test]
    fn plain_gzip_and_zstd_read_alike_by_name_or_by_magic() {
        let text = b"Title\n\nBody line one.\n".repeat(50);
        for (bytes, name) in [
            (text.clone(), "a.txt"),
            (gzip(&text), "a.txt.gz"),
            (gzip(&text), "a.txt"),
            (zstd(&text), "a.jsonl.zst"),
            (zstd(&text), "-"),
        ] {
            assert_eq!(
                read_all(&bytes, Some(name), 1 << 20).unwrap(),
                text,
                "{name}"
            );
        }
    }

    #[test]
    fn decompressing_ahead_gives_every_byte_and_the_break_after_them() {
        // Several chunks' worth, in two gzip members.
        let text: Vec<u8> = (0..300_000u32)
            .flat_map(|i| format!("{{\"n\":{i}}}\n").into_bytes())
            .collect();
        let mut bytes = gzip(&text[..1_000_000]);
        bytes.extend(gzip(&text[1_000_000..]));
        for (bytes, name) in [(bytes, "s.jsonl.gz"), (zstd(&text), "s.jsonl.zst")] {
            let (mut r, _) =
                open_ahead(io::Cursor::new(bytes.clone()), Some(Path::new(name))).unwrap();
            let mut back = Vec::new();
            r.read_to_end(&mut back).unwrap();
            assert!(back == text, "{name}");
            // Cut short: every byte before the cut comes, then the error.
            let cut = bytes[..bytes.len() - 100].to_vec();
            let (mut r, _) = open_ahead(io::Cursor::new(cut), Some(Path::new(name))).unwrap();
            let mut back = Vec::new();
            assert!(r.read_to_end(&mut back).is_err(), "{name}");
            assert!(
                back.len() > text.len() / 2 && text.starts_with(&back),
                "{name}"
            );
        }
        // Plain bytes are read directly.
        let (mut r, c) = open_ahead(io::Cursor::new(b"{}\n".to_vec()), None).unwrap();
        let mut back = String::new();
        r.read_to_string(&mut back).unwrap();
        assert_eq!((back.as_str(), c), ("{}\n", Compression::None));
    }

    #[test]
    fn every_gzip_member_is_read() {
        let mut two = gzip(b"first record\n");
        two.extend(gzip(b"second record\n"));
        assert_eq!(
            read_all(&two, Some("x.warc.gz"), 1 << 20).unwrap(),
            b"first record\nsecond record\n"
        );
    }

    #[test]
    fn every_zstd_frame_is_read_and_trailing_garbage_fails() {
        let mut two = zstd(b"one\n");
        two.extend(zstd(b"two\n"));
        assert_eq!(read_all(&two, None, 1 << 20).unwrap(), b"one\ntwo\n");
        let mut junk = zstd(b"one\n");
        junk.extend(b"this is not a zstd frame at all");
        assert!(read_all(&junk, None, 1 << 20).is_err());
    }

    #[test]
    fn a_gzip_stream_cut_short_fails() {
        let whole = gzip(&b"some text that compresses\n".repeat(100));
        let cut = &whole[..whole.len() / 2];
        assert!(read_all(cut, Some("a.gz"), 1 << 20).is_err());
    }

    #[test]
    fn a_decompression_bomb_stops_at_the_budget() {
        let bomb = gzip(&vec![0u8; 8 << 20]);
        assert!(
            bomb.len() < 64 << 10,
            "the test needs a real bomb: {}",
            bomb.len()
        );
        let err = read_all(&bomb, Some("bomb.gz"), 1 << 20).unwrap_err();
        assert_eq!(
            BudgetExceeded::find(&err),
            Some(BudgetExceeded { limit: 1 << 20 })
        );
        // Exactly at the limit is fine.
        let exact = gzip(&vec![b'a'; 1 << 10]);
        assert_eq!(read_all(&exact, None, 1 << 10).unwrap().len(), 1 << 10);
    }

    #[test]
    fn compression_extensions_are_stripped_from_names() {
        assert_eq!(
            Compression::strip_extension(Path::new("d/a.jsonl.gz")),
            Path::new("d/a.jsonl")
        );
        assert_eq!(
            Compression::strip_extension(Path::new("a.warc.wet.zst")),
            Path::new("a.warc.wet")
        );
        assert_eq!(
            Compression::strip_extension(Path::new("a.txt")),
            Path::new("a.txt")
        );
    }
}
