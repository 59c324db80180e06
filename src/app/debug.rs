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
//!
//! Everything reports through callbacks, so the TUI can reuse it: a watched
//! field's next / previous change is a [`blame::blame_stream`] entry, a find
//! prompt is [`find::find_stream`] / [`find::find_projection`] on a worker
//! (their `tick` is where a cancelled search stops), and
//! [`expr::ExprError::render`] is the prompt's caret.

pub mod blame;
pub mod expr;
pub mod find;
pub mod path;
pub mod steps;

#[cfg(test)]
mod tests;
