//! The interfaces scripts rely on: the output format a script asked for, exit codes
//! that mean one thing, `explain` showing what `clean` does, and a stderr that stays
//! readable when many inputs have the same notice.

use std::fs;
use std::path::Path;
use std::process::{Output, Stdio};

use crate::common::{docsift, read_tree, repo, run_in, stderr};

/// A folder with two captures of different articles, `a.txt` and `b.txt`, and a
/// folder `one/` holding a single capture.
fn two_captures() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("a.txt"),
        "The ferry returns\n\nThe night ferry to the outer islands runs again from Monday, after four winters without a late crossing.\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("b.txt"),
        "The library opens on Sundays\n\nFrom next month the island library opens on Sunday afternoons, staffed by volunteers.\n",
    )
    .unwrap();
    fs::create_dir_all(dir.path().join("one")).unwrap();
    fs::copy(dir.path().join("a.txt"), dir.path().join("one/a.txt")).unwrap();
    dir
}

fn code(o: &Output) -> Option<i32> {
    o.status.code()
}

/// An explicit `--to text` is honoured for one document (even from a folder) and
/// refused (exit 2, nothing on stdout, a message naming the alternatives) for several
/// without `--out`; without `--to`, one input is text and several are JSON Lines.
#[test]
fn an_explicit_to_text_is_honoured_or_refused() {
    let dir = two_captures();
    let d = dir.path();

    let o = run_in(d, &["clean", "a.txt", "--to", "text", "-q"]);
    assert_eq!(code(&o), Some(0), "{}", stderr(&o));
    assert!(o.stdout.starts_with(b"---\ntitle: "), "text with a header");

    let o = run_in(d, &["clean", "one", "--to", "text", "-q"]);
    assert_eq!(code(&o), Some(0), "{}", stderr(&o));
    assert!(
        o.stdout.starts_with(b"---\ntitle: "),
        "a folder of one: text"
    );

    let o = run_in(d, &["clean", "a.txt", "b.txt", "--to", "text"]);
    assert_eq!(code(&o), Some(2), "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "nothing printed");
    let err = stderr(&o);
    assert!(
        err.contains("--to jsonl") && err.contains("--out") && err.contains("2 documents"),
        "{err}"
    );

    // The contract without --to: one input is text, several are JSON Lines.
    let o = run_in(d, &["clean", "a.txt", "-q"]);
    assert!(o.stdout.starts_with(b"---\n"));
    let o = run_in(d, &["clean", "a.txt", "b.txt", "-q"]);
    assert_eq!(code(&o), Some(0));
    let lines: Vec<serde_json::Value> = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);

    // With --out, --to text writes one file per document.
    let o = run_in(d, &["clean", "a.txt", "b.txt", "--to", "text", "-o", "out"]);
    assert_eq!(code(&o), Some(0), "{}", stderr(&o));
    assert!(d.join("out/a.txt").is_file() && d.join("out/b.txt").is_file());
}

/// `--no-header` with JSON Lines output (asked for, or chosen for several inputs) is a
/// usage error before anything is written; with text output it drops the header.
#[test]
fn no_header_with_json_lines_is_refused() {
    let dir = two_captures();
    let d = dir.path();
    for args in [
        &["clean", "a.txt", "--to", "jsonl", "--no-header"][..],
        &["clean", "a.txt", "b.txt", "--no-header"],
        &[
            "clean",
            "a.txt",
            "--to",
            "jsonl",
            "--no-header",
            "-o",
            "out",
        ],
    ] {
        let o = run_in(d, args);
        assert_eq!(code(&o), Some(2), "{args:?}: {}", stderr(&o));
        assert!(o.stdout.is_empty(), "{args:?}");
        assert!(stderr(&o).contains("--no-header"), "{args:?}");
        assert!(!d.join("out").exists(), "{args:?} wrote --out");
    }
    let o = run_in(d, &["clean", "a.txt", "--no-header", "-q"]);
    assert_eq!(code(&o), Some(0));
    assert!(o.stdout.starts_with(b"The ferry returns\n"));
    let o = run_in(
        d,
        &["clean", "a.txt", "b.txt", "--no-header", "-o", "out", "-q"],
    );
    assert_eq!(code(&o), Some(0), "{}", stderr(&o));
    assert!(fs::read_to_string(d.join("out/b.txt"))
        .unwrap()
        .starts_with("The library opens on Sundays\n"));
}

/// Runs docsift in `dir` with stdout going to `/dev/full`, where every write fails
/// with ENOSPC.
fn to_full_device(dir: &Path, args: &[&str]) -> Output {
    let full = fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    docsift()
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::from(full))
        .output()
        .unwrap()
}

