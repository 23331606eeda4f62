//! JSON Lines shards under `--out` (`--to jsonl -o DIR`): the canonical documents,
//! in record order, `--shard-size` records per file, compressed as `--compress` says,
//! named by [`shard_name`] (`documents-00000.jsonl.zst`, `documents-00001…`).
//!
//! Why shards: corpus pipelines pass a corpus around as many files of bounded size,
//! so that the next stage can read them in parallel and resume per file. Which
//! document goes to which shard and line depends only on record order, and
//! compression levels are fixed with no time or name in a gzip header, so the bytes
//! never depend on `-j`.
//!
//! One shard is written by every worker at once: it is cut into **blocks** (at most
//! [`BLOCK_RECORDS`] records and about [`BLOCK_BYTES`] of clean text, cut by record
//! order alone, never by thread count), each block's lines are built and compressed
//! on its own as one zstd frame or one gzip member, and the blocks are written in
//! order. Concatenated frames (members) are one valid stream for every decoder
//! (`zstdcat`, `zcat`, Python's `gzip`), and a run with the default shard size
//! writes one 100,000-record shard, which one thread would otherwise compress alone.
//!
//! Atomic like the text tree: shards are written into the staging tree and moved into
//! `--out` by rename once all are complete (see [`Staging`]), so a killed run leaves
//! no half shard in `--out`, and the manifest, written last, names each document's
//! shard and line. A shard whose write fails (a full disk) is never moved into
//! place, and each of its documents becomes an error row.

use std::io::{self, Write};
use std::path::Path;

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::interrupt;
use crate::output::atomic::Staging;
use crate::output::jsonl::Lines;
use crate::output::sink::{shared_mode, Writer, Written};
use crate::output::tree::left_in_place;
use crate::output::{shard_name, Compress};
use crate::record::{Placed, Record, Status};
use crate::store::BodyStore;
use crate::ui::progress::Progress;

/// zstd's level: the zstd tool's default, a good ratio at several hundred MB/s.
const ZSTD_LEVEL: i32 = 3;
/// gzip's level: gzip's own default.
const GZIP_LEVEL: u32 = 6;

/// Records of one block (one zstd frame or gzip member) at most. Blocks this large
/// lose well under 1% of the ratio of one stream, and give each worker enough to do.
pub const BLOCK_RECORDS: usize = 1000;
/// Clean text of one block: a block ends with the record that brings it to this
/// many bytes (so a block of long texts holds fewer records, and memory stays
/// bounded while blocks wait to be written in order).
pub const BLOCK_BYTES: u64 = 4 << 20;

/// The shard writer.
pub struct Shards<'a> {
    pub out: &'a Path,
    pub staging: &'a Staging,
    /// Records per shard (`--shard-size`, at least 1).
    pub shard_size: u64,
    pub compress: Compress,
    pub lines: Lines<'a>,
}

/// What became of one document: its line and bytes, or why it was not written.
type Outcome = std::result::Result<(u32, u64), String>;

impl Writer for Shards<'_> {
    fn write(
        &mut self,
        records: &mut [Record],
        _store: &dyn BodyStore,
        progress: &Progress,
    ) -> Result<Written> {
        let canonical: Vec<usize> = crate::record::canonical_indices(records);
        let size = usize::try_from(self.shard_size.max(1)).unwrap_or(usize::MAX);
        let shards: Vec<&[usize]> = canonical.chunks(size).collect();
        let outcomes: Vec<std::result::Result<Vec<Outcome>, String>> = {
            let records: &[Record] = records;
            shards
                .par_iter()
                .enumerate()
                .map(|(n, members)| self.write_shard(n as u32, members, records, progress))
                .collect()
        };
        let mut failed: Vec<Option<String>> =
            outcomes.iter().map(|o| o.as_ref().err().cloned()).collect();
        if !interrupt::is_set() {
            progress.set_message("moving into place");
            for (rel, e) in self.staging.publish(self.out, &interrupt::is_set) {
                // `rel` is one shard, or empty when nothing could be published.
                for (n, f) in failed.iter_mut().enumerate() {
                    if f.is_none()
                        && (rel.as_os_str().is_empty() || rel == Path::new(&self.name(n)))
                    {
                        *f = Some(format!("cannot write output {}: {e}", self.name(n)));
                    }
                }
            }
        }
        if interrupt::is_set() {
            eprintln!("docsift: interrupted while writing documents; the manifest was not written");
            return Err(Error::Interrupted);
        }
        let mut written = Written::default();
        for (n, (members, outcomes)) in shards.iter().zip(outcomes).enumerate() {
            if let Some(e) = &failed[n] {
                // Each document of a failed shard says what the shard's path holds now.
                let now = left_in_place(self.out, Path::new(&self.name(n)));
                for &i in members.iter() {
                    records[i].status = Status::Error;
                    records[i].write_error = Some(format!("{e}; {now}").into());
                }
                continue;
            }
            for (&i, outcome) in members.iter().zip(outcomes.unwrap_or_default()) {
                let rec = &mut records[i];
                match outcome {
                    Ok((line, bytes)) => {
                        rec.placed = Some(Placed {
                            shard: n as u32,
                            line,
                        });
                        written.documents += 1;
                        written.bytes += bytes;
                    }
                    Err(e) => {
                        rec.status = Status::Error;
                        rec.write_error = Some(e.into());
                    }
                }
            }
        }
        Ok(written)
    }
}

