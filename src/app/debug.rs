//! The debugger's questions of a log (issue 13): which event changed this
//! field ([`blame`]), when did this first hold ([`find`]). Engine- and
//! domain-neutral: they work on any registered domain, on the generic view
//! of unregistered streams, and on any read model, reading the log by
//! position ranges (one stream's events through its index; a projection by
//! a streaming scan), never the whole log in memory.
//!
//! The shared pieces: dotted paths into a state's JSON ([`path`]), the
//! `--where` language ([`expr`]), and states stepping event by event
//! ([`steps`]: one fold through a stream's events or through the log for a
//! read model, never a re-fold per position).

pub mod blame;
pub mod expr;
pub mod find;

pub mod path;
pub mod steps;

#[cfg(test)]
mod tests;
