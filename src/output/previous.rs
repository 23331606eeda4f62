//! What an earlier run wrote into `--out`, as its manifest tells, and removing what
//! this run no longer writes.
//!
//! `--force` updates docsift's own files and never touches anyone else's, so "docsift's
//! own" has to be known exactly: it is the set of `output` paths in the manifest that
//! `--out` holds. After a `--force` run has written its manifest, the files that set
//! names and this run did not write (a capture since removed, a document that is now a
//! near duplicate) are removed, so the output and its manifest agree and `--check`
//! passes. Only regular files are removed, only at a path the manifest names, only
//! below `--out`, and never through a link; a folder left empty by a removal goes too.
//! `--check` reports as stale only such files.

use std::collections::{BTreeSet, HashSet};
use std::fs;
use std::io::{self, BufRead};
use std::path::{Component, Path, PathBuf};

use crate::escape::escape_path;
use crate::output::MANIFEST_FILE;

#[derive(serde::Deserialize)]
struct OutputField {
    #[serde(default)]
    output: Option<String>,
}

/// The `output` paths named by `out/manifest.jsonl` (relative to `out`), or `None`
/// when there is no manifest (or it is not a regular file). Lines that do not parse
/// and names that would leave `out` are skipped: they name nothing docsift may touch.
pub fn outputs(out: &Path) -> io::Result<Option<BTreeSet<PathBuf>>> {
    let path = out.join(MANIFEST_FILE);
    match fs::symlink_metadata(&path) {
        Ok(m) if m.is_file() => {}
        Ok(_) => return Ok(None),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    }
    let mut set = BTreeSet::new();
    for line in io::BufReader::new(fs::File::open(&path)?).lines() {
        let line = line?;
        let Ok(OutputField { output: Some(name) }) = serde_json::from_str(&line) else {
            continue;
        };
        if let Some(rel) = unescape(&name) {
            set.insert(rel);
        }
    }
    Ok(Some(set))
}

/// The path a manifest's escaped name stands for (the inverse of [`escape_path`]),
/// if it is a relative path that stays below `--out` and is not the manifest itself.
fn unescape(name: &str) -> Option<PathBuf> {
    let mut bytes = Vec::with_capacity(name.len());
    let mut rest = name.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        if b != b'\\' {
            bytes.push(b);
            rest = tail;
            continue;
        }
        match tail {
            [b'\\', t @ ..] => {
                bytes.push(b'\\');
                rest = t;
            }
            [b'x', h, l, t @ ..] => {
                let hex = std::str::from_utf8(&[*h, *l]).ok()?.to_owned();
                bytes.push(u8::from_str_radix(&hex, 16).ok()?);
                rest = t;
            }
            _ => return None,
        }
    }
    #[cfg(unix)]
    let path = PathBuf::from(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(&bytes));
    #[cfg(not(unix))]
    let path = PathBuf::from(String::from_utf8(bytes).ok()?);
    let normal = path.components().next().is_some()
        && path.components().all(|c| matches!(c, Component::Normal(_)));
    (normal && path != Path::new(MANIFEST_FILE) && escape_path(&path) == name).then_some(path)
}

/// Removes from `out` each file in `previous` that is not in `written` (see the module
/// doc). Returns the paths removed and those that could not be, with why.
pub fn remove_stale(
    out: &Path,
    previous: &BTreeSet<PathBuf>,
    written: &HashSet<PathBuf>,
) -> (Vec<PathBuf>, Vec<(PathBuf, io::Error)>) {
    let (mut removed, mut failed) = (Vec::new(), Vec::new());
    for rel in previous.iter().filter(|r| !written.contains(*r)) {
        if !below_without_links(out, rel) {
            continue;
        }
        let path = out.join(rel);
        match fs::symlink_metadata(&path) {
            Ok(m) if m.is_file() => match fs::remove_file(&path) {
                Ok(()) => {
                    removed.push(rel.clone());
                    let mut dir = rel.parent();
                    while let Some(d) = dir.filter(|d| !d.as_os_str().is_empty()) {
                        if fs::remove_dir(out.join(d)).is_err() {
                            break;
                        }
                        dir = d.parent();
                    }
                }
                Err(e) => failed.push((rel.clone(), e)),
            },
            // Gone already, or a link or folder docsift did not make: left alone.
            _ => {}
        }
    }
    (removed, failed)
}

/// True when every folder between `out` and `rel`'s file is a real folder (no link).
fn below_without_links(out: &Path, rel: &Path) -> bool {
    let mut dir = out.to_path_buf();
    let Some(parent) = rel.parent() else {
        return false;
    };
    for c in parent.components() {
        let Component::Normal(name) = c else {
            return false;
        };
        dir.push(name);
        if !fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir()) {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_back_from_their_escaped_form_and_unsafe_ones_are_refused() {
        assert_eq!(unescape("a/b.txt"), Some(PathBuf::from("a/b.txt")));
        assert_eq!(unescape(r"a\\b.txt"), Some(PathBuf::from(r"a\b.txt")));
        for bad in [
            "../x.txt",
            "/etc/passwd",
            "a/../../x",
            MANIFEST_FILE,
            r"a\q",
            "",
        ] {
            assert_eq!(unescape(bad), None, "{bad}");
        }
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let p = unescape(r"caf\xE9.txt").unwrap();
            assert_eq!(p.as_os_str().as_bytes(), b"caf\xe9.txt");
        }
    }

    #[cfg(unix)]
    #[test]
    fn only_named_regular_files_below_out_are_removed_never_through_links() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("out");
        let elsewhere = d.path().join("elsewhere");
        fs::create_dir_all(out.join("gone/deep")).unwrap();
        fs::create_dir_all(out.join("kept")).unwrap();
        fs::create_dir_all(&elsewhere).unwrap();
        fs::write(out.join("gone/deep/a.txt"), "old").unwrap();
        fs::write(out.join("kept/b.txt"), "still written").unwrap();
        fs::write(out.join("kept/mine.txt"), "the user's").unwrap();
        fs::write(elsewhere.join("c.txt"), "outside").unwrap();
        fs::write(elsewhere.join("d.txt"), "outside").unwrap();
        std::os::unix::fs::symlink(&elsewhere, out.join("via")).unwrap();
        std::os::unix::fs::symlink(elsewhere.join("d.txt"), out.join("d.txt")).unwrap();
        let previous: BTreeSet<PathBuf> = ["gone/deep/a.txt", "kept/b.txt", "via/c.txt", "d.txt"]
            .iter()
            .map(PathBuf::from)
            .collect();
        let written: HashSet<PathBuf> = [PathBuf::from("kept/b.txt")].into();
        let (removed, failed) = remove_stale(&out, &previous, &written);
        assert_eq!(removed, [PathBuf::from("gone/deep/a.txt")]);
        assert!(failed.is_empty());
        assert!(!out.join("gone").exists(), "emptied folders go too");
        assert!(out.join("kept/b.txt").is_file() && out.join("kept/mine.txt").is_file());
        assert!(elsewhere.join("c.txt").is_file() && elsewhere.join("d.txt").is_file());
        assert!(fs::symlink_metadata(out.join("d.txt")).is_ok());
    }
}
