//! Phase timings and memory on stderr, a developer aid for profiling runs
//! (`DOCSIFT_TIMINGS`, read once into the config; see README).

use std::time::Instant;

/// Phase timings on stderr when `DOCSIFT_TIMINGS` is set and not empty (a developer
/// aid for profiling runs; see README; empty means unset, as for `NO_COLOR`).
pub(super) struct Timings {
    on: bool,
    last: Instant,
    cpu: f64,
}

impl Timings {
    /// Timings whose first mark counts from `started` and from the process's start
    /// in CPU, so that reading the inputs (the walk, shards and archives read before
    /// the run) is timed too.
    pub(super) fn since(on: bool, started: Instant) -> Self {
        Timings {
            on,
            last: started,
            cpu: 0.0,
        }
    }

    pub(super) fn mark(&mut self, what: &str) {
        if self.on {
            // Peak and current resident memory so far (Linux only).
            let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
            let field = |name: &str| {
                status
                    .lines()
                    .find(|l| l.starts_with(name))
                    .map_or(String::new(), |l| l[name.len()..].trim().to_owned())
            };
            let cpu = process_cpu_seconds();
            eprintln!(
                "docsift: timing: {what}: {:.3} s, cpu {:.2} s (resident {}, peak {})",
                self.last.elapsed().as_secs_f64(),
                cpu - self.cpu,
                field("VmRSS:"),
                field("VmHWM:"),
            );
            self.cpu = cpu;
        }
        self.last = Instant::now();
    }
}

/// User and system CPU time of the process so far, in seconds (Linux only: 0
/// elsewhere), from `/proc/self/stat` (clock ticks of 1/100 s).
fn process_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    let ticks = |k: usize| {
        fields
            .get(k)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are the 14th and 15th fields; the 3rd is the first after ')'.
    (ticks(11) + ticks(12)) / 100.0
}
