//! The progress bar: on stderr, only when stderr is a terminal, never with `-q`, and
//! only once a run has lasted long enough to need one ([`SHOW_AFTER`]), so short runs
//! and pipelines never see it flicker.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A run shorter than this draws no bar.
pub const SHOW_AFTER: Duration = Duration::from_millis(700);

/// A progress bar that may never be drawn.
pub struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    enabled: bool,
}

impl Progress {
    pub fn new(quiet: bool) -> Self {
        Progress {
            bar: None,
            started: Instant::now(),
            enabled: !quiet && std::io::stderr().is_terminal(),
        }
    }

    pub fn hidden() -> Self {
        Progress {
            bar: None,
            started: Instant::now(),
            enabled: false,
        }
    }

    /// Starts a phase of `len` steps with a short label.
    pub fn phase(&mut self, label: &'static str, len: u64) -> Phase {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
        if !self.enabled {
            return Phase { bar: None };
        }
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:>8} [{bar:30}] {human_pos}/{human_len} {per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_prefix(label);
        self.bar = Some(bar.clone());
        Phase {
            bar: Some((bar, self.started)),
        }
    }

    pub fn finish(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}

/// One phase's handle, cheap to clone into worker threads.
#[derive(Clone)]
pub struct Phase {
    bar: Option<(ProgressBar, Instant)>,
}

impl Phase {
    pub fn inc(&self, n: u64) {
        if let Some((bar, started)) = &self.bar {
            bar.inc(n);
            if bar.is_hidden() && started.elapsed() >= SHOW_AFTER {
                bar.set_draw_target(ProgressDrawTarget::stderr());
            }
        }
    }
}
