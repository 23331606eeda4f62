//! What can go wrong with an index, each naming the file it is about.
//!
//! The kinds differ in what the user does next: [`IndexError::Damaged`] (restore or
//! rebuild the index), [`IndexError::Mismatch`] (use the docsift, or the parameters,
//! that built it), [`IndexError::Lock`] (wait), [`IndexError::NotAnIndex`] (wrong
//! path), [`IndexError::Io`] (the disk), [`IndexError::Invalid`] (a caller's bug: two
//! entries of one batch with the same body or key).

use std::io;
use std::path::{Path, PathBuf};

use crate::escape::terminal_path;

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// A read, write, rename or sync failed.
    #[error("{}: cannot {op}: {source}", terminal_path(path))]
    Io {
        path: PathBuf,
        op: String,
        source: io::Error,
    },
    /// The index is damaged or truncated: never treated as empty.
    #[error("{}: {what}", terminal_path(path))]
    Damaged { path: PathBuf, what: String },
    /// The index was built with a parameter that changes results and differs from
    /// this docsift's: signatures are never mixed.
    #[error(
        "{}: this index was built with {param} = {index}, this docsift uses {ours}; \
         its documents would be compared wrongly (use the docsift or the settings that \
         built it, or build a new index)",
        terminal_path(path)
    )]
    Mismatch {
        path: PathBuf,
        param: &'static str,
        index: String,
        ours: String,
    },
    /// The folder is not an index (and not empty, so it is not made one).
    #[error("{}: not a docsift index: {why}", terminal_path(path))]
    NotAnIndex { path: PathBuf, why: String },
    /// The writer's lock could not be taken: another process holds it (the message
    /// names it), or the lock file cannot be created.
    #[error("{0}")]
    Lock(String),
    /// A caller broke a rule of the API (a bug in the caller, not damage).
    #[error("{0}")]
    Invalid(String),
}

impl IndexError {
    pub(crate) fn io(path: &Path, op: impl Into<String>, source: io::Error) -> Self {
        IndexError::Io {
            path: path.to_path_buf(),
            op: op.into(),
            source,
        }
    }

    pub(crate) fn damaged(path: &Path, what: impl Into<String>) -> Self {
        IndexError::Damaged {
            path: path.to_path_buf(),
            what: what.into(),
        }
    }
}

pub type Result<T, E = IndexError> = std::result::Result<T, E>;
