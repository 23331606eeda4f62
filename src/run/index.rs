//! `clean --index`: a batch deduplicated against the canonical documents of earlier
//! batches kept in a persistent [`Index`], and its own new canonicals added to it once
//! the run is written.
//!
//! **Earlier canonicals are frozen.** An index never takes back what an earlier batch
//! published, so its documents come before every document of the batch in the
//! canonical order, whatever their size. Each document of the batch is checked first
//! against the index: exactly (the SHA-256 of its clean body), then near (the LSH
//! candidates the index offers, filtered by size and estimated containment as within
//! a run, then confirmed on the two clean texts with `dedup::verify`; copies within
//! the batch, with the same clean body, are asked about once and share the verdict).
//! A document matched there is a duplicate of that earlier document; the others are then
//! deduplicated among themselves as in any run. When several earlier documents
//! confirm, the first in the canonical order (most shingles, then most bytes, then
//! the earliest entry) is the one named, as a run over everything would name the first
//! canonical that takes it.
//!
//! **Adding.** Only after the outputs and the manifest are in place are the batch's
//! canonical documents (never error rows, never a document whose write failed)
//! added, in record order, as one batch: all or nothing (see `crate::index::batch`).
//! A run that is interrupted or fails before that leaves the index as it was.
//!
//! This module sits in the runner, not in `dedup`, because it reads the index, which
//! builds on `dedup`.

use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::config::{CleanConfig, IndexSettings};
use crate::dedup::cluster::{size_window, worth_measuring, MIN_NEAR_SHINGLES};
use crate::dedup::minhash::MinHasher;
use crate::dedup::short as sets;
use crate::dedup::{shingle, verify};
use crate::document::Key;
use crate::error::{Error, Result};
use crate::escape::{escape_path, terminal_str};
use crate::index::{Entry, EntryRef, Index, IndexError, NewEntry, Params, Prepared, Query, Sizes};
use crate::record::{Earlier, Match, Record, Status};
use crate::store::{BodyStore, SetSpool};

/// Bodies prepared (hashed and compressed) in parallel at a time when adding: enough
/// for every core, few enough that their frames stay a few megabytes.
const PREPARE_CHUNK: usize = 1024;

/// The index of a run, and which of its batches the run deduplicates against.
#[derive(Debug)]
pub struct RunIndex {
    index: Index,
    /// Batches numbered from this one on are left out (`--check` of a batch the
    /// index already holds compares with the run that added it).
    before: Option<u32>,
}

/// Queries whose candidates are ruled out together (their short sets are held
/// meanwhile: about 4 KB each).
const RULE_OUT_CHUNK: usize = 4096;

/// What ruling out and confirming a batch's candidates share across its queries.
struct Confirming<'a> {
    store: &'a dyn BodyStore,
    /// The batch's short shingle sets, spooled while cleaning.
    sets: Option<&'a SetSpool>,
    t: f64,
    stop: &'a (dyn Fn() -> bool + Sync),
    stats: &'a PriorStats,
    decoded: Decoded,
}

/// Bytes of earlier bodies and shingle sets kept decoded across queries.
const DECODED_BYTES: usize = 64 << 20;

/// Earlier bodies, decompressed and shingled, kept for the other queries that measure
/// against the same entry (an article that many documents of a batch resemble is met
/// by each of them): oldest out first, within [`DECODED_BYTES`]. What it holds
/// depends on the threads' timing, but never a verdict: a body is the same decoded
/// now or again.
#[derive(Default)]
struct Decoded {
    kept: std::sync::Mutex<DecodedState>,
}

/// An earlier body and its sorted shingle set.
type DecodedBody = std::sync::Arc<(String, Vec<u64>)>;

#[derive(Default)]
struct DecodedState {
    map: std::collections::HashMap<EntryRef, DecodedBody>,
    order: std::collections::VecDeque<EntryRef>,
    bytes: usize,
}

