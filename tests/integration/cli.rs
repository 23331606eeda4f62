//! CLI snapshots: every case under `tests/cmd/` runs the real binary and compares
//! stdout, stderr, exit code and (for `.out/` folders) the written files.
//! Update with `TRYCMD=overwrite cargo test --test integration cli`, then review the
//! diff by eye before committing.

#[test]
fn cli_cases() {
    let cases = trycmd::TestCases::new();
    cases.register_bin(
        "docsift",
        std::path::Path::new(env!("CARGO_BIN_EXE_docsift")),
    );
    // trycmd can add variables but not remove them: give each of the caller's
    // variables that changes docsift's output the value that means "unset" (an empty
    // NO_COLOR, CLICOLOR_FORCE or DOCSIFT_* is ignored; COLUMNS 100 is clap's width
    // without a terminal), so the snapshots never depend on the developer's shell.
    for var in crate::common::CALLER_ENV {
        let neutral = match *var {
            "COLUMNS" => "100",
            "LINES" => "24",
            "TERM" => "dumb",
            _ => "",
        };
        cases.env(*var, neutral);
    }
    cases.case("tests/cmd/*.toml");
    cases.case("tests/cmd/*.trycmd");
}

/// The snapshots pass whatever the caller's environment says: the help snapshots
/// once failed with any `COLUMNS` but 100. Runs [`cli_cases`] again in a child test
/// process with a hostile environment.
#[test]
fn cli_cases_ignore_the_callers_environment() {
    let o = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "cli::cli_cases", "--quiet"])
        .env("COLUMNS", "60")
        .env("LINES", "10")
        .env("NO_COLOR", "1")
        .env("CLICOLOR", "1")
        .env("CLICOLOR_FORCE", "1")
        .env("TERM", "xterm-256color")
        .env("DOCSIFT_TIMINGS", "1")
        .env("DOCSIFT_SITE_CACHE", "1")
        .env("LANG", "de_DE.UTF-8")
        .env("LC_ALL", "de_DE.UTF-8")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("1 passed"));
}

/// trycmd checks that the files in `folder.out/` match; this checks the reverse too:
/// the output tree holds exactly those files and nothing else (no staging leftovers,
/// no hidden temporaries, no copies of skipped hidden inputs).
#[test]
fn folder_output_tree_is_exact() {
    use crate::common::{read_tree, repo, run_in};
    let dir = tempfile::tempdir().unwrap();
    let caps = repo().join("tests/cmd/corpus.in/captures");
    let o = run_in(
        dir.path(),
        &["clean", caps.to_str().unwrap(), "-o", "out", "-q"],
    );
    assert!(o.status.success());
    let expected = read_tree(&repo().join("tests/cmd/folder.out/out"));
    let actual = read_tree(&dir.path().join("out"));
    assert_eq!(
        actual.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    assert_eq!(actual, expected);
}

/// `--check` on an up-to-date `--out` prints nothing, exits 0 and leaves every byte
/// of `--out` as it was; after an edit it exits 1 with the diff, still writing nothing.
#[test]
fn check_passes_on_fresh_output_and_never_writes() {
    use crate::common::{read_tree, repo, run_in};
    let dir = tempfile::tempdir().unwrap();
    let caps = repo().join("tests/cmd/corpus.in/captures");
    let caps = caps.to_str().unwrap();
    assert!(run_in(dir.path(), &["clean", caps, "-o", "out", "-q"])
        .status
        .success());
    let before = read_tree(&dir.path().join("out"));

    let o = run_in(dir.path(), &["clean", caps, "-o", "out", "--check"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.stdout.is_empty());
    assert!(String::from_utf8_lossy(&o.stderr).contains("is up to date"));
    assert_eq!(read_tree(&dir.path().join("out")), before);

    let edited = dir.path().join("out/news/budget.txt");
    let text = std::fs::read_to_string(&edited)
        .unwrap()
        .replace("eight", "nine");
    std::fs::write(&edited, text).unwrap();
    let before = read_tree(&dir.path().join("out"));
    let o = run_in(dir.path(), &["clean", caps, "-o", "out", "--check", "-q"]);
    assert_eq!(o.status.code(), Some(1));
    let stdout = String::from_utf8(o.stdout).unwrap();
    assert!(
        stdout.starts_with("--- a/news/budget.txt\n+++ b/news/budget.txt\n"),
        "{stdout}"
    );
    assert!(stdout.contains("-The harbour council voted on Tuesday to cut next year's maintenance budget by nine percent"));
    assert!(o.stderr.is_empty(), "-q: no summary");
    assert_eq!(
        read_tree(&dir.path().join("out")),
        before,
        "--check wrote to --out"
    );
}

/// `--check` refuses what `clean` refuses: an `--out` inside an input (exit 2).
#[test]
fn check_refuses_out_inside_input() {
    use crate::common::run_in;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("in")).unwrap();
    std::fs::write(dir.path().join("in/a.txt"), "A line of text.\n").unwrap();
    let o = run_in(dir.path(), &["clean", "in", "-o", "in/out", "--check"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!dir.path().join("in/out").exists());
}

/// Completion scripts for every shell name the subcommands and their flags.
#[test]
fn completions_cover_every_shell() {
    use crate::common::run_in;
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = run_in(std::path::Path::new("."), &["completions", shell]);
        assert!(o.status.success(), "{shell}");
        let script = String::from_utf8(o.stdout).unwrap();
        for word in [
            "clean",
            "explain",
            "diff",
            "report",
            "near-threshold",
            "check",
        ] {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
    }
    let o = run_in(std::path::Path::new("."), &["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2), "unknown shell is a usage error");
}

/// The man page is roff with a page per subcommand.
#[test]
fn man_page_is_roff() {
    use crate::common::run_in;
    let o = run_in(std::path::Path::new("."), &["man"]);
    assert!(o.status.success());
    let page = String::from_utf8(o.stdout).unwrap();
    assert!(page.contains(".TH docsift 1"), "{}", &page[..200]);
    assert_eq!(page.matches(".TH ").count(), 9, "docsift + 8 subcommands");
}

/// `--color always` colours the diff; `never`, and `auto` into a pipe, do not.
#[test]
fn color_flag_controls_escape_codes() {
    use crate::common::{repo, run_in};
    let a = repo().join("fixtures/dedup/chain/captures/a.txt");
    let b = repo().join("fixtures/dedup/chain/captures/b.txt");
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let has_escape = |args: &[&str]| {
        let o = run_in(std::path::Path::new("."), args);
        assert_eq!(o.status.code(), Some(1));
        o.stdout.contains(&0x1b)
    };
    assert!(has_escape(&["diff", a, b, "--color", "always"]));
    assert!(!has_escape(&["diff", a, b, "--color", "never"]));
    assert!(!has_escape(&["diff", a, b]));
}
