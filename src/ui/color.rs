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

#[cfg(test)]
mod tests {
    use super::*;

    /// One test owns NO_COLOR (tests run in parallel; no other test reads it).
    #[test]
    fn flag_then_no_color_then_terminal() {
        std::env::remove_var("NO_COLOR");
        assert!(ColorChoice::Auto.decide(true));
        assert!(!ColorChoice::Auto.decide(false));
        assert!(ColorChoice::Always.decide(false));
        assert!(!ColorChoice::Never.decide(true));
        std::env::set_var("NO_COLOR", "1");
        assert!(!ColorChoice::Auto.decide(true), "NO_COLOR turns auto off");
        assert!(
            ColorChoice::Always.decide(true),
            "--color always beats NO_COLOR"
        );
        std::env::set_var("NO_COLOR", "");
        assert!(ColorChoice::Auto.decide(true), "an empty NO_COLOR is unset");
        std::env::remove_var("NO_COLOR");
    }
}
