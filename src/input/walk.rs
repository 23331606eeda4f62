//! Expanding the command line's inputs into sources.
//!
//! Every input becomes one or more [`Source`]s, each with its path relative to the
//! root it came from: a file given by name is its file name, a file found under a
//! folder is its path below that folder, stdin is `-`. Sources are sorted by that
//! relative path, byte-wise, so the order never depends on the order of the inputs on
//! the command line or on the order the file system lists a folder. Two sources with
//! the same relative path would overwrite each other's output: that is an error
//! before anything is read.
//!
//! Folders are walked recursively with `walkdir`, skipping hidden files and folders
//! (names starting with `.`) below each root. Symbolic links met while walking are
//! not followed unless asked (`-L/--follow`), as ripgrep and fd do: a link inside a
//! folder of captures may point anywhere (a private file, `/proc/kmsg`, the folder's
//! own parent), and following it would publish what the folder's owner never put
//! there. Such a link is skipped and counted ([`Expanded::skipped_links`]), so the run
//! can say so. A path named on the command line is followed whatever it is: naming
//! it is asking for it. What cannot be walked (a broken link or a link loop when
//! following, a folder that cannot be entered) becomes a source that carries its
//! error, so it is a manifest row and not a silent gap. A path named on the command
//! line that does not exist is a usage error, found before anything is written.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use walkdir::WalkDir;

use crate::document::{Meta, Origin, Site};
use crate::error::{DocError, Error, Result};
use crate::escape::escape_path;

/// Where a file found by the walk lies: under which root (shared by every source
/// found under it, so that a run's many sources stay small).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceKind {
    Stdin,
    File { root: Arc<Path> },
}

/// One input document found by a reader, before it is read: its metadata (key,
/// origin, site) and what the walk learned about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Key (the relative path as the manifest shows it: `/`-separated, non-UTF-8
    /// bytes escaped), origin (root and relative path; `-` for stdin) and site (the
    /// folder below the root).
    pub meta: Arc<Meta>,
    /// An error found while walking (broken link, loop, unreadable folder).
    pub walk_error: Option<Box<DocError>>,
    /// The walk already saw a regular file here (no need to look again before opening).
    pub known_file: bool,
}

impl Source {
    fn new(kind: SourceKind, rel: PathBuf, walk_error: Option<DocError>) -> Self {
        let site = Site::new(escape_path(rel.parent().unwrap_or(Path::new(""))));
        Source::with_site(kind, rel, walk_error, site)
    }

    /// [`Source::new`] in a site already made (the walk shares one per folder).
    fn with_site(kind: SourceKind, rel: PathBuf, walk_error: Option<DocError>, site: Site) -> Self {
        let name = escape_path(&rel);
        let origin = match kind {
            SourceKind::Stdin => Origin::Stdin,
            SourceKind::File { root } => Origin::file(root, rel, &name),
        };
        Source {
            meta: Arc::new(Meta::file(origin, name, site)),
            walk_error: walk_error.map(Box::new),
            known_file: false,
        }
    }

    pub fn stdin() -> Self {
        Source::new(SourceKind::Stdin, PathBuf::from("-"), None)
    }

    /// A file given by its path (its relative path is the whole path).
    pub fn file(path: &Path) -> Self {
        Source::new(
            SourceKind::File {
                root: Arc::from(Path::new("")),
            },
            path.to_path_buf(),
            None,
        )
    }

    /// The file's path (`-` for stdin): what is opened, and what a user is shown.
    pub fn path(&self) -> PathBuf {
        self.meta.path()
    }

    /// Path relative to its input root (`-` for stdin); also the output path.
    pub fn rel(&self) -> &Path {
        self.meta.rel()
    }

    /// The relative path as the manifest shows it (the document's key).
    pub fn name(&self) -> &str {
        &self.meta.key
    }
}

