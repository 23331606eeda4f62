//! Subcommands other than `clean` (which is `crate::app`): one module each.

pub mod explain;
pub mod rules;
