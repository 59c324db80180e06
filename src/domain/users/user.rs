//! The `User` aggregate (stream type `User`) and its pure decisions.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

mod transitions;

use super::events::{self, Email, Nothing, Reason, Registered, Role, UserEvent, check_email, split_name};
use crate::domain::Rejection;
use crate::es::EventData;

/// Where a user stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Registered and not suspended.
    #[default]
    Active,
    /// Suspended until reactivated.
    Suspended,
    /// Deleted: final.
    Deleted,
}

impl Status {
    /// `active`, `suspended` or `deleted`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Deleted => "deleted",
        }
    }
}

/// A user folded from its stream.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct User {
    /// Whether `UserRegistered` has been seen.
    pub registered: bool,
    /// Current email.
    pub email: String,
    /// First name.
    pub first_name: String,
    /// Last name (may be empty).
    pub last_name: String,
    /// Active, suspended or deleted.
    pub status: Status,
    /// Roles held, sorted.
    pub roles: BTreeSet<String>,
}

/// A command on one user; `user` is the stream id as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserCmd {
    /// `register <user> <email> <full name…>`.
    Register {
        /// User id.
        user: String,
        /// Email address.
        email: String,
        /// Full name, split at its first whitespace.
        name: String,
    },
    /// `change-email <user> <email>`.
    ChangeEmail {
        /// User id.
        user: String,
        /// New email address.
        email: String,
    },
    /// `suspend <user> <reason…>`.
    Suspend {
        /// User id.
        user: String,
        /// Why.
        reason: String,
    },
    /// `reactivate <user>`.
    Reactivate {
        /// User id.
        user: String,
    },
    /// `grant <user> <role>`.
    Grant {
        /// User id.
        user: String,
        /// Role name.
        role: String,
    },
    /// `revoke <user> <role>`.
    Revoke {
        /// User id.
        user: String,
        /// Role name.
        role: String,
    },
    /// `delete <user> <reason…>`.
    Delete {
        /// User id.
        user: String,
        /// Why.
        reason: String,
    },
}

impl UserCmd {
    /// The user the command is about.
    #[must_use]
    pub fn user(&self) -> &str {
        match self {
            Self::Register { user, .. }
            | Self::ChangeEmail { user, .. }
            | Self::Suspend { user, .. }
            | Self::Reactivate { user }
            | Self::Grant { user, .. }
            | Self::Revoke { user, .. }
            | Self::Delete { user, .. } => user,
        }
    }
}

fn reject<T>(reason: String) -> Result<T, Rejection> {
    Err(Rejection(reason))
}

fn ensure_live(state: &User, user: &str) -> Result<(), Rejection> {
    if !state.registered {
        return reject(format!("user {user} does not exist (register it first)"));
    }
    if state.status == Status::Deleted {
        return reject(format!("user {user} is deleted"));
    }
    Ok(())
}

fn ensure_reason(reason: &str, what: &str) -> Result<(), Rejection> {
    if reason.trim().is_empty() {
        return reject(format!("{what} needs a reason"));
    }
    Ok(())
}

/// Decides a command on one user: the events to record, or why not.
///
/// # Errors
/// A [`Rejection`] naming the user when the rules refuse the command.
pub fn handle(state: &User, cmd: &UserCmd) -> Result<Vec<EventData>, Rejection> {
    decide(state, cmd).map(|e| vec![events::encode(&e)])
}

/// Decides a command on one user: the event to record, or why not.
///
/// # Errors
/// A [`Rejection`] naming the user when the rules refuse the command.
pub fn decide<'a>(state: &User, cmd: &'a UserCmd) -> Result<UserEvent<'a>, Rejection> {
    let user = cmd.user();
    if !matches!(cmd, UserCmd::Register { .. }) {
        ensure_live(state, user)?;
    }
    let event = match cmd {
        UserCmd::Register { email, name, .. } => {
            if state.registered {
                return reject(format!("user {user} already exists ({})", state.email));
            }
            check_email(email).map_err(Rejection)?;
            let (first, last) = split_name(name);
            if first.is_empty() {
                return reject(format!("user {user} needs a name"));
            }
            UserEvent::Registered(Registered { email, first_name: first, last_name: last })
        }
        UserCmd::ChangeEmail { email, .. } => {
            check_email(email).map_err(Rejection)?;
            if *email == state.email {
                return reject(format!("user {user} already has email {email}"));
            }
            UserEvent::EmailChanged(Email { email })
        }
        UserCmd::Suspend { reason, .. } => {
            if state.status == Status::Suspended {
                return reject(format!("user {user} is already suspended"));
            }
            ensure_reason(reason, "suspending")?;
            UserEvent::Suspended(Reason { reason })
        }
        UserCmd::Reactivate { .. } => {
            if state.status != Status::Suspended {
                return reject(format!("user {user} is not suspended"));
            }
            UserEvent::Reactivated(Nothing {})
        }
        UserCmd::Grant { role, .. } => {
            if state.roles.contains(role) {
                return reject(format!("user {user} already has role {role}"));
            }
            UserEvent::RoleGranted(Role { role })
        }
        UserCmd::Revoke { role, .. } => {
            if !state.roles.contains(role) {
                return reject(format!("user {user} does not have role {role}"));
            }
            UserEvent::RoleRevoked(Role { role })
        }
        UserCmd::Delete { reason, .. } => {
            ensure_reason(reason, "deleting")?;
            UserEvent::Deleted(Reason { reason })
        }
    };
    Ok(event)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a failed unwrap is the failure report
