//! `docsift explain FILE`: every line of the normalized capture, kept or removed, with
//! the reason and the rule that fired, and the classifier's score for the line. It is
//! the first thing to run when a result looks wrong.
//!
//! Text output marks each line `+` (kept), `T` (kept: the title) or `-` (removed).
//! `--json` prints one JSON document with the same information.
//!
//! What `clean` removes depends on the other captures of the site (the boilerplate
//! they share), so `explain` learns the site's boilerplate as `clean` would: by default
//! from the captures in FILE's folder (the site `clean` puts FILE in when given that
//! folder or one above it), or from `--site DIR`. It reads and cleans them all, with
//! the same sample, threshold and counting of duplicate clusters as `clean`, so a line
//! `clean` removes as boilerplate shows as removed, with that reason. The output says
//! how many captures the site had, or why there was no site to learn from (stdin
//! without `--site`, a folder too small, `--no-boilerplate`).
//!
//! A record of a shard or archive is named as the manifest names it, `FILE#N`: FILE
//! is read as `clean FILE` reads it, and the record's site (its URL's host, or
//! FILE's folder) is learned from FILE's records of that site.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::escape::{escape_path, terminal_str};
use crate::exit::Exit;
use crate::input::{self, Source};
use crate::pipeline::Pipeline;
use crate::run::load_from;
use crate::site::boilerplate::{self, SiteLines};
use crate::stage::Cleaned;

/// What `explain` needs besides the file and the rules.
#[derive(Debug, Clone)]
pub struct ExplainOptions {
    /// One JSON document instead of the table.
    pub json: bool,
    pub max_bytes: u64,
    /// The site folder to learn boilerplate from (`None`: FILE's folder).
    pub site: Option<PathBuf>,
    /// The boilerplate share, as `clean --boilerplate`; `None` with `--no-boilerplate`.
    pub boilerplate: Option<f64>,
}

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

/// The site context boilerplate was learned from (or why there was none).
#[derive(Serialize)]
struct SiteOut {
    /// The site folder (`None` for stdin without `--site`).
    folder: Option<String>,
    /// Captures of the site, FILE included.
    captures: usize,
    /// Whether the site was large enough to learn from (and learning was on).
    learned: bool,
    /// Distinct boilerplate lines learned for the site.
    boilerplate_lines: usize,
    /// Why nothing was learned, or `None`.
    note: Option<String>,
}

/// A weak page: its best block with the strict walls scored under the threshold, so
/// every negative line score but an end marker's was softened and the block found again.
#[derive(Serialize)]
struct WeakOut {
    best_score: f32,
    threshold: f32,
}

#[derive(Serialize)]
struct ExplainOut<'a> {
    source: String,
    encoding: &'static str,
    malformed: usize,
    title: Option<&'a str>,
    /// Why the title line was taken (see [`crate::stage::title::Why`]).
    title_why: Option<&'static str>,
    article: Option<[usize; 2]>,
    /// Set when the page had no article-sized block and its walls were softened.
    weak: Option<WeakOut>,
    lines_removed: usize,
    site: SiteOut,
    lines: Vec<LineOut<'a>>,
}

/// A record of a shard or archive (`FILE#N`), read with its file: the file's
/// records, and which one is explained.
type RecordIn = (input::Expanded, usize);

