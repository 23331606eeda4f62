//! The edit distance of two token sequences, searched within a budget counted in
//! steps rather than time.
//!
//! Confirming a candidate pair runs a word diff, and a diff can cost the square of its
//! input on hostile text, so it needs a bound. A bound in wall time (a deadline) makes
//! the clusters depend on how loaded the machine was: the same pair can be merged on
//! an idle machine and kept apart on a busy one. A bound in steps gives the same
//! answer for the same input everywhere. This module counts the steps of Myers'
//! greedy search for the shortest edit script (one step per diagonal visited and per
//! token matched along it), and stops at a given distance or a given number of steps.
//! Its answer is a pair's diff ratio when it settles (the distance `d` gives the longest
//! common subsequence, `(n + m − d) / 2`), and decides whether the differing-passage
//! check's full diff (the `similar` crate's, which has no step count of its own) runs
//! at all: `similar`'s Myers costs about as much as this search for the same distance,
//! so a pair this search settles within its budget is one whose diff is cheap, and a
//! pair it cannot settle is given up the same way on every machine.

/// Steps one diff's search may take: 2²² steps took 20–30 ms of CPU on the 2-core
/// development machine under a load of 10, so this is about 50 ms (the old deadline
/// was 100 ms of wall time, much of it spent waiting for a core under load). The
/// search costs about d²/2 steps for a distance d: whether a pair's diff ratio reaches
/// 0.8 (a distance of at most a fifth of its tokens) is settled while its two bodies
/// hold up to about 20,000 word and space tokens in all (some 5,000 words each), and
/// near duplicates with few edits settle in a few thousand steps whatever their
/// length.
pub const DIFF_STEPS: u64 = 1 << 23;

/// What the search found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distance {
    /// The shortest edit script deletes and inserts this many tokens in all.
    Exactly(usize),
    /// The distance is larger than the most asked for.
    Over,
    /// The budget ran out before the distance was settled; it is more than this.
    Unsettled { beyond: usize },
}

/// The number of tokens to delete and insert to turn `a` into `b` (twice the tokens
/// outside their longest common subsequence), if it is at most `max_d`, searched in at
/// most `steps` steps (see the module doc). The answer depends only on the inputs
/// and the two bounds.
pub fn edit_distance<T: PartialEq>(a: &[T], b: &[T], max_d: usize, steps: u64) -> Distance {
    // The common prefix and suffix cost one step a token, like a snake.
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[prefix..], &b[prefix..]);
    let suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (a, b) = (&a[..a.len() - suffix], &b[..b.len() - suffix]);
    let mut used = (prefix + suffix) as u64;
    let (n, m) = (a.len() as isize, b.len() as isize);
    if n == 0 || m == 0 {
        let d = (n + m) as usize;
        return if d <= max_d {
            Distance::Exactly(d)
        } else {
            Distance::Over
        };
    }
    if n.abs_diff(m) > max_d {
        return Distance::Over;
    }
    let max_d = max_d.min((n + m) as usize) as isize;
    // v[k + offset]: the furthest x reached on diagonal k = x - y; -1 = not reached.
    let offset = max_d + 1;
    let mut v = vec![-1isize; (2 * max_d + 3) as usize];
    v[(offset + 1) as usize] = 0;
    for d in 0..=max_d {
        // Diagonals outside the grid (k < -m or k > n) are never reached.
        let mut k = -d;
        while k < -m {
            k += 2;
        }
        let top = if d > n { n - (d - n) % 2 } else { d };
        while k <= top {
            used += 1;
            if used > steps {
                return Distance::Unsettled {
                    beyond: (d - 1).max(0) as usize,
                };
            }
            let at = (k + offset) as usize;
            // Down from diagonal k + 1 (x stays) or right from k - 1 (x + 1), whichever
            // reaches further and stays inside the grid.
            let down = v[at + 1];
            let down = (down >= 0 && down - k <= m).then_some(down);
            let right = v[at - 1];
            let right = (right >= 0 && right < n).then_some(right + 1);
            let Some(mut x) = down.max(right) else {
                v[at] = -1;
                k += 2;
                continue;
            };
            let mut y = x - k;
            while x < n && y < m && a[x as usize] == b[y as usize] {
                x += 1;
                y += 1;
                used += 1;
            }
            v[at] = x;
            if x == n && y == m {
                return Distance::Exactly(d as usize);
            }
            k += 2;
        }
        if used > steps {
            return Distance::Unsettled { beyond: d as usize };
        }
    }
    Distance::Over
}

/// Word operations [`lcs_length`] may take (its cost is one operation per token of
/// one side per 64 tokens of the other): 2²² is a few milliseconds, and covers two
/// bodies of some 8,000 tokens (4,000 words) each.
pub const LCS_WORDS: u64 = 1 << 22;

/// The word operations [`lcs_length`] takes on `a` and `b`.
pub fn lcs_cost<T>(a: &[T], b: &[T]) -> u64 {
    let (short, long) = (a.len().min(b.len()), a.len().max(b.len()));
    (short.div_ceil(64) as u64).saturating_mul(long as u64)
}

