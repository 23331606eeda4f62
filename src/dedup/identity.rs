//! A clean body's identity: its SHA-256 (exact duplicates), its distinct shingle
//! count (the "most complete" of the canonical order) and its MinHash signature
//! (near-duplicate candidates). Computed once per body, by the per-document pipeline.

use sha2::{Digest, Sha256};

use crate::dedup::{cluster, shingle, short, MinHasher, Signature};
use crate::document::Document;
use crate::stage::features::Features;

/// A body's hash, shingle count and signature.
#[derive(Debug, Clone, PartialEq)]
pub struct BodyId {
    pub sha: [u8; 32],
    pub shingles: u32,
    /// `None` for bodies too short for near duplicates
    /// ([`cluster::MIN_NEAR_SHINGLES`]).
    pub signature: Option<Signature>,
}

impl BodyId {
    /// The identity of a cleaned document's body; its shingles come from the tokens
    /// the features pass already computed for the kept lines (or from the body, when
    /// the document has no features: a capture cleaned in segments).
    pub fn of(doc: &Document, features: &Features, body: &str, minhash: &MinHasher) -> Self {
        Self::of_spooling(doc, features, body, minhash, None)
    }

    /// [`BodyId::of`], appending the body's short shingle set to `short` as a run
    /// spools it ([`short::spool_value`]) in the pass that counts the distinct
    /// shingles.
    pub fn of_spooling(
        doc: &Document,
        features: &Features,
        body: &str,
        minhash: &MinHasher,
        short: Option<&mut Vec<u8>>,
    ) -> Self {
        let sha: [u8; 32] = Sha256::digest(body.as_bytes()).into();
        let shingles = shingles_of(doc, features, body);
        let distinct = match short {
            Some(out) => {
                out.reserve(shingles.len() * 4);
                shingle::count_distinct_each(&shingles, |s| short::spool_value(out, s))
            }
            None => shingle::count_distinct(&shingles),
        } as u32;
        let signature =
            (distinct >= cluster::MIN_NEAR_SHINGLES).then(|| minhash.signature(&shingles));
        BodyId {
            sha,
            shingles: distinct,
            signature,
        }
    }
}

/// The shingles (with repeats, in text order) of a cleaned document's body: from the
/// tokens the features pass already computed for the kept lines, or from the body
/// when the document has no features (a capture cleaned in segments). The same as
/// `shingle::shingles(body)`, without tokenizing the body again (`--index` keeps
/// each canonical's short shingle set this way while cleaning).
pub fn shingles_of(doc: &Document, features: &Features, body: &str) -> Vec<u64> {
    let f = features;
    if f.lines.len() == doc.len() {
        let mut tokens = Vec::with_capacity(f.tokens.len());
        for i in doc.kept() {
            tokens.extend_from_slice(f.line_tokens(i));
        }
        shingle::shingles_of_tokens(&tokens)
    } else {
        shingle::shingles(body)
    }
}
