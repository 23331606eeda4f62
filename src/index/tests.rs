//! The index's invariants, one test each: round trips against a naive oracle,
//! deterministic bytes, pinned parameters, the writer's lock, all-or-nothing
//! commits (a fault injected at every step), and damage that is reported, never
//! read as an empty index.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use super::*;
use crate::dedup::minhash::MinHasher;
use crate::dedup::shingle::{count_distinct, shingles};
use crate::dedup::short as sets;

/// A deterministic body of `n` words drawn from a vocabulary of made-up words.
pub(crate) fn body(seed: u64, n: usize) -> String {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5555;
    let syll = [
        "ka", "lo", "mi", "ne", "su", "ta", "ri", "po", "ve", "dan", "gor", "bel",
    ];
    let mut out = String::new();
    for i in 0..n {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        let mut w = String::new();
        for k in 0..(2 + s % 3) {
            w.push_str(syll[((s >> (8 * k)) % syll.len() as u64) as usize]);
        }
        out.push_str(&w);
        out.push(if i % 12 == 11 { '\n' } else { ' ' });
    }
    out.push('\n');
    out
}

/// A new entry for `body`, keyed `key`, signed as dedup signs it.
pub(crate) fn entry(key: &str, body: &str) -> NewEntry {
    let sh = shingles(body);
    NewEntry {
        key: key.to_owned(),
        id: Some(format!("id-{key}")),
        url: key
            .len()
            .is_multiple_of(2)
            .then(|| format!("https://example.org/{key}")),
        signature: MinHasher::default().signature(&sh),
        shingles: count_distinct(&sh) as u32,
    }
}

/// `n` documents of batch `batch`: distinct bodies, some with a lightly edited copy
/// of a body from an earlier batch (near duplicates the index must offer).
pub(crate) fn docs(batch: u64, n: usize) -> Vec<(NewEntry, String)> {
    (0..n)
        .map(|i| {
            let key = format!("b{batch}/doc-{i:04}.txt");
            let b = if batch > 1 && i % 5 == 0 {
                // An earlier batch's document with one word changed.
                let orig = body(1000 * (batch - 1) + i as u64, 150);
                orig.replacen("ka", "zu", 1) + "zuzuzu\n"
            } else {
                body(1000 * batch + i as u64, 150)
            };
            (entry(&key, &b), b)
        })
        .collect()
}

pub(crate) fn params() -> Params {
    Params::new(0.8)
}

/// An index of three batches of 50 documents (under `d`), opened to read.
fn three_batches(d: &Path) -> Index {
    let dir = d.join("idx");
    for b in 1..=3 {
        add_batch(&dir, b, 50);
    }
    Index::open_read(&dir, &params()).unwrap()
}

/// The SHA-256 and signature of each document, as a probe's queries will borrow them.
fn query_keys(docs: impl IntoIterator<Item = (NewEntry, String)>) -> Vec<([u8; 32], Signature)> {
    docs.into_iter()
        .map(|(e, body)| (Prepared::new(&body).sha256, e.signature))
        .collect()
}

/// Probe queries borrowing `keys`.
fn as_queries(keys: &[([u8; 32], Signature)]) -> Vec<Query<'_>> {
    keys.iter()
        .map(|(s, g)| Query {
            sha256: s,
            signature: g,
        })
        .collect()
}

pub(crate) fn add_batch(dir: &Path, batch: u64, n: usize) -> Committed {
    let mut idx = Index::open(dir, &params(), false).unwrap();
    let mut b = idx
        .begin_batch(&format!("batch {batch}"), Some("2026-11-30"))
        .unwrap();
    for (e, body) in docs(batch, n) {
        b.add(e, &body).unwrap();
    }
    b.commit().unwrap()
}

