//! One place decides whether output is coloured: `--color`, then `NO_COLOR`, then
//! whether the stream is a terminal.

use std::io::IsTerminal;

/// The `--color` choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour stdout.
    pub fn stdout(self) -> bool {
        self.decide(std::io::stdout().is_terminal())
    }

    fn decide(self, is_tty: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                is_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }
}
