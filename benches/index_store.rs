//! The storage layer of issue 15's benchmark: 10 batches of 100,000 documents into
//! one index, without the cleaning (which `benches/issue15.sh` adds once `clean
//! --index` exists). Per batch it does what a run with `--index` will do:
//!
//! 1. the caller's work, timed apart: each document's SHA-256 and signature;
//! 2. `probe`: exact matches and LSH candidates for all 100,000 documents at once;
//! 3. resolve: the candidates that `dedup::cluster::worth_measuring` keeps (the
//!    filter runs inside the probe, on signatures and shingle counts), their entries
//!    and bodies (what confirming on the text reads);
//! 4. add the batch's new canonicals (bodies prepared on all cores, then added in
//!    order) and commit.
//!
//! Each batch holds 80% new documents, 10% exact and 10% near copies (3% of the
//! sentences replaced) of documents of earlier batches. Bodies are sentences drawn
//! from real articles (`--text-dir`, default the dev set's gold bodies), 10 to 80 a
//! document, like `make_corpus.py`. Prints one row per batch: times, peak resident
//! memory during the batch (VmHWM, reset before each batch), index size.
//!
//!     cargo bench --bench index_store -- [--batches N] [--docs N] [--dir PATH] [--text-dir PATH]
//!     cargo bench --bench index_store -- --compare     # body vs shingle-set sizes, zstd levels

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use docsift::dedup::minhash::{MinHasher, Signature};
use docsift::dedup::shingle::{count_distinct, shingles};
use docsift::index::{Index, NewEntry, Params, Prepared, Query};

struct Pool {
    sentences: Vec<String>,
}

impl Pool {
    fn load(dir: &Path) -> Pool {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e} (give --text-dir)", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        let mut sentences = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            for s in text.split_inclusive(['.', '!', '?']) {
                let s = s.trim();
                if s.split_whitespace().count() >= 5 {
                    sentences.push(s.to_owned());
                }
            }
        }
        assert!(
            sentences.len() > 100,
            "too few sentences in {}",
            dir.display()
        );
        Pool { sentences }
    }

    /// The body of document `seed`: 10-80 sentences in paragraphs of 2-6.
    fn body(&self, seed: u64, edit: bool) -> String {
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        let n = 10 + (next() % 71) as usize;
        let mut out = String::new();
        let mut edits = next();
        let mut para = 0;
        for i in 0..n {
            let mut k = next() as usize % self.sentences.len();
            if edit && (edits % 33 == 0 || i == n / 2) {
                k = (k + 7) % self.sentences.len();
            }
            edits = edits.rotate_left(5) ^ i as u64;
            out.push_str(&self.sentences[k]);
            para += 1;
            if para >= 2 + (next() % 5) as usize {
                out.push_str("\n\n");
                para = 0;
            } else {
                out.push(' ');
            }
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
        out
    }
}

/// Which body document `i` of batch `b` has: (seed, edited?) and whether it is new.
fn doc(b: u64, i: u64, docs: u64) -> (u64, bool, bool) {
    let own = b * 10_000_000 + i;
    if b == 1 {
        return (own, false, true);
    }
    let earlier = 1 + (i * 7919) % (b - 1);
    // A document of an earlier batch that was new there (i % 10 >= 2).
    let j = ((i * 104_729) % docs) / 10 * 10 + 2 + i % 8;
    let j = j.min(docs - 1);
    match i % 10 {
        0 => (earlier * 10_000_000 + j, false, false),
        1 => (earlier * 10_000_000 + j, true, false),
        _ => (own, false, true),
    }
}

fn sign(body: &str) -> (Signature, u32) {
    let sh = shingles(body);
    (
        MinHasher::default().signature(&sh),
        count_distinct(&sh) as u32,
    )
}

fn peak_kib() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or(0)
}

fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok()?.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let opt = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .map(|i| args[i + 1].clone())
    };
    let text_dir = opt("--text-dir").map(PathBuf::from).unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/eval-dev/extract/gold")
    });
    let pool = Pool::load(&text_dir);
    if args.iter().any(|a| a == "--compare") {
        compare(&pool);
        return;
    }
    let batches: u64 = opt("--batches").map_or(10, |v| v.parse().unwrap());
    let docs: u64 = opt("--docs").map_or(100_000, |v| v.parse().unwrap());
    let tmp = tempfile::tempdir().unwrap();
    let dir = opt("--dir")
        .map(PathBuf::from)
        .unwrap_or_else(|| tmp.path().join("idx"));
    let params = Params::new(0.8);
    println!(
        "batch  docs  new  exact  near-cand  sign_s  probe_s  resolve_s  prepare_s  add_s  commit_s  storage_s  peak_MiB  index_MB  B/doc(fixed+bodies)"
    );
    let (mut first, mut last) = (0.0, 0.0);
    for b in 1..=batches {
        reset_peak();
        // 1. The caller's work: SHA-256 and signature of every document.
        let t = Instant::now();
        let keyed: Vec<([u8; 32], Signature, u32)> = (0..docs)
            .into_par_iter()
            .map(|i| {
                let (seed, edit, _) = doc(b, i, docs);
                let body = pool.body(seed, edit);
                let (sig, n) = sign(&body);
                (Sha256::digest(body.as_bytes()).into(), sig, n)
            })
            .collect();
        let sign_s = t.elapsed().as_secs_f64();

        let mut idx = Index::open(&dir, &params, false).unwrap();
        // 2. Probe.
        let t = Instant::now();
        let queries: Vec<Query> = keyed
            .iter()
            .map(|(sha, sig, _)| Query {
                sha256: sha,
                signature: sig,
            })
            .collect();
        let keep = |c: docsift::index::Candidate| {
            let (_, sig, n) = &keyed[c.query];
            docsift::dedup::cluster::worth_measuring(
                c.signature.similarity(sig),
                *n,
                c.shingles,
                0.8,
            )
        };
        let hits = idx.probe(&queries, &keep).unwrap();
        let probe_s = t.elapsed().as_secs_f64();
        // 3. Resolve candidates: entries, then bodies of those close enough.
        let t = Instant::now();
        let (mut exact, mut near, mut bodies_read) = (0u64, 0u64, 0u64);
        let mut dup = vec![false; docs as usize];
        for (i, h) in hits.iter().enumerate() {
            if h.exact.is_some() {
                exact += 1;
                dup[i] = true;
                continue;
            }
            let mut found = false;
            for c in &h.candidates {
                let e = idx.entry(*c).unwrap();
                let body = idx.body(&e).unwrap();
                bodies_read += body.len() as u64;
                found = true;
            }
            if found {
                near += 1;
                dup[i] = true;
            }
        }
        let resolve_s = t.elapsed().as_secs_f64();
        // 4. Add the new canonicals, prepared on all cores in chunks, added in order.
        let mut batch = idx.begin_batch(&format!("batch {b}"), None).unwrap();
        let (mut prepare_s, mut add_s) = (0.0, 0.0);
        let new: Vec<u64> = (0..docs).filter(|&i| !dup[i as usize]).collect();
        for chunk in new.chunks(8192) {
            let t = Instant::now();
            let prepared: Vec<Prepared> = chunk
                .par_iter()
                .map(|&i| {
                    let (seed, edit, _) = doc(b, i, docs);
                    Prepared::new(&pool.body(seed, edit))
                })
                .collect();
            prepare_s += t.elapsed().as_secs_f64();
            let t = Instant::now();
            for (&i, p) in chunk.iter().zip(prepared) {
                let (sha, sig, n) = &keyed[i as usize];
                debug_assert_eq!(&p.sha256, sha);
                batch
                    .add_prepared(
                        NewEntry {
                            key: format!("batch-{b}/doc-{i:06}.txt"),
                            id: Some(format!("{b}-{i}")),
                            url: Some(format!("https://site{}.example.org/a/{i}", i % 97)),
                            signature: sig.clone(),
                            shingles: *n,
                        },
                        p,
                    )
                    .unwrap();
            }
            add_s += t.elapsed().as_secs_f64();
        }
        let t = Instant::now();
        let added = batch.commit().unwrap().documents;
        let commit_s = t.elapsed().as_secs_f64();
        let stats = idx.stats();
        drop(idx);
        let storage = probe_s + resolve_s + add_s + commit_s;
        if b == 1 {
            first = storage;
        }
        last = storage;
        let fixed = (stats.bytes - stats.body_bytes - stats.set_bytes) / stats.documents.max(1);
        let body_per = stats.body_bytes / stats.documents.max(1);
        println!(
            "{b:>5}  {docs}  {added}  {exact}  {near}  {sign_s:.2}  {probe_s:.2}  {resolve_s:.2}  {prepare_s:.2}  {add_s:.2}  {commit_s:.2}  {storage:.2}  {:.0}  {:.1}  {fixed}+{body_per}  (bodies read {:.1} MB)",
            peak_kib() as f64 / 1024.0,
            dir_bytes(&dir) as f64 / 1e6,
            bodies_read as f64 / 1e6,
        );
    }
    println!(
        "storage time (probe+resolve+add+commit), last batch / first: {:.2}",
        last / first
    );
    let t = Instant::now();
    let report = docsift::index::verify(&dir).unwrap();
    println!(
        "verify: {} problems, {} documents, {:.1} s",
        report.problems.len(),
        report.documents,
        t.elapsed().as_secs_f64()
    );
}

/// What verification data costs: the compressed body at several zstd levels
/// against the shingle set (8 or 4 bytes a shingle, incompressible hashes).
fn compare(pool: &Pool) {
    let bodies: Vec<String> = (0..5000u64).map(|i| pool.body(i + 1, false)).collect();
    let raw: usize = bodies.iter().map(String::len).sum();
    let n = bodies.len() as f64;
    println!("{} bodies, mean {:.0} bytes", bodies.len(), raw as f64 / n);
    for level in [1, 3, 6, 9, 19] {
        let t = Instant::now();
        let mut c = zstd::bulk::Compressor::new(level).unwrap();
        let z: usize = bodies
            .iter()
            .map(|b| c.compress(b.as_bytes()).unwrap().len())
            .sum();
        println!(
            "zstd -{level}: mean {:.0} bytes ({:.1}% of the body), {:.0} MB/s on one core",
            z as f64 / n,
            100.0 * z as f64 / raw as f64,
            raw as f64 / 1e6 / t.elapsed().as_secs_f64()
        );
    }
    let sets: usize = bodies.iter().map(|b| count_distinct(&shingles(b))).sum();
    println!(
        "shingle set: mean {:.0} shingles = {:.0} bytes as u64, {:.0} as u32",
        sets as f64 / n,
        8.0 * sets as f64 / n,
        4.0 * sets as f64 / n
    );
}