/// A write error on stdout is trouble (2) for every command: for `diff` and `--check`
/// 1 would read as "they differ", for `clean` as "some inputs failed". A closed pipe
/// stays a quiet 0 (see the hostile tests).
#[cfg(target_os = "linux")]
#[test]
fn a_failed_write_to_stdout_exits_2() {
    let dir = two_captures();
    let d = dir.path();
    let o = to_full_device(d, &["diff", "a.txt", "b.txt"]);
    assert_eq!(code(&o), Some(2), "diff: {}", stderr(&o));
    assert!(
        stderr(&o).contains("No space left on device"),
        "{}",
        stderr(&o)
    );

    let o = to_full_device(d, &["explain", "a.txt"]);
    assert_eq!(code(&o), Some(2), "explain: {}", stderr(&o));

    let o = to_full_device(d, &["clean", "a.txt", "-q"]);
    assert_eq!(code(&o), Some(2), "clean: {}", stderr(&o));

    // --check with a difference to print.
    assert_eq!(
        code(&run_in(d, &["clean", "one", "-o", "out", "-q"])),
        Some(0)
    );
    fs::write(d.join("out/a.txt"), "edited\n").unwrap();
    let o = to_full_device(d, &["clean", "one", "-o", "out", "--check", "-q"]);
    assert_eq!(code(&o), Some(2), "--check: {}", stderr(&o));
    // The same check into a pipe reports the difference with 1.
    let o = run_in(d, &["clean", "one", "-o", "out", "--check", "-q"]);
    assert_eq!(code(&o), Some(1));
}

/// `explain` of a file it cannot read exits 2, as `diff` does.
#[test]
fn explain_of_a_missing_or_binary_file_exits_2() {
    let dir = two_captures();
    let o = run_in(dir.path(), &["explain", "no-such-file.txt"]);
    assert_eq!(code(&o), Some(2));
    assert!(o.stdout.is_empty());
    assert_eq!(
        stderr(&o),
        "docsift: no-such-file.txt: no such file or directory\n"
    );
    fs::write(dir.path().join("bin.dat"), b"\0\0\0binary\0").unwrap();
    let o = run_in(dir.path(), &["explain", "bin.dat"]);
    assert_eq!(code(&o), Some(2), "{}", stderr(&o));
}

