//! Reading one source's bytes with the guards a long unattended run needs: a size
//! limit (checked before reading and again while reading, so a file that grows cannot
//! exhaust memory), regular files only (a FIFO or device would block or never end),
//! and every failure turned into a [`DocError`] for the manifest.

use std::fs::File;
use std::io::Read;

use crate::error::DocError;
use crate::input::walk::{Source, SourceKind};

/// Reads a source's bytes, at most `max_bytes` of them.
pub fn read_source(source: &Source, max_bytes: u64) -> Result<Vec<u8>, DocError> {
    if let Some(e) = &source.walk_error {
        return Err((**e).clone());
    }
    match &source.kind {
        SourceKind::Stdin => read_limited(std::io::stdin().lock(), 0, max_bytes),
        SourceKind::File { .. } => {
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
            let bytes = read_limited(file, meta.len(), max_bytes)?;
            Ok(bytes)
        }
    }
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
