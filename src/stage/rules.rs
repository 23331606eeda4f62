//! Chrome rules: phrases and patterns that recognise page chrome by a whole line.
//!
//! The built-in set lives in `rules.toml` next to this file, in the same format
//! `--rules FILE` reads and `docsift rules` prints, so the rules a user can see are
//! exactly the rules that run. A phrase only ever matches a whole short line (see the
//! file's header for the comparison); patterns carry their own length limits, so no
//! rule can fire on text inside a paragraph.
//!
//! Matching runs on every line of every capture, so it is built for the common case of
//! no match: one hash lookup for exact phrases, one lookup of the line's first word for
//! prefix phrases, and two case-insensitive alternations of the patterns (those
//! anchored at the line's start, which fail within a few bytes, and the others, tried
//! only on lines short enough for them); only when one matches are the patterns tried
//! one by one to find which (and to apply its length limit).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use regex::{Regex, RegexBuilder};
use serde::Deserialize;

use crate::error::{Error, Result};

/// The built-in rules, verbatim.
pub const BUILTIN_TOML: &str = include_str!("rules.toml");

/// What a matched line means for the article around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// The line is chrome.
    Chrome,
    /// The comment section starts: the article is over.
    Comments,
    /// A related/recent/popular list starts: the article is over unless it resumes.
    Related,
    /// The site footer: what follows is not the article.
    Footer,
}

