//! Shingles: what near-duplicate detection compares.
//!
//! A hashing-only normalization (the clean body itself is never changed): the tokens
//! of [`crate::tokens`] (lower-cased runs of letters and digits, punctuation and
//! spacing folded away, each CJK character a token of its own, so those scripts get
//! character n-grams). Shingles are the hashes of [`SHINGLE`] consecutive tokens; a
//! body shorter than that is one shingle of all its tokens.

/// Tokens per shingle (word 5-grams, or character 5-grams for CJK).
pub const SHINGLE: usize = 5;

/// The token hashes of a body, in order (see [`crate::tokens`]).
pub fn tokens(body: &str) -> Vec<u64> {
    crate::tokens::hashes(body)
}

/// Shingle hashes of a body (with repeats; sort and dedup for a set).
pub fn shingles(body: &str) -> Vec<u64> {
    shingles_of_tokens(&tokens(body))
}

/// Shingle hashes of a token sequence.
pub fn shingles_of_tokens(tokens: &[u64]) -> Vec<u64> {
    if tokens.is_empty() {
        return Vec::new();
    }
    if tokens.len() < SHINGLE {
        return vec![combine(tokens)];
    }
    tokens.windows(SHINGLE).map(combine).collect()
}

fn combine(window: &[u64]) -> u64 {
    let mut h: u64 = 0x9E37_79B9_7F4A_7C15;
    for &t in window {
        h = (h ^ t).wrapping_mul(0xFF51_AFD7_ED55_8CCD).rotate_left(29);
    }
    h ^ (h >> 31)
}

/// The shingle set of a body: sorted, without repeats.
pub fn shingle_set(body: &str) -> Vec<u64> {
    let mut s = shingles(body);
    s.sort_unstable();
    s.dedup();
    s
}

/// Exact Jaccard similarity of two sorted, deduplicated shingle sets.
pub fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let inter = intersection(a, b);
    let union = a.len() + b.len() - inter;
    if union == 0 {
        1.0
    } else {
        inter as f64 / union as f64
    }
}

/// Containment of the smaller set in the larger: |A ∩ B| / min(|A|, |B|).
pub fn containment(a: &[u64], b: &[u64]) -> f64 {
    let small = a.len().min(b.len());
    if small == 0 {
        return if a.len() == b.len() { 1.0 } else { 0.0 };
    }
    intersection(a, b) as f64 / small as f64
}

fn intersection(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn punctuation_and_case_are_folded() {
        assert_eq!(
            shingle_set("The Ferry, at last -- returns to the islands!"),
            shingle_set("the ferry at last returns to the islands")
        );
    }

    #[test]
    fn cjk_is_shingled_by_character() {
        assert_eq!(tokens("日本語の文").len(), 5);
        assert_eq!(shingles("日本語の文章です").len(), 4);
    }

    #[test]
    fn set_measures() {
        let a = shingle_set("one two three four five six seven eight nine ten");
        let b = shingle_set("one two three four five six seven eight nine ten eleven twelve");
        assert!((jaccard(&a, &a) - 1.0).abs() < 1e-12);
        assert!((containment(&a, &b) - 1.0).abs() < 1e-12);
        assert!(jaccard(&a, &b) > 0.7 && jaccard(&a, &b) < 1.0);
    }
}
