//! Hostile and damaged input: each case asserts the manifest row, the stderr line and
//! the exit code, and that the rest of the run still happened.

use std::fs;
use std::path::Path;
use std::process::Output;

use crate::common::{captures_with_ok, manifest, row, run_in, stderr};

fn run(dir: &Path) -> (Output, Vec<serde_json::Value>) {
    let o = run_in(dir, &["clean", "captures", "-o", "out"]);
    let rows = manifest(&dir.join("out"));
    assert_eq!(
        row(&rows, "ok.txt")["status"],
        "canonical",
        "the run went on"
    );
    (o, rows)
}

fn paragraph(i: usize) -> String {
    format!(
        "Paragraph {i} of the capture says something particular about harbour number {i}, \
         its boats and the weather they met on the way home."
    )
}

#[test]
fn nul_bytes_in_the_middle_of_text_become_replacement_characters() {
    let (dir, caps) = captures_with_ok();
    let mut text = format!("A title\n\n{}\n\n{}\n", paragraph(1), paragraph(2)).into_bytes();
    let at = text.len() / 2;
    text.insert(at, 0);
    fs::write(caps.join("nul.txt"), &text).unwrap();
    let (o, rows) = run(dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r = row(&rows, "nul.txt");
    assert_eq!(r["status"], "canonical");
    assert_eq!(r["malformed"], 1);
    let out = fs::read_to_string(dir.path().join("out/nul.txt")).unwrap();
    assert!(out.contains('\u{FFFD}') && !out.contains('\0'));
    assert!(
        stderr(&o)
            .contains("captures/nul.txt: 1 malformed byte sequences replaced with U+FFFD (UTF-8)"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn utf16_without_a_bom_is_decoded() {
    let (dir, caps) = captures_with_ok();
    let text = format!("Ein Titel\n\n{}\n", paragraph(3));
    let bytes: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
    fs::write(caps.join("utf16.txt"), bytes).unwrap();
    let (o, rows) = run(dir.path());
    assert_eq!(o.status.code(), Some(0));
    let r = row(&rows, "utf16.txt");
    assert_eq!(
        (r["status"].as_str(), r["encoding"].as_str()),
        (Some("canonical"), Some("UTF-16BE"))
    );
    assert_eq!(r["malformed"], 0);
    assert!(fs::read_to_string(dir.path().join("out/utf16.txt"))
        .unwrap()
        .contains(&paragraph(3)));
    assert!(
        !stderr(&o).contains("utf16.txt"),
        "a clean decode is silent"
    );
}

/// A UTF-8 capture with one paragraph pasted in windows-1251: the file stays UTF-8
/// (the majority), the foreign bytes become U+FFFD and are counted and reported.
#[test]
fn mixed_encodings_keep_the_majority_and_report_the_rest() {
    let (dir, caps) = captures_with_ok();
    let mut bytes = format!(
        "Заголовок статьи\n\nПервый абзац статьи написан в UTF-8 и довольно длинный, чтобы перевесить.\n\n{}\n\n",
        paragraph(4)
    )
    .into_bytes();
    let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode("Вставка в другой кодировке.");
    bytes.extend_from_slice(&cp1251);
    bytes.push(b'\n');
    fs::write(caps.join("mixed.txt"), bytes).unwrap();
    let (o, rows) = run(dir.path());
    assert_eq!(o.status.code(), Some(0));
    let r = row(&rows, "mixed.txt");
    assert_eq!(r["encoding"], "UTF-8");
    let malformed = r["malformed"].as_u64().unwrap();
    assert!(malformed > 0);
    assert!(
        stderr(&o).contains(&format!(
            "captures/mixed.txt: {malformed} malformed byte sequences"
        )),
        "{}",
        stderr(&o)
    );
    let out = fs::read_to_string(dir.path().join("out/mixed.txt")).unwrap();
    assert!(out.contains("Первый абзац статьи написан в UTF-8"));
}

#[test]
fn empty_and_blank_files_are_empty_rows_with_a_notice() {
    let (dir, caps) = captures_with_ok();
    fs::write(caps.join("empty.txt"), "").unwrap();
    fs::write(caps.join("blank.txt"), "\n\n \t \n\u{00A0}\n\r\n").unwrap();
    let (o, rows) = run(dir.path());
    assert_eq!(o.status.code(), Some(0), "an empty input is not an error");
    for name in ["empty.txt", "blank.txt"] {
        let r = row(&rows, name);
        assert_eq!(r["status"], "empty");
        assert_eq!(r["output"], serde_json::Value::Null);
        assert!(!dir.path().join("out").join(name).exists());
        assert!(
            stderr(&o).contains(&format!("captures/{name}: no text (empty or blank file)")),
            "{}",
            stderr(&o)
        );
    }
}

/// One 50 MB line (no newline anywhere): read, cleaned and written, in bounded time
/// (no stage is quadratic in a line's length).
#[test]
fn a_single_50_mb_line() {
    let (dir, caps) = captures_with_ok();
    let sentence = "the tide came in over the flats and the gulls rose in one cloud ";
    let line = sentence.repeat(50_000_000 / sentence.len());
    fs::write(caps.join("huge.txt"), &line).unwrap();
    let (o, rows) = run(dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r = row(&rows, "huge.txt");
    assert_eq!(r["bytes_in"], line.len() as u64);
    assert!(r["status"] == "canonical" || r["status"] == "empty", "{r}");
}

/// A million identical lines: the stutter rule keeps one, in linear time, and the
/// summary records the bound that kept it linear.
#[test]
fn a_million_identical_lines() {
    let (dir, caps) = captures_with_ok();
    let line = "The same sentence, written by a runaway scraper loop.\n";
    fs::write(caps.join("loop.txt"), line.repeat(1_000_000)).unwrap();
    let (o, rows) = run(dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r = row(&rows, "loop.txt");
    assert_eq!(r["status"], "canonical");
    assert_eq!(r["lines_removed"], 999_999);
    let out = fs::read_to_string(dir.path().join("out/loop.txt")).unwrap();
    assert_eq!(out.matches("The same sentence").count(), 1);
    // The bound that kept the repeated-body search linear bit, and the run says so.
    assert!(
        stderr(&o).contains("docsift: limits reached: repeated-body search capped ("),
        "{}",
        stderr(&o)
    );
}

/// Names with a newline, a terminal escape sequence, a bidi override and a
/// zero-width space: stderr shows them escaped (nothing reaches the terminal raw);
/// the manifest keeps the exact name (JSON-escaped, so lossless); the file itself is
/// written under its exact name.
#[cfg(unix)]
#[test]
fn hostile_file_names_are_escaped_on_the_terminal_and_exact_in_the_manifest() {
    let (dir, caps) = captures_with_ok();
    let evil = "evil\n\x1b[2J\x1b[31mred\u{202E}txt.exe\u{200B}.txt";
    fs::write(caps.join(evil), b"\x7fELF\x02\x01\x01\x00\x00\x00").unwrap();
    let good = "ok\u{202E}name\x07.txt";
    fs::write(caps.join(good), format!("A title\n\n{}\n", paragraph(5))).unwrap();
    let (o, rows) = run(dir.path());
    assert_eq!(o.status.code(), Some(1), "a binary file is an error row");
    let err = stderr(&o);
    assert!(
        !err.contains('\x1b') && !err.contains('\u{202E}') && !err.contains('\u{200B}'),
        "{err:?}"
    );
    let error_lines: Vec<&str> = err.lines().filter(|l| l.contains("binary file")).collect();
    assert_eq!(
        error_lines.len(),
        1,
        "one stderr line, the newline escaped: {err:?}"
    );
    assert!(
        error_lines[0].contains(r"evil\u{a}\u{1b}[2J\u{1b}[31mred\u{202e}"),
        "{err:?}"
    );
    assert_eq!(
        row(&rows, evil)["error"],
        "binary file (NUL byte at offset 7)"
    );
    let r = row(&rows, good);
    assert_eq!(r["status"], "canonical");
    assert_eq!(r["output"], good);
    assert!(dir.path().join("out").join(good).is_file());
    let raw = fs::read_to_string(dir.path().join("out/manifest.jsonl")).unwrap();
    assert!(
        raw.contains(r#""source":"evil\n\u001b[2J\u001b[31mred"#),
        "{raw}"
    );
}

/// A folder docsift cannot enter is an error row of its own; its siblings are
/// cleaned. As root, docsift runs as `nobody` so the permission applies.
#[cfg(unix)]
#[test]
fn a_directory_that_cannot_be_entered() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, caps) = captures_with_ok();
    fs::set_permissions(caps.join("ok.txt"), fs::Permissions::from_mode(0o644)).unwrap();
    let closed = caps.join("closed");
    fs::create_dir(&closed).unwrap();
    fs::write(closed.join("inside.txt"), "hidden from us\n").unwrap();
    fs::set_permissions(&closed, fs::Permissions::from_mode(0o000)).unwrap();
    let o = crate::common::clean_as_unprivileged(dir.path());
    fs::set_permissions(&closed, fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let rows = manifest(&dir.path().join("out"));
    let r = row(&rows, "closed");
    assert_eq!(r["status"], "error");
    assert!(
        r["error"].as_str().unwrap().contains("permission denied"),
        "{r}"
    );
    assert!(
        stderr(&o).contains("captures/closed: cannot read directory"),
        "{}",
        stderr(&o)
    );
    assert_eq!(row(&rows, "ok.txt")["status"], "canonical");
}

/// `--force` updates docsift's own files and leaves everything else in `--out` alone.
#[test]
fn force_never_deletes_files_docsift_did_not_write() {
    let (dir, _) = captures_with_ok();
    let out = dir.path().join("out");
    fs::create_dir_all(out.join("notes")).unwrap();
    fs::write(out.join("README.md"), "my notes about this corpus\n").unwrap();
    fs::write(out.join("notes/todo.txt"), "check the Russian captures\n").unwrap();
    fs::write(out.join("ok.txt"), "an old output\n").unwrap();
    let o = run_in(dir.path(), &["clean", "captures", "-o", "out"]);
    assert_eq!(o.status.code(), Some(2), "non-empty --out without --force");
    assert!(stderr(&o).contains("pass --force"), "{}", stderr(&o));
    assert_eq!(
        fs::read_to_string(out.join("ok.txt")).unwrap(),
        "an old output\n"
    );
    let o = run_in(
        dir.path(),
        &["clean", "captures", "-o", "out", "--force", "-q"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        fs::read_to_string(out.join("README.md")).unwrap(),
        "my notes about this corpus\n"
    );
    assert_eq!(
        fs::read_to_string(out.join("notes/todo.txt")).unwrap(),
        "check the Russian captures\n"
    );
    assert!(fs::read_to_string(out.join("ok.txt"))
        .unwrap()
        .contains("One honest paragraph"));
}

/// A symbolic link inside `--out` is never written through: the documents that
/// would land behind it are error rows, and the folder it points to stays empty.
#[cfg(unix)]
#[test]
fn output_never_escapes_out_through_a_link() {
    let (dir, caps) = captures_with_ok();
    fs::create_dir_all(caps.join("blog")).unwrap();
    fs::write(
        caps.join("blog/post.txt"),
        format!("A post\n\n{}\n", paragraph(6)),
    )
    .unwrap();
    let elsewhere = dir.path().join("elsewhere");
    fs::create_dir_all(&elsewhere).unwrap();
    let out = dir.path().join("out");
    fs::create_dir_all(&out).unwrap();
    std::os::unix::fs::symlink(&elsewhere, out.join("blog")).unwrap();
    let o = run_in(dir.path(), &["clean", "captures", "-o", "out", "--force"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        fs::read_dir(&elsewhere).unwrap().count(),
        0,
        "wrote through the link"
    );
    let rows = manifest(&out);
    let r = row(&rows, "blog/post.txt");
    assert_eq!(r["status"], "error");
    assert!(
        r["error"].as_str().unwrap().contains("symbolic link"),
        "{r}"
    );
    assert!(stderr(&o).contains("symbolic link"), "{}", stderr(&o));
}

/// A corpus big enough that a signal lands mid-run: `n` distinct articles in 10 sites.
fn corpus(dir: &Path, n: usize) {
    for i in 0..n {
        let site = dir.join(format!("captures/site{}", i % 10));
        fs::create_dir_all(&site).unwrap();
        let body: Vec<String> = (0..6).map(|k| paragraph(i * 7 + k)).collect();
        fs::write(
            site.join(format!("{i:05}.txt")),
            format!(
                "Share\nHome\nArticle {i}\n\n{}\nSubscribe\n",
                body.join("\n\n")
            ),
        )
        .unwrap();
    }
}

/// Interrupt a run part-way (SIGINT, then SIGKILL in a second run): `--out` never
/// holds a partial file, a visible temporary, or a manifest naming a file that is
/// not there; every document present is byte-identical to a complete run's; after
/// SIGINT the staging folder is gone and stderr says what was left undone; after
/// SIGKILL the next run (with --force) clears the leftovers and completes.
#[cfg(unix)]
#[test]
fn an_interrupted_run_leaves_only_complete_files() {
    use crate::common::read_tree;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    let dir = tempfile::tempdir().unwrap();
    corpus(dir.path(), 3000);
    let full = run_in(
        dir.path(),
        &["clean", "captures", "-o", "reference", "-q", "-j", "2"],
    );
    assert_eq!(full.status.code(), Some(0));
    let reference = read_tree(&dir.path().join("reference"));

    for (signal, out) in [("INT", "out-int"), ("KILL", "out-kill")] {
        let child = crate::common::docsift()
            .args(["clean", "captures", "-o", out, "-j", "2"])
            .current_dir(dir.path())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Wait until the run is under way (its staging folder exists), then signal.
        let staging = dir.path().join(out).join(".docsift-staging");
        let start = Instant::now();
        while !staging.exists() && start.elapsed() < Duration::from_secs(30) {
            std::thread::sleep(Duration::from_millis(2));
        }
        std::thread::sleep(Duration::from_millis(50));
        Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .unwrap();
        let o = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        let out_dir = dir.path().join(out);
        let tree = read_tree(&out_dir);
        for (rel, bytes) in &tree {
            let name = rel.to_string_lossy();
            if name.starts_with(".docsift-staging") || name == ".docsift-lock" {
                assert_eq!(
                    signal, "KILL",
                    "SIGINT must remove the staging folder and lock"
                );
                continue;
            }
            assert!(
                !rel.file_name().unwrap().to_string_lossy().starts_with('.'),
                "temporary left: {name}"
            );
            assert_eq!(
                Some(bytes),
                reference.get(rel),
                "{name} is not the complete file"
            );
        }
        if let Some(m) = tree.get(Path::new("manifest.jsonl")) {
            for line in String::from_utf8_lossy(m).lines() {
                let r: serde_json::Value = serde_json::from_str(line).unwrap();
                if let Some(o) = r["output"].as_str() {
                    assert!(out_dir.join(o).is_file(), "manifest names missing {o}");
                }
            }
        }
        match o.status.code() {
            Some(0) => {} // finished before the signal landed: complete, checked above
            Some(130) => assert!(stderr.contains("interrupted"), "{stderr}"),
            None => assert_eq!(signal, "KILL"),
            other => panic!("exit {other:?}: {stderr}"),
        }
        // A later run completes over whatever was left.
        let again = run_in(
            dir.path(),
            &["clean", "captures", "-o", out, "--force", "-q"],
        );
        assert_eq!(again.status.code(), Some(0));
        assert_eq!(read_tree(&out_dir), reference, "rerun after {signal}");
    }
}

/// A disk that fills up mid-run (simulated with a file-size limit, which makes large
/// writes fail as a full disk does): docsift stops with exit 1, says nothing was
/// written, and `--out` holds no partial file and no manifest.
#[cfg(unix)]
#[test]
fn a_full_disk_while_staging_leaves_out_untouched() {
    use crate::common::{bin, read_tree};
    let dir = tempfile::tempdir().unwrap();
    corpus(dir.path(), 60);
    // `trap '' XFSZ` makes the limit an error (EFBIG) instead of a fatal signal.
    let script = format!(
        "trap '' XFSZ; ulimit -f 16; exec '{}' clean captures -o out",
        bin().display()
    );
    let o = std::process::Command::new("sh")
        .args(["-c", &script])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("nothing was written"), "{err}");
    assert!(
        err.contains("out/.docsift-staging: File too large"),
        "{err}"
    );
    assert!(
        read_tree(&dir.path().join("out")).is_empty(),
        "--out must stay empty"
    );
}

/// Output paths stay inside `--out` whatever the inputs look like: a file named with
/// `..` or an absolute path lands under its own file name, a folder's files under
/// their path relative to that folder; nothing is written beside `--out`.
#[test]
fn output_paths_stay_inside_out() {
    use crate::common::read_tree;
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    let elsewhere = dir.path().join("elsewhere/deep");
    fs::create_dir_all(&work).unwrap();
    fs::create_dir_all(elsewhere.join("sub")).unwrap();
    fs::write(
        elsewhere.join("up.txt"),
        format!("Up\n\n{}\n", paragraph(7)),
    )
    .unwrap();
    fs::write(
        elsewhere.join("sub/abs.txt"),
        format!("Abs\n\n{}\n", paragraph(8)),
    )
    .unwrap();
    let abs = elsewhere.join("sub/abs.txt");
    let o = run_in(
        &work,
        &[
            "clean",
            "../elsewhere/deep/up.txt",
            abs.to_str().unwrap(),
            "../elsewhere",
            "-o",
            "out",
            "-q",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let tree = read_tree(&work.join("out"));
    let names: Vec<String> = tree
        .keys()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    // The same file reached twice is an exact duplicate: one copy is written.
    assert_eq!(names, ["abs.txt", "deep/up.txt", "manifest.jsonl"]);
    let rows = manifest(&work.join("out"));
    let sources: Vec<&str> = rows.iter().map(|r| r["source"].as_str().unwrap()).collect();
    assert_eq!(
        sources,
        ["abs.txt", "deep/sub/abs.txt", "deep/up.txt", "up.txt"]
    );
    assert_eq!(row(&rows, "up.txt")["duplicate_of"], "deep/up.txt");
    let entries: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        entries.len(),
        2,
        "nothing written beside work/ and elsewhere/: {entries:?}"
    );
}

/// A file whose size moves while it is read gives a torn document: an error row, a
/// stderr line, exit 1. A /proc file shows it deterministically (it reports a size
/// of 0 and then yields bytes).
#[cfg(target_os = "linux")]
#[test]
fn a_file_that_changes_while_read_is_an_error_row() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_in(dir.path(), &["clean", "/proc/self/status", "-o", "out"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let rows = manifest(&dir.path().join("out"));
    assert_eq!(
        row(&rows, "status")["error"],
        "file changed while being read"
    );
    assert!(
        stderr(&o).contains("/proc/self/status: file changed while being read"),
        "{}",
        stderr(&o)
    );
}

/// `docsift … | head`: the reader goes away; docsift stops quietly with status 0,
/// prints no error, and leaves no temporary files behind.
#[cfg(unix)]
#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    corpus(dir.path(), 300); // far more JSON Lines than a pipe buffer holds
    let tmp = dir.path().join("tmp");
    fs::create_dir_all(&tmp).unwrap();
    let mut child = crate::common::docsift()
        .args(["clean", "captures", "--to", "jsonl"])
        .current_dir(dir.path())
        .env("TMPDIR", &tmp)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader is gone before docsift writes
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
    assert_eq!(
        fs::read_dir(&tmp).unwrap().count(),
        0,
        "temporary files left behind"
    );
}

/// A read that never ends (stdin whose writer keeps it open without writing): the
/// first SIGINT stops the run within a few seconds, with exit 130, says what was left
/// undone, and leaves no staging folder and nothing else in `--out`.
#[cfg(unix)]
#[test]
fn the_first_interrupt_ends_a_read_that_blocks() {
    use crate::common::bin;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    let (dir, _) = captures_with_ok();
    let mut child = Command::new(bin())
        .args([
            "clean",
            "-",
            "captures",
            "-o",
            "out",
            "--keep-duplicates",
            "keep",
        ])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Held open, never written: the read of `-` blocks until the test ends.
    let writer = child.stdin.take().unwrap();
    // The run is under way once its staging folder exists; then give it a moment to
    // finish the other input and block on stdin.
    let staging = dir.path().join("out/.docsift-staging");
    let start = Instant::now();
    while !staging.exists() && start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(staging.exists(), "the run never started");
    std::thread::sleep(Duration::from_millis(300));
    let status = crate::common::interrupt_and_wait(&mut child);
    drop(writer);
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    let status = status.expect("the first SIGINT did not stop the run");
    assert_eq!(status.code(), Some(130), "{err}");
    assert!(
        err.contains("interrupted while reading -")
            && err.contains("1 of 2 inputs not processed; nothing was written"),
        "{err}"
    );
    // Neither folder keeps the staging folder or a lock file.
    for folder in ["out", "keep"] {
        let left: Vec<_> = fs::read_dir(dir.path().join(folder))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(left.is_empty(), "{folder} holds {left:?}");
    }
}

/// A capture of 16 MB of three-byte lines (5.6 million lines: the shape that made
/// per-line data cost 75 bytes per input byte) is cleaned in segments: a manifest row
/// whose counts add up, an output made only of the capture's lines in order, the
/// summary naming the limit that bit, and a peak resident memory under 12 times the
/// capture's size (the child's VmHWM, sampled while it runs: never over-reported).
#[cfg(target_os = "linux")]
#[test]
fn a_huge_capture_of_short_lines_is_cleaned_in_bounded_memory() {
    use crate::common::bin;
    use std::process::{Command, Stdio};
    use std::time::Duration;

    let (dir, caps) = captures_with_ok();
    let mut text = String::from("A short story of the harbour\n\n");
    text.push_str(&paragraph(1));
    text.push_str("\n\n");
    let mut k = 0u32;
    while text.len() < 16_000_000 {
        let a = b'a' + (k % 26) as u8;
        let b = b'a' + (k / 26 % 26) as u8;
        text.push(a as char);
        text.push(b as char);
        text.push('\n');
        k += 1;
    }
    fs::write(caps.join("huge.txt"), &text).unwrap();
    let child = Command::new(bin())
        .args(["clean", "captures", "-o", "out", "-j", "1"])
        .current_dir(dir.path())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = format!("/proc/{}/status", child.id());
    let sampler = std::thread::spawn(move || {
        let mut peak_kb = 0u64;
        while let Ok(s) = fs::read_to_string(&status) {
            if s.contains("State:\tZ") {
                break;
            }
            if let Some(kb) = s
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            {
                peak_kb = peak_kb.max(kb);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        peak_kb
    });
    let o = child.wait_with_output().unwrap();
    let peak_kb = sampler.join().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("huge captures cleaned in segments (1)"),
        "{}",
        stderr(&o)
    );
    let rows = manifest(&dir.path().join("out"));
    let r = row(&rows, "huge.txt");
    assert_eq!(r["bytes_in"], text.len() as u64);
    // Every non-blank input line is either kept or counted as removed.
    let input: Vec<&str> = text.lines().collect();
    let nonblank = input.iter().filter(|l| !l.is_empty()).count() as u64;
    let kept: Vec<String> = if r["status"] == "canonical" {
        let out = fs::read_to_string(dir.path().join("out/huge.txt")).unwrap();
        let body = out.split_once("---\n\n").unwrap().1.to_owned();
        body.lines().map(str::to_owned).collect()
    } else {
        Vec::new()
    };
    let kept_nonblank = kept.iter().filter(|l| !l.is_empty()).count() as u64;
    assert_eq!(
        r["lines_removed"].as_u64().unwrap() + kept_nonblank,
        nonblank,
        "{r}"
    );
    // The output is the capture's lines, in order (a subsequence).
    let mut at = input.iter();
    for line in kept.iter().filter(|l| !l.is_empty()) {
        assert!(at.any(|l| l == line), "{line:?} is not from the capture");
    }
    let limit_kb = 12 * text.len() as u64 / 1024;
    assert!(
        peak_kb > 0 && peak_kb < limit_kb,
        "peak resident memory {peak_kb} kB, over 12x the capture ({limit_kb} kB)"
    );
}