impl Shards<'_> {
    fn name(&self, n: usize) -> String {
        shard_name(n as u32, self.compress)
    }

    /// Writes shard `n` (the canonical records `members`, in order) into the staging
    /// tree: one outcome per member (a document whose body cannot be read is left
    /// out), or why the shard as a whole could not be written (then nothing of it
    /// is published). Its blocks are built a few at a time, in parallel, and
    /// written in order.
    fn write_shard(
        &self,
        n: u32,
        members: &[usize],
        records: &[Record],
        progress: &Progress,
    ) -> std::result::Result<Vec<Outcome>, String> {
        let name = shard_name(n, self.compress);
        let mode = shared_mode(members.iter().map(|&i| &records[i]));
        let blocks = blocks(members, records);
        // Blocks built at once: enough to keep every worker busy, few enough that
        // memory stays a few blocks.
        let window = 2 * rayon::current_num_threads().max(1);
        let mut outcomes: Vec<Outcome> = Vec::with_capacity(members.len());
        self.staging
            .write_document_with(Path::new(&name), mode, |file| {
                // The line the next block starts after.
                let mut lines = 0u32;
                for group in blocks.chunks(window) {
                    // Each block is numbered as if every record before it were
                    // written; a block after a record that could not be is built
                    // again with the right numbers (rare: a body that cannot be read).
                    let mut first = lines;
                    let firsts: Vec<u32> = group
                        .iter()
                        .map(|b| {
                            let f = first;
                            first += b.len() as u32;
                            f
                        })
                        .collect();
                    let built: Vec<io::Result<Block>> = group
                        .par_iter()
                        .zip(firsts)
                        .map(|(b, f)| self.block(&name, b, f, records, progress))
                        .collect();
                    for (b, block) in group.iter().zip(built) {
                        let mut block = block?;
                        if block.first != lines {
                            block = self.block(&name, b, lines, records, &Progress::hidden())?;
                        }
                        file.write_all(&block.bytes)?;
                        lines += block.written;
                        outcomes.extend(block.outcomes);
                    }
                }
                file.flush()
            })
            .map(|()| outcomes)
            .map_err(|e| format!("cannot write output {name}: {e}"))
    }

    /// One block of shard `name`: the lines of `members`, numbered from `first + 1`,
    /// compressed as one frame or member.
    fn block(
        &self,
        name: &str,
        members: &[usize],
        first: u32,
        records: &[Record],
        progress: &Progress,
    ) -> io::Result<Block> {
        // The block's lines, then compressed in one call: zstd compresses a whole
        // buffer faster than a stream fed line by line (no copying into its window,
        // no matching across a window that wraps), and the frame names its size.
        let mut raw = Vec::new();
        let mut outcomes = Vec::with_capacity(members.len());
        let mut line_no = first;
        for &i in members {
            if interrupt::is_set() {
                return Err(io::Error::other("interrupted"));
            }
            // The row inside a passthrough record names its own line.
            let next = line_no + 1;
            match self
                .lines
                .line(&records[i], Some(name.to_owned()), Some(u64::from(next)))
            {
                Ok(line) => {
                    raw.extend_from_slice(&line);
                    line_no = next;
                    outcomes.push(Ok((next, line.len() as u64)));
                }
                Err(e) => outcomes.push(Err(format!("cannot read staged output: {e}"))),
            }
            progress.inc(1);
        }
        Ok(Block {
            bytes: compress(raw, self.compress)?,
            outcomes,
            first,
            written: line_no - first,
        })
    }
}

