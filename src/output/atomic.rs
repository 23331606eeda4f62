//! Atomic writes and the staging folder.
//!
//! A file docsift writes appears complete or not at all, and never through a link:
//!
//! * Single files (the manifest, kept duplicates) are written to a
//!   hidden temporary file in their own folder and renamed into place. The temporary
//!   file is created by `tempfile`: an unpredictable name, opened with `O_EXCL`, so a
//!   link planted at a name docsift might use is never followed; and the rename
//!   replaces whatever is at the destination (a link included) rather than writing
//!   through it. Every write, the flush and (for the manifest) an fsync are checked
//!   before the rename.
//! * Documents (and JSON Lines shards) are written, with their final headers, into a staging tree
//!   (`OUT/.docsift-staging/tree/`, created afresh with mode 0700, each file created
//!   new) that mirrors the output, and then published: each
//!   entry of the tree is renamed into `--out` whole when `--out` has nothing by that
//!   name (one rename publishes a folder of complete files), or merged into the
//!   existing folder entry by entry, files replacing files by rename. Writing each file
//!   once and renaming folders costs about what `cp -r` costs; a temporary file and a
//!   rename per document cost twice that. A document whose write failed (a full disk)
//!   is removed from the tree before anything is published, so it never replaces the
//!   file `--out` held: each output path ends with its old file or its complete new
//!   one.
//!
//! Documents are not fsynced one by one: a crash of docsift leaves no partial file in
//! place, and syncing a hundred thousand files would cost more than the whole run.
//! The staging folder also holds the body spool ([`crate::store::spool`]). A run that finds
//! a staging folder left by a killed run removes it first (it holds the `--out` lock,
//! [`super::lock`], so no live run owns that folder); Ctrl-C removes it too.

use std::fs;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use crate::store::spool::Spool;

/// The staging folder's name inside `--out`.
pub const STAGING_DIR: &str = ".docsift-staging";

/// Suffix of every temporary file docsift creates next to a destination.
pub const TEMP_SUFFIX: &str = ".tmp";
const TEMP_INFIX: &str = ".docsift-";

/// No restriction on a written file's permission bits beyond the umask's.
pub const ANY_MODE: u32 = 0o777;

/// The permission bits a new output file is created with: `0o666` (less the umask,
/// which the OS applies) masked with `mode`, so an output is never more readable than
/// the input it came from: a private capture (`0600`) gives a private document.
#[cfg(unix)]
fn create_bits(mode: u32) -> u32 {
    0o666 & mode
}

/// Writes `data` to `path` atomically (temporary file in the same folder, then rename).
pub fn write_atomic(path: &Path, data: &[u8]) -> io::Result<()> {
    write_atomic_with(path, |w| w.write_all(data))
}

/// [`write_atomic`], with at most the permission bits `mode` (see [`ANY_MODE`]).
pub fn write_atomic_mode(path: &Path, data: &[u8], mode: u32) -> io::Result<()> {
    write_atomic_with_mode(path, mode, |w| w.write_all(data))
}

/// Streams a file to `path` atomically: `fill` writes into a buffered temporary file
/// in the same folder (which must exist), which is synced and renamed over `path` only
/// when all of it is written (so a large file such as the manifest is never held in
/// memory whole, and a full disk leaves the previous `path` as it was).
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    write_atomic_with_mode(path, ANY_MODE, fill)
}

/// [`write_atomic_with`], with at most the permission bits `mode`.
pub fn write_atomic_with_mode(
    path: &Path,
    mode: u32,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let tmp = temp_file_for_mode(path, mode)?;
    let mut w = io::BufWriter::with_capacity(1 << 16, tmp.as_file());
    fill(&mut w)?;
    w.into_inner().map_err(|e| e.into_error())?;
    persist(tmp, path, true)
}

/// A new temporary file beside `path`, named `.NAME.docsift-RANDOM.tmp` (removed
/// again if dropped before [`persist`]).
pub fn temp_file_for(path: &Path) -> io::Result<tempfile::NamedTempFile> {
    temp_file_for_mode(path, ANY_MODE)
}

/// [`temp_file_for`], created with at most the permission bits `mode`.
pub fn temp_file_for_mode(path: &Path, mode: u32) -> io::Result<tempfile::NamedTempFile> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(path.file_name().unwrap_or_default());
    prefix.push(TEMP_INFIX);
    let mut b = tempfile::Builder::new();
    b.prefix(&prefix).suffix(TEMP_SUFFIX);
    // As readable as a file written with `fs::write` (the umask decides), not 0600.
    #[cfg(unix)]
    b.permissions(std::os::unix::fs::PermissionsExt::from_mode(create_bits(
        mode,
    )));
    b.tempfile_in(dir)
}

