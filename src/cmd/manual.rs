//! `docsift completions SHELL` and `docsift man`: shell completions and the man page,
//! generated from the same clap definitions as `--help`, so they cannot drift.

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::{Error, Result};
use crate::ui::print_stdout;

/// Prints the completion script for `shell`.
pub fn completions(shell: clap_complete::Shell) -> Result<crate::exit::Exit> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "docsift", &mut buf);
    print_stdout(&buf)?;
    Ok(crate::exit::Exit::Success)
}

/// Prints the man page (roff): the top-level page followed by one section per
/// subcommand, so `man docsift` documents every flag.
pub fn man_page() -> Result<crate::exit::Exit> {
    let mut buf = Vec::new();
    let cmd = Cli::command();
    render(&cmd, &mut buf).map_err(|e| Error::write("-", e))?;
    print_stdout(&buf)?;
    Ok(crate::exit::Exit::Success)
}

fn render(cmd: &clap::Command, buf: &mut Vec<u8>) -> std::io::Result<()> {
    let man = clap_mangen::Man::new(cmd.clone());
    man.render(buf)?;
    for sub in cmd.get_subcommands() {
        if sub.get_name() == "help" {
            continue;
        }
        // clap names are &'static str; this runs once per subcommand of a one-shot
        // command, so leaking the few names is the simple way to give them that.
        let name: &'static str = Box::leak(format!("docsift-{}", sub.get_name()).into_boxed_str());
        let bin: &'static str = Box::leak(name.replace('-', " ").into_boxed_str());
        let sub = sub
            .clone()
            .name(name)
            .bin_name(bin)
            .version(env!("CARGO_PKG_VERSION"));
        clap_mangen::Man::new(sub).render(buf)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn man_page_documents_every_subcommand_and_clean_flag() {
        let mut buf = Vec::new();
        render(&Cli::command(), &mut buf).unwrap();
        let page = String::from_utf8(buf).unwrap();
        for name in [
            "docsift\\-clean",
            "docsift\\-explain",
            "docsift\\-diff",
            "docsift\\-rules",
        ] {
            assert!(page.contains(name), "no section for {name}");
        }
        for flag in [
            "\\-\\-near\\-threshold",
            "\\-\\-check",
            "\\-\\-max\\-bytes",
            "\\-\\-keep\\-duplicates",
        ] {
            assert!(page.contains(flag), "man page lacks {flag}");
        }
    }
}
