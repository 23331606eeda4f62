//! Inputs that cannot become documents: each is a manifest row with its reason and
//! a stderr line, the rest of the run still happens, and the exit code is 1.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::common::{captures_with_ok, manifest, read_tree, row, run_in, stderr};

/// Followed (`-L`), a link whose target is missing is an error row.
#[cfg(unix)]
#[test]
fn dangling_link_is_an_error_row() {
    let (dir, caps) = captures_with_ok();
    std::os::unix::fs::symlink(caps.join("missing.txt"), caps.join("gone.txt")).unwrap();
    let o = run_in(dir.path(), &["clean", "captures", "-o", "out", "-L"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let rows = manifest(&dir.path().join("out"));
    let r = row(&rows, "gone.txt");
    assert_eq!(r["status"], "error");
    assert_eq!(r["error"], "broken symbolic link");
    assert_eq!(r["output"], serde_json::Value::Null);
    assert_eq!(r["sha256"], serde_json::Value::Null);
    assert_eq!(row(&rows, "ok.txt")["status"], "canonical");
    assert!(
        stderr(&o).contains("captures/gone.txt: broken symbolic link"),
        "{}",
        stderr(&o)
    );
    assert!(dir.path().join("out/ok.txt").is_file());
}

/// Followed (`-L`), a link back up the tree is an error row, not an endless walk.
#[cfg(unix)]
#[test]
fn link_loop_is_an_error_row() {
    let (dir, caps) = captures_with_ok();
    fs::create_dir_all(caps.join("sub")).unwrap();
    std::os::unix::fs::symlink("..", caps.join("sub/up")).unwrap();
    let o = run_in(dir.path(), &["clean", "captures", "-o", "out", "--follow"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let rows = manifest(&dir.path().join("out"));
    let r = row(&rows, "sub/up");
    assert_eq!(r["status"], "error");
    assert!(
        r["error"]
            .as_str()
            .unwrap()
            .starts_with("symbolic link loop"),
        "{r}"
    );
    assert!(
        stderr(&o).contains("sub/up: symbolic link loop"),
        "{}",
        stderr(&o)
    );
    assert_eq!(row(&rows, "ok.txt")["status"], "canonical");
}

#[cfg(unix)]
#[test]
fn fifo_is_not_read() {
    let (dir, caps) = captures_with_ok();
    let st = Command::new("mkfifo")
        .arg(caps.join("pipe"))
        .status()
        .unwrap();
    assert!(st.success());
    let o = run_in(dir.path(), &["clean", "captures", "-o", "out"]);
    assert_eq!(o.status.code(), Some(1));
    let rows = manifest(&dir.path().join("out"));
    assert_eq!(row(&rows, "pipe")["error"], "not a regular file");
}

/// Permission denied needs a user the file is closed to; as root, docsift is run
/// as `nobody` through setpriv so the case is exercised either way.
#[cfg(unix)]
#[test]
fn unreadable_file_is_an_error_row() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, caps) = captures_with_ok();
    fs::set_permissions(caps.join("ok.txt"), fs::Permissions::from_mode(0o644)).unwrap();
    fs::write(caps.join("secret.txt"), "private\n").unwrap();
    fs::set_permissions(caps.join("secret.txt"), fs::Permissions::from_mode(0o000)).unwrap();
    let o = crate::common::clean_as_unprivileged(dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let rows = manifest(&dir.path().join("out"));
    assert_eq!(row(&rows, "secret.txt")["error"], "permission denied");
    assert!(stderr(&o).contains("captures/secret.txt: permission denied"));
    assert_eq!(row(&rows, "ok.txt")["status"], "canonical");
}

#[cfg(unix)]
#[test]
fn non_utf8_file_name_is_escaped_in_manifest_and_kept_on_disk() {
    use std::os::unix::ffi::OsStrExt;
    let (dir, caps) = captures_with_ok();
    let name = std::ffi::OsStr::from_bytes(b"caf\xE9.txt");
    fs::write(
        caps.join(name),
        "Menu of the day\n\nSoup, bread and a pear.\n",
    )
    .unwrap();
    let o = run_in(dir.path(), &["clean", "captures", "-o", "out", "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows = manifest(&dir.path().join("out"));
    let r = row(&rows, "caf\\xE9.txt");
    assert_eq!(r["status"], "canonical");
    assert_eq!(r["output"], "caf\\xE9.txt");
    assert!(dir.path().join("out").join(name).is_file());
}

#[test]
fn inputs_are_never_modified() {
    let (dir, caps) = captures_with_ok();
    fs::write(caps.join("crlf.txt"), "Title\r\n\r\nBody\u{a0}text.  \r\n").unwrap();
    let before = read_tree(&caps);
    let o = run_in(dir.path(), &["clean", "captures", "-o", "out", "-q"]);
    assert!(o.status.success());
    assert_eq!(read_tree(&caps), before);
}

#[test]
fn exit_codes() {
    let (dir, _) = captures_with_ok();
    assert_eq!(
        run_in(dir.path(), &["clean", "captures", "-o", "a", "-q"])
            .status
            .code(),
        Some(0)
    );
    // Non-empty --out without --force, then with it.
    assert_eq!(
        run_in(dir.path(), &["clean", "captures", "-o", "a", "-q"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        run_in(
            dir.path(),
            &["clean", "captures", "-o", "a", "-q", "--force"]
        )
        .status
        .code(),
        Some(0)
    );
    // --out is an input, or inside one.
    assert_eq!(
        run_in(dir.path(), &["clean", "captures", "-o", "captures"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        run_in(dir.path(), &["clean", "captures", "-o", "captures/x"])
            .status
            .code(),
        Some(2)
    );
    assert!(!dir.path().join("captures/x").exists());
    // Unknown flag.
    assert_eq!(
        run_in(dir.path(), &["clean", "--bogus", "captures"])
            .status
            .code(),
        Some(2)
    );
    // An input that does not exist is a usage error.
    assert_eq!(
        run_in(dir.path(), &["clean", "nope.txt", "-q"])
            .status
            .code(),
        Some(2)
    );
}

/// A typo in an input's name is a usage error found before anything is written: no
/// `--out` appears (so the corrected rerun is not refused as a non-empty `--out`),
/// an existing one is left as it was, and the message names the path.
#[test]
fn a_missing_input_is_a_usage_error_before_anything_is_written() {
    let (dir, _) = captures_with_ok();
    let o = run_in(
        dir.path(),
        &["clean", "captures", "captres/a.txt", "-o", "out"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("captres/a.txt: no such file or directory"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.path().join("out").exists(), "--out was created");
    // The corrected command then runs.
    let o = run_in(dir.path(), &["clean", "captures", "-o", "out", "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let before = read_tree(&dir.path().join("out"));
    // With --force over a finished output, nothing is touched.
    let o = run_in(
        dir.path(),
        &["clean", "captures", "gone.txt", "-o", "out", "--force"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("gone.txt"), "{}", stderr(&o));
    assert_eq!(read_tree(&dir.path().join("out")), before);
    // A link named on the command line whose target is missing is refused the same way.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("nowhere.txt", dir.path().join("dangling.txt")).unwrap();
        let o = run_in(dir.path(), &["clean", "dangling.txt", "-o", "out2"]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(
            stderr(&o).contains("dangling.txt: broken symbolic link"),
            "{}",
            stderr(&o)
        );
        assert!(!dir.path().join("out2").exists());
    }
}

#[test]
fn binary_and_oversize_and_empty_files() {
    let (dir, caps) = captures_with_ok();
    fs::write(caps.join("a.bin"), b"\x7fELF\x02\x01\x01\x00\x00\x00").unwrap();
    fs::write(caps.join("big.txt"), "word ".repeat(1000)).unwrap();
    fs::write(caps.join("blank.txt"), "\n \n\t\n").unwrap();
    let o = run_in(
        dir.path(),
        &["clean", "captures", "-o", "out", "--max-bytes", "4KiB"],
    );
    assert_eq!(o.status.code(), Some(1));
    let rows = manifest(&dir.path().join("out"));
    assert_eq!(
        row(&rows, "a.bin")["error"],
        "binary file (NUL byte at offset 7)"
    );
    assert_eq!(
        row(&rows, "big.txt")["error"],
        "file is 5000 bytes, over the --max-bytes limit of 4096"
    );
    assert_eq!(row(&rows, "big.txt")["bytes_in"], 5000);
    let blank = row(&rows, "blank.txt");
    assert_eq!(blank["status"], "empty");
    assert_eq!(blank["error"], serde_json::Value::Null);
    assert_eq!(blank["output"], serde_json::Value::Null);
    assert!(!Path::new(&dir.path().join("out/blank.txt")).exists());
    let err = stderr(&o);
    assert!(err.contains("captures/a.bin: binary file"), "{err}");
    assert!(
        err.contains("captures/big.txt: file is 5000 bytes"),
        "{err}"
    );
}

/// A private file (0600) outside the input, reached by a link inside it: not read
/// without `-L` (no row, no output, and a notice naming the link); read with `-L`, and
/// its document, the manifest that carries its title, stay as private as it was.
/// A link named on the command line is always followed.
#[cfg(unix)]
#[test]
fn links_met_while_walking_are_followed_only_with_follow_and_privacy_is_kept() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let (dir, caps) = captures_with_ok();
    fs::set_permissions(caps.join("ok.txt"), fs::Permissions::from_mode(0o666)).unwrap();
    let private = dir.path().join("private");
    fs::create_dir_all(&private).unwrap();
    let secret = private.join("diary.txt");
    fs::write(
        &secret,
        "A private title\n\nA paragraph of text that only its owner was meant to read.\n",
    )
    .unwrap();
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::symlink(&secret, caps.join("diary.txt")).unwrap();
    // What an unrestricted new file gets under this process's umask.
    fs::write(dir.path().join("probe"), "").unwrap();
    let default = mode(&dir.path().join("probe"));

    let o = run_in(dir.path(), &["clean", "captures", "-o", "out"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows = manifest(&dir.path().join("out"));
    assert_eq!(rows.len(), 1, "the link is not an input: {rows:?}");
    assert_eq!(row(&rows, "ok.txt")["status"], "canonical");
    assert!(!dir.path().join("out/diary.txt").exists());
    assert!(
        stderr(&o).contains("1 symbolic link not followed")
            && stderr(&o).contains("captures/diary.txt"),
        "{}",
        stderr(&o)
    );
    assert_eq!(mode(&dir.path().join("out/ok.txt")), default);

    let o = run_in(dir.path(), &["clean", "captures", "-o", "followed", "-L"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = dir.path().join("followed");
    assert_eq!(row(&manifest(&out), "diary.txt")["status"], "canonical");
    assert!(fs::read_to_string(out.join("diary.txt"))
        .unwrap()
        .contains("only its owner"));
    assert_eq!(mode(&out.join("diary.txt")), 0o600, "the document");
    assert_eq!(mode(&out.join("manifest.jsonl")), 0o600, "the manifest");
    assert_eq!(mode(&out.join("ok.txt")), default, "other documents");

    // Shared by many documents, a JSON Lines shard is as private as the most private.
    let o = run_in(
        dir.path(),
        &["clean", "captures", "-o", "jsonl", "-L", "--to", "jsonl"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        mode(&dir.path().join("jsonl/documents-00000.jsonl.zst")),
        0o600
    );

    // Named on the command line, the link is followed.
    let o = run_in(dir.path(), &["clean", "captures/diary.txt", "-o", "named"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(mode(&dir.path().join("named/diary.txt")), 0o600);
}
