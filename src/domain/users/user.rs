//! The `User` aggregate (stream type `User`) and its pure decisions.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::events::{self, UserEvent, check_email, split_name};
use crate::domain::Rejection;
use crate::es::aggregate::{EventSchema, Violation, payload, rule};
use crate::es::{Aggregate, Event, EventData};

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

impl Aggregate for User {
    const STREAM_TYPE: &'static str = events::STREAM_TYPE;
    const STATE_VERSION: u32 = 1;
    const EVENTS: &'static [EventSchema] = events::EVENTS;
    type Event<'a> = UserEvent<'a>;

    fn decode(event: &Event) -> Result<UserEvent<'_>, Violation> {
        Ok(match event.event_type.as_str() {
            events::USER_REGISTERED => UserEvent::Registered(payload(event)?),
            events::EMAIL_CHANGED => UserEvent::EmailChanged(payload(event)?),
            events::USER_SUSPENDED => UserEvent::Suspended(payload(event)?),
            events::USER_REACTIVATED => UserEvent::Reactivated(payload(event)?),
            events::ROLE_GRANTED => UserEvent::RoleGranted(payload(event)?),
            events::ROLE_REVOKED => UserEvent::RoleRevoked(payload(event)?),
            events::USER_DELETED => UserEvent::Deleted(payload(event)?),
            other => return Err(Violation::new(rule::UNKNOWN_EVENT, format!("{other} is not a users event"))),
        })
    }

    fn check(&self, id: &str, event: &UserEvent<'_>) -> Result<(), Violation> {
        let what = name(event);
        let refuse = |rule: &'static str, why: String| Err(Violation::new(rule, format!("{what} on {id}{why}")));
        if let UserEvent::Registered(r) = event {
            if self.registered {
                return refuse("already-registered", format!(", which is already registered ({})", self.email));
            }
            check_email(r.email).or_else(|e| refuse("email", format!(": {e}")))?;
            if r.first_name.trim().is_empty() {
                return refuse("name", " has no first name".to_owned());
            }
            return Ok(());
        }
        if !self.registered {
            return refuse("not-registered", ", which was never registered".to_owned());
        }
        if self.status == Status::Deleted {
            return refuse("deleted", ", which is deleted".to_owned());
        }
        match event {
            UserEvent::Registered(_) => {}
            UserEvent::EmailChanged(e) => {
                check_email(e.email).or_else(|err| refuse("email", format!(": {err}")))?;
                if e.email == self.email {
                    return refuse("same-email", format!(" to its current email {}", e.email));
                }
            }
            UserEvent::Suspended(r) => {
                if self.status == Status::Suspended {
                    return refuse("already-suspended", ", which is already suspended".to_owned());
                }
                if r.reason.trim().is_empty() {
                    return refuse("reason", " has no reason".to_owned());
                }
            }
            UserEvent::Reactivated(_) => {
                if self.status != Status::Suspended {
                    return refuse("not-suspended", ", which is not suspended".to_owned());
                }
            }
            UserEvent::RoleGranted(r) => {
                if r.role.trim().is_empty() {
                    return refuse("role", " names no role".to_owned());
                }
                if self.roles.contains(r.role) {
                    return refuse("role-held", format!(", which already has role {}", r.role));
                }
            }
            UserEvent::RoleRevoked(r) => {
                if !self.roles.contains(r.role) {
                    return refuse("role-not-held", format!(", which does not have role {}", r.role));
                }
            }
            UserEvent::Deleted(r) => {
                if r.reason.trim().is_empty() {
                    return refuse("reason", " has no reason".to_owned());
                }
            }
        }
        Ok(())
    }

    fn evolve(&mut self, event: &UserEvent<'_>) {
        match event {
            UserEvent::Registered(r) => {
                self.registered = true;
                r.email.clone_into(&mut self.email);
                r.first_name.clone_into(&mut self.first_name);
                r.last_name.clone_into(&mut self.last_name);
                self.status = Status::Active;
            }
            UserEvent::EmailChanged(e) => e.email.clone_into(&mut self.email),
            UserEvent::Suspended(_) => self.status = Status::Suspended,
            UserEvent::Reactivated(_) => self.status = Status::Active,
            UserEvent::Deleted(_) => self.status = Status::Deleted,
            UserEvent::RoleGranted(r) => {
                self.roles.insert(r.role.to_owned());
            }
            UserEvent::RoleRevoked(r) => {
                self.roles.remove(r.role);
            }
        }
    }
}

/// The event type of a decoded users event.
fn name(event: &UserEvent<'_>) -> &'static str {
    match event {
        UserEvent::Registered(_) => events::USER_REGISTERED,
        UserEvent::EmailChanged(_) => events::EMAIL_CHANGED,
        UserEvent::Suspended(_) => events::USER_SUSPENDED,
        UserEvent::Reactivated(_) => events::USER_REACTIVATED,
        UserEvent::RoleGranted(_) => events::ROLE_GRANTED,
        UserEvent::RoleRevoked(_) => events::ROLE_REVOKED,
        UserEvent::Deleted(_) => events::USER_DELETED,
    }
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
            events::registered(email, first, last)
        }
        UserCmd::ChangeEmail { email, .. } => {
            check_email(email).map_err(Rejection)?;
            if *email == state.email {
                return reject(format!("user {user} already has email {email}"));
            }
            events::email_changed(email)
        }
        UserCmd::Suspend { reason, .. } => {
            if state.status == Status::Suspended {
                return reject(format!("user {user} is already suspended"));
            }
            ensure_reason(reason, "suspending")?;
            events::suspended(reason)
        }
        UserCmd::Reactivate { .. } => {
            if state.status != Status::Suspended {
                return reject(format!("user {user} is not suspended"));
            }
            events::reactivated()
        }
        UserCmd::Grant { role, .. } => {
            if state.roles.contains(role) {
                return reject(format!("user {user} already has role {role}"));
            }
            events::role_granted(role)
        }
        UserCmd::Revoke { role, .. } => {
            if !state.roles.contains(role) {
                return reject(format!("user {user} does not have role {role}"));
            }
            events::role_revoked(role)
        }
        UserCmd::Delete { reason, .. } => {
            ensure_reason(reason, "deleting")?;
            events::deleted(reason)
        }
    };
    Ok(vec![event])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a failed unwrap is the failure report
