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

/// Shingle lists longer than this are counted by sorting, not in the thread's table.
const LARGE_SET: usize = 1 << 19;

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

/// How many distinct values `shingles` holds. Every cleaned body's set size is
/// counted (it ranks canonicals and sizes the candidate filter), so this avoids
/// sorting: one pass over an open-addressing table kept per thread, which the values
/// (already well-mixed hashes) index directly. Six times faster than sort and dedup,
/// twice as fast as a `HashSet` with a pass-through hasher, on bodies of 1,000
/// shingles.
pub fn count_distinct(shingles: &[u64]) -> usize {
    count_distinct_each(shingles, |_| {})
}

/// [`count_distinct`], calling `each` once with every distinct value (in no
/// particular order): a run spools each canonical's short shingle set this way, in
/// the pass that counts it (`dedup::short`).
pub fn count_distinct_each(shingles: &[u64], mut each: impl FnMut(u64)) -> usize {
    // The table is kept per thread and sized 2-4 slots a shingle: for a huge body
    // (a 60 MB capture has ten million shingles) it would hold hundreds of MB for
    // the rest of the run. Such a body is counted by sorting a copy instead.
    if shingles.len() > LARGE_SET {
        let mut sorted = shingles.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        sorted.iter().for_each(|&s| each(s));
        return sorted.len();
    }
    thread_local! {
        static TABLE: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    TABLE.with(|t| {
        let mut table = t.borrow_mut();
        let size = (shingles.len() * 2).next_power_of_two().max(16);
        table.clear();
        table.resize(size, 0);
        let mask = size - 1;
        // 0 marks an empty slot, so the value 0 is counted on the side.
        let mut zero = false;
        let mut count = 0;
        for &s in shingles {
            if s == 0 {
                if !zero {
                    each(0);
                }
                zero = true;
                continue;
            }
            let mut j = s as usize & mask;
            loop {
                match table[j] {
                    0 => {
                        table[j] = s;
                        count += 1;
                        each(s);
                        break;
                    }
                    k if k == s => break,
                    _ => j = (j + 1) & mask,
                }
            }
        }
        if table.len() > 1 << 16 {
            // One huge body must not keep its table for the thread's lifetime.
            *table = Vec::new();
        }
        count + zero as usize
    })
}

/// Exact Jaccard similarity of two sorted, deduplicated shingle sets.
pub fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    jaccard_of(intersection(a, b), a.len(), b.len())
}

/// Containment of the smaller set in the larger: |A ∩ B| / min(|A|, |B|).
pub fn containment(a: &[u64], b: &[u64]) -> f64 {
    containment_of(intersection(a, b), a.len(), b.len())
}

/// [`jaccard`] of two sets of `a` and `b` values with `common` in common (so that a
/// caller that wants both measures merges the two sets once).
pub fn jaccard_of(common: usize, a: usize, b: usize) -> f64 {
    let union = a + b - common;
    if union == 0 {
        1.0
    } else {
        common as f64 / union as f64
    }
}

/// [`containment`] of two sets of `a` and `b` values with `common` in common.
pub fn containment_of(common: usize, a: usize, b: usize) -> f64 {
    let small = a.min(b);
    if small == 0 {
        return if a == b { 1.0 } else { 0.0 };
    }
    common as f64 / small as f64
}

/// The number of values two sorted slices without repeats have in common (shingle
/// sets, and the index's short sets of 32-bit shingles). Branch-free: which side
/// moves on depends on random hashes, a branch the processor mispredicts half the
/// time.
pub fn intersection<T: Ord>(a: &[T], b: &[T]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        let order = a[i].cmp(&b[j]);
        n += order.is_eq() as usize;
        i += order.is_le() as usize;
        j += order.is_ge() as usize;
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
    fn distinct_counts_match_sort_and_dedup() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for n in [0usize, 1, 2, 7, 16, 17, 100, 1000, 40_000, LARGE_SET + 3] {
            let mut v: Vec<u64> = (0..n)
                .map(|i| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    // repeats, small values (same low bits) and zero
                    match i % 5 {
                        0 => x,
                        1 => (x % 64) << 40,
                        2 => 0,
                        _ => x % 97,
                    }
                })
                .collect();
            let counted = count_distinct(&v);
            let mut each = Vec::new();
            assert_eq!(count_distinct_each(&v, |s| each.push(s)), counted);
            v.sort_unstable();
            v.dedup();
            assert_eq!(counted, v.len(), "n = {n}");
            // Every distinct value once.
            each.sort_unstable();
            assert_eq!(each, v, "n = {n}");
        }
    }

    #[test]
    fn the_branch_free_intersection_counts_what_a_hash_set_does() {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move |k: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % k
        };
        for _ in 0..500 {
            // Small alphabets make long runs of common values and of values on one side.
            let alphabet = 1 + next(300);
            let mut set = |len: u64| {
                let mut v: Vec<u64> = (0..next(len)).map(|_| next(alphabet)).collect();
                v.sort_unstable();
                v.dedup();
                v
            };
            let (a, b) = (set(200), set(200));
            let hashed: std::collections::HashSet<u64> = a.iter().copied().collect();
            let want = b.iter().filter(|v| hashed.contains(v)).count();
            assert_eq!(intersection(&a, &b), want, "{a:?} {b:?}");
            assert_eq!(intersection(&b, &a), want);
            // The measures from one count are those from the sets.
            assert_eq!(jaccard_of(want, a.len(), b.len()), jaccard(&a, &b));
            assert_eq!(containment_of(want, a.len(), b.len()), containment(&a, &b));
        }
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
