//! The end-of-run summary on stderr: what came in, what went out, what was removed
//! and why, and how long it took.

use std::fmt;
use std::time::Duration;

use crate::document::ReasonCounts;
use crate::record::{Record, Status};

#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub inputs: usize,
    pub written: usize,
    pub duplicates: usize,
    pub near_duplicates: usize,
    pub clusters: usize,
    pub empty: usize,
    pub errors: usize,
    pub bytes_in: u64,
    pub bytes_written: u64,
    pub removed: ReasonCounts,
    pub elapsed: Duration,
    /// Bounds that bit during the run (see [`crate::limits`]), with their counts.
    pub limits: Vec<(crate::limits::Limit, u64)>,
    /// WARC records that are not documents, by type (not inputs: no manifest row).
    pub skipped_records: std::collections::BTreeMap<String, u64>,
}

impl Summary {
    pub fn from_records(records: &[Record], written: usize, bytes_written: u64) -> Self {
        let mut s = Summary {
            inputs: records.len(),
            written,
            bytes_written,
            ..Default::default()
        };
        let mut has_dups = std::collections::HashSet::new();
        for r in records {
            s.bytes_in += r.bytes_in;
            s.removed.add(&r.removed);
            match r.status {
                Status::Duplicate => s.duplicates += 1,
                Status::NearDuplicate => s.near_duplicates += 1,
                Status::Empty => s.empty += 1,
                Status::Error => s.errors += 1,
                Status::Canonical => {}
            }
            if let Some(c) = r.duplicate_of() {
                has_dups.insert(c);
            }
        }
        s.clusters = has_dups.len();
        s
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.elapsed.as_secs_f64();
        write!(
            f,
            "docsift: {}: {} written",
            plural(self.inputs, "input"),
            self.written
        )?;
        let dups = self.duplicates + self.near_duplicates;
        if dups > 0 {
            write!(
                f,
                ", {} ({} exact, {} near) in {}",
                plural(dups, "duplicate"),
                self.duplicates,
                self.near_duplicates,
                plural(self.clusters, "cluster")
            )?;
        }
        writeln!(
            f,
            ", {} empty, {}",
            self.empty,
            plural(self.errors, "error")
        )?;
        writeln!(
            f,
            "docsift: {} in, {} out in {:.2} s ({}/s)",
            human_bytes(self.bytes_in),
            human_bytes(self.bytes_written),
            secs,
            human_bytes((self.bytes_in as f64 / secs.max(1e-9)) as u64),
        )?;
        let total = self.removed.total();
        write!(f, "docsift: {}", plural(total as usize, "line"))?;
        f.write_str(" removed")?;
        if total > 0 {
            let parts: Vec<String> = self
                .removed
                .nonzero()
                .map(|(r, n)| format!("{n} {}", r.name()))
                .collect();
            write!(f, " ({})", parts.join(", "))?;
        }
        writeln!(f)?;
        if !self.limits.is_empty() {
            let parts: Vec<String> = self
                .limits
                .iter()
                .map(|(l, n)| format!("{} ({n})", l.describe()))
                .collect();
            writeln!(f, "docsift: limits reached: {}", parts.join(", "))?;
        }
        if !self.skipped_records.is_empty() {
            let total: u64 = self.skipped_records.values().sum();
            let parts: Vec<String> = self
                .skipped_records
                .iter()
                .map(|(kind, n)| format!("{n} {kind}"))
                .collect();
            writeln!(
                f,
                "docsift: skipped {} (not text captures): {}",
                plural(total as usize, "WARC record"),
                parts.join(", ")
            )?;
        }
        Ok(())
    }
}

/// "1 input", "2 inputs".
fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Bytes in the units people read: B, KB, MB, GB (powers of 1000, as `cp`'s peers
/// report throughput).
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut x = n as f64;
    let mut u = 0;
    while x >= 1000.0 && u < UNITS.len() - 1 {
        x /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{x:.1} {}", UNITS[u])
    }
}
