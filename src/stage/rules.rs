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
//! one by one to find which (and to apply its length limit). Before either automaton
//! runs, one literal scan asks whether the line holds any of the strings every match
//! of the group's patterns contains (`stage::needles`): nearly every line of prose
//! holds none, and is then done without the automaton's pass over its bytes.
//!
//! Nothing is compiled before a line needs it, and a line only needs automata for the
//! characters it holds (see `stage::cut`): compiling the patterns' Unicode classes
//! (`\w`, `\p{L}`, case-insensitive letters, bounded repetitions of them) for every
//! script cost about 0.1 s of CPU and 100 MB, most of docsift's start-up, while an
//! English capture needs them only for ASCII and punctuation, which compile in a
//! millisecond or two from patterns parsed and cut down at compile time.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use regex::{Regex, RegexBuilder};
use regex_automata::hybrid;
use regex_automata::util::prefilter::Prefilter;
use regex_syntax::hir::{self, Hir};
use serde::Deserialize;

use super::cut::{self, cut_down, ALPHABETS, NARROW};
use super::needles;
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
    patterns: Vec<Pattern>,
    /// The fast "none of these matches" tests, by line length (see [`Tier`]).
    tiers: Vec<Tier>,
    /// The longest line any rule can match.
    longest: usize,
    /// Identifies this rule set in the per-thread pattern cache.
    id: u64,
}

/// The index in [`ALPHABETS`] of the first alphabet holding every character of `line`.
///
/// Read from the UTF-8 bytes, not the characters (this runs on every line that is not
/// ASCII): the alphabets are nested, so the answer is the largest alphabet any one
/// character needs, and a character's lead byte tells which, but for the three-byte
/// ones (General Punctuation, Latin Extended Additional and the arrows are in narrow
/// alphabets). The test `alphabets_from_bytes_as_from_characters` holds this to the
/// definition, [`ALPHABETS`], for every character.
fn alphabet_of(line: &str) -> usize {
    if line.is_ascii() {
        return 0;
    }
    let b = line.as_bytes();
    let mut k = 1;
    let mut i = 0;
    while i < b.len() {
        let lead = b[i];
        i += 1;
        match lead {
            // ASCII, continuation bytes, and U+0080..U+00FF (C2, C3): alphabet 1.
            ..0xC4 => {}
            // U+0100..U+07FF.
            0xC4..0xE0 => k = 2,
            // U+0800..U+FFFF.
            0xE0..0xF0 => {
                let c = ((lead as u32 & 0x0F) << 12)
                    | ((b[i] as u32 & 0x3F) << 6)
                    | (b[i + 1] as u32 & 0x3F);
                match c {
                    0x2000..=0x206F => {}
                    0x1E00..=0x21FF => k = 2,
                    _ => return 3,
                }
                i += 2;
            }
            _ => return 3,
        }
    }
    k
}

/// [`alphabet_of`] by its definition, a character at a time.
#[cfg(test)]
fn alphabet_of_chars(line: &str) -> usize {
    if line.is_ascii() {
        return 0;
    }
    let mut k = 1;
    for c in line.chars() {
        while !ALPHABETS[k].iter().any(|&(lo, hi)| lo <= c && c <= hi) {
            k += 1;
            if k == ALPHABETS.len() - 1 {
                return k;
            }
        }
    }
    k
}

/// One pattern: its source and limit, parsed when first needed.
#[derive(Debug, Clone)]
struct Pattern {
    /// The regular expression as written (matched case-insensitively).
    source: String,
    /// The longest line (in characters) it may match.
    max: usize,
    rule: Rule,
    /// The parsed pattern, case folding applied.
    hir: OnceLock<Hir>,
    /// The pattern cut down to each narrow alphabet.
    cut: [OnceLock<Hir>; NARROW],
    /// The pattern as `regex` compiles it from the source: checks a user's pattern
    /// on loading, and answers when a tier's automaton cannot (see [`Group`]).
    full: OnceLock<Regex>,
}

