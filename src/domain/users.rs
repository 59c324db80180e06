//! The `users` domain: users (stream type `User`) who register, change their
//! email, get suspended and reactivated, gain and lose roles, and are deleted.
//!
//! * [`user`]: the aggregate and its pure decisions.
//! * [`command`]: the command language.
//! * [`events`]: the events at the current schema.
//! * [`upcast`]: schema evolution of `UserRegistered`.
//! * [`profiles`]: the `user_profiles` projection.

pub mod command;
pub mod events;
pub mod profiles;
pub mod upcast;
pub mod user;

use super::{ArgKind, Command, CommandHelp, Domain};
use crate::es::aggregate::AggregateKind;
use crate::es::{Projection, Upcaster};

pub use events::STREAM_TYPE;
pub use user::User;

/// The `users` domain.
#[derive(Debug, Clone, Copy)]
pub struct Users;

const USER: ArgKind = ArgKind::StreamId(STREAM_TYPE);

/// The users' command words.
pub static COMMANDS: [CommandHelp; 7] = [
    CommandHelp {
        word: "register",
        usage: "register <user> <email> <full name…>",
        args: &[ArgKind::NewId(STREAM_TYPE), ArgKind::Word, ArgKind::Text],
    },
    CommandHelp { word: "change-email", usage: "change-email <user> <email>", args: &[USER, ArgKind::Word] },
    CommandHelp { word: "suspend", usage: "suspend <user> <reason…>", args: &[USER, ArgKind::Text] },
    CommandHelp { word: "reactivate", usage: "reactivate <user>", args: &[USER] },
    CommandHelp { word: "grant", usage: "grant <user> <role>", args: &[USER, ArgKind::Word] },
    CommandHelp { word: "revoke", usage: "revoke <user> <role>", args: &[USER, ArgKind::Word] },
    CommandHelp { word: "delete", usage: "delete <user> <reason…>", args: &[USER, ArgKind::Text] },
];

impl Domain for Users {
    fn name(&self) -> &'static str {
        "users"
    }
    fn aggregates(&self) -> Vec<AggregateKind> {
        vec![AggregateKind::of::<User>()]
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
        vec![Box::new(profiles::UserProfiles)]
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
        assert!(r.parse("register u-1 ada@example.com Ada Lovelace").is_ok());
        let e = r.parse("reactivate u-1 please").unwrap_err();
        assert!(e.contains("unexpected `please`") && e.contains("usage: reactivate <user>"), "{e}");
        for c in &COMMANDS {
            assert!(c.usage.starts_with(c.word), "{}", c.word);
            assert!(Users.parse(c.word, &[]).is_some_and(|r| r.is_err()), "{} with no arguments", c.word);
        }
    }

    #[test]
    fn argument_kinds_drive_completion() {
        let r = Registry::builtin();
        assert_eq!(r.arg_kind("register", 0), Some(ArgKind::NewId("User")));
        assert_eq!(r.arg_kind("grant", 0), Some(ArgKind::StreamId("User")));
        assert_eq!(r.arg_kind("change-email", 1), Some(ArgKind::Word));
        assert_eq!(r.arg_kind("suspend", 3), Some(ArgKind::Text));
        assert_eq!(r.arg_kind("reactivate", 1), None);
    }

    #[test]
    fn snapshots_restore_through_the_registry() {
        let r = Registry::builtin();
        let snapshot = r.fresh_state(STREAM_TYPE).to_json();
        assert_eq!(r.restore_state(STREAM_TYPE, 1, snapshot).unwrap().stream_type(), "User");
    }
}
