//! The `docsift` binary: parse, build the config, run, map to an exit code.

use clap::Parser;

/// mimalloc: many small allocations from several threads (lines, records, paths) are
/// its home ground, and it does not grow its heap one page-protection call at a time.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use docsift::cli::{Cli, Command};
use docsift::config::CleanConfig;

fn main() {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Clean(args) => {
            let mut cfg = CleanConfig::from_args(args);
            cfg.color = cli.color.stdout();
            docsift::app::clean(&cfg)
        }
        Command::Explain(args) => docsift::config::load_rules(args.rules.as_deref())
            .and_then(|rules| {
                let cleaner = docsift::stage::Cleaner::new(rules);
                let opts = docsift::cmd::explain::ExplainOptions {
                    json: args.json,
                    max_bytes: args.max_bytes,
                    site: args.site.clone(),
                    boilerplate: (!args.no_boilerplate).then_some(args.boilerplate),
                };
                docsift::cmd::explain::run(&args.file, &cleaner, &opts)
            })
            .map(i32::from),
        Command::Diff(args) => docsift::config::load_rules(args.rules.as_deref())
            .and_then(|rules| {
                let cleaner = docsift::stage::Cleaner::new(rules);
                let opts = docsift::cmd::diff::DiffOptions {
                    max_bytes: args.max_bytes,
                    threshold: Some(args.near_threshold),
                    context: args.context,
                    color: cli.color.stdout(),
                };
                docsift::cmd::diff::run(&args.a, &args.b, &cleaner, &opts)
            })
            .map(i32::from),
        Command::Rules => docsift::cmd::rules::run(),
        Command::Index(args) => docsift::cmd::index::run(args),
        Command::Completions { shell } => docsift::cmd::manual::completions(*shell),
        Command::Man => docsift::cmd::manual::man_page(),
    };
    let code = match result {
        Ok(code) => code,
        Err(e) => {
            use docsift::error::Error;
            if !matches!(e, Error::Interrupted | Error::ClosedPipe) {
                eprintln!("docsift: {e}");
            }
            e.exit_code()
        }
    };
    std::process::exit(code);
}