impl Pattern {
    fn hir(&self) -> &Hir {
        self.hir.get_or_init(|| {
            cut::parse(&self.source).expect("a pattern is parsed after it compiled, or is built in")
        })
    }

    /// The pattern cut down to alphabet `k`: from the build script's table for a
    /// built-in pattern, else parsed and cut now.
    fn hir_in(&self, k: usize) -> &Hir {
        match self.cut.get(k) {
            Some(cell) => cell.get_or_init(|| {
                precut(&self.source)
                    .and_then(|enc| cut::decode(&mut &enc[k][..]))
                    .unwrap_or_else(|| cut_down(self.hir(), k))
            }),
            None => self.hir(),
        }
    }

    fn full(&self) -> &Regex {
        self.full.get_or_init(|| {
            case_insensitive(&self.source).expect("a pattern is checked on loading, or is built in")
        })
    }
}

/// Lines of lengths up to [`TIER_BOUNDS`] (in characters) are tested against the
/// patterns whose limit allows them: a long line never runs the automaton of a
/// pattern it is too long for, and the smaller automata of the longer tiers (which
/// hold most of a corpus's bytes) give up sooner and stay in cache.
const TIER_BOUNDS: [usize; 3] = [80, 200, 300];

/// The patterns that can match a line of one length range, and their automata for
/// each alphabet, built when a line of this tier in that alphabet first needs them.
#[derive(Debug, Clone)]
struct Tier {
    /// Longest line (in characters) of this tier.
    upto: usize,
    /// The patterns whose limit reaches into this tier, by index.
    members: Vec<usize>,
    /// By alphabet: the patterns anchored at the start of the line (an automaton
    /// that gives up after a few bytes on nearly every line), and the others.
    built: [OnceLock<[Group; 2]>; ALPHABETS.len()],
    /// By alphabet: how many lines have needed this tier's automata before they were
    /// built (see [`Rules::tier_groups`]).
    waiting: [Arc<std::sync::atomic::AtomicUsize>; ALPHABETS.len()],
}

/// A tier's own automata are built for the [`OWN_AFTER`]th line that needs them; the
/// lines before are tested with the first tier's, which hold every pattern: a capture
/// or a few have only a handful of long lines, which do not pay for more automata,
/// while a corpus gets the faster automata of its long lines at once.
const OWN_AFTER: usize = 256;

/// Some patterns of a tier as one automaton, cut down to one alphabet: a lazy DFA
/// (forward only: it is only asked whether and which patterns match, never where)
/// that says whether any pattern matches, and on the rare line where one does,
/// which ones (all of them, by an overlapping search), so that no pattern is ever
/// compiled alone.
#[derive(Debug, Clone)]
struct Group {
    /// The patterns, in the automaton's order, by index.
    patterns: Vec<usize>,
    /// The longest line they may match.
    max: usize,
    /// Whether every pattern only matches at the start of the line.
    anchored: bool,
    /// The automaton; `None` if it would exceed the size limits or the lazy DFA
    /// cannot run it (a Unicode word boundary), and the full patterns serve.
    dfa: Option<Arc<Dfa>>,
    /// A search for the strings one of which every match of these patterns holds, in
    /// [`needles::fold`]ed form: a line without any matches none of the patterns.
    /// `None` when some pattern has no such strings.
    needles: Option<Prefilter>,
}

type CachePool = regex_automata::util::pool::Pool<
    hybrid::dfa::Cache,
    Box<
        dyn Fn() -> hybrid::dfa::Cache
            + Send
            + Sync
            + std::panic::UnwindSafe
            + std::panic::RefUnwindSafe,
    >,
>;

/// A lazy DFA and its caches (one per thread at a time).
struct Dfa {
    dfa: hybrid::dfa::DFA,
    caches: CachePool,
}

impl std::fmt::Debug for Dfa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dfa").field("dfa", &self.dfa).finish()
    }
}

