//! Criterion benchmarks of docsift's stages, one group per stage, on the captures
//! under `fixtures/` (so a fresh clone can run them: `cargo bench --bench stages`).
//!
//! The whole run on a generated corpus is `benches/whole_run.sh`; the Python MinHash
//! comparison is `benches/python_minhash.py`. Throughput is reported in bytes of
//! input so the numbers read as MB/s.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use docsift::dedup::cluster::{cluster, Item, Measure};
use docsift::dedup::minhash::{MinHasher, Signature, SEED};
use docsift::dedup::shingle::{shingle_set, shingles};
use docsift::dedup::verify::measure;
use docsift::input::decode::decode;
use docsift::stage::features::document_features;
use docsift::stage::normalize::normalize;
use docsift::stage::rules::Rules;
use docsift::stage::Cleaner;

/// Every capture shipped under `fixtures/clean` and `fixtures/sample`, as raw bytes.
fn captures() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut out = Vec::new();
    for dir in ["clean", "sample"] {
        let mut names: Vec<_> = std::fs::read_dir(root.join(dir))
            .expect("fixtures folder")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().contains("capture"))
            .collect();
        names.sort();
        out.extend(names.iter().map(|p| std::fs::read(p).expect("fixture")));
    }
    assert!(!out.is_empty(), "no captures under fixtures/");
    out
}

fn texts(raw: &[Vec<u8>]) -> Vec<String> {
    raw.iter().map(|b| decode(b).expect("text").text).collect()
}

fn bytes(raw: &[Vec<u8>]) -> u64 {
    raw.iter().map(|b| b.len() as u64).sum()
}

/// A deterministic corpus of `n` bodies of random sentences over the fixtures'
/// vocabulary (so unrelated bodies share few 5-grams, as real articles do), where
/// every tenth body is an edited copy of an earlier one (a paragraph dropped), so
/// clustering confirms real pairs as well as rejecting chance ones.
fn corpus(texts: &[String], n: usize) -> Vec<String> {
    let mut vocab: Vec<&str> = texts.iter().flat_map(|t| t.split_whitespace()).collect();
    vocab.sort_unstable();
    vocab.dedup();
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut out: Vec<String> = Vec::with_capacity(n);
    for i in 0..n {
        if i % 10 == 9 {
            let base = out[(next() as usize) % out.len()].clone();
            let mut paras: Vec<&str> = base.split("\n\n").collect();
            let drop = (next() as usize) % paras.len();
            paras.remove(drop);
            out.push(paras.join("\n\n"));
        } else {
            let paras: Vec<String> = (0..6 + (next() as usize) % 10)
                .map(|_| {
                    let words: Vec<&str> = (0..20 + (next() as usize) % 40)
                        .map(|_| vocab[(next() as usize) % vocab.len()])
                        .collect();
                    words.join(" ")
                })
                .collect();
            out.push(paras.join("\n\n"));
        }
    }
    out
}

fn bench_decode(c: &mut Criterion) {
    let raw = captures();
    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Bytes(bytes(&raw)));
    g.bench_function("fixtures", |b| {
        b.iter(|| {
            for r in &raw {
                black_box(decode(black_box(r)).ok());
            }
        })
    });
    g.finish();
}

fn bench_normalize(c: &mut Criterion) {
    let raw = captures();
    let texts = texts(&raw);
    let mut g = c.benchmark_group("normalize");
    g.throughput(Throughput::Bytes(bytes(&raw)));
    g.bench_function("fixtures", |b| {
        b.iter(|| {
            for t in &texts {
                black_box(normalize(black_box(t)));
            }
        })
    });
    g.finish();
}

fn bench_features(c: &mut Criterion) {
    let raw = captures();
    let docs: Vec<_> = texts(&raw).iter().map(|t| normalize(t)).collect();
    let mut g = c.benchmark_group("features");
    g.throughput(Throughput::Bytes(bytes(&raw)));
    g.bench_function("fixtures", |b| {
        b.iter(|| {
            for d in &docs {
                black_box(document_features(black_box(d)));
            }
        })
    });
    g.finish();
}

fn bench_clean(c: &mut Criterion) {
    let raw = captures();
    let texts = texts(&raw);
    let cleaner = Cleaner::new(Rules::builtin());
    let mut g = c.benchmark_group("clean");
    g.throughput(Throughput::Bytes(bytes(&raw)));
    g.bench_function("normalize+classify", |b| {
        b.iter(|| {
            for t in &texts {
                black_box(cleaner.clean(black_box(t)));
            }
        })
    });
    g.finish();
}

