//! The per-document path: decode → normalize → chrome → title → language → body
//! identity (SHA-256, MinHash signature). Pure functions of their input: no threads,
//! files, statics or global counters (the bounds a document's cleaning hit travel in
//! its `Document::limits`), so `clean`, `explain`, `diff`, the fuzz targets and a
//! shard worker all run exactly this.
//!
//! The corpus run splits it in two around the one step that needs other documents,
//! site boilerplate: [`clean`] (decode to chrome and title), then `site::apply`, then
//! [`finish`] (language and identity). [`process`] is both halves, for one document
//! alone.

use crate::dedup::{BodyId, MinHasher};
use crate::document::Meta;
use crate::error::DocError;
use crate::input::{self, Decoded};
use crate::record::{Record, Status};
use crate::stage::{Cleaned, Cleaner, Rules};

/// What the per-document path needs, built once and shared by every worker.
#[derive(Default)]
pub struct Pipeline {
    pub cleaner: Cleaner,
    pub minhash: MinHasher,
}

impl Pipeline {
    pub fn new(rules: Rules) -> Self {
        Pipeline {
            cleaner: Cleaner::new(rules),
            minhash: MinHasher::default(),
        }
    }
}

/// One capture after decoding and the per-document cleaning stages.
#[derive(Debug)]
pub struct Processed {
    pub cleaned: Cleaned,
    /// The encoding the bytes were decoded from.
    pub encoding: &'static encoding_rs::Encoding,
    /// Byte sequences replaced with U+FFFD while decoding.
    pub malformed: usize,
    pub bytes_in: u64,
    /// The input file's permission bits, if the reader knows them (see
    /// [`Record::mode`]).
    pub mode: Option<u32>,
}

/// Decodes and cleans one capture's bytes (freed once decoded; the text is freed
/// once normalized, so memory per capture stays within about ten times its size).
///
/// A panic in the stages is a docsift bug; it costs this input (an error saying so),
/// never the run.
pub fn clean(bytes: Vec<u8>, pipeline: &Pipeline) -> Result<Processed, DocError> {
    let bytes_in = bytes.len() as u64;
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let Decoded {
            text,
            encoding,
            malformed,
            ..
        } = input::decode_owned(bytes)?;
        let cleaned = pipeline.cleaner.clean_bounded(text);
        Ok(Processed {
            cleaned,
            encoding,
            malformed,
            bytes_in,
            mode: None,
        })
    }))
    .unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".to_owned());
        Err(DocError::Internal(crate::error::one_line(&what)))
    })
}

/// The body's identity, computed as [`finish`] computes it (for site boilerplate
/// learning, which clusters a site's captures by it before they are finished); with
/// `short`, the body's short shingle set is appended to it as [`finish`] would.
pub fn identity(p: &Processed, pipeline: &Pipeline, short: Option<&mut Vec<u8>>) -> BodyId {
    let c = &p.cleaned;
    BodyId::of_spooling(&c.doc, &c.features, &c.doc.body(), &pipeline.minhash, short)
}

/// A cleaned document's record and clean body: title, language, SHA-256, shingles
/// and signature; `known` is the body's identity if it was already computed for this
/// very body. With `short` (and no `known` identity), the body's short shingle set is
/// appended to it as a run spools it (`dedup::short`).
pub fn finish(
    p: &Processed,
    meta: std::sync::Arc<Meta>,
    known: Option<BodyId>,
    pipeline: &Pipeline,
    short: Option<&mut Vec<u8>>,
) -> (Record, String) {
    let Cleaned { doc, features } = &p.cleaned;
    let body = doc.body();
    let BodyId {
        sha,
        shingles,
        signature,
    } = known
        .unwrap_or_else(|| BodyId::of_spooling(doc, features, &body, &pipeline.minhash, short));
    let record = Record {
        meta,
        status: if body.is_empty() {
            Status::Empty
        } else {
            Status::Canonical
        },
        error: None,
        write_error: None,
        encoding: Some(p.encoding),
        malformed: p.malformed as u32,
        language: crate::stage::language::detect_document(doc, features, &body),
        bytes_in: p.bytes_in,
        bytes_out: body.len() as u64,
        sha256: Some(sha),
        title: doc.title.as_deref().map(Into::into),
        removed: crate::document::ReasonCounts::from_document(doc),
        matched: None,
        shingles,
        signature,
        mode: p.mode.map_or(0o777, |m| (m & 0o777) as u16),
        placed: None,
    };
    (record, body)
}

/// The whole per-document path for one document alone (no site to learn from):
/// its record (an error record if the bytes are not text) and clean body.
///
/// ```
/// use docsift::document::{Meta, Origin, Site};
/// use docsift::pipeline::{process, Pipeline};
///
/// let pipeline = Pipeline::default();
/// let capture = b"Share this article\n\nThe ferry crossed the sound at dawn, and the \
///     harbour woke as its horn carried over the water.\n\nSubscribe to our newsletter\n";
/// let meta = Meta::file(Origin::Stdin, "-".into(), Site::default()).into();
/// let (record, body) = process(capture.to_vec(), meta, &pipeline);
/// assert!(body.starts_with("The ferry crossed the sound at dawn"));
/// assert_eq!(record.removed.total(), 2);
/// ```
pub fn process(
    bytes: Vec<u8>,
    meta: std::sync::Arc<Meta>,
    pipeline: &Pipeline,
) -> (Record, String) {
    let size = bytes.len() as u64;
    match clean(bytes, pipeline) {
        Ok(p) => finish(&p, meta, None, pipeline, None),
        Err(e) => (Record::error(meta, e, size), String::new()),
    }
}
