//! One run at a time on an `--out`: an advisory lock on `OUT/.docsift-lock`.
//!
//! Two runs on one `--out` would delete each other's staging folder and publish into
//! each other's output, so a run (and `--check`, which must not compare a half-written
//! `--out`) takes an exclusive `flock(2)` on a file inside `--out` before it looks at
//! anything there. A second run finds the lock held and refuses (exit 2), naming the
//! holder from the line the holder wrote into the file (process id, start time, what
//! it is doing); it touches nothing. The kernel drops the lock when its holder exits,
//! however it exits, so a killed run never leaves `--out` locked.
//!
//! The holder removes the file when it is done, so a finished `--out` holds only
//! output. Removal happens only while the exclusive lock is held, and whoever locks
//! the file checks afterwards that the name still leads to the file it locked (and
//! starts again if not), so a run that opened the file just before it was removed
//! cannot end up holding a lock nobody else can see.
//!
//! The file is opened without following a link at its name, so a link planted there
//! cannot make docsift create or truncate a file elsewhere.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The lock file's name inside `--out`.
pub const LOCK_FILE: &str = ".docsift-lock";

/// A held lock on an `--out`; dropping it removes the lock file and releases the lock.
#[derive(Debug)]
pub struct OutLock {
    file: File,
    path: PathBuf,
    /// Removed by the interrupt watchdog too, if it abandons the run.
    _abandon: crate::interrupt::HeldFile,
}

/// Locks `out` (which must exist) for this process; `doing` says what the run does
/// (written into the lock file for a run that finds it held). Refused with exit 2
/// when another process holds it.
pub fn acquire(out: &Path, doing: &str) -> Result<OutLock> {
    acquire_inner(out, doing, false, &OUT).map(|held| held.expect("a lock or an error"))
}

/// What a lock guards, as the refusal names it.
struct Guarded {
    /// "this --out", "this index".
    what: &'static str,
    /// What the refused run can do instead.
    advice: &'static str,
    /// Wait for the holder instead of refusing.
    wait: bool,
}

const OUT: Guarded = Guarded {
    what: "this --out",
    advice: "wait for it to finish, or choose another --out",
    wait: false,
};

/// The same lock on a dedup index folder (`crate::index`): one writer at a time.
/// With `wait`, blocks until the holder is done instead of refusing.
pub fn acquire_index(dir: &Path, doing: &str, wait: bool) -> Result<OutLock> {
    let guarded = Guarded {
        what: "this index",
        advice: "wait for it to finish (or ask to wait for it)",
        wait,
    };
    acquire_inner(dir, doing, false, &guarded).map(|held| held.expect("a lock or an error"))
}

/// [`acquire`] for a reader (`--check`): an `--out` where it may not create the lock
/// file (read-only) is read unlocked, since no run can be writing there either.
pub fn acquire_for_reading(out: &Path, doing: &str) -> Result<Option<OutLock>> {
    acquire_inner(out, doing, true, &OUT)
}

