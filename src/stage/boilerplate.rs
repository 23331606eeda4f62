//! Site boilerplate: lines that recur across many captures of the same site.
//!
//! The per-corpus model is built by the corpus stage (see `crate::corpus`); here is
//! only its per-document use: a line whose key is in the site's set is removed as
//! [`Reason::Boilerplate`].

use std::collections::HashSet;
use std::sync::Arc;

use crate::document::{Document, Reason};

/// The hashed keys of a site's boilerplate lines.
#[derive(Debug, Clone, Default)]
pub struct SiteLines {
    pub keys: HashSet<u64>,
}

/// The key a line is counted and matched by: case and spacing folded.
pub fn line_key(text: &str) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for w in text.split_whitespace() {
        for c in w.chars().flat_map(char::to_lowercase) {
            let mut b = [0u8; 4];
            h.update(c.encode_utf8(&mut b).as_bytes());
        }
        h.update(b" ");
    }
    h.digest()
}

/// Removes the site's boilerplate lines from `doc`.
pub fn remove(doc: &mut Document, site: &SiteLines) {
    if site.keys.is_empty() {
        return;
    }
    let rule: Arc<str> = Arc::from("site-boilerplate");
    for i in 0..doc.len() {
        if !doc.is_blank(i) && site.keys.contains(&line_key(doc.text(i))) {
            doc.remove(i, Reason::Boilerplate, rule.clone());
        }
    }
}
