//! The integration tests: one binary (fast to link), one module per concern.

mod clean_index;
mod cleaning;
mod cli;
mod common;
mod dedup;
mod encodings;
mod errors;
mod fuzz_regressions;
mod hostile;
mod index;
mod interfaces;
mod output_safety;
mod outputs;
mod properties;
mod records;
mod report;
