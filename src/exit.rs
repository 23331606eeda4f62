//! Exit codes as a type, decided in one place. Scripts branch on them, so each code
//! means one thing for every command:
//!
//! | code | meaning |
//! | --- | --- |
//! | 0 | done: every input handled; `diff`: identical bodies; `--check`: up to date |
//! | 1 | an answer to act on: some inputs failed (each is a manifest row), or `diff` and `--check` found differences |
//! | 2 | no answer: a usage or setup error, an input `explain` or `diff` cannot read, a write to stdout that failed, a `--check` that could not finish |
//! | 130 | interrupted |
//!
//! A closed pipe on stdout (`docsift … | head`) is not trouble: the reader has what it
//! wanted, and the run ends quietly with 0.

/// How a command ended, as its exit status says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: everything done.
    Success,
    /// 1: some inputs failed, or differences were found.
    Failure,
    /// 2: no answer could be given (usage, setup, an unreadable input, a failed write
    /// to stdout).
    Trouble,
    /// 130: stopped by Ctrl-C (128 + SIGINT, as shells report it).
    Interrupted,
}

impl Exit {
    /// The process exit status.
    pub const fn code(self) -> i32 {
        match self {
            Exit::Success => 0,
            Exit::Failure => 1,
            Exit::Trouble => 2,
            Exit::Interrupted => 130,
        }
    }
}

impl Exit {
    /// Two outcomes of one command merged: the one that says more is wrong (an
    /// interruption over trouble, trouble over failed inputs, failed inputs over
    /// success).
    pub fn merge(self, other: Exit) -> Exit {
        let rank = |e: Exit| match e {
            Exit::Success => 0,
            Exit::Failure => 1,
            Exit::Trouble => 2,
            Exit::Interrupted => 3,
        };
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

impl From<Exit> for i32 {
    fn from(e: Exit) -> i32 {
        e.code()
    }
}
