//! A document: what a reader knows about it ([`Meta`]: its stable [`Key`], where it
//! came from, its site, id, url and pass-through fields) and, once read, its
//! normalized lines with the reason for every removal ([`Document`]).
//!
//! Both live here, below every stage, reader and writer: each of those imports
//! them, and they import none of those.

mod lines;
mod meta;

pub use lines::{Document, Line, Reason, ReasonCounts, Removal};
pub use meta::{Extra, Key, Meta, Origin, RecordFile, RecordFormat, Site, SpoolRef};
