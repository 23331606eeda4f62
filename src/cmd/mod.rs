//! Subcommands other than `clean` (which is `crate::app`): one module each.

pub mod diff;
pub mod explain;
pub mod index;
pub mod manual;
pub mod rules;
