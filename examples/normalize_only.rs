//! The `clean` pipeline as issue 2 first specified it, without chrome stripping or
//! deduplication: read, decode, normalize, write, over a folder, in parallel. Kept to
//! measure that stage on its own against `cp -r` (see README, Performance):
//!
//!     cargo run --release --example normalize_only -- IN OUT
use std::path::Path;

use rayon::prelude::*;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (input, out) = (Path::new(&args[1]), Path::new(&args[2]));
    let files: Vec<_> = walkdir::WalkDir::new(input)
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    let written: usize = files
        .par_iter()
        .map(|p| {
            let bytes = std::fs::read(p).expect("read");
            let Ok(decoded) = docsift::input::decode(&bytes) else {
                return 0;
            };
            let doc = docsift::stage::normalize(&decoded.text);
            let body = doc.body();
            let dest = out.join(p.strip_prefix(input).expect("under input"));
            docsift::output::atomic::write_creating_dirs(&dest, body.as_bytes()).expect("write");
            1
        })
        .sum();
    eprintln!("{written} of {} files written", files.len());
}
