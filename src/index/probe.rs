//! One batch against the whole index in a sequential pass: [`Index::probe`] finds,
//! for every document of a batch, the entry with the same clean body and the LSH
//! candidates (entries sharing a band), merging the batch's sorted SHA-256s and band
//! keys with each segment's sorted columns and band tables.

use rayon::prelude::*;

use super::segment::{self, Kind, Segment, BAND_ENTRY, META};
use super::{EntryRef, Index, IndexError, Result};
use crate::dedup::minhash::{Signature, HASHES};

/// One document of a batch, as a probe asks about it.
#[derive(Debug, Clone, Copy)]
pub struct Query<'a> {
    pub sha256: &'a [u8; 32],
    pub signature: &'a Signature,
}

/// An LSH candidate as [`Index::probe`] offers it to the caller's filter: the query
/// it answers and the entry's signature and shingle count (what
/// `dedup::cluster::worth_measuring` decides on), read without fetching the entry.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    pub query: usize,
    pub at: EntryRef,
    pub signature: &'a Signature,
    pub shingles: u32,
}

/// What the index holds for one [`Query`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hits {
    /// The entry with the same clean body.
    pub exact: Option<EntryRef>,
    /// Entries sharing at least one LSH band with the query, sorted, without
    /// repeats: candidates to confirm on the text, as within a run.
    pub candidates: Vec<EntryRef>,
}

/// For each query of a probe, the shingle counts of the entries it may meet: an
/// inclusive range per query, in query order. A pair can only reach a Jaccard
/// similarity `t` if the smaller count is at least `t` times the larger
/// (`dedup::cluster::sizes_compatible`), so most of the chance collisions a batch meets
/// in a large index are decided by size alone; with the window, the probe skips them
/// without looking at the entry (its signature, or whether the query met it in an
/// earlier band). What the caller's filter would have refused for size is what is
/// skipped: the candidates are those of filtering afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sizes {
    windows: Vec<(u32, u32)>,
}

impl Sizes {
    /// Every shingle count, for each of `queries` queries (what [`Index::probe`] asks).
    pub fn any(queries: usize) -> Sizes {
        Sizes {
            windows: vec![(0, u32::MAX); queries],
        }
    }

    /// One window per query, in query order; an empty range (`1..=0`) meets nothing.
    pub fn new(windows: impl IntoIterator<Item = std::ops::RangeInclusive<u32>>) -> Sizes {
        Sizes {
            windows: windows
                .into_iter()
                .map(|w| (*w.start(), *w.end()))
                .collect(),
        }
    }

    /// The window of query `query`.
    pub fn window(&self, query: usize) -> std::ops::RangeInclusive<u32> {
        let (lo, hi) = self.windows[query];
        lo..=hi
    }
}

