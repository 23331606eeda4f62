//! Errors. Two kinds, because they end a run differently:
//!
//! * [`DocError`]: one input could not become a document (binary, unreadable, too
//!   large, a broken link). It is a manifest row with its reason; the run goes on and
//!   the exit code is 1. Its `Display` is the one-line reason the manifest stores; the
//!   file's name travels beside it, in the row's `source`.
//! * [`Error`]: the run itself cannot proceed or could not finish writing (bad
//!   `--out`, two inputs mapping to one output, a write failure). Exit code 2, or 1
//!   for a failed write under `--out` (see [`Error::exit`]). Every variant names the
//!   file it is about.

use std::io;
use std::path::PathBuf;

use crate::escape::terminal_path;
use crate::exit::Exit;

/// Why one input is an `error` row instead of a document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocError {
    #[error("no such file or directory")]
    NotFound,
    #[error("permission denied")]
    PermissionDenied,
    #[error("broken symbolic link")]
    DanglingLink,
    #[error("symbolic link loop (back to {ancestor})")]
    LinkLoop { ancestor: String },
    #[error("not a regular file")]
    NotAFile,
    #[error("cannot read directory: {0}")]
    Directory(String),
    #[error("file is {size} bytes, over the --max-bytes limit of {limit}")]
    TooLarge { size: u64, limit: u64 },
    #[error("binary file (NUL byte at offset {offset})")]
    Binary { offset: usize },
    #[error("read failed: {0}")]
    Read(String),
    #[error("file changed while being read")]
    Changed,
    /// A compressed input that does not decompress (a gzip stream cut short, garbage
    /// after a zstd frame) or decompresses past `--max-bytes` (a decompression bomb).
    #[error("{0}")]
    Decompress(String),
    /// A record of a JSON Lines or WARC file that is not a document docsift can
    /// clean; the message starts with where it is (`line 3: …`, `record 2 (byte
    /// 811): …`).
    #[error("{0}")]
    Record(String),
    /// A bug in docsift met this input; the run goes on without it.
    #[error("internal error while cleaning ({0}); please report it with this file")]
    Internal(String),
}

impl DocError {
    /// Maps an I/O error to the reason users recognise, keeping the OS message otherwise.
    pub fn from_io(e: &io::Error) -> Self {
        match e.kind() {
            io::ErrorKind::NotFound => DocError::NotFound,
            io::ErrorKind::PermissionDenied => DocError::PermissionDenied,
            _ => DocError::Read(one_line(&e.to_string())),
        }
    }
}

/// Collapses a message onto one line (manifest reasons are one line by contract).
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An error that stops the run or a write that failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: {reason}", terminal_path(path))]
    BadOut { path: PathBuf, reason: String },
    #[error(
        "{} and {} would both be written to {}; rename one or clean them separately",
        terminal_path(first),
        terminal_path(second),
        terminal_path(rel)
    )]
    OutputCollision {
        rel: PathBuf,
        first: PathBuf,
        second: PathBuf,
    },
    /// An input named on the command line is not there (exit 2, before anything is
    /// written).
    #[error(
        "{}: {reason} (an input named on the command line must exist)",
        terminal_path(path)
    )]
    MissingInput { path: PathBuf, reason: DocError },
    #[error("stdin (-) is given more than once")]
    StdinTwice,
    #[error("{}: {source}", terminal_path(path))]
    Write { path: PathBuf, source: io::Error },
    #[error("{}: {source}", terminal_path(path))]
    Read { path: PathBuf, source: io::Error },
    #[error("{}: {reason}", terminal_path(path))]
    Rules { path: PathBuf, reason: String },
    #[error("{0}")]
    Usage(String),
    #[error("interrupted")]
    Interrupted,
    /// The reader of stdout went away (`docsift … | head`): the run stops quietly,
    /// with status 0, after cleaning up its temporary files, as Unix filters do.
    #[error("stdout closed")]
    ClosedPipe,
    /// `--check` could not finish (a read or write failed): there is no verdict, so
    /// it exits 2, never 1 ("differs").
    #[error("--check could not finish: {0}")]
    CheckUnfinished(Box<Error>),
}

impl Error {
    pub fn write(path: impl Into<PathBuf>, source: io::Error) -> Self {
        let path = path.into();
        if source.kind() == io::ErrorKind::BrokenPipe && path.as_os_str() == "-" {
            return Error::ClosedPipe;
        }
        Error::Write { path, source }
    }

    /// Usage and setup errors exit 2; a failed write or read mid-run under `--out`
    /// exits 1 (the documents it cost are error rows). A failed write to stdout is
    /// 2: the output a script reads is incomplete, and 1 would read as "some inputs
    /// failed" or, for `diff` and `--check`, "they differ".
    pub fn exit(&self) -> Exit {
        match self {
            Error::Write { path, .. } if path.as_os_str() == "-" => Exit::Trouble,
            Error::Write { .. } | Error::Read { .. } => Exit::Failure,
            Error::Interrupted => Exit::Interrupted,
            Error::ClosedPipe => Exit::Success,
            _ => Exit::Trouble,
        }
    }

    /// [`Error::exit`] as the process status.
    pub fn exit_code(&self) -> i32 {
        self.exit().code()
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