mod tests {
    use serde_json::json;

    use super::*;
    use crate::domain::Registry;
    use crate::testing::{Expected, Scenario};

    /// The built-in domains with nothing given.
    pub(super) fn empty() -> Scenario {
        Scenario::new(Registry::builtin())
    }

    /// Ada's registration as u-1.
    pub(super) fn ada() -> EventData {
        events::registered("ada@example.com", "Ada", "King Lovelace")
    }

    /// Given u-1 registered as Ada, then `lines`.
    pub(super) fn with(lines: &[&str]) -> Scenario {
        empty().given("u-1", [ada()]).given_commands(lines)
    }

    /// `line` decides exactly `e` on u-1.
    fn ok(given: Scenario, line: &str, e: EventData) {
        let _ = given.when(line).then_events([Expected::from(e).on("u-1")]);
    }

    #[test]
    fn register_once_with_a_valid_email_and_a_name() {
        ok(empty(), "register u-1 ada@example.com Ada King Lovelace", ada());
        ok(empty(), "register u-1 a@b Ada", events::registered("a@b", "Ada", ""));
        with(&[]).when("register u-1 x@y Bob").then_rejected("user u-1 already exists (ada@example.com)");
        with(&["delete u-1 x"]).when("register u-1 x@y Bob").then_rejected("user u-1 already exists (ada@example.com)");
        empty().when("register u-1 nope Ada").then_invalid("email `nope` is not valid");
        empty().when("register u-1 a@b").then_invalid("missing full name");
        // The rule behind the parser: a nameless registration is refused by the decision too.
        let nameless = UserCmd::Register { user: "u-1".into(), email: "a@b".into(), name: String::new() };
        assert_eq!(handle(&User::default(), &nameless).unwrap_err().0, "user u-1 needs a name");
    }

    #[test]
    fn unknown_and_deleted_users_refuse_everything() {
        for line in [
            "change-email u-1 x@y",
            "suspend u-1 spam",
            "reactivate u-1",
            "grant u-1 admin",
            "revoke u-1 admin",
            "delete u-1 again",
        ] {
            empty().when(line).then_rejected("user u-1 does not exist (register it first)");
            with(&["delete u-1 gdpr"]).when(line).then_rejected("user u-1 is deleted");
        }
    }

    #[test]
    fn email_changes() {
        ok(with(&[]), "change-email u-1 ada@lovelace.org", events::email_changed("ada@lovelace.org"));
        with(&[]).when("change-email u-1 ada@example.com").then_rejected("user u-1 already has email ada@example.com");
        with(&[]).when("change-email u-1 a@b@c").then_invalid("is not valid");
    }

    #[test]
    fn suspension_and_reactivation() {
        ok(with(&[]), "suspend u-1 spam bot", events::suspended("spam bot"));
        let suspended = with(&["suspend u-1 spam"]);
        suspended.clone().when("suspend u-1 again").then_rejected("user u-1 is already suspended");
        ok(suspended, "reactivate u-1", events::reactivated());
        with(&[]).when("reactivate u-1").then_rejected("user u-1 is not suspended");
        with(&[]).when("suspend u-1").then_invalid("missing reason");
        // The rule behind the parser: a blank reason is refused by the decision too.
        let state = with(&[]).then_state::<User>("u-1");
        let blank = UserCmd::Suspend { user: "u-1".into(), reason: " ".into() };
        assert_eq!(handle(&state, &blank).unwrap_err().0, "suspending needs a reason");
    }

    #[test]
    fn roles() {
        ok(with(&[]), "grant u-1 admin", events::role_granted("admin"));
        let admin = with(&["grant u-1 admin"]);
        admin.clone().when("grant u-1 admin").then_rejected("user u-1 already has role admin");
        ok(admin, "revoke u-1 admin", events::role_revoked("admin"));
        with(&[]).when("revoke u-1 admin").then_rejected("user u-1 does not have role admin");
        ok(with(&["suspend u-1 x"]), "grant u-1 auditor", events::role_granted("auditor"));
        let roles = with(&["grant u-1 b", "grant u-1 a"]).then_state::<User>("u-1").roles;
        assert_eq!(roles.iter().collect::<Vec<_>>(), ["a", "b"], "sorted");
    }

    #[test]
    fn deletion() {
        ok(with(&["suspend u-1 x"]), "delete u-1 asked to", events::deleted("asked to"));
        with(&[]).when("delete u-1").then_invalid("missing reason");
        let state = with(&[]).then_state::<User>("u-1");
        let blank = UserCmd::Delete { user: "u-1".into(), reason: String::new() };
        assert_eq!(handle(&state, &blank).unwrap_err().0, "deleting needs a reason");
        with(&["delete u-1 gdpr"]).then_state_json(
            "u-1",
            json!({"registered": true, "email": "ada@example.com", "first_name": "Ada",
                   "last_name": "King Lovelace", "status": "deleted", "roles": []}),
        );
    }
}