/// The length of the longest common subsequence of `a` and `b`, or `None` when
/// computing it would take more than [`LCS_WORDS`] word operations.
///
/// This is the bit-parallel algorithm of Allison and Dix (1986), as written by
/// Crochemore et al. (2001): the row of the dynamic programme is a bit vector over
/// `a` (a zero where the row's value steps up), updated for each token `y` of `b` with
/// `V' = (V + (V & M[y])) | (V & !M[y])`, `M[y]` the positions of `y` in `a`; the LCS is
/// the number of zeros. Its cost, `|b| · ⌈|a| / 64⌉` word operations, does not grow
/// with how different the two are, while a diff's search grows with the square of
/// their distance: deduplication takes a pair's diff ratio from it when the search
/// would be long (two texts far apart).
pub fn lcs_length<T: Eq + std::hash::Hash>(a: &[T], b: &[T]) -> Option<usize> {
    if lcs_cost(a, b) > LCS_WORDS {
        return None;
    }
    let (a, b) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let words = a.len().div_ceil(64);
    if a.is_empty() {
        return Some(0);
    }
    // The positions of each token of `a`, as bit vectors of `words` words.
    let mut index: std::collections::HashMap<&T, usize> =
        std::collections::HashMap::with_capacity(a.len());
    let mut masks: Vec<u64> = Vec::new();
    for (i, t) in a.iter().enumerate() {
        let next = index.len();
        let at = *index.entry(t).or_insert(next);
        if at == masks.len() / words.max(1) {
            masks.resize(masks.len() + words, 0);
        }
        masks[at * words + i / 64] |= 1 << (i % 64);
    }
    let mut v = vec![u64::MAX; words];
    for y in b {
        let Some(&at) = index.get(y) else {
            // No match in `a`: the row does not change.
            continue;
        };
        let m = &masks[at * words..(at + 1) * words];
        let mut carry = false;
        for (v, &m) in v.iter_mut().zip(m) {
            let u = *v & m;
            let (sum, c1) = v.overflowing_add(u);
            let (sum, c2) = sum.overflowing_add(carry as u64);
            carry = c1 || c2;
            *v = sum | (*v & !m);
        }
    }
    // Bits past `a`'s end start as ones and stay ones (their masks are zero).
    let zeros: u32 = v.iter().map(|w| w.count_zeros()).sum();
    Some(zeros as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The distance by dynamic programming (twice the tokens outside the LCS).
    fn reference(a: &[u8], b: &[u8]) -> usize {
        let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
        for i in 0..a.len() {
            for j in 0..b.len() {
                lcs[i + 1][j + 1] = if a[i] == b[j] {
                    lcs[i][j] + 1
                } else {
                    lcs[i][j + 1].max(lcs[i + 1][j])
                };
            }
        }
        a.len() + b.len() - 2 * lcs[a.len()][b.len()]
    }

    /// `count` pairs of random sequences shorter than `len`, over alphabets of 1 to
    /// `alphabet` symbols, from a seeded generator.
    fn random_pairs(seed: u64, count: usize, len: u64, alphabet: u64) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut x = seed;
        let mut next = move |k: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % k
        };
        (0..count)
            .map(|_| {
                let symbols = 1 + next(alphabet);
                let a = (0..next(len)).map(|_| next(symbols) as u8).collect();
                let b = (0..next(len)).map(|_| next(symbols) as u8).collect();
                (a, b)
            })
            .collect()
    }

    #[test]
    fn the_bit_parallel_lcs_is_the_dynamic_programme_s() {
        // Lengths across word boundaries (63, 64, 65, 128, ...).
        for (a, b) in random_pairs(0x9E37_79B9_7F4A_7C15, 3000, 200, 6) {
            let lcs = (a.len() + b.len() - reference(&a, &b)) / 2;
            assert_eq!(lcs_length(&a, &b), Some(lcs), "{a:?} {b:?}");
        }
        // Past its budget it declines rather than run long.
        let big: Vec<u32> = (0..100_000).collect();
        assert_eq!(lcs_length(&big, &big), None);
    }

    #[test]
    fn the_distance_is_the_shortest_edit_script() {
        for (a, b) in random_pairs(0x2545_F491_4F6C_DD1D, 2000, 25, 5) {
            let want = reference(&a, &b);
            assert_eq!(
                edit_distance(&a, &b, usize::MAX >> 2, u64::MAX),
                Distance::Exactly(want),
                "{a:?} {b:?}"
            );
            // Asked for less than it is: over; for exactly it: found.
            if want > 0 {
                assert_eq!(edit_distance(&a, &b, want - 1, u64::MAX), Distance::Over);
            }
            assert_eq!(
                edit_distance(&a, &b, want, u64::MAX),
                Distance::Exactly(want)
            );
        }
    }

    #[test]
    fn the_budget_is_counted_in_steps_so_the_answer_never_depends_on_time() {
        // Two long sequences that share nothing in order: the search would take about
        // (n + m)² / 4 steps.
        let a: Vec<u32> = (0..4000).collect();
        let b: Vec<u32> = (4000..8000).collect();
        let small = edit_distance(&a, &b, usize::MAX >> 2, 100_000);
        assert!(
            matches!(small, Distance::Unsettled { beyond } if beyond > 0 && beyond < 8000),
            "{small:?}"
        );
        // The same call gives the same answer every time, however long each took.
        for _ in 0..3 {
            assert_eq!(edit_distance(&a, &b, usize::MAX >> 2, 100_000), small);
        }
        // With enough steps it settles.
        assert_eq!(
            edit_distance(&a, &b, usize::MAX >> 2, u64::MAX),
            Distance::Exactly(8000)
        );
        // A copy with a few edits settles in few steps, whatever its length.
        let mut c = a.clone();
        c[100] = 9999;
        c.remove(2000);
        assert_eq!(edit_distance(&a, &c, 10, 20_000), Distance::Exactly(3));
    }
}
