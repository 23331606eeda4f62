//! `docsift rules`: the built-in chrome rules, in the format `--rules FILE` reads.

use std::io::Write;

use crate::error::{Error, Result};
use crate::stage::rules::BUILTIN_TOML;

pub fn run() -> Result<i32> {
    let mut out = std::io::stdout().lock();
    match out
        .write_all(BUILTIN_TOML.as_bytes())
        .and_then(|_| out.flush())
    {
        Ok(()) => Ok(0),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(Error::write("-", e)),
    }
}
