//! The `bank` domain (placeholder).

use super::{Command, CommandHelp, Domain};
use crate::es::aggregate::AggregateKind;
use crate::es::{Projection, Upcaster};

/// The `bank` domain.
#[derive(Debug, Clone, Copy)]
pub struct Bank;

impl Domain for Bank {
    fn name(&self) -> &'static str {
        "bank"
    }
    fn aggregates(&self) -> Vec<AggregateKind> {
        Vec::new()
    }
    fn commands(&self) -> &'static [CommandHelp] {
        &[]
    }
    fn parse(&self, _word: &str, _args: &[&str]) -> Option<Result<Box<dyn Command>, String>> {
        None
    }
    fn upcasters(&self) -> Vec<Upcaster> {
        Vec::new()
    }
    fn projections(&self) -> Vec<Box<dyn Projection>> {
        Vec::new()
    }
}
