//! The dedup index from outside: a writer killed with SIGKILL at every step of a
//! commit (and while adding), a writer whose disk fills, and the committed index
//! fixtures the `docsift index` snapshots read (rebuilt here, byte for byte).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use docsift::dedup::minhash::MinHasher;
use docsift::dedup::shingle::{count_distinct, shingles};
use docsift::index::{verify, Index, NewEntry, Params};

use crate::common::repo;

fn entry(key: &str, body: &str, url: Option<&str>) -> NewEntry {
    let sh = shingles(body);
    NewEntry {
        key: key.to_owned(),
        id: Some(format!("id:{key}")),
        url: url.map(str::to_owned),
        signature: MinHasher::default().signature(&sh),
        shingles: count_distinct(&sh) as u32,
    }
}

/// A generated body (made-up words), distinct for each seed.
fn body(seed: u64) -> String {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let syll = [
        "ka", "lo", "mi", "ne", "su", "ta", "ri", "po", "ve", "dan", "gor", "bel",
    ];
    let mut out = String::new();
    for i in 0..120 {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        for k in 0..(2 + s % 3) {
            out.push_str(syll[((s >> (8 * k)) % 12) as usize]);
        }
        out.push(if i % 15 == 14 { '\n' } else { ' ' });
    }
    out + "\n"
}

/// Adds generated batch `batch` of `n` documents; `pause` is called with each
/// step of the commit (and with "added K" after the K-th document).
fn add_generated(
    dir: &Path,
    batch: u64,
    n: usize,
    pause: &mut dyn FnMut(&str),
) -> docsift::index::Result<()> {
    let mut idx = Index::open(dir, &Params::new(0.8), false)?;
    let mut b = idx.begin_batch(&format!("generated {batch}"), None)?;
    for i in 0..n {
        let text = body(batch * 10_000 + i as u64);
        b.add(entry(&format!("{batch}/{i:05}.txt"), &text, None), &text)?;
        pause(&format!("added {}", i + 1));
    }
    b.commit_with(&mut |step| {
        pause(step);
        Ok(())
    })?;
    Ok(())
}

fn tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    crate::common::read_tree(root)
        .into_iter()
        .filter(|(p, _)| p.as_os_str() != ".docsift-lock")
        .collect()
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for (rel, bytes) in tree(from) {
        std::fs::write(to.join(rel), bytes).unwrap();
    }
}

/// The writer that [`a_writer_killed_at_any_point_leaves_the_index_as_it_was`]
/// starts and kills: it adds batch 2 to the index named by `DOCSIFT_TEST_INDEX`,
/// and at the point named by `DOCSIFT_TEST_PAUSE` says `PAUSED` and waits to be
/// killed. Does nothing when run by the ordinary test run.
#[test]
#[ignore = "started by a_writer_killed_at_any_point_leaves_the_index_as_it_was"]
fn writer_child() {
    let Some(dir) = std::env::var_os("DOCSIFT_TEST_INDEX") else {
        return;
    };
    let stop_at: usize = std::env::var("DOCSIFT_TEST_PAUSE")
        .unwrap()
        .parse()
        .unwrap();
    let mut count = 0;
    let r = add_generated(Path::new(&dir), 2, 25, &mut |step| {
        count += 1;
        if count == stop_at {
            println!("PAUSED at {step}");
            loop {
                std::thread::park();
            }
        }
        println!("STEP {step}");
    });
    match r {
        Ok(()) => println!("DONE"),
        Err(e) => println!("FAILED: {e}"),
    }
}

/// Starts [`writer_child`] on `dir` (optionally through `sh -c PREFIX`), pausing at
/// point `stop_at`; returns the lines it printed, after killing it if it paused.
fn run_child(dir: &Path, stop_at: usize, shell_prefix: Option<&str>) -> Vec<String> {
    let exe = std::env::current_exe().unwrap();
    let args = [
        "--exact",
        "index::writer_child",
        "--ignored",
        "--nocapture",
        "--test-threads",
        "1",
    ];
    let mut cmd = match shell_prefix {
        Some(prefix) => {
            let mut c = Command::new("sh");
            c.arg("-c")
                .arg(format!("{prefix}; exec \"$0\" \"$@\""))
                .arg(&exe)
                .args(args);
            c
        }
        None => {
            let mut c = Command::new(&exe);
            c.args(args);
            c
        }
    };
    let mut child = cmd
        .env("DOCSIFT_TEST_INDEX", dir)
        .env("DOCSIFT_TEST_PAUSE", stop_at.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let paused = line.contains("PAUSED at ");
        lines.push(line);
        if paused {
            child.kill().unwrap(); // SIGKILL
            break;
        }
    }
    child.wait().unwrap();
    lines
}

