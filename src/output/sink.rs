//! Where `clean`'s results leave the process ([`Sink`], chosen once by the config
//! from the flags and the number of documents), and the one interface every writer implements
//! ([`Writer`]): records and a body store in, files (or stdout) out.

use crate::error::Result;
use crate::record::Record;
use crate::store::BodyStore;
use crate::ui::progress::Progress;

/// How the results leave the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sink {
    /// One document on stdout as text.
    StdoutText,
    /// JSON Lines on stdout.
    StdoutJsonl,
    /// Files under --out.
    Out,
}

/// What a writer wrote: documents and bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    pub documents: usize,
    pub bytes: u64,
}

/// One output format. A writer reads the bodies it needs from `store` by key; a
/// record whose document could not be written becomes an error row (its
/// `write_error` says why and what the output path holds now). `progress` counts the
/// documents written. An error ends the run (a failed write to
/// stdout, the interrupt).
pub trait Writer {
    fn write(
        &mut self,
        records: &mut [Record],
        store: &dyn BodyStore,
        progress: &Progress,
    ) -> Result<Written>;
}

/// The permission bits a file shared by many inputs (the manifest, a JSON Lines
/// shard) may have: the most restrictive of its inputs', so a private capture's
/// title or text is never more readable there than in the capture.
pub fn shared_mode<'r>(records: impl IntoIterator<Item = &'r Record>) -> u32 {
    records
        .into_iter()
        .fold(0o777, |m, r| m & u32::from(r.mode))
}
