//! The progress bar: on stderr, only when stderr is a terminal, never with `-q`, and
//! only once a run has lasted long enough to need one ([`SHOW_AFTER`]), so short runs
//! and pipelines never see it flicker.
//!
//! One bar serves the whole run and names the phase it is in: `cleaning` (reading,
//! decoding and cleaning, counted in captures; learning a site's boilerplate shows as
//! its message), `dedup` (a spinner with the time spent: its work is not known in
//! advance), `writing` (counted in documents). The rate is a whole number of items per
//! second, and the estimate of the time left appears only once the phase has done
//! enough ([`ETA_AFTER_SHARE`], [`ETA_AFTER`]) for an average to mean something.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{HumanCount, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// A run shorter than this draws no bar.
pub const SHOW_AFTER: Duration = Duration::from_millis(700);
/// No estimate of the time left before the phase has run this long…
pub const ETA_AFTER: Duration = Duration::from_secs(2);
/// … and done this share of its work.
pub const ETA_AFTER_SHARE: f64 = 0.02;

const COUNTED: &str = "{prefix:>9} [{bar:20}] {human_pos}/{human_len} {rate} {eta} {wide_msg}";
const SPINNER: &str = "{prefix:>9} {spinner} {elapsed} {wide_msg}";

/// The run's progress bar, which may never be drawn.
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A bar on stderr if it is a terminal and the run is not `-q`, drawn once the
    /// run has lasted [`SHOW_AFTER`].
    pub fn new(quiet: bool) -> Self {
        if quiet || !std::io::stderr().is_terminal() {
            return Progress::hidden();
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        let late = bar.downgrade();
        // Shows the bar once the run has lasted long enough (unless it is over).
        std::thread::spawn(move || {
            std::thread::sleep(SHOW_AFTER);
            if let Some(bar) = late.upgrade().filter(|b| !b.is_finished()) {
                bar.set_draw_target(ProgressDrawTarget::stderr());
            }
        });
        Progress { bar: Some(bar) }
    }

    /// A bar drawn on `target` from the start (for tests of what it shows).
    pub fn drawn_on(target: ProgressDrawTarget) -> Self {
        Progress {
            bar: Some(ProgressBar::with_draw_target(None, target)),
        }
    }

    pub fn hidden() -> Self {
        Progress { bar: None }
    }

    /// Starts a phase of `len` steps with a short label (`cleaning`, `writing`).
    pub fn phase(&self, label: &'static str, len: u64) -> Phase {
        if let Some(bar) = &self.bar {
            // The label first: every change redraws, and no drawing may show the
            // new count under the old label.
            bar.set_prefix(label);
            bar.disable_steady_tick();
            bar.set_message("");
            bar.set_length(len);
            bar.reset();
            bar.set_style(counted_style());
        }
        Phase {
            bar: self.bar.clone(),
        }
    }

    /// Starts a phase whose amount of work is not known in advance (`dedup`): a
    /// spinner and the time spent, redrawn while the work goes on.
    pub fn spinner(&self, label: &'static str) -> Phase {
        if let Some(bar) = &self.bar {
            bar.set_prefix(label);
            bar.set_message("");
            bar.set_style(
                ProgressStyle::with_template(SPINNER)
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.unset_length();
            bar.reset();
            bar.enable_steady_tick(Duration::from_millis(120));
        }
        Phase {
            bar: self.bar.clone(),
        }
    }

    /// Advances the current phase.
    pub fn inc(&self, n: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(n);
        }
    }

    /// Says what the current phase is doing now, beside its count.
    pub fn set_message(&self, msg: impl Into<std::borrow::Cow<'static, str>>) {
        if let Some(bar) = &self.bar {
            bar.set_message(msg);
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.disable_steady_tick();
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

fn counted_style() -> ProgressStyle {
    ProgressStyle::with_template(COUNTED)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .with_key("rate", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = w.write_str(&rate_text(s.per_sec()));
        })
        .with_key("eta", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
            if let Some(eta) = eta_text(s.pos(), s.len(), s.elapsed()) {
                let _ = w.write_str(&eta);
            }
        })
        .progress_chars("=> ")
}

/// Items per second as a whole number, with thousands separators (`12,345/s`).
pub fn rate_text(per_sec: f64) -> String {
    let whole = if per_sec.is_finite() && per_sec > 0.0 {
        per_sec.round() as u64
    } else {
        0
    };
    format!("{}/s", HumanCount(whole))
}

/// The time left at the phase's average rate so far, once it has run [`ETA_AFTER`]
/// and done [`ETA_AFTER_SHARE`] of its work (`None` before: the first items of a
/// phase, or its first second, say little about the rest).
pub fn eta_text(pos: u64, len: Option<u64>, elapsed: Duration) -> Option<String> {
    let len = len?;
    if pos == 0 || pos >= len || elapsed < ETA_AFTER || (pos as f64) < ETA_AFTER_SHARE * len as f64
    {
        return None;
    }
    let left = elapsed.as_secs_f64() * (len - pos) as f64 / pos as f64;
    let secs = left.round() as u64;
    let mut s = String::from("eta ");
    if secs >= 3600 {
        let _ = write!(s, "{}h {:02}m", secs / 3600, secs / 60 % 60);
    } else if secs >= 60 {
        let _ = write!(s, "{}m {:02}s", secs / 60, secs % 60);
    } else {
        let _ = write!(s, "{secs}s");
    }
    Some(s)
}

/// One phase's handle, cheap to clone into worker threads.
#[derive(Clone)]
pub struct Phase {
    bar: Option<ProgressBar>,
}

impl Phase {
    pub fn inc(&self, n: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(n);
        }
    }

    /// Says what the phase is doing now, beside its count.
    pub fn set_message(&self, msg: impl Into<std::borrow::Cow<'static, str>>) {
        if let Some(bar) = &self.bar {
            bar.set_message(msg);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A terminal that records every line drawn on it (for tests of what the bar shows).
    #[derive(Debug, Clone, Default)]
    struct Recorder {
        drawn: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    }

    impl indicatif::TermLike for Recorder {
        fn width(&self) -> u16 {
            120
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.write_str(s)
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            if !s.trim().is_empty() {
                self.drawn.lock().unwrap().push(s.to_owned());
            }
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_rate_is_a_whole_number() {
        assert_eq!(rate_text(12345.678), "12,346/s");
        assert_eq!(rate_text(0.4), "0/s");
        assert_eq!(rate_text(f64::NAN), "0/s");
        assert_eq!(rate_text(f64::INFINITY), "0/s");
    }

    #[test]
    fn no_estimate_until_enough_is_done() {
        let len = Some(20_000);
        // The first few items, however fast, give no estimate.
        assert_eq!(eta_text(3, len, Duration::from_millis(40)), None);
        assert_eq!(eta_text(300, len, Duration::from_secs(5)), None, "1.5%");
        assert_eq!(
            eta_text(5_000, len, Duration::from_secs(1)),
            None,
            "too soon"
        );
        assert_eq!(eta_text(0, len, Duration::from_secs(9)), None);
        assert_eq!(eta_text(5, None, Duration::from_secs(9)), None, "no length");
        assert_eq!(eta_text(20_000, len, Duration::from_secs(9)), None, "done");
        // Then the phase's average: a quarter in 10 s leaves 30 s.
        assert_eq!(
            eta_text(5_000, len, Duration::from_secs(10)).as_deref(),
            Some("eta 30s")
        );
        assert_eq!(
            eta_text(1_000, len, Duration::from_secs(10)).as_deref(),
            Some("eta 3m 10s")
        );
        assert_eq!(
            eta_text(400, len, Duration::from_secs(100)).as_deref(),
            Some("eta 1h 21m")
        );
    }

    /// Every phase of a run shows on the bar: cleaning with its count and whole-number
    /// rate, learning boilerplate as its message, dedup, and writing.
    #[test]
    fn every_phase_is_drawn() {
        let term = Recorder::default();
        let p = Progress::drawn_on(ProgressDrawTarget::term_like(Box::new(term.clone())));
        let clean = p.phase("cleaning", 4);
        clean.inc(3);
        clean.set_message("learning boilerplate (harbour, 3 captures)");
        clean.inc(1);
        let dedup = p.spinner("dedup");
        dedup.inc(0);
        std::thread::sleep(Duration::from_millis(300));
        let write = p.phase("writing", 2);
        write.inc(2);
        write.set_message("moving into place");
        p.finish();
        let drawn = term.drawn.lock().unwrap().clone();
        // The last drawing of each (a count is redrawn as it moves).
        let find = |needle: &str| {
            drawn
                .iter()
                .rev()
                .find(|l| l.contains(needle))
                .unwrap_or_else(|| panic!("no {needle:?} in {drawn:#?}"))
                .clone()
        };
        let cleaning = find(" cleaning [");
        assert!(cleaning.contains("4/4"), "{cleaning}");
        let rate = cleaning
            .split_whitespace()
            .find(|w| w.ends_with("/s"))
            .unwrap();
        assert!(
            rate.trim_end_matches("/s")
                .chars()
                .all(|c| c.is_ascii_digit() || c == ','),
            "{cleaning}"
        );
        assert!(!cleaning.contains("eta"), "no estimate at once: {cleaning}");
        assert!(cleaning.contains("learning boilerplate (harbour, 3 captures)"));
        find("    dedup ");
        assert!(find("  writing [").contains("2/2 "));
    }
}
