//! One document's clean text on stdout (a single input without `--out`), with its
//! header unless `--no-header`.

use crate::error::Result;
use crate::output::sink::{Writer, Written};
use crate::output::text;
use crate::record::{Record, Status};
use crate::store::BodyStore;
use crate::ui::progress::Progress;

/// The stdout text writer.
pub struct StdoutText {
    pub header: bool,
}

impl Writer for StdoutText {
    fn write(
        &mut self,
        records: &mut [Record],
        store: &dyn BodyStore,
        progress: &Progress,
    ) -> Result<Written> {
        let mut written = Written::default();
        for rec in records.iter().filter(|r| r.status == Status::Canonical) {
            let body = store
                .body(rec.key())
                .map_err(|e| crate::error::Error::write("-", e))?;
            let mut data = String::with_capacity(body.len() + 300);
            if self.header {
                data.push_str(&text::header(rec.key(), rec, &[]));
            }
            data.push_str(&body);
            crate::ui::print_stdout(data.as_bytes())?;
            written.documents += 1;
            written.bytes += data.len() as u64;
            progress.inc(1);
        }
        Ok(written)
    }
}