/// `kill -9` at every point of adding a batch (after each document, before each
/// write, fsync and rename of the commit): `verify` passes, the index is what it
/// was before (its manifest and segments byte for byte) or, once the manifest is
/// renamed, what the finished batch gives; the next writer removes what the killed
/// one left, and adding the batch again gives the uninterrupted index.
#[cfg(unix)]
#[test]
fn a_writer_killed_at_any_point_leaves_the_index_as_it_was() {
    let d = tempfile::tempdir().unwrap();
    let base = d.path().join("base");
    add_generated(&base, 1, 30, &mut |_| {}).unwrap();
    let before = tree(&base);
    // The uninterrupted run, through the same child, and the points it passes.
    let reference = d.path().join("reference");
    copy(&base, &reference);
    let lines = run_child(&reference, usize::MAX, None);
    assert!(lines.iter().any(|l| l == "DONE"), "{lines:?}");
    let points: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.find("STEP ").map(|i| &l[i + 5..]))
        .collect();
    assert!(points.len() > 60, "{points:?}");
    let after = tree(&reference);
    let commit_point = points
        .iter()
        .position(|p| *p == "move the manifest into the index")
        .unwrap();
    for (k, point) in points.iter().enumerate() {
        let dir = d.path().join(format!("kill-{k}"));
        copy(&base, &dir);
        let lines = run_child(&dir, k + 1, None);
        assert!(
            lines
                .last()
                .unwrap()
                .ends_with(&format!("PAUSED at {point}")),
            "{lines:?}"
        );
        let report = verify(&dir).unwrap();
        assert!(report.is_ok(), "killed at {point}: {report:?}");
        let mut now = tree(&dir);
        now.retain(|p, _| {
            let leftover = p.to_string_lossy().starts_with(".staging-")
                || (k <= commit_point && p.as_os_str() == "seg-000002.dsx");
            !leftover
        });
        let expected = if k <= commit_point { &before } else { &after };
        assert!(now == *expected, "killed at {point}: {:?}", now.keys());
        if k <= commit_point {
            add_generated(&dir, 2, 25, &mut |_| {}).unwrap();
        } else {
            // The next writer only tidies up.
            drop(Index::open(&dir, &Params::new(0.8), false).unwrap());
        }
        assert!(tree(&dir) == after, "after the kill at {point} and a rerun");
    }
}

/// A disk that fills while the batch is written (a file size limit, the way the
/// output's tests fill a disk): the writer fails with the file and the reason, and
/// the index is byte for byte what it was, with nothing left behind.
#[cfg(unix)]
#[test]
fn a_full_disk_while_adding_leaves_the_index_as_it_was() {
    let d = tempfile::tempdir().unwrap();
    let base = d.path().join("base");
    add_generated(&base, 1, 30, &mut |_| {}).unwrap();
    let before = tree(&base);
    // Limits in 512-byte blocks: the spool, then the segment, hits the limit.
    for blocks in [4, 16, 40] {
        let dir = d.path().join(format!("full-{blocks}"));
        copy(&base, &dir);
        let lines = run_child(
            &dir,
            usize::MAX,
            Some(&format!("trap '' XFSZ; ulimit -f {blocks}")),
        );
        let failed = lines
            .iter()
            .find(|l| l.starts_with("FAILED: "))
            .expect("the writer fails");
        assert!(failed.contains("File too large"), "{blocks}: {lines:?}");
        eprintln!("{blocks}: {failed}");
        assert!(tree(&dir) == before, "{blocks}: {:?}", tree(&dir).keys());
        assert!(verify(&dir).unwrap().is_ok());
    }
}

