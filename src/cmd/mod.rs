//! The subcommands, one module each, and [`run`], which dispatches a parsed command
//! line to them and merges every outcome into one exit status.

pub mod clean;
pub mod diff;
pub mod explain;
pub mod index;
pub mod manual;
pub mod report;
pub mod rules;

use crate::cli::{Cli, Command};
use crate::config::{load_rules, CleanConfig};
use crate::error::Error;
use crate::exit::Exit;
use crate::pipeline::Pipeline;

/// Runs the command; errors are said on stderr (an interruption or a closed pipe
/// already said what there was to say) and become their exit status.
pub fn run(cli: &Cli) -> Exit {
    let result = match &cli.command {
        Command::Clean(args) => CleanConfig::from_args(args).and_then(|mut cfg| {
            cfg.color = cli.color.stdout();
            clean::run(&cfg)
        }),
        Command::Explain(args) => load_rules(args.rules.as_deref()).and_then(|rules| {
            let opts = explain::ExplainOptions {
                json: args.json,
                max_bytes: args.max_bytes,
                site: args.site.clone(),
                boilerplate: (!args.no_boilerplate).then_some(args.boilerplate),
            };
            explain::run(&args.file, &Pipeline::new(rules), &opts)
        }),
        Command::Diff(args) => load_rules(args.rules.as_deref()).and_then(|rules| {
            let opts = diff::DiffOptions {
                max_bytes: args.max_bytes,
                threshold: Some(args.near_threshold),
                context: args.context,
                color: cli.color.stdout(),
            };
            diff::run(&args.a, &args.b, &Pipeline::new(rules), &opts)
        }),
        Command::Report(args) => report::run(&args.out, args.quiet),
        Command::Rules => rules::run(),
        Command::Index(args) => index::run(args),
        Command::Completions { shell } => manual::completions(*shell),
        Command::Man => manual::man_page(),
    };
    match result {
        Ok(exit) => exit,
        Err(e) => {
            if !matches!(e, Error::Interrupted | Error::ClosedPipe) {
                eprintln!("docsift: {e}");
            }
            e.exit()
        }
    }
}
