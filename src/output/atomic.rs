//! Atomic file writes and the staging area.
//!
//! A file docsift writes appears complete or not at all: bytes go to a hidden
//! temporary file in the destination's own folder, then a rename puts it in place.
//! While the corpus stages decide which documents are canonical, each body waits in
//! such a temporary file next to its final path (`DIR/.NAME.docsift-PID.tmp`), so the
//! final step is a rename within one folder and the file system allocates the files
//! along the output tree, as `cp -r` would (a single flat staging folder of 100,000
//! files made inode allocation the slowest part of a run). Files are not fsynced one
//! by one: a crash of docsift leaves no partial file in place, and syncing a hundred
//! thousand files would cost more than the whole run.
//!
//! A marker file, [`RUNNING_MARKER`], sits in `--out` while a run stages files; a
//! run that finds one left by a killed run sweeps that run's temporary files first.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Present in `--out` while a run has staged files there.
pub const RUNNING_MARKER: &str = ".docsift-running";

/// Suffix of every temporary file docsift creates.
pub const TEMP_SUFFIX: &str = ".tmp";
const TEMP_INFIX: &str = ".docsift-";

/// Writes `data` to `path` atomically (temporary file in the same folder, then rename).
pub fn write_atomic(path: &Path, data: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let tmp = temp_name(path);
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(data)?;
        f.flush()?;
        drop(f);
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Moves a finished staged file into place (same file system, so atomic).
pub fn move_into_place(staged: &Path, path: &Path) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    fs::rename(staged, path)
}

fn temp_name(path: &Path) -> PathBuf {
    let mut name = std::ffi::OsString::from(".");
    name.push(path.file_name().unwrap_or_default());
    name.push(format!("{TEMP_INFIX}{}{TEMP_SUFFIX}", std::process::id()));
    path.with_file_name(name)
}

/// True for a temporary file name docsift creates (`.NAME.docsift-PID.tmp`).
pub fn is_temp_name(name: &std::ffi::OsStr) -> bool {
    let b = name.as_encoded_bytes();
    b.first() == Some(&b'.')
        && b.ends_with(TEMP_SUFFIX.as_bytes())
        && b.windows(TEMP_INFIX.len())
            .any(|w| w == TEMP_INFIX.as_bytes())
}

/// Where bodies wait while the corpus stages run: next to their final paths under
/// `--out`, or below a private temporary folder when output goes to stdout.
pub struct Staging {
    root: PathBuf,
    in_out: bool,
    _temp: Option<tempfile::TempDir>,
}

impl Staging {
    /// Staging next to the final files under `out`. Sweeps what a killed run left.
    pub fn inside(out: &Path) -> io::Result<Self> {
        let marker = out.join(RUNNING_MARKER);
        if marker.exists() {
            sweep_temp_files(out);
        }
        fs::write(&marker, format!("{}\n", std::process::id()))?;
        Ok(Staging {
            root: out.to_path_buf(),
            in_out: true,
            _temp: None,
        })
    }

    /// A private temporary staging folder (output to stdout).
    pub fn temporary() -> io::Result<Self> {
        let t = tempfile::Builder::new().prefix("docsift-").tempdir()?;
        Ok(Staging {
            root: t.path().to_path_buf(),
            in_out: false,
            _temp: Some(t),
        })
    }

    /// The staged file for the document whose output path is `rel`.
    pub fn path(&self, rel: &Path) -> PathBuf {
        if self.in_out {
            temp_name(&self.root.join(rel))
        } else {
            self.root.join(rel)
        }
    }

    pub fn write(&self, rel: &Path, data: &[u8]) -> io::Result<()> {
        let p = self.path(rel);
        if let Some(dir) = p.parent() {
            fs::create_dir_all(dir)?;
        }
        fs::write(p, data)
    }

    pub fn read(&self, rel: &Path) -> io::Result<Vec<u8>> {
        fs::read(self.path(rel))
    }

    /// Removes the staged file of `rel`, if any.
    pub fn discard(&self, rel: &Path) {
        let _ = fs::remove_file(self.path(rel));
    }

    /// Ends staging: removes the marker (the temporary folder goes with `self`).
    pub fn finish(self) {
        if self.in_out {
            let _ = fs::remove_file(self.root.join(RUNNING_MARKER));
        }
    }
}

/// Removes temporary files a killed run left under `out` (names docsift creates only).
pub fn sweep_temp_files(out: &Path) {
    for e in walkdir::WalkDir::new(out).into_iter().flatten() {
        if e.file_type().is_file() && is_temp_name(e.file_name()) {
            let _ = fs::remove_file(e.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_are_recognised() {
        let t = temp_name(Path::new("out/a/b.txt"));
        assert!(is_temp_name(t.file_name().unwrap()));
        assert!(!is_temp_name(std::ffi::OsStr::new("b.txt")));
        assert!(!is_temp_name(std::ffi::OsStr::new(".hidden.tmp")));
    }
}
