//! `docsift rules`: the built-in chrome rules, in the format `--rules FILE` reads.

use crate::error::Result;
use crate::stage::rules::BUILTIN_TOML;
use crate::ui::print_stdout;

pub fn run() -> Result<i32> {
    print_stdout(BUILTIN_TOML.as_bytes())?;
    Ok(0)
}
