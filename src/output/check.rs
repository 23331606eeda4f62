//! `clean --check`: compare what a run would write with what `--out` holds, like
//! `rustfmt --check`, for people who commit docsift's output next to their fixtures.
//!
//! The run writes into a private temporary folder (never into `--out`), then every
//! file there is compared byte for byte with its namesake in `--out`. A file that
//! differs is shown as a unified diff from what `--out` holds to what docsift would
//! write; a file missing from `--out` is shown whole as added; a file in `--out`
//! that the run would not write (a capture since removed, say) is listed as stale
//! when it is docsift's own, named by the manifest in `--out` ([`super::previous`]):
//! other files are the user's, which `--force` never touches either.
//! Hidden entries of `--out` (`.git`, `.gitkeep`, docsift's staging folder) are not
//! output and are ignored, as the input walk ignores hidden entries. Files are
//! compared as bytes; a compressed JSON Lines shard that differs is shown as the
//! diff of its decompressed lines, which is what a person can read.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::escape::escape_path;
use crate::ui::udiff;

/// How long one file's diff may refine before settling for a less minimal one.
const DIFF_DEADLINE: Duration = Duration::from_secs(1);

/// One way `--out` is not what the run would write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// The file differs; a unified diff from `--out`'s copy to the new one.
    Changed { rel: PathBuf, diff: String },
    /// The run would write this file and `--out` does not have it.
    Missing { rel: PathBuf, diff: String },
    /// `--out` has this file and the run would not write it.
    Stale { rel: PathBuf },
}

impl Difference {
    /// The report printed for this difference (ends with a newline).
    pub fn report(&self) -> String {
        match self {
            Difference::Changed { diff, .. } | Difference::Missing { diff, .. } => diff.clone(),
            Difference::Stale { rel } => format!(
                "only in --out (docsift would not write it): {}\n",
                escape_path(rel)
            ),
        }
    }
}

/// Compares the tree docsift would write (`fresh`) with `out`; differences come in
/// path order, so the report is stable. A file only in `out` is stale when `owned`
/// (docsift's files in `out`; `None`: all of them) holds it.
pub fn compare(
    fresh: &Path,
    out: &Path,
    owned: Option<&std::collections::BTreeSet<PathBuf>>,
    context: usize,
    color: bool,
) -> io::Result<Vec<Difference>> {
    let new_files = files(fresh)?;
    let old_files = if out.exists() {
        files(out)?
    } else {
        Vec::new()
    };
    let mut diffs = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < new_files.len() || j < old_files.len() {
        let order = match (new_files.get(i), old_files.get(j)) {
            (Some(a), Some(b)) => a.cmp(b),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        match order {
            std::cmp::Ordering::Less => {
                let rel = &new_files[i];
                let new = fs::read(fresh.join(rel))?;
                let diff = render(rel, b"", &new, context, color, true);
                diffs.push(Difference::Missing {
                    rel: rel.clone(),
                    diff,
                });
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                let rel = &old_files[j];
                if owned.is_none_or(|o| o.contains(rel)) {
                    diffs.push(Difference::Stale { rel: rel.clone() });
                }
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                let rel = &new_files[i];
                let new = fs::read(fresh.join(rel))?;
                let old = fs::read(out.join(rel))?;
                if new != old {
                    let diff = render(rel, &old, &new, context, color, false);
                    diffs.push(Difference::Changed {
                        rel: rel.clone(),
                        diff,
                    });
                }
                i += 1;
                j += 1;
            }
        }
    }
    Ok(diffs)
}

fn render(
    rel: &Path,
    old: &[u8],
    new: &[u8],
    context: usize,
    color: bool,
    missing: bool,
) -> String {
    let name = escape_path(rel);
    let old_name = if missing {
        "/dev/null".to_owned()
    } else {
        format!("a/{name}")
    };
    udiff::unified(
        &old_name,
        &format!("b/{name}"),
        &readable(rel, old),
        &readable(rel, new),
        context,
        color,
        DIFF_DEADLINE,
    )
}

/// A file's text for the diff: decompressed when its name says `.gz` or `.zst` (and
/// it decompresses), the bytes as they are otherwise.
fn readable(rel: &Path, bytes: &[u8]) -> String {
    use crate::input::compress::{decoder, Compression};
    if let Some(c @ (Compression::Gzip | Compression::Zstd)) = Compression::from_extension(rel) {
        let mut text = Vec::new();
        if decoder(bytes, c)
            .and_then(|mut r| io::Read::read_to_end(&mut r, &mut text))
            .is_ok()
        {
            return String::from_utf8_lossy(&text).into_owned();
        }
    }
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every regular file (or link) under `root`, relative to it, sorted; hidden entries
/// are skipped.
fn files(root: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().as_encoded_bytes().starts_with(b"."));
    for entry in walker {
        let entry = entry.map_err(io::Error::other)?;
        if !entry.file_type().is_dir() {
            let rel = entry
                .path()
                .strip_prefix(root)
                .expect("walked under root")
                .to_path_buf();
            out.push(rel);
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        for (rel, text) in files {
            let p = d.path().join(rel);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, text).unwrap();
        }
        d
    }

    #[test]
    fn equal_trees_have_no_differences_and_hidden_entries_are_ignored() {
        let fresh = tree(&[("a.txt", "one\n"), ("d/b.txt", "two\n")]);
        let out = tree(&[("a.txt", "one\n"), ("d/b.txt", "two\n"), (".git/x", "y")]);
        assert_eq!(
            compare(fresh.path(), out.path(), None, 3, false).unwrap(),
            vec![]
        );
    }

    #[test]
    fn changed_missing_and_stale_files_are_reported_in_path_order() {
        let fresh = tree(&[("a.txt", "one\ntwo\n"), ("c.txt", "new\n")]);
        let out = tree(&[("a.txt", "one\nTWO\n"), ("b.txt", "gone\n")]);
        let diffs = compare(fresh.path(), out.path(), None, 3, false).unwrap();
        assert_eq!(diffs.len(), 3, "{diffs:?}");
        let reports: Vec<String> = diffs.iter().map(|d| d.report()).collect();
        assert_eq!(
            reports[0],
            "--- a/a.txt\n+++ b/a.txt\n@@ -1,2 +1,2 @@\n one\n-TWO\n+two\n"
        );
        assert!(matches!(&diffs[1], Difference::Stale { rel } if rel == Path::new("b.txt")));
        assert_eq!(
            reports[2],
            "--- /dev/null\n+++ b/c.txt\n@@ -0,0 +1 @@\n+new\n"
        );
    }

    #[test]
    fn only_docsift_files_are_stale() {
        let fresh = tree(&[("a.txt", "one\n")]);
        let out = tree(&[("a.txt", "one\n"), ("gone.txt", "x"), ("mine.txt", "y")]);
        let owned = [PathBuf::from("a.txt"), PathBuf::from("gone.txt")].into();
        let diffs = compare(fresh.path(), out.path(), Some(&owned), 3, false).unwrap();
        assert_eq!(
            diffs,
            vec![Difference::Stale {
                rel: PathBuf::from("gone.txt")
            }]
        );
    }
}
