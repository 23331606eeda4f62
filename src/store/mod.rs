//! Where clean bodies wait between cleaning and writing, read back by key.
//!
//! Deduplication (to confirm a candidate pair) and the writers (to write a canonical
//! document) read bodies through [`BodyStore`], never from the runner: today the
//! run's spool ([`Spool`], keyed), later a persistent index of earlier runs.

pub mod inputs;
pub mod sets;
pub mod spool;

use std::collections::HashMap;
use std::io;

use crate::document::{Key, Meta};
pub use inputs::{InputStore, StoredLine};
pub use sets::SetSpool;
pub use spool::{BodyRef, Spool};

/// Clean bodies by document key, and the input fields of documents read from
/// records.
pub trait BodyStore: Sync {
    /// The clean body of the document `key`; an error if the store does not hold it
    /// or cannot read it.
    fn body(&self, key: &Key) -> io::Result<String>;

    /// The fields of the input record document `key` was read from, as one JSON
    /// object in input order: a JSON Lines record's line as read (without
    /// whitespace between its top-level fields), a WARC record's headers. `None` for a document that is not a record (a file,
    /// stdin) or a store that keeps no fields (the default).
    fn input_fields(&self, meta: &Meta) -> io::Result<Option<Vec<u8>>> {
        let _ = meta;
        Ok(None)
    }

    /// The JSON Lines line the document `meta` describes was read from, with where
    /// its text and findings lie, when the line is compact (see
    /// [`crate::input::jsonl::Layout`]): a writer splices it instead of parsing
    /// [`BodyStore::input_fields`] again. `None` otherwise (the default).
    fn input_line(&self, meta: &Meta) -> io::Result<Option<StoredLine>> {
        let _ = meta;
        Ok(None)
    }

    /// The short shingle set of document `key` ([`crate::dedup::short`]), when the
    /// store keeps one: dedup rules out a candidate pair on the two sets without
    /// reading either body. `None` (the default): made from the body.
    fn short_set(&self, key: &Key) -> Option<Vec<u32>> {
        let _ = key;
        None
    }
}

/// A run's store: clean bodies from the run's spool, input fields from the
/// records' store (when some inputs were shards or archives), short shingle sets
/// from the sets spooled while cleaning (when dedup needs them).
pub struct RunStore<'a> {
    pub bodies: &'a Spool,
    pub inputs: Option<&'a InputStore>,
    pub sets: Option<&'a SetSpool>,
}

impl BodyStore for RunStore<'_> {
    fn body(&self, key: &Key) -> io::Result<String> {
        self.bodies.body(key)
    }

    fn input_fields(&self, meta: &Meta) -> io::Result<Option<Vec<u8>>> {
        match self.inputs {
            Some(inputs) => inputs.fields(meta),
            None => Ok(None),
        }
    }

    fn input_line(&self, meta: &Meta) -> io::Result<Option<StoredLine>> {
        match self.inputs {
            Some(inputs) => inputs.compact_line(meta),
            None => Ok(None),
        }
    }

    fn short_set(&self, key: &Key) -> Option<Vec<u32>> {
        self.sets?.get(key)
    }
}

/// Bodies held in memory (tests, `diff`, a library user with a handful of documents).
impl BodyStore for HashMap<Key, String> {
    fn body(&self, key: &Key) -> io::Result<String> {
        self.get(key)
            .cloned()
            .ok_or_else(|| io::Error::other("no such body"))
    }
}
