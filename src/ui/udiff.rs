//! Diffs for people: `docsift diff` and `clean --check` print unified diffs the same
//! way (the `similar` crate's line diff, with the changed words emphasised when
//! colour is on, and every line escaped for the terminal), and the HTML report shows
//! the same diff side by side ([`side_by_side`]): one line diff, configured in one
//! place (`line_diff`), so the report never disagrees with `docsift diff`.

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

/// How long a line diff shown to a person may refine before it settles for a coarser
/// one (`docsift diff`, the report). Display only: which documents are duplicates
/// never depends on it (deduplication's diffs count steps, see
/// `dedup::distance`).
pub const DISPLAY_DEADLINE: Duration = Duration::from_secs(1);

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
    let diff = line_diff(a, b, deadline);
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

/// The line diff both views show: lines aligned by `similar`, giving up refining
/// after `deadline` (still correct, only less minimal).
fn line_diff<'a>(a: &'a str, b: &'a str, deadline: Duration) -> TextDiff<'a, 'a, str> {
    TextDiff::configure().timeout(deadline).diff_lines(a, b)
}

/// One side of a row of a side-by-side diff: the line's number (from 1) and its
/// text in parts, each flagged when it is a changed word (the parts `unified`
/// emphasises in colour). No newline at the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Side {
    pub number: usize,
    pub parts: Vec<(bool, String)>,
}

/// One row of a side-by-side diff: the same line on both sides (`changed` false),
/// or a line of `a` and/or a line of `b` that differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub changed: bool,
    pub left: Option<Side>,
    pub right: Option<Side>,
}

/// The hunks of the diff from `a` to `b` (`context` unchanged lines around each
/// change), as side-by-side rows: within a change, the i-th removed line faces the
/// i-th added one. Text is not escaped: the caller escapes for where it shows it.
pub fn side_by_side(a: &str, b: &str, context: usize, deadline: Duration) -> Vec<Vec<Row>> {
    let diff = line_diff(a, b, deadline);
    let side = |change: &similar::InlineChange<'_, str>, number: Option<usize>| Side {
        number: number.map_or(0, |n| n + 1),
        parts: change
            .iter_strings_lossy()
            .map(|(emphasized, part)| (emphasized, part.trim_end_matches('\n').to_owned()))
            .filter(|(_, part)| !part.is_empty())
            .collect(),
    };
    let mut hunks = Vec::new();
    for group in diff.grouped_ops(context) {
        let mut rows = Vec::new();
        for op in &group {
            let (mut left, mut right) = (Vec::new(), Vec::new());
            for change in diff.iter_inline_changes(op) {
                match change.tag() {
                    ChangeTag::Equal => rows.push(Row {
                        changed: false,
                        left: Some(side(&change, change.old_index())),
                        right: Some(side(&change, change.new_index())),
                    }),
                    ChangeTag::Delete => left.push(side(&change, change.old_index())),
                    ChangeTag::Insert => right.push(side(&change, change.new_index())),
                }
            }
            let n = left.len().max(right.len());
            let (mut left, mut right) = (left.into_iter(), right.into_iter());
            for _ in 0..n {
                rows.push(Row {
                    changed: true,
                    left: left.next(),
                    right: right.next(),
                });
            }
        }
        hunks.push(rows);
    }
    hunks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(side: &Side) -> String {
        side.parts.iter().map(|(_, p)| p.as_str()).collect()
    }

    #[test]
    fn side_by_side_pairs_changed_lines_and_flags_changed_words() {
        let a = "one\ntwo\nthe ferry leaves at nine\nfour\n";
        let b = "one\ntwo\nthe ferry leaves at ten\nfour\nfive\n";
        let hunks = side_by_side(a, b, 1, Duration::from_secs(1));
        assert_eq!(hunks.len(), 1);
        let rows = &hunks[0];
        // context "two", the changed line, context "four", the added "five"
        assert_eq!(rows.len(), 4, "{rows:?}");
        assert!(!rows[0].changed);
        assert_eq!(text(rows[0].left.as_ref().unwrap()), "two");
        let changed = &rows[1];
        assert!(changed.changed);
        let (l, r) = (
            changed.left.as_ref().unwrap(),
            changed.right.as_ref().unwrap(),
        );
        assert_eq!((l.number, r.number), (3, 3));
        assert_eq!(text(l), "the ferry leaves at nine");
        let emphasized: Vec<&str> = r
            .parts
            .iter()
            .filter(|(e, _)| *e)
            .map(|(_, p)| p.as_str())
            .collect();
        assert_eq!(emphasized, ["ten"]);
        assert!(rows[3].changed && rows[3].left.is_none());
        assert_eq!(rows[3].right.as_ref().unwrap().number, 5);
        assert!(side_by_side(a, a, 3, Duration::from_secs(1)).is_empty());
    }
}
