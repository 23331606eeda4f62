//! Atomic file writes and the staging area.
//!
//! A file docsift writes appears complete or not at all: bytes go to a hidden
//! temporary file in the destination's own folder, then a rename puts it in place.
//! Bodies are staged under `OUT/.docsift-staging/` while the run decides which
//! documents are canonical, then renamed into place, so the final step is renames,
//! not copies. Files are not fsynced one by one: a crash of docsift leaves no partial
//! file, and syncing a hundred thousand files would cost more than the whole run.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The staging folder's name inside `--out`.
pub const STAGING_DIR: &str = ".docsift-staging";

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
    name.push(format!(".docsift-{}.tmp", std::process::id()));
    path.with_file_name(name)
}

/// Where bodies wait while the corpus stages run.
pub struct Staging {
    dir: PathBuf,
    _temp: Option<tempfile::TempDir>,
}

impl Staging {
    /// A staging folder inside `out` (removing one a killed run left behind).
    pub fn inside(out: &Path) -> io::Result<Self> {
        let dir = out.join(STAGING_DIR);
        if dir.exists() {
            fs::remove_dir_all(&dir)?;
        }
        fs::create_dir_all(&dir)?;
        Ok(Staging { dir, _temp: None })
    }

    /// A private temporary staging folder (output to stdout).
    pub fn temporary() -> io::Result<Self> {
        let t = tempfile::Builder::new().prefix("docsift-").tempdir()?;
        Ok(Staging {
            dir: t.path().to_path_buf(),
            _temp: Some(t),
        })
    }

    pub fn path(&self, index: usize) -> PathBuf {
        self.dir.join(index.to_string())
    }

    pub fn write(&self, index: usize, data: &[u8]) -> io::Result<()> {
        fs::write(self.path(index), data)
    }

    pub fn read(&self, index: usize) -> io::Result<Vec<u8>> {
        fs::read(self.path(index))
    }

    /// Removes the folder and whatever is still in it.
    pub fn remove(self) {
        if self._temp.is_none() {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}