/// Every file under `root` but the lock file, relative path → bytes.
pub(crate) fn tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file() && e.file_name() != LOCK_FILE)
        .map(|e| {
            (
                e.path().strip_prefix(root).unwrap().to_path_buf(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn what_goes_in_comes_out() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("idx");
    add_batch(&dir, 1, 60);
    let c = add_batch(&dir, 2, 40);
    assert_eq!((c.batch, c.documents), (2, 40));
    let idx = Index::open_read(&dir, &params()).unwrap();
    assert_eq!(idx.documents(), 100);
    assert_eq!(idx.batch(2).unwrap().name, "batch 2");
    for batch in 1..=2 {
        for (e, body) in docs(batch, if batch == 1 { 60 } else { 40 }) {
            let sha = Prepared::new(&body).sha256;
            let got = idx
                .lookup_exact(&sha)
                .unwrap()
                .expect("every body is found");
            assert_eq!(
                (&got.key, &got.id, &got.url, got.batch),
                (&e.key, &e.id, &e.url, batch as u32)
            );
            assert_eq!((&got.signature, got.shingles), (&e.signature, e.shingles));
            assert_eq!(got.bytes, body.len() as u64);
            assert_eq!(idx.body(&got).unwrap(), body);
            // The short shingle set is the body's, cut as `sets` cuts it.
            let short = sets::short_set(&crate::dedup::shingle::shingle_set(&body));
            assert!(!short.is_empty());
            assert_eq!(idx.short_set(got.at).unwrap(), (e.shingles, short));
            // A document is always its own candidate.
            assert!(idx
                .candidates(&e.signature)
                .unwrap()
                .iter()
                .any(|c| c.at == got.at));
        }
    }
    assert!(idx.lookup_exact(&[7; 32]).unwrap().is_none());
}

/// The near duplicates of batch 2 (an edited copy of a batch 1 body) find it.
#[test]
fn near_duplicates_of_earlier_batches_are_candidates() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("idx");
    add_batch(&dir, 1, 60);
    let idx = Index::open_read(&dir, &params()).unwrap();
    let mut found = 0;
    for (i, (e, _)) in docs(2, 40)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| i % 5 == 0)
    {
        let orig = Prepared::new(&body(1000 + i as u64, 150)).sha256;
        let c = idx.candidates(&e.signature).unwrap();
        found += c.iter().any(|c| c.sha256 == orig) as usize;
    }
    assert_eq!(found, 8, "every edited copy finds its original");
}

/// The one-pass probe against a naive oracle: the per-document lookups.
#[test]
fn a_batch_probe_answers_as_lookups_do() {
    let d = tempfile::tempdir().unwrap();
    let idx = three_batches(d.path());
    // Queries: documents already in (exact), edited copies (near), new ones, and a
    // query asked twice.
    let mut qs = query_keys(docs(3, 50).into_iter().chain(docs(4, 50)).chain(docs(2, 3)));
    qs.push(qs[0].clone());
    let queries = as_queries(&qs);
    let hits = idx.probe(&queries, &|_| true).unwrap();
    let mut exact = 0;
    for (q, h) in queries.iter().zip(&hits) {
        let oracle_exact = idx.lookup_exact(q.sha256).unwrap().map(|e| e.at);
        assert_eq!(h.exact, oracle_exact);
        exact += h.exact.is_some() as usize;
        let oracle: Vec<EntryRef> = idx
            .candidates(q.signature)
            .unwrap()
            .iter()
            .map(|e| e.at)
            .collect();
        assert_eq!(h.candidates, oracle);
    }
    assert_eq!(exact, 50 + 3 + 1);
    // The filter sees each candidate's true signature and shingle count.
    let filtered = idx
        .probe(&queries, &|c| {
            let e = idx.entry(c.at).unwrap();
            assert_eq!((c.signature, c.shingles), (&e.signature, e.shingles));
            c.signature.similarity(queries[c.query].signature) >= 0.5
        })
        .unwrap();
    for (q, (h, all)) in queries.iter().zip(filtered.iter().zip(&hits)) {
        let oracle: Vec<EntryRef> = all
            .candidates
            .iter()
            .filter(|&&c| idx.entry(c).unwrap().signature.similarity(q.signature) >= 0.5)
            .copied()
            .collect();
        assert_eq!(h.candidates, oracle);
    }
}

/// The probe offers each (query, entry) pair to the filter once, however many bands
/// the two share (an edited copy shares most of them), and offers exactly the pairs
/// that share a band: a filter that refuses everything still sees each pair once
/// (the queries are documents already indexed, and edited copies of earlier ones).
#[test]
fn a_probe_offers_each_colliding_pair_once() {
    let d = tempfile::tempdir().unwrap();
    let idx = three_batches(d.path());
    let qs = query_keys(docs(3, 50));
    let queries = as_queries(&qs);
    let offered = std::sync::Mutex::new(BTreeMap::<(usize, EntryRef), u32>::new());
    let hits = idx
        .probe(&queries, &|c| {
            *offered.lock().unwrap().entry((c.query, c.at)).or_default() += 1;
            false
        })
        .unwrap();
    assert!(hits.iter().all(|h| h.candidates.is_empty()));
    let offered = offered.into_inner().unwrap();
    let bands = idx.params().banding();
    let mut repeats = 0;
    let mut oracle = BTreeMap::new();
    for (q, query) in queries.iter().enumerate() {
        for e in idx.candidates(query.signature).unwrap() {
            let shared = (0..bands.bands)
                .filter(|&b| bands.key(&e.signature, b) == bands.key(query.signature, b))
                .count();
            repeats += (shared > 1) as usize;
            oracle.insert((q, e.at), 1);
        }
    }
    assert!(
        repeats >= 8,
        "the edited copies share many bands ({repeats})"
    );
    assert_eq!(offered, oracle);
}

/// A sized probe offers exactly the pairs an unsized one offers whose entry's
/// shingle count lies in the query's window: it skips only rows a filter on the
/// window would refuse, never one it would keep, and finds the same hits as that
/// filter. Windows: narrow ones around the middle of the entries' counts (so some
/// rows of a bucket fall on each side), one holding every count, and an empty one.
#[test]
fn a_sized_probe_skips_only_rows_outside_the_window() {
    let d = tempfile::tempdir().unwrap();
    let idx = three_batches(d.path());
    let qs = query_keys(docs(3, 50).into_iter().chain(docs(4, 50)));
    let queries = as_queries(&qs);
    let idx = &idx;
    let mut counts: Vec<u32> = (idx.segments.iter().enumerate())
        .flat_map(|(s, seg)| {
            (0..seg.documents as u32).map(move |row| {
                let at = EntryRef {
                    segment: s as u32,
                    row,
                };
                idx.entry(at).unwrap().shingles
            })
        })
        .collect();
    counts.sort_unstable();
    let mid = counts[counts.len() / 2];
    let windows: Vec<std::ops::RangeInclusive<u32>> = (0..queries.len())
        .map(|q| match q % 5 {
            0 => 0..=u32::MAX,
            1 => std::ops::RangeInclusive::new(1, 0),
            2 => mid..=mid,
            3 => mid - 2..=mid + 1,
            _ => mid + 1..=u32::MAX,
        })
        .collect();
    let sizes = Sizes::new(windows.iter().cloned());
    let offers = |sizes: &Sizes| {
        let offered = std::sync::Mutex::new(BTreeMap::<(usize, EntryRef), u32>::new());
        let hits = idx
            .probe_sized(&queries, sizes, &|c| {
                *offered.lock().unwrap().entry((c.query, c.at)).or_default() += 1;
                let e = idx.entry(c.at).unwrap();
                assert_eq!((c.signature, c.shingles), (&e.signature, e.shingles));
                c.signature.similarity(queries[c.query].signature) >= 0.3
            })
            .unwrap();
        (offered.into_inner().unwrap(), hits)
    };
    let (all, all_hits) = offers(&Sizes::any(queries.len()));
    let (sized, sized_hits) = offers(&sizes);
    let inside =
        |&(q, at): &(usize, EntryRef)| windows[q].contains(&idx.entry(at).unwrap().shingles);
    let oracle: BTreeMap<(usize, EntryRef), u32> = all
        .iter()
        .filter(|(k, _)| inside(k))
        .map(|(k, n)| (*k, *n))
        .collect();
    assert_eq!(sized, oracle);
    assert!(sized.values().all(|&n| n == 1), "each pair offered once");
    assert!(
        !sized.is_empty() && sized.len() < all.len(),
        "the windows keep some pairs and skip others ({} of {})",
        sized.len(),
        all.len()
    );
    for (q, (h, a)) in sized_hits.iter().zip(&all_hits).enumerate() {
        assert_eq!(h.exact, a.exact);
        let kept: Vec<EntryRef> = a
            .candidates
            .iter()
            .filter(|&&at| inside(&(q, at)))
            .copied()
            .collect();
        assert_eq!(h.candidates, kept, "query {q}");
    }
}

/// A bucket the batch's greatest key hits is read to its end: a lone query meets
/// every earlier copy that shares a band with it, not only the first row of each
/// bucket.
#[test]
fn the_last_key_meets_every_row_of_its_bucket() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("idx");
    let base = body(77, 150);
    let mut idx = Index::open(&dir, &params(), false).unwrap();
    let mut b = idx.begin_batch("first", None).unwrap();
    for (k, tail) in ["zuzu\n", "zuzu lolo\n", "zuzu lolo mimi\n"]
        .iter()
        .enumerate()
    {
        let text = format!("{base}{tail}");
        b.add(entry(&format!("copy-{k}.txt"), &text), &text)
            .unwrap();
    }
    b.commit().unwrap();
    let query = base.clone() + "neta\n";
    let (sha, sig) = (Prepared::new(&query).sha256, entry("q", &query).signature);
    let queries = [Query {
        sha256: &sha,
        signature: &sig,
    }];
    let hits = idx.probe(&queries, &|_| true).unwrap();
    let oracle: Vec<EntryRef> = idx.candidates(&sig).unwrap().iter().map(|e| e.at).collect();
    assert_eq!(oracle.len(), 3);
    assert_eq!(hits[0].candidates, oracle);
}

