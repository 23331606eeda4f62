//! Needles: strings at least one of which every match of a pattern contains, so
//! that a line holding none of them is known not to match without running the
//! pattern's automaton.
//!
//! The patterns not anchored at the start of the line (credits, copyright notices,
//! newsletter lines, photo captions) would otherwise be searched through every byte
//! of nearly every line of a corpus, which made them the largest single cost of
//! cleaning; nearly every line holds none of their needles (`"getty images"`,
//! `", left, "`, `"newsletter"`, `"©"`, …), and one scan for all of them at once
//! with a literal searcher is several times cheaper than the automaton.
//!
//! Needles are compared with the line in one form, [`fold`]: ASCII letters in lower
//! case, every other byte as it is. A pattern's needles are found by walking its
//! parsed form ([`Hir`]) and tracking, for each part, either the exact set of forms
//! every string it matches folds to (while that set stays small), or a set of
//! needles one of which each of its matches contains. It is an answer to "can this
//! line match?", never to "does it?": a line with a needle still runs the automaton,
//! so the needles only change how long the answer takes.

use regex_syntax::hir::{Class, Hir, HirKind};

/// Most strings an exact set holds before it is given up (a part with more forms,
/// a class of many characters or a long product of small ones, is no needle).
const MAX_EXACT: usize = 64;

/// The form a line and the needles are compared in: ASCII letters lower-cased.
/// Folding is per byte and keeps every length, so the folded form of a match is a
/// substring of the folded line.
pub fn fold(line: &str, out: &mut Vec<u8>) {
    out.clear();
    out.extend_from_slice(line.as_bytes());
    out.make_ascii_lowercase();
}

/// What a part of a pattern tells about the strings it matches, in folded form.
#[derive(Debug, Clone, PartialEq)]
enum Lits {
    /// Every string it matches folds to one of these.
    Exact(Vec<Vec<u8>>),
    /// Every string it matches contains one of these (none of them empty).
    Contains(Vec<Vec<u8>>),
    /// Nothing is known.
    Any,
}

impl Lits {
    /// The needles this part offers on its own: its strings, unless one is empty
    /// (then every line holds it, and it is no needle).
    fn needles(&self) -> Option<&[Vec<u8>]> {
        match self {
            Lits::Exact(v) | Lits::Contains(v) if v.iter().all(|s| !s.is_empty()) => Some(v),
            _ => None,
        }
    }
}

/// The needles of one pattern: `None` when some match of it could contain no
/// needle (then a line cannot be ruled out by needles).
pub fn needles(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    lits(hir).needles().map(<[_]>::to_vec)
}

/// How good a set of needles is: longer shortest needle first, then fewer needles.
fn rank(v: &[Vec<u8>]) -> (usize, std::cmp::Reverse<usize>) {
    (
        v.iter().map(Vec::len).min().unwrap_or(0),
        std::cmp::Reverse(v.len()),
    )
}

fn dedup(mut v: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    v.sort();
    v.dedup();
    v
}

fn lits(hir: &Hir) -> Lits {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Lits::Exact(vec![Vec::new()]),
        HirKind::Literal(lit) => Lits::Exact(vec![lit.0.to_ascii_lowercase()]),
        HirKind::Class(class) => class_lits(class),
        HirKind::Capture(c) => lits(&c.sub),
        HirKind::Repetition(r) => {
            let sub = lits(&r.sub);
            match (r.min, r.max, sub) {
                (1, Some(1), sub) => sub,
                (0, Some(1), Lits::Exact(mut v)) if v.len() < MAX_EXACT => {
                    v.push(Vec::new());
                    Lits::Exact(dedup(v))
                }
                (0, _, _) => Lits::Any,
                // At least one copy: each match contains a match of the part.
                (_, _, Lits::Exact(v) | Lits::Contains(v)) => Lits::Contains(v),
                (_, _, Lits::Any) => Lits::Any,
            }
        }
        HirKind::Alternation(alts) => {
            let parts: Vec<Lits> = alts.iter().map(lits).collect();
            if parts.iter().all(|p| matches!(p, Lits::Exact(_))) {
                let all: Vec<Vec<u8>> = parts
                    .into_iter()
                    .flat_map(|p| match p {
                        Lits::Exact(v) => v,
                        _ => unreachable!("all exact"),
                    })
                    .collect();
                let all = dedup(all);
                if all.len() <= MAX_EXACT {
                    return Lits::Exact(all);
                }
                return if all.iter().all(|s| !s.is_empty()) {
                    Lits::Contains(all)
                } else {
                    Lits::Any
                };
            }
            // A match of the alternation is a match of one branch: the union of the
            // branches' needles, if every branch has some.
            let mut all = Vec::new();
            for p in &parts {
                match p.needles() {
                    Some(v) => all.extend_from_slice(v),
                    None => return Lits::Any,
                }
            }
            Lits::Contains(dedup(all))
        }
        HirKind::Concat(parts) => concat(parts),
    }
}

