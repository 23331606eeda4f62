//! Adding a batch: everything is staged, and one rename publishes it.
//!
//! [`Batch::add`] compresses each body (and writes its short shingle set) into a spool
//! file inside a hidden staging folder of the index (`.staging-XXXXXX/`); only the rows' metadata stays in memory
//! (about 300 bytes a document). [`Batch::commit`] then
//!
//! 1. checks the batch: one body and one key per document, no body already indexed;
//! 2. writes the segment (rows sorted by SHA-256) into the staging folder, fsyncs it;
//! 3. writes the new manifest into the staging folder, fsyncs it;
//! 4. renames the segment into the index, fsyncs the folder;
//! 5. renames the manifest over `index.json` (**the commit point**), fsyncs the folder.
//!
//! A failure before step 5 (a full disk, an I/O error) removes what the commit wrote,
//! so the index is byte for byte as it was. A process killed before step 5 (Ctrl-C
//! through the watchdog, `kill -9`, a power cut after step 4's fsync) leaves the old
//! `index.json`, so the index is as it was; the staging folder and at most one
//! segment file that `index.json` does not name stay behind. Readers never look at
//! them, `verify` lists them, and the next writer removes them when it opens the
//! index. A failure of the last fsync, after the rename, is reported although the
//! batch is in the index (the rename cannot be taken back).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::index::entry::{NewEntry, Prepared};
use crate::index::error::{IndexError, Result};
use crate::index::manifest::{segment_name, BatchRecord, Manifest, SegmentRecord, MANIFEST_FILE};
use crate::index::segment::{self, Row, Segment};
use crate::index::Index;

/// A batch being added to an index; nothing is visible until [`Batch::commit`].
/// Dropping it without committing removes what it staged.
pub struct Batch<'a> {
    index: &'a mut Index,
    number: u32,
    name: String,
    time: Option<String>,
    staging: tempfile::TempDir,
    spool_path: PathBuf,
    spool: BufWriter<File>,
    spool_len: u64,
    rows: Vec<Row>,
}

/// What a commit added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Committed {
    pub batch: u32,
    pub documents: u64,
    pub segment: String,
    pub bytes: u64,
}