#[test]
fn the_same_batches_give_the_same_bytes_in_any_order_of_adding() {
    let d = tempfile::tempdir().unwrap();
    let (a, b) = (d.path().join("a"), d.path().join("b"));
    add_batch(&a, 1, 40);
    add_batch(&a, 2, 30);
    for batch in 1..=2u64 {
        let mut idx = Index::open(&b, &params(), false).unwrap();
        let mut bt = idx
            .begin_batch(&format!("batch {batch}"), Some("2026-11-30"))
            .unwrap();
        let mut ds = docs(batch, if batch == 1 { 40 } else { 30 });
        ds.reverse();
        ds.swap(3, 17);
        for (e, body) in ds {
            bt.add(e, &body).unwrap();
        }
        bt.commit().unwrap();
    }
    let (ta, tb) = (tree(&a), tree(&b));
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    assert!(ta == tb, "the two indexes differ in bytes");
    assert_eq!(ta.len(), 3, "index.json and two segments: {:?}", ta.keys());
}

#[test]
fn other_parameters_are_refused_by_name() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("idx");
    add_batch(&dir, 1, 5);
    let err = Index::open(&dir, &Params::new(0.9), false).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, IndexError::Mismatch { .. }), "{msg}");
    assert!(
        msg.contains("built with near-duplicate threshold = 0.8, this docsift uses 0.9"),
        "{msg}"
    );
    let seeded = Params::with(42, 0.8, params().banding());
    let msg = Index::open_read(&dir, &seeded).unwrap_err().to_string();
    assert!(
        msg.contains("hash seed = 646f637369667421, this docsift uses 000000000000002a"),
        "{msg}"
    );
    let mut tok = params();
    tok.normalization_version += 1;
    let msg = Index::open_read(&dir, &tok).unwrap_err().to_string();
    assert!(
        msg.contains("normalization version = 1, this docsift uses 2"),
        "{msg}"
    );
    // Nothing was written by the refusals.
    assert!(Index::open_read(&dir, &params()).is_ok());
}

