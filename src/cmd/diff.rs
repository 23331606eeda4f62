//! `docsift diff A B`: the two captures' clean bodies as a unified diff, with their
//! similarity measured the way deduplication measures it, so a user can check any
//! pair the manifest reports (or any pair it did not).
//!
//! Each input is cleaned alone, by the per-document stages: there is no site to learn
//! boilerplate from, so when a run removed site boilerplate the bodies it compared
//! may be a little shorter than the ones shown here. Output files of `docsift clean`
//! can be given too: their metadata header is recognised and skipped.
//!
//! Like diff(1), the exit code is 0 when the clean bodies are identical, 1 when they
//! differ, and 2 when there is no answer: an input cannot be read, or stdout cannot
//! be written (see [`crate::exit`]).

use std::fmt::Write as _;
use std::path::Path;

use crate::dedup::cluster::MIN_NEAR_SHINGLES;
use crate::dedup::minhash::{MinHasher, HASHES};
use crate::dedup::{shingle, verify};
use crate::error::{Error, Result};
use crate::escape::{escape_path, terminal_str};
use crate::exit::Exit;
use crate::input::Source;
use crate::pipeline::Pipeline;
use crate::run::{load, load_from};
use crate::ui::udiff;

/// What `diff` needs besides the two inputs.
#[derive(Debug, Clone)]
pub struct DiffOptions {
    pub max_bytes: u64,
    /// The near-duplicate threshold the verdict is given for (`None`: exact only).
    pub threshold: Option<f64>,
    /// Unchanged lines shown around each change.
    pub context: usize,
    pub color: bool,
}

/// How similar two clean bodies are, measured as deduplication measures them.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub identical: bool,
    pub shingles: (usize, usize),
    pub estimated: f64,
    pub jaccard: f64,
    pub containment: f64,
    pub ratio: f64,
    /// The largest place where both bodies hold a passage of their own (see
    /// `verify::different_passage`).
    pub passage: Option<verify::Passage>,
}

impl Comparison {
    pub fn of(a: &str, b: &str) -> Self {
        let (sa, sb) = (shingle::shingle_set(a), shingle::shingle_set(b));
        let mh = MinHasher::default();
        Comparison {
            identical: a == b,
            shingles: (sa.len(), sb.len()),
            estimated: mh.signature(&sa).similarity(&mh.signature(&sb)),
            jaccard: shingle::jaccard(&sa, &sb),
            containment: shingle::containment(&sa, &sb),
            ratio: verify::diff_ratio(a, b),
            passage: verify::different_passage(a, b),
        }
    }

    /// The similarity the near-duplicate threshold applies to (see `dedup::verify`).
    pub fn measured(&self) -> f64 {
        verify::Measured {
            jaccard: self.jaccard,
            containment: self.containment,
            ratio: Some(self.ratio),
            passage: self.passage,
        }
        .similarity()
    }

    /// Whether a passage of each body's own, at one place, makes them different
    /// documents whatever their similarity (see `dedup::verify`).
    pub fn separated(&self) -> bool {
        self.passage.is_some_and(|p| p.separates())
    }

    /// The verdict deduplication would reach for this pair, in words.
    pub fn verdict(&self, threshold: Option<f64>) -> String {
        let short = self.shingles.0.min(self.shingles.1) < MIN_NEAR_SHINGLES as usize;
        match threshold {
            _ if self.identical => "exact duplicates (identical clean bodies)".into(),
            None => "not exact duplicates (near duplicates are off)".into(),
            Some(_) if short => format!(
                "not duplicates: a body has fewer than {MIN_NEAR_SHINGLES} shingles, \
                 and such short bodies are only ever exact duplicates"
            ),
            Some(t) if self.measured() >= t && self.separated() => format!(
                "not near duplicates: similarity reaches {t:.2}, but each holds a passage \
                 of its own at one place (different texts in a shared template)"
            ),
            Some(t) if self.measured() >= t => {
                format!("near duplicates at threshold {t:.2}")
            }
            Some(t) => format!("not near duplicates at threshold {t:.2}"),
        }
    }
}

/// The clean body of an input (a file, stdin, or a record `FILE#N`); a `docsift
/// clean` output file's header is skipped.
fn clean_body(
    path: &Path,
    pipeline: &Pipeline,
    max_bytes: u64,
) -> std::result::Result<String, String> {
    let cleaned = match crate::input::records::record_address(path) {
        // A record of a shard or archive, named as the manifest names it: FILE#N.
        Some((file, n)) => {
            let reading = crate::input::Reading {
                max_bytes,
                ..crate::input::Reading::default()
            };
            let (expanded, i) = crate::input::records::read_record(&file, n, &reading)?;
            load_from(
                &expanded.sources[i],
                expanded.inputs.as_deref(),
                pipeline,
                max_bytes,
            )
        }
        None => {
            let source = if path.as_os_str() == "-" {
                Source::stdin()
            } else {
                Source::file(path)
            };
            load(&source, pipeline, max_bytes)
        }
    }
    .map_err(|(e, _)| e.to_string())?;
    let body = cleaned.cleaned.doc.body();
    Ok(match strip_header(&body) {
        Some(rest) => pipeline.cleaner.clean(rest).body(),
        None => body,
    })
}

