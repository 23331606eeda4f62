//! The per-document path timed stage by stage on one thread, over the captures of a
//! folder (walked in sorted order): decode, normalize, the cleaning stages after
//! normalization, the body's identity (SHA-256, shingles, MinHash) and language.
//! Each stage runs over every document before the next starts, with everything in
//! memory, and is timed in CPU time of the thread (so a busy machine slows it less
//! than it slows a wall clock).
//!
//! Prints CPU microseconds per document for each stage, and a digest of everything
//! the stages produced (every line's text, fate, reason and rule, the title, the
//! language and the body's identity), so two builds can be compared for identical
//! results:
//!
//!     cargo run --release --example clean_stages -- DIR [MAX_DOCS]
use std::hash::Hasher;
use std::path::Path;

use docsift::dedup::BodyId;
use docsift::pipeline::Pipeline;
use docsift::stage::language::detect_document;
use docsift::stage::normalize;

// The allocator the binary runs with (see `src/main.rs`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// CPU time this thread has run, in seconds (Linux: `/proc/thread-self/schedstat`;
/// elsewhere 0, and only the digest is of use).
fn cpu() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |ns| ns / 1e9)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = Path::new(args.get(1).expect("usage: clean_stages DIR [MAX_DOCS]"));
    let max: usize = args
        .get(2)
        .map_or(usize::MAX, |n| n.parse().expect("MAX_DOCS"));
    let raw: Vec<Vec<u8>> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .take(max)
        .map(|e| std::fs::read(e.path()).expect("read"))
        .collect();
    let bytes: usize = raw.iter().map(Vec::len).sum();
    let pipeline = Pipeline::default();
    let mut times = Vec::new();
    let mut start = cpu();
    let mut lap = |name: &'static str| {
        let now = cpu();
        times.push((name, now - start));
        start = now;
    };
    let texts: Vec<String> = raw
        .iter()
        .filter_map(|b| docsift::input::decode(b).ok().map(|d| d.text))
        .collect();
    lap("decode");
    for t in &texts {
        std::hint::black_box(normalize(t));
    }
    lap("normalize");
    let copies = texts.clone();
    lap("(copying the texts)");
    let cleaned: Vec<_> = copies
        .into_iter()
        .map(|t| pipeline.cleaner.clean_bounded(t))
        .collect();
    lap("clean (with normalize)");
    let bodies: Vec<String> = cleaned.iter().map(|c| c.doc.body()).collect();
    lap("body");
    let ids: Vec<BodyId> = cleaned
        .iter()
        .zip(&bodies)
        .map(|(c, b)| BodyId::of(&c.doc, &c.features, b, &pipeline.minhash))
        .collect();
    lap("identity");
    let languages: Vec<_> = cleaned
        .iter()
        .zip(&bodies)
        .map(|(c, b)| detect_document(&c.doc, &c.features, b))
        .collect();
    lap("language");

    let mut digest = xxhash_rust::xxh3::Xxh3::new();
    for ((c, id), language) in cleaned.iter().zip(&ids).zip(&languages) {
        let doc = &c.doc;
        for i in 0..doc.len() {
            digest.write(doc.text(i).as_bytes());
            match doc.removal(i) {
                Some(r) => {
                    digest.write(r.reason.name().as_bytes());
                    digest.write(r.rule.as_bytes());
                }
                None => digest.write_u8(1),
            }
        }
        digest.write(doc.title.as_deref().unwrap_or("\0").as_bytes());
        digest.write(language.unwrap_or("\0").as_bytes());
        digest.write(&id.sha);
        digest.write_u32(id.shingles);
        if let Some(s) = &id.signature {
            digest.write(format!("{s:?}").as_bytes());
        }
        for l in &c.features.lines {
            digest.write(format!("{l:?}").as_bytes());
        }
        digest.write(format!("{:?}{:?}", c.features.tokens, c.features.tags).as_bytes());
    }
    let n = texts.len().max(1) as f64;
    println!(
        "{} documents ({} decoded), {:.1} MB, digest {:016x}",
        raw.len(),
        texts.len(),
        bytes as f64 / 1e6,
        digest.digest()
    );
    let mut total = 0.0;
    for (name, s) in times {
        if !name.starts_with('(') {
            total += s;
        }
        println!("{name:>24}: {:8.1} us/doc  {s:7.2} s", s * 1e6 / n);
    }
    println!(
        "{:>24}: {:8.1} us/doc  {total:7.2} s",
        "total",
        total * 1e6 / n
    );
}