/// A rule that matched a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// `LANG:PHRASE` or `pattern:ID`, shown by `explain`.
    pub id: Arc<str>,
    pub kind: RuleKind,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default = "yes")]
    builtin: bool,
    max_chars: Option<usize>,
    #[serde(default)]
    disable: Vec<String>,
    #[serde(default)]
    phrases: BTreeMap<String, PhraseLists>,
    #[serde(default)]
    patterns: Vec<PatternSpec>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PhraseLists {
    #[serde(default)]
    chrome: Vec<String>,
    #[serde(default)]
    comments: Vec<String>,
    #[serde(default)]
    related: Vec<String>,
    #[serde(default)]
    footer: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PatternSpec {
    id: String,
    kind: RuleKind,
    max_chars: Option<usize>,
    regex: String,
}

/// A compiled rule set.
#[derive(Debug, Clone)]
pub struct Rules {
    /// Phrases only match lines of at most this many characters.
    pub max_chars: usize,
    exact: HashMap<String, Rule, xxhash_rust::xxh3::Xxh3DefaultBuilder>,
    /// Prefix phrases by their first word.
    prefixes: HashMap<String, Vec<(String, Rule)>, xxhash_rust::xxh3::Xxh3DefaultBuilder>,
    patterns: Vec<(Regex, usize, Rule)>,
    /// The patterns anchored at the start of the line, as one alternation: the fast
    /// "none of these matches" test (a DFA that gives up after a few bytes).
    any_anchored: Option<Regex>,
    /// The other patterns as one alternation, and the longest line they may match.
    any_floating: Option<(Regex, usize)>,
    /// The longest line any rule can match.
    longest: usize,
    /// Identifies this rule set in the per-thread pattern cache.
    id: u64,
}

/// Chrome lines recur: a site prints the same menu, share bar and footer on every
/// page, so the same short lines reach the regular expressions thousands of times.
/// Each worker thread remembers, per line (by its 64-bit hash), which pattern matched
/// it, if any. The answer depends only on the line and the rule set, so the cache
/// changes nothing but the time; it is bounded, and cleared when full.
mod pattern_cache {
    use std::cell::RefCell;
    use std::collections::HashMap;

    /// Lines remembered per thread before the cache starts over.
    const CAPACITY: usize = 1 << 16;

    /// Line hash → index of the first matching pattern.
    type Answers = HashMap<u64, Option<u32>, xxhash_rust::xxh3::Xxh3DefaultBuilder>;

    thread_local! {
        /// The rule set the answers are for, and the answers.
        static CACHE: RefCell<(u64, Answers)> = RefCell::new((0, HashMap::default()));
    }

    /// The cached answer for `line` under rule set `id`, computing it on a miss.
    pub fn lookup(id: u64, line: &str, compute: impl FnOnce() -> Option<u32>) -> Option<u32> {
        let key = xxhash_rust::xxh3::xxh3_64(line.as_bytes());
        CACHE.with(|c| {
            let mut c = c.borrow_mut();
            if c.0 != id {
                c.1.clear();
                c.0 = id;
            }
            if let Some(&hit) = c.1.get(&key) {
                return hit;
            }
            let answer = compute();
            if c.1.len() >= CAPACITY {
                c.1.clear();
            }
            c.1.insert(key, answer);
            answer
        })
    }
}

/// A fresh id for each compiled rule set (0 is never used).
fn next_rules_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl Default for Rules {
    fn default() -> Self {
        Rules::builtin()
    }
}

impl Rules {
    /// The built-in rules.
    pub fn builtin() -> Self {
        let file: RulesFile = toml::from_str(BUILTIN_TOML).expect("built-in rules parse");
        Rules::compile(vec![file]).expect("built-in rules compile")
    }

    /// Rules from a user file: added to the built-in set unless it says
    /// `builtin = false`.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Rules {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        Rules::from_toml(&text).map_err(|reason| Error::Rules {
            path: path.to_path_buf(),
            reason,
        })
    }

    /// Rules from TOML text (see [`Rules::from_file`]).
    pub fn from_toml(text: &str) -> std::result::Result<Self, String> {
        let user: RulesFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut files = Vec::new();
        if user.builtin {
            files.push(toml::from_str(BUILTIN_TOML).map_err(|e: toml::de::Error| e.to_string())?);
        }
        files.push(user);
        Rules::compile(files)
    }

    fn compile(files: Vec<RulesFile>) -> std::result::Result<Self, String> {
        let mut max_chars = 80;
        let mut disabled = std::collections::HashSet::new();
        for f in &files {
            if let Some(m) = f.max_chars {
                max_chars = m;
            }
            disabled.extend(f.disable.iter().cloned());
        }
        let mut exact = HashMap::default();
        let mut prefixes: HashMap<String, Vec<(String, Rule)>, _> = HashMap::default();
        let mut patterns = Vec::new();
        for f in files {
            for (lang, lists) in f.phrases {
                let kinds = [
                    (RuleKind::Chrome, lists.chrome),
                    (RuleKind::Comments, lists.comments),
                    (RuleKind::Related, lists.related),
                    (RuleKind::Footer, lists.footer),
                ];
                for (kind, phrases) in kinds {
                    for phrase in phrases {
                        let id = format!("{lang}:{phrase}");
                        if disabled.contains(&id) {
                            continue;
                        }
                        let rule = Rule {
                            id: id.into(),
                            kind,
                        };
                        if let Some(p) = phrase.strip_suffix(" *") {
                            let p = match_key(p);
                            let first = p.split(' ').next().unwrap_or_default().to_owned();
                            prefixes
                                .entry(first)
                                .or_default()
                                .push((format!("{p} "), rule));
                        } else {
                            exact.insert(match_key(&phrase), rule);
                        }
                    }
                }
            }
            for p in f.patterns {
                let id = format!("pattern:{}", p.id);
                if disabled.contains(&id) {
                    continue;
                }
                let re =
                    case_insensitive(&p.regex).map_err(|e| format!("pattern {}: {e}", p.id))?;
                patterns.push((
                    re,
                    p.max_chars.unwrap_or(max_chars),
                    Rule {
                        id: id.into(),
                        kind: p.kind,
                    },
                ));
            }
        }
        let alternation = |anchored: bool| -> std::result::Result<Option<(Regex, usize)>, String> {
            let group: Vec<&(Regex, usize, Rule)> = patterns
                .iter()
                .filter(|(re, _, _)| re.as_str().starts_with('^') == anchored)
                .collect();
            if group.is_empty() {
                return Ok(None);
            }
            let joined: Vec<String> = group
                .iter()
                .map(|(re, _, _)| format!("(?:{})", re.as_str()))
                .collect();
            let longest = group.iter().map(|(_, m, _)| *m).max().unwrap_or(0);
            Ok(Some((
                case_insensitive(&joined.join("|")).map_err(|e| e.to_string())?,
                longest,
            )))
        };
        let any_anchored = alternation(true)?.map(|(re, _)| re);
        let any_floating = alternation(false)?;
        let longest = patterns
            .iter()
            .map(|(_, m, _)| *m)
            .max()
            .unwrap_or(0)
            .max(max_chars);
        Ok(Rules {
            max_chars,
            exact,
            prefixes,
            patterns,
            any_anchored,
            any_floating,
            longest,
            id: next_rules_id(),
        })
    }

    /// The rule matching this whole line, if any. Phrases are tried before patterns.
    pub fn match_line(&self, line: &str) -> Option<&Rule> {
        let line = line.trim();
        if line.is_empty() {
            return None;
        }
        let chars = if line.is_ascii() {
            line.len()
        } else {
            line.chars().count()
        };
        if chars > self.longest {
            return None;
        }
        if chars <= self.max_chars {
            let key = match_key(line);
            if let Some(r) = self.exact.get(&key).or_else(|| {
                // A count after a phrase ("Comments (12)", "View all 23") is a badge.
                let (head, last) = key.rsplit_once(' ')?;
                let count = !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit());
                count.then(|| self.exact.get(head)).flatten()
            }) {
                return Some(r);
            }
            let first = key.split(' ').next().unwrap_or_default();
            if let Some(r) = self.prefixes.get(first).and_then(|list| {
                list.iter()
                    .find(|(p, _)| key.starts_with(p.as_str()))
                    .map(|(_, r)| r)
            }) {
                return Some(r);
            }
        }
        pattern_cache::lookup(self.id, line, || self.pattern_index(line, chars))
            .map(|k| &self.patterns[k as usize].2)
    }

    /// The first pattern matching `line` (of `chars` characters), by index.
    fn pattern_index(&self, line: &str, chars: usize) -> Option<u32> {
        let anchored = self
            .any_anchored
            .as_ref()
            .is_some_and(|re| re.is_match(line));
        let floating = !anchored
            && self
                .any_floating
                .as_ref()
                .is_some_and(|(re, max)| chars <= *max && re.is_match(line));
        if !anchored && !floating {
            return None;
        }
        self.patterns
            .iter()
            .position(|(re, max, _)| chars <= *max && re.is_match(line))
            .map(|k| k as u32)
    }
}