/// The body of a docsift output file: what follows its `---` … `---` header with a
/// `sha256:` line (`None` for anything else).
fn strip_header(text: &str) -> Option<&str> {
    let rest = text.strip_prefix("---\n")?;
    let end = rest.find("\n---\n")?;
    let header = &rest[..end];
    header
        .lines()
        .any(|l| l.starts_with("sha256: "))
        .then(|| rest[end + 5..].trim_start_matches('\n'))
}

/// Runs `diff`; returns how it ended (identical, different, or no answer).
pub fn run(a: &Path, b: &Path, pipeline: &Pipeline, opts: &DiffOptions) -> Result<Exit> {
    if a.as_os_str() == "-" && b.as_os_str() == "-" {
        return Err(Error::StdinTwice);
    }
    let mut bodies = Vec::with_capacity(2);
    for path in [a, b] {
        match clean_body(path, pipeline, opts.max_bytes) {
            Ok(body) => bodies.push(body),
            Err(e) => {
                eprintln!("docsift: {}: {e}", terminal_str(&escape_path(path)));
                return Ok(Exit::Trouble);
            }
        }
    }
    let (name_a, name_b) = (escape_path(a), escape_path(b));
    let cmp = Comparison::of(&bodies[0], &bodies[1]);
    let text = render(&name_a, &name_b, &bodies[0], &bodies[1], &cmp, opts);
    crate::ui::print_stdout(text.as_bytes())?;
    Ok(if cmp.identical {
        Exit::Success
    } else {
        Exit::Failure
    })
}

/// The report: similarity lines, then the unified diff (lines starting `---`, `+++`,
/// `@@`, ` `, `-`, `+`, as `patch` reads them).
pub fn render(
    name_a: &str,
    name_b: &str,
    a: &str,
    b: &str,
    cmp: &Comparison,
    opts: &DiffOptions,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "similarity: {:.3} measured (jaccard {:.3}, containment {:.3}, diff ratio {:.3}); \
         {:.3} estimated (MinHash, {HASHES} hashes)",
        cmp.measured(),
        cmp.jaccard,
        cmp.containment,
        cmp.ratio,
        cmp.estimated
    );
    if let Some(p) = cmp.passage {
        let _ = writeln!(
            out,
            "largest differing passage: {} words vs {} words, sharing {:.0}% of their words \
             ({} words or more on each side sharing under {:.0}% make them different texts)",
            p.words_a,
            p.words_b,
            p.shared * 100.0,
            verify::MIN_PASSAGE,
            verify::PASSAGE_SHARED * 100.0
        );
    }
    let _ = writeln!(out, "verdict: {}", cmp.verdict(opts.threshold));
    if cmp.identical {
        return out;
    }
    out.push_str(&udiff::unified(
        name_a,
        name_b,
        a,
        b,
        opts.context,
        opts.color,
        udiff::DISPLAY_DEADLINE,
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn para(n: usize) -> String {
        format!(
            "Paragraph {n} tells how the ferry crossed the sound at night while the \
             harbour lights went out one by one along the quay."
        )
    }

    fn opts() -> DiffOptions {
        DiffOptions {
            max_bytes: 1 << 20,
            threshold: Some(0.8),
            context: 3,
            color: false,
        }
    }

    #[test]
    fn an_edited_copy_is_a_near_duplicate_with_its_edit_shown() {
        let a: String = (0..12).map(|i| para(i) + "\n\n").collect();
        let b = a.replace("Paragraph 5 tells", "Paragraph 5 says");
        let cmp = Comparison::of(&a, &b);
        assert!(!cmp.identical);
        assert!(cmp.measured() >= 0.8, "{cmp:?}");
        assert_eq!(cmp.verdict(Some(0.8)), "near duplicates at threshold 0.80");
        let report = render("a.txt", "b.txt", &a, &b, &cmp, &opts());
        assert!(report.contains("--- a.txt\n+++ b.txt\n@@ "), "{report}");
        assert!(report.contains(&format!("-{}\n", para(5))), "{report}");
        assert!(
            report.contains("\n+Paragraph 5 says how the ferry"),
            "{report}"
        );
        assert!(!report.contains('\x1b'), "no colour unless asked");
        let coloured = render(
            "a.txt",
            "b.txt",
            &a,
            &b,
            &cmp,
            &DiffOptions {
                color: true,
                ..opts()
            },
        );
        assert!(coloured.contains(udiff::RED) && coloured.contains(udiff::EMPHASIS));
    }

    #[test]
    fn different_articles_and_short_bodies_are_not_near_duplicates() {
        let a: String = (0..12).map(|i| para(i) + "\n").collect();
        let b: String = (0..12)
            .map(|i| format!("Line {i}: a different story about winter markets and bread.\n"))
            .collect();
        assert_eq!(
            Comparison::of(&a, &b).verdict(Some(0.8)),
            "not near duplicates at threshold 0.80"
        );
        let v = Comparison::of("One short line.\n", "One short line!\n").verdict(Some(0.8));
        assert!(
            v.starts_with("not duplicates: a body has fewer than"),
            "{v}"
        );
        assert!(Comparison::of(&a, &a)
            .verdict(Some(0.8))
            .starts_with("exact duplicates"));
    }

    #[test]
    fn a_docsift_header_is_skipped() {
        let file = "---\ntitle: \"T\"\nsource: \"a.txt\"\nsha256: \"00\"\n---\n\nT\nBody.\n";
        assert_eq!(strip_header(file), Some("T\nBody.\n"));
        assert_eq!(strip_header("---\nnot a header\n---\nx\n"), None);
        assert_eq!(strip_header("plain text\n"), None);
    }
}
