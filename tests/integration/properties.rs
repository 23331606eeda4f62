//! Properties that must hold for every input, checked with proptest.

use std::fs;

use proptest::prelude::*;

use docsift::input::decode;
use docsift::stage::normalize;

use crate::common::{read_tree, run_in};

/// Text with the characters normalization cares about, in random mixes.
fn messy_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "word", " ", "  ", "\t", "\n", "\r\n", "\r", "\n\n\n", "\u{a0}", "\u{200b}", "\u{ad}",
        "\u{feff}", "e\u{301}", "é", "Ж", "日本", "\u{2028}", "\u{3000}", ".", "\u{1b}", "\0",
        "\u{200d}", "x ",
    ]);
    prop::collection::vec(pieces, 0..60).prop_map(|v| v.concat())
}

fn joined(doc: &docsift::document::Document) -> String {
    (0..doc.len())
        .map(|i| format!("{}\n", doc.text(i)))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn normalization_is_idempotent(s in messy_text()) {
        let once = joined(&normalize(&s));
        let twice = joined(&normalize(&once));
        prop_assert_eq!(once, twice);
    }

    #[test]
    fn normalized_lines_are_clean(s in messy_text()) {
        let doc = normalize(&s);
        for i in 0..doc.len() {
            let t = doc.text(i);
            prop_assert!(!t.ends_with(' ') && !t.ends_with('\t'));
            let forbidden = ['\r', '\u{a0}', '\u{200b}', '\u{ad}', '\u{feff}', '\0'];
            prop_assert!(!t.contains(forbidden), "{:?}", t);
            if i > 0 {
                prop_assert!(!(doc.is_blank(i) && doc.is_blank(i - 1)));
            }
        }
        if !doc.is_empty() {
            prop_assert!(!doc.is_blank(0) && !doc.is_blank(doc.len() - 1));
        }
    }

    #[test]
    fn decoding_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        if let Ok(d) = decode(&bytes) {
            prop_assert!(!d.encoding.name().is_empty());
        }
    }

    #[test]
    fn decoding_is_lossless_on_valid_utf8(s in any::<String>()) {
        prop_assume!(!s.starts_with('\u{feff}') && !s.contains('\0'));
        let d = decode(s.as_bytes()).unwrap();
        prop_assert_eq!(d.text, s);
        prop_assert_eq!(d.encoding.name(), "UTF-8");
        prop_assert_eq!(d.malformed, 0);
    }
}

