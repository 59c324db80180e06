//! The `bank` domain: accounts (stream type `BankAccount`) that open, take
//! deposits and withdrawals, transfer between each other and close.
//!
//! * [`account`]: the aggregate and its pure decisions.
//! * [`command`]: the command language.
//! * [`events`]: the events at the current schema.
//! * [`money`]: exact amounts in integer cents.
//! * [`upcast`]: schema evolution of the money events.
//! * [`projections`]: `account_balances`, `transaction_history`, `daily_summary`.

pub mod account;
pub mod command;
pub mod events;
pub mod money;
pub mod projections;
pub mod upcast;

use super::{ArgKind, Command, CommandHelp, Domain};
use crate::es::aggregate::AggregateKind;
use crate::es::{Projection, Upcaster};

pub use account::Account;
pub use events::STREAM_TYPE;

/// The `bank` domain.
#[derive(Debug, Clone, Copy)]
pub struct Bank;

const ACCOUNT: ArgKind = ArgKind::StreamId(STREAM_TYPE);

/// The bank's command words.
pub static COMMANDS: [CommandHelp; 5] = [
    CommandHelp {
        word: "open",
        usage: "open <account> <owner name…>",
        args: &[ArgKind::NewId(STREAM_TYPE), ArgKind::Text],
    },
    CommandHelp {
        word: "deposit",
        usage: "deposit <account> <amount> [description…]",
        args: &[ACCOUNT, ArgKind::Amount, ArgKind::Text],
    },
    CommandHelp {
        word: "withdraw",
        usage: "withdraw <account> <amount> [desc…]",
        args: &[ACCOUNT, ArgKind::Amount, ArgKind::Text],
    },
    CommandHelp {
        word: "transfer",
        usage: "transfer <from> <to> <amount> [desc…]",
        args: &[ACCOUNT, ACCOUNT, ArgKind::Amount, ArgKind::Text],
    },
    CommandHelp { word: "close", usage: "close <account> [reason…]", args: &[ACCOUNT, ArgKind::Text] },
];

impl Domain for Bank {
    fn name(&self) -> &'static str {
        "bank"
    }
    fn aggregates(&self) -> Vec<AggregateKind> {
        vec![AggregateKind::of::<Account>()]
    }
    fn commands(&self) -> &'static [CommandHelp] {
        &COMMANDS
    }
    fn parse(&self, word: &str, args: &[&str]) -> Option<Result<Box<dyn Command>, String>> {
        command::parse(word, args).map(|r| r.map(|c| Box::new(c) as Box<dyn Command>))
    }
    fn upcasters(&self) -> Vec<Upcaster> {
        upcast::upcasters()
    }
    fn projections(&self) -> Vec<Box<dyn Projection>> {
        projections::all()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a failed unwrap is the failure report
mod tests {
    use super::*;
    use crate::domain::Registry;

    #[test]
    fn every_command_word_parses_through_the_registry() {
        let r = Registry::builtin();
        assert!(r.parse("open acc-1 Ada Lovelace").is_ok());
        assert!(r.parse("transfer acc-1 acc-2 5 rent").is_ok());
        let e = r.parse("deposit acc-1 1.234").unwrap_err();
        assert!(e.contains("more than two decimal places") && e.contains("usage: deposit <account>"), "{e}");
        for c in &COMMANDS {
            assert!(c.usage.starts_with(c.word), "{}", c.word);
            assert!(Bank.parse(c.word, &[]).is_some_and(|r| r.is_err()), "{} with no arguments", c.word);
        }
    }

    #[test]
    fn argument_kinds_drive_completion() {
        let r = Registry::builtin();
        assert_eq!(r.arg_kind("open", 0), Some(ArgKind::NewId("BankAccount")));
        assert_eq!(r.arg_kind("transfer", 1), Some(ArgKind::StreamId("BankAccount")));
        assert_eq!(r.arg_kind("deposit", 1), Some(ArgKind::Amount));
        assert_eq!(r.arg_kind("deposit", 5), Some(ArgKind::Text));
    }

    #[test]
    fn the_kind_restores_snapshots() {
        let r = Registry::builtin();
        let fresh = r.fresh_state(STREAM_TYPE);
        assert_eq!(fresh.state_version(), 1);
        let restored = r.restore_state(STREAM_TYPE, 1, fresh.to_json()).unwrap();
        assert_eq!(restored.to_json(), fresh.to_json());
        assert!(r.restore_state(STREAM_TYPE, 2, fresh.to_json()).is_none());
    }
}
