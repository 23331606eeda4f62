//! Output that can be trusted under a hostile environment: two runs on one `--out`, a
//! disk that fills while documents are published, `--force` over an earlier run, and
//! links planted where docsift writes.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::{bin, manifest, read_tree, row, run_in, stderr};

fn paragraph(i: usize) -> String {
    format!(
        "Paragraph {i} of the capture says something particular about harbour number {i}, \
         its boats and the weather they met on the way home."
    )
}

/// A capture with a title and paragraphs `from..to`.
fn article(title: &str, from: usize, to: usize) -> String {
    let body: Vec<String> = (from..to).map(paragraph).collect();
    format!("{title}\n\n{}\n", body.join("\n\n"))
}

/// A second run on an `--out` a run is writing refuses (exit 2) naming the first
/// run, and touches nothing: the first run's staging folder survives and the first
/// run completes with exactly the output of a run on its own. `--check` is refused
/// too. The first run is held mid-run, deterministically, by reading a stdin that
/// the test keeps open.
#[cfg(unix)]
#[test]
fn a_second_run_on_the_same_out_is_refused_and_the_first_completes() {
    let dir = tempfile::tempdir().unwrap();
    let caps = dir.path().join("captures");
    fs::create_dir_all(&caps).unwrap();
    for i in 0..40 {
        fs::write(
            caps.join(format!("{i:03}.txt")),
            article(&format!("Article {i}"), i * 10, i * 10 + 5),
        )
        .unwrap();
    }
    let stdin_text = article("From stdin", 1000, 1006);
    let run = |out: &str| {
        Command::new(bin())
            .args(["clean", "-", "captures", "-o", out, "-q"])
            .current_dir(dir.path())
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut reference = run("reference");
    reference
        .stdin
        .take()
        .unwrap()
        .write_all(stdin_text.as_bytes())
        .unwrap();
    assert_eq!(reference.wait().unwrap().code(), Some(0));

    let mut first = run("out");
    let out = dir.path().join("out");
    let staging = out.join(".docsift-staging");
    let lock = out.join(".docsift-lock");
    let holder = format!("process {}, started ", first.id());
    // The first run is under way: it has locked --out and made its staging folder, and
    // waits for stdin. (Bounded: the run cannot finish before stdin is closed.)
    for _ in 0..3000 {
        if staging.exists() && fs::read_to_string(&lock).is_ok_and(|s| s.contains(&holder)) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(staging.is_dir(), "the first run made no staging folder");
    // It then makes its spools inside the staging folder before it blocks on stdin;
    // once blocked, nothing changes until stdin is closed. Wait for the folder to
    // settle (ten equal reads 50 ms apart) rather than racing the spools' creation.
    let mut before = read_tree(&out);
    let mut equal_reads = 0;
    for _ in 0..600 {
        std::thread::sleep(std::time::Duration::from_millis(50));
        let now = read_tree(&out);
        equal_reads = if now == before { equal_reads + 1 } else { 0 };
        before = now;
        if equal_reads == 10 {
            break;
        }
    }
    assert_eq!(equal_reads, 10, "the first run's files never settled");
    for args in [
        &["clean", "captures", "-o", "out"][..],
        &["clean", "captures", "-o", "out", "--force"],
        &["clean", "captures", "-o", "out", "--check"],
    ] {
        let second = run_in(dir.path(), args);
        assert_eq!(
            second.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&second)
        );
        assert!(
            stderr(&second).contains(&format!(
                "another docsift run is using this --out ({holder}"
            )),
            "{args:?}: {}",
            stderr(&second)
        );
        assert_eq!(
            read_tree(&out),
            before,
            "{args:?} touched the first run's files"
        );
    }

    let mut stdin = first.stdin.take().unwrap();
    stdin.write_all(stdin_text.as_bytes()).unwrap();
    drop(stdin);
    let o = first.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(read_tree(&out), read_tree(&dir.path().join("reference")));
    assert!(!lock.exists() && !staging.exists());
}

/// Runs `docsift clean captures -o out ARGS` under a file-size limit of 8 KiB (a file
/// that outgrows it fails to write as on a full disk; `trap '' XFSZ` makes that an
/// error rather than a fatal signal).
#[cfg(unix)]
fn clean_with_8k_files(dir: &Path, args: &str) -> std::process::Output {
    let script = format!(
        "trap '' XFSZ; ulimit -f 16; exec '{}' clean captures -o out -j 1 {args}",
        bin().display()
    );
    Command::new("sh")
        .args(["-c", &script])
        .current_dir(dir)
        .output()
        .unwrap()
}

/// A disk that fills while documents are published (simulated by a file-size limit
/// that the staged bodies fit under but one document with its header does not): the
/// failed document is never moved into place, neither into an empty `--out` nor over
/// the complete file an earlier run wrote; every other file is complete; the failure
/// is an error row saying what `--out` holds there, and a stderr line; exit 1.
#[cfg(unix)]
#[test]
fn a_full_disk_while_publishing_never_replaces_a_file_with_a_worse_one() {
    let dir = tempfile::tempdir().unwrap();
    let caps = dir.path().join("captures");
    fs::create_dir_all(&caps).unwrap();
    // About 8,050 bytes of body: under the limit alone (with ok.txt's in the spool
    // too), over it with its header of about 190 bytes.
    fs::write(caps.join("big.txt"), article("A long article", 0, 61)).unwrap();
    fs::write(caps.join("ok.txt"), "Short\n\nOne honest line.\n").unwrap();
    let reference = run_in(dir.path(), &["clean", "captures", "-o", "reference", "-q"]);
    assert_eq!(reference.status.code(), Some(0));
    let big = fs::read(dir.path().join("reference/big.txt")).unwrap();
    let ok = fs::read(dir.path().join("reference/ok.txt")).unwrap();
    assert!(big.len() > 8192, "the test needs big.txt over the limit");

    // 1. A fresh --out.
    let o = clean_with_8k_files(dir.path(), "-q");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = dir.path().join("out");
    assert!(
        !out.join("big.txt").exists(),
        "a partial document was published"
    );
    assert_eq!(fs::read(out.join("ok.txt")).unwrap(), ok);
    let rows = manifest(&out);
    let r = row(&rows, "big.txt");
    assert_eq!(r["status"], "error");
    assert_eq!(r["output"], serde_json::Value::Null);
    let error = r["error"].as_str().unwrap();
    assert!(
        error.starts_with("cannot write output big.txt: File too large")
            && error.ends_with("; nothing was written there"),
        "{error}"
    );
    assert!(
        stderr(&o).contains(&format!("docsift: captures/big.txt: {error}")),
        "{}",
        stderr(&o)
    );

    // 2. --force over a complete earlier output (written without headers, so the old
    // and new files differ): the good old big.txt stays whole.
    fs::remove_dir_all(&out).unwrap();
    let first = run_in(
        dir.path(),
        &["clean", "captures", "-o", "out", "-q", "--no-header"],
    );
    assert_eq!(first.status.code(), Some(0));
    let old_big = fs::read(out.join("big.txt")).unwrap();
    assert!(old_big.len() < 8192);
    let o = clean_with_8k_files(dir.path(), "-q --force");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        fs::read(out.join("big.txt")).unwrap(),
        old_big,
        "the good file was replaced"
    );
    assert_eq!(
        fs::read(out.join("ok.txt")).unwrap(),
        ok,
        "new and complete"
    );
    let rows = manifest(&out);
    let r = row(&rows, "big.txt");
    assert_eq!(r["status"], "error");
    assert!(
        r["error"]
            .as_str()
            .unwrap()
            .ends_with("; --out keeps the file an earlier run wrote there"),
        "{r}"
    );
    assert_eq!(row(&rows, "ok.txt")["status"], "canonical");
    assert!(stderr(&o).contains("docsift: captures/big.txt: cannot write output big.txt"));
    let names: Vec<_> = read_tree(&out).into_keys().collect();
    assert_eq!(
        names.len(),
        3,
        "no temporary or staging file left: {names:?}"
    );
}