/// Runs `explain`; returns how it ended (an input it cannot read is trouble: exit 2).
pub fn run(path: &Path, pipeline: &Pipeline, opts: &ExplainOptions) -> Result<Exit> {
    let shown = || terminal_str(&escape_path(path));
    let record: Option<RecordIn> = match input::records::record_address(path) {
        None => None,
        Some((file, n)) => {
            let reading = input::Reading {
                max_bytes: opts.max_bytes,
                ..input::Reading::default()
            };
            match input::records::read_record(&file, n, &reading) {
                Ok(found) => Some(found),
                Err(e) => {
                    eprintln!("docsift: {}: {e}", shown());
                    return Ok(Exit::Trouble);
                }
            }
        }
    };
    let (source, read) = match &record {
        Some((expanded, i)) => {
            let source = expanded.sources[*i].clone();
            let inputs = expanded.inputs.as_ref().expect("a record has its store");
            let text = inputs.text(&source.meta).map_err(|e| {
                crate::error::DocError::Read(format!("cannot read the record back: {e}"))
            });
            (source, text)
        }
        None => {
            let source = if path.as_os_str() == "-" {
                Source::stdin()
            } else {
                Source::file(path)
            };
            let read = input::read_source(&source, opts.max_bytes);
            (source, read)
        }
    };
    let bytes = match read {
        Ok(b) => b,
        Err(e) => {
            eprintln!("docsift: {}: {e}", shown());
            return Ok(Exit::Trouble);
        }
    };
    let decoded = match input::decode(&bytes) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("docsift: {}: {e}", shown());
            return Ok(Exit::Trouble);
        }
    };
    let (mut cleaned, analysis) = pipeline.cleaner.clean_analyzed_full(&decoded.text);
    let (site, lines) = match &record {
        Some(record) if opts.site.is_none() => record_site(record, &cleaned, pipeline, opts),
        _ => site_context(path, &cleaned, pipeline, opts)?,
    };
    crate::site::apply(&mut cleaned, &lines);
    let doc = &cleaned.doc;
    let lines: Vec<LineOut> = (0..doc.len())
        .map(|i| {
            let r = doc.removal(i);
            LineOut {
                line: i + 1,
                kept: r.is_none(),
                title: doc.title_line == Some(i),
                reason: r.map(|r| r.reason.name()),
                rule: r.map(|r| &*r.rule),
                score: analysis.scores.get(i).copied().unwrap_or(0.0),
                text: doc.text(i),
            }
        })
        .collect();
    let out = ExplainOut {
        source: source.name().to_string(),
        encoding: decoded.encoding.name(),
        malformed: decoded.malformed,
        title: doc.title.as_deref(),
        title_why: doc
            .title
            .as_ref()
            .and(analysis.title_why)
            .map(|w| w.describe()),
        article: analysis.block.map(|(s, e)| [s + 1, e + 1]),
        weak: analysis.weak.map(|w| WeakOut {
            best_score: w.best_score,
            threshold: w.threshold,
        }),
        lines_removed: doc.lines_removed(),
        site,
        lines,
    };
    let text = if opts.json {
        let mut s = serde_json::to_string_pretty(&out).unwrap_or_default();
        s.push('\n');
        s
    } else {
        render(&out)
    };
    crate::ui::print_stdout(text.as_bytes())?;
    Ok(Exit::Success)
}

/// Learns the boilerplate of FILE's site exactly as `clean` does for a site folder:
/// the site's captures are the files directly in the folder (walked as `clean` walks,
/// hidden ones skipped), in `clean`'s order; a site of more than
/// [`boilerplate::MIN_CLUSTERS`] captures learns from the first [`boilerplate::SAMPLE`].
/// FILE counts once: in its place if it is one of them, otherwise after them.
fn site_context(
    path: &Path,
    cleaned: &Cleaned,
    pipeline: &Pipeline,
    opts: &ExplainOptions,
) -> Result<(SiteOut, SiteLines)> {
    let none = |folder: Option<&Path>, captures, note: &str| SiteOut {
        folder: folder.map(escape_path),
        captures,
        learned: false,
        boilerplate_lines: 0,
        note: Some(note.to_owned()),
    };
    let stdin = path.as_os_str() == "-";
    let folder: PathBuf = match &opts.site {
        Some(dir) => {
            if !dir.is_dir() {
                return Err(Error::Usage(format!(
                    "--site {}: not a folder",
                    terminal_str(&escape_path(dir))
                )));
            }
            dir.clone()
        }
        None if stdin => {
            let note = "stdin has no site folder; give --site DIR to learn its boilerplate";
            return Ok((none(None, 1, note), SiteLines::default()));
        }
        None => match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        },
    };
    let Some(share) = opts.boilerplate else {
        let note = "--no-boilerplate: site boilerplate not learned";
        return Ok((none(None, 1, note), SiteLines::default()));
    };
    let mut members: Vec<Source> = input::expand(std::slice::from_ref(&folder))?
        .into_iter()
        .filter(|s| s.meta.site.as_str().is_empty())
        .collect();
    // FILE's place among them: the member that is the same file, if any.
    let file_id = (!stdin).then(|| std::fs::canonicalize(path).ok()).flatten();
    let place = file_id.as_ref().and_then(|id| {
        members.iter().position(|m| {
            m.rel().file_name() == path.file_name()
                && std::fs::canonicalize(m.path()).ok().as_ref() == Some(id)
        })
    });
    let place = place.unwrap_or_else(|| {
        members.push(Source::stdin());
        members.len() - 1
    });
    Ok(learn(
        escape_path(&folder),
        &members,
        place,
        cleaned,
        pipeline,
        share,
        None,
        opts.max_bytes,
    ))
}

