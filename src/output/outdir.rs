//! Deciding whether `--out` may be used, before anything is read.
//!
//! Refused (exit 2): an `--out` that is a file, that is or lies inside an input, that
//! contains an input (its outputs could land on the input's files), or that already
//! holds files when `--force` is not given; an `--out` another run holds (see
//! [`super::lock`]).

use std::fs;
use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};
use crate::output::atomic::STAGING_DIR;
use crate::output::lock::{self, OutLock};

/// Checks `out` against the inputs, creates it and locks it for this run (the lock is
/// held until the returned guard is dropped).
pub fn prepare(out: &Path, inputs: &[PathBuf], force: bool) -> Result<OutLock> {
    let bad = |reason: String| Error::BadOut {
        path: out.to_path_buf(),
        reason,
    };
    let not_empty = || {
        bad(
            "--out is not empty; pass --force to update it (docsift never deletes files it did not write)"
                .into(),
        )
    };
    validate(out, inputs)?;
    if out.is_dir() && !force && !is_empty_dir(out) {
        return Err(not_empty());
    }
    fs::create_dir_all(out).map_err(|e| bad(format!("cannot create --out: {e}")))?;
    let held = lock::acquire(out, "docsift clean")?;
    // Asked again under the lock: a run that finished while this one was starting
    // has filled the folder.
    if !force && !is_empty_dir(out) {
        return Err(not_empty());
    }
    Ok(held)
}

/// Refuses a `--keep-duplicates` folder that is, lies inside or contains `--out`:
/// each run's writes would land among the other's files (and a `--force` run would
/// take the kept duplicates for stale output).
pub fn validate_keep(keep: &Path, out: &Path) -> Result<()> {
    let (keep_abs, out_abs) = (lenient_canonicalize(keep), lenient_canonicalize(out));
    if keep_abs.starts_with(&out_abs) || out_abs.starts_with(&keep_abs) {
        return Err(Error::BadOut {
            path: keep.to_path_buf(),
            reason: format!(
                "--keep-duplicates is, lies inside or contains --out ({}); give it a folder of its own",
                crate::escape::terminal_path(out)
            ),
        });
    }
    Ok(())
}

/// Refuses an `--out` that is a file, or is, lies inside or contains an input
/// (`--check` asks this too, though it never writes there).
pub fn validate(out: &Path, inputs: &[PathBuf]) -> Result<()> {
    let bad = |reason: String| Error::BadOut {
        path: out.to_path_buf(),
        reason,
    };
    if out.exists() && !out.is_dir() {
        return Err(bad("--out exists and is not a directory".into()));
    }
    let out_abs = lenient_canonicalize(out);
    for input in inputs {
        if input.as_os_str() == "-" {
            continue;
        }
        let Ok(in_abs) = input.canonicalize() else {
            continue;
        };
        if out_abs.starts_with(&in_abs) {
            return Err(bad(format!(
                "--out is, or is inside, the input {}; docsift never writes into its inputs",
                crate::escape::terminal_path(input)
            )));
        }
        if in_abs.starts_with(&out_abs) {
            return Err(bad(format!(
                "--out contains the input {}; docsift never writes into its inputs",
                crate::escape::terminal_path(input)
            )));
        }
    }
    Ok(())
}

fn is_empty_dir(dir: &Path) -> bool {
    match fs::read_dir(dir) {
        Ok(mut it) => it.all(|e| {
            e.map(|e| e.file_name() == STAGING_DIR || e.file_name() == lock::LOCK_FILE)
                .unwrap_or(false)
        }),
        Err(_) => false,
    }
}

/// Canonicalizes the longest existing prefix of `p` and appends the rest lexically,
/// so a not-yet-created `--out` can still be compared with the inputs.
pub fn lenient_canonicalize(p: &Path) -> PathBuf {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    let mut existing = abs.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (
            existing.file_name().map(|s| s.to_owned()),
            existing.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => break,
        }
    }
    let mut out = existing.canonicalize().unwrap_or(existing);
    for name in rest.into_iter().rev() {
        for c in Path::new(&name).components() {
            match c {
                Component::ParentDir => {
                    out.pop();
                }
                Component::Normal(n) => out.push(n),
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_out_inside_input() {
        let d = tempfile::tempdir().unwrap();
        let input = d.path().join("in");
        fs::create_dir_all(&input).unwrap();
        let err = prepare(&input.join("clean"), std::slice::from_ref(&input), false).unwrap_err();
        assert!(err.to_string().contains("inside, the input"), "{err}");
        assert!(!input.join("clean").exists());
        let err = prepare(&input, std::slice::from_ref(&input), true).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn refuses_non_empty_without_force() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("out");
        fs::create_dir_all(&out).unwrap();
        fs::write(out.join("x"), "x").unwrap();
        assert!(prepare(&out, &[], false).is_err());
        assert!(prepare(&out, &[], true).is_ok());
    }
}