impl Decoded {
    /// The body and sorted shingle set of `entry`, decoding it (and counting that in
    /// `count`) unless kept.
    fn get(
        &self,
        idx: &Index,
        entry: &Entry,
        count: &AtomicU64,
    ) -> crate::index::Result<DecodedBody> {
        let lock = || self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(d) = lock().map.get(&entry.at) {
            return Ok(d.clone());
        }
        let body = idx.body(entry)?;
        let set = shingle::shingle_set(&body);
        count.fetch_add(1, Ordering::Relaxed);
        let size = body.len() + set.len() * 8;
        let d = std::sync::Arc::new((body, set));
        let mut kept = lock();
        if size <= DECODED_BYTES && !kept.map.contains_key(&entry.at) {
            kept.map.insert(entry.at, d.clone());
            kept.order.push_back(entry.at);
            kept.bytes += size;
            while kept.bytes > DECODED_BYTES {
                let Some(old) = kept.order.pop_front() else {
                    break;
                };
                if let Some(o) = kept.map.remove(&old) {
                    kept.bytes -= o.0.len() + o.1.len() * 8;
                }
            }
        }
        Ok(d)
    }
}

/// An index error as the run's error: exit 2, naming the file and what is wrong.
pub fn trouble(e: IndexError) -> Error {
    Error::Usage(e.to_string())
}

/// The records `near` (indices into `records`, each with a SHA-256) grouped by clean
/// body (the same SHA-256), each group in record order, the groups in the record
/// order of their first copies.
///
/// A batch holds copies of its own documents (reposts, the same article under two
/// URLs), and copies are not yet deduplicated among themselves when the batch meets
/// the index. Everything the index is asked about a document depends on its clean
/// body alone (its signature, shingle count, short set and text), so one probe, one
/// ruling out and one confirmation per body give each copy the verdict it would have
/// had alone, for a share of the work: the index's cost grows with the pairs it
/// offers, and a copy's pairs are its original's over again.
fn copies_of(records: &[Record], mut near: Vec<usize>) -> Vec<Vec<usize>> {
    let sha = |i: usize| records[i].sha256.as_ref().expect("filtered");
    near.sort_by(|&a, &b| sha(a).cmp(sha(b)).then(a.cmp(&b)));
    let mut copies: Vec<Vec<usize>> = near
        .chunk_by(|&a, &b| sha(a) == sha(b))
        .map(<[usize]>::to_vec)
        .collect();
    // Record order of their first copies: the order the queries were always asked in.
    copies.sort_unstable_by_key(|c| c[0]);
    copies
}

/// The short set of a document of this run: spooled while cleaning, or made from
/// its body.
fn our_set(
    sets: Option<&SetSpool>,
    key: &Key,
    body: impl FnOnce() -> Option<String>,
) -> Option<Vec<u32>> {
    sets.and_then(|s| s.get(key))
        .or_else(|| Some(sets::short_set(&shingle::shingles(&body()?))))
}

/// Opens `--index` before any input is read: for writing (the lock taken, waiting
/// with `--index-wait`), or, for `--check`, for reading. A damaged index, one built
/// with other parameters, or one another run is adding to is an error (exit 2).
///
/// The parameters checked are this run's. With `--no-near` nothing near is computed,
/// so an existing index's threshold is taken as it is (every other parameter is
/// still checked), and a new index pins `--near-threshold`'s value.
pub fn open(cfg: &CleanConfig) -> Result<Option<RunIndex>> {
    let Some(s) = &cfg.index else {
        return Ok(None);
    };
    let exists = s.dir.join(crate::index::MANIFEST_FILE).exists()
        || std::fs::read_dir(&s.dir).is_ok_and(|mut d| d.next().is_some());
    let threshold = match cfg.near_threshold {
        Some(t) => t,
        None if exists => Index::inspect(&s.dir).map_err(trouble)?.params().threshold,
        None => s.pin_threshold,
    };
    let params = Params::new(threshold);
    if s.read_only {
        if !exists {
            // --check of a first batch: there is nothing earlier to compare with, and
            // a check creates nothing.
            return Ok(None);
        }
        let index = Index::open_read(&s.dir, &params).map_err(trouble)?;
        let before = index
            .manifest()
            .batches
            .last()
            .filter(|b| b.name == s.batch_name)
            .map(|b| b.number);
        return Ok(Some(RunIndex { index, before }));
    }
    let index = match Index::open(&s.dir, &params, false) {
        Err(IndexError::Lock(held)) if s.wait => {
            if !cfg.quiet {
                eprintln!("docsift: {held}; waiting for it (--index-wait)");
            }
            Index::open(&s.dir, &params, true)
        }
        Err(IndexError::Lock(held)) => {
            return Err(Error::Usage(format!("{held}; --index-wait waits")));
        }
        opened => opened,
    };
    let index = index.map_err(trouble)?;
    Ok(Some(RunIndex {
        index,
        before: None,
    }))
}