impl Index {
    /// Exact matches and LSH candidates for a whole batch, in one sequential pass
    /// over each segment's SHA-256 column, band tables, signatures and metadata.
    /// `hits[i]` answers `queries[i]`. Candidates are kept only if `keep` says so,
    /// given their signature and shingle count: a batch meets many chance
    /// candidates, and fetching each entry to look at its signature would cost four
    /// reads apiece.
    pub fn probe(
        &self,
        queries: &[Query<'_>],
        keep: &(dyn Fn(Candidate<'_>) -> bool + Sync),
    ) -> Result<Vec<Hits>> {
        self.probe_sized(queries, &Sizes::any(queries.len()), keep)
    }

    /// [`Index::probe`], offering `keep` only the entries whose shingle count lies in
    /// the query's window of `sizes` (one per query): the hits are those of a filter
    /// that refuses the others, but the others cost nothing past the band tables.
    ///
    /// # Panics
    ///
    /// If `sizes` does not hold one window per query.
    pub fn probe_sized(
        &self,
        queries: &[Query<'_>],
        sizes: &Sizes,
        keep: &(dyn Fn(Candidate<'_>) -> bool + Sync),
    ) -> Result<Vec<Hits>> {
        assert_eq!(
            sizes.windows.len(),
            queries.len(),
            "one size window a query"
        );
        let mut hits = vec![Hits::default(); queries.len()];
        let mut order: Vec<u32> = (0..queries.len() as u32).collect();
        order.sort_unstable_by_key(|&i| queries[i as usize].sha256);
        let sorted: Vec<[u8; 32]> = order.iter().map(|&i| *queries[i as usize].sha256).collect();
        for (k, found) in self.exact_sorted(&sorted)?.into_iter().enumerate() {
            hits[order[k] as usize].exact = found;
        }
        drop((order, sorted));
        // The batch's keys of each band, sorted once (16 bytes a document and band).
        let bands = self.params().banding();
        let keys: Vec<Vec<(u64, u32)>> = (0..bands.bands)
            .map(|b| {
                let mut k: Vec<(u64, u32)> = queries
                    .iter()
                    .enumerate()
                    .map(|(i, q)| (bands.key(q.signature, b), i as u32))
                    .collect();
                k.sort_unstable();
                k
            })
            .collect();
        // Segments in parallel, each with its signatures and shingle counts in memory
        // (132 bytes a row) and its band tables merged with the keys; each colliding
        // pair is offered to `keep` once, so only kept candidates are ever held. The
        // candidates are gathered in segment order, then sorted: the same whatever
        // the threads.
        let found: Vec<Vec<(u32, EntryRef)>> = self
            .segments
            .par_iter()
            .enumerate()
            .map(|(s, seg)| probe_segment(s as u32, seg, &keys, &sizes.windows, keep))
            .collect::<Result<_>>()?;
        for (q, at) in found.into_iter().flatten() {
            hits[q as usize].candidates.push(at);
        }
        for h in &mut hits {
            h.candidates.sort_unstable();
            h.candidates.dedup();
        }
        Ok(hits)
    }
}

/// One segment's part of [`Index::probe_sized`]: the kept candidates `(query,
/// entry)`, each pair whose entry lies in the query's size window offered to `keep`
/// once, however many bands it collides in.
///
/// Query by query, not band by band: the band tables are merged with the batch's
/// keys first, gathering the rows of each bucket some query hits (once, however many
/// queries hit it); then each query goes through the rows of its buckets, skipping a
/// row it has already met. A pair of similar documents collides in many of the 42
/// bands, and documents from a small pool of sentences (the benchmark's Russian
/// articles) collide with most of each other: offered band by band, each pair was
/// judged once per band, its two signatures fetched from wherever they lay, and that
/// grew with batch × index. Now a repeat costs a look at one `u32` of a table the
/// size of the segment's rows, and each pair's signatures are compared once (at
/// batch 10 of `benches/issue15.sh` at 20,000 documents: 3.7 million pairs offered
/// instead of 5.8 million offers). The pairs themselves still grow with batch × index.
///
/// Each bucket's rows are kept with their shingle counts, sorted by count, so a query
/// takes the rows of its size window by two binary searches and never touches the
/// others (nor the table of rows met, nor their signatures): most chance collisions
/// are between documents of unlike sizes.
fn probe_segment(
    s: u32,
    seg: &Segment,
    keys: &[Vec<(u64, u32)>],
    sizes: &[(u32, u32)],
    keep: &(dyn Fn(Candidate<'_>) -> bool + Sync),
) -> Result<Vec<(u32, EntryRef)>> {
    if seg.documents == 0 {
        return Ok(Vec::new());
    }
    let (sigs, shingles) = columns(seg)?;
    let rows = sigs.len();
    // The rows of every bucket a key of the batch hits, bucket after bucket, each
    // bucket's (shingle count, row) sorted; and for each (query, band) that hits one:
    // the query and the bucket's span in `pool`.
    let mut pool: Vec<(u32, u32)> = Vec::new();
    let mut hits: Vec<(u32, u32, u32)> = Vec::new();
    for (b, keys) in keys.iter().enumerate() {
        let mut stream = seg.stream(Kind::Band(b as u32));
        let mut i = 0;
        // The bucket being gathered: the span of its queries in `keys`, and where its
        // rows start in `pool`.
        let mut open: Option<(usize, usize, usize)> = None;
        let flush = |open: &mut Option<(usize, usize, usize)>,
                     pool: &mut Vec<(u32, u32)>,
                     hits: &mut Vec<(u32, u32, u32)>| {
            if let Some((from, to, start)) = open.take() {
                pool[start..].sort_unstable();
                hits.extend(
                    keys[from..to]
                        .iter()
                        .map(|&(_, q)| (q, start as u32, pool.len() as u32)),
                );
            }
        };
        // Until the keys are used up and the last bucket one hits has ended.
        while i < keys.len() || open.is_some() {
            let Some(rec) = stream.next(BAND_ENTRY)? else {
                break;
            };
            let (key, row) = segment::split_band(rec);
            if row as usize >= rows {
                return Err(IndexError::damaged(
                    &seg.path,
                    format!("its band {b} table names row {row}, past its rows"),
                ));
            }
            if open.is_some_and(|(from, _, _)| keys[from].0 == key) {
                pool.push((shingles[row as usize], row));
                continue;
            }
            flush(&mut open, &mut pool, &mut hits);
            while i < keys.len() && keys[i].0 < key {
                i += 1;
            }
            if i < keys.len() && keys[i].0 == key {
                let mut to = i + 1;
                while to < keys.len() && keys[to].0 == key {
                    to += 1;
                }
                open = Some((i, to, pool.len()));
                pool.push((shingles[row as usize], row));
                i = to;
            }
        }
        flush(&mut open, &mut pool, &mut hits);
    }
    drop(shingles);
    hits.sort_unstable();
    let queries: Vec<&[(u32, u32, u32)]> = hits.chunk_by(|x, y| x.0 == y.0).collect();
    // Queries a task takes at a time, each task with its own table of the last query
    // that met each row (so a repeat is skipped).
    const QUERIES_PER_TASK: usize = 512;
    let found: Vec<Vec<(u32, EntryRef)>> = queries
        .par_chunks(QUERIES_PER_TASK)
        .map(|task| {
            let mut met = vec![u32::MAX; rows];
            let mut found = Vec::new();
            for spans in task {
                let q = spans[0].0;
                let (lo, hi) = sizes[q as usize];
                for &(_, start, end) in *spans {
                    let bucket = &pool[start as usize..end as usize];
                    let from = bucket.partition_point(|&(n, _)| n < lo);
                    let to = from + bucket[from..].partition_point(|&(n, _)| n <= hi);
                    for &(n, row) in &bucket[from..to] {
                        if std::mem::replace(&mut met[row as usize], q) == q {
                            continue;
                        }
                        let at = EntryRef { segment: s, row };
                        let c = Candidate {
                            query: q as usize,
                            at,
                            signature: &sigs[row as usize],
                            shingles: n,
                        };
                        if keep(c) {
                            found.push((q, at));
                        }
                    }
                }
            }
            found
        })
        .collect();
    Ok(found.into_iter().flatten().collect())
}

/// A segment's signatures (each boxed once, so a candidate hands the filter a
/// reference, not a copy) and shingle counts, row by row.
fn columns(seg: &Segment) -> Result<(Vec<Signature>, Vec<u32>)> {
    let mut sigs = Vec::with_capacity(seg.documents as usize);
    let mut stream = seg.stream(Kind::Signatures);
    while let Some(rec) = stream.next(HASHES)? {
        sigs.push(Signature(Box::new(rec.try_into().expect("HASHES bytes"))));
    }
    let mut shingles = Vec::with_capacity(seg.documents as usize);
    let mut stream = seg.stream(Kind::Meta);
    while let Some(rec) = stream.next(META)? {
        shingles.push(segment::Meta::parse(rec).shingles);
    }
    if sigs.len() != shingles.len() {
        return Err(IndexError::damaged(
            &seg.path,
            format!(
                "{} signatures but {} metadata rows",
                sigs.len(),
                shingles.len()
            ),
        ));
    }
    Ok((sigs, shingles))
}