#[cfg(unix)]
#[test]
fn a_second_writer_is_refused_or_waits() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("idx");
    let first = Index::open(&dir, &params(), false).unwrap();
    let err = Index::open(&dir, &params(), false).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, IndexError::Lock(_)), "{msg}");
    assert!(
        msg.contains(&format!(
            "another docsift run is using this index (process {}",
            std::process::id()
        )),
        "{msg}"
    );
    // Readers are not refused.
    assert!(Index::open_read(&dir, &params()).is_ok());
    let (tx, rx) = std::sync::mpsc::channel();
    let d2 = dir.clone();
    let waiter = std::thread::spawn(move || {
        let idx = Index::open(&d2, &params(), true);
        tx.send(()).unwrap();
        idx.map(|_| ())
    });
    // The waiter cannot get the lock while `first` holds it.
    assert!(rx
        .recv_timeout(std::time::Duration::from_millis(300))
        .is_err());
    drop(first);
    rx.recv().unwrap();
    waiter.join().unwrap().unwrap();
}

#[test]
fn a_batch_holds_each_body_and_key_once_and_only_new_bodies() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("idx");
    add_batch(&dir, 1, 10);
    let before = tree(&dir);
    let mut idx = Index::open(&dir, &params(), false).unwrap();
    let same = body(5, 80);

    let mut b = idx.begin_batch("twice", None).unwrap();
    b.add(entry("x.txt", &same), &same).unwrap();
    b.add(entry("y.txt", &same), &same).unwrap();
    let msg = b.commit().unwrap_err().to_string();
    assert!(
        msg.contains("x.txt and y.txt have the same clean body"),
        "{msg}"
    );

    let mut b = idx.begin_batch("key twice", None).unwrap();
    b.add(entry("x.txt", &same), &same).unwrap();
    let other = body(6, 80);
    b.add(entry("x.txt", &other), &other).unwrap();
    let msg = b.commit().unwrap_err().to_string();
    assert!(msg.contains("the key x.txt is added twice"), "{msg}");

    let (old, old_body) = docs(1, 10).swap_remove(3);
    let mut b = idx.begin_batch("again", None).unwrap();
    b.add(entry("new.txt", &old_body), &old_body).unwrap();
    let msg = b.commit().unwrap_err().to_string();
    assert!(
        msg.contains(&format!(
            "new.txt has the clean body of {} (batch 1)",
            old.key
        )),
        "{msg}"
    );
    drop(idx);
    assert!(tree(&dir) == before, "refused batches leave nothing behind");
}

