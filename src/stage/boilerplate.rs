//! Site boilerplate: lines that recur across many captures of the same site.
//!
//! A site is a folder below an input root. Its captures are cleaned once by the
//! per-document stages; then every line of every capture (kept or not) is counted,
//! **once per duplicate cluster**: several captures of the same article share all their
//! lines, and those lines are the article, not boilerplate. Clusters here are formed
//! from MinHash estimates alone ([`CLUSTER_SIMILARITY`]); they only guard the counts.
//! A line present in at least `max(MIN_CLUSTERS, share × clusters)` clusters is the
//! site's boilerplate and is removed from every capture of the site where the
//! per-document stages kept it.
//!
//! Learning needs enough captures to tell chrome from coincidence: a site with fewer
//! than [`MIN_CLUSTERS`] clusters learns nothing, so a corpus of one capture is cleaned
//! by rules and structure alone. A site of more than [`SAMPLE`] captures learns from
//! its first [`SAMPLE`] (in source order): boilerplate recurs in a large share of a
//! site, so a sample finds it as well, and memory stays bounded.

use std::collections::HashSet;
use std::sync::Arc;

use crate::document::{Document, Reason};

/// The hashed keys of a site's boilerplate lines.
#[derive(Debug, Clone, Default)]
pub struct SiteLines {
    pub keys: HashSet<u64, KeyBuild>,
}

/// The key a line is counted and matched by (see `features::line_key`).
pub use crate::stage::features::line_key;

/// A hasher for keys that are already hashes.
#[derive(Default, Clone, Copy)]
pub struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ b as u64;
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Build-hasher for maps and sets keyed by [`line_key`] values.
pub type KeyBuild = std::hash::BuildHasherDefault<KeyHasher>;

/// Fewest duplicate clusters a line must appear in to be boilerplate.
pub const MIN_CLUSTERS: usize = 2;
/// Captures of one site that learning looks at.
pub const SAMPLE: usize = 20_000;
/// Estimated similarity that puts two captures in one cluster for counting.
pub const CLUSTER_SIMILARITY: f64 = 0.5;

/// What learning needs from one capture of the site.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Keys of its non-blank lines, sorted, without repeats.
    pub keys: Vec<u64>,
    /// Its cleaned body's identity, for the clusters.
    pub cluster_item: crate::dedup::Item,
}

impl Sample {
    pub fn new(doc: &Document, cluster_item: crate::dedup::Item) -> Self {
        let lines = &doc.features.lines;
        let mut keys: Vec<u64> = (0..doc.len())
            .filter(|&i| !doc.is_blank(i))
            .map(|i| {
                lines
                    .get(i)
                    .map_or_else(|| line_key(doc.text(i)), |l| l.key)
            })
            .collect();
        keys.sort_unstable();
        keys.dedup();
        Sample { keys, cluster_item }
    }
}

/// Learns a site's boilerplate from its samples; `share` is the share of the site's
/// clusters a line must appear in (see the module doc).
pub fn learn(samples: &[Sample], share: f64) -> SiteLines {
    let items: Vec<Option<crate::dedup::Item>> = samples
        .iter()
        .map(|s| Some(s.cluster_item.clone()))
        .collect();
    let sig = |i: u32| {
        items[i as usize]
            .as_ref()
            .and_then(|it| it.signature.clone())
    };
    let assignments = crate::dedup::cluster(&items, Some(CLUSTER_SIMILARITY), |a, b| {
        match (sig(a), sig(b)) {
            (Some(x), Some(y)) => x.similarity(&y),
            _ => 0.0,
        }
    });
    let cluster_of: Vec<u32> = assignments
        .iter()
        .enumerate()
        .map(|(i, a)| match a {
            Some(crate::dedup::Assignment::Duplicate { of })
            | Some(crate::dedup::Assignment::NearDuplicate { of, .. }) => *of,
            _ => i as u32,
        })
        .collect();
    let clusters = {
        let mut c = cluster_of.clone();
        c.sort_unstable();
        c.dedup();
        c.len()
    };
    let min = MIN_CLUSTERS.max((share * clusters as f64).ceil() as usize);
    if clusters < min {
        return SiteLines::default();
    }
    let mut pairs: Vec<(u64, u32)> = samples
        .iter()
        .zip(&cluster_of)
        .flat_map(|(s, &c)| s.keys.iter().map(move |&k| (k, c)))
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    let mut keys = HashSet::default();
    for run in pairs.chunk_by(|a, b| a.0 == b.0) {
        if run.len() >= min {
            keys.insert(run[0].0);
        }
    }
    SiteLines { keys }
}

/// Removes the site's boilerplate lines that the per-document stages kept. Returns
/// how many it removed.
pub fn remove(doc: &mut Document, site: &SiteLines) -> usize {
    if site.keys.is_empty() {
        return 0;
    }
    let rule: Arc<str> = Arc::from("site-boilerplate");
    let mut n = 0;
    for i in 0..doc.len() {
        if !doc.is_kept(i) || doc.is_blank(i) {
            continue;
        }
        let key = doc
            .features
            .lines
            .get(i)
            .map_or_else(|| line_key(doc.text(i)), |l| l.key);
        if site.keys.contains(&key) {
            doc.remove(i, Reason::Boilerplate, rule.clone());
            n += 1;
        }
    }
    n
}
