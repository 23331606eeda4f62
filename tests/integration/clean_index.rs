//! `docsift clean --index` from outside: batches deduplicated against earlier ones,
//! frozen canonicals, pinned parameters, determinism across `-j`, and safety (a run
//! killed at every point of adding its batch, a second run at once, a damaged index,
//! a full disk). The batches are `fixtures/index/batch1` and `batch2`:
//!
//! * batch1: `harbour.txt`, `library.txt`, `orchard.txt`;
//! * batch2: `ferry-copy.txt` (harbour.txt verbatim), `library-update.txt`
//!   (library.txt with a line added), `glacier.txt` and `glacier-mirror.txt` (one new
//!   article twice).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use crate::common::{docsift, manifest, read_tree, repo, row, stderr};

fn batch(n: u32) -> PathBuf {
    repo().join(format!("fixtures/index/batch{n}"))
}

/// `docsift clean BATCH -o OUT --index IDX` plus `extra`, quiet, with a fixed batch name.
fn clean(n: u32, out: &Path, idx: &Path, extra: &[&str]) -> Command {
    let mut c = docsift();
    c.arg("clean")
        .arg(batch(n))
        .arg("-o")
        .arg(out)
        .arg("--index")
        .arg(idx)
        .args(["--batch-name", &format!("batch{n}"), "-q"])
        .args(extra);
    c
}

fn run(mut c: Command) -> Output {
    c.output().unwrap()
}

fn ok(o: Output) -> Output {
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    o
}

/// The index's files, without its lock file (which records who held it last).
fn index_tree(idx: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    read_tree(idx)
        .into_iter()
        .filter(|(p, _)| p.as_os_str() != ".docsift-lock")
        .collect()
}

fn verify(idx: &Path) -> Output {
    docsift()
        .args(["index", "verify"])
        .arg(idx)
        .output()
        .unwrap()
}

/// `docsift index stats --json IDX`, parsed.
fn stats_json(idx: &Path) -> serde_json::Value {
    let o = docsift()
        .args(["index", "stats", "--json"])
        .arg(idx)
        .output()
        .unwrap();
    serde_json::from_slice(&o.stdout).unwrap()
}

fn two_batches(dir: &Path, threads: &str) -> (PathBuf, PathBuf, PathBuf) {
    let (o1, o2, idx) = (dir.join("out1"), dir.join("out2"), dir.join("idx"));
    ok(run(clean(1, &o1, &idx, &["-j", threads])));
    ok(run(clean(2, &o2, &idx, &["-j", threads])));
    (o1, o2, idx)
}

/// The second batch's duplicates of the first say so: the earlier document's source,
/// its id (null: file inputs have none) and the batch it came in, by number and name;
/// a duplicate within the batch has no such fields. Only the new canonical is added.
#[test]
fn a_second_batch_names_the_earlier_document_and_its_batch() {
    let d = tempfile::tempdir().unwrap();
    let (_, o2, idx) = two_batches(d.path(), "2");
    let rows = manifest(&o2);
    let copy = row(&rows, "ferry-copy.txt");
    assert_eq!(copy["status"], "duplicate");
    assert_eq!(copy["duplicate_of"], "harbour.txt");
    assert_eq!(copy["similarity"], 1.0);
    assert_eq!(copy["duplicate_of_id"], serde_json::Value::Null);
    assert_eq!(
        copy["duplicate_of_batch"],
        serde_json::json!({"number": 1, "name": "batch1"})
    );
    let update = row(&rows, "library-update.txt");
    assert_eq!(update["status"], "near_duplicate");
    assert_eq!(update["duplicate_of"], "library.txt");
    assert!(update["similarity"].as_f64().unwrap() >= 0.8, "{update}");
    assert_eq!(update["duplicate_of_batch"]["number"], 1);
    let within = row(&rows, "glacier.txt");
    assert_eq!(within["status"], "duplicate");
    assert_eq!(within["duplicate_of"], "glacier-mirror.txt");
    assert!(within.get("duplicate_of_batch").is_none(), "{within}");
    assert_eq!(row(&rows, "glacier-mirror.txt")["status"], "canonical");
    // Only the new article was written and added.
    assert!(o2.join("glacier-mirror.txt").is_file());
    assert!(!o2.join("ferry-copy.txt").exists());
    let stats = stats_json(&idx);
    assert_eq!(stats["documents"], 4);
    assert_eq!(stats["batches"][1]["documents"], 1);
    assert_eq!(stats["batches"][1]["name"], "batch2");
    assert_eq!(verify(&idx).status.code(), Some(0));
}

