//! A persistent dedup index: the canonical documents of earlier runs, so a new batch
//! is deduplicated against everything already kept without reading old data again.
//!
//! # Storage: a folder of immutable segments and a manifest
//!
//! ```text
//! IDX/
//!   index.json       the manifest: format version, pinned parameters, batches,
//!                    segments with size and checksum; replaced whole, by rename
//!   seg-000001.dsx   one segment per batch, never modified once written
//!   seg-000002.dsx   (layout in `segment`)
//!   .docsift-lock    held by the one writer (see `crate::output::lock`)
//! ```
//!
//! The alternative was an embedded transactional store (`redb`). Segments won on
//! what this index must promise:
//!
//! * **Byte-identical results.** The same batches in the same order give the same
//!   bytes: rows are sorted by SHA-256, bands by key, bodies compressed at a fixed
//!   level, and the manifest is ordered JSON. A B-tree file's page layout depends on
//!   its history of allocations and frees, so two redb files with the same content
//!   generally differ; "is this index the one we expect" would need a dump.
//! * **Flat memory and cost that grows gently.** A batch is probed against the index
//!   in one sequential pass over each segment's SHA-256 column and band tables (a
//!   merge join with the batch's sorted keys, as datatrove's MinHash index does),
//!   reading in 1 MiB chunks through `pread`. Memory does not grow with the index
//!   (the batch's sorted band keys, 16 bytes a document and band, and one segment's
//!   signature column at a time), and the pass reads about 700 bytes per indexed
//!   document (the SHA-256, signature and metadata columns and 42 band tables),
//!   sequentially. A B-tree
//!   lookup per band per document would be 4 million random reads per 100,000
//!   documents.
//! * **Crash safety with one rename.** Nothing is modified in place: a batch is
//!   staged in a hidden folder and published by renaming the new manifest over the
//!   old one. This is the discipline docsift's output already follows, and it is
//!   easy to test at every step (`batch` explains the steps and what a crash at each
//!   leaves).
//! * **No new dependency, no MSRV bump.** redb's current release needs Rust 1.90
//!   (docsift supports 1.88); the segments need only zstd, xxh3 and sha2, which
//!   docsift builds already. They are also easy to read from another language.
//!
//! What redb would do better: deleting single documents in place (takedown
//! requests). With segments that is a tombstone list in the manifest, or a
//! compaction that rewrites segments; neither is built yet.
//!
//! # What an entry holds
//!
//! Key (the document's `source`), id and url, the batch it came in, the SHA-256 of
//! its clean body, its MinHash signature (128 bytes), its distinct-shingle count and
//! length, its clean body compressed with zstd, and (format version 2 on) its short
//! shingle set. Confirming a near duplicate needs the body: the diff ratio and the
//! different-passage check of `dedup::verify` work on the text. On 5,000 bodies of
//! real sentences (mean 5.8 KB), a zstd frame is 3.3 KB (57%: an article compressed
//! alone gives zstd little to work with), the shingle set 981 shingles, 7.8 KB as the
//! u64 hashes dedup compares, 3.9 KB cut to u32, incompressible. The short set is
//! kept too because most candidates a batch meets are ruled out on it alone, without
//! decompressing and shingling the earlier body ([`crate::dedup::short`] shows the bound is exact:
//! it never rules out a pair that could confirm). Fixed cost: about 710 bytes a
//! document at the default threshold (SHA-256 32, signature 128, metadata 52, 42
//! band tables of 12 bytes, the key, id and url).
//!
//! # Guarantees
//!
//! * One writer at a time: [`Index::open`] takes an exclusive lock on the folder and
//!   refuses (or, asked to, waits) while another process holds it. Readers need no
//!   lock: they see the manifest that was in place when they opened the index, and
//!   segments are never modified or removed.
//! * A damaged or truncated index is an error naming the file and what is wrong;
//!   never an empty index. Opening checks the manifest's checksum and every
//!   segment's size, header and footer; [`verify::verify`] reads everything.
//! * Parameters that change results are pinned ([`params`]); an index built with
//!   other ones refuses to open, naming the first that differs.
//! * A batch is all or nothing ([`batch`]).

pub mod batch;
pub mod entry;
pub mod error;
pub mod manifest;
pub mod params;
pub mod probe;
pub mod segment;
pub mod verify;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::dedup::minhash::Signature;
use crate::output::lock::{self, OutLock, LOCK_FILE};

