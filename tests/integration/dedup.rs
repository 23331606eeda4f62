//! Deduplication, end to end: the fixture corpora under `fixtures/dedup` (each with
//! the clusters a user expects), and properties of the clusters on generated corpora.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use proptest::prelude::*;

use crate::common::{docsift, manifest, read_tree, repo, run_in};
use docsift::cmd::diff::Comparison;

/// The default `--near-threshold`.
const THRESHOLD: f64 = 0.8;

/// The clean body of a written file (its header skipped) or of a `--keep-duplicates`
/// file (no header).
fn body_of(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap();
    match text
        .strip_prefix("---\n")
        .and_then(|r| r.split_once("\n---\n"))
    {
        Some((_, body)) => body.trim_start_matches('\n').to_owned(),
        None => text,
    }
}

/// Runs `clean` on `captures` into `dir/out` (duplicates kept in `dir/dups`) and
/// returns the manifest rows.
fn clean(dir: &Path, captures: &Path, extra: &[&str]) -> Vec<serde_json::Value> {
    let captures = captures.to_str().unwrap();
    let mut args = vec![
        "clean",
        captures,
        "-o",
        "out",
        "--keep-duplicates",
        "dups",
        "-q",
    ];
    args.extend_from_slice(extra);
    let out = run_in(dir, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    manifest(&dir.join("out"))
}

/// Every duplicate's measured similarity to its canonical reaches the threshold
/// (exact duplicates: identical bodies).
fn assert_duplicates_within_threshold(dir: &Path, rows: &[serde_json::Value]) {
    for r in rows {
        let status = r["status"].as_str().unwrap();
        if status != "duplicate" && status != "near_duplicate" {
            continue;
        }
        let canonical = r["duplicate_of"].as_str().unwrap();
        let mine = body_of(&dir.join("dups").join(r["source"].as_str().unwrap()));
        let theirs = body_of(&dir.join("out").join(canonical));
        let cmp = Comparison::of(&mine, &theirs);
        if status == "duplicate" {
            assert!(
                cmp.identical,
                "{}: not identical to {canonical}",
                r["source"]
            );
        } else {
            assert!(
                cmp.measured() >= THRESHOLD,
                "{} vs {canonical}: measured {:?}",
                r["source"],
                cmp
            );
        }
    }
}

#[test]
fn fixture_corpora_cluster_as_expected() {
    let root = repo().join("fixtures/dedup");
    let mut cases = 0;
    for entry in fs::read_dir(&root).unwrap() {
        let case = entry.unwrap().path();
        if !case.join("expected.jsonl").exists() {
            continue;
        }
        cases += 1;
        let dir = tempfile::tempdir().unwrap();
        let rows = clean(dir.path(), &case.join("captures"), &[]);
        let got: BTreeMap<String, (String, Option<String>)> = rows
            .iter()
            .map(|r| {
                (
                    r["source"].as_str().unwrap().to_owned(),
                    (
                        r["status"].as_str().unwrap().to_owned(),
                        r["duplicate_of"].as_str().map(str::to_owned),
                    ),
                )
            })
            .collect();
        let want: BTreeMap<String, (String, Option<String>)> =
            fs::read_to_string(case.join("expected.jsonl"))
                .unwrap()
                .lines()
                .map(|l| {
                    let r: serde_json::Value = serde_json::from_str(l).unwrap();
                    (
                        r["source"].as_str().unwrap().to_owned(),
                        (
                            r["status"].as_str().unwrap().to_owned(),
                            r["duplicate_of"].as_str().map(str::to_owned),
                        ),
                    )
                })
                .collect();
        assert_eq!(got, want, "case {}", case.display());
        assert_duplicates_within_threshold(dir.path(), &rows);
        // Exact duplicates report similarity 1.0; near duplicates the measured
        // similarity that confirmed them (what `docsift diff` shows for the pair).
        for r in &rows {
            match r["status"].as_str().unwrap() {
                "duplicate" => assert_eq!(r["similarity"], 1.0),
                "near_duplicate" => {
                    let mine =
                        body_of(&dir.path().join("dups").join(r["source"].as_str().unwrap()));
                    let theirs = body_of(
                        &dir.path()
                            .join("out")
                            .join(r["duplicate_of"].as_str().unwrap()),
                    );
                    // Exactly, as the manifest rounds it: the diffs count steps, not
                    // time, so the measure that decided is the one `docsift diff` makes.
                    let measured = Comparison::of(&mine, &theirs).measured();
                    let got = r["similarity"].as_f64().unwrap();
                    assert_eq!(got, (measured * 1e4).round() / 1e4, "{r}");
                }
                _ => assert!(r["similarity"].is_null()),
            }
        }
    }
    assert_eq!(cases, 6, "every fixture corpus ran");
}

#[test]
fn no_near_leaves_only_exact_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let rows = clean(
        dir.path(),
        &repo().join("fixtures/dedup/near-edits/captures"),
        &["--no-near"],
    );
    assert!(rows.iter().all(|r| r["status"] == "canonical"), "{rows:?}");
    let dir = tempfile::tempdir().unwrap();
    let rows = clean(
        dir.path(),
        &repo().join("fixtures/dedup/exact-chrome/captures"),
        &["--no-near"],
    );
    assert_eq!(
        rows.iter().filter(|r| r["status"] == "duplicate").count(),
        1
    );
}