/// What deduplicating against the index did (`DOCSIFT_TIMINGS`): matches (one per
/// record), and the near pairs: candidates that passed the MinHash filter, those the
/// short shingle sets ruled out, and those measured on the two texts (one set of
/// pairs per distinct clean body: copies within the batch ask once).
#[derive(Debug, Default)]
pub struct PriorStats {
    pub exact: u64,
    pub near: u64,
    pub candidates: AtomicU64,
    pub ruled_out: AtomicU64,
    pub measured: AtomicU64,
    /// Earlier bodies decompressed and shingled (once per entry while it stays in
    /// the cache of decoded bodies).
    pub decoded: AtomicU64,
    /// Time spent in the probe (the pass over the segments' band tables).
    pub probe: std::time::Duration,
}

impl RunIndex {
    pub fn index(&self) -> &Index {
        &self.index
    }

    fn counts(&self, at: EntryRef) -> bool {
        match self.before {
            None => true,
            Some(limit) => self
                .index
                .manifest()
                .segments
                .get(at.segment as usize)
                .is_some_and(|s| s.last_batch < limit),
        }
    }

    /// Marks each canonical record that duplicates an earlier batch's document:
    /// status, `duplicate_of` (the earlier key), similarity, and [`Earlier`].
    /// Records left canonical are then deduplicated among themselves by the caller.
    pub fn deduplicate(
        &self,
        records: &mut [Record],
        store: &dyn BodyStore,
        sets: Option<&SetSpool>,
        threshold: Option<f64>,
        stop: &(dyn Fn() -> bool + Sync),
    ) -> Result<PriorStats> {
        let idx = &self.index;
        let mut stats = PriorStats::default();
        // Exact: one merge of the batch's sorted SHA-256s with each segment's column.
        let mut docs: Vec<(usize, [u8; 32])> = records
            .iter()
            .enumerate()
            .filter(|(_, r)| r.status == Status::Canonical)
            .filter_map(|(i, r)| Some((i, r.sha256?)))
            .collect();
        docs.sort_unstable_by_key(|d| d.1);
        let shas: Vec<[u8; 32]> = docs.iter().map(|d| d.1).collect();
        let found = idx.exact_sorted(&shas).map_err(trouble)?;
        drop(shas);
        for ((i, _), at) in docs.iter().zip(found) {
            let Some(at) = at.filter(|&at| self.counts(at)) else {
                continue;
            };
            let entry = idx.entry(at).map_err(trouble)?;
            self.mark(&mut records[*i], &entry, 1.0, Status::Duplicate);
            stats.exact += 1;
        }
        let Some(t) = threshold else {
            return Ok(stats);
        };

        // Near: the index's LSH candidates, filtered as clustering filters its pairs.
        let near: Vec<usize> = records
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                r.status == Status::Canonical
                    && r.shingles >= MIN_NEAR_SHINGLES
                    && r.signature.is_some()
                    && r.sha256.is_some()
            })
            .map(|(i, _)| i)
            .collect();
        let copies = copies_of(records, near);
        // The first record of each clean body asks for all its copies.
        let first: Vec<usize> = copies.iter().map(|c| c[0]).collect();
        let queries: Vec<Query<'_>> = first
            .iter()
            .map(|&i| Query {
                sha256: records[i].sha256.as_ref().expect("filtered"),
                signature: records[i].signature.as_ref().expect("filtered"),
            })
            .collect();
        let shingles: Vec<u32> = first.iter().map(|&i| records[i].shingles).collect();
        // Sizes first, inside the probe: an entry whose size cannot reach `t` with the
        // query's is skipped before its signature is looked at.
        let sizes = Sizes::new(shingles.iter().map(|&n| {
            let w = size_window(n, t);
            (*w.start()).max(MIN_NEAR_SHINGLES)..=*w.end()
        }));
        let keep = |c: crate::index::Candidate<'_>| {
            self.counts(c.at)
                && worth_measuring(
                    c.signature.similarity(queries[c.query].signature),
                    shingles[c.query],
                    c.shingles,
                    t,
                )
        };
        let started = std::time::Instant::now();
        let hits = idx.probe_sized(&queries, &sizes, &keep).map_err(trouble)?;
        stats.probe = started.elapsed();
        drop((queries, sizes));
        let asked: Vec<(usize, Vec<EntryRef>)> = first
            .into_iter()
            .zip(hits)
            .filter(|(_, h)| !h.candidates.is_empty())
            .map(|(i, h)| (i, h.candidates))
            .collect();
        let cx = Confirming {
            store,
            sets,
            t,
            stop,
            stats: &stats,
            decoded: Decoded::default(),
        };
        let asked = self.rule_out(asked, records, &cx)?;
        let keys: Vec<&Key> = asked.iter().map(|(i, _)| records[*i].key()).collect();
        let verdicts: Vec<Option<(Entry, f64)>> = asked
            .par_iter()
            .zip(&keys)
            .map(|((_, cands), key)| self.confirm(cands, key, &cx))
            .collect::<Result<_>>()?;
        drop(cx);
        drop(keys);
        // Each verdict is that of every copy of the body it was reached for.
        let of_body: std::collections::HashMap<usize, &[usize]> =
            copies.iter().map(|c| (c[0], c.as_slice())).collect();
        for ((i, _), v) in asked.iter().zip(verdicts) {
            if let Some((entry, similarity)) = v {
                for &copy in of_body[i] {
                    self.mark(
                        &mut records[copy],
                        &entry,
                        similarity,
                        Status::NearDuplicate,
                    );
                    stats.near += 1;
                }
            }
        }
        Ok(stats)
    }

    /// The candidates of each query (`asked`: a record and its candidates) less those
    /// whose short shingle set bounds the containment under `t` (`dedup::short`: such
    /// a pair cannot confirm, so the verdicts are those measuring every candidate
    /// gives); queries left without candidates are dropped.
    ///
    /// A chunk of queries at a time: their short sets are made in parallel, then each
    /// entry their candidates name is read once (in parallel, in index order) and
    /// compared with every query of the chunk that met it. A query whose body the
    /// spool cannot give back keeps no candidate (not similar, as within a run).
    fn rule_out(
        &self,
        asked: Vec<(usize, Vec<EntryRef>)>,
        records: &[Record],
        cx: &Confirming<'_>,
    ) -> Result<Vec<(usize, Vec<EntryRef>)>> {
        let idx = &self.index;
        let (store, sets, t, stop, stats) = (cx.store, cx.sets, cx.t, cx.stop, cx.stats);
        let mut left = Vec::with_capacity(asked.len());
        for chunk in asked.chunks(RULE_OUT_CHUNK) {
            if stop() {
                break;
            }
            let ours: Vec<Option<Vec<u32>>> = chunk
                .par_iter()
                .map(|(i, _)| {
                    let key = records[*i].key();
                    our_set(sets, key, || store.body(key).ok())
                })
                .collect();
            let mut pairs: Vec<(EntryRef, u32)> = chunk
                .iter()
                .enumerate()
                .flat_map(|(k, (_, cands))| cands.iter().map(move |&at| (at, k as u32)))
                .collect();
            pairs.sort_unstable();
            let groups: Vec<&[(EntryRef, u32)]> = pairs.chunk_by(|a, b| a.0 == b.0).collect();
            let kept: Vec<Vec<(u32, EntryRef)>> = groups
                .par_iter()
                .map(|group| {
                    let at = group[0].0;
                    let (shingles, short) = idx.short_set(at)?;
                    let theirs = sets::Side {
                        short: &short,
                        shingles,
                    };
                    Ok(group
                        .iter()
                        .filter(|(_, k)| {
                            ours[*k as usize].as_ref().is_some_and(|short| {
                                let ours = sets::Side {
                                    short,
                                    shingles: records[chunk[*k as usize].0].shingles,
                                };
                                sets::reaches(ours, theirs, t)
                            })
                        })
                        .map(|&(at, k)| (k, at))
                        .collect())
                })
                .collect::<crate::index::Result<_>>()
                .map_err(trouble)?;
            stats
                .candidates
                .fetch_add(pairs.len() as u64, Ordering::Relaxed);
            let mut per: Vec<Vec<EntryRef>> = vec![Vec::new(); chunk.len()];
            for (k, at) in kept.into_iter().flatten() {
                per[k as usize].push(at);
            }
            let survived: usize = per.iter().map(Vec::len).sum();
            stats
                .ruled_out
                .fetch_add((pairs.len() - survived) as u64, Ordering::Relaxed);
            left.extend(
                chunk
                    .iter()
                    .zip(per)
                    .filter(|(_, c)| !c.is_empty())
                    .map(|((i, _), c)| (*i, c)),
            );
        }
        Ok(left)
    }

    /// The first of `cands` in the canonical order whose body confirms as a near
    /// duplicate of the document `key`, with the measured similarity.
    fn confirm(
        &self,
        cands: &[EntryRef],
        key: &Key,
        cx: &Confirming<'_>,
    ) -> Result<Option<(Entry, f64)>> {
        let idx = &self.index;
        let (store, t, stop, stats) = (cx.store, cx.t, cx.stop, cx.stats);
        if stop() {
            return Ok(None);
        }
        // A body the spool cannot give back counts as not similar, as within a run.
        let Ok(body) = store.body(key) else {
            return Ok(None);
        };
        let set = shingle::shingle_set(&body);
        let mut entries = cands
            .iter()
            .map(|&at| idx.entry(at))
            .collect::<crate::index::Result<Vec<Entry>>>()
            .map_err(trouble)?;
        entries.sort_by_key(|e| {
            (
                std::cmp::Reverse(e.shingles),
                std::cmp::Reverse(e.bytes),
                e.at,
            )
        });
        for entry in entries {
            if stop() {
                return Ok(None);
            }
            let earlier = cx
                .decoded
                .get(idx, &entry, &stats.decoded)
                .map_err(trouble)?;
            stats.measured.fetch_add(1, Ordering::Relaxed);
            let m = verify::measure(&earlier.0, &body, &earlier.1, &set, t);
            if m.confirms(t) {
                return Ok(Some((entry, m.similarity())));
            }
        }
        Ok(None)
    }

    fn mark(&self, rec: &mut Record, entry: &Entry, similarity: f64, status: Status) {
        let batch_name = self
            .index
            .batch(entry.batch)
            .map_or_else(String::new, |b| b.name.clone());
        rec.status = status;
        rec.matched = Some(Box::new(Match {
            of: Key::new(entry.key.as_str()),
            similarity: similarity as f32,
            earlier: Some(Earlier {
                id: entry.id.as_deref().map(Into::into),
                batch: entry.batch,
                batch_name: batch_name.into(),
            }),
        }));
    }

    /// Adds the run's canonical documents (in record order) as one batch and commits
    /// it; says so on stderr unless `quiet`. Nothing is added after Ctrl-C. `pause`
    /// is the test-only `DOCSIFT_INDEX_PAUSE` knob (see `config::Knobs`).
    pub fn add_batch(
        &mut self,
        settings: &IndexSettings,
        records: &[Record],
        store: &dyn BodyStore,
        sets: Option<&SetSpool>,
        quiet: bool,
        pause: Option<usize>,
    ) -> Result<()> {
        if settings.read_only {
            return Ok(());
        }
        let stop = |what: &str| {
            if crate::interrupt::is_set() {
                eprintln!(
                    "docsift: interrupted {what}; {} is as it was",
                    terminal_str(&escape_path(&settings.dir))
                );
                return Err(Error::Interrupted);
            }
            Ok(())
        };
        stop("before adding this batch to the index")?;
        let shown = terminal_str(&escape_path(&settings.dir));
        let unwritten = records.iter().filter(|r| r.write_error.is_some()).count();
        if unwritten > 0 {
            // A run that failed to write leaves the index as it was; run the batch
            // again (with --force) once the disk is fixed.
            eprintln!(
                "docsift: {shown}: not adding this batch: {unwritten} document{} could not be                  written; the index is as it was",
                if unwritten == 1 { "" } else { "s" }
            );
            return Ok(());
        }
        pause_at(pause, 0, "before the batch is begun");
        let added = self.add_canonicals(settings, records, store, sets, pause, &stop);
        let committed = added.map_err(|e| match e {
            Error::Interrupted => e,
            e => Error::Usage(format!(
                "{e}; this batch was not added, the index is as it was"
            )),
        })?;
        if !quiet {
            eprintln!(
                "docsift: {shown}: added {} canonical document{} as batch {} ({} in the index)",
                committed.documents,
                if committed.documents == 1 { "" } else { "s" },
                committed.batch,
                self.index.documents()
            );
        }
        Ok(())
    }

    /// Stages the canonical records' entries and bodies as a batch and commits it.
    fn add_canonicals(
        &mut self,
        settings: &IndexSettings,
        records: &[Record],
        store: &dyn BodyStore,
        sets: Option<&SetSpool>,
        pause: Option<usize>,
        stop: &dyn Fn(&str) -> Result<()>,
    ) -> Result<crate::index::Committed> {
        let minhash = MinHasher::new(self.index.params().seed().unwrap_or_default());
        let canonicals: Vec<&Record> = records
            .iter()
            .filter(|r| r.status == Status::Canonical && r.write_error.is_none())
            .collect();
        let mut batch = self
            .index
            .begin_batch(&settings.batch_name, settings.batch_time.as_deref())
            .map_err(trouble)?;
        for chunk in canonicals.chunks(PREPARE_CHUNK) {
            stop("while adding this batch to the index")?;
            let prepared: Vec<(NewEntry, Prepared)> = chunk
                .par_iter()
                .map(|r| prepare(r, store, sets, &minhash))
                .collect::<Result<_>>()?;
            for (entry, body) in prepared {
                batch.add_prepared(entry, body).map_err(trouble)?;
            }
        }
        stop("before committing this batch to the index")?;
        let mut step = 0usize;
        batch
            .commit_with(&mut |name| {
                step += 1;
                pause_at(pause, step, name);
                Ok(())
            })
            .map_err(trouble)
    }
}

