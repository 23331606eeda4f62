//! Reading one source's bytes with the guards a long unattended run needs: a size
//! limit (checked before reading and again while reading, so a file that grows cannot
//! exhaust memory), regular files only (a FIFO or device would block or never end),
//! and every failure turned into a [`DocError`] for the manifest.

use std::fs::File;
use std::io::Read;

use crate::document::Origin;
use crate::error::DocError;
use crate::input::compress;
use crate::input::walk::Source;

/// Reads a source's bytes, at most `max_bytes` of them.
pub fn read_source(source: &Source, max_bytes: u64) -> Result<Vec<u8>, DocError> {
    read_source_with_mode(source, max_bytes).map(|(bytes, _)| bytes)
}

/// [`read_source`], with the permission bits (`0o777` at most) of the file read,
/// when it is a regular file: a document is never written more readable than the
/// file it came from. `None` for a pipe, a terminal, or where there are no modes.
///
/// A gzip or zstd capture (`capture.txt.gz`, or compressed bytes under any name) is
/// decompressed, and `max_bytes` then bounds the decompressed size too, so a
/// decompression bomb is an error row, not an out-of-memory.
pub fn read_source_with_mode(
    source: &Source,
    max_bytes: u64,
) -> Result<(Vec<u8>, Option<u32>), DocError> {
    let (bytes, mode) = read_raw(source, max_bytes)?;
    let path = match &source.meta.origin {
        Origin::Stdin => None,
        _ => Some(source.rel()),
    };
    if compress::Compression::detect(path, &bytes) == compress::Compression::None {
        return Ok((bytes, mode));
    }
    let (plain, _) = compress::read_to_end_limited(&bytes[..], path, max_bytes)
        .map_err(|e| decompress_error(&e))?;
    Ok((plain, mode))
}

/// The row reason for a stream that did not decompress.
pub fn decompress_error(e: &std::io::Error) -> DocError {
    match compress::BudgetExceeded::find(e) {
        Some(b) => DocError::Decompress(b.to_string()),
        None => DocError::Decompress(format!(
            "cannot decompress: {}",
            crate::error::one_line(&e.to_string())
        )),
    }
}

fn read_raw(source: &Source, max_bytes: u64) -> Result<(Vec<u8>, Option<u32>), DocError> {
    if let Some(e) = &source.walk_error {
        return Err((**e).clone());
    }
    // A read can block for ever (stdin whose writer never closes it, /proc/kmsg):
    // the interrupt watchdog names what it was stuck on.
    let _reading = crate::interrupt::reading(&crate::escape::escape_path(&source.path()));
    match &source.meta.origin {
        Origin::Stdin => {
            let stdin = std::io::stdin().lock();
            let mode = stdin_mode();
            read_limited(stdin, 0, max_bytes).map(|b| (b, mode))
        }
        Origin::File { .. } => {
            let path = &source.path();
            // Look before opening: opening a FIFO for reading blocks until a writer
            // comes, and a device may never end.
            if !source.known_file {
                match std::fs::metadata(path) {
                    Ok(m) if !m.is_file() => return Err(DocError::NotAFile),
                    _ => {}
                }
            }
            let file = File::open(path).map_err(|e| {
                if e.kind() == std::io::ErrorKind::NotFound
                    && std::fs::symlink_metadata(path).is_ok()
                {
                    DocError::DanglingLink
                } else {
                    DocError::from_io(&e)
                }
            })?;
            let meta = file.metadata().map_err(|e| DocError::from_io(&e))?;
            if !meta.is_file() {
                return Err(DocError::NotAFile);
            }
            if meta.len() > max_bytes {
                return Err(DocError::TooLarge {
                    size: meta.len(),
                    limit: max_bytes,
                });
            }
            let bytes = read_limited(&file, meta.len(), max_bytes)?;
            let after = file.metadata().map_err(|e| DocError::from_io(&e))?;
            if changed_while_read(&meta, &after, bytes.len()) {
                return Err(DocError::Changed);
            }
            Ok((bytes, permission_bits(&meta)))
        }
        // Records are read with their file (`input::records`), never one by one.
        Origin::Record { .. } => Err(DocError::Internal("a record was read as a file".into())),
    }
}

#[cfg(unix)]
fn permission_bits(meta: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    Some(meta.permissions().mode() & 0o777)
}

#[cfg(not(unix))]
fn permission_bits(_: &std::fs::Metadata) -> Option<u32> {
    None
}

/// The permission bits of the file on stdin (`docsift clean - < private.txt`), if
/// stdin is a regular file; a pipe's mode says nothing about its writer's data.
#[cfg(unix)]
fn stdin_mode() -> Option<u32> {
    use std::os::fd::AsFd;
    let fd = std::io::stdin().as_fd().try_clone_to_owned().ok()?;
    let meta = File::from(fd).metadata().ok()?;
    if meta.is_file() {
        permission_bits(&meta)
    } else {
        None
    }
}

#[cfg(not(unix))]
fn stdin_mode() -> Option<u32> {
    None
}

/// A file written to while docsift read it (a scraper still saving it) would give a
/// torn document: the bytes read must be as many as the file held when opened, and
/// its size and modification time must not have moved since. Such a file is an
/// error row ("file changed while being read"), to be cleaned on the next run.
fn changed_while_read(before: &std::fs::Metadata, after: &std::fs::Metadata, read: usize) -> bool {
    stamp_changed(
        (before.len(), before.modified().ok()),
        (after.len(), after.modified().ok()),
        read,
    )
}

fn stamp_changed(
    before: (u64, Option<std::time::SystemTime>),
    after: (u64, Option<std::time::SystemTime>),
    read: usize,
) -> bool {
    before.0 != read as u64 || before != after
}

fn read_limited(reader: impl Read, hint: u64, max_bytes: u64) -> Result<Vec<u8>, DocError> {
    let mut buf = Vec::with_capacity(hint.min(max_bytes) as usize + 1);
    reader
        .take(max_bytes.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| DocError::from_io(&e))?;
    if buf.len() as u64 > max_bytes {
        return Err(DocError::TooLarge {
            size: buf.len() as u64,
            limit: max_bytes,
        });
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    #[test]
    fn growth_truncation_or_a_new_mtime_during_the_read_is_a_change() {
        let t = Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_000));
        let later = Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_001));
        assert!(!stamp_changed((10, t), (10, t), 10));
        assert!(stamp_changed((10, t), (14, later), 14), "grew while read");
        assert!(
            stamp_changed((10, t), (4, later), 4),
            "truncated while read"
        );
        assert!(
            stamp_changed((10, t), (10, later), 10),
            "rewritten in place"
        );
        assert!(stamp_changed((10, t), (10, t), 9), "short read");
    }

    #[test]
    fn a_file_removed_after_the_walk_is_not_found() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("gone.txt");
        std::fs::write(&p, "text\n").unwrap();
        let sources = crate::input::expand(&[d.path().to_path_buf()]).unwrap();
        std::fs::remove_file(&p).unwrap();
        assert_eq!(read_source(&sources[0], 1 << 20), Err(DocError::NotFound));
    }
}