impl Group {
    /// The group of `patterns` cut down to alphabet `k`.
    fn new(all: &[Pattern], patterns: Vec<usize>, anchored: bool, k: usize) -> Group {
        let max = patterns.iter().map(|&i| all[i].max).max().unwrap_or(0);
        let dfa = (!patterns.is_empty())
            .then(|| {
                let hirs: Vec<&Hir> = patterns.iter().map(|&i| all[i].hir_in(k)).collect();
                Dfa::new(&hirs).map(Arc::new)
            })
            .flatten();
        let needles = (!patterns.is_empty())
            .then(|| {
                let mut strings = Vec::new();
                for &i in &patterns {
                    strings.extend(needles::needles(all[i].hir_in(k))?);
                }
                Prefilter::new(regex_automata::MatchKind::LeftmostFirst, &strings)
            })
            .flatten();
        Group {
            patterns,
            max,
            anchored,
            dfa,
            needles,
        }
    }

    /// The first (by index) of this group's patterns that matches `line`, of `chars`
    /// characters, within its limit; `folded` is the line [`needles::fold`]ed if the
    /// group has needles.
    fn first_match(
        &self,
        all: &[Pattern],
        line: &str,
        folded: &[u8],
        chars: usize,
    ) -> Option<usize> {
        if self.patterns.is_empty() || chars > self.max {
            return None;
        }
        if let Some(pre) = &self.needles {
            // No needle in the line: none of the patterns can match.
            pre.find(folded, regex_automata::Span::from(0..folded.len()))?;
        }
        let input = regex_automata::Input::new(line).anchored(if self.anchored {
            regex_automata::Anchored::Yes
        } else {
            regex_automata::Anchored::No
        });
        let found = self.dfa.as_ref().and_then(|dfa| {
            let mut cache = dfa.caches.get();
            match dfa
                .dfa
                .try_search_fwd(&mut cache, &input.clone().earliest(true))
            {
                Ok(None) => Some(None),
                Ok(Some(_)) => {
                    let mut state = hybrid::dfa::OverlappingState::start();
                    let mut first: Option<usize> = None;
                    loop {
                        if dfa
                            .dfa
                            .try_search_overlapping_fwd(&mut cache, &input, &mut state)
                            .is_err()
                        {
                            return None;
                        }
                        let Some(m) = state.get_match() else {
                            break;
                        };
                        let i = self.patterns[m.pattern().as_usize()];
                        if chars <= all[i].max && first.is_none_or(|f| i < f) {
                            first = Some(i);
                        }
                    }
                    Some(first)
                }
                Err(_) => None,
            }
        });
        // Without an automaton, or when it gave up: the full patterns, one by one.
        found.unwrap_or_else(|| {
            self.patterns
                .iter()
                .copied()
                .find(|&i| chars <= all[i].max && all[i].full().is_match(line))
        })
    }
}

