//! Pluggable domains and the registry through which everything above this
//! layer reaches them. Nothing outside `domain::*` names a domain's types.

pub mod bank;
pub mod decide;
pub mod demo;
pub mod ids;
pub mod registry;
pub mod seed;
pub mod users;

use std::fmt::Debug;

use crate::es::aggregate::AggregateKind;
use crate::es::{DynState, EventData, Projection, Upcaster};

pub use decide::{Decide, DecideTwo, Decided, DecidedTwo, Either, Two, TypedEvent};
pub use registry::Registry;
pub use seed::{SeedCommand, SeedContext, SeedParam, SeedParams, SeedRun, Seeder};

/// A stream a command reads and writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Stream id as typed (`acc-1`).
    pub stream_id: String,
    /// The stream type the command expects there.
    pub stream_type: &'static str,
}

/// A command refused by the domain's rules: a one-line reason for a person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Rejection(pub String);

/// A parsed command of the command language, ready to decide, over
/// type-erased states. Authors implement [`Decide`] (or [`DecideTwo`])
/// instead: the library implements this for them.
pub trait Command: Send + Sync + Debug {
    /// The streams it reads and writes, in a fixed order.
    fn targets(&self) -> Vec<Target>;
    /// The pure decision: given the current state of every target (same
    /// order as [`Command::targets`]; a stream that does not exist yet has its
    /// fresh state), the events to record as `(target index, event)`.
    ///
    /// # Errors
    /// A [`Rejection`] when the rules refuse the command.
    fn decide(&self, states: &[&dyn DynState]) -> Result<Vec<(usize, EventData)>, Rejection>;
}

/// What an argument of a command is, for completion and help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    /// The id of a stream of this type (`acc-1`); completed from known ids.
    StreamId(&'static str),
    /// A new id of this stream type (not completed).
    NewId(&'static str),
    /// A decimal amount with at most two places.
    Amount,
    /// One word (email, role).
    Word,
    /// Free text to the end of the line.
    Text,
}

/// One command word of the language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandHelp {
    /// The word (`deposit`).
    pub word: &'static str,
    /// Usage line (`deposit <account> <amount> [description…]`).
    pub usage: &'static str,
    /// Its arguments in order.
    pub args: &'static [ArgKind],
}

/// A domain: aggregates, command language, upcasters and projections.
pub trait Domain: Send + Sync {
    /// Name (`bank`).
    fn name(&self) -> &'static str;
    /// The aggregate kinds (stream types) it owns.
    fn aggregates(&self) -> Vec<AggregateKind>;
    /// Its command words.
    fn commands(&self) -> &'static [CommandHelp];
    /// Parses `word args…`; `None` when `word` is not one of this domain's.
    /// `Some(Err(reason))` names what was wrong (and shows the usage).
    fn parse(&self, word: &str, args: &[&str]) -> Option<Result<Box<dyn Command>, String>>;
    /// Its upcaster chains.
    fn upcasters(&self) -> Vec<Upcaster>;
    /// Its projections.
    fn projections(&self) -> Vec<Box<dyn Projection>>;
}