fn case_insensitive(pattern: &str) -> std::result::Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(32 << 20)
        .dfa_size_limit(64 << 20)
        .build()
}

/// The form phrases are compared in: lower case, every run of characters that are
/// not letters or digits (punctuation, symbols, spaces) one space, none at the ends.
/// "Related: Ferry news" and "related ferry news" have the same key.
pub fn match_key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut gap = false;
    for c in s.chars() {
        if crate::tokens::is_word_char(c) {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.extend(c.to_lowercase());
        } else {
            gap = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(r: &Rules, line: &str) -> Option<String> {
        r.match_line(line).map(|r| r.id.to_string())
    }

    #[test]
    fn whole_short_lines_only() {
        let r = Rules::builtin();
        assert_eq!(id(&r, "Share post:"), Some("en:share post".into()));
        assert_eq!(id(&r, "  » SUBSCRIBE «"), Some("en:subscribe".into()));
        assert_eq!(
            id(&r, "Subscribe to Harbour Notes"),
            Some("en:subscribe to *".into())
        );
        assert_eq!(id(&r, "Поделиться"), Some("ru:поделиться".into()));
        assert_eq!(
            id(
                &r,
                "We share the view that the council should subscribe to the plan."
            ),
            None
        );
        assert_eq!(id(&r, "Subscribers"), None);
        assert_eq!(id(&r, "Related: Ferry news"), Some("en:related *".into()));
        assert_eq!(
            id(
                &r,
                "Readers can sign up for the plan and follow the council online."
            ),
            None
        );
        assert_eq!(
            id(
                &r,
                "Get the day's headlines by subscribing to our newsletter."
            ),
            Some("pattern:site-voice".into())
        );
    }

    #[test]
    fn a_count_after_a_phrase_is_a_badge() {
        let r = Rules::builtin();
        assert_eq!(id(&r, "View all (23)"), Some("en:view all".into()));
        assert_eq!(id(&r, "Comments 12"), Some("en:comments".into()));
        // Only a trailing number is dropped, and only for a whole phrase.
        assert_eq!(id(&r, "Chapter 12"), None);
        assert_eq!(id(&r, "12 angry men"), None);
        assert_eq!(id(&r, "View all 2b"), None);
    }

    #[test]
    fn kinds_and_patterns() {
        let r = Rules::builtin();
        assert_eq!(r.match_line("Comments").unwrap().kind, RuleKind::Comments);
        assert_eq!(
            r.match_line("34 Comments").unwrap().kind,
            RuleKind::Comments
        );
        assert_eq!(
            r.match_line("Recent posts").unwrap().kind,
            RuleKind::Related
        );
        assert_eq!(
            r.match_line("© 2024 Harbour Notes").unwrap().kind,
            RuleKind::Footer
        );
        assert_eq!(id(&r, "November 20, 2019"), Some("pattern:date".into()));
        assert_eq!(
            id(&r, "Wednesday, November 20, 2019 at 10:43 am"),
            Some("pattern:date".into())
        );
    }

    #[test]
    fn user_file_adds_and_disables() {
        let r = Rules::from_toml(
            "disable = [\"en:menu\"]\n[phrases.en]\nchrome = [\"harbour notes daily\"]\n",
        )
        .unwrap();
        assert_eq!(id(&r, "Menu"), None);
        assert_eq!(
            id(&r, "Harbour Notes Daily"),
            Some("en:harbour notes daily".into())
        );
        assert!(r.match_line("Share").is_some());
        let only = Rules::from_toml("builtin = false\n[phrases.en]\nchrome = [\"zz\"]\n").unwrap();
        assert!(only.match_line("Share").is_none());
        assert!(Rules::from_toml("bogus = 1").is_err());
        assert!(Rules::from_toml("[[patterns]]\nid='x'\nkind='chrome'\nregex='('").is_err());
    }
}
