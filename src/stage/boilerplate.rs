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
    pub keys: HashSet<u64, KeyBuild>,
}

/// The key a line is counted and matched by: case and spacing folded. A 64-bit
/// FNV-1a over the folded characters, computed without allocating (it runs on every
/// line of every capture).
pub fn line_key(text: &str) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = OFFSET;
    let mut space = false;
    let mut started = false;
    let feed = |h: &mut u64, b: u8| {
        *h ^= b as u64;
        *h = h.wrapping_mul(PRIME);
    };
    for c in text.chars() {
        if c.is_whitespace() {
            space = started;
            continue;
        }
        if space {
            feed(&mut h, b' ');
            space = false;
        }
        started = true;
        if c.is_ascii() {
            feed(&mut h, c.to_ascii_lowercase() as u8);
        } else {
            for l in c.to_lowercase() {
                let mut buf = [0u8; 4];
                for &b in l.encode_utf8(&mut buf).as_bytes() {
                    feed(&mut h, b);
                }
            }
        }
    }
    h
}

/// The key of one word, for word sets (see [`line_key`]).
pub fn word_key(word: &str) -> u64 {
    line_key(word)
}

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