/// One block's lines as one zstd frame or gzip member (or as they are).
fn compress(raw: Vec<u8>, compress: Compress) -> io::Result<Vec<u8>> {
    match compress {
        Compress::None => Ok(raw),
        // GzBuilder writes mtime 0 and no file name unless told: no timestamp.
        Compress::Gzip => {
            let mut enc =
                flate2::GzBuilder::new().write(Vec::new(), flate2::Compression::new(GZIP_LEVEL));
            enc.write_all(&raw)?;
            enc.finish()
        }
        Compress::Zstd => zstd::bulk::compress(&raw, ZSTD_LEVEL),
    }
}

/// One block of a shard, compressed, with what became of each of its documents.
struct Block {
    bytes: Vec<u8>,
    outcomes: Vec<Outcome>,
    /// The line it was numbered after.
    first: u32,
    /// Lines it holds.
    written: u32,
}

/// A shard's members cut into blocks, by record order alone: a block ends after
/// [`BLOCK_RECORDS`] records or with the record whose clean text brings it to
/// [`BLOCK_BYTES`].
fn blocks<'m>(members: &'m [usize], records: &[Record]) -> Vec<&'m [usize]> {
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0u64);
    for (k, &i) in members.iter().enumerate() {
        bytes += records[i].bytes_out;
        if k + 1 - start == BLOCK_RECORDS || bytes >= BLOCK_BYTES {
            out.push(&members[start..=k]);
            (start, bytes) = (k + 1, 0);
        }
    }
    if start < members.len() {
        out.push(&members[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(compress: Compress, data: &[u8]) -> Vec<u8> {
        super::compress(data.to_vec(), compress).unwrap()
    }

    #[test]
    fn every_compression_round_trips_and_gives_the_same_bytes_twice() {
        let data = "{\"text\":\"one\"}\n".repeat(1000);
        for compress in [Compress::None, Compress::Gzip, Compress::Zstd] {
            let a = encode(compress, data.as_bytes());
            assert_eq!(a, encode(compress, data.as_bytes()), "{compress:?}");
            let mut back = String::new();
            let mut r = crate::input::compress::decoder(
                &a[..],
                crate::input::compress::Compression::from_magic(&a),
            )
            .unwrap();
            io::Read::read_to_string(&mut r, &mut back).unwrap();
            assert_eq!(back, data, "{compress:?}");
        }
        // No timestamp in the gzip header (bytes 4..8 are MTIME).
        assert_eq!(&encode(Compress::Gzip, b"x")[4..8], &[0, 0, 0, 0]);
    }

    #[test]
    fn blocks_are_cut_by_record_count_and_text_bytes_alone() {
        use crate::document::{Meta, Origin, Site};
        let record = |bytes_out: u64| {
            let meta = Meta::file(Origin::Stdin, "s.jsonl#1".into(), Site::default()).into();
            let mut r = Record::error(meta, crate::error::DocError::NotFound, 0);
            r.bytes_out = bytes_out;
            r
        };
        let mut records: Vec<Record> = (0..2500).map(|_| record(10)).collect();
        let members: Vec<usize> = (0..2500).collect();
        let sizes: Vec<usize> = blocks(&members, &records).iter().map(|b| b.len()).collect();
        assert_eq!(sizes, [BLOCK_RECORDS, BLOCK_RECORDS, 500]);
        // A long text closes its block early; the next one starts afresh.
        records[4].bytes_out = BLOCK_BYTES;
        let cut = blocks(&members[..20], &records);
        assert_eq!(cut.iter().map(|b| b.len()).collect::<Vec<_>>(), [5, 15]);
        assert_eq!(cut[1][0], 5);
        assert!(blocks(&[], &records).is_empty());
    }

    #[test]
    fn shards_are_named_in_order_with_their_compression() {
        assert_eq!(shard_name(0, Compress::Zstd), "documents-00000.jsonl.zst");
        assert_eq!(shard_name(12, Compress::Gzip), "documents-00012.jsonl.gz");
        assert_eq!(shard_name(3, Compress::None), "documents-00003.jsonl");
    }
}
