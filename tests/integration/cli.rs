//! CLI snapshots: every case under `tests/cmd/` runs the real binary and compares
//! stdout, stderr, exit code and (for `.out/` folders) the written files.
//! Update with `TRYCMD=overwrite cargo test --test integration cli`, then review the
//! diff by eye before committing.

#[test]
fn cli_cases() {
    trycmd::TestCases::new()
        .register_bin(
            "docsift",
            std::path::Path::new(env!("CARGO_BIN_EXE_docsift")),
        )
        .case("tests/cmd/*.toml");
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