pub use batch::{Batch, Committed};
pub use entry::{Entry, EntryRef, NewEntry, Prepared};
pub use error::{IndexError, Result};
pub use manifest::{BatchRecord, Manifest, MANIFEST_FILE};
pub use params::Params;
pub use probe::{Candidate, Hits, Query, Sizes};
pub use verify::{verify, Problem, Report};

use batch::STAGING_PREFIX;
use manifest::is_segment_name;
use segment::{Kind, Segment, SHA};

/// An open index.
#[derive(Debug)]
pub struct Index {
    path: PathBuf,
    manifest: Manifest,
    segments: Vec<Segment>,
    /// Held by a writer.
    lock: Option<OutLock>,
}

/// What [`Index::stats`] reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    pub documents: u64,
    pub batches: Vec<BatchRecord>,
    pub segments: usize,
    /// Bytes of the manifest and the segments it names.
    pub bytes: u64,
    /// Of which compressed bodies (what verification needs).
    pub body_bytes: u64,
    pub params: Params,
    /// Of which short shingle sets (what ruling out candidates needs; see [`crate::dedup::short`]).
    pub set_bytes: u64,
}

impl Index {
    /// Opens the index at `path` for writing, creating it if `path` does not exist
    /// or is an empty folder. Takes the writer's lock: refuses while another process
    /// holds it, or waits for it with `wait`. Refuses an index built with other
    /// parameters, naming the first that differs. Removes what interrupted commits
    /// left behind (see [`batch`]).
    pub fn open(path: &Path, params: &Params, wait: bool) -> Result<Index> {
        match std::fs::metadata(path) {
            Ok(m) if !m.is_dir() => {
                return Err(IndexError::NotAnIndex {
                    path: path.to_path_buf(),
                    why: "it is a file, not a folder".into(),
                })
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => std::fs::create_dir_all(path)
                .map_err(|e| IndexError::io(path, "create the index folder", e))?,
            Err(e) => return Err(IndexError::io(path, "open the index folder", e)),
        }
        let held = lock::acquire_index(path, "adding a batch to this index", wait)
            .map_err(|e| IndexError::Lock(e.to_string()))?;
        if !path.join(MANIFEST_FILE).exists() {
            create(path, params)?;
        }
        let mut index = Index::load(path)?;
        index.lock = Some(held);
        index.check_params(params)?;
        index.remove_leftovers()?;
        Ok(index)
    }

    /// Opens an existing index for reading (deduplicating against it without adding
    /// to it), refusing one built with other parameters. Takes no lock.
    pub fn open_read(path: &Path, params: &Params) -> Result<Index> {
        let index = Index::load(path)?;
        index.check_params(params)?;
        Ok(index)
    }

    /// Opens an existing index for reading whatever its parameters (`stats`).
    pub fn inspect(path: &Path) -> Result<Index> {
        Index::load(path)
    }

    fn load(path: &Path) -> Result<Index> {
        let manifest = read_manifest(path)?;
        let segments = manifest
            .segments
            .iter()
            .map(|rec| Segment::open(&path.join(&rec.file), rec, &manifest.params))
            .collect::<Result<Vec<_>>>()?;
        Ok(Index {
            path: path.to_path_buf(),
            manifest,
            segments,
            lock: None,
        })
    }

    fn check_params(&self, ours: &Params) -> Result<()> {
        match self.manifest.params.first_difference(ours) {
            None => Ok(()),
            Some((param, index, ours)) => Err(IndexError::Mismatch {
                path: self.path.join(MANIFEST_FILE),
                param,
                index,
                ours,
            }),
        }
    }

    /// Staging folders and segments the manifest does not name: what a killed
    /// commit leaves. Only a writer (holding the lock) removes them.
    fn remove_leftovers(&self) -> Result<()> {
        for name in leftovers(&self.path, &self.manifest)? {
            let p = self.path.join(&name);
            let r = if name.starts_with(STAGING_PREFIX) && p.is_dir() {
                std::fs::remove_dir_all(&p)
            } else {
                std::fs::remove_file(&p)
            };
            r.map_err(|e| IndexError::io(&p, "remove what an interrupted batch left", e))?;
        }
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn params(&self) -> &Params {
        &self.manifest.params
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The batch numbered `number` (1, 2, …).
    pub fn batch(&self, number: u32) -> Option<&BatchRecord> {
        self.manifest.batches.get((number as usize).checked_sub(1)?)
    }

    pub fn documents(&self) -> u64 {
        self.manifest.documents
    }

    /// Starts a batch (the index must be open for writing). `name` and `time` are
    /// the caller's: the time is not read from the clock, so the same batches give
    /// the same bytes.
    pub fn begin_batch(&mut self, name: &str, time: Option<&str>) -> Result<Batch<'_>> {
        if self.lock.is_none() {
            return Err(IndexError::Invalid(format!(
                "{}: opened for reading; open it with Index::open to add a batch",
                self.path.display()
            )));
        }
        Batch::new(self, name, time)
    }

    pub(crate) fn committed(&mut self, manifest: Manifest, segment: Segment) {
        self.manifest = manifest;
        self.segments.push(segment);
    }

    /// Segment number `s`.
    fn segment(&self, s: u32) -> Result<&Segment> {
        self.segments.get(s as usize).ok_or_else(|| {
            IndexError::Invalid(format!("no segment {s} in {}", self.path.display()))
        })
    }

    /// The entry at `at`.
    pub fn entry(&self, at: EntryRef) -> Result<Entry> {
        self.segment(at.segment)?.entry(at.segment, at.row)
    }

    /// The distinct-shingle count and short shingle set of the entry at `at` (two
    /// small reads; see [`crate::dedup::short`]).
    pub fn short_set(&self, at: EntryRef) -> Result<(u32, Vec<u32>)> {
        let seg = self.segment(at.segment)?;
        if at.row as u64 >= seg.documents {
            return Err(IndexError::Invalid(format!(
                "{}: no row {} (it holds {})",
                seg.path.display(),
                at.row,
                seg.documents
            )));
        }
        let meta = seg.meta(at.row)?;
        Ok((meta.shingles, seg.short_set(&meta)?))
    }

    /// The clean body of an entry, checked against its SHA-256.
    pub fn body(&self, entry: &Entry) -> Result<String> {
        self.segment(entry.at.segment)?.body(entry)
    }

    /// The entry whose clean body has this SHA-256 (a binary search per segment).
    pub fn lookup_exact(&self, sha256: &[u8; 32]) -> Result<Option<Entry>> {
        for (s, seg) in self.segments.iter().enumerate() {
            if let Some(row) = seg.find_sha(sha256)? {
                return seg.entry(s as u32, row).map(Some);
            }
        }
        Ok(None)
    }

    /// Entries sharing an LSH band with `signature` (binary searches; for a whole
    /// batch, [`Index::probe`] is far cheaper).
    pub fn candidates(&self, signature: &Signature) -> Result<Vec<Entry>> {
        let bands = self.params().banding();
        let mut refs = Vec::new();
        for (s, seg) in self.segments.iter().enumerate() {
            for b in 0..bands.bands {
                for row in seg.band_rows(b as u32, bands.key(signature, b))? {
                    refs.push(EntryRef {
                        segment: s as u32,
                        row,
                    });
                }
            }
        }
        refs.sort_unstable();
        refs.dedup();
        refs.into_iter().map(|r| self.entry(r)).collect()
    }

    /// For sorted SHA-256s, the entry holding each (a merge with every segment's
    /// sorted SHA-256 column).
    pub(crate) fn exact_sorted(&self, sorted: &[[u8; 32]]) -> Result<Vec<Option<EntryRef>>> {
        let mut found = vec![None; sorted.len()];
        for (s, seg) in self.segments.iter().enumerate() {
            let mut stream = seg.stream(Kind::Sha);
            let (mut i, mut row) = (0usize, 0u32);
            while i < sorted.len() {
                let Some(rec) = stream.next(SHA)? else { break };
                while i < sorted.len() && sorted[i][..] < rec[..] {
                    i += 1;
                }
                while i < sorted.len() && sorted[i][..] == rec[..] {
                    found[i] = Some(EntryRef {
                        segment: s as u32,
                        row,
                    });
                    i += 1;
                }
                row += 1;
            }
        }
        Ok(found)
    }

    /// Documents, batches, size and parameters.
    pub fn stats(&self) -> Stats {
        let manifest_bytes =
            std::fs::metadata(self.path.join(MANIFEST_FILE)).map_or(0, |m| m.len());
        Stats {
            documents: self.manifest.documents,
            batches: self.manifest.batches.clone(),
            segments: self.segments.len(),
            bytes: manifest_bytes + self.segments.iter().map(|s| s.bytes).sum::<u64>(),
            body_bytes: self
                .segments
                .iter()
                .map(|s| s.section(Kind::Bodies).len)
                .sum(),
            params: self.manifest.params.clone(),
            set_bytes: self
                .segments
                .iter()
                .map(|s| s.section(Kind::Sets).len)
                .sum(),
        }
    }
}

/// Reads and checks `path/index.json`. A folder without one is not an index.
fn read_manifest(path: &Path) -> Result<Manifest> {
    let mpath = path.join(MANIFEST_FILE);
    match std::fs::read(&mpath) {
        Ok(bytes) => Manifest::from_bytes(&mpath, &bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if !path.is_dir() {
                return Err(IndexError::NotAnIndex {
                    path: path.to_path_buf(),
                    why: "no such folder".into(),
                });
            }
            let segs: Vec<String> = names(path)?
                .into_iter()
                .filter(|n| is_segment_name(n))
                .collect();
            if segs.is_empty() {
                Err(IndexError::NotAnIndex {
                    path: path.to_path_buf(),
                    why: format!("it has no {MANIFEST_FILE}"),
                })
            } else {
                Err(IndexError::damaged(
                    &mpath,
                    format!(
                        "missing, but the folder holds segments ({}); restore it or build a new index",
                        segs.join(", ")
                    ),
                ))
            }
        }
        Err(e) => Err(IndexError::io(&mpath, "read the manifest", e)),
    }
}

/// Writes the manifest of an empty index into a folder that holds nothing else
/// (but a lock file and leftover staging); refuses any other folder.
fn create(path: &Path, params: &Params) -> Result<()> {
    let others: Vec<String> = names(path)?
        .into_iter()
        .filter(|n| n != LOCK_FILE && !n.starts_with(STAGING_PREFIX))
        .collect();
    if others.iter().any(|n| is_segment_name(n)) {
        return read_manifest(path).map(|_| ());
    }
    if !others.is_empty() {
        return Err(IndexError::NotAnIndex {
            path: path.to_path_buf(),
            why: format!(
                "it has no {MANIFEST_FILE} and holds other files ({}); an index is made only in a new or empty folder",
                others.join(", ")
            ),
        });
    }
    let tmp = tempfile::Builder::new()
        .prefix(STAGING_PREFIX)
        .tempdir_in(path)
        .map_err(|e| IndexError::io(path, "create a staging folder", e))?;
    let staged = tmp.path().join(MANIFEST_FILE);
    batch::write_synced(
        &staged,
        &Manifest::empty(params.clone()).to_bytes(),
        &mut |_| Ok(()),
    )?;
    let dest = path.join(MANIFEST_FILE);
    std::fs::rename(&staged, &dest).map_err(|e| IndexError::io(&dest, "create the manifest", e))?;
    batch::sync_dir(path)
}

/// The names in a folder, sorted (names that are not UTF-8 are shown lossily).
fn names(path: &Path) -> Result<Vec<String>> {
    let rd =
        std::fs::read_dir(path).map_err(|e| IndexError::io(path, "list the index folder", e))?;
    let mut v = Vec::new();
    for e in rd {
        let e = e.map_err(|e| IndexError::io(path, "list the index folder", e))?;
        v.push(e.file_name().to_string_lossy().into_owned());
    }
    v.sort();
    Ok(v)
}

/// What an interrupted commit leaves: staging folders, and segments the manifest
/// does not name.
fn leftovers(path: &Path, manifest: &Manifest) -> Result<Vec<String>> {
    Ok(names(path)?
        .into_iter()
        .filter(|n| {
            n.starts_with(STAGING_PREFIX)
                || (is_segment_name(n) && !manifest.segments.iter().any(|s| &s.file == n))
        })
        .collect())
}

/// Files in the index folder that docsift did not put there (verify lists them).
fn strangers(path: &Path, manifest: &Manifest) -> Result<Vec<String>> {
    Ok(names(path)?
        .into_iter()
        .filter(|n| {
            n != MANIFEST_FILE
                && n != LOCK_FILE
                && !n.starts_with(STAGING_PREFIX)
                && !is_segment_name(n)
                && !manifest.segments.iter().any(|s| &s.file == n)
        })
        .collect())
}

#[cfg(test)]
pub(crate) mod tests;
