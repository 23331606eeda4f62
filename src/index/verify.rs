//! `verify`: reads the whole index and checks every checksum and invariant.
//!
//! Opening an index checks only what is cheap (the manifest's checksum, each
//! segment's size, header and footer). `verify` reads every byte:
//!
//! * the manifest: checksum, format, batches numbered 1, 2, … and counts that add up;
//! * each segment: its size, header and footer against the manifest; each section's
//!   checksum; then, if the bytes are as written, the invariants a writer must keep:
//!   rows strictly sorted by SHA-256, metadata that tiles the strings and bodies
//!   sections exactly (and the short shingle sets), batch numbers within the segment's range, readable keys,
//!   band tables holding exactly one entry per row, sorted, with the key the row's
//!   signature gives; every body decompresses to its recorded length and SHA-256,
//!   and its shingle count, MinHash signature and short shingle set are what this
//!   docsift computes from it;
//! * across segments: no clean body in the index twice.
//!
//! Each problem names the file and what is wrong. Leftovers of interrupted commits
//! and files docsift did not write are listed apart: they are not part of the index.

use std::path::Path;

use rayon::prelude::*;
use xxhash_rust::xxh3::Xxh3;

use crate::dedup::minhash::{MinHasher, Signature, HASHES};
use crate::dedup::shingle::{count_distinct, shingles};
use crate::index::error::{IndexError, Result};
use crate::index::manifest::MANIFEST_FILE;
use crate::index::params::Params;
use crate::index::segment::{self, Kind, Meta, Segment, BAND_ENTRY, META, SHA};

/// One thing wrong with an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file, relative to the index folder.
    pub file: String,
    pub what: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.file, self.what)
    }
}

/// What [`verify`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub documents: u64,
    pub batches: usize,
    pub segments: usize,
    pub problems: Vec<Problem>,
    /// Staging folders and unnamed segments left by interrupted commits.
    pub leftovers: Vec<String>,
    /// Files docsift did not write.
    pub strangers: Vec<String>,
}