#[test]
fn the_canonical_header_lists_its_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    clean(
        dir.path(),
        &repo().join("fixtures/dedup/near-edits/captures"),
        &[],
    );
    let text = fs::read_to_string(dir.path().join("out/ferry-plus-note.txt")).unwrap();
    assert!(
        text.contains("duplicates: [\"ferry-edit-05.txt\",\"ferry-edit-10.txt\",\"ferry.txt\"]\n"),
        "{text}"
    );
    // Duplicates are not written to --out.
    assert!(!dir.path().join("out/ferry.txt").exists());
    assert!(dir.path().join("dups/ferry.txt").exists());
}

/// A generated corpus: a few base articles, each captured several times with some of
/// its sentences replaced (none to half of them), sometimes a paragraph added, under one of
/// two chromes, spread over two folders.
fn write_variants(root: &Path, seed: u64, n: usize) {
    let mut x = seed | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    const WORDS: [&str; 48] = [
        "harbour", "council", "budget", "river", "bridge", "school", "winter", "market", "garden",
        "library", "ferry", "island", "storm", "baker", "teacher", "station", "evening", "morning",
        "tickets", "contract", "summer", "village", "road", "window", "roof", "square", "music",
        "choir", "boat", "quay", "fish", "bread", "lamp", "street", "museum", "archive", "nurse",
        "student", "crew", "engine", "sail", "light", "tower", "field", "farm", "mill", "path",
        "beach",
    ];
    let sentence = |next: &mut dyn FnMut() -> u64| {
        let len = 9 + next() % 8;
        let words: Vec<&str> = (0..len).map(|_| WORDS[(next() % 48) as usize]).collect();
        let mut s = words.join(" ");
        s[..1].make_ascii_uppercase();
        s + "."
    };
    let bases: Vec<Vec<String>> = (0..3)
        .map(|_| (0..16).map(|_| sentence(&mut next)).collect())
        .collect();
    for i in 0..n {
        let base = &bases[(next() % 3) as usize];
        let mut sentences = base.clone();
        let edits = [0, 0, 1, 1, 2, 3, 6, 8][(next() % 8) as usize];
        for _ in 0..edits {
            let k = (next() % 16) as usize;
            sentences[k] = sentence(&mut next);
        }
        if next() % 4 == 0 {
            sentences.extend((0..4).map(|_| sentence(&mut next)));
        }
        let body: Vec<String> = sentences.chunks(4).map(|c| c.join(" ")).collect();
        let site = if i % 2 == 0 { "a" } else { "b" };
        let chrome = if next() % 2 == 0 {
            format!("Site {site}\nNews\nSport\n\n")
        } else {
            format!("SITE {site} DAILY\nMenu\n\n")
        };
        let text = format!("{chrome}{}\n\nShare post:\nSubscribe\n", body.join("\n\n"));
        fs::create_dir_all(root.join(site)).unwrap();
        fs::write(root.join(site).join(format!("{i:03}.txt")), text).unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    /// Cluster assignment is the same whatever the input order and thread count, and
    /// every duplicate's measured similarity to its canonical reaches the threshold.
    #[test]
    fn clusters_do_not_depend_on_order_or_threads(seed in any::<u64>(), n in 3usize..18) {
        let dir = tempfile::tempdir().unwrap();
        let caps = dir.path().join("caps");
        write_variants(&caps, seed, n);
        let one = run_in(dir.path(), &["clean", "caps/a", "caps/b", "-o", "o1", "-j", "1", "-q",
            "--keep-duplicates", "dups"]);
        let four = run_in(dir.path(), &["clean", "caps/b", "caps/a", "-o", "o2", "-j", "4", "-q"]);
        prop_assert!(one.status.success() && four.status.success());
        let (m1, m2) = (manifest(&dir.path().join("o1")), manifest(&dir.path().join("o2")));
        prop_assert_eq!(&m1, &m2);
        let dir_one = dir.path().join("one");
        fs::create_dir_all(&dir_one).unwrap();
        fs::rename(dir.path().join("o1"), dir_one.join("out")).unwrap();
        fs::rename(dir.path().join("dups"), dir_one.join("dups")).unwrap_or(());
        assert_duplicates_within_threshold(&dir_one, &m1);
    }
}

/// The generator behind the property makes near duplicates, and also captures too
/// edited to be near duplicates (so the property is not vacuous).
#[test]
fn generated_corpora_hold_near_duplicates_and_distinct_edits() {
    let dir = tempfile::tempdir().unwrap();
    write_variants(&dir.path().join("caps"), 7, 16);
    let rows = clean(dir.path(), &dir.path().join("caps"), &[]);
    let count = |s: &str| rows.iter().filter(|r| r["status"] == s).count();
    assert!(count("near_duplicate") >= 3, "{rows:#?}");
    assert!(count("canonical") > 3, "{rows:#?}");
}

/// A site with more captures than docsift keeps in memory between cleaning and
/// boilerplate removal is cleaned again after learning: the output is the same, byte
/// for byte, as when the site's captures are kept.
#[test]
fn a_site_too_large_to_keep_is_cleaned_the_same() {
    let dir = tempfile::tempdir().unwrap();
    write_variants(&dir.path().join("caps"), 11, 24);
    // A line every page of site a carries inside its article, which no rule knows:
    // boilerplate.
    for e in fs::read_dir(dir.path().join("caps/a")).unwrap() {
        let path = e.unwrap().path();
        let text = fs::read_to_string(&path).unwrap();
        let tagline = "Harbour Notes is published every morning by the coastal press cooperative of the three islands.";
        let text = text.replacen("\n\n", &format!("\n\n{tagline}\n\n"), 2);
        fs::write(&path, text).unwrap();
    }
    let kept = run_in(dir.path(), &["clean", "caps", "-o", "kept", "-q"]);
    let again = docsift()
        .args(["clean", "caps", "-o", "again", "-q"])
        .current_dir(dir.path())
        .env("DOCSIFT_SITE_CACHE", "3")
        .output()
        .unwrap();
    assert!(kept.status.success() && again.status.success());
    let rows = manifest(&dir.path().join("kept"));
    assert!(
        rows.iter()
            .any(|r| r["removed"]["boilerplate"].as_u64() > Some(0)),
        "the corpus must exercise boilerplate removal: {rows:#?}"
    );
    assert_eq!(
        read_tree(&dir.path().join("kept")),
        read_tree(&dir.path().join("again"))
    );
}
