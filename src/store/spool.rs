//! The spool: where clean bodies wait between cleaning and writing.
//!
//! A run cannot write a document's file when it cleans it: whether it is canonical,
//! and which duplicates its header lists, is known only after deduplication. Creating
//! a temporary file per document and renaming it later doubles the file-system work
//! that dominates a large run, so bodies are appended instead to a few spool files
//! (one per worker thread, so appends never wait on each other), and read back by
//! offset when deduplication verifies a pair and when the final files are written.
//! Each body is appended under its document's key, and read back by key (the spool
//! is a [`BodyStore`]); where each key's body lies is a sorted list, built when the
//! spool is sealed.
//! The spool lives in the run's hidden staging folder and is removed with it.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::document::Key;
use crate::store::BodyStore;

/// Where one body lies in the spool.
pub use crate::document::SpoolRef as BodyRef;

struct Writer {
    out: BufWriter<File>,
    len: u64,
}

/// Append-only body storage, one file per worker.
pub struct Spool {
    paths: Vec<PathBuf>,
    writers: Vec<Mutex<Writer>>,
    readers: Vec<File>,
    /// Every body appended by key; sorted by key when the spool is sealed. One list
    /// for all writers, reserved once ([`Spool::reserve`]): it holds an entry per
    /// document of the run, so it must not grow by doubling.
    index: Mutex<Vec<(Key, BodyRef)>>,
    /// The index, sorted, once sealed (read without a lock).
    sealed: Vec<(Key, BodyRef)>,
}

impl Spool {
    /// Creates `workers` spool files in `dir` (which must exist).
    pub fn create(dir: &Path, workers: usize) -> io::Result<Self> {
        let mut paths = Vec::new();
        let mut writers = Vec::new();
        for k in 0..workers.max(1) {
            let p = dir.join(format!("spool-{k}"));
            // Created new: a name that exists (a planted link) is an error, not a
            // file to write through.
            let f = fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&p)?;
            writers.push(Mutex::new(Writer {
                out: BufWriter::with_capacity(1 << 18, f),
                len: 0,
            }));
            paths.push(p);
        }
        Ok(Spool {
            paths,
            writers,
            readers: Vec::new(),
            index: Mutex::new(Vec::new()),
            sealed: Vec::new(),
        })
    }

    /// Makes room for the keys of `documents` bodies (at most one per document).
    pub fn reserve(&self, documents: usize) {
        lock(&self.index).reserve_exact(documents);
    }

    /// Appends the body of document `key` (from any worker thread).
    pub fn append_keyed(&self, key: &Key, body: &[u8]) -> io::Result<()> {
        let r = self.append(body)?;
        lock(&self.index).push((key.clone(), r));
        Ok(())
    }

    /// Appends a body (from any worker thread); read it back with [`Spool::read`].
    pub fn append(&self, body: &[u8]) -> io::Result<BodyRef> {
        self.append_parts(&[body])
    }

    /// Appends a body given in `parts`, one after another (a header and the bytes
    /// it describes, without first copying them together).
    pub fn append_parts(&self, parts: &[&[u8]]) -> io::Result<BodyRef> {
        let k = rayon::current_thread_index().unwrap_or(0) % self.writers.len();
        self.append_to(k, parts)
    }

    fn append_to(&self, k: usize, parts: &[&[u8]]) -> io::Result<BodyRef> {
        let mut w = self.writers[k].lock().unwrap_or_else(|e| e.into_inner());
        let total: usize = parts.iter().map(|p| p.len()).sum();
        let len = u32::try_from(total)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "body over 4 GiB"))?;
        for p in parts {
            w.out.write_all(p)?;
        }
        let r = BodyRef {
            file: k as u16,
            len,
            offset: w.len,
        };
        w.len += total as u64;
        Ok(r)
    }

    /// Ends appending: flushes the spool and opens it for reading.
    pub fn seal(&mut self) -> io::Result<()> {
        for w in &self.writers {
            lock(w).out.flush()?;
        }
        let mut index = std::mem::take(self.index.get_mut().unwrap_or_else(|e| e.into_inner()));
        index.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        // A spool of records read from a pipe could not be reserved: its list grew
        // by doubling, and is held for the whole run.
        index.shrink_to_fit();
        self.sealed = index;
        self.readers = self
            .paths
            .iter()
            .map(File::open)
            .collect::<io::Result<Vec<_>>>()?;
        Ok(())
    }

    /// Reads a body back (after [`Spool::seal`]; from any thread).
    pub fn read(&self, r: BodyRef) -> io::Result<Vec<u8>> {
        let f = self
            .readers
            .get(r.file as usize)
            .ok_or_else(|| io::Error::other("spool read before seal"))?;
        let mut buf = vec![0u8; r.len as usize];
        read_exact_at(f, &mut buf, r.offset)?;
        Ok(buf)
    }

    /// Reads back the body appended under `key` (after [`Spool::seal`]).
    pub fn read_key(&self, key: &Key) -> io::Result<Vec<u8>> {
        let k = self
            .sealed
            .binary_search_by(|(k, _)| k.cmp(key))
            .map_err(|_| io::Error::other("no body spooled for this input"))?;
        self.read(self.sealed[k].1)
    }

    /// Whether a body was appended under `key` (after [`Spool::seal`]).
    pub fn contains(&self, key: &Key) -> bool {
        self.sealed.binary_search_by(|(k, _)| k.cmp(key)).is_ok()
    }

    /// Deletes the spool files.
    pub fn remove(self) {
        drop(self.readers);
        drop(self.writers);
        for p in &self.paths {
            let _ = fs::remove_file(p);
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl BodyStore for Spool {
    fn body(&self, key: &Key) -> io::Result<String> {
        let data = self.read_key(key)?;
        String::from_utf8(data).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }
}

#[cfg(unix)]
fn read_exact_at(f: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(f, buf, offset)
}

#[cfg(windows)]
fn read_exact_at(f: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        let n = f.seek_read(buf, offset)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        buf = &mut buf[n..];
        offset += n as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_come_back() {
        let d = tempfile::tempdir().unwrap();
        let mut s = Spool::create(d.path(), 3).unwrap();
        let a = s.append(b"first body\n").unwrap();
        let b = s.append("второе тело\n".as_bytes()).unwrap();
        let e = s.append(b"").unwrap();
        s.seal().unwrap();
        assert_eq!(s.read(b).unwrap(), "второе тело\n".as_bytes());
        assert_eq!(s.read(a).unwrap(), b"first body\n");
        assert_eq!(s.read(e).unwrap(), b"");
        s.remove();
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 0);
    }
}
