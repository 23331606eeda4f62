//! Everything that decides what a terminal sees: colour, progress, unified diffs
//! (name escaping is `crate::escape`, which errors use too).

pub mod color;
pub mod progress;
pub mod udiff;

/// Writes a report to stdout; a closed pipe (`docsift … | head`) is
/// [`crate::error::Error::ClosedPipe`], which ends the run quietly with status 0.
pub fn print_stdout(data: &[u8]) -> crate::error::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(data)
        .and_then(|_| out.flush())
        .map_err(|e| crate::error::Error::write("-", e))
}