/// The chrome rules on lines none of which repeats within the per-thread answer
/// cache (more distinct lines than it holds), so every line runs the phrase lookups,
/// the needle scan and, where a needle is found, the automata: what a corpus of
/// unique article paragraphs costs.
fn bench_rules(c: &mut Criterion) {
    let texts = texts(&captures());
    let lines: Vec<String> = corpus(&texts, 9_000)
        .iter()
        .flat_map(|body| body.split("\n\n").map(str::to_owned).collect::<Vec<_>>())
        .collect();
    let rules = Rules::builtin();
    let mut g = c.benchmark_group("rules");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(
        lines.iter().map(|l| l.len() as u64).sum(),
    ));
    g.bench_function("match_line, unique lines", |b| {
        b.iter(|| {
            for l in &lines {
                black_box(rules.match_line(black_box(l)));
            }
        })
    });
    // Short lines (menu labels, buttons, captions): the phrase lookups by match key,
    // which every line of at most `max_chars` characters goes through.
    let short: Vec<&str> = texts
        .iter()
        .flat_map(|t| t.lines())
        .filter(|l| !l.trim().is_empty() && l.chars().count() <= rules.max_chars)
        .collect();
    g.bench_function("match_line, short lines", |b| {
        b.iter(|| {
            for l in &short {
                black_box(rules.match_line(black_box(l)));
            }
        })
    });
    g.finish();
}

/// The function-word lookup of every token of the fixtures (most are content words,
/// which the lookup's bit set answers without probing the table).
fn bench_stopwords(c: &mut Criterion) {
    let texts = texts(&captures());
    let hashes: Vec<u64> = texts
        .iter()
        .flat_map(|t| docsift::tokens::hashes(t))
        .collect();
    let table = docsift::stage::stopwords::table();
    let mut g = c.benchmark_group("stopwords");
    g.throughput(Throughput::Elements(hashes.len() as u64));
    g.bench_function("lookup, fixture tokens", |b| {
        b.iter(|| {
            hashes
                .iter()
                .map(|&h| table.get(black_box(h)))
                .fold(0u16, |a, x| a | x)
        })
    });
    g.finish();
}

fn bench_minhash(c: &mut Criterion) {
    let raw = captures();
    let bodies: Vec<String> = texts(&raw)
        .iter()
        .map(|t| Cleaner::new(Rules::builtin()).clean(t).body())
        .collect();
    let hasher = MinHasher::new(SEED);
    let sets: Vec<Vec<u64>> = bodies.iter().map(|b| shingle_set(b)).collect();
    let mut g = c.benchmark_group("dedup");
    g.throughput(Throughput::Bytes(
        bodies.iter().map(|b| b.len() as u64).sum(),
    ));
    g.bench_function("shingle", |b| {
        b.iter(|| {
            for body in &bodies {
                black_box(shingles(black_box(body)));
            }
        })
    });
    g.bench_function("minhash", |b| {
        b.iter(|| {
            for s in &sets {
                black_box(hasher.signature(black_box(s)));
            }
        })
    });
    g.bench_function("measure pair", |b| {
        let (x, y) = (&bodies[0], &bodies[bodies.len() - 1]);
        let (sx, sy) = (shingle_set(x), shingle_set(y));
        b.iter(|| black_box(measure(x, y, &sx, &sy, 0.8)))
    });
    g.finish();
}

/// The generated bodies and their shingle sets, measured as the CLI measures staged
/// bodies (preparing is free here: everything is in memory already).
struct Bodies<'a>(&'a [String], &'a [Vec<u64>]);

impl Measure for Bodies<'_> {
    type Doc = usize;

    fn prepare(&self, id: u32) -> Option<usize> {
        Some(id as usize)
    }

    fn similarity(&self, &a: &usize, &b: &usize) -> f64 {
        measure(&self.0[a], &self.0[b], &self.1[a], &self.1[b], 0.8).similarity()
    }
}

fn bench_cluster(c: &mut Criterion) {
    let texts = texts(&captures());
    let bodies = corpus(&texts, 5_000);
    let hasher = MinHasher::new(SEED);
    let sets: Vec<Vec<u64>> = bodies.iter().map(|b| shingle_set(b)).collect();
    let sigs: Vec<Signature> = sets.iter().map(|s| hasher.signature(s)).collect();
    let shas: Vec<[u8; 32]> = bodies
        .iter()
        .map(|b| {
            use sha2::Digest;
            sha2::Sha256::digest(b.as_bytes()).into()
        })
        .collect();
    let mut g = c.benchmark_group("cluster");
    g.sample_size(10);
    g.throughput(Throughput::Elements(bodies.len() as u64));
    g.bench_function("5000 bodies", |b| {
        b.iter_batched(
            || {
                (0..bodies.len())
                    .map(|i| {
                        Some(Item {
                            sha: &shas[i],
                            shingles: sets[i].len() as u32,
                            bytes: bodies[i].len() as u64,
                            signature: Some(&sigs[i]),
                        })
                    })
                    .collect::<Vec<_>>()
            },
            |items| black_box(cluster(&items, Some(0.8), &Bodies(&bodies, &sets))),
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(
    stages,
    bench_decode,
    bench_normalize,
    bench_features,
    bench_clean,
    bench_rules,
    bench_stopwords,
    bench_minhash,
    bench_cluster
);
criterion_main!(stages);
