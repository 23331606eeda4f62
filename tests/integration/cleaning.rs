//! Chrome stripping on the fixtures: every capture cleans to its expected body, every
//! removal reason is exercised, site boilerplate is learned across a folder, and the
//! rule set round-trips through `docsift rules` and `--rules`.

use std::collections::BTreeSet;
use std::path::Path;

use crate::common::{docsift, manifest, read_tree, repo, row, run_in};

fn clean_body(capture: &Path, extra: &[&str]) -> String {
    let out = docsift()
        .args(["clean", "--no-header", "-q"])
        .args(extra)
        .arg(capture)
        .output()
        .unwrap();
    assert!(out.status.success(), "{capture:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// Every `fixtures/clean/*.capture.txt` and the bundled sample.
fn fixture_pairs() -> Vec<(std::path::PathBuf, std::path::PathBuf)> {
    let mut pairs = pairs_in("fixtures/clean");
    pairs.push((
        repo().join("fixtures/sample/ferry-capture.txt"),
        repo().join("fixtures/sample/ferry-expected.txt"),
    ));
    assert!(pairs.len() >= 8, "fixtures missing: {pairs:?}");
    pairs
}

/// The capture and expected body of every fixture in `folder`, in name order.
fn pairs_in(folder: &str) -> Vec<(std::path::PathBuf, std::path::PathBuf)> {
    let dir = repo().join(folder);
    let mut pairs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".capture.txt"))
        .map(|p| {
            let expected = p.to_string_lossy().replace(".capture.txt", ".expected.txt");
            (p, expected.into())
        })
        .collect();
    pairs.sort();
    pairs
}

#[test]
fn every_capture_cleans_to_its_expected_body() {
    for (capture, expected) in fixture_pairs() {
        let want = std::fs::read_to_string(&expected).unwrap();
        assert_eq!(clean_body(&capture, &[]), want, "{}", capture.display());
    }
}

#[test]
fn every_removal_reason_is_exercised() {
    let mut reasons = BTreeSet::new();
    for (capture, _) in fixture_pairs() {
        let out = docsift()
            .args(["explain", "--json"])
            .arg(&capture)
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        for l in v["lines"].as_array().unwrap() {
            if let Some(r) = l["reason"].as_str() {
                reasons.insert(r.to_owned());
            }
        }
    }
    for r in [
        "stutter",
        "phrase",
        "nav_run",
        "repeated_body",
        "outside_article",
        "blank",
    ] {
        assert!(reasons.contains(r), "no fixture exercises {r}: {reasons:?}");
    }
}

#[test]
fn titles_are_found() {
    let dir = repo().join("fixtures/clean");
    for (name, title) in [
        (
            "en-news-comments",
            "Harbour council keeps the ferry subsidy for another year",
        ),
        (
            "ru-1251-news",
            "В Северном порту открыли новый пешеходный мост",
        ),
        ("ja-ferry", "北の港に新しいフェリーが就航"),
        ("en-poem", "The Lighthouse Keeper's Song"),
        // Not the breadcrumb above it, nor the consent banner's heading.
        (
            "en-guide-breadcrumb",
            "Planting garlic before the first frost",
        ),
        (
            "fr-club-breadcrumb",
            "Sortie du dimanche : le tour des trois cols",
        ),
        // Not the standfirst that opens the article block below the headline (the
        // English one has few function words, so only its place tells it apart).
        (
            "en-title-standfirst",
            "Rope walk reopens as a museum of the harbour trades",
        ),
        (
            "de-title-standfirst",
            "Alte Mühle am Bach wird wieder zum Treffpunkt des Dorfes",
        ),
        (
            "es-title-standfirst",
            "El mercado de abastos vuelve a abrir tras dos años de obras",
        ),
        // Not the caption that opens the article block under the headline and its date.
        (
            "fr-title-opener",
            "Un nouveau bac pour traverser l'estuaire",
        ),
        (
            "pt-title-opener",
            "Livros sobre rodas para quem vive longe da cidade",
        ),
        // A list page's own heading, not the second item's (each item is a heading and
        // a blurb, like every other).
        ("es-blog-archivo", "Archivo de la categoría: travesías"),
        // Not the doubled line with a breadcrumb glued in front of the headline: the
        // headline alone, on the next line.
        ("en-title-glued", "Growing leeks from seed in a cold spring"),
        (
            "de-title-glued",
            "Eine alte Holztreppe abschleifen und neu ölen",
        ),
        (
            "ru-title-glued",
            "Как обрезать смородину осенью после сбора урожая",
        ),
        // Not the deck or the question opening the article block under the headline and
        // its header (the question repeats the article's words, the headline none).
        (
            "en-title-opener-question",
            "Sleepers are back on the northern line",
        ),
        ("en-title-deck-byline", "Capital gains, plainly"),
        ("de-title-deck-byline", "Neue Fähre über den Fluss"),
        // Not a paragraph of three sentences ending in a question.
        (
            "en-title-question-paragraph",
            "Mulching - A Beginner's Guide",
        ),
        (
            "fr-title-question-paragraph",
            "Le paillage du potager, mode d'emploi",
        ),
        // Not a promotion or call to action opening the block above the headline, which
        // shares no word with the article (the article starts at the headline).
        (
            "en-title-cta",
            "How small teams answer customer email in half the time",
        ),
        (
            "es-title-cta",
            "Cómo regar el huerto en pleno verano sin gastar tanta agua",
        ),
        (
            "ru-title-cta",
            "Как утеплить деревянное окно перед зимой своими руками",
        ),
        // A listing's heading, not its first item.
        ("es-listado-cursos", "Cursos de cocina en Valencia"),
        // Not a profile label between the posts: the line above the thread's header
        // ("Thread starter ..."), far above the first post.
        (
            "en-thread-header",
            "Outboard loses power after twenty minutes at sea",
        ),
        (
            "de-thread-header",
            "Apfelbaum trägt seit zwei Jahren keine Früchte mehr",
        ),
    ] {
        let out = docsift()
            .args(["clean", "-q", "--to", "jsonl"])
            .arg(dir.join(format!("{name}.capture.txt")))
            .output()
            .unwrap();
        let rec: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(rec["metadata"]["title"], title, "{name}");
        // The body keeps the title as its first line.
        assert!(rec["text"].as_str().unwrap().starts_with(title), "{name}");
    }
}