/// A canonical record's entry and prepared body. Short bodies have no signature in
/// the run (they take part in exact deduplication only); the index keeps one for
/// every entry, computed here as `index verify` recomputes it.
fn prepare(
    r: &Record,
    store: &dyn BodyStore,
    sets: Option<&SetSpool>,
    minhash: &MinHasher,
) -> Result<(NewEntry, Prepared)> {
    let body = store.body(r.key()).map_err(|e| Error::Read {
        path: std::path::PathBuf::from(r.key().as_str()),
        source: e,
    })?;
    let (signature, shingles) = match &r.signature {
        Some(s) => (s.clone(), r.shingles),
        None => {
            let sh = shingle::shingles(&body);
            (minhash.signature(&sh), shingle::count_distinct(&sh) as u32)
        }
    };
    let entry = NewEntry {
        key: r.key().to_string(),
        id: r.meta.id().map(str::to_owned),
        url: r.meta.url().map(str::to_owned),
        signature,
        shingles,
    };
    let set = sets.and_then(|s| s.get(r.key()));
    Ok((entry, Prepared::with_set(&body, set)))
}

/// The crash tests' pause (`DOCSIFT_INDEX_PAUSE`): at point `at`, say so and sleep
/// until killed.
fn pause_at(pause: Option<usize>, at: usize, what: &str) {
    if pause == Some(at) {
        eprintln!("docsift: paused at {at} ({what})");
        loop {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::document::{Meta, Origin, Site};
    use crate::pipeline::{process, Pipeline};

    const ARTICLE: &str = "The council voted on Tuesday to keep the swimming pool on Mill Road \
        open through the winter, after a petition signed by more than two thousand residents \
        asked it to think again about closing the pool to save on heating costs.\n\n\
        Swimming clubs, schools and a group of older residents who swim every morning spoke \
        at the meeting. The head teacher of the primary school said that the pool is the only \
        place where most of her pupils learn to swim, and that the nearest other pool is an \
        hour away by bus.\n\n\
        The council will pay for the heating from its reserves this year and has asked the \
        leisure trust that runs the pool to find savings elsewhere before the next budget.\n";

    fn entry(key: &str, body: &str) -> NewEntry {
        let sh = shingle::shingles(body);
        NewEntry {
            key: key.into(),
            id: Some(format!("id-{key}")),
            url: None,
            signature: MinHasher::default().signature(&sh),
            shingles: shingle::count_distinct(&sh) as u32,
        }
    }

    /// An index at `dir` whose first batch, "first", holds `docs` (key, body), ready to
    /// deduplicate a new batch against.
    fn index_of(dir: &std::path::Path, docs: &[(&str, &str)]) -> RunIndex {
        let mut index = Index::open(dir, &Params::new(0.8), false).unwrap();
        let mut b = index.begin_batch("first", None).unwrap();
        for (key, body) in docs {
            b.add(entry(key, body), body).unwrap();
        }
        b.commit().unwrap();
        RunIndex {
            index,
            before: None,
        }
    }

    /// `text` cleaned as the new document `new.txt`: its record and clean body.
    fn new_document(text: String) -> (Record, String) {
        named_document("new.txt", text)
    }

    /// `text` cleaned as the new document `name`: its record and clean body.
    fn named_document(name: &str, text: String) -> (Record, String) {
        let meta = Meta::file(Origin::Stdin, name.into(), Site::default()).into();
        process(text.into_bytes(), meta, &Pipeline::default())
    }

    /// Two earlier documents both confirm as near duplicates of a new one: the row
    /// names the first in the canonical order (the longer one), with its id and
    /// batch; and a batch left out (`--check` of that batch) is not matched at all.
    #[test]
    fn the_first_earlier_document_in_canonical_order_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let edited = ARTICLE.replace("on Tuesday", "on Wednesday evening");
        let longer = format!("{ARTICLE}\nThe petition will be kept in the town hall.\n");
        let run = index_of(
            dir.path(),
            &[("edited.txt", &edited), ("longer.txt", &longer)],
        );
        let (record, body) = new_document(ARTICLE.to_string());
        let store: HashMap<Key, String> = [(record.key().clone(), body)].into();
        let mut records = vec![record.clone()];
        let stats = run
            .deduplicate(&mut records, &store, None, Some(0.8), &|| false)
            .unwrap();
        assert_eq!((stats.exact, stats.near), (0, 1));
        let r = &records[0];
        assert_eq!(r.status, Status::NearDuplicate);
        assert_eq!(r.duplicate_of().map(|k| &**k), Some("longer.txt"));
        let earlier = r.earlier().unwrap();
        assert_eq!(earlier.id.as_deref(), Some("id-longer.txt"));
        assert_eq!((earlier.batch, &*earlier.batch_name), (1, "first"));

        let left_out = RunIndex {
            before: Some(1),
            ..run
        };
        let mut records = vec![record];
        left_out
            .deduplicate(&mut records, &store, None, Some(0.8), &|| false)
            .unwrap();
        assert_eq!(records[0].status, Status::Canonical);
    }

    /// `n` paragraphs of 40 words from a small vocabulary, seeded.
    fn paragraphs(seed: u64, n: usize) -> Vec<String> {
        const WORDS: [&str; 24] = [
            "harbour", "ferry", "council", "morning", "island", "village", "road", "winter",
            "school", "market", "bridge", "river", "station", "garden", "library", "square",
            "tower", "meadow", "church", "orchard", "quay", "lantern", "mill", "chapel",
        ];
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..n)
            .map(|_| {
                let words: Vec<&str> = (0..40)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        WORDS[(x % WORDS.len() as u64) as usize]
                    })
                    .collect();
                format!("The {}.", words.join(" "))
            })
            .collect()
    }

    /// An earlier document that shares most, but not enough, of a new one's text
    /// passes the MinHash filter and is ruled out by the short shingle sets without
    /// its body being read; one that shares enough is measured and confirms. The
    /// verdict is the one measuring every candidate gives.
    #[test]
    fn candidates_under_the_containment_bound_are_ruled_out_unread() {
        let dir = tempfile::tempdir().unwrap();
        let ours = paragraphs(1, 10);
        let (record, body) = new_document(ours.join("\n\n"));
        let pars: Vec<&str> = body.trim_end().split("\n\n").collect();
        assert_eq!(pars.len(), 10);
        let other = paragraphs(2, 10);
        let with = |shared: usize| {
            let mut v: Vec<&str> = pars[..shared].to_vec();
            v.extend(other[..10 - shared].iter().map(String::as_str));
            v.join("\n\n") + "\n"
        };
        let (near, shares) = (with(9), with(7));
        let run = index_of(dir.path(), &[("near.txt", &near), ("shares.txt", &shares)]);
        let store: HashMap<Key, String> = [(record.key().clone(), body.clone())].into();
        let mut records = vec![record];
        let stats = run
            .deduplicate(&mut records, &store, None, Some(0.8), &|| false)
            .unwrap();
        let count = |a: &AtomicU64| a.load(Ordering::Relaxed);
        assert_eq!(
            (
                count(&stats.candidates),
                count(&stats.ruled_out),
                count(&stats.measured)
            ),
            (2, 1, 1)
        );
        assert_eq!(records[0].status, Status::NearDuplicate);
        assert_eq!(records[0].duplicate_of().map(|k| &**k), Some("near.txt"));
        // Measured anyway, the ruled-out pair does not confirm.
        let set = shingle::shingle_set(&body);
        let m = verify::measure(&shares, &body, &shingle::shingle_set(&shares), &set, 0.8);
        assert!(!m.confirms(0.8), "{m:?}");
    }

    /// Copies within the batch (the same clean body under other keys) ask the index
    /// once: the near pairs are counted for one body, not three, and every copy is
    /// named a near duplicate of the same earlier document with the same similarity,
    /// as each would be asked alone; copies of a body the index does not hold all
    /// stay canonical.
    #[test]
    fn copies_within_the_batch_are_probed_once_and_judged_alike() {
        let dir = tempfile::tempdir().unwrap();
        let edited = ARTICLE.replace("on Tuesday", "on Wednesday evening");
        let run = index_of(dir.path(), &[("edited.txt", &edited)]);
        let other = paragraphs(3, 6).join("\n\n");
        let names = ["a.txt", "x.txt", "b.txt", "y.txt", "c.txt"];
        let (mut records, mut store) = (Vec::new(), HashMap::<Key, String>::new());
        for name in names {
            let text = if name < "x" { ARTICLE } else { &other };
            let (record, body) = named_document(name, text.to_string());
            store.insert(record.key().clone(), body);
            records.push(record);
        }
        assert_eq!(records[0].sha256, records[4].sha256);
        let alone: Vec<Record> = records
            .iter()
            .map(|r| {
                let mut one = vec![r.clone()];
                run.deduplicate(&mut one, &store, None, Some(0.8), &|| false)
                    .unwrap();
                one.pop().unwrap()
            })
            .collect();
        let stats = run
            .deduplicate(&mut records, &store, None, Some(0.8), &|| false)
            .unwrap();
        let count = |a: &AtomicU64| a.load(Ordering::Relaxed);
        assert_eq!((stats.exact, stats.near), (0, 3));
        assert_eq!((count(&stats.candidates), count(&stats.measured)), (1, 1));
        for (name, (r, a)) in names.iter().zip(records.iter().zip(&alone)) {
            let want = if *name < "x" {
                Status::NearDuplicate
            } else {
                Status::Canonical
            };
            assert_eq!(r.status, want, "{name}");
            assert_eq!(r.status, a.status, "{name}");
            assert_eq!(r.matched, a.matched, "{name}");
        }
        assert_eq!(records[2].duplicate_of().map(|k| &**k), Some("edited.txt"));
        assert_eq!(records[0].similarity(), records[4].similarity());
    }
}