impl Report {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Problems reported per segment before the rest are summed up in one line.
const MAX_PER_SEGMENT: usize = 20;

/// Checks the index at `path` (see the module doc). An `Err` means there is no index
/// to check (no folder, no manifest, a format this docsift does not read, an
/// unreadable folder); damage is a [`Problem`] in the report.
pub fn verify(path: &Path) -> Result<Report> {
    let mut report = Report::default();
    let manifest = match super::read_manifest(path) {
        Ok(m) => m,
        Err(IndexError::Damaged { what, .. }) => {
            report.problems.push(Problem {
                file: MANIFEST_FILE.into(),
                what,
            });
            return Ok(report);
        }
        Err(e) => return Err(e),
    };
    report.documents = manifest.documents;
    report.batches = manifest.batches.len();
    report.segments = manifest.segments.len();
    let mut all_shas: Vec<([u8; 32], u32, u32)> = Vec::new();
    for (s, rec) in manifest.segments.iter().enumerate() {
        let file_path = path.join(&rec.file);
        let mut problems = Vec::new();
        match Segment::open(&file_path, rec, &manifest.params) {
            Ok(seg) => {
                if let Err(e) = check_segment(&seg, &manifest.params, &mut problems, |sha, row| {
                    all_shas.push((sha, s as u32, row))
                }) {
                    problems.push(what_of(e));
                }
            }
            Err(e) => problems.push(what_of(e)),
        }
        let extra = problems.len().saturating_sub(MAX_PER_SEGMENT);
        problems.truncate(MAX_PER_SEGMENT);
        if extra > 0 {
            problems.push(format!("… and {extra} more problems"));
        }
        report
            .problems
            .extend(problems.into_iter().map(|what| Problem {
                file: rec.file.clone(),
                what,
            }));
    }
    all_shas.sort_unstable();
    for w in all_shas.windows(2) {
        if w[0].0 == w[1].0 {
            report.problems.push(Problem {
                file: manifest.segments[w[1].1 as usize].file.clone(),
                what: format!(
                    "row {} has the clean body of row {} of {}: a body is in the index twice",
                    w[1].2, w[0].2, manifest.segments[w[0].1 as usize].file
                ),
            });
        }
    }
    report.leftovers = super::leftovers(path, &manifest)?;
    report.strangers = super::strangers(path, &manifest)?;
    Ok(report)
}

fn what_of(e: IndexError) -> String {
    match e {
        IndexError::Damaged { what, .. } => what,
        other => other.to_string(),
    }
}

/// Checks one open segment; pushes what is wrong to `problems`, and each row's
/// SHA-256 to `sha` (for the check across segments). An `Err` is a read that failed.
fn check_segment(
    seg: &Segment,
    params: &Params,
    problems: &mut Vec<String>,
    mut sha: impl FnMut([u8; 32], u32),
) -> Result<()> {
    let n = seg.documents as usize;
    // 1. Checksums: if the bytes are not as written, the rest would only add noise.
    for kind in Kind::all(params.bands) {
        let s = seg.section(kind);
        let mut h = Xxh3::new();
        let mut stream = seg.stream(kind);
        let step = 1 << 16;
        let mut left = s.len as usize;
        while left > 0 {
            let take = left.min(step);
            let Some(b) = stream.next(take)? else { break };
            h.update(b);
            left -= take;
        }
        if h.digest() != s.checksum {
            problems.push(format!(
                "its {kind} is damaged (checksum {:016x}, recorded {:016x})",
                h.digest(),
                s.checksum
            ));
        }
    }
    if !problems.is_empty() {
        return Ok(());
    }

    // 2. Rows sorted by SHA-256, strictly.
    let mut stream = seg.stream(Kind::Sha);
    let mut prev: Option<[u8; 32]> = None;
    let mut shas = Vec::with_capacity(n);
    let mut row = 0u32;
    while let Some(rec) = stream.next(SHA)? {
        let cur: [u8; 32] = rec.try_into().unwrap();
        if prev.is_some_and(|p| p >= cur) {
            problems.push(format!(
                "row {row} is out of SHA-256 order (or repeats a body)"
            ));
        }
        prev = Some(cur);
        shas.push(cur);
        sha(cur, row);
        row += 1;
    }

    // 3. Metadata tiles the strings and bodies; strings are readable.
    let mut metas = Vec::with_capacity(n);
    let mut stream = seg.stream(Kind::Meta);
    while let Some(rec) = stream.next(META)? {
        metas.push(Meta::parse(rec));
    }
    let (mut body_at, mut str_at, mut set_at) = (0u64, 0u64, 0u64);
    for (r, m) in metas.iter().enumerate() {
        if m.batch < seg.first_batch || m.batch > seg.last_batch {
            problems.push(format!(
                "row {r} says batch {}, the segment holds {}..{}",
                m.batch, seg.first_batch, seg.last_batch
            ));
        }
        if m.body_off != body_at || m.str_off != str_at || m.set_off != set_at {
            problems.push(format!(
                "row {r}: its body, strings or shingle set are not where the rows before it end"
            ));
        }
        body_at = m.body_off + m.body_len as u64;
        str_at = m.str_off + m.str_len as u64;
        set_at = m.set_off + m.set_len as u64 * 4;
    }
    if body_at != seg.section(Kind::Bodies).len
        || str_at != seg.section(Kind::Strings).len
        || set_at != seg.section(Kind::Sets).len
    {
        problems.push(
            "its rows do not account for every byte of the bodies, strings and shingle sets".into(),
        );
        return Ok(());
    }
    let mut keys = Vec::with_capacity(n);
    let mut stream = seg.stream(Kind::Strings);
    for (r, m) in metas.iter().enumerate() {
        let Some(rec) = stream.next(m.str_len as usize)? else {
            break;
        };
        match segment::parse_strings(rec) {
            Ok((key, _, _)) => keys.push(key.unwrap_or_default()),
            Err(what) => {
                problems.push(format!("row {r}: {what}"));
                keys.push(String::new());
            }
        }
    }

    // 4. Band tables: one entry per row, sorted, keys as the signatures give them.
    let mut sigs: Vec<Signature> = Vec::with_capacity(n);
    let mut stream = seg.stream(Kind::Signatures);
    while let Some(rec) = stream.next(HASHES)? {
        let mut s = Box::new([0u8; HASHES]);
        s.copy_from_slice(rec);
        sigs.push(Signature(s));
    }
    let bands = params.banding();
    for b in 0..params.bands {
        let mut expected: Vec<(u64, u32)> = sigs
            .iter()
            .enumerate()
            .map(|(r, s)| (bands.key(s, b as usize), r as u32))
            .collect();
        expected.sort_unstable();
        let mut stream = seg.stream(Kind::Band(b));
        let mut i = 0;
        while let Some(rec) = stream.next(BAND_ENTRY)? {
            let got = segment::split_band(rec);
            if expected.get(i) != Some(&got) {
                problems.push(format!(
                    "its band {b} table differs from its signatures at entry {i} (row {})",
                    got.1
                ));
                break;
            }
            i += 1;
        }
    }

    // 5. Bodies: decompress, length, SHA-256, shingle count, signature and short set.
    let seed = params.seed().unwrap_or_default();
    let hasher = MinHasher::new(seed);
    let mut stream = seg.stream(Kind::Bodies);
    let mut set_stream = seg.stream(Kind::Sets);
    let chunk = 512;
    for start in (0..n).step_by(chunk) {
        let end = (start + chunk).min(n);
        let mut frames = Vec::with_capacity(end - start);
        let mut sets = Vec::with_capacity(end - start);
        for m in &metas[start..end] {
            let Some(f) = stream.next(m.body_len as usize)? else {
                break;
            };
            frames.push(f.to_vec());
            let Some(set) = set_stream.next(m.set_len as usize * 4)? else {
                break;
            };
            sets.push(set.to_vec());
        }
        let found: Vec<String> = frames
            .par_iter()
            .enumerate()
            .filter_map(|(k, frame)| {
                let r = start + k;
                let m = &metas[r];
                let name = format!("row {r} ({})", keys.get(r).map_or("", String::as_str));
                let body = match segment::decode_body(frame, m.bytes, &shas[r]) {
                    Ok(b) => b,
                    Err(what) => return Some(format!("{name}: {what}")),
                };
                let sh = shingles(&body);
                if count_distinct(&sh) as u32 != m.shingles {
                    return Some(format!(
                        "{name}: {} shingles recorded, its body has {}",
                        m.shingles,
                        count_distinct(&sh)
                    ));
                }
                if hasher.signature(&sh) != sigs[r] {
                    return Some(format!("{name}: its signature is not its body's"));
                }
                let short = crate::dedup::short::short_set(&sh);
                if sets.get(k).map(|s| crate::dedup::short::from_bytes(s)) != Some(short) {
                    return Some(format!("{name}: its shingle set is not its body's"));
                }
                None
            })
            .collect();
        problems.extend(found);
    }
    Ok(())
}