mod tests {
    use serde_json::json;

    use super::*;
    use crate::es::DynState;

    fn event(i: usize, e: &EventData) -> Event {
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

    fn fold(events: &[EventData]) -> User {
        let mut u = User::default();
        for (i, e) in events.iter().enumerate() {
            u.check_apply(&event(i, e)).unwrap();
        }
        u
    }

    fn ada() -> Vec<EventData> {
        vec![events::registered("ada@example.com", "Ada", "King Lovelace")]
    }
    fn with(extra: &[EventData]) -> User {
        fold(&[ada(), extra.to_vec()].concat())
    }
    fn cmd(line: &str) -> UserCmd {
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
    fn apply_folds_the_stream() {
        let u = with(&[
            events::email_changed("ada@lovelace.org"),
            events::role_granted("admin"),
            events::role_granted("auditor"),
            events::role_revoked("admin"),
            events::suspended("spam"),
        ]);
        assert_eq!(
            serde_json::to_value(&u).unwrap(),
            json!({"registered": true, "email": "ada@lovelace.org", "first_name": "Ada",
                   "last_name": "King Lovelace", "status": "suspended", "roles": ["auditor"]})
        );
        assert_eq!(with(&[events::suspended("x"), events::reactivated()]).status, Status::Active);
        assert_eq!(with(&[events::deleted("gdpr")]).status.as_str(), "deleted");
    }

    #[test]
    fn the_transition_check_names_the_rule() {
        let deleted = [ada(), vec![events::deleted("gdpr")]].concat();
        let admin = [ada(), vec![events::role_granted("admin")]].concat();
        let suspended = [ada(), vec![events::suspended("spam")]].concat();
        for (before, e, rule, message) in [
            (
                &[][..],
                events::email_changed("a@b"),
                "not-registered",
                "EmailChanged on u-1, which was never registered",
            ),
            (
                &ada()[..],
                events::registered("b@c", "Bob", ""),
                "already-registered",
                "UserRegistered on u-1, which is already registered (ada@example.com)",
            ),
            (&deleted[..], events::role_granted("x"), "deleted", "RoleGranted on u-1, which is deleted"),
            (&deleted[..], events::reactivated(), "deleted", "UserReactivated on u-1, which is deleted"),
            (
                &admin[..],
                events::role_granted("admin"),
                "role-held",
                "RoleGranted on u-1, which already has role admin",
            ),
            (
                &ada()[..],
                events::role_revoked("admin"),
                "role-not-held",
                "RoleRevoked on u-1, which does not have role admin",
            ),
            (
                &ada()[..],
                events::email_changed("nope"),
                "email",
                "EmailChanged on u-1: email `nope` is not valid: expected one @ with text on both sides and no spaces",
            ),
            (
                &[][..],
                events::registered("a b@c", "Ada", ""),
                "email",
                "UserRegistered on u-1: email `a b@c` is not valid: expected one @ with text on both sides and no spaces",
            ),
            (&[][..], events::registered("a@c", " ", ""), "name", "UserRegistered on u-1 has no first name"),
            (
                &ada()[..],
                events::email_changed("ada@example.com"),
                "same-email",
                "EmailChanged on u-1 to its current email ada@example.com",
            ),
            (
                &suspended[..],
                events::suspended("again"),
                "already-suspended",
                "UserSuspended on u-1, which is already suspended",
            ),
            (&ada()[..], events::suspended(" "), "reason", "UserSuspended on u-1 has no reason"),
            (&ada()[..], events::reactivated(), "not-suspended", "UserReactivated on u-1, which is not suspended"),
            (&ada()[..], events::deleted(""), "reason", "UserDeleted on u-1 has no reason"),
            (
                &ada()[..],
                EventData::new(events::USER_REACTIVATED, 1, json!({"why": 1})),
                "decode",
                "UserReactivated v1 payload does not decode: unknown field `why`, there are no fields",
            ),
            (
                &ada()[..],
                EventData::new("UserPromoted", 1, json!({})),
                "unknown-event",
                "UserPromoted is not an event of a User (known: UserRegistered, EmailChanged, UserSuspended, UserReactivated, RoleGranted, RoleRevoked, UserDeleted)",
            ),
        ] {
            let u = fold(before);
            let v = DynState::check(&u, &event(before.len(), &e)).unwrap_err();
            assert_eq!((v.rule, v.message.as_str()), (rule, message), "{e:?}");
        }
        // What the commands decide always passes.
        let u = fold(&admin);
        for line in ["change-email u-1 a@b", "suspend u-1 x", "grant u-1 auditor", "revoke u-1 admin", "delete u-1 x"] {
            for e in handle(&u, &cmd(line)).unwrap() {
                assert_eq!(DynState::check(&u, &event(2, &e)), Ok(()), "{line}");
            }
        }
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
