//! The one document type that flows through every stage.
//!
//! A [`Document`] owns the normalized text of one capture as a single buffer and a
//! list of [`Line`]s that index into it. Stages never delete or rewrite text: they mark
//! a line removed with a [`Removal`] that says why. That is what makes three promises
//! cheap to keep: the clean body is always a subsequence of the normalized lines,
//! every removed line has exactly one reason, and `docsift explain` can show all of it.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::Serialize;

/// Why a line was removed. One enum for every stage, so counts and explanations
/// stay comparable across stages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The same line twice in a row (link text plus heading).
    Stutter,
    /// A whole short line matching a chrome phrase rule (share, subscribe, ...).
    Phrase,
    /// A block of short link-like lines: menus, related-post lists, footers.
    NavRun,
    /// The article, or a long part of it, a second time in the same capture.
    RepeatedBody,
    /// A line that recurs across many captures of the same site.
    Boilerplate,
    /// Outside the article: page chrome before the article starts or after it ends.
    OutsideArticle,
    /// A blank line made redundant by other removals (never counted as removed text).
    Blank,
}

impl Reason {
    /// Every reason, in the order summaries list them.
    pub const ALL: [Reason; 7] = [
        Reason::Stutter,
        Reason::Phrase,
        Reason::NavRun,
        Reason::RepeatedBody,
        Reason::Boilerplate,
        Reason::OutsideArticle,
        Reason::Blank,
    ];

    /// The stable snake_case name used in headers, the manifest and `explain`.
    pub fn name(self) -> &'static str {
        match self {
            Reason::Stutter => "stutter",
            Reason::Phrase => "phrase",
            Reason::NavRun => "nav_run",
            Reason::RepeatedBody => "repeated_body",
            Reason::Boilerplate => "boilerplate",
            Reason::OutsideArticle => "outside_article",
            Reason::Blank => "blank",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why one line was removed, and which rule fired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    pub reason: Reason,
    /// The rule that fired, e.g. `en:share` or `stutter`; shown by `explain`. Shared,
    /// because thousands of lines cite the same few rules.
    pub rule: Arc<str>,
}

/// One normalized line: a range of [`Document::text`] and, if removed, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    start: usize,
    end: usize,
    pub removal: Option<Removal>,
}

impl Line {
    pub fn is_kept(&self) -> bool {
        self.removal.is_none()
    }
}

/// One capture after decoding and normalization, carried through the cleaning stages.
#[derive(Debug, Clone, Default)]
pub struct Document {
    /// All normalized lines, each followed by `\n`.
    text: String,
    lines: Vec<Line>,
    /// The title found by the title stage (a kept line's text), if any.
    pub title: Option<String>,
    /// The title's line.
    pub title_line: Option<usize>,
    /// The bounds that bit while this document was cleaned (reported by the run).
    pub limits: crate::limits::Counts,
    /// Lines removed before this document was built, by reason: a capture too large
    /// to clean whole is cleaned in segments, and only the lines they kept are
    /// carried here (see `Cleaner::clean_bounded`). Counted in [`Document::removal_counts`].
    pub removed_earlier: ReasonCounts,
}

