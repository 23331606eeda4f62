//! docsift: turn folders and streams of scraped web captures into a clean,
//! deduplicated corpus.
//!
//! The library is what the `docsift` binary runs; it is public so that benchmarks,
//! fuzz targets and tests drive the same code. The flow is
//! [`input`] → [`stage`] (per document) → corpus stages → [`output`], orchestrated
//! by [`app`]. See `DESIGN.md` for the contract.

pub mod app;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod dedup;
pub mod document;
pub mod error;
pub mod exit;
pub mod index;
pub mod input;
pub mod interrupt;
pub mod language;
pub mod limits;
pub mod output;
pub mod record;
pub mod stage;
pub mod tokens;
pub mod ui;
