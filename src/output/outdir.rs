//! Deciding whether `--out` may be used, before anything is read.
//!
//! Refused (exit 2): an `--out` that is a file, that is or lies inside an input, that
//! contains an input (its outputs could land on the input's files), or that already
//! holds files when `--force` is not given.

use std::fs;
use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};
use crate::output::atomic::STAGING_DIR;

/// Checks `out` against the inputs and creates it.
pub fn prepare(out: &Path, inputs: &[PathBuf], force: bool) -> Result<()> {
    let bad = |reason: String| Error::BadOut {
        path: out.to_path_buf(),
        reason,
    };
    validate(out, inputs)?;
    if out.is_dir() && !force && !is_empty_dir(out) {
        return Err(bad(
            "--out is not empty; pass --force to update it (docsift never deletes files it did not write)"
                .into(),
        ));
    }
    fs::create_dir_all(out).map_err(|e| bad(format!("cannot create --out: {e}")))?;
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
                crate::ui::escape::terminal_path(input)
            )));
        }
        if in_abs.starts_with(&out_abs) {
            return Err(bad(format!(
                "--out contains the input {}; docsift never writes into its inputs",
                crate::ui::escape::terminal_path(input)
            )));
        }
    }
    Ok(())
}

fn is_empty_dir(dir: &Path) -> bool {
    match fs::read_dir(dir) {
        Ok(mut it) => it.all(|e| e.map(|e| e.file_name() == STAGING_DIR).unwrap_or(false)),
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
