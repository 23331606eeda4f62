//! `docsift explain FILE`: every line of the normalized capture, kept or removed, with
//! the reason and the rule that fired, and the classifier's score for the line. It is
//! the first thing to run when a result looks wrong.
//!
//! Text output marks each line `+` (kept), `T` (kept: the title) or `-` (removed).
//! `--json` prints one JSON document with the same information. A single file has no
//! site to learn boilerplate from, so `explain` shows the per-document stages only.

use std::path::Path;

use serde::Serialize;

use crate::app::clean_bytes_analyzed;
use crate::error::Result;
use crate::input::{self, Source};
use crate::stage::Cleaner;
use crate::ui::escape::terminal_str;

#[derive(Serialize)]
struct LineOut<'a> {
    line: usize,
    kept: bool,
    title: bool,
    reason: Option<&'static str>,
    rule: Option<&'a str>,
    score: f32,
    text: &'a str,
}

#[derive(Serialize)]
struct ExplainOut<'a> {
    source: String,
    encoding: &'static str,
    malformed: usize,
    title: Option<&'a str>,
    article: Option<[usize; 2]>,
    lines_removed: usize,
    lines: Vec<LineOut<'a>>,
}

/// Runs `explain`; returns the exit code.
pub fn run(path: &Path, cleaner: &Cleaner, json: bool, max_bytes: u64) -> Result<i32> {
    let source = if path.as_os_str() == "-" {
        Source::stdin()
    } else {
        Source::file(path)
    };
    let bytes = match input::read_source(&source, max_bytes) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("docsift: {}: {e}", terminal_str(&source.name));
            return Ok(1);
        }
    };
    let (decoded, doc, analysis) = match clean_bytes_analyzed(&bytes, cleaner) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("docsift: {}: {e}", terminal_str(&source.name));
            return Ok(1);
        }
    };
    let lines: Vec<LineOut> = (0..doc.len())
        .map(|i| {
            let r = doc.removal(i);
            LineOut {
                line: i + 1,
                kept: r.is_none(),
                title: analysis.title == Some(i),
                reason: r.map(|r| r.reason.name()),
                rule: r.map(|r| &*r.rule),
                score: analysis.scores.get(i).copied().unwrap_or(0.0),
                text: doc.text(i),
            }
        })
        .collect();
    let out = ExplainOut {
        source: source.name.to_string(),
        encoding: decoded.encoding,
        malformed: decoded.malformed,
        title: doc.title.as_deref(),
        article: analysis.block.map(|(s, e)| [s + 1, e + 1]),
        lines_removed: doc.lines_removed(),
        lines,
    };
    let text = if json {
        let mut s = serde_json::to_string_pretty(&out).unwrap_or_default();
        s.push('\n');
        s
    } else {
        render(&out)
    };
    crate::ui::print_stdout(text.as_bytes())?;
    Ok(0)
}

fn render(out: &ExplainOut) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(s, "source: {}", terminal_str(&out.source));
    let _ = writeln!(
        s,
        "encoding: {} ({} malformed)",
        out.encoding, out.malformed
    );
    let _ = writeln!(
        s,
        "title: {}",
        out.title
            .map(terminal_str)
            .unwrap_or_else(|| "(none)".into())
    );
    match out.article {
        Some([a, b]) => {
            let _ = writeln!(s, "article: lines {a}-{b}");
        }
        None => {
            let _ = writeln!(s, "article: (none found)");
        }
    }
    let _ = writeln!(s, "lines removed: {}", out.lines_removed);
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        " line   score  reason          rule                  text"
    );
    for l in &out.lines {
        let mark = if l.title {
            'T'
        } else if l.kept {
            '+'
        } else {
            '-'
        };
        let _ = writeln!(
            s,
            "{:>5} {} {:>6.1}  {:<15} {:<21} {}",
            l.line,
            mark,
            l.score,
            l.reason.unwrap_or(""),
            l.rule.map(|r| truncate(r, 21)).unwrap_or_default(),
            terminal_str(l.text)
        );
    }
    s
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}
