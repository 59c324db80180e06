//! The user's transition check and fold: what may follow a state, and how
//! a decoded event changes it.

use super::{Status, User};
use crate::domain::users::events::{self, UserEvent, check_email};
use crate::es::aggregate::{EventSchema, Violation, payload, rule};
use crate::es::{Aggregate, Event};

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

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a failed unwrap is the failure report
mod tests {
    use serde_json::json;

    use super::super::tests::{ada, empty, with};
    use super::*;
    use crate::es::EventData;

    #[test]
    fn apply_folds_the_stream() {
        let given = |extra: Vec<EventData>| empty().given("u-1", [vec![ada()], extra].concat());
        given(vec![
            events::email_changed("ada@lovelace.org"),
            events::role_granted("admin"),
            events::role_granted("auditor"),
            events::role_revoked("admin"),
            events::suspended("spam"),
        ])
        .then_state_json(
            "u-1",
            json!({"registered": true, "email": "ada@lovelace.org", "first_name": "Ada",
                   "last_name": "King Lovelace", "status": "suspended", "roles": ["auditor"]}),
        );
        let status = |extra| given(extra).then_state::<User>("u-1").status;
        assert_eq!(status(vec![events::suspended("x"), events::reactivated()]), Status::Active);
        assert_eq!(status(vec![events::deleted("gdpr")]).as_str(), "deleted");
    }

    #[test]
    fn the_transition_check_names_the_rule() {
        let (deleted, admin, suspended) =
            (with(&["delete u-1 gdpr"]), with(&["grant u-1 admin"]), with(&["suspend u-1 spam"]));
        let (fresh, ada) = (empty(), with(&[]));
        for (before, e, rule, message) in [
            (&fresh, events::email_changed("a@b"), "not-registered", "EmailChanged on u-1, which was never registered"),
            (
                &ada,
                events::registered("b@c", "Bob", ""),
                "already-registered",
                "UserRegistered on u-1, which is already registered (ada@example.com)",
            ),
            (&deleted, events::role_granted("x"), "deleted", "RoleGranted on u-1, which is deleted"),
            (&deleted, events::reactivated(), "deleted", "UserReactivated on u-1, which is deleted"),
            (&admin, events::role_granted("admin"), "role-held", "RoleGranted on u-1, which already has role admin"),
            (
                &ada,
                events::role_revoked("admin"),
                "role-not-held",
                "RoleRevoked on u-1, which does not have role admin",
            ),
            (
                &ada,
                events::email_changed("nope"),
                "email",
                "EmailChanged on u-1: email `nope` is not valid: expected one @ with text on both sides and no spaces",
            ),
            (
                &fresh,
                events::registered("a b@c", "Ada", ""),
                "email",
                "UserRegistered on u-1: email `a b@c` is not valid: expected one @ with text on both sides and no spaces",
            ),
            (&fresh, events::registered("a@c", " ", ""), "name", "UserRegistered on u-1 has no first name"),
            (
                &ada,
                events::email_changed("ada@example.com"),
                "same-email",
                "EmailChanged on u-1 to its current email ada@example.com",
            ),
            (
                &suspended,
                events::suspended("again"),
                "already-suspended",
                "UserSuspended on u-1, which is already suspended",
            ),
            (&ada, events::suspended(" "), "reason", "UserSuspended on u-1 has no reason"),
            (&ada, events::reactivated(), "not-suspended", "UserReactivated on u-1, which is not suspended"),
            (&ada, events::deleted(""), "reason", "UserDeleted on u-1 has no reason"),
            (
                &ada,
                EventData::new(events::USER_REACTIVATED, 1, json!({"why": 1})),
                "decode",
                "UserReactivated v1 payload does not decode: unknown field `why`, there are no fields",
            ),
            (
                &ada,
                EventData::new("UserPromoted", 1, json!({})),
                "unknown-event",
                "UserPromoted is not an event of a User (known: UserRegistered, EmailChanged, UserSuspended, UserReactivated, RoleGranted, RoleRevoked, UserDeleted)",
            ),
        ] {
            let v = before.check("u-1", &e).unwrap_err();
            assert_eq!((v.rule, v.message.as_str()), (rule, message), "{e:?}");
        }
        // What the commands decide always passes (the kit folds decided
        // events through the transition check, as the bus does).
        for line in ["change-email u-1 a@b", "suspend u-1 x", "grant u-1 auditor", "revoke u-1 admin", "delete u-1 x"] {
            let _ = admin.clone().given_commands([line]);
        }
    }
}
