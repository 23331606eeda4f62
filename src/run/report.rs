//! What a run says on stderr besides its summary: each failed input, the first few
//! notices of each kind (an input with no text, malformed bytes), the links it did
//! not follow.

use super::Run;
use crate::escape::{escape_path, terminal_str};
use crate::output::MANIFEST_FILE;
use crate::record::{Record, Status};

/// Notices of one kind (no text, malformed bytes) shown on stderr before the rest of
/// that kind are counted in one line (errors are always shown, each).
pub const NOTICES_SHOWN: usize = 5;

impl Run<'_> {
    /// Links not followed while walking are not inputs (no manifest row, like hidden
    /// files) but are said, with the first few names, so nothing vanishes silently.
    pub(super) fn report_skipped_links(&self) {
        const SHOWN: usize = 3;
        let links = &self.skipped_links;
        if links.is_empty() {
            return;
        }
        let mut names: Vec<String> = links
            .iter()
            .take(SHOWN)
            .map(|p| terminal_str(&escape_path(p)))
            .collect();
        if links.len() > SHOWN {
            names.push("…".into());
        }
        eprintln!(
            "docsift: {} not followed (pass -L/--follow to read through links): {}",
            if links.len() == 1 {
                "1 symbolic link".to_owned()
            } else {
                format!("{} symbolic links", links.len())
            },
            names.join(", ")
        );
    }

    /// One stderr line per failed input, in source order (deterministic). Notices
    /// (an input with no text, malformed bytes) are shown for the first
    /// [`NOTICES_SHOWN`] inputs of each kind, then counted in one line: a hundred
    /// thousand empty files must not bury the errors, and the manifest lists them all.
    pub(super) fn report_errors(&self, records: &[Record]) {
        let (mut empty, mut malformed) = (0usize, 0usize);
        for rec in records {
            if let Some(reason) = rec.error_reason() {
                eprintln!(
                    "docsift: {}: {}",
                    terminal_str(&escape_path(&rec.meta.path())),
                    reason
                );
            } else if rec.status == Status::Empty && rec.removed.total() == 0 && !self.cfg.quiet {
                // An input with no text at all is worth a line; one that cleaning
                // emptied (all chrome) is counted in the summary instead.
                empty += 1;
                if empty <= NOTICES_SHOWN {
                    eprintln!(
                        "docsift: {}: no text (empty or blank file)",
                        terminal_str(&escape_path(&rec.meta.path()))
                    );
                }
            } else if rec.malformed > 0 && !self.cfg.quiet {
                malformed += 1;
                if malformed <= NOTICES_SHOWN {
                    eprintln!(
                        "docsift: {}: {} malformed byte sequences replaced with U+FFFD ({})",
                        terminal_str(&escape_path(&rec.meta.path())),
                        rec.malformed,
                        rec.encoding.map_or("?", encoding_rs::Encoding::name)
                    );
                }
            }
        }
        let listed = |what: &str| match &self.cfg.out {
            Some(out) => format!(
                "; {} lists them ({what})",
                terminal_str(&escape_path(&out.join(MANIFEST_FILE)))
            ),
            None => " (give --out DIR for a manifest that lists them)".to_owned(),
        };
        let more = |n: usize| {
            let word = if n == 1 { "input" } else { "inputs" };
            format!("{} more {word}", indicatif::HumanCount(n as u64))
        };
        if empty > NOTICES_SHOWN {
            eprintln!(
                "docsift: … and {} with no text{}",
                more(empty - NOTICES_SHOWN),
                listed("status \"empty\"")
            );
        }
        if malformed > NOTICES_SHOWN {
            eprintln!(
                "docsift: … and {} with malformed bytes replaced{}",
                more(malformed - NOTICES_SHOWN),
                listed("field \"malformed\"")
            );
        }
    }
}
