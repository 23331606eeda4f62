//! `--keep-duplicates DIR`: duplicates' clean bodies written there, for inspection
//! (never through a link). A duplicate that cannot be kept is a failed write of its
//! row; the run goes on.

use std::path::Path;

use rayon::prelude::*;

use crate::error::Result;
use crate::output::atomic::write_inside_mode;
use crate::output::sink::{Writer, Written};
use crate::record::{Record, Status};
use crate::store::BodyStore;
use crate::ui::progress::Progress;

/// The kept-duplicates writer.
pub struct KeptDuplicates<'a> {
    pub dir: &'a Path,
}

impl Writer for KeptDuplicates<'_> {
    fn write(
        &mut self,
        records: &mut [Record],
        store: &dyn BodyStore,
        _progress: &Progress,
    ) -> Result<Written> {
        let dir = self.dir;
        let failures: Vec<Option<String>> = records
            .par_iter()
            .map(|rec| {
                if !matches!(rec.status, Status::Duplicate | Status::NearDuplicate) {
                    return None;
                }
                store
                    .body(rec.key())
                    .and_then(|body| {
                        write_inside_mode(
                            dir,
                            &rec.meta.output_rel(),
                            body.as_bytes(),
                            rec.mode.into(),
                        )
                    })
                    .err()
                    .map(|e| format!("cannot write duplicate to --keep-duplicates: {e}"))
            })
            .collect();
        let mut written = Written::default();
        for (rec, f) in records.iter_mut().zip(failures) {
            match f {
                Some(e) => rec.write_error = Some(e.into()),
                None if matches!(rec.status, Status::Duplicate | Status::NearDuplicate) => {
                    written.documents += 1;
                    written.bytes += rec.bytes_out;
                }
                None => {}
            }
        }
        Ok(written)
    }
}
