//! `docsift report OUT`: writes `OUT/report/index.html` (and the pages and data files
//! beside it) from a finished run's `--out` folder; see [`crate::report`]. The run must
//! have been made with `--report`, which keeps the per-line decisions the report shows.
//!
//! Exit 0 when the report is written, 2 when it cannot be (no manifest, no line log,
//! a log from another run, a write that failed): there is nothing partial to use.

use std::path::Path;

use crate::error::Result;
use crate::escape::{escape_path, terminal_str};
use crate::exit::Exit;

/// Runs `report`; the path of the index goes to stdout (data: a script may open it).
pub fn run(out: &Path, quiet: bool) -> Result<Exit> {
    if !out.is_dir() {
        eprintln!(
            "docsift: {}: not a folder (give the --out folder of a docsift clean run)",
            terminal_str(&escape_path(out))
        );
        return Ok(Exit::Trouble);
    }
    // No run may write into OUT meanwhile (it would change the manifest under the
    // report), nor a second report.
    let _lock = crate::output::lock::acquire(out, "docsift report")?;
    match crate::report::write(out) {
        Ok(w) => {
            if !quiet {
                eprintln!(
                    "docsift: report: {} files, {}",
                    w.files,
                    crate::output::summary::human_bytes(w.bytes)
                );
            }
            let line = format!("{}\n", terminal_str(&escape_path(&w.index)));
            crate::ui::print_stdout(line.as_bytes())?;
            Ok(Exit::Success)
        }
        Err(e) => {
            eprintln!("docsift: {e}");
            Ok(Exit::Trouble)
        }
    }
}
