//! Atomic writes and the staging folder.
//!
//! A file docsift writes appears complete or not at all:
//!
//! * Single files (the manifest, `documents.jsonl`, kept duplicates) are written to a
//!   hidden temporary file in their own folder and renamed into place.
//! * Documents are written, with their final headers, into a staging tree
//!   (`OUT/.docsift-staging/tree/`) that mirrors the output, and then published: each
//!   entry of the tree is renamed into `--out` whole when `--out` has nothing by that
//!   name (one rename publishes a folder of complete files), or merged into the
//!   existing folder entry by entry, files replacing files by rename. Writing each file
//!   once and renaming folders costs about what `cp -r` costs; a temporary file and a
//!   rename per document cost twice that.
//!
//! Files are not fsynced one by one: a crash of docsift leaves no partial file in
//! place, and syncing a hundred thousand files would cost more than the whole run.
//! The staging folder also holds the body spool ([`super::spool`]). A run that finds
//! a staging folder left by a killed run removes it first; Ctrl-C removes it too.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::output::spool::Spool;

/// The staging folder's name inside `--out`.
pub const STAGING_DIR: &str = ".docsift-staging";

/// Suffix of every temporary file docsift creates next to a destination.
pub const TEMP_SUFFIX: &str = ".tmp";
const TEMP_INFIX: &str = ".docsift-";

/// This process's id, asked of the OS once.
fn pid() -> u32 {
    static PID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *PID.get_or_init(std::process::id)
}

/// No restriction on a written file's permission bits beyond the umask's.
pub const ANY_MODE: u32 = 0o777;

/// Creates (or truncates) `path` for writing with at most the permission bits `mode`
/// (`0o666` less the umask, masked with `mode`): an output is never more readable
/// than the input it came from, so a private capture (`0600`) gives a private
/// document. A file that already existed is narrowed too.
pub fn create_restricted(path: &Path, mode: u32) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o666 & mode);
        let file = options.open(path)?;
        if mode & ANY_MODE != ANY_MODE {
            let now = file.metadata()?.permissions().mode();
            if now & !mode & 0o777 != 0 {
                file.set_permissions(fs::Permissions::from_mode(now & mode & 0o777))?;
            }
        }
        Ok(file)
    }
    #[cfg(not(unix))]
    {
        let _ = mode;
        options.open(path)
    }
}

/// Writes `data` to `path` atomically (temporary file in the same folder, then rename).
pub fn write_atomic(path: &Path, data: &[u8]) -> io::Result<()> {
    write_atomic_with(path, |w| w.write_all(data))
}

/// [`write_atomic`], with at most the permission bits `mode` (see [`create_restricted`]).
pub fn write_atomic_mode(path: &Path, data: &[u8], mode: u32) -> io::Result<()> {
    write_atomic_with_mode(path, mode, |w| w.write_all(data))
}

/// Streams a file to `path` atomically: `fill` writes into a buffered temporary file
/// in the same folder, which is renamed over `path` only when all of it is written
/// (so a large file such as the manifest is never held in memory whole).
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    write_atomic_with_mode(path, ANY_MODE, fill)
}

/// [`write_atomic_with`], with at most the permission bits `mode` (see
/// [`create_restricted`]).
pub fn write_atomic_with_mode(
    path: &Path,
    mode: u32,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let tmp = temp_name(path);
    let result = (|| {
        let mut w = io::BufWriter::with_capacity(1 << 16, create_restricted(&tmp, mode)?);
        fill(&mut w)?;
        w.into_inner().map_err(|e| e.into_error())?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// The hidden temporary name used for `path` (`.NAME.docsift-PID.tmp`).
pub fn temp_name(path: &Path) -> PathBuf {
    let mut name = std::ffi::OsString::from(".");
    name.push(path.file_name().unwrap_or_default());
    name.push(format!("{TEMP_INFIX}{}{TEMP_SUFFIX}", pid()));
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

/// Writes a file, creating its folder only if the write finds it missing (the first
/// file of each folder), not checking for every file.
pub fn write_creating_dirs(path: &Path, data: &[u8]) -> io::Result<()> {
    write_creating_dirs_mode(path, data, ANY_MODE)
}

/// [`write_creating_dirs`], with at most the permission bits `mode` (see
/// [`create_restricted`]).
pub fn write_creating_dirs_mode(path: &Path, data: &[u8], mode: u32) -> io::Result<()> {
    let write = || create_restricted(path, mode)?.write_all(data);
    match write() {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir)?;
            }
            write()
        }
        r => r,
    }
}

/// The run's staging folder: the body spool and the tree of finished documents.
pub struct Staging {
    dir: PathBuf,
    pub spool: Spool,
    in_out: bool,
    _temp: Option<tempfile::TempDir>,
}

impl Staging {
    /// A staging folder inside `out` (removing one a killed run left behind).
    pub fn inside(out: &Path, workers: usize) -> io::Result<Self> {
        let dir = out.join(STAGING_DIR);
        if dir.exists() {
            fs::remove_dir_all(&dir)?;
        }
        // Private (0700): the spool holds every clean body, private captures' too,
        // until the end of the run. Only the entries inside `tree/` are published.
        fs::create_dir_all(out)?;
        let mut builder = fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&dir)?;
        let spool = Spool::create(&dir, workers)?;
        Ok(Staging {
            dir,
            spool,
            in_out: true,
            _temp: None,
        })
    }

    /// A private temporary staging folder (output to stdout).
    pub fn temporary(workers: usize) -> io::Result<Self> {
        let t = tempfile::Builder::new().prefix("docsift-").tempdir()?;
        let spool = Spool::create(t.path(), workers)?;
        Ok(Staging {
            dir: t.path().to_path_buf(),
            spool,
            in_out: false,
            _temp: Some(t),
        })
    }

    /// The staging folder itself.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn tree(&self) -> PathBuf {
        self.dir.join("tree")
    }

    /// Writes a finished document into the staging tree at its output path.
    pub fn write_document(&self, rel: &Path, data: &[u8]) -> io::Result<()> {
        self.write_document_mode(rel, data, ANY_MODE)
    }

    /// [`Staging::write_document`], with at most the permission bits `mode` (those of
    /// the input it came from; see [`create_restricted`]).
    pub fn write_document_mode(&self, rel: &Path, data: &[u8], mode: u32) -> io::Result<()> {
        write_creating_dirs_mode(&self.tree().join(rel), data, mode)
    }

    /// Moves the staging tree's documents into `out` (see the module doc). Returns the
    /// entries (paths relative to `out`) that could not be published, with why.
    pub fn publish(&self, out: &Path, stop: &dyn Fn() -> bool) -> Vec<(PathBuf, io::Error)> {
        let mut failures = Vec::new();
        let tree = self.tree();
        if tree.exists() {
            merge(&tree, out, Path::new(""), stop, &mut failures);
        }
        failures
    }

    /// Removes the staging folder and everything left in it.
    pub fn finish(self) {
        let Staging {
            dir,
            spool,
            in_out,
            _temp,
        } = self;
        spool.remove();
        if in_out {
            let _ = fs::remove_dir_all(&dir);
        }
    }
}

