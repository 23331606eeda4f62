//! Ctrl-C (and SIGTERM/SIGHUP): set a flag that every loop checks between documents,
//! so a run stops promptly, cleans its staging area and says what it left undone,
//! instead of dying with half-written files.
//!
//! A flag is not enough when a worker is stuck inside a read that never returns (stdin
//! whose writer never closes it, a link to `/proc/kmsg` followed with `-L`): no loop
//! gets to check it, and a blocked `read(2)` cannot be cancelled from another thread.
//! So the first signal also starts a watchdog. If the run has not left its reading
//! phase within [`GRACE`], the watchdog ends the process itself: it removes the
//! staging folder, says how many inputs were left, and exits with 130. This is safe
//! only while nothing outside the staging folder has been written, which is what
//! [`abandonable`] marks: the app holds its guard during the reading and cleaning
//! phase only (before deduplication, publishing, the manifest or anything on stdout),
//! and the watchdog holds the same lock while it removes and exits, so the run cannot
//! move on to writing under it.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static INSTALL: Once = Once::new();

/// How long the run has, after the first signal, to stop by itself before the
/// watchdog abandons it (only while it is [`abandonable`]).
pub const GRACE: Duration = Duration::from_millis(500);

/// The run's reading phase, while it lasts: what to remove and what to report.
struct Phase {
    staging: Option<PathBuf>,
    total: usize,
    done: Arc<AtomicUsize>,
}

static PHASE: Mutex<Option<Phase>> = Mutex::new(None);

/// Names of the inputs being read right now (at most one per worker thread).
static READING: Mutex<Vec<Box<str>>> = Mutex::new(Vec::new());

/// Files the process holds for the run (the `--out` lock files) that the watchdog
/// removes when it abandons the run, as their owners would on the way out.
static HELD: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Installs the handler (once per process; later calls do nothing).
pub fn install() {
    INSTALL.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            if INTERRUPTED.swap(true, Ordering::SeqCst) {
                // A second Ctrl-C means "now": leave without cleaning up.
                std::process::exit(130);
            }
            // The handler runs on ctrlc's own thread; the watchdog gets another, so
            // that a second signal is still heard while it waits.
            std::thread::spawn(watchdog);
        });
    });
}

/// True once the user asked the run to stop.
pub fn is_set() -> bool {
    INTERRUPTED.load(Ordering::Relaxed)
}

/// Marks the run as abandonable until the guard is dropped: until then it has written
/// nothing but its staging folder (`staging`, removed if the watchdog acts; `None`
/// when there is none), and `done` of `total` inputs are finished.
pub fn abandonable(staging: Option<&Path>, total: usize, done: Arc<AtomicUsize>) -> Abandonable {
    *lock(&PHASE) = Some(Phase {
        staging: staging.map(Path::to_path_buf),
        total,
        done,
    });
    Abandonable(())
}

/// See [`abandonable`]; dropping it ends the phase (waiting for a watchdog that is
/// already removing the staging folder, which then exits the process).
pub struct Abandonable(());

impl Drop for Abandonable {
    fn drop(&mut self) {
        *lock(&PHASE) = None;
    }
}

/// Registers a file the run holds (a lock file) for removal if the watchdog abandons
/// the run; the guard takes it back.
pub fn held_file(path: &Path) -> HeldFile {
    lock(&HELD).push(path.to_path_buf());
    HeldFile(path.to_path_buf())
}

/// See [`held_file`].
#[derive(Debug)]
pub struct HeldFile(PathBuf);

impl Drop for HeldFile {
    fn drop(&mut self) {
        let mut held = lock(&HELD);
        if let Some(k) = held.iter().position(|p| *p == self.0) {
            held.swap_remove(k);
        }
    }
}

/// Marks `name` as being read until the guard is dropped, so an abandoned run can
/// say which input never ended.
pub fn reading(name: &str) -> Reading {
    lock(&READING).push(name.into());
    Reading(name.into())
}

/// See [`reading`].
pub struct Reading(Box<str>);

impl Drop for Reading {
    fn drop(&mut self) {
        let mut r = lock(&READING);
        if let Some(k) = r.iter().position(|n| *n == self.0) {
            r.swap_remove(k);
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// After the first signal: give the run [`GRACE`] to stop by itself; if it is still
/// in its reading phase then, clean up and exit for it.
fn watchdog() {
    let start = Instant::now();
    while start.elapsed() < GRACE {
        std::thread::sleep(Duration::from_millis(20));
        if lock(&PHASE).is_none() {
            return;
        }
    }
    // Held until the process exits: the run cannot leave the phase (and start
    // writing) while its staging folder is being removed.
    let phase = lock(&PHASE);
    let Some(p) = phase.as_ref() else {
        return;
    };
    if let Some(dir) = &p.staging {
        let _ = std::fs::remove_dir_all(dir);
    }
    // The exit releases the locks; their files go as when a run ends.
    for file in lock(&HELD).iter() {
        let _ = std::fs::remove_file(file);
    }
    let left = p.total.saturating_sub(p.done.load(Ordering::SeqCst));
    let stuck = lock(&READING).first().cloned();
    let stuck = stuck
        .map(|n| {
            format!(
                " while reading {} (it had not ended)",
                crate::escape::terminal_str(&n)
            )
        })
        .unwrap_or_default();
    eprintln!(
        "docsift: interrupted{stuck}: {left} of {} inputs not processed; nothing was written",
        p.total
    );
    std::process::exit(130);
}