fn is_hidden(name: &OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

/// Expands inputs (`-`, files, folders) into sources sorted by relative path, not
/// following symbolic links met while walking (see [`expand_with`]).
pub fn expand(inputs: &[PathBuf]) -> Result<Vec<Source>> {
    expand_with(inputs, false).map(|e| e.sources)
}

/// The command line's inputs as sources, and what the walk passed over.
#[derive(Debug, Default)]
pub struct Expanded {
    /// Sorted by relative path.
    pub sources: Vec<Source>,
    /// Symbolic links met while walking a folder and not followed (no `--follow`),
    /// as their paths; the run reports them so that nothing vanishes silently.
    pub skipped_links: Vec<PathBuf>,
    /// The texts and input fields of records read from shards and archives (see
    /// [`crate::input::records`]); `None` when every input is a plain capture.
    pub inputs: Option<Arc<crate::store::InputStore>>,
    /// WARC records that are not documents, counted by type (`warcinfo`,
    /// `response (text/html)`, …).
    pub skipped_records: std::collections::BTreeMap<String, u64>,
}

/// Expands inputs (`-`, files, folders) into sources sorted by relative path;
/// `follow`: follow symbolic links met while walking folders (`-L/--follow`).
/// An input that does not exist is an error (a usage error: exit 2).
pub fn expand_with(inputs: &[PathBuf], follow: bool) -> Result<Expanded> {
    let mut sources = Vec::new();
    let mut skipped_links = Vec::new();
    let mut stdin_seen = false;
    for input in inputs {
        if input.as_os_str() == "-" {
            if stdin_seen {
                return Err(Error::StdinTwice);
            }
            stdin_seen = true;
            sources.push(Source::stdin());
            continue;
        }
        expand_one(input, follow, &mut sources, &mut skipped_links)?;
    }
    sources.sort_by(|a, b| {
        a.rel()
            .as_os_str()
            .as_encoded_bytes()
            .cmp(b.rel().as_os_str().as_encoded_bytes())
    });
    for pair in sources.windows(2) {
        if pair[0].rel() == pair[1].rel() {
            return Err(Error::OutputCollision {
                rel: pair[0].rel().to_path_buf(),
                first: pair[0].path(),
                second: pair[1].path(),
            });
        }
    }
    sources.shrink_to_fit();
    skipped_links.sort();
    Ok(Expanded {
        sources,
        skipped_links,
        ..Expanded::default()
    })
}

fn file_rel(input: &Path) -> PathBuf {
    input
        .file_name()
        .map(PathBuf::from)
        .unwrap_or_else(|| input.to_path_buf())
}

/// The root of a file given by name: its folder (so that root + file name is the
/// path given).
fn file_root(input: &Path) -> SourceKind {
    let root = match input.file_name() {
        Some(_) => input.parent().unwrap_or(Path::new("")),
        None => Path::new(""),
    };
    SourceKind::File {
        root: Arc::from(root),
    }
}

fn expand_one(
    input: &Path,
    follow: bool,
    out: &mut Vec<Source>,
    skipped_links: &mut Vec<PathBuf>,
) -> Result<()> {
    let meta = match std::fs::metadata(input) {
        Ok(m) => m,
        Err(e) => {
            // A named path that is not there is a typo, not an input that failed:
            // refused before `--out` is created, so the corrected rerun is not refused
            // in turn as a non-empty `--out`. A link whose target is missing is
            // reported as such, not as "not found".
            let dangling = std::fs::symlink_metadata(input).is_ok();
            if e.kind() == std::io::ErrorKind::NotFound {
                return Err(Error::MissingInput {
                    path: input.to_path_buf(),
                    reason: if dangling {
                        DocError::DanglingLink
                    } else {
                        DocError::NotFound
                    },
                });
            }
            let err = if dangling {
                DocError::DanglingLink
            } else {
                DocError::from_io(&e)
            };
            out.push(Source::new(file_root(input), file_rel(input), Some(err)));
            return Ok(());
        }
    };
    if !meta.is_dir() {
        out.push(Source::new(file_root(input), file_rel(input), None));
        return Ok(());
    }
    let root: Arc<Path> = Arc::from(input);
    let under_root = |path: &Path| -> (SourceKind, PathBuf) {
        match path.strip_prefix(input) {
            Ok(rel) => (SourceKind::File { root: root.clone() }, rel.to_path_buf()),
            Err(_) => (
                SourceKind::File {
                    root: Arc::from(Path::new("")),
                },
                path.to_path_buf(),
            ),
        }
    };
    // One site value per folder, shared by its files (the walk lists a folder's
    // files together).
    let mut last_site: Option<(PathBuf, Site)> = None;
    // The root itself is followed (it was named); below it, links only with `follow`.
    let walker = WalkDir::new(input)
        .follow_links(follow)
        .follow_root_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_hidden(e.file_name()));
    for entry in walker {
        match entry {
            Ok(e) => {
                if e.file_type().is_dir() {
                    continue;
                }
                if e.path_is_symlink() && !follow && e.depth() > 0 {
                    skipped_links.push(e.into_path());
                    continue;
                }
                let (kind, rel) = under_root(e.path());
                let parent = rel.parent().unwrap_or(Path::new(""));
                if last_site.as_ref().is_none_or(|(p, _)| p != parent) {
                    let site = Site::new(escape_path(parent));
                    last_site = Some((parent.to_path_buf(), site));
                }
                let site = last_site.as_ref().map(|(_, s)| s.clone()).expect("set");
                let mut s = Source::with_site(kind, rel, None, site);
                s.known_file = e.file_type().is_file();
                out.push(s);
            }
            Err(e) => {
                let Some(path) = e.path().map(Path::to_path_buf) else {
                    continue;
                };
                let err = if let Some(anc) = e.loop_ancestor() {
                    DocError::LinkLoop {
                        ancestor: escape_path(anc.strip_prefix(input).unwrap_or(anc)),
                    }
                } else if std::fs::symlink_metadata(&path)
                    .map(|m| m.file_type().is_symlink())
                    .unwrap_or(false)
                    && std::fs::metadata(&path).is_err()
                {
                    DocError::DanglingLink
                } else if std::fs::symlink_metadata(&path)
                    .map(|m| m.is_dir())
                    .unwrap_or(false)
                {
                    let msg = e
                        .io_error()
                        .map(|io| DocError::from_io(io).to_string())
                        .unwrap_or_else(|| e.to_string());
                    DocError::Directory(msg)
                } else {
                    e.io_error()
                        .map(DocError::from_io)
                        .unwrap_or_else(|| DocError::Read(e.to_string()))
                };
                let (kind, rel) = under_root(&path);
                out.push(Source::new(kind, rel, Some(err)));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_relative_and_hidden_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("caps");
        std::fs::create_dir_all(root.join("b")).unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::write(root.join("b/2.txt"), "x").unwrap();
        std::fs::write(root.join("a.txt"), "x").unwrap();
        std::fs::write(root.join(".hidden.txt"), "x").unwrap();
        std::fs::write(root.join(".git/config"), "x").unwrap();
        let s = expand(std::slice::from_ref(&root)).unwrap();
        let names: Vec<_> = s.iter().map(|s| s.name()).collect();
        assert_eq!(names, ["a.txt", "b/2.txt"]);
        assert_eq!(s[1].meta.site.as_str(), "b");
        assert_eq!(s[0].meta.site.as_str(), "");
        assert_eq!(s[1].path(), root.join("b/2.txt"));
        let one = expand(&[root.join("b/2.txt")]).unwrap();
        assert_eq!(one[0].name(), "2.txt");
        assert_eq!(one[0].path(), root.join("b/2.txt"));
    }

    #[test]
    fn collision_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("x")).unwrap();
        std::fs::create_dir_all(dir.path().join("y")).unwrap();
        std::fs::write(dir.path().join("x/a.txt"), "1").unwrap();
        std::fs::write(dir.path().join("y/a.txt"), "2").unwrap();
        let err = expand(&[dir.path().join("x/a.txt"), dir.path().join("y")]).unwrap_err();
        assert!(matches!(err, Error::OutputCollision { .. }));
    }
}