/// The site of record `FILE#N` (its URL's host, or its file's folder), learned as
/// `clean FILE` learns it: from the records of FILE in that site, in file order.
fn record_site(
    (expanded, i): &RecordIn,
    cleaned: &Cleaned,
    pipeline: &Pipeline,
    opts: &ExplainOptions,
) -> (SiteOut, SiteLines) {
    let site = &expanded.sources[*i].meta.site;
    let shown = if site.as_str().is_empty() {
        ".".to_owned()
    } else {
        site.as_str().to_owned()
    };
    let Some(share) = opts.boilerplate else {
        let out = SiteOut {
            folder: Some(shown),
            captures: 1,
            learned: false,
            boilerplate_lines: 0,
            note: Some("--no-boilerplate: site boilerplate not learned".into()),
        };
        return (out, SiteLines::default());
    };
    let members: Vec<Source> = expanded
        .sources
        .iter()
        .filter(|s| s.meta.site == *site && s.walk_error.is_none())
        .cloned()
        .collect();
    let key = &expanded.sources[*i].meta.key;
    let place = members
        .iter()
        .position(|m| m.meta.key == *key)
        .expect("the record is one of its site's");
    learn(
        shown,
        &members,
        place,
        cleaned,
        pipeline,
        share,
        expanded.inputs.as_deref(),
        opts.max_bytes,
    )
}

/// Learns a site's boilerplate from `members` (the explained document at `place`,
/// already cleaned), as `clean` does: from the first [`boilerplate::SAMPLE`], once
/// the site has more than [`boilerplate::MIN_CLUSTERS`] documents.
#[allow(clippy::too_many_arguments)]
fn learn(
    folder: String,
    members: &[Source],
    place: usize,
    cleaned: &Cleaned,
    pipeline: &Pipeline,
    share: f64,
    inputs: Option<&crate::store::InputStore>,
    max_bytes: u64,
) -> (SiteOut, SiteLines) {
    let captures = members.len();
    if captures <= boilerplate::MIN_CLUSTERS {
        let note = format!(
            "{captures} capture{}: too few to learn boilerplate from; it takes {}",
            if captures == 1 { "" } else { "s" },
            boilerplate::MIN_CLUSTERS + 1
        );
        let out = SiteOut {
            folder: Some(folder),
            captures,
            learned: false,
            boilerplate_lines: 0,
            note: Some(note),
        };
        return (out, SiteLines::default());
    }
    let samples: Vec<Option<boilerplate::Sample>> = members
        .par_iter()
        .enumerate()
        .take(boilerplate::SAMPLE)
        .map(|(k, m)| {
            if k == place {
                return Some(crate::site::sample(cleaned, &pipeline.minhash));
            }
            load_from(m, inputs, pipeline, max_bytes)
                .ok()
                .map(|p| crate::site::sample(&p.cleaned, &pipeline.minhash))
        })
        .collect();
    let samples: Vec<boilerplate::Sample> = samples.into_iter().flatten().collect();
    let lines = boilerplate::learn(&samples, share);
    let site = SiteOut {
        folder: Some(folder),
        captures,
        learned: true,
        boilerplate_lines: lines.keys.len(),
        note: None,
    };
    (site, lines)
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
    if let Some(why) = out.title_why {
        let _ = writeln!(s, "title taken as: {why}");
    }
    match out.article {
        Some([a, b]) => {
            let _ = writeln!(s, "article: lines {a}-{b}");
        }
        None => {
            let _ = writeln!(s, "article: (none found)");
        }
    }
    if let Some(w) = &out.weak {
        let _ = writeln!(
            s,
            "weak page: best block scored {:.1} < {:.1}; negative scores softened, block found again",
            w.best_score, w.threshold
        );
    }
    let _ = writeln!(s, "lines removed: {}", out.lines_removed);
    let site = &out.site;
    let folder = site.folder.as_deref().map(terminal_str);
    match (&folder, &site.note) {
        (Some(f), None) => {
            let _ = writeln!(
                s,
                "site: {f} ({} captures; {} boilerplate line{} learned)",
                site.captures,
                site.boilerplate_lines,
                if site.boilerplate_lines == 1 { "" } else { "s" }
            );
        }
        (Some(f), Some(note)) => {
            let _ = writeln!(s, "site: {f} ({note})");
        }
        (None, note) => {
            let _ = writeln!(s, "site: none ({})", note.as_deref().unwrap_or(""));
        }
    }
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