/// A class as the set of folded forms of its characters, if there are few.
fn class_lits(class: &Class) -> Lits {
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut push = |s: Vec<u8>| {
        if !out.contains(&s) {
            out.push(s);
        }
        out.len() <= MAX_EXACT
    };
    match class {
        Class::Unicode(c) => {
            for r in c.iter() {
                if (r.end() as u32 - r.start() as u32) as usize >= MAX_EXACT {
                    return Lits::Any;
                }
                for ch in r.start()..=r.end() {
                    let mut buf = [0u8; 4];
                    if !push(ch.encode_utf8(&mut buf).as_bytes().to_ascii_lowercase()) {
                        return Lits::Any;
                    }
                }
            }
        }
        Class::Bytes(c) => {
            for r in c.iter() {
                for b in r.start()..=r.end() {
                    if !push(vec![b.to_ascii_lowercase()]) {
                        return Lits::Any;
                    }
                }
            }
        }
    }
    // Few distinct forms, but a class of many characters is seldom a good needle:
    // kept exact only while small (see MAX_EXACT).
    if out.len() > 8 {
        return Lits::Any;
    }
    Lits::Exact(dedup(out))
}

/// A concatenation: runs of consecutive exact parts are multiplied out into exact
/// strings (while the product stays small); the best of the runs and of the other
/// parts' needles serves, since a match contains a match of every part.
fn concat(parts: &[Hir]) -> Lits {
    let mut candidates: Vec<Vec<Vec<u8>>> = Vec::new();
    let mut run: Option<Vec<Vec<u8>>> = None;
    let mut whole_exact = true;
    for part in parts {
        match lits(part) {
            Lits::Exact(v) => {
                run = Some(match run.take() {
                    None => v,
                    Some(r) if r.len() * v.len() <= MAX_EXACT => {
                        let mut product = Vec::with_capacity(r.len() * v.len());
                        for a in &r {
                            for b in &v {
                                let mut s = a.clone();
                                s.extend_from_slice(b);
                                product.push(s);
                            }
                        }
                        dedup(product)
                    }
                    Some(r) => {
                        // Too many strings: the run ends here, a new one starts.
                        whole_exact = false;
                        candidates.push(r);
                        v
                    }
                });
            }
            other => {
                whole_exact = false;
                if let Some(r) = run.take() {
                    candidates.push(r);
                }
                if let Some(v) = other.needles() {
                    candidates.push(v.to_vec());
                }
            }
        }
    }
    if whole_exact {
        return Lits::Exact(run.unwrap_or_else(|| vec![Vec::new()]));
    }
    candidates.extend(run);
    candidates
        .into_iter()
        .filter(|v| v.iter().all(|s| !s.is_empty()))
        .max_by_key(|v| rank(v))
        .map_or(Lits::Any, Lits::Contains)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The needles of `pattern` cut down to ASCII (in full Unicode, `s` also folds
    /// to the long s and `k` to the Kelvin sign, which doubles the needles).
    fn of(pattern: &str) -> Option<Vec<String>> {
        let hir = crate::stage::cut::parse(pattern).expect("pattern");
        needles(&crate::stage::cut::cut_down(&hir, 0)).map(|v| {
            v.into_iter()
                .map(|s| String::from_utf8(s).expect("utf-8"))
                .collect()
        })
    }

    #[test]
    fn literals_fold_case_and_concatenate() {
        assert_eq!(of("getty images\\s*$"), Some(vec!["getty images".into()]));
        assert_eq!(
            of("\\w, (left|right), "),
            Some(vec![", left, ".into(), ", right, ".into()])
        );
        assert_eq!(of("photos?"), Some(vec!["photo".into(), "photos".into()]));
        assert_eq!(of("(?-i:By)\\p{Lu}"), Some(vec!["by".into()]));
    }

    #[test]
    fn no_needles_where_a_match_can_avoid_them() {
        assert_eq!(of("^[^\\p{L}\\p{N}]+$"), None);
        assert_eq!(of("(abc)?x*"), None);
        assert_eq!(of("abc|\\d+"), None);
        assert_eq!(of("a?"), None);
    }

    #[test]
    fn a_branch_without_a_good_run_offers_its_best_part() {
        // Cyrillic letters keep their case in the folded line, so each has several
        // forms; the product stops growing at its bound and the longest run serves.
        let hir = crate::stage::cut::parse("(^|[^\\p{L}\\p{N}])фото:\\s*[^.]{1,80}$").unwrap();
        let n = needles(&hir).expect("needles");
        assert!(n.contains(&"фот".as_bytes().to_vec()), "{n:?}");
        assert!(n.iter().all(|s| s.len() >= 6), "{n:?}");
        let full = needles(&crate::stage::cut::parse("getty images").unwrap()).unwrap();
        assert_eq!(
            full,
            [b"getty images".to_vec(), "getty imageſ".as_bytes().to_vec()]
        );
        let n = of("(getty|shutterstock)|/").expect("needles");
        assert_eq!(n, ["/", "getty", "shutterstock"]);
    }
}