#[test]
fn a_reader_cannot_add() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("idx");
    add_batch(&dir, 1, 3);
    let mut idx = Index::open_read(&dir, &params()).unwrap();
    assert!(matches!(
        idx.begin_batch("x", None),
        Err(IndexError::Invalid(_))
    ));
}

#[test]
fn an_index_is_made_only_where_nothing_else_is() {
    let d = tempfile::tempdir().unwrap();
    // A new path and an empty folder become empty indexes.
    let fresh = d.path().join("new");
    drop(Index::open(&fresh, &params(), false).unwrap());
    assert_eq!(Index::inspect(&fresh).unwrap().documents(), 0);
    let empty = d.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    drop(Index::open(&empty, &params(), false).unwrap());
    // A folder with other files is refused, and left as it was.
    let busy = d.path().join("busy");
    std::fs::create_dir(&busy).unwrap();
    std::fs::write(busy.join("notes.txt"), "mine").unwrap();
    let msg = Index::open(&busy, &params(), false)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("not a docsift index: it has no index.json and holds other files (notes.txt)"),
        "{msg}"
    );
    assert_eq!(tree(&busy).len(), 1);
    assert!(!busy.join(LOCK_FILE).exists());
    // A file.
    let file = d.path().join("file");
    std::fs::write(&file, "x").unwrap();
    assert!(matches!(
        Index::open(&file, &params(), false),
        Err(IndexError::NotAnIndex { .. })
    ));
    // Reading a folder that is not an index.
    assert!(matches!(
        Index::inspect(&busy),
        Err(IndexError::NotAnIndex { .. })
    ));
    assert!(matches!(
        Index::inspect(&d.path().join("nowhere")),
        Err(IndexError::NotAnIndex { .. })
    ));
}