impl Dfa {
    /// A lazy DFA matching any of `hirs`, with the limits `regex` is given in
    /// [`case_insensitive`]; `None` if it exceeds them.
    fn new(hirs: &[&Hir]) -> Option<Dfa> {
        let nfa = regex_automata::nfa::thompson::Compiler::new()
            .configure(
                regex_automata::nfa::thompson::Config::new()
                    .nfa_size_limit(Some(32 << 20))
                    .which_captures(regex_automata::nfa::thompson::WhichCaptures::None),
            )
            .build_many_from_hir(hirs)
            .ok()?;
        let dfa = hybrid::dfa::Builder::new()
            .configure(
                hybrid::dfa::Config::new()
                    .match_kind(regex_automata::MatchKind::All)
                    .cache_capacity(64 << 20)
                    .unicode_word_boundary(true),
            )
            .build_from_nfa(nfa)
            .ok()?;
        let for_caches = dfa.clone();
        let caches: CachePool =
            regex_automata::util::pool::Pool::new(Box::new(move || for_caches.create_cache()));
        Some(Dfa { dfa, caches })
    }
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

/// The built-in patterns parsed and cut down at compile time (see `build.rs`), by
/// source: each narrow alphabet's encoding.
fn precut(source: &str) -> Option<[&'static [u8]; NARROW]> {
    static TABLE: OnceLock<HashMap<&'static str, [&'static [u8]; NARROW]>> = OnceLock::new();
    TABLE
        .get_or_init(|| {
            let table = include_bytes!(concat!(env!("OUT_DIR"), "/cut_rules.bin"));
            cut::read_table(table)
                .expect("the build script writes the table")
                .into_iter()
                .collect()
        })
        .get(source)
        .copied()
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
        Rules::compile(vec![(file, true)]).expect("built-in rules compile")
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
            files.push((
                toml::from_str(BUILTIN_TOML).map_err(|e: toml::de::Error| e.to_string())?,
                true,
            ));
        }
        files.push((user, false));
        Rules::compile(files)
    }

    /// Compiles rule files, each marked whether it is the built-in one.
    fn compile(files: Vec<(RulesFile, bool)>) -> std::result::Result<Self, String> {
        let mut max_chars = 80;
        let mut disabled = std::collections::HashSet::new();
        for (f, _) in &files {
            if let Some(m) = f.max_chars {
                max_chars = m;
            }
            disabled.extend(f.disable.iter().cloned());
        }
        let mut exact = HashMap::default();
        let mut prefixes: HashMap<String, Vec<(String, Rule)>, _> = HashMap::default();
        let mut specs = Vec::new();
        for (f, builtin) in files {
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
                    builtin,
                ));
            }
        }
        let patterns: Vec<Pattern> = specs
            .into_iter()
            .map(|(source, max, rule, builtin)| {
                // A pattern of the user's is compiled now, to report its error on
                // loading; the built-in ones are known to compile (a unit test).
                let full = OnceLock::new();
                if !builtin {
                    let re = case_insensitive(&source)
                        .map_err(|e| format!("{}: {e}", rule.id.replacen(':', " ", 1)))?;
                    let _ = full.set(re);
                }
                Ok(Pattern {
                    source,
                    max,
                    rule,
                    hir: OnceLock::new(),
                    cut: Default::default(),
                    full,
                })
            })
            .collect::<std::result::Result<_, String>>()?;
        let longest = patterns
            .iter()
            .map(|p| p.max)
            .max()
            .unwrap_or(0)
            .max(max_chars);
        let tiers = tiers(&patterns, longest);
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
            thread_local! {
                /// The line's key (a buffer kept per thread: most lines are this short).
                static KEY: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
            }
            let phrase = KEY.with_borrow_mut(|key| {
                match_key_into(line, key);
                self.match_phrase(key)
            });
            if phrase.is_some() {
                return phrase;
            }
        }
        pattern_cache::lookup(self.id, line, || self.pattern_index(line, chars))
            .map(|k| &self.patterns[k as usize].rule)
    }

    /// The phrase rule matching a line whose [`match_key`] is `key`, if any.
    fn match_phrase(&self, key: &str) -> Option<&Rule> {
        if let Some(r) = self.exact.get(key).or_else(|| {
            // A count after a phrase ("Comments (12)", "View all 23") is a badge.
            let (head, last) = key.rsplit_once(' ')?;
            let count = !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit());
            count.then(|| self.exact.get(head)).flatten()
        }) {
            return Some(r);
        }
        let first = key.split(' ').next().unwrap_or_default();
        self.prefixes.get(first).and_then(|list| {
            list.iter()
                .find(|(p, _)| key.starts_with(p.as_str()))
                .map(|(_, r)| r)
        })
    }

    /// The first pattern matching `line` (of `chars` characters), by index.
    fn pattern_index(&self, line: &str, chars: usize) -> Option<u32> {
        let t = self.tiers.iter().position(|t| chars <= t.upto)?;
        let [anchored, floating] = self.tier_groups(t, alphabet_of(line));
        thread_local! {
            /// The line in folded form (a buffer kept per thread).
            static FOLDED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        FOLDED.with_borrow_mut(|folded| {
            folded.clear();
            if anchored.needles.is_some() || floating.needles.is_some() {
                needles::fold(line, folded);
            }
            let first = anchored.first_match(&self.patterns, line, folded, chars);
            // The floating group can only improve on an anchored match with an earlier
            // pattern; a line matching an anchored pattern is rare, so this stays cheap.
            let second = floating.first_match(&self.patterns, line, folded, chars);
            match (first, second) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }
            .map(|i| i as u32)
        })
    }

    /// The automata a line of tier `t` in alphabet `k` is tested with: the tier's own
    /// once built, the first tier's (a superset) before it is [`OWN_AFTER`] lines old.
    fn tier_groups(&self, t: usize, k: usize) -> &[Group; 2] {
        let tier = &self.tiers[t];
        if let Some(groups) = tier.built[k].get() {
            return groups;
        }
        let t =
            if tier.waiting[k].fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1 < OWN_AFTER {
                0
            } else {
                t
            };
        let tier = &self.tiers[t];
        tier.built[k].get_or_init(|| {
            // Split by whether every match starts at the line's start.
            let (anchored, floating) = tier.members.iter().partition(|&&i| {
                self.patterns[i]
                    .hir_in(k)
                    .properties()
                    .look_set_prefix()
                    .contains(hir::Look::Start)
            });
            [
                Group::new(&self.patterns, anchored, true, k),
                Group::new(&self.patterns, floating, false, k),
            ]
        })
    }
}