/// Bodies of the fixture index: one per language, written for these tests.
const FIXTURE_DOCS: &[(&str, &str, Option<&str>)] = &[
    (
        "harbour/ferry.txt",
        "The morning ferry left the harbour twenty minutes late, because the crew waited for a \
         van of school books that had been stuck behind a tractor on the coast road.\n\n\
         Passengers did not seem to mind. Most of them stood at the rail and watched the gulls \
         follow the boat out past the breakwater.\n",
        Some("https://news.example.org/harbour/ferry"),
    ),
    (
        "markt/brot.txt",
        "Auf dem Wochenmarkt verkauft die Bäckerei seit diesem Monat ein Roggenbrot nach dem \
         Rezept der Großmutter des Inhabers. Am Samstag war es schon um neun Uhr ausverkauft.\n\n\
         Der Bäcker sagt, er backe nicht mehr als vierzig Laibe, weil der Teig zwei Tage ruhen muss.\n",
        None,
    ),
    (
        "город/библиотека.txt",
        "Городская библиотека снова открыла читальный зал после ремонта. Теперь в нём больше \
         света, новые столы и розетки у каждого места.\n\n\
         Сотрудники говорят, что в первый же день пришли почти двести читателей, в основном студенты.\n",
        Some("https://gazeta.example.ru/город/библиотека"),
    ),
    (
        "kyoto/garden.txt",
        "古い寺の庭で、秋の紅葉がちょうど見ごろになりました。朝早くから多くの人が写真を撮りに来ています。\n\n\
         庭師によると、今年は夏が暑かったので、色づきが一週間ほど遅れたそうです。\n",
        None,
    ),
    (
        "harbour/lighthouse.txt",
        "The old lighthouse on the north point will be open to visitors on Sundays from next \
         spring. Volunteers have repainted the stairs and fixed the railings at the top.\n\n\
         Tickets will be free, but the council asks visitors to book a time, since only twelve \
         people fit in the lantern room at once.\n",
        Some("https://news.example.org/harbour/lighthouse"),
    ),
];

/// Builds the fixture index: the first three documents as batch 1, the other two as
/// batch 2.
fn build_fixture(dir: &Path) {
    let batches = [
        ("crawl 2026-11-29", &FIXTURE_DOCS[..3]),
        ("crawl 2026-11-30", &FIXTURE_DOCS[3..]),
    ];
    for (name, docs) in batches {
        let mut idx = Index::open(dir, &Params::new(0.8), false).unwrap();
        let mut b = idx.begin_batch(name, Some(&name[6..])).unwrap();
        for (key, text, url) in docs {
            b.add(entry(key, text, *url), text).unwrap();
        }
        b.commit().unwrap();
    }
}

/// The indexes under `tests/cmd/index*.in/` are what this docsift writes: the
/// format is stable and deterministic. `DOCSIFT_BLESS=1` rewrites them (review the
/// snapshots after). The damaged copies are the good index with one byte flipped in
/// a body, and with its first segment cut short.
#[test]
fn the_fixture_indexes_are_what_docsift_writes() {
    let d = tempfile::tempdir().unwrap();
    let good = d.path().join("good");
    build_fixture(&good);
    let seg2 = good.join("seg-000002.dsx");
    let flipped = d.path().join("flipped");
    copy(&good, &flipped);
    let mut bytes = std::fs::read(&seg2).unwrap();
    // The footer's last table entry is the bodies section's (offset, length): flip a
    // byte in its middle.
    let entry = bytes.len() - 16 - 24;
    let field = |i: usize| u64::from_le_bytes(bytes[entry + i..entry + i + 8].try_into().unwrap());
    let at = (field(0) + field(8) / 2) as usize;
    bytes[at] ^= 0x20;
    std::fs::write(flipped.join("seg-000002.dsx"), bytes).unwrap();
    let truncated = d.path().join("truncated");
    copy(&good, &truncated);
    let seg1 = std::fs::read(good.join("seg-000001.dsx")).unwrap();
    std::fs::write(truncated.join("seg-000001.dsx"), &seg1[..seg1.len() - 100]).unwrap();

    for (built, name) in [
        (&good, "index"),
        (&flipped, "index-damaged"),
        (&truncated, "index-truncated"),
    ] {
        let committed = repo()
            .join("tests/cmd")
            .join(format!("{name}.in"))
            .join("idx");
        if std::env::var_os("DOCSIFT_BLESS").is_some() {
            let _ = std::fs::remove_dir_all(&committed);
            copy(built, &committed);
        }
        assert!(
            tree(built) == tree(&committed),
            "{} differs from what docsift writes now (DOCSIFT_BLESS=1 rewrites it)",
            committed.display()
        );
    }
}
