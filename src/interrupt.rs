//! Ctrl-C (and SIGTERM/SIGHUP): set a flag that every loop checks between documents,
//! so a run stops promptly, cleans its staging area and says what it left undone,
//! instead of dying with half-written files.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static INSTALL: Once = Once::new();

/// Installs the handler (once per process; later calls do nothing).
pub fn install() {
    INSTALL.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            if INTERRUPTED.swap(true, Ordering::SeqCst) {
                // A second Ctrl-C means "now": leave without cleaning up.
                std::process::exit(130);
            }
        });
    });
}

/// True once the user asked the run to stop.
pub fn is_set() -> bool {
    INTERRUPTED.load(Ordering::Relaxed)
}