impl Document {
    /// Builds a document from already-normalized lines (no `\n` inside any of them).
    pub fn from_lines<'a>(lines: impl IntoIterator<Item = &'a str>) -> Self {
        let lines: Vec<&str> = lines.into_iter().collect();
        let bytes = lines.iter().map(|l| l.len() + 1).sum();
        let mut doc = Document {
            text: String::with_capacity(bytes),
            lines: Vec::with_capacity(lines.len()),
            ..Default::default()
        };
        for l in lines {
            doc.push_line(l);
        }
        doc
    }

    /// Appends one normalized line; used by the normalizer while it builds the document.
    pub fn push_line(&mut self, line: &str) {
        debug_assert!(!line.contains('\n'));
        let start = self.text.len();
        self.text.push_str(line);
        let end = self.text.len();
        self.text.push('\n');
        self.lines.push(Line {
            start,
            end,
            removal: None,
        });
    }

    /// Drops the last line if it is blank (normalization's trailing-blank rule).
    pub(crate) fn pop_trailing_blank(&mut self) {
        if let Some(l) = self.lines.last() {
            if l.start == l.end {
                self.text.truncate(l.start);
                self.lines.pop();
            }
        }
    }

    pub fn with_capacity(bytes: usize) -> Self {
        Document {
            text: String::with_capacity(bytes + bytes / 16),
            ..Default::default()
        }
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Bytes of text, newlines included (kept and removed lines alike).
    pub fn text_bytes(&self) -> usize {
        self.text.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn lines(&self) -> &[Line] {
        &self.lines
    }

    /// The text of line `i` (without its newline).
    pub fn text(&self, i: usize) -> &str {
        let l = &self.lines[i];
        &self.text[l.start..l.end]
    }

    pub fn is_kept(&self, i: usize) -> bool {
        self.lines[i].removal.is_none()
    }

    pub fn is_blank(&self, i: usize) -> bool {
        let l = &self.lines[i];
        l.start == l.end
    }

    pub fn removal(&self, i: usize) -> Option<&Removal> {
        self.lines[i].removal.as_ref()
    }

    /// Marks line `i` removed unless an earlier stage already removed it: the first
    /// reason wins, so every removed line has exactly one.
    pub fn remove(&mut self, i: usize, reason: Reason, rule: impl Into<Arc<str>>) -> bool {
        let l = &mut self.lines[i];
        if l.removal.is_some() {
            return false;
        }
        l.removal = Some(Removal {
            reason,
            rule: rule.into(),
        });
        true
    }

    /// Indexes of the kept lines, in order.
    pub fn kept(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.lines.len()).filter(move |&i| self.is_kept(i))
    }

    /// Removes blank lines that other removals left doubled, leading or trailing, so the
    /// body never has two blank lines in a row and never starts or ends with one.
    pub fn tidy_blank_lines(&mut self) {
        let mut prev_kept_blank = true; // true at the start: drop leading blanks
        let mut last_kept: Option<usize> = None;
        for i in 0..self.lines.len() {
            if !self.is_kept(i) {
                continue;
            }
            if self.is_blank(i) {
                if prev_kept_blank {
                    self.remove(i, Reason::Blank, "blank");
                    continue;
                }
                prev_kept_blank = true;
            } else {
                prev_kept_blank = false;
            }
            last_kept = Some(i);
        }
        if let Some(last) = last_kept {
            if self.is_blank(last) {
                self.remove(last, Reason::Blank, "blank");
            }
        }
    }

    /// The clean body: kept lines joined by `\n`, ending with exactly one newline, or
    /// the empty string when nothing is kept.
    pub fn body(&self) -> String {
        let mut out = String::with_capacity(self.text.len());
        for i in self.kept() {
            out.push_str(self.text(i));
            out.push('\n');
        }
        // Defensive: tidy_blank_lines normally guarantees this already.
        while out.ends_with("\n\n") {
            out.pop();
        }
        if out == "\n" {
            out.clear();
        }
        out
    }

    /// Non-blank removed lines: the `lines_removed` the header and manifest report.
    pub fn lines_removed(&self) -> usize {
        self.removal_counts().values().sum()
    }

    /// Removed non-blank lines by reason, in reason order (blank-line tidying excluded).
    pub fn removal_counts(&self) -> BTreeMap<Reason, usize> {
        let mut m = BTreeMap::new();
        for (r, n) in self.removed_earlier.nonzero() {
            m.insert(r, n as usize);
        }
        for (i, l) in self.lines.iter().enumerate() {
            if let Some(r) = &l.removal {
                if r.reason != Reason::Blank && !self.is_blank(i) {
                    *m.entry(r.reason).or_insert(0) += 1;
                }
            }
        }
        m
    }
}

/// Per-reason counts as a fixed array, cheap to keep per document and to sum.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReasonCounts(pub [u32; Reason::ALL.len()]);

impl ReasonCounts {
    pub fn from_document(doc: &Document) -> Self {
        let mut c = ReasonCounts::default();
        for (r, n) in doc.removal_counts() {
            c.0[r as usize] = n as u32;
        }
        c
    }

    pub fn add(&mut self, other: &ReasonCounts) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a += b;
        }
    }

    pub fn total(&self) -> u64 {
        self.0.iter().map(|&n| n as u64).sum()
    }

    /// Non-zero counts in reason order, for headers, summaries and JSON.
    pub fn nonzero(&self) -> impl Iterator<Item = (Reason, u32)> + '_ {
        Reason::ALL
            .iter()
            .map(move |&r| (r, self.0[r as usize]))
            .filter(|&(_, n)| n > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_is_kept_lines_with_one_final_newline() {
        let mut d = Document::from_lines(["Title", "", "chrome", "", "Para one.", ""]);
        d.remove(2, Reason::Phrase, "x");
        d.tidy_blank_lines();
        assert_eq!(d.body(), "Title\n\nPara one.\n");
        assert_eq!(d.lines_removed(), 1);
        assert_eq!(d.removal(3).unwrap().reason, Reason::Blank);
        assert_eq!(d.removal(5).unwrap().reason, Reason::Blank);
    }

    #[test]
    fn first_reason_wins() {
        let mut d = Document::from_lines(["a"]);
        assert!(d.remove(0, Reason::Stutter, "stutter"));
        assert!(!d.remove(0, Reason::Phrase, "p"));
        assert_eq!(d.removal(0).unwrap().reason, Reason::Stutter);
    }

    #[test]
    fn all_removed_gives_empty_body() {
        let mut d = Document::from_lines(["a", "", "b"]);
        d.remove(0, Reason::Phrase, "p");
        d.remove(2, Reason::Phrase, "p");
        d.tidy_blank_lines();
        assert_eq!(d.body(), "");
    }
}