fn explain_json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let o = run_in(dir, args);
    assert_eq!(code(&o), Some(0), "{args:?}: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// The body `explain` says `clean` keeps: its kept lines, as `Document::body` joins
/// them.
fn kept_body(explained: &serde_json::Value) -> String {
    let mut body: String = explained["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["kept"] == true)
        .map(|l| format!("{}\n", l["text"].as_str().unwrap()))
        .collect();
    while body.ends_with("\n\n") {
        body.pop();
    }
    body
}

const FOOTER: &str = "Harbour Notes is printed on recycled paper and delivered by volunteers to every island household.";

/// `explain FILE` learns the site's boilerplate from FILE's folder as `clean` does:
/// for every capture of the fixture site, the lines it keeps are exactly the body
/// `clean` writes (canonicals under --out, duplicates under --keep-duplicates), and
/// the site footer shows as removed with the boilerplate reason.
#[test]
fn explain_shows_what_clean_removes_as_site_boilerplate() {
    let dir = tempfile::tempdir().unwrap();
    let captures = repo().join("fixtures/site/captures");
    let o = run_in(
        dir.path(),
        &[
            "clean",
            captures.to_str().unwrap(),
            "-o",
            "out",
            "--keep-duplicates",
            "dups",
            "--no-header",
            "-q",
        ],
    );
    assert_eq!(code(&o), Some(0), "{}", stderr(&o));
    let mut bodies = read_tree(&dir.path().join("out"));
    bodies.extend(read_tree(&dir.path().join("dups")));
    let site = captures.join("harbour");
    let mut names: Vec<_> = fs::read_dir(&site)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names.len(), 4);
    for name in names {
        let file = site.join(&name);
        let e = explain_json(dir.path(), &["explain", "--json", file.to_str().unwrap()]);
        let clean_body = &bodies[&Path::new("harbour").join(&name)];
        assert_eq!(
            kept_body(&e),
            String::from_utf8_lossy(clean_body),
            "{name:?}"
        );
        assert_eq!(e["site"]["captures"], 4, "{name:?}");
        assert_eq!(e["site"]["learned"], true, "{name:?}");
        let footer = e["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["text"] == FOOTER)
            .unwrap();
        assert_eq!(footer["kept"], false, "{name:?}");
        assert_eq!(footer["reason"], "boilerplate", "{name:?}");
        assert_eq!(footer["rule"], "site-boilerplate", "{name:?}");
    }

    // The table says the same, and where the site came from.
    let library = site.join("library.txt");
    let o = run_in(dir.path(), &["explain", library.to_str().unwrap()]);
    let table = String::from_utf8(o.stdout).unwrap();
    assert!(
        table.contains("harbour (4 captures; 4 boilerplate lines learned)"),
        "{table}"
    );
    let footer_row = table.lines().find(|l| l.ends_with(FOOTER)).unwrap();
    assert!(
        footer_row.contains(" - ") && footer_row.contains("boilerplate     site-boilerplate"),
        "{footer_row}"
    );
}

/// `explain` says why its title line was taken: for a headline with a breadcrumb
/// glued in front of it on the line above, that it is the headline alone; for a
/// headline with its date above the article, that it was the best line above. The
/// glued line is removed.
#[test]
fn explain_says_why_the_title_was_taken() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = repo().join("fixtures/clean");
    let glued = fixtures.join("en-title-glued.capture.txt");
    let args = [
        "explain",
        "--json",
        "--no-boilerplate",
        glued.to_str().unwrap(),
    ];
    let e = explain_json(dir.path(), &args);
    assert_eq!(e["title"], "Growing leeks from seed in a cold spring");
    assert!(
        e["title_why"]
            .as_str()
            .unwrap()
            .starts_with("the headline alone"),
        "{e}"
    );
    let lines = e["lines"].as_array().unwrap();
    assert!(lines
        .iter()
        .filter(|l| l["text"].as_str().unwrap().starts_with("Home Guides"))
        .all(|l| l["kept"] == false));
    let o = run_in(
        dir.path(),
        &args[..1]
            .iter()
            .chain(&args[2..])
            .copied()
            .collect::<Vec<_>>(),
    );
    let table = String::from_utf8(o.stdout).unwrap();
    assert!(
        table.contains("\ntitle taken as: the headline alone"),
        "{table}"
    );

    let standfirst = fixtures.join("en-title-standfirst.capture.txt");
    let e = explain_json(
        dir.path(),
        &[
            "explain",
            "--json",
            "--no-boilerplate",
            standfirst.to_str().unwrap(),
        ],
    );
    assert_eq!(e["title_why"], "the best heading above the article", "{e}");
}

/// Without a site (stdin, a capture alone in its folder, `--no-boilerplate`) the
/// footer is kept, and the output says why; `--site DIR` gives stdin its site.
#[test]
fn explain_says_when_it_has_no_site() {
    let dir = tempfile::tempdir().unwrap();
    let site = repo().join("fixtures/site/captures/harbour");
    let library = site.join("library.txt");
    let footer_kept = |e: &serde_json::Value| {
        e["lines"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["text"] == FOOTER && l["kept"] == true)
    };

    let stdin = |args: &[&str]| {
        let o = docsift()
            .args(args)
            .stdin(fs::File::open(&library).unwrap())
            .output()
            .unwrap();
        assert_eq!(code(&o), Some(0), "{}", stderr(&o));
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    let e = stdin(&["explain", "--json", "-"]);
    assert!(footer_kept(&e));
    assert_eq!(e["site"]["folder"], serde_json::Value::Null);
    assert_eq!(e["site"]["learned"], false);
    assert!(e["site"]["note"].as_str().unwrap().contains("--site"));
    let e = stdin(&["explain", "--json", "-", "--site", site.to_str().unwrap()]);
    assert!(!footer_kept(&e), "stdin with --site learns the site");
    assert_eq!(e["site"]["captures"], 5, "the site's four, and stdin");

    fs::copy(&library, dir.path().join("library.txt")).unwrap();
    let e = explain_json(dir.path(), &["explain", "--json", "library.txt"]);
    assert!(footer_kept(&e));
    assert_eq!(e["site"]["captures"], 1);
    assert_eq!(e["site"]["learned"], false);
    let o = run_in(dir.path(), &["explain", "library.txt"]);
    let table = String::from_utf8(o.stdout).unwrap();
    assert!(
        table.contains("site: . (1 capture: too few to learn boilerplate from; it takes 3)"),
        "{table}"
    );

    let e = explain_json(
        dir.path(),
        &[
            "explain",
            "--json",
            "--no-boilerplate",
            library.to_str().unwrap(),
        ],
    );
    assert!(footer_kept(&e));
    assert!(e["site"]["note"]
        .as_str()
        .unwrap()
        .contains("--no-boilerplate"));
}

/// Fifty empty inputs give five notices and one line counting the rest, not fifty.
#[test]
fn repeated_notices_are_summarized() {
    let dir = tempfile::tempdir().unwrap();
    let caps = dir.path().join("captures");
    fs::create_dir_all(&caps).unwrap();
    for i in 0..50 {
        fs::write(caps.join(format!("{i:02}.txt")), "\n\n").unwrap();
    }
    fs::write(
        caps.join("ok.txt"),
        "A title\n\nOne honest paragraph of text that is the article.\n",
    )
    .unwrap();
    let o = run_in(dir.path(), &["clean", "captures", "-o", "out"]);
    assert_eq!(code(&o), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    let notices: Vec<&str> = err.lines().filter(|l| l.contains("no text")).collect();
    assert_eq!(notices.len(), 6, "{err}");
    assert!(
        notices[0].starts_with("docsift: captures/00.txt: no text"),
        "{err}"
    );
    assert!(
        notices[4].starts_with("docsift: captures/04.txt: no text"),
        "{err}"
    );
    assert_eq!(
        notices[5],
        "docsift: … and 45 more inputs with no text; out/manifest.jsonl lists them (status \"empty\")"
    );
    assert!(err.lines().count() < 15, "{err}");
}
