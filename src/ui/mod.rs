//! Everything that decides what a terminal sees: name escaping, colour, progress.

pub mod color;
pub mod escape;
pub mod progress;