/// Renames a finished temporary file over `path` (after an fsync when `sync`); the
/// temporary file is removed if that fails.
pub fn persist(tmp: tempfile::NamedTempFile, path: &Path, sync: bool) -> io::Result<()> {
    if sync {
        tmp.as_file().sync_all()?;
    }
    tmp.persist(path).map(drop).map_err(|e| e.error)
}

/// True for a temporary file name docsift creates (`.NAME.docsift-RANDOM.tmp`).
pub fn is_temp_name(name: &std::ffi::OsStr) -> bool {
    let b = name.as_encoded_bytes();
    b.first() == Some(&b'.')
        && b.ends_with(TEMP_SUFFIX.as_bytes())
        && b.windows(TEMP_INFIX.len())
            .any(|w| w == TEMP_INFIX.as_bytes())
}

/// Writes `data` at `root/rel` atomically, creating the folders between them, and
/// never through a link: a folder on the way that is a link (or not a folder) is an
/// error, and a link at `rel` itself is replaced, not followed (`--keep-duplicates`).
/// `root` itself is the folder the user named and may be a link.
pub fn write_inside(root: &Path, rel: &Path, data: &[u8]) -> io::Result<()> {
    write_inside_mode(root, rel, data, ANY_MODE)
}

/// [`write_inside`], with at most the permission bits `mode` (see [`ANY_MODE`]).
pub fn write_inside_mode(root: &Path, rel: &Path, data: &[u8], mode: u32) -> io::Result<()> {
    let mut dir = root.to_path_buf();
    let parent = rel.parent().unwrap_or(Path::new(""));
    for c in parent.components() {
        let Component::Normal(name) = c else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "output path leaves its folder",
            ));
        };
        dir.push(name);
        match fs::symlink_metadata(&dir) {
            Ok(m) if m.is_dir() => {}
            Ok(m) if m.file_type().is_symlink() => return Err(link_error()),
            Ok(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    "a file and a folder would have the same name",
                ))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => match fs::create_dir(&dir) {
                Ok(()) => {}
                // Created meanwhile: a folder is fine, anything else is refused.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    if !fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir()) {
                        return Err(link_error());
                    }
                }
                Err(e) => return Err(e),
            },
            Err(e) => return Err(e),
        }
    }
    let dest = root.join(rel);
    if fs::symlink_metadata(&dest).is_ok_and(|m| m.is_dir()) {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "a folder is where the file goes",
        ));
    }
    let tmp = temp_file_for_mode(&dest, mode)?;
    tmp.as_file().write_all(data)?;
    persist(tmp, &dest, false)
}

fn link_error() -> io::Error {
    io::Error::new(
        io::ErrorKind::AlreadyExists,
        "a symbolic link is on the way; docsift does not write through links",
    )
}

/// Creates a new file (never opening one that exists, nor a link) and writes `data`
/// to it, creating its folder only if the open finds it missing (the first file of
/// each folder), not checking for every file. A failed write removes the file.
pub fn write_creating_dirs(path: &Path, data: &[u8]) -> io::Result<()> {
    write_creating_dirs_mode(path, data, ANY_MODE)
}

/// [`write_creating_dirs`], with at most the permission bits `mode` (see [`ANY_MODE`]).
pub fn write_creating_dirs_mode(path: &Path, data: &[u8], mode: u32) -> io::Result<()> {
    create_new_with(path, mode, |w| w.write_all(data))
}

/// [`write_creating_dirs_mode`], streamed: `fill` writes the new file's contents
/// (through a buffer), so a large file (a JSON Lines shard) is never held in memory.
/// A failed write, flush or `fill` removes the file.
pub fn create_new_with(
    path: &Path,
    mode: u32,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let create = || {
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, create_bits(mode));
        #[cfg(not(unix))]
        let _ = mode;
        options.open(path)
    };
    let file = match create() {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir)?;
            }
            create()?
        }
        r => r?,
    };
    let mut w = io::BufWriter::with_capacity(1 << 16, file);
    fill(&mut w).and_then(|()| w.flush()).inspect_err(|_| {
        drop(fs::remove_file(path));
    })
}

/// The run's staging folder: the body spool and the tree of finished documents.
pub struct Staging {
    dir: PathBuf,
    pub spool: Spool,
    in_out: bool,
    /// Documents whose failed write left a file in the tree that could not be
    /// removed; while any is left, nothing is published.
    partial: Mutex<Vec<PathBuf>>,
    _temp: Option<tempfile::TempDir>,
}

