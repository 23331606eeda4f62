//! Unified diffs for people: `docsift diff` and `clean --check` print them the same
//! way (the `similar` crate's line diff, with the changed words emphasised when
//! colour is on, and every line escaped for the terminal).

use std::fmt::Write as _;
use std::time::Duration;

use similar::{ChangeTag, TextDiff};

use crate::escape::terminal_str;

pub const BOLD: &str = "\x1b[1m";
pub const RED: &str = "\x1b[31m";
pub const GREEN: &str = "\x1b[32m";
pub const CYAN: &str = "\x1b[36m";
pub const EMPHASIS: &str = "\x1b[7m";
pub const RESET: &str = "\x1b[0m";

/// `---`/`+++` headers, then the hunks of a line diff from `a` to `b` with `context`
/// unchanged lines around each change. The diff gives up refining after `deadline`
/// (still correct, only less minimal), so a pathological pair cannot stall a run.
pub fn unified(
    name_a: &str,
    name_b: &str,
    a: &str,
    b: &str,
    context: usize,
    color: bool,
    deadline: Duration,
) -> String {
    let paint = |code: &str, s: &str| {
        if color {
            format!("{code}{s}{RESET}")
        } else {
            s.to_owned()
        }
    };
    let mut out = String::new();
    let diff = TextDiff::configure().timeout(deadline).diff_lines(a, b);
    let _ = writeln!(
        out,
        "{}",
        paint(BOLD, &format!("--- {}", terminal_str(name_a)))
    );
    let _ = writeln!(
        out,
        "{}",
        paint(BOLD, &format!("+++ {}", terminal_str(name_b)))
    );
    let mut udiff = diff.unified_diff();
    udiff.context_radius(context);
    for hunk in udiff.iter_hunks() {
        let _ = writeln!(out, "{}", paint(CYAN, &hunk.header().to_string()));
        for op in hunk.ops() {
            for change in diff.iter_inline_changes(op) {
                let (sign, code) = match change.tag() {
                    ChangeTag::Delete => ('-', RED),
                    ChangeTag::Insert => ('+', GREEN),
                    ChangeTag::Equal => (' ', ""),
                };
                let mut line = String::new();
                line.push(sign);
                for (emphasized, part) in change.iter_strings_lossy() {
                    let part = terminal_str(part.trim_end_matches('\n'));
                    if color && emphasized {
                        let _ = write!(line, "{EMPHASIS}{part}{RESET}{code}");
                    } else {
                        line.push_str(&part);
                    }
                }
                if color && !code.is_empty() {
                    let _ = writeln!(out, "{code}{line}{RESET}");
                } else {
                    let _ = writeln!(out, "{line}");
                }
                if change.missing_newline() {
                    let _ = writeln!(out, "\\ No newline at end of file");
                }
            }
        }
    }
    out
}