/// The names of the steps of a commit, in order.
fn commit_steps(dir: &Path) -> Vec<String> {
    let mut names = Vec::new();
    let mut idx = Index::open(dir, &params(), false).unwrap();
    let mut b = idx.begin_batch("batch 2", Some("2026-11-30")).unwrap();
    for (e, body) in docs(2, 30) {
        b.add(e, &body).unwrap();
    }
    b.commit_with(&mut |s| {
        names.push(s.to_owned());
        Ok(())
    })
    .unwrap();
    names
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for (rel, bytes) in tree(from) {
        std::fs::write(to.join(rel), bytes).unwrap();
    }
}

/// A failure (a full disk, an I/O error) at any step of a commit leaves the index
/// byte for byte as it was, or, past the commit point, as the full commit leaves
/// it; `verify` passes; adding the batch again gives the uninterrupted result.
#[test]
fn a_commit_that_fails_at_any_step_changes_nothing() {
    let d = tempfile::tempdir().unwrap();
    let base = d.path().join("base");
    add_batch(&base, 1, 40);
    let before = tree(&base);
    let reference = d.path().join("reference");
    copy_tree(&base, &reference);
    let steps = commit_steps(&reference);
    let after = tree(&reference);
    assert!(steps.len() > 30, "{steps:?}");
    let commit_point = steps
        .iter()
        .position(|s| s == "move the manifest into the index")
        .unwrap();
    for (k, step) in steps.iter().enumerate() {
        let dir = d.path().join(format!("fail-{k}"));
        copy_tree(&base, &dir);
        let mut idx = Index::open(&dir, &params(), false).unwrap();
        let mut b = idx.begin_batch("batch 2", Some("2026-11-30")).unwrap();
        for (e, body) in docs(2, 30) {
            b.add(e, &body).unwrap();
        }
        let mut seen = 0;
        let err = b
            .commit_with(&mut |_| {
                seen += 1;
                if seen == k + 1 {
                    Err(io::Error::new(
                        io::ErrorKind::StorageFull,
                        "injected: disk full",
                    ))
                } else {
                    Ok(())
                }
            })
            .unwrap_err();
        assert!(
            err.to_string().contains("injected: disk full"),
            "{step}: {err}"
        );
        // The in-memory index still answers as the files say.
        let documents = idx.documents();
        drop(idx);
        let now = tree(&dir);
        if k <= commit_point {
            assert!(
                now == before,
                "step {k} ({step}) changed the index: {:?}",
                now.keys()
            );
            assert_eq!(documents, 40);
        } else {
            assert!(now == after, "step {k} ({step})");
            assert_eq!(documents, 70);
        }
        let report = verify(&dir).unwrap();
        assert!(
            report.is_ok() && report.leftovers.is_empty(),
            "step {k}: {report:?}"
        );
        if k <= commit_point {
            add_batch(&dir, 2, 30);
        }
        assert!(tree(&dir) == after, "redo after step {k} ({step})");
    }
}