impl Staging {
    /// A staging folder inside `out` (removing one a killed run left behind; the
    /// caller holds the `--out` lock).
    pub fn inside(out: &Path, workers: usize) -> io::Result<Self> {
        let dir = out.join(STAGING_DIR);
        match fs::symlink_metadata(&dir) {
            Ok(m) if m.is_dir() => fs::remove_dir_all(&dir)?,
            Ok(_) => fs::remove_file(&dir)?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
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
            partial: Mutex::new(Vec::new()),
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
            partial: Mutex::new(Vec::new()),
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

    /// Writes a finished document into the staging tree at its output path. On
    /// failure the document is not in the tree (so it is never published).
    pub fn write_document(&self, rel: &Path, data: &[u8]) -> io::Result<()> {
        self.write_document_mode(rel, data, ANY_MODE)
    }

    /// [`Staging::write_document`], with at most the permission bits `mode` (those of
    /// the input it came from; see [`ANY_MODE`]).
    pub fn write_document_mode(&self, rel: &Path, data: &[u8], mode: u32) -> io::Result<()> {
        self.write_document_with(rel, mode, |w| w.write_all(data))
    }

    /// [`Staging::write_document_mode`], streamed: `fill` writes the file (a JSON
    /// Lines shard). On failure nothing is left in the tree to publish.
    pub fn write_document_with(
        &self,
        rel: &Path,
        mode: u32,
        fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<()> {
        let path = self.tree().join(rel);
        create_new_with(&path, mode, fill).inspect_err(|_| {
            if fs::symlink_metadata(&path).is_ok() {
                self.partial
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(path.clone());
            }
        })
    }

    /// Moves the staging tree's documents into `out` (see the module doc). Returns the
    /// entries (paths relative to `out`) that could not be published, with why.
    pub fn publish(&self, out: &Path, stop: &dyn Fn() -> bool) -> Vec<(PathBuf, io::Error)> {
        let mut failures = Vec::new();
        let tree = self.tree();
        let partial = self.partial.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = partial
            .iter()
            .find(|p| fs::remove_file(p).is_err() && fs::symlink_metadata(p).is_ok())
        {
            // A partial document that cannot be taken out of the tree: publishing the
            // tree could move it into place, so nothing is published.
            let rel = p.strip_prefix(&tree).unwrap_or(p).to_path_buf();
            failures.push((
                PathBuf::new(),
                io::Error::other(format!(
                    "the partly written {} could not be removed from the staging folder",
                    crate::escape::escape_path(&rel)
                )),
            ));
            return failures;
        }
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
            ..
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
    fn temp_names_are_recognised_and_unpredictable() {
        let d = tempfile::tempdir().unwrap();
        let dest = d.path().join("b.txt");
        let (t1, t2) = (temp_file_for(&dest).unwrap(), temp_file_for(&dest).unwrap());
        assert!(is_temp_name(t1.path().file_name().unwrap()));
        assert_ne!(t1.path(), t2.path());
        assert!(!is_temp_name(std::ffi::OsStr::new("b.txt")));
        assert!(!is_temp_name(std::ffi::OsStr::new(".hidden.tmp")));
    }

    #[cfg(unix)]
    #[test]
    fn write_inside_never_writes_through_a_link() {
        let d = tempfile::tempdir().unwrap();
        let (root, elsewhere) = (d.path().join("keep"), d.path().join("elsewhere"));
        fs::create_dir_all(&root).unwrap();
        fs::create_dir_all(&elsewhere).unwrap();
        fs::write(elsewhere.join("f.txt"), "precious").unwrap();
        std::os::unix::fs::symlink(&elsewhere, root.join("dir")).unwrap();
        std::os::unix::fs::symlink(elsewhere.join("f.txt"), root.join("f.txt")).unwrap();
        let err = write_inside(&root, Path::new("dir/f.txt"), b"x").unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        write_inside(&root, Path::new("f.txt"), b"new").unwrap();
        write_inside(&root, Path::new("a/b/c.txt"), b"c").unwrap();
        assert_eq!(
            fs::read_to_string(elsewhere.join("f.txt")).unwrap(),
            "precious"
        );
        assert!(fs::symlink_metadata(root.join("f.txt")).unwrap().is_file());
        assert_eq!(fs::read_to_string(root.join("f.txt")).unwrap(), "new");
        assert_eq!(fs::read_to_string(root.join("a/b/c.txt")).unwrap(), "c");
        assert!(write_inside(&root, Path::new("../x.txt"), b"x").is_err());
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