/// A small corpus in two folders, from a seed: articles, chrome lines, duplicates.
fn write_corpus(root: &std::path::Path, seed: u64, n: usize) {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let words = [
        "harbour", "council", "budget", "river", "bridge", "school", "winter", "market", "garden",
        "library", "the", "and", "of", "a",
    ];
    for i in 0..n {
        let site = if i % 2 == 0 { "a" } else { "b" };
        let mut text = format!("Site {site} — News\n\nHeadline number {}\n\n", next() % 7);
        for _ in 0..(2 + next() % 4) {
            let len = 8 + next() % 30;
            let para: Vec<&str> = (0..len)
                .map(|_| words[(next() % words.len() as u64) as usize])
                .collect();
            text.push_str(&para.join(" "));
            text.push_str(".\n\n");
        }
        text.push_str("Share post:\nSubscribe\n");
        fs::create_dir_all(root.join(site)).unwrap();
        fs::write(root.join(site).join(format!("{i:03}.txt")), text).unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    #[test]
    fn output_does_not_depend_on_threads_or_input_order(seed in any::<u64>(), n in 2usize..24) {
        let dir = tempfile::tempdir().unwrap();
        let caps = dir.path().join("caps");
        write_corpus(&caps, seed, n);
        let a = run_in(dir.path(), &["clean", "caps/a", "caps/b", "-o", "o1", "-j", "1", "-q"]);
        let b = run_in(dir.path(), &["clean", "caps/b", "caps/a", "-o", "o2", "-j", "4", "-q"]);
        prop_assert!(a.status.success() && b.status.success());
        let t1 = read_tree(&dir.path().join("o1"));
        let t2 = read_tree(&dir.path().join("o2"));
        prop_assert!(t1.len() > 1);
        prop_assert_eq!(t1, t2);
        let j1 = run_in(dir.path(), &["clean", "caps", "--to", "jsonl", "-j", "1", "-q"]);
        let j3 = run_in(dir.path(), &["clean", "caps", "--to", "jsonl", "-j", "3", "-q"]);
        prop_assert_eq!(j1.stdout, j3.stdout);
    }
}

/// Captures assembled from the pieces real ones are made of.
fn capture() -> impl Strategy<Value = String> {
    let prose = prop::sample::select(vec![
        "The harbour council voted on Tuesday to keep the evening ferry for another year, after a long debate.",
        "Islanders who work late shifts said the crossing is the only thing that lets them keep their jobs in town.",
        "The new boat burns less than half the fuel of the old one, and the crew ends the day on the island side.",
        "Residents can subscribe to the council's notes by post and share them with neighbours who missed the meeting.",
        "Городской совет обсудил новый маршрут трамвая и решил отложить решение до весны.",
        "Die Stadtbibliothek verlängert ihre Öffnungszeiten, weil viele Familien erst am Sonntag Zeit haben.",
        "北の港と離島を結ぶ新しいフェリーが、今月から運航を始めました。",
        "It arrived on time.",
    ]);
    let chrome = prop::sample::select(vec![
        "Home",
        "News",
        "Sport",
        "Share",
        "Share post:",
        "Subscribe to Harbour Notes",
        "Comments",
        "Related posts",
        "Recent posts",
        "Sign in",
        "November 12, 2024",
        "By Maria Lopez",
        "Menu",
        "© 2024 Harbour Notes. All rights reserved.",
        "Read more",
        "Advertisement",
        "Tags: ferry, council",
        "Lighthouse keepers of the west coast",
        "A winter on the salt marsh",
        "Anna says:",
    ]);
    let piece = prop_oneof![
        3 => prose.prop_map(|s| vec![s.to_string(), String::new()]),
        3 => chrome.clone().prop_map(|s| vec![s.to_string()]),
        1 => chrome.prop_map(|s| vec![s.to_string(), s.to_string()]),
        1 => Just(vec!["Turn, light, turn,".to_string(), "turn, light, turn,".to_string(), "as long as the oil will burn.".to_string()]),
        1 => Just(vec!["Harbour council keeps the ferry".to_string()]),
        1 => Just(vec![String::new(), String::new()]),
    ];
    prop::collection::vec(piece, 0..40).prop_flat_map(|pieces| {
        let lines: Vec<String> = pieces.into_iter().flatten().collect();
        // Sometimes the whole thing twice (a doubled body).
        (Just(lines), any::<bool>()).prop_map(|(lines, twice)| {
            let mut all = lines.clone();
            if twice {
                all.push("Share post:".into());
                all.extend(lines);
            }
            all.join("\n")
        })
    })
}

fn kept_lines(doc: &docsift::document::Document) -> Vec<String> {
    doc.kept().map(|i| doc.text(i).to_owned()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn cleaning_is_idempotent(c in capture()) {
        let cleaner = docsift::stage::Cleaner::default();
        let once = cleaner.clean(&c).body();
        let twice = cleaner.clean(&once).body();
        prop_assert_eq!(once, twice);
    }

    #[test]
    fn kept_lines_are_a_subsequence_of_the_normalized_input(c in capture()) {
        let cleaner = docsift::stage::Cleaner::default();
        let normalized = normalize(&c);
        let all: Vec<String> = (0..normalized.len()).map(|i| normalized.text(i).to_owned()).collect();
        let kept = kept_lines(&cleaner.clean(&c));
        let mut it = all.iter();
        for k in &kept {
            prop_assert!(it.any(|a| a == k), "kept line {:?} is not in order in the input", k);
        }
    }

    #[test]
    fn every_line_is_kept_or_removed_for_one_reason(c in capture()) {
        let cleaner = docsift::stage::Cleaner::default();
        let doc = cleaner.clean(&c);
        prop_assert_eq!(doc.len(), normalize(&c).len());
        let mut non_blank_removed = 0;
        for i in 0..doc.len() {
            match doc.removal(i) {
                None => prop_assert!(doc.is_kept(i)),
                Some(r) => {
                    prop_assert!(!r.rule.is_empty());
                    if !doc.is_blank(i) {
                        non_blank_removed += 1;
                        prop_assert!(r.reason != docsift::document::Reason::Blank);
                    }
                }
            }
        }
        prop_assert_eq!(doc.lines_removed(), non_blank_removed);
        let body = doc.body();
        prop_assert!(!body.contains("\n\n\n") && !body.starts_with('\n'));
        prop_assert!(body.is_empty() || (body.ends_with('\n') && !body.ends_with("\n\n")));
    }
}