/// Without earlier batches to match, a manifest made with `--index` is byte for byte
/// the one made without it: the new fields appear only on rows that need them.
#[test]
fn a_first_batch_manifest_is_the_one_without_index() {
    let d = tempfile::tempdir().unwrap();
    let with = d.path().join("with");
    ok(run(clean(1, &with, &d.path().join("idx"), &[])));
    let without = d.path().join("without");
    let o = docsift()
        .arg("clean")
        .arg(batch(1))
        .arg("-o")
        .arg(&without)
        .arg("-q")
        .output()
        .unwrap();
    ok(o);
    let files = |out: &Path| {
        let mut t = read_tree(out);
        t.remove(Path::new(".docsift-lock"));
        t
    };
    assert_eq!(files(&with), files(&without));
}

/// Earlier canonicals are frozen. `library-update.txt` is `library.txt` with a line
/// added, so it is the more complete of the two: one run over both batches keeps it
/// and calls `library.txt` its near duplicate. Batch by batch, `library.txt` was
/// published first and stays canonical, and the update is its near duplicate.
#[test]
fn earlier_canonicals_stay_canonical() {
    let d = tempfile::tempdir().unwrap();
    let all = d.path().join("all");
    let o = docsift()
        .arg("clean")
        .arg(batch(1))
        .arg(batch(2))
        .arg("-o")
        .arg(&all)
        .arg("-q")
        .output()
        .unwrap();
    ok(o);
    let rows = manifest(&all);
    assert_eq!(row(&rows, "library-update.txt")["status"], "canonical");
    assert_eq!(row(&rows, "library.txt")["status"], "near_duplicate");
    assert_eq!(
        row(&rows, "library.txt")["duplicate_of"],
        "library-update.txt"
    );

    let (o1, o2, _) = two_batches(d.path(), "2");
    assert_eq!(row(&manifest(&o1), "library.txt")["status"], "canonical");
    let update = &manifest(&o2);
    let update = row(update, "library-update.txt");
    assert_eq!(update["status"], "near_duplicate");
    assert_eq!(update["duplicate_of"], "library.txt");
}

/// An index built at one threshold refuses a run at another (exit 2, naming the
/// parameter and both values), and is left as it was; so does the same run with
/// `--check`.
#[test]
fn a_run_with_another_threshold_is_refused_naming_it() {
    let d = tempfile::tempdir().unwrap();
    let idx = first_batch(d.path(), "0.8");
    let before = index_tree(&idx);
    let out1 = d.path().join("out1");
    for (out, extra) in [(d.path().join("out2"), None), (out1, Some("--check"))] {
        let mut c = clean(2, &out, &idx, &["--near-threshold", "0.7"]);
        c.args(extra);
        let o = run(c);
        assert_eq!(o.status.code(), Some(2), "{extra:?}");
        let err = stderr(&o);
        assert!(
            err.contains("near-duplicate threshold = 0.8, this docsift uses 0.7"),
            "{err}"
        );
        assert!(err.contains("index.json"), "{err}");
        assert_eq!(index_tree(&idx), before);
    }
    assert!(!d.path().join("out2/manifest.jsonl").exists());
}

/// Cleans batch1 into `dir/out1` and a new index `dir/idx` at `threshold`.
fn first_batch(dir: &Path, threshold: &str) -> PathBuf {
    let idx = dir.join("idx");
    ok(run(clean(
        1,
        &dir.join("out1"),
        &idx,
        &["--near-threshold", threshold],
    )));
    idx
}

/// `--no-near` against an index: exact duplicates only (the updated article is not
/// matched), whatever threshold the index pins; nothing near is refused.
#[test]
fn no_near_with_an_index_matches_exact_duplicates_only() {
    let d = tempfile::tempdir().unwrap();
    let idx = first_batch(d.path(), "0.9");
    let out2 = d.path().join("out2");
    ok(run(clean(2, &out2, &idx, &["--no-near"])));
    let rows = manifest(&out2);
    assert_eq!(row(&rows, "ferry-copy.txt")["status"], "duplicate");
    assert_eq!(row(&rows, "library-update.txt")["status"], "canonical");
    assert_eq!(verify(&idx).status.code(), Some(0));
}