/// The tiers: each holds the patterns whose limit reaches above the previous bound.
fn tiers(patterns: &[Pattern], longest: usize) -> Vec<Tier> {
    let mut bounds: Vec<usize> = TIER_BOUNDS
        .iter()
        .copied()
        .filter(|&b| b < longest)
        .collect();
    bounds.push(longest);
    bounds
        .iter()
        .enumerate()
        .map(|(t, &upto)| {
            let above = if t == 0 { 0 } else { bounds[t - 1] };
            Tier {
                upto,
                members: (0..patterns.len())
                    .filter(|&i| patterns[i].max > above)
                    .collect(),
                built: Default::default(),
                waiting: Default::default(),
            }
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
    match_key_into(s, &mut out);
    out
}

/// [`match_key`] written into `out` (cleared first), so a caller can reuse one buffer.
fn match_key_into(s: &str, out: &mut String) {
    out.clear();
    if !s.is_ascii() {
        match_key_of_chars_into(s, out);
        return;
    }
    // Most lines: letters and digits are ASCII alphanumerics, and their lower case is
    // one byte (the same key as [`match_key_of_chars_into`] gives, a byte at a time).
    let mut gap = false;
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.push(b.to_ascii_lowercase() as char);
        } else {
            gap = true;
        }
    }
}

/// [`match_key`] of any text, a character at a time (the general path, which the
/// ASCII shortcut's test compares against).
#[cfg(test)]
fn match_key_of_chars(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    match_key_of_chars_into(s, &mut out);
    out
}

