//! Duplicate clusters as the report shows them: each canonical with its duplicates
//! (from the manifest's `duplicate_of`), and for each near duplicate a side-by-side
//! diff of the clean bodies against its canonical, the changed words marked. The
//! diff is `docsift diff`'s own (`ui::udiff`), with its display deadline.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Value};

use crate::report::rows::Row;
use crate::ui::udiff::{self, Side};

/// Unchanged lines shown around each change, as `docsift diff` shows them.
pub const CONTEXT: usize = 3;

/// Rows of one diff kept in the report; a longer one says how many it leaves out (the
/// pair's full diff is `docsift diff A B`).
pub const MAX_ROWS: usize = 400;

/// One canonical and its duplicates, by manifest row, in source order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    pub canonical: usize,
    pub members: Vec<usize>,
}

/// Every cluster, in the canonical's source order. A `duplicate_of` naming no row is
/// skipped (a manifest edited by hand); the report's counts still come from the rows.
pub fn clusters(rows: &[Row]) -> Vec<Cluster> {
    let index: HashMap<&str, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.source.as_str(), i))
        .collect();
    let mut by: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        if let Some(&c) = r.duplicate_of.as_deref().and_then(|c| index.get(c)) {
            by.entry(c).or_default().push(i);
        }
    }
    by.into_iter()
        .map(|(canonical, members)| Cluster { canonical, members })
        .collect()
}

/// The side-by-side diff of `canonical` → `duplicate` as JSON: a list of hunks, each a
/// list of rows `[changed, left, right]`, a side being `[line number, [[changed word?,
/// text], …]]` or null; and how many rows were left out past [`MAX_ROWS`].
pub fn diff_json(canonical: &str, duplicate: &str) -> (Value, usize) {
    let hunks = udiff::side_by_side(canonical, duplicate, CONTEXT, udiff::DISPLAY_DEADLINE);
    let side = |s: &Option<Side>| match s {
        None => Value::Null,
        Some(s) => json!([
            s.number,
            s.parts
                .iter()
                .map(|(e, t)| json!([u8::from(*e), t]))
                .collect::<Vec<_>>()
        ]),
    };
    let (mut shown, mut left_out) = (0usize, 0usize);
    let mut out = Vec::with_capacity(hunks.len());
    for hunk in hunks {
        if shown >= MAX_ROWS {
            left_out += hunk.len();
            continue;
        }
        let take = hunk.len().min(MAX_ROWS - shown);
        left_out += hunk.len() - take;
        shown += take;
        let rows: Vec<Value> = hunk[..take]
            .iter()
            .map(|r| json!([u8::from(r.changed), side(&r.left), side(&r.right)]))
            .collect();
        out.push(Value::Array(rows));
    }
    (Value::Array(out), left_out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(source: &str, dup_of: Option<&str>) -> Row {
        serde_json::from_value(json!({
            "source": source,
            "status": if dup_of.is_some() { "near_duplicate" } else { "canonical" },
            "duplicate_of": dup_of,
        }))
        .unwrap()
    }

    #[test]
    fn clusters_are_stars_in_source_order() {
        let rows = [
            row("a", Some("c")),
            row("b", None),
            row("c", None),
            row("d", Some("c")),
            row("e", Some("b")),
            row("f", Some("nowhere")),
        ];
        assert_eq!(
            clusters(&rows),
            [
                Cluster {
                    canonical: 1,
                    members: vec![4]
                },
                Cluster {
                    canonical: 2,
                    members: vec![0, 3]
                },
            ]
        );
    }

    #[test]
    fn a_diff_marks_the_changed_word_and_is_capped() {
        let (d, left_out) = diff_json("a\nthe boat sails\nc\n", "a\nthe ship sails\nc\n");
        assert_eq!(left_out, 0);
        let changed = &d[0][1];
        assert_eq!(changed[0], 1);
        assert_eq!(changed[1][0], 2, "line number of the canonical's line");
        let marked: Vec<&Value> = changed[2][1]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p[0] == 1)
            .collect();
        assert_eq!(marked.len(), 1);
        assert_eq!(marked[0][1], "ship");
        let a: String = (0..1000).map(|i| format!("line {i}\n")).collect();
        let b: String = (0..1000).map(|i| format!("row {i}\n")).collect();
        let (_, left_out) = diff_json(&a, &b);
        assert!(left_out >= 1000 - MAX_ROWS, "{left_out}");
    }
}
