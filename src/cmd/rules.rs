//! `docsift rules`: the built-in chrome rules, in the format `--rules FILE` reads.

use crate::error::Result;
use crate::stage::rules::BUILTIN_TOML;
use crate::ui::print_stdout;

pub fn run() -> Result<crate::exit::Exit> {
    print_stdout(BUILTIN_TOML.as_bytes())?;
    Ok(crate::exit::Exit::Success)
}
