//! Each canonical's short shingle set ([`crate::dedup::short`]), spooled on disk
//! while cleaning, read back by key.
//!
//! Deduplication rules out most candidate pairs on these sets without reading either
//! body (within a run and against `--index`), and adding a batch to the index stores
//! them. They are made in the pass that counts the body's distinct shingles (see
//! `dedup::identity`), so spooling costs the writing alone; making them again from the
//! body (tokenizing it again) cost a third of adding a batch, and at a million
//! documents most of dedup's time. Held on disk, not in memory: about 2 KB a document.
//! A set that could not be spooled is made from the body when needed (the same set).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{RwLock, RwLockReadGuard};

use crate::dedup::short;
use crate::document::Key;
use crate::store::Spool;

/// The short sets of a run's canonical documents, by key.
pub struct SetSpool {
    /// Appended to under the read lock (the spool's writers have their own), sealed
    /// under the write lock.
    spool: RwLock<Spool>,
    /// Set once an append or the seal failed: a failed append may leave part of a
    /// set in a spool file, which would shift what later appends' offsets point at,
    /// so from then on no set is read back (each is made from its body instead).
    failed: AtomicBool,
}

impl SetSpool {
    /// Spool files for `workers` threads in `dir` (the run's staging folder, removed
    /// with it), in a folder of their own.
    pub fn create(dir: &std::path::Path, workers: usize) -> std::io::Result<SetSpool> {
        let dir = dir.join("sets");
        std::fs::create_dir(&dir)?;
        Ok(SetSpool {
            spool: RwLock::new(Spool::create(&dir, workers)?),
            failed: Default::default(),
        })
    }

    /// Makes room for the keys of `documents` sets (see [`Spool::reserve`]).
    pub fn reserve(&self, documents: usize) {
        self.spool().reserve(documents);
    }

    fn spool(&self) -> RwLockReadGuard<'_, Spool> {
        self.spool.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Spools the short set of document `key`, as [`short::spool_value`] wrote it
    /// (from any worker thread). A failure is not the run's: the sets are made again
    /// when needed.
    pub fn append(&self, key: &Key, spooled: &[u8]) {
        if self.spool().append_keyed(key, spooled).is_err() {
            self.failed.store(true, Ordering::Relaxed);
        }
    }

    /// Ends appending (see [`Spool::seal`]).
    pub fn seal(&self) {
        let mut spool = self.spool.write().unwrap_or_else(|e| e.into_inner());
        if spool.seal().is_err() {
            self.failed.store(true, Ordering::Relaxed);
        }
    }

    /// The short set of `key` (sorted, without repeats), if spooled.
    pub fn get(&self, key: &Key) -> Option<Vec<u32>> {
        if self.failed.load(Ordering::Relaxed) {
            return None;
        }
        let bytes = self.spool().read_key(key).ok()?;
        (bytes.len() % 4 == 0).then(|| short::from_spooled(&bytes))
    }

    /// Deletes the spool files.
    pub fn remove(self) {
        self.spool
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .remove();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A set spooled in any order comes back sorted and without repeats; a key never
    /// spooled has none.
    #[test]
    fn spooled_sets_come_back_by_key() {
        let dir = tempfile::tempdir().unwrap();
        let sets = SetSpool::create(dir.path(), 2).unwrap();
        let (a, b) = (Key::new("a.txt"), Key::new("b.txt"));
        let mut spooled = Vec::new();
        for h in [9u64 << 32, 3 << 32, (9 << 32) | 1, 5 << 32] {
            short::spool_value(&mut spooled, h);
        }
        sets.append(&a, &spooled);
        sets.append(&b, &[]);
        sets.seal();
        assert_eq!(sets.get(&a), Some(vec![3, 5, 9]));
        assert_eq!(sets.get(&b), Some(vec![]));
        assert_eq!(sets.get(&Key::new("c.txt")), None);
        sets.remove();
    }
}