/// What a killed commit leaves (a staging folder, a segment the manifest does not
/// name) is not part of the index: readers ignore it, verify lists it, and the next
/// writer removes it.
#[test]
fn leftovers_of_a_killed_commit_are_ignored_then_removed() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("idx");
    add_batch(&dir, 1, 10);
    let before = tree(&dir);
    std::fs::create_dir(dir.join(".staging-abc123")).unwrap();
    std::fs::write(dir.join(".staging-abc123/bodies.spool"), "x").unwrap();
    std::fs::write(dir.join(manifest::segment_name(2)), "half a segment").unwrap();
    std::fs::write(dir.join("README"), "the user's").unwrap();
    assert_eq!(Index::open_read(&dir, &params()).unwrap().documents(), 10);
    let report = verify(&dir).unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.leftovers, [".staging-abc123", "seg-000002.dsx"]);
    assert_eq!(report.strangers, ["README"]);
    drop(Index::open(&dir, &params(), false).unwrap());
    let mut now = tree(&dir);
    assert_eq!(now.remove(Path::new("README")).unwrap(), b"the user's");
    assert!(now == before);
}

/// Damage anywhere is reported with the file and what is wrong, by `open` when it is
/// cheap to see (sizes, header, footer, the manifest) and by `verify` always.
#[test]
fn damage_is_reported_never_read_as_empty() {
    let d = tempfile::tempdir().unwrap();
    let good = d.path().join("good");
    add_batch(&good, 1, 30);
    add_batch(&good, 2, 20);
    let seg = manifest::segment_name(2);
    let seg_len = std::fs::metadata(good.join(&seg)).unwrap().len();
    let opened = Index::inspect(&good).unwrap();
    let sections: Vec<(Kind, segment::Section)> = Kind::all(params().bands)
        .into_iter()
        .map(|k| (k, opened.segments[1].section(k)))
        .collect();
    drop(opened);

    let damaged = |name: &str, f: &dyn Fn(&Path)| -> (Result<Index>, Report) {
        let dir = d.path().join(name);
        copy_tree(&good, &dir);
        f(&dir);
        (Index::open_read(&dir, &params()), verify(&dir).unwrap())
    };
    let expect = |name: &str, f: &dyn Fn(&Path), open_says: Option<&str>, verify_says: &str| {
        let (opened, report) = damaged(name, f);
        match open_says {
            Some(says) => {
                let msg = opened.unwrap_err().to_string();
                assert!(msg.contains(says), "{name}: open says {msg}");
            }
            None => assert!(opened.is_ok(), "{name}: open should not read everything"),
        }
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.to_string().contains(verify_says)),
            "{name}: verify says {:?}",
            report.problems
        );
    };

    // Truncation at several lengths, and extra bytes.
    for cut in [0, 10, 64, seg_len / 2, seg_len - 1] {
        let f = move |dir: &Path| {
            let p = dir.join(manifest::segment_name(2));
            let f = std::fs::OpenOptions::new().write(true).open(p).unwrap();
            f.set_len(cut).unwrap();
        };
        expect(
            &format!("cut-{cut}"),
            &f,
            Some(&format!(
                "seg-000002.dsx: {cut} bytes, the manifest recorded {seg_len} (truncated)"
            )),
            "(truncated)",
        );
    }
    // A byte flipped in each section: the section is named.
    for (kind, s) in &sections {
        if s.len == 0 {
            continue;
        }
        let at = s.offset + s.len / 2;
        let f = move |dir: &Path| flip(&dir.join(manifest::segment_name(2)), at);
        expect(
            &format!("flip-{kind}"),
            &f,
            None,
            &format!("its {kind} is damaged"),
        );
    }
    // The header and the footer are checked on open.
    expect(
        "flip-header",
        &|dir| flip(&dir.join(manifest::segment_name(2)), 33),
        Some("seg-000002.dsx: header or footer damaged"),
        "header or footer damaged",
    );
    expect(
        "flip-footer",
        &|dir| flip(&dir.join(manifest::segment_name(2)), seg_len - 20),
        Some("seg-000002.dsx: header or footer damaged"),
        "header or footer damaged",
    );
    // A missing segment; a segment from another index.
    expect(
        "missing",
        &|dir| std::fs::remove_file(dir.join(manifest::segment_name(1))).unwrap(),
        Some("seg-000001.dsx: missing"),
        "missing",
    );
    // The manifest: damaged, truncated, emptied, removed.
    expect(
        "manifest-flip",
        &|dir| {
            let p = dir.join(MANIFEST_FILE);
            let t = std::fs::read_to_string(&p)
                .unwrap()
                .replace("batch 2", "batch 3");
            std::fs::write(p, t).unwrap();
        },
        Some("index.json: checksum mismatch"),
        "checksum mismatch",
    );
    expect(
        "manifest-cut",
        &|dir| {
            let p = dir.join(MANIFEST_FILE);
            let t = std::fs::read(&p).unwrap();
            std::fs::write(p, &t[..t.len() / 2]).unwrap();
        },
        Some("index.json: not a readable manifest"),
        "truncated or damaged",
    );
    expect(
        "manifest-empty",
        &|dir| std::fs::write(dir.join(MANIFEST_FILE), "").unwrap(),
        Some("index.json: empty file"),
        "empty file",
    );
    let (opened, report) = damaged("manifest-gone", &|dir| {
        std::fs::remove_file(dir.join(MANIFEST_FILE)).unwrap()
    });
    let msg = opened.unwrap_err().to_string();
    assert!(
        msg.contains(
            "index.json: missing, but the folder holds segments (seg-000001.dsx, seg-000002.dsx)"
        ),
        "{msg}"
    );
    assert!(!report.is_ok());
    // A writer refuses a damaged index too, and does not make it empty.
    let dir = d.path().join("manifest-gone");
    assert!(matches!(
        Index::open(&dir, &params(), false),
        Err(IndexError::Damaged { .. })
    ));
    assert!(!dir.join(MANIFEST_FILE).exists());
}

