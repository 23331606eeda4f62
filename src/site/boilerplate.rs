//! Site boilerplate: lines that recur across many captures of the same site.
//!
//! A site is what its reader says (a folder below an input root, or a URL's host). Its captures are cleaned once by the
//! per-document stages; then every line of every capture (kept or not) is counted,
//! **once per duplicate cluster**: several captures of the same article share all their
//! lines, and those lines are the article, not boilerplate. Captures go in one
//! counting cluster when MinHash estimates that the shorter of their cleaned bodies is
//! mostly contained in the longer ([`CLUSTER_CONTAINMENT`]), transitively: a copy
//! under other chrome keeps its article but adds or loses chrome, so it is contained
//! rather than equal. A line present in at least `max(MIN_CLUSTERS, share × clusters)`
//! clusters is the site's boilerplate and is removed from every capture of the site
//! where the per-document stages kept it, unless that would take more than
//! [`MAX_SHARE_REMOVED`] of the capture's kept text: then the "boilerplate" is the
//! article itself (copies the counting did not join), and the capture is left alone.
//!
//! Learning needs enough captures to tell chrome from coincidence: a site with fewer
//! than [`MIN_CLUSTERS`] clusters learns nothing, so a corpus of one capture is cleaned
//! by rules and structure alone. A site of more than [`SAMPLE`] captures learns from
//! its first [`SAMPLE`] (in source order): boilerplate recurs in a large share of a
//! site, so a sample finds it as well, and memory stays bounded.

use crate::dedup::Signature;
use std::collections::HashSet;
use std::sync::Arc;

use crate::document::{Document, Reason};
use crate::stage::features::Features;

/// The hashed keys of a site's boilerplate lines.
#[derive(Debug, Clone, Default)]
pub struct SiteLines {
    pub keys: HashSet<u64, KeyBuild>,
}

/// The key a line is counted and matched by (see `features::line_key`).
pub use crate::stage::features::line_key;

pub use crate::tokens::{KeyBuild, KeyHasher};

/// Fewest duplicate clusters a line must appear in to be boilerplate.
pub const MIN_CLUSTERS: usize = 2;
/// Captures of one site that learning looks at.
pub const SAMPLE: usize = 20_000;
/// Estimated containment that puts two captures in one cluster for counting.
pub const CLUSTER_CONTAINMENT: f64 = 0.5;
/// LSH threshold for the counting clusters' candidate pairs (low: containment can be
/// high where Jaccard is not).
const CANDIDATE_SIMILARITY: f64 = 0.3;
/// Boilerplate removal never takes more than this share of a capture's kept text.
pub const MAX_SHARE_REMOVED: f64 = 1.0 / 3.0;

/// What learning needs from one capture of the site.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Keys of its non-blank lines, sorted, without repeats.
    pub keys: Vec<u64>,
    /// Its cleaned body's identity, for the clusters: SHA-256, shingle count and
    /// MinHash signature.
    pub sha: [u8; 32],
    pub shingles: u32,
    pub signature: Option<Signature>,
}

impl Sample {
    pub fn new(
        doc: &Document,
        features: &Features,
        sha: [u8; 32],
        shingles: u32,
        signature: Option<Signature>,
    ) -> Self {
        let lines = &features.lines;
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
        Sample {
            keys,
            sha,
            shingles,
            signature,
        }
    }
}

/// Learns a site's boilerplate from its samples; `share` is the share of the site's
/// clusters a line must appear in (see the module doc).
pub fn learn(samples: &[Sample], share: f64) -> SiteLines {
    let cluster_of = counting_clusters(samples);
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

/// The counting cluster of each sample (union-find over exact copies and LSH
/// candidates whose estimated containment reaches [`CLUSTER_CONTAINMENT`]).
fn counting_clusters(samples: &[Sample]) -> Vec<u32> {
    let n = samples.len();
    let mut parent: Vec<u32> = (0..n as u32).collect();
    fn find(p: &mut [u32], mut x: u32) -> u32 {
        while p[x as usize] != x {
            p[x as usize] = p[p[x as usize] as usize];
            x = p[x as usize];
        }
        x
    }
    let union = |p: &mut Vec<u32>, a: u32, b: u32| {
        let (ra, rb) = (find(p, a), find(p, b));
        if ra != rb {
            let (lo, hi) = (ra.min(rb), ra.max(rb));
            p[hi as usize] = lo;
        }
    };
    let mut by_sha: std::collections::HashMap<[u8; 32], u32> = std::collections::HashMap::new();
    for (i, s) in samples.iter().enumerate() {
        if let Some(&j) = by_sha.get(&s.sha) {
            union(&mut parent, j, i as u32);
        } else {
            by_sha.insert(s.sha, i as u32);
        }
    }
    let bands = crate::dedup::lsh::Bands::for_threshold(CANDIDATE_SIMILARITY);
    let with_sig: Vec<(u32, &Signature)> = samples
        .iter()
        .enumerate()
        .filter_map(|(i, s)| Some((i as u32, s.signature.as_ref()?)))
        .collect();
    for band in 0..bands.bands {
        bands.bucket_pairs(
            &with_sig,
            band,
            crate::dedup::cluster::BUCKET_HEADS,
            |a, b| {
                if estimated_containment(&samples[a as usize], &samples[b as usize])
                    >= CLUSTER_CONTAINMENT
                {
                    union(&mut parent, a, b);
                }
            },
        );
    }
    (0..n as u32).map(|i| find(&mut parent, i)).collect()
}

fn estimated_containment(a: &Sample, b: &Sample) -> f64 {
    let (Some(sa), Some(sb)) = (&a.signature, &b.signature) else {
        return 0.0;
    };
    crate::dedup::cluster::estimated_containment(sa.similarity(sb), a.shingles, b.shingles)
}

/// Removes the site's boilerplate lines that the per-document stages kept. Returns
/// how many it removed.
pub fn remove(doc: &mut Document, features: &Features, site: &SiteLines) -> usize {
    if site.keys.is_empty() {
        return 0;
    }
    // The title line counts on neither side of the share: the cap protects the
    // article's text, and a site name or tagline taken for the title is the very line
    // the site's boilerplate should take.
    let (mut kept_chars, mut hit_chars) = (0usize, 0usize);
    let mut hits = Vec::new();
    for i in 0..doc.len() {
        if !doc.is_kept(i) || doc.is_blank(i) {
            continue;
        }
        let key = features
            .lines
            .get(i)
            .map_or_else(|| line_key(doc.text(i)), |l| l.key);
        let hit = site.keys.contains(&key);
        if hit {
            hits.push(i);
        }
        if Some(i) != doc.title_line {
            kept_chars += doc.text(i).len();
            if hit {
                hit_chars += doc.text(i).len();
            }
        }
    }
    if hit_chars as f64 > MAX_SHARE_REMOVED * kept_chars as f64 {
        return 0;
    }
    let rule: Arc<str> = Arc::from("site-boilerplate");
    for &i in &hits {
        doc.remove(i, Reason::Boilerplate, rule.clone());
    }
    hits.len()
}