/// `--force` after a run with `--no-near` removes the files that are now near
/// duplicates (named by the earlier manifest, not written now), and nothing else: the
/// user's own files survive. `--check` right after passes.
#[test]
fn force_removes_what_the_previous_run_wrote_and_this_one_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let caps = dir.path().join("captures/blog");
    fs::create_dir_all(&caps).unwrap();
    let text = article("Harbour news", 0, 8);
    fs::write(caps.join("post.txt"), &text).unwrap();
    // The same article less its last paragraph: a near duplicate of post.txt.
    fs::write(caps.join("repost.txt"), article("Harbour news", 0, 7)).unwrap();
    fs::write(caps.join("other.txt"), article("Other news", 100, 104)).unwrap();
    let out = dir.path().join("out");
    let o = run_in(
        dir.path(),
        &["clean", "captures", "-o", "out", "--no-near", "-q"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(out.join("blog/repost.txt").is_file());
    // The user's own files, one beside docsift's and one in a folder of its own.
    fs::write(out.join("NOTES.md"), "mine\n").unwrap();
    fs::create_dir_all(out.join("mine")).unwrap();
    fs::write(out.join("mine/todo.txt"), "also mine\n").unwrap();
    fs::write(out.join("blog/keep-me.txt"), "mine too\n").unwrap();

    let o = run_in(dir.path(), &["clean", "captures", "-o", "out", "--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows = manifest(&out);
    assert_eq!(row(&rows, "blog/repost.txt")["status"], "near_duplicate");
    assert!(!out.join("blog/repost.txt").exists(), "stale document left");
    assert!(
        stderr(&o).contains("removed 1 file an earlier run wrote that this run does not"),
        "{}",
        stderr(&o)
    );
    assert_eq!(fs::read_to_string(out.join("NOTES.md")).unwrap(), "mine\n");
    assert!(out.join("mine/todo.txt").is_file() && out.join("blog/keep-me.txt").is_file());
    assert!(out.join("blog/post.txt").is_file() && out.join("blog/other.txt").is_file());

    let check = run_in(dir.path(), &["clean", "captures", "-o", "out", "--check"]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    assert!(check.stdout.is_empty());
}

/// Links planted where docsift writes: at the temporary name the manifest used to
/// get (`.manifest.jsonl.docsift-PID.tmp`, the PID known in advance because the shell
/// execs docsift), at a document's output path, and in `--keep-duplicates` (a file
/// and a folder). Nothing outside the output folders is written, and
/// `manifest.jsonl` is a regular file afterwards.
#[cfg(unix)]
#[test]
fn planted_links_never_lead_writes_outside_the_output_folders() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let caps = dir.path().join("captures");
    fs::create_dir_all(caps.join("sub")).unwrap();
    let text = article("Harbour news", 0, 3);
    fs::write(caps.join("a.txt"), &text).unwrap();
    fs::write(caps.join("b.txt"), &text).unwrap();
    fs::write(caps.join("sub/c.txt"), &text).unwrap();
    let victims = dir.path().join("victims");
    fs::create_dir_all(victims.join("dir")).unwrap();
    for v in ["manifest", "document", "kept"] {
        fs::write(victims.join(v), "precious\n").unwrap();
    }
    let (out, keep) = (dir.path().join("out"), dir.path().join("keep"));
    fs::create_dir_all(&out).unwrap();
    fs::create_dir_all(&keep).unwrap();
    symlink(victims.join("document"), out.join("a.txt")).unwrap();
    symlink(victims.join("kept"), keep.join("b.txt")).unwrap();
    symlink(victims.join("dir"), keep.join("sub")).unwrap();
    let script = format!(
        "ln -s '{}' out/.manifest.jsonl.docsift-$$.tmp && exec '{}' clean captures -o out \
         --force --keep-duplicates keep -q",
        victims.join("manifest").display(),
        bin().display()
    );
    let o = Command::new("sh")
        .args(["-c", &script])
        .current_dir(dir.path())
        .output()
        .unwrap();
    for v in ["manifest", "document", "kept"] {
        assert_eq!(
            fs::read_to_string(victims.join(v)).unwrap(),
            "precious\n",
            "wrote through the link to {v}"
        );
    }
    assert_eq!(fs::read_dir(victims.join("dir")).unwrap().count(), 0);
    // sub/c.txt cannot be kept behind the link: a failed write, exit 1.
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let regular = |p: &Path| fs::symlink_metadata(p).unwrap().file_type().is_file();
    assert!(regular(&out.join("manifest.jsonl")));
    assert!(regular(&out.join("a.txt")) && regular(&keep.join("b.txt")));
    let rows = manifest(&out);
    let c = row(&rows, "sub/c.txt");
    assert_eq!(c["status"], "duplicate");
    assert!(
        c["error"].as_str().unwrap().contains("symbolic link"),
        "{c}"
    );
}

/// `--keep-duplicates` that is `--out`, lies inside it or contains it is refused
/// before anything is written.
#[test]
fn keep_duplicates_overlapping_out_is_refused() {
    let (dir, _) = crate::common::captures_with_ok();
    for (out, keep) in [("out", "out"), ("out", "out/dups"), ("both/out", "both")] {
        let o = run_in(
            dir.path(),
            &["clean", "captures", "-o", out, "--keep-duplicates", keep],
        );
        assert_eq!(o.status.code(), Some(2), "{out} {keep}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("--keep-duplicates is, lies inside or contains --out"),
            "{}",
            stderr(&o)
        );
        assert!(!dir.path().join(out).exists() && !dir.path().join(keep).exists());
    }
}