/// Same batches in the same order: byte-identical manifests, outputs and index,
/// whatever the number of threads.
#[test]
fn index_and_manifests_do_not_depend_on_threads() {
    let d = tempfile::tempdir().unwrap();
    let one = d.path().join("j1");
    let four = d.path().join("j4");
    std::fs::create_dir_all(&one).unwrap();
    std::fs::create_dir_all(&four).unwrap();
    let (a1, a2, ai) = two_batches(&one, "1");
    let (b1, b2, bi) = two_batches(&four, "4");
    assert_eq!(read_tree(&a1), read_tree(&b1));
    assert_eq!(read_tree(&a2), read_tree(&b2));
    assert_eq!(index_tree(&ai), index_tree(&bi));
}

/// `--check` with `--index` reads the index and never adds to it: after the two
/// batches, checking the second compares with the run that added it (up to date).
#[test]
fn check_with_index_reads_and_never_adds() {
    let d = tempfile::tempdir().unwrap();
    let (_, o2, idx) = two_batches(d.path(), "2");
    let before = index_tree(&idx);
    let o = run(clean(2, &o2, &idx, &["--check"]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(index_tree(&idx), before);
}

/// Starts `docsift clean batch2 --index` paused at `point` (see `DOCSIFT_INDEX_PAUSE`);
/// returns the child once it says it paused, or its output if it ran to the end.
fn start_paused(out: &Path, idx: &Path, point: usize) -> Result<Child, Output> {
    let mut c = clean(2, out, idx, &["--force"]);
    let mut child = c
        .env("DOCSIFT_INDEX_PAUSE", point.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    let mut seen = String::new();
    while err.read_line(&mut line).unwrap() > 0 {
        if line.starts_with(&format!("docsift: paused at {point} ")) {
            return Ok(child);
        }
        seen.push_str(&line);
        line.clear();
    }
    let status = child.wait().unwrap();
    Err(Output {
        status,
        stdout: Vec::new(),
        stderr: seen.into_bytes(),
    })
}

fn copy_tree(from: &Path, to: &Path) {
    for (rel, bytes) in read_tree(from) {
        let p = to.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

/// `kill -9` of `docsift clean --index` at every point of adding its batch (once its
/// outputs are written, and before each write, fsync and rename of the commit):
/// `index verify` passes, the index holds batch 1 alone or (killed after the commit
/// point) both batches exactly as an uninterrupted run leaves them, and running the
/// batch again then gives the uninterrupted run's index and manifest.
#[cfg(unix)]
#[test]
fn a_run_killed_at_any_point_leaves_the_index_whole() {
    let d = tempfile::tempdir().unwrap();
    let base = d.path().join("base");
    ok(run(clean(1, &base.join("out1"), &base.join("idx"), &[])));
    let reference = d.path().join("reference");
    copy_tree(&base, &reference);
    ok(run(clean(
        2,
        &reference.join("out2"),
        &reference.join("idx"),
        &[],
    )));
    let (ref_index, ref_manifest) = (
        index_tree(&reference.join("idx")),
        std::fs::read(reference.join("out2/manifest.jsonl")).unwrap(),
    );
    let mut point = 0;
    loop {
        let dir = d.path().join(format!("kill-{point}"));
        copy_tree(&base, &dir);
        let (out, idx) = (dir.join("out2"), dir.join("idx"));
        let mut child = match start_paused(&out, &idx, point) {
            Ok(child) => child,
            Err(o) => {
                // No such point: the run went through every one.
                ok(o);
                break;
            }
        };
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let v = verify(&idx);
        assert_eq!(v.status.code(), Some(0), "killed at {point}: {v:?}");
        let stats = stats_json(&idx);
        let committed = stats["batches"].as_array().unwrap().len() == 2;
        if !committed {
            assert_eq!(stats["documents"], 3, "killed at {point}");
            ok(run(clean(2, &out, &idx, &["--force"])));
        }
        // Past the commit point, the kill leaves the staging folder, which readers
        // ignore and the next writer removes; before it, the rerun removed it.
        let mut now = index_tree(&idx);
        if committed {
            now.retain(|p, _| !p.to_string_lossy().starts_with(".staging-"));
        }
        assert!(now == ref_index, "killed at {point}: {:?}", now.keys());
        assert_eq!(
            std::fs::read(out.join("manifest.jsonl")).unwrap(),
            ref_manifest,
            "killed at {point}"
        );
        point += 1;
    }
    // Every step of the commit was a point (the storage layer's own test counts them).
    assert!(point > 20, "only {point} points");
}

/// A second run on an index another run is adding to refuses (exit 2, saying who
/// holds it) and writes nothing; with `--index-wait` it waits, then adds its batch.
#[cfg(unix)]
#[test]
fn a_second_run_refuses_or_waits() {
    let d = tempfile::tempdir().unwrap();
    let idx = d.path().join("idx");
    ok(run(clean(1, &d.path().join("out1"), &idx, &[])));
    let mut first = start_paused(&d.path().join("out2"), &idx, 0).unwrap();
    let other = d.path().join("other");
    let o = run(clean(2, &other, &idx, &[]));
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("this index"), "{err}");
    assert!(err.contains(&first.id().to_string()), "{err}");
    assert!(err.contains("--index-wait waits"), "{err}");
    assert!(!other.join("manifest.jsonl").exists());

    // Not quiet: it says that it waits.
    let mut waiter = docsift();
    waiter
        .arg("clean")
        .arg(batch(2))
        .arg("-o")
        .arg(d.path().join("waiter"))
        .arg("--index")
        .arg(&idx)
        .args(["--batch-name", "batch2", "--index-wait"]);
    let mut waiter = waiter.stderr(Stdio::piped()).spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(
        waiter.try_wait().unwrap().is_none(),
        "--index-wait did not wait"
    );
    first.kill().unwrap();
    first.wait().unwrap();
    let o = ok(waiter.wait_with_output().unwrap());
    assert!(
        stderr(&o).contains("waiting for it (--index-wait)"),
        "{}",
        stderr(&o)
    );
    assert_eq!(verify(&idx).status.code(), Some(0));
    assert_eq!(
        row(&manifest(&d.path().join("waiter")), "ferry-copy.txt")["duplicate_of_batch"]["number"],
        1
    );
}

/// A damaged or truncated index is exit 2 naming the file and what is wrong, before
/// any output is written; never taken for an empty index.
#[test]
fn a_damaged_index_is_refused_naming_the_file() {
    let d = tempfile::tempdir().unwrap();
    let idx = d.path().join("idx");
    ok(run(clean(1, &d.path().join("out1"), &idx, &[])));
    let seg = idx.join("seg-000001.dsx");
    let bytes = std::fs::read(&seg).unwrap();
    let cases: [(&str, &str, Vec<u8>); 2] = [
        (
            "seg-000001.dsx",
            "truncated",
            bytes[..bytes.len() / 2].to_vec(),
        ),
        ("index.json", "damaged", {
            let mut m = std::fs::read(idx.join("index.json")).unwrap();
            let k = m.len() / 2;
            m[k] ^= 0x20;
            m
        }),
    ];
    for (k, (file, _what, damaged)) in cases.into_iter().enumerate() {
        let dir = d.path().join(format!("case-{k}"));
        copy_tree(&idx, &dir.join("idx"));
        std::fs::write(dir.join("idx").join(file), &damaged).unwrap();
        let before = index_tree(&dir.join("idx"));
        let out = dir.join("out2");
        let o = run(clean(2, &out, &dir.join("idx"), &[]));
        assert_eq!(o.status.code(), Some(2), "{file}: {}", stderr(&o));
        assert!(stderr(&o).contains(file), "{}", stderr(&o));
        assert!(!out.join("manifest.jsonl").exists());
        assert_eq!(index_tree(&dir.join("idx")), before, "{file}");
    }
}

/// A disk that fills (a file size limit, in 512-byte blocks) at any size: the run
/// either completes, or fails and leaves the index byte for byte as it was; at some
/// size it fails while writing the batch's segment (the bodies are staged in a
/// smaller file first), saying the index is as it was. The index starts with one
/// empty batch (an empty folder cleaned), so batch1's segment is the largest file.
#[cfg(unix)]
#[test]
fn a_full_disk_leaves_the_index_as_it_was() {
    let d = tempfile::tempdir().unwrap();
    let base = d.path().join("base");
    let empty = d.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let o = docsift()
        .arg("clean")
        .arg(&empty)
        .arg("-o")
        .arg(base.join("out0"))
        .arg("--index")
        .arg(base.join("idx"))
        .output()
        .unwrap();
    ok(o);
    let before = index_tree(&base.join("idx"));
    let mut failed_in_commit = false;
    for blocks in [2, 4, 6, 8, 12, 16, 24] {
        let dir = d.path().join(format!("full-{blocks}"));
        copy_tree(&base, &dir);
        let c = clean(1, &dir.join("out1"), &dir.join("idx"), &[]);
        let mut sh = Command::new("sh");
        sh.arg("-c")
            .arg(format!(
                "trap '' XFSZ; ulimit -f {blocks}; exec \"$0\" \"$@\""
            ))
            .arg(c.get_program())
            .args(c.get_args());
        let o = sh.output().unwrap();
        let now = index_tree(&dir.join("idx"));
        if o.status.code() == Some(0) {
            assert_eq!(verify(&dir.join("idx")).status.code(), Some(0));
            continue;
        }
        assert!(now == before, "{blocks}: {}", stderr(&o));
        if stderr(&o).contains("the index is as it was") {
            failed_in_commit = true;
            assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
            assert!(stderr(&o).contains("File too large"), "{}", stderr(&o));
        }
    }
    assert!(failed_in_commit, "no size failed while adding the batch");
}

/// Records carry their ids into the index: a JSON Lines record of a later batch that
/// repeats one of an earlier batch names that record's key, its id and its batch, and
/// the passthrough output keeps only the new record. (The file batches above have no
/// ids; this is the path a crawl pipeline takes.)
#[test]
fn a_record_of_a_later_shard_names_the_earlier_records_id() {
    let d = tempfile::tempdir().unwrap();
    let text = |name: &str| std::fs::read_to_string(batch(1).join(name)).unwrap();
    let text2 = |name: &str| std::fs::read_to_string(batch(2).join(name)).unwrap();
    let shard = |dir: &str, records: &[(&str, String)]| {
        let folder = d.path().join(dir);
        std::fs::create_dir_all(&folder).unwrap();
        let lines: String = records
            .iter()
            .map(|(id, text)| format!("{}\n", serde_json::json!({"id": id, "text": text})))
            .collect();
        std::fs::write(folder.join("crawl.jsonl"), lines).unwrap();
        folder
    };
    let first = shard(
        "day1",
        &[("h-1", text("harbour.txt")), ("l-1", text("library.txt"))],
    );
    let second = shard(
        "day2",
        &[("g-2", text2("glacier.txt")), ("h-2", text("harbour.txt"))],
    );
    let idx = d.path().join("idx");
    for (input, out, name) in [(&first, "out1", "day1"), (&second, "out2", "day2")] {
        let o = docsift()
            .arg("clean")
            .arg(input)
            .arg("-o")
            .arg(d.path().join(out))
            .args(["--to", "jsonl", "--compress", "none", "--index"])
            .arg(&idx)
            .args(["--batch-name", name, "-q"])
            .output()
            .unwrap();
        ok(o);
    }
    let rows = manifest(&d.path().join("out2"));
    let copy = row(&rows, "crawl.jsonl#2");
    assert_eq!(copy["status"], "duplicate", "{copy}");
    assert_eq!(copy["id"], "h-2");
    assert_eq!(copy["duplicate_of"], "crawl.jsonl#1");
    assert_eq!(copy["duplicate_of_id"], "h-1");
    assert_eq!(
        copy["duplicate_of_batch"],
        serde_json::json!({"number": 1, "name": "day1"})
    );
    // The shard holds the one new record, as a passthrough record with its id.
    let shard = std::fs::read_to_string(d.path().join("out2/documents-00000.jsonl")).unwrap();
    let ids: Vec<String> = shard
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].to_string())
        .collect();
    assert_eq!(ids, ["\"g-2\""]);
    assert_eq!(stats_json(&idx)["documents"], 3);
    assert_eq!(verify(&idx).status.code(), Some(0));
}
