//! Where `clean`'s results leave the process ([`Sink`], chosen once from the config
//! and the number of documents), and the one interface every writer implements
//! ([`Writer`]): records and a body store in, files (or stdout) out.

use crate::config::CleanConfig;
use crate::error::{Error, Result};
use crate::output::Format;
use crate::record::Record;
use crate::store::BodyStore;
use crate::ui::progress::Progress;

/// How the results leave the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sink {
    /// One document on stdout as text.
    StdoutText,
    /// JSON Lines on stdout.
    StdoutJsonl,
    /// Files under --out.
    Out,
}

/// Where `clean`'s output goes (DESIGN §1): files under `--out`; without it, one
/// input's clean text on stdout, JSON Lines for several (or a folder). An explicit
/// `--to text` is honoured (a folder of one capture prints its text) or refused (two
/// documents cannot be one text on stdout), and `--no-header` with JSON Lines is
/// refused, so a script never gets a format it did not ask for. Exit 2, before
/// anything is read or written. `documents` is how many documents the inputs hold.
pub fn choose(cfg: &CleanConfig, documents: usize) -> Result<Sink> {
    let single = documents == 1;
    let sink = match (&cfg.out, cfg.format) {
        (Some(_), _) => Sink::Out,
        (None, Format::Text) if cfg.format_given && single => Sink::StdoutText,
        (None, Format::Text) if cfg.format_given && documents > 1 => {
            return Err(Error::Usage(format!(
                "--to text prints one document on stdout, but the inputs hold {documents} documents; \
                 use --to jsonl for JSON Lines on stdout, or --out DIR for one text file \
                 per document"
            )))
        }
        (None, Format::Text) if cfg.inputs.len() == 1 && !cfg.inputs[0].is_dir() && single => {
            Sink::StdoutText
        }
        (None, _) => Sink::StdoutJsonl,
    };
    let jsonl = cfg.format == Format::Jsonl || (sink == Sink::StdoutJsonl && !cfg.format_given);
    if !cfg.header && jsonl {
        let why = if cfg.format == Format::Jsonl {
            "--to jsonl"
        } else {
            "several documents without --out give JSON Lines"
        };
        return Err(Error::Usage(format!(
            "--no-header applies to text output, and JSON Lines records have no header \
             ({why}); drop --no-header, or use --to text (with --out DIR for several \
             documents)"
        )));
    }
    Ok(sink)
}

/// What a writer wrote: documents and bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    pub documents: usize,
    pub bytes: u64,
}

/// One output format. A writer reads the bodies it needs from `store` by key; a
/// record whose document could not be written becomes an error row (its
/// `write_error` says why and what the output path holds now). `progress` counts the
/// documents written. An error ends the run (a failed write to
/// stdout, the interrupt).
pub trait Writer {
    fn write(
        &mut self,
        records: &mut [Record],
        store: &dyn BodyStore,
        progress: &Progress,
    ) -> Result<Written>;
}

/// The permission bits a file shared by many inputs (the manifest,
/// `documents.jsonl`) may have: the most restrictive of its inputs', so a private
/// capture's title or text is never more readable there than in the capture.
pub fn shared_mode(records: &[Record]) -> u32 {
    records.iter().fold(0o777, |m, r| m & u32::from(r.mode))
}
