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
    use super::*;
    use crate::es::{DynState, Event};

    pub(super) fn event(i: usize, e: &EventData) -> Event {
        Event {
            position: i as u64 + 1,
            stream_id: "u-1".into(),
            stream_type: events::STREAM_TYPE.into(),
            version: i as u64 + 1,
            event_type: e.event_type.clone(),
            schema_version: e.schema_version,
            payload: e.payload.clone(),
            recorded_at: "2026-01-01T00:00:00Z".into(),
        }
    }

    pub(super) fn fold(events: &[EventData]) -> User {
        let mut u = User::default();
        for (i, e) in events.iter().enumerate() {
            u.check_apply(&event(i, e)).unwrap();
        }
        u
    }

    pub(super) fn ada() -> Vec<EventData> {
        vec![events::registered("ada@example.com", "Ada", "King Lovelace")]
    }
    pub(super) fn with(extra: &[EventData]) -> User {
        fold(&[ada(), extra.to_vec()].concat())
    }
    pub(super) fn cmd(line: &str) -> UserCmd {
        let w: Vec<&str> = line.split(' ').collect();
        let (user, rest) = (w[1].to_owned(), w[2..].join(" "));
        match w[0] {
            "register" => {
                let (email, name) = rest.split_once(' ').unwrap_or((&rest, ""));
                UserCmd::Register { user, email: email.into(), name: name.into() }
            }
            "change-email" => UserCmd::ChangeEmail { user, email: rest },
            "suspend" => UserCmd::Suspend { user, reason: rest },
            "reactivate" => UserCmd::Reactivate { user },
            "grant" => UserCmd::Grant { user, role: rest },
            "revoke" => UserCmd::Revoke { user, role: rest },
            _ => UserCmd::Delete { user, reason: rest },
        }
    }
    fn ok(state: &User, line: &str) -> EventData {
        let mut v = handle(state, &cmd(line)).unwrap();
        assert_eq!(v.len(), 1);
        v.remove(0)
    }
    fn err(state: &User, line: &str) -> String {
        handle(state, &cmd(line)).unwrap_err().0
    }

    #[test]
    fn register_once_with_a_valid_email_and_a_name() {
        let fresh = User::default();
        assert_eq!(ok(&fresh, "register u-1 ada@example.com Ada King Lovelace"), ada()[0]);
        assert_eq!(ok(&fresh, "register u-1 a@b Ada"), events::registered("a@b", "Ada", ""));
        assert_eq!(err(&with(&[]), "register u-1 x@y Bob"), "user u-1 already exists (ada@example.com)");
        assert_eq!(
            err(&with(&[events::deleted("x")]), "register u-1 x@y Bob"),
            "user u-1 already exists (ada@example.com)"
        );
        assert!(err(&fresh, "register u-1 nope Ada").contains("email `nope` is not valid"));
        assert_eq!(err(&fresh, "register u-1 a@b"), "user u-1 needs a name");
    }

    #[test]
    fn unknown_and_deleted_users_refuse_everything() {
        let deleted = with(&[events::deleted("gdpr")]);
        for line in [
            "change-email u-1 x@y",
            "suspend u-1 spam",
            "reactivate u-1",
            "grant u-1 admin",
            "revoke u-1 admin",
            "delete u-1 again",
        ] {
            assert_eq!(err(&User::default(), line), "user u-1 does not exist (register it first)", "{line}");
            assert_eq!(err(&deleted, line), "user u-1 is deleted", "{line}");
        }
    }

    #[test]
    fn email_changes() {
        assert_eq!(ok(&with(&[]), "change-email u-1 ada@lovelace.org"), events::email_changed("ada@lovelace.org"));
        assert_eq!(err(&with(&[]), "change-email u-1 ada@example.com"), "user u-1 already has email ada@example.com");
        assert!(err(&with(&[]), "change-email u-1 a@b@c").contains("is not valid"));
    }

    #[test]
    fn suspension_and_reactivation() {
        assert_eq!(ok(&with(&[]), "suspend u-1 spam bot"), events::suspended("spam bot"));
        let suspended = with(&[events::suspended("spam")]);
        assert_eq!(err(&suspended, "suspend u-1 again"), "user u-1 is already suspended");
        assert_eq!(ok(&suspended, "reactivate u-1"), events::reactivated());
        assert_eq!(err(&with(&[]), "reactivate u-1"), "user u-1 is not suspended");
        assert_eq!(err(&with(&[]), "suspend u-1 "), "suspending needs a reason");
    }

    #[test]
    fn roles() {
        assert_eq!(ok(&with(&[]), "grant u-1 admin"), events::role_granted("admin"));
        let admin = with(&[events::role_granted("admin")]);
        assert_eq!(err(&admin, "grant u-1 admin"), "user u-1 already has role admin");
        assert_eq!(ok(&admin, "revoke u-1 admin"), events::role_revoked("admin"));
        assert_eq!(err(&with(&[]), "revoke u-1 admin"), "user u-1 does not have role admin");
        let suspended = with(&[events::suspended("x")]);
        assert_eq!(ok(&suspended, "grant u-1 auditor"), events::role_granted("auditor"));
    }

    #[test]
    fn deletion() {
        assert_eq!(ok(&with(&[events::suspended("x")]), "delete u-1 asked to"), events::deleted("asked to"));
        assert_eq!(err(&with(&[]), "delete u-1 "), "deleting needs a reason");
    }
}