/// Three articles of one site share a footer no rule names; the corpus stage learns
/// it. A second capture of one article must not make its lines look like boilerplate.
#[test]
fn site_boilerplate_is_learned_across_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let captures = repo().join("fixtures/site/captures");
    let o = run_in(
        dir.path(),
        &[
            "clean",
            captures.to_str().unwrap(),
            "-o",
            "out",
            "--no-header",
            "-q",
        ],
    );
    assert!(o.status.success(), "{o:?}");
    let out = dir.path().join("out");
    let mut written = read_tree(&out);
    written.remove(Path::new("manifest.jsonl"));
    let expected = read_tree(&repo().join("fixtures/site/expected"));
    assert_eq!(written, expected);
    let rows = manifest(&out);
    for name in [
        "harbour/library.txt",
        "harbour/nets.txt",
        "harbour/ferry-copy.txt",
    ] {
        assert_eq!(row(&rows, name)["status"], "canonical");
        // The masthead and its tagline, and the two footer lines.
        assert_eq!(row(&rows, name)["removed"]["boilerplate"], 4, "{name}");
    }
    let dup = row(&rows, "harbour/ferry.txt");
    assert_eq!(dup["status"], "duplicate");
    assert_eq!(dup["duplicate_of"], "harbour/ferry-copy.txt");

    // One capture alone learns nothing: rules and structure only.
    let single = clean_body(&captures.join("harbour/library.txt"), &[]);
    assert!(single.contains("printed on recycled paper"), "{single}");
}

#[test]
fn rules_round_trip_and_can_be_disabled() {
    let dir = tempfile::tempdir().unwrap();
    let printed = docsift().arg("rules").output().unwrap();
    assert!(printed.status.success());
    let rules = dir.path().join("rules.toml");
    std::fs::write(&rules, &printed.stdout).unwrap();
    let poem = repo().join("fixtures/clean/en-poem.capture.txt");
    let default = clean_body(&poem, &[]);
    assert_eq!(
        clean_body(&poem, &["--rules", rules.to_str().unwrap()]),
        default
    );

    // Switching off the rule that removes "Share this poem" lets the line through.
    let off = dir.path().join("off.toml");
    std::fs::write(&off, "disable = [\"en:share this *\"]\n").unwrap();
    let with_share = clean_body(&poem, &["--rules", off.to_str().unwrap()]);
    assert!(!default.contains("Share this poem"));
    assert!(with_share.contains("Share this poem"), "{with_share}");

    // A broken rules file is a usage error.
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[patterns]]\nid = 'x'\nkind = 'chrome'\nregex = '('\n",
    )
    .unwrap();
    let o = docsift()
        .args(["clean", "--rules", bad.to_str().unwrap()])
        .arg(&poem)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("bad.toml"));
}

/// A blog lists its latest headlines on every page, so each page's own headline is a
/// line of the site's boilerplate (it recurs on the other pages); it must still be
/// that page's title in the manifest.
#[test]
fn a_headline_listed_on_the_other_pages_is_still_its_pages_title() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("caps/blog");
    std::fs::create_dir_all(&site).unwrap();
    let posts = [
        ("kiln", "Firing the new kiln for the first time", "kiln"),
        ("glaze", "Three glazes from one bucket of ash", "glaze"),
        ("wheel", "Rebuilding a kick wheel from scrap", "wheel"),
        ("clay", "Digging our own clay by the river", "clay"),
        ("market", "What sold at the Christmas market", "stall"),
        ("tiles", "A wall of tiles for the village hall", "tile"),
    ];
    for (name, title, word) in posts {
        let mut text = String::from("Ash and Ember Pottery\nHome\nShop\nClasses\nAbout\n\n");
        text += &format!("{title}\n{title}\nPosted by Nell Harper\n\n");
        for p in 0..3 {
            text += &format!(
                "Paragraph {p} about the {word}: we worked on the {word} for most of the \
                 week, and the {word} taught us more about patience than any class could, \
                 which is why this {word} gets a whole post of its own.\n\n"
            );
        }
        text += "Recent posts\n";
        for (_, other, _) in posts.iter().filter(|p| p.0 != name) {
            text += &format!("{other}\n");
        }
        text += "\n© Ash and Ember Pottery\n";
        std::fs::write(site.join(format!("{name}.txt")), text).unwrap();
    }
    let o = run_in(dir.path(), &["clean", "caps", "-o", "out", "-q"]);
    assert!(o.status.success(), "{o:?}");
    let rows = manifest(&dir.path().join("out"));
    for (name, title, _) in posts {
        let r = row(&rows, &format!("blog/{name}.txt"));
        assert_eq!(r["title"], title, "{r}");
    }
}
