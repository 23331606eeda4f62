//! The `docsift` binary: parse, run the command, exit with its status.

use clap::Parser;

/// mimalloc: many small allocations from several threads (lines, records, paths) are
/// its home ground, and it does not grow its heap one page-protection call at a time.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = docsift::cli::Cli::parse();
    std::process::exit(docsift::cmd::run(&cli).code());
}