impl<'a> Batch<'a> {
    pub(crate) fn new(index: &'a mut Index, name: &str, time: Option<&str>) -> Result<Batch<'a>> {
        let staging = tempfile::Builder::new()
            .prefix(STAGING_PREFIX)
            .tempdir_in(index.path())
            .map_err(|e| IndexError::io(index.path(), "create a staging folder", e))?;
        let spool_path = staging.path().join("bodies.spool");
        let spool = File::create_new(&spool_path)
            .map_err(|e| IndexError::io(&spool_path, "create the body spool", e))?;
        Ok(Batch {
            number: index.manifest().batches.len() as u32 + 1,
            index,
            name: name.to_owned(),
            time: time.map(str::to_owned),
            staging,
            spool_path,
            spool: BufWriter::with_capacity(1 << 20, spool),
            spool_len: 0,
            rows: Vec::new(),
        })
    }

    /// The number this batch gets when committed.
    pub fn number(&self) -> u32 {
        self.number
    }

    /// Documents added so far.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Adds a canonical document with its clean body.
    pub fn add(&mut self, entry: NewEntry, body: &str) -> Result<()> {
        self.add_prepared(entry, Prepared::new(body))
    }

    /// Adds a canonical document whose body was prepared already (on any thread).
    pub fn add_prepared(&mut self, entry: NewEntry, body: Prepared) -> Result<()> {
        if entry.key.is_empty() {
            return Err(IndexError::Invalid("an index entry needs a key".into()));
        }
        if u32::try_from(body.frame.len()).is_err() {
            return Err(IndexError::Invalid(format!(
                "{}: the compressed body is over 4 GiB",
                entry.key
            )));
        }
        self.spool
            .write_all(&body.frame)
            .and_then(|()| self.spool.write_all(&body.set))
            .map_err(|e| IndexError::io(&self.spool_path, "write the body spool", e))?;
        self.rows.push(Row {
            sha256: body.sha256,
            signature: entry.signature,
            batch: self.number,
            shingles: entry.shingles,
            bytes: body.bytes,
            key: entry.key,
            id: entry.id,
            url: entry.url,
            frame_at: (self.spool_len, body.frame.len() as u32),
            set_at: (
                self.spool_len + body.frame.len() as u64,
                (body.set.len() / 4) as u32,
            ),
        });
        self.spool_len += (body.frame.len() + body.set.len()) as u64;
        Ok(())
    }

    /// Publishes the batch atomically (see the module doc).
    pub fn commit(self) -> Result<Committed> {
        self.commit_with(&mut |_| Ok(()))
    }

    /// [`Batch::commit`], calling `hook` before every step that writes, syncs or
    /// renames (named as in the module doc). An error from the hook fails the commit
    /// at that step, as a full disk would: tests inject faults and kills with it.
    #[doc(hidden)]
    pub fn commit_with(
        mut self,
        hook: &mut dyn FnMut(&str) -> io::Result<()>,
    ) -> Result<Committed> {
        self.check()?;
        let root = self.index.path().to_path_buf();
        let step = |hook: &mut dyn FnMut(&str) -> io::Result<()>, path: &Path, name: &str| {
            hook(name).map_err(|e| IndexError::io(path, name.to_owned(), e))
        };

        step(hook, &self.spool_path, "write the body spool")?;
        let spool = self.spool.into_inner().map_err(|e| {
            IndexError::io(&self.spool_path, "write the body spool", e.into_error())
        })?;

        let name = segment_name(self.number);
        let staged_segment = self.staging.path().join(&name);
        let (bytes, checksum) = segment::write(
            &staged_segment,
            &self.rows,
            self.index.params(),
            (self.number, self.number),
            &spool,
            &self.spool_path,
            hook,
        )?;
        drop(spool);

        let mut manifest: Manifest = self.index.manifest().clone();
        manifest.written_by = env!("CARGO_PKG_VERSION").to_owned();
        manifest.batches.push(BatchRecord {
            number: self.number,
            name: self.name.clone(),
            time: self.time.clone(),
            documents: self.rows.len() as u64,
        });
        let record = SegmentRecord {
            file: name.clone(),
            bytes,
            documents: self.rows.len() as u64,
            first_batch: self.number,
            last_batch: self.number,
            checksum,
        };
        manifest.segments.push(record.clone());
        manifest.documents += self.rows.len() as u64;

        let staged_manifest = self.staging.path().join(MANIFEST_FILE);
        step(hook, &staged_manifest, "write the manifest")?;
        write_synced(&staged_manifest, &manifest.to_bytes(), hook)?;

        let final_segment = root.join(&name);
        step(hook, &final_segment, "move the segment into the index")?;
        std::fs::rename(&staged_segment, &final_segment)
            .map_err(|e| IndexError::io(&final_segment, "move the segment into the index", e))?;
        // From here until the manifest is renamed, a failure takes the segment back out.
        let placed = Placed(Some(final_segment.clone()));
        step(hook, &root, "sync the index folder")?;
        sync_dir(&root)?;
        let manifest_path = root.join(MANIFEST_FILE);
        step(hook, &manifest_path, "move the manifest into the index")?;
        std::fs::rename(&staged_manifest, &manifest_path)
            .map_err(|e| IndexError::io(&manifest_path, "move the manifest into the index", e))?;
        placed.keep();

        // Committed. The index now holds the batch, whatever happens below.
        let opened = Segment::open(&final_segment, &record, self.index.params());
        self.index.committed(manifest, opened?);
        step(hook, &root, "sync the index folder after the manifest")?;
        sync_dir(&root)?;
        Ok(Committed {
            batch: self.number,
            documents: self.rows.len() as u64,
            segment: name,
            bytes,
        })
    }

    /// One body and one key per document, and no body the index holds already.
    fn check(&mut self) -> Result<()> {
        self.rows.sort_unstable_by_key(|r| r.sha256);
        if let Some(w) = self.rows.windows(2).find(|w| w[0].sha256 == w[1].sha256) {
            return Err(IndexError::Invalid(format!(
                "{} and {} have the same clean body; a batch adds one canonical per body",
                w[0].key, w[1].key
            )));
        }
        let mut keys: Vec<&str> = self.rows.iter().map(|r| r.key.as_str()).collect();
        keys.sort_unstable();
        if let Some(w) = keys.windows(2).find(|w| w[0] == w[1]) {
            return Err(IndexError::Invalid(format!(
                "the key {} is added twice in one batch",
                w[0]
            )));
        }
        let shas: Vec<[u8; 32]> = self.rows.iter().map(|r| r.sha256).collect();
        let found = self.index.exact_sorted(&shas)?;
        if let Some((i, e)) = found
            .iter()
            .enumerate()
            .find_map(|(i, e)| e.map(|e| (i, e)))
        {
            let old = self.index.entry(e)?;
            return Err(IndexError::Invalid(format!(
                "{} has the clean body of {} (batch {}), which the index holds already; \
                 a batch adds only new canonicals",
                self.rows[i].key, old.key, old.batch
            )));
        }
        Ok(())
    }
}

/// The prefix of staging folders inside an index.
pub const STAGING_PREFIX: &str = ".staging-";

/// A segment moved into the index but not yet named by the manifest: removed on drop
/// unless kept.
struct Placed(Option<PathBuf>);

impl Placed {
    fn keep(mut self) {
        self.0 = None;
    }
}

impl Drop for Placed {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(&p);
            if let Some(dir) = p.parent() {
                let _ = sync_dir(dir);
            }
        }
    }
}

/// Writes `bytes` to a new file at `path` and fsyncs it.
pub(crate) fn write_synced(
    path: &Path,
    bytes: &[u8],
    hook: &mut dyn FnMut(&str) -> io::Result<()>,
) -> Result<()> {
    let mut f = File::create_new(path).map_err(|e| IndexError::io(path, "create", e))?;
    f.write_all(bytes)
        .map_err(|e| IndexError::io(path, "write", e))?;
    hook("sync the manifest").map_err(|e| IndexError::io(path, "sync the manifest", e))?;
    f.sync_all().map_err(|e| IndexError::io(path, "sync", e))
}

/// fsync a folder, so a rename in it survives a power cut.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| IndexError::io(dir, "sync the folder", e))
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}