fn flip(path: &Path, at: u64) {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[at as usize] ^= 0x40;
    std::fs::write(path, bytes).unwrap();
}

/// A writer that gave a signature, shingle count or short set that is not its body's is caught
/// by verify (the bytes are as written, so only the invariant check sees it).
#[test]
fn verify_checks_signatures_against_bodies() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("idx");
    let mut idx = Index::open(&dir, &params(), false).unwrap();
    let mut b = idx.begin_batch("one", None).unwrap();
    let (a, c) = (body(1, 50), body(2, 50));
    b.add(entry("a.txt", &a), &a).unwrap();
    let mut wrong = entry("c.txt", &c);
    wrong.signature = entry("a.txt", &a).signature;
    b.add(wrong, &c).unwrap();
    let mut count = entry("e.txt", &body(3, 50));
    count.shingles += 1;
    b.add(count, &body(3, 50)).unwrap();
    // A short shingle set with one value changed (the checksums are of the bytes
    // as written, so only recomputing it from the body sees this).
    let g = body(4, 50);
    let mut prepared = Prepared::new(&g);
    prepared.set[0] ^= 1;
    b.add_prepared(entry("g.txt", &g), prepared).unwrap();
    b.commit().unwrap();
    drop(idx);
    let report = verify(&dir).unwrap();
    let said: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    assert_eq!(said.len(), 3, "{said:?}");
    assert!(
        said.iter()
            .any(|p| p.contains("(g.txt): its shingle set is not its body's")),
        "{said:?}"
    );
    assert!(
        said.iter()
            .any(|p| p.contains("(c.txt): its signature is not its body's")),
        "{said:?}"
    );
    assert!(
        said.iter()
            .any(|p| p.contains("(e.txt): 47 shingles recorded, its body has 46")),
        "{said:?}"
    );
}

#[test]
fn stats_count_documents_batches_and_bytes() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("idx");
    add_batch(&dir, 1, 30);
    add_batch(&dir, 2, 20);
    let s = Index::inspect(&dir).unwrap().stats();
    assert_eq!((s.documents, s.batches.len(), s.segments), (50, 2, 2));
    let on_disk: u64 = tree(&dir).values().map(|v| v.len() as u64).sum();
    assert_eq!(s.bytes, on_disk);
    assert!(s.body_bytes > 0 && s.body_bytes < s.bytes);
    assert_eq!(s.params, params());
}