/// Moves every entry of `src` into `dst`: renamed whole when `dst` has nothing by that
/// name, merged when both are folders, replacing a file by rename otherwise.
fn merge(
    src: &Path,
    dst: &Path,
    rel: &Path,
    stop: &dyn Fn() -> bool,
    failures: &mut Vec<(PathBuf, io::Error)>,
) {
    let entries = match fs::read_dir(src) {
        Ok(e) => e,
        Err(e) => {
            failures.push((rel.to_path_buf(), e));
            return;
        }
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        if stop() {
            return;
        }
        let name = entry.file_name();
        let (from, to, rel) = (entry.path(), dst.join(&name), rel.join(&name));
        let src_is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
        let result = match fs::symlink_metadata(&to) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => fs::rename(&from, &to),
            Ok(m) if src_is_dir && m.is_dir() => {
                merge(&from, &to, &rel, stop, failures);
                Ok(())
            }
            Ok(m) if m.file_type().is_symlink() && src_is_dir => Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "--out has a symbolic link here; docsift does not write through links",
            )),
            Ok(m) if src_is_dir || m.is_dir() => Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "a file and a folder would have the same name",
            )),
            Ok(_) => fs::rename(&from, &to),
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            failures.push((rel, e));
        }
    }
}

/// Removes temporary files a killed run left directly in `out`.
pub fn sweep_temp_files(out: &Path) {
    if let Ok(entries) = fs::read_dir(out) {
        for e in entries.flatten() {
            if is_temp_name(&e.file_name()) {
                let _ = fs::remove_file(e.path());
            }
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

    #[test]
    fn publish_moves_new_folders_whole_and_merges_existing_ones() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("out");
        fs::create_dir_all(out.join("old")).unwrap();
        fs::write(out.join("old/keep.txt"), "mine").unwrap();
        fs::write(out.join("old/a.txt"), "stale").unwrap();
        let st = Staging::inside(&out, 1).unwrap();
        st.write_document(Path::new("new/x.txt"), b"x").unwrap();
        st.write_document(Path::new("old/a.txt"), b"fresh").unwrap();
        st.write_document(Path::new("top.txt"), b"t").unwrap();
        assert!(st.publish(&out, &|| false).is_empty());
        st.finish();
        assert_eq!(fs::read_to_string(out.join("new/x.txt")).unwrap(), "x");
        assert_eq!(fs::read_to_string(out.join("old/a.txt")).unwrap(), "fresh");
        assert_eq!(
            fs::read_to_string(out.join("old/keep.txt")).unwrap(),
            "mine"
        );
        assert_eq!(fs::read_to_string(out.join("top.txt")).unwrap(), "t");
        assert!(!out.join(STAGING_DIR).exists());
    }

    #[test]
    fn a_folder_where_a_file_goes_is_a_failure_not_a_loss() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("out");
        fs::create_dir_all(out.join("a.txt")).unwrap();
        let st = Staging::inside(&out, 1).unwrap();
        st.write_document(Path::new("a.txt"), b"x").unwrap();
        let f = st.publish(&out, &|| false);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].0, PathBuf::from("a.txt"));
        st.finish();
        assert!(out.join("a.txt").is_dir());
    }
}