/// [`match_key`] of any text, a character at a time, written into `out`.
fn match_key_of_chars_into(s: &str, out: &mut String) {
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
        // A share bar spelled out (too long for the "share on *" phrase), a thread's
        // reactions and its reply gate; reactions as a heading are none of them.
        for (line, rule) in [
            (
                "Share on X Share on LinkedIn Share on WhatsApp Share on Telegram Share on Mastodon Copy to clipboard",
                "pattern:share-bar",
            ),
            (
                "Share on Facebook Share on X (formerly known as Twitter) Share on LinkedIn Pin on Pinterest",
                "pattern:share-bar",
            ),
            (
                "Reactions: Tamsin_W, OldOakHands and 3 others",
                "pattern:post-reactions",
            ),
            (
                "You must log in or register to reply here.",
                "pattern:reply-gate",
            ),
            (
                "Você precisa entrar ou se cadastrar para responder aqui.",
                "pattern:reply-gate",
            ),
        ] {
            assert_eq!(id(&r, line), Some(rule.into()), "{line}");
        }
        assert_eq!(id(&r, "Reactions from the harbour"), None);
        assert_eq!(
            id(&r, "Wednesday, November 20, 2019 at 10:43 am"),
            Some("pattern:date".into())
        );
        // A comma after the month, the Spanish and Portuguese "de", a reading time.
        for date in [
            "3 January, 2025",
            "3 de junio de 2024",
            "12 de março de 2023",
            "05 Nov 2025. 8 minutes read",
            "Mar 3, 2024 · 5 min read",
        ] {
            assert_eq!(id(&r, date), Some("pattern:date".into()), "{date}");
        }
        // A sentence that starts with a date is no date line.
        assert_eq!(id(&r, "3 January, 2025 was the coldest day"), None);
        // Bylines: a name glued to "By", and "By" alone above the name.
        for byline in [
            "By Ellen Marsh",
            "ByShivya Nath 12th February 2025",
            "By",
            "Von",
            "Por",
        ] {
            assert_eq!(id(&r, byline), Some("pattern:byline".into()), "{byline}");
        }
        // A forum thread's header.
        for header in [
            "Thread starter skerryrunner",
            "Start date Jun 2, 2024",
            "Themenstarter gartenfreundin",
        ] {
            assert_eq!(
                id(&r, header),
                Some("pattern:thread-starter".into()),
                "{header}"
            );
        }
        for not_byline in ["BYOD Policy Template", "Bypass the ring road", "Byron Bay"] {
            assert_ne!(
                id(&r, not_byline),
                Some("pattern:byline".into()),
                "{not_byline}"
            );
        }
    }

    /// The first pattern matching `line` found the slow, obvious way: every pattern,
    /// compiled in full by `regex` from its source, tried with its own length limit.
    fn oracle(r: &Rules, full: &[Regex], line: &str) -> Option<u32> {
        let chars = line.chars().count();
        (0..r.patterns.len())
            .find(|&i| chars <= r.patterns[i].max && full[i].is_match(line))
            .map(|k| k as u32)
    }

    /// Lines of every length around the tier bounds, in every alphabet: ASCII, with
    /// the Latin and punctuation characters of European text, with Cyrillic and Greek,
    /// with CJK, and with the characters whose case folds into ASCII letters (the
    /// Kelvin sign folds to "k", the long s to "s").
    fn probe_lines() -> Vec<String> {
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
            "34 comments",
            "Updated: 12:30",
            "5 min read",
            "1,2k shares",
            "Share Tweet Email",
            "— • —",
            "12 / 34",
            "Keywords: tide",
            "Subscribe to our weekly newsletter",
            "Zoë Ångström is a freelance writer",
            "Renée Søgaard / Ærø Photos",
            "Sign up for the Café newsletter",
            "Bjørn wrote:",
            "Ὀδυσσεύς is a writer for the Ἰθάκη",
            "Иван Петров is a reporter for the Вестник",
            "Подпишитесь на нашу рассылку",
            "Фото: Анна Иванова",
            "2024年5月3日",
            "無断転載を禁じます",
            "東京 / Getty Images",
            "\u{212a}eywords: tide",
            "\u{17f}ubscribe to our newsletter",
            "By \u{212a}ate Smith",
        ];
        let fillers = [
            " and the harbour lights went out one by one along the quay",
            " and the café’s lights went out one by one — along the quay",
            " и огни гавани гасли один за другим вдоль причала",
            " 港の灯りが一つずつ消えていった",
        ];
        let mut lines = Vec::new();
        for seed in seeds {
            for filler in fillers {
                for target in [
                    0, 40, 79, 80, 81, 120, 199, 200, 201, 260, 299, 300, 301, 420, 900,
                ] {
                    for line in [seed.to_string(), format!("{seed}{}", filler.repeat(20))] {
                        let line: String = line
                            .chars()
                            .take(target.max(seed.chars().count()))
                            .collect();
                        lines.push(line);
                    }
                }
            }
        }
        lines.sort();
        lines.dedup();
        lines
    }

    /// The tiers and the cut-down alphabets are only a faster way to the same answer:
    /// on lines of every length around the tier bounds and in every alphabet, the
    /// first matching pattern is the one found by trying every full pattern with its
    /// limit, whether a line is tested with the first tier's automata (as the first
    /// lines of each tier are) or its own tier's.
    #[test]
    fn tiers_and_alphabets_agree_with_trying_every_pattern() {
        let lines = probe_lines();
        for own_tiers in [false, true] {
            let r = Rules::builtin();
            let full: Vec<Regex> = r
                .patterns
                .iter()
                .map(|p| case_insensitive(&p.source).unwrap())
                .collect();
            if own_tiers {
                for t in 0..r.tiers.len() {
                    for k in 0..ALPHABETS.len() {
                        r.tiers[t].waiting[k]
                            .store(OWN_AFTER, std::sync::atomic::Ordering::Relaxed);
                        r.tier_groups(t, k);
                    }
                }
            }
            let mut hits = std::collections::BTreeSet::new();
            for line in &lines {
                let chars = line.chars().count();
                let want = oracle(&r, &full, line);
                assert_eq!(r.pattern_index(line, chars), want, "{line:?}");
                if let Some(k) = want {
                    let tier = r.tiers.iter().position(|t| chars <= t.upto);
                    hits.insert((k, tier, alphabet_of(line)));
                }
            }
            // Not vacuous: many patterns match, in every tier and every alphabet.
            let tiers: std::collections::BTreeSet<_> = hits.iter().map(|h| h.1).collect();
            let alphabets: std::collections::BTreeSet<_> = hits.iter().map(|h| h.2).collect();
            assert!(
                hits.len() >= 60
                    && tiers.len() == r.tiers.len()
                    && alphabets.len() == ALPHABETS.len(),
                "{hits:?}"
            );
            // Either way, no pattern was compiled alone.
            assert!(r.patterns.iter().all(|p| p.full.get().is_none()));
        }
    }

    /// The build script parsed and cut down every built-in pattern exactly as they
    /// are parsed and cut now.
    #[test]
    fn builtin_patterns_are_cut_at_compile_time() {
        let r = Rules::builtin();
        for p in &r.patterns {
            let table =
                precut(&p.source).unwrap_or_else(|| panic!("{} not in the table", p.rule.id));
            for (k, enc) in table.iter().enumerate() {
                let want = cut_down(&cut::parse(&p.source).unwrap(), k);
                let read = cut::decode(&mut &enc[..]);
                assert!(
                    read.as_ref() == Some(&want),
                    "{} in alphabet {k}",
                    p.rule.id
                );
                assert!(p.hir_in(k) == &want, "{} in alphabet {k}", p.rule.id);
            }
        }
    }

    /// Every built-in pattern compiles in full, and every tier's automata in every
    /// alphabet (so no line falls back to the full patterns one by one).
    #[test]
    fn builtin_patterns_compile_in_every_alphabet() {
        let r = Rules::builtin();
        for p in &r.patterns {
            case_insensitive(&p.source).unwrap();
        }
        for tier in &r.tiers {
            for k in 0..ALPHABETS.len() {
                let group = Group::new(&r.patterns, tier.members.clone(), false, k);
                assert!(
                    group.dfa.is_some(),
                    "tier up to {} in alphabet {k}",
                    tier.upto
                );
            }
        }
    }

    /// The built-in patterns not anchored at the line's start all have needles, so
    /// a line of prose is ruled out by one literal scan in every tier and alphabet
    /// (the speed of cleaning depends on it; `tiers_and_alphabets_agree_…` checks
    /// that the answers do not).
    #[test]
    fn floating_builtin_patterns_have_needles() {
        let r = Rules::builtin();
        for t in 0..r.tiers.len() {
            for k in 0..ALPHABETS.len() {
                r.tiers[t].waiting[k].store(OWN_AFTER, std::sync::atomic::Ordering::Relaxed);
                let [_, floating] = r.tier_groups(t, k);
                assert!(
                    floating.patterns.is_empty() || floating.needles.is_some(),
                    "tier {t}, alphabet {k}"
                );
            }
        }
        let folded = |line: &str| {
            let mut f = Vec::new();
            needles::fold(line, &mut f);
            f
        };
        let [_, floating] = r.tier_groups(0, 0);
        let pre = floating.needles.as_ref().expect("needles");
        let holds = |line: &str| {
            let f = folded(line);
            pre.find(&f, regex_automata::Span::from(0..f.len()))
                .is_some()
        };
        assert!(!holds(
            "The ferry crossed the sound at night while the lights went out."
        ));
        assert!(holds("The mayor, LEFT, and the harbour master"));
        assert!(holds("John Smith / Getty Images"));
    }

    /// The ASCII shortcut of [`match_key`] gives the key the general path gives.
    #[test]
    fn alphabets_from_bytes_as_from_characters() {
        assert_eq!(ALPHABETS.len(), 4, "alphabet_of reads these four alphabets");
        let mut buf = [0u8; 4];
        for c in (0x80..=0x10FFFFu32).filter_map(char::from_u32) {
            for line in [c.encode_utf8(&mut buf).to_owned(), format!("aé{c}ß")] {
                assert_eq!(alphabet_of(&line), alphabet_of_chars(&line), "{c:?}");
            }
        }
        for line in ["Привет — мир", "Straße “quoted”", "ẞ → ok", "日本", "plain"]
        {
            assert_eq!(alphabet_of(line), alphabet_of_chars(line), "{line}");
        }
    }

    #[test]
    fn match_key_of_ascii_lines_as_of_any_line() {
        let general = match_key_of_chars;
        for line in [
            "",
            "  Share  this: Article!! ",
            "Comments (12)",
            "VIEW ALL 23",
            "\t--Read_more--\x7f",
            "a-b_c.d/e",
        ] {
            assert_eq!(match_key(line), general(line), "{line:?}");
        }
        for b in 0u8..0x80 {
            let line = format!("x{}Y", b as char);
            assert_eq!(match_key(&line), general(&line), "{b}");
        }
    }

    /// How many tiers' automata a rule set has built, by alphabet, and how many
    /// patterns it has compiled in full.
    fn built(r: &Rules) -> (Vec<usize>, usize) {
        let tiers = (0..ALPHABETS.len())
            .map(|k| {
                r.tiers
                    .iter()
                    .filter(|t| t.built[k].get().is_some())
                    .count()
            })
            .collect();
        (
            tiers,
            r.patterns.iter().filter(|p| p.full.get().is_some()).count(),
        )
    }

    /// Start-up is what one capture costs: loading the rules compiles nothing, a
    /// capture in English builds only the ASCII and Latin-1 automata of the first
    /// tier (its few long lines use them too), and no pattern is ever compiled alone.
    #[test]
    fn only_what_the_lines_need_is_built() {
        let r = Rules::builtin();
        assert_eq!(built(&r), (vec![0; ALPHABETS.len()], 0));
        for line in [
            "The ferry crossed the sound at night.",
            "The ferry crossed the sound at night, and the harbour lights went out one by one along the quay.",
            "© 2024 Harbour Notes",
            "Wednesday, November 20, 2019 at 10:43 am",
            "“We mend what the sea breaks”",
        ] {
            r.match_line(line);
        }
        assert_eq!(built(&r), (vec![1, 1, 0, 0], 0));
        assert_eq!(id(&r, "Фото: Анна Иванова"), Some("pattern:caption".into()));
        assert_eq!(built(&r), (vec![1, 1, 1, 0], 0));
        assert_eq!(id(&r, "2024年5月3日"), Some("pattern:date-cjk".into()));
        assert_eq!(built(&r), (vec![1, 1, 1, 1], 0));
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
