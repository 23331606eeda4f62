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
    /// The fast "none of these matches" tests, by line length (see [`Tier`]).
    tiers: Vec<Tier>,
    /// The longest line any rule can match.
    longest: usize,
    /// Identifies this rule set in the per-thread pattern cache.
    id: u64,
}

/// Lines of lengths up to [`TIER_BOUNDS`] (in characters) are tested against the
/// patterns whose limit allows them, as one alternation per tier: a long line never
/// runs the automaton of a pattern it is too long for, and the smaller automata of the
/// longer tiers (which hold most of a corpus's bytes) give up sooner and stay in cache.
const TIER_BOUNDS: [usize; 3] = [80, 200, 300];

/// The patterns that can match a line of one length range, as two alternations.
#[derive(Debug, Clone)]
struct Tier {
    /// Longest line (in characters) of this tier.
    upto: usize,
    /// The patterns anchored at the start of the line: a DFA that gives up after a
    /// few bytes on nearly every line.
    anchored: Option<Regex>,
    /// The other patterns, and the longest line they may match.
    floating: Option<(Regex, usize)>,
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
        let mut specs = Vec::new();
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
                specs.push((
                    p.regex,
                    p.max_chars.unwrap_or(max_chars),
                    Rule {
                        id: id.into(),
                        kind: p.kind,
                    },
                ));
            }
        }
        let sources: Vec<&str> = specs.iter().map(|(src, _, _)| src.as_str()).collect();
        let patterns: Vec<(Regex, usize, Rule)> = compile_all(&sources)
            .into_iter()
            .zip(specs)
            .map(|(re, (_, max, rule))| {
                let re = re
                    .map_err(|e| format!("{}: {e}", rule.id.replacen(':', " ", 1)))?
                    .expect("a pattern is never empty");
                Ok((re, max, rule))
            })
            .collect::<std::result::Result<_, String>>()?;
        let longest = patterns
            .iter()
            .map(|(_, m, _)| *m)
            .max()
            .unwrap_or(0)
            .max(max_chars);
        let tiers = compile_tiers(&patterns, longest)?;
        Ok(Rules {
            max_chars,
            exact,
            prefixes,
            patterns,
            tiers,
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
        let tier = self.tiers.iter().find(|t| chars <= t.upto)?;
        let anchored = tier.anchored.as_ref().is_some_and(|re| re.is_match(line));
        let floating = !anchored
            && tier
                .floating
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

/// Compiles case-insensitive patterns (`None` for an empty source) on all cores:
/// compiling the rules is most of docsift's start-up time.
fn compile_all(sources: &[&str]) -> Vec<std::result::Result<Option<Regex>, regex::Error>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(sources.len());
    // Thread k compiles sources k, k + threads, ...: the expensive ones (the first
    // tiers' alternations) are spread over the threads.
    let mut done: Vec<(usize, _)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|k| {
                scope.spawn(move || {
                    (k..sources.len())
                        .step_by(threads)
                        .map(|i| {
                            let src = sources[i];
                            (
                                i,
                                (!src.is_empty()).then(|| case_insensitive(src)).transpose(),
                            )
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("compiling a pattern does not panic"))
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, re)| re).collect()
}

/// The tiers' alternations.
fn compile_tiers(
    patterns: &[(Regex, usize, Rule)],
    longest: usize,
) -> std::result::Result<Vec<Tier>, String> {
    let mut bounds: Vec<usize> = TIER_BOUNDS
        .iter()
        .copied()
        .filter(|&b| b < longest)
        .collect();
    bounds.push(longest);
    // Each tier's patterns: those whose limit reaches above the previous bound.
    let groups: Vec<(usize, [String; 2], usize)> = bounds
        .iter()
        .enumerate()
        .map(|(k, &upto)| {
            let above = if k == 0 { 0 } else { bounds[k - 1] };
            let fits = |anchored: bool| {
                patterns.iter().filter(move |(re, max, _)| {
                    *max > above && re.as_str().starts_with('^') == anchored
                })
            };
            let join = |anchored: bool| {
                fits(anchored)
                    .map(|(re, _, _)| format!("(?:{})", re.as_str()))
                    .collect::<Vec<_>>()
                    .join("|")
            };
            let floating_max = fits(false).map(|(_, m, _)| *m).max().unwrap_or(0);
            (upto, [join(true), join(false)], floating_max)
        })
        .collect();
    let sources: Vec<&str> = groups
        .iter()
        .flat_map(|(_, sources, _)| sources.iter().map(String::as_str))
        .collect();
    let compiled = compile_all(&sources);
    let mut compiled = compiled.into_iter();
    groups
        .into_iter()
        .map(|(upto, _, floating_max)| {
            let anchored = compiled
                .next()
                .expect("two per tier")
                .map_err(|e| e.to_string())?;
            let floating = compiled
                .next()
                .expect("two per tier")
                .map_err(|e| e.to_string())?;
            Ok(Tier {
                upto,
                anchored,
                floating: floating.map(|re| (re, floating_max)),
            })
        })
        .collect()
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

    /// The tiers are only a faster way to the same answer: on lines of every length
    /// around the tier bounds, the first matching pattern is the one found by trying
    /// every pattern with its own length limit.
    #[test]
    fn tiers_agree_with_trying_every_pattern() {
        let r = Rules::builtin();
        let seeds = [
            "© 2024 Harbour Notes. All rights reserved",
            "Photo: Jane Doe",
            "The mayor, left, and the harbour master, right, at the opening",
            "Sign up for our newsletter to get the news in your inbox",
            "By Jane Doe",
            "Mary Smith wrote:",
            "Tags: ferry, harbour",
            "Wednesday, November 20, 2019 at 10:43 am",
            "Jane Doe is a reporter for the Harbour Notes",
            "In this file photo the ferry leaves the harbour",
            "We use cookies to improve your experience",
            "Home › News › Harbour",
            "The ferry crossed the sound at night while the lights went out",
            "Foto: Anna Schmidt",
            "John Smith / Getty Images",
        ];
        let filler = " and the harbour lights went out one by one along the quay";
        let mut hits = std::collections::BTreeSet::new();
        for seed in seeds {
            for target in [
                0, 40, 79, 80, 81, 120, 199, 200, 201, 260, 299, 300, 301, 420, 900,
            ] {
                for line in [seed.to_string(), format!("{seed}{}", filler.repeat(20))] {
                    let line: String = line.chars().take(target.max(seed.len())).collect();
                    let chars = line.chars().count();
                    let want = r
                        .patterns
                        .iter()
                        .position(|(re, max, _)| chars <= *max && re.is_match(&line))
                        .map(|k| k as u32);
                    assert_eq!(r.pattern_index(&line, chars), want, "{line:?}");
                    if let Some(k) = want {
                        hits.insert((k, r.tiers.iter().position(|t| chars <= t.upto)));
                    }
                }
            }
        }
        // Not vacuous: many patterns match, in every tier.
        let tiers: std::collections::BTreeSet<_> = hits.iter().map(|(_, t)| *t).collect();
        assert!(hits.len() >= 30 && tiers.len() == r.tiers.len(), "{hits:?}");
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
