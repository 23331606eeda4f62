//! Where clean bodies wait between cleaning and writing, read back by key.
//!
//! Deduplication (to confirm a candidate pair) and the writers (to write a canonical
//! document) read bodies through [`BodyStore`], never from the runner: today the
//! run's spool ([`Spool`], keyed), later a persistent index of earlier runs.
//!
//! The JSON Lines writer also reads each record's original fields back by key
//! ([`FieldStore`]), so a record written out keeps every field it came in with while
//! the run holds none of them in memory.

pub mod spool;

use std::collections::HashMap;
use std::io;

use crate::document::Key;
pub use spool::{BodyRef, Spool};

/// Clean bodies by document key.
pub trait BodyStore: Sync {
    /// The clean body of the document `key`; an error if the store does not hold it
    /// or cannot read it.
    fn body(&self, key: &Key) -> io::Result<String>;
}

/// The original top-level fields of documents that came from JSON Lines records, by
/// key (the reader keeps them on disk). `None` for a document that was not such a
/// record (a text capture, a WARC record): it is written in docsift's own shape.
pub trait FieldStore: Sync {
    fn fields(&self, key: &Key) -> io::Result<Option<crate::input::jsonl::Fields>>;
}

/// Bodies held in memory (tests, `diff`, a library user with a handful of documents).
impl BodyStore for HashMap<Key, String> {
    fn body(&self, key: &Key) -> io::Result<String> {
        self.get(key)
            .cloned()
            .ok_or_else(|| io::Error::other("no such body"))
    }
}