fn acquire_inner(
    out: &Path,
    doing: &str,
    reader: bool,
    guarded: &Guarded,
) -> Result<Option<OutLock>> {
    let path = out.join(LOCK_FILE);
    let bad = |reason: String| Error::BadOut {
        path: out.to_path_buf(),
        reason,
    };
    // A lock file removed between our open and our lock sends us round again; a few
    // turns are plenty, since each needs another run to finish in between.
    for _ in 0..16 {
        let opened = open_no_follow(&path);
        if let Err(e) = &opened {
            if reader
                && matches!(
                    e.kind(),
                    io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem
                )
            {
                return Ok(None);
            }
        }
        let mut file = opened.map_err(|e| {
            bad(if is_link_error(&e) {
                format!("{LOCK_FILE} is a symbolic link; docsift does not write through links (remove it)")
            } else {
                format!("cannot create the lock file {LOCK_FILE}: {e}")
            })
        })?;
        match lock_exclusive(&file, guarded.wait) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                let holder = if holder.is_empty() {
                    "it has not said which".to_owned()
                } else {
                    crate::error::one_line(holder)
                };
                return Err(bad(format!(
                    "another docsift run is using {} ({holder}); {}",
                    guarded.what, guarded.advice
                )));
            }
            Err(e) => return Err(bad(format!("cannot lock {LOCK_FILE}: {e}"))),
        }
        if !same_file(&file, &path) {
            continue;
        }
        // Who holds the lock, for a run that finds it held. A failure to say so (a
        // full disk) does not weaken the lock itself, so it is not an error.
        let _ = file.set_len(0).and_then(|()| {
            writeln!(
                file,
                "process {}, started {}, {doing}",
                std::process::id(),
                now_utc()
            )
        });
        let _abandon = crate::interrupt::held_file(&path);
        return Ok(Some(OutLock {
            file,
            path,
            _abandon,
        }));
    }
    Err(bad(format!(
        "cannot lock {LOCK_FILE}: it keeps being replaced by other runs"
    )))
}

impl Drop for OutLock {
    fn drop(&mut self) {
        // Removed while still locked (the file is closed after this), and only if the
        // name still leads to our file.
        if same_file(&self.file, &self.path) {
            let _ = fs::remove_file(&self.path);
        }
    }
}

#[cfg(unix)]
fn open_no_follow(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(path)
}

#[cfg(not(unix))]
fn open_no_follow(path: &Path) -> io::Result<File> {
    if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(io::Error::new(io::ErrorKind::Other, "symbolic link"));
    }
    fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
}

/// `O_NOFOLLOW` on a link fails with `ELOOP`.
fn is_link_error(e: &io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error())
    }
    #[cfg(not(unix))]
    {
        e.kind() == io::ErrorKind::Other
    }
}

#[cfg(unix)]
fn lock_exclusive(file: &File, wait: bool) -> io::Result<()> {
    let op = if wait {
        rustix::fs::FlockOperation::LockExclusive
    } else {
        rustix::fs::FlockOperation::NonBlockingLockExclusive
    };
    rustix::fs::flock(file, op).map_err(|e| {
        if e == rustix::io::Errno::WOULDBLOCK {
            io::ErrorKind::WouldBlock.into()
        } else {
            io::Error::from(e)
        }
    })
}

/// Elsewhere the lock is not taken (docsift is built and tested on Unix).
#[cfg(not(unix))]
fn lock_exclusive(_file: &File, _wait: bool) -> io::Result<()> {
    Ok(())
}

/// True when `path` (not followed) is the file `file` has open.
#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::symlink_metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.is_file())
}

/// The current time as `YYYY-MM-DD HH:MM:SS UTC`.
fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Year, month and day of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_788), (2026, 12, 1));
    }

    #[cfg(unix)]
    #[test]
    fn a_second_lock_is_refused_naming_the_first_and_the_file_goes_with_the_lock() {
        let d = tempfile::tempdir().unwrap();
        let first = acquire(d.path(), "docsift clean").unwrap();
        let err = acquire(d.path(), "docsift clean").unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains(&format!(
                "another docsift run is using this --out (process {}, started ",
                std::process::id()
            )),
            "{msg}"
        );
        assert_eq!(err.exit_code(), 2);
        drop(first);
        assert!(!d.path().join(LOCK_FILE).exists());
        let again = acquire(d.path(), "docsift clean").unwrap();
        drop(again);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_at_the_lock_name_is_refused_and_not_followed() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("elsewhere");
        fs::write(&target, "precious").unwrap();
        let out = d.path().join("out");
        fs::create_dir(&out).unwrap();
        std::os::unix::fs::symlink(&target, out.join(LOCK_FILE)).unwrap();
        let err = acquire(&out, "docsift clean").unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert_eq!(fs::read_to_string(&target).unwrap(), "precious");
    }
}
