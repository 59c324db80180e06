//! The users' events at the current schema: names, constructors and the
//! typed events the user's transition check and fold decode.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::User;
use crate::domain::TypedEvent;
use crate::es::EventData;
use crate::es::aggregate::EventSchema;

/// Stream type of users.
pub const STREAM_TYPE: &str = "User";
/// `{"email", "first_name", "last_name"}`, schema v2.
pub const USER_REGISTERED: &str = "UserRegistered";
/// `{"email"}`.
pub const EMAIL_CHANGED: &str = "EmailChanged";
/// `{"reason"}`.
pub const USER_SUSPENDED: &str = "UserSuspended";
/// `{}`.
pub const USER_REACTIVATED: &str = "UserReactivated";
/// `{"role"}`.
pub const ROLE_GRANTED: &str = "RoleGranted";
/// `{"role"}`.
pub const ROLE_REVOKED: &str = "RoleRevoked";
/// `{"reason"}`.
pub const USER_DELETED: &str = "UserDeleted";
/// Current schema of `UserRegistered`.
pub const REGISTERED_SCHEMA: u32 = 2;

/// Every users event type and its current schema.
pub const EVENTS: &[EventSchema] = &[
    EventSchema { event_type: USER_REGISTERED, latest: REGISTERED_SCHEMA },
    EventSchema { event_type: EMAIL_CHANGED, latest: 1 },
    EventSchema { event_type: USER_SUSPENDED, latest: 1 },
    EventSchema { event_type: USER_REACTIVATED, latest: 1 },
    EventSchema { event_type: ROLE_GRANTED, latest: 1 },
    EventSchema { event_type: ROLE_REVOKED, latest: 1 },
    EventSchema { event_type: USER_DELETED, latest: 1 },
];

/// A users event decoded from its (upcast) payload; strings borrow from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum UserEvent<'a> {
    /// `UserRegistered` v2.
    Registered(Registered<'a>),
    /// `EmailChanged`.
    EmailChanged(Email<'a>),
    /// `UserSuspended`.
    Suspended(Reason<'a>),
    /// `UserReactivated`.
    Reactivated(Nothing),
    /// `RoleGranted`.
    RoleGranted(Role<'a>),
    /// `RoleRevoked`.
    RoleRevoked(Role<'a>),
    /// `UserDeleted`.
    Deleted(Reason<'a>),
}

/// `UserRegistered` v2 payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registered<'a> {
    /// Email address.
    pub email: &'a str,
    /// First name.
    pub first_name: &'a str,
    /// Last name ("" when absent).
    #[serde(default)]
    pub last_name: &'a str,
}

/// `{"email"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Email<'a> {
    /// New email address.
    pub email: &'a str,
}

/// `{"reason"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reason<'a> {
    /// Why.
    pub reason: &'a str,
}

/// `{"role"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Role<'a> {
    /// Role name.
    pub role: &'a str,
}

/// `{}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Nothing {}

impl TypedEvent for UserEvent<'_> {
    fn event_type(&self) -> &'static str {
        match self {
            Self::Registered(_) => USER_REGISTERED,
            Self::EmailChanged(_) => EMAIL_CHANGED,
            Self::Suspended(_) => USER_SUSPENDED,
            Self::Reactivated(_) => USER_REACTIVATED,
            Self::RoleGranted(_) => ROLE_GRANTED,
            Self::RoleRevoked(_) => ROLE_REVOKED,
            Self::Deleted(_) => USER_DELETED,
        }
    }
}

/// A users event as stored data.
#[must_use]
pub fn encode(event: &UserEvent<'_>) -> EventData {
    crate::domain::decide::encode::<User>(event)
}

/// `UserRegistered` v2.
#[must_use]
pub fn registered(email: &str, first_name: &str, last_name: &str) -> EventData {
    encode(&UserEvent::Registered(Registered { email, first_name, last_name }))
}

/// `EmailChanged` v1.
#[must_use]
pub fn email_changed(email: &str) -> EventData {
    encode(&UserEvent::EmailChanged(Email { email }))
}

/// `UserSuspended` v1.
#[must_use]
pub fn suspended(reason: &str) -> EventData {
    encode(&UserEvent::Suspended(Reason { reason }))
}

/// `UserReactivated` v1.
#[must_use]
pub fn reactivated() -> EventData {
    encode(&UserEvent::Reactivated(Nothing {}))
}

/// `RoleGranted` v1.
#[must_use]
pub fn role_granted(role: &str) -> EventData {
    encode(&UserEvent::RoleGranted(Role { role }))
}

/// `RoleRevoked` v1.
#[must_use]
pub fn role_revoked(role: &str) -> EventData {
    encode(&UserEvent::RoleRevoked(Role { role }))
}

/// `UserDeleted` v1.
#[must_use]
pub fn deleted(reason: &str) -> EventData {
    encode(&UserEvent::Deleted(Reason { reason }))
}

/// The string field `name` of `payload`, if it is one.
#[must_use]
pub fn text<'a>(payload: &'a Value, name: &str) -> Option<&'a str> {
    payload.get(name).and_then(Value::as_str)
}

/// A full name split at its first whitespace: `("Ada", "King Lovelace")`;
/// a single name is all first name (`("Ada", "")`).
#[must_use]
pub fn split_name(name: &str) -> (&str, &str) {
    match name.trim().split_once(char::is_whitespace) {
        Some((first, last)) => (first, last.trim_start()),
        None => (name.trim(), ""),
    }
}

/// First and last name joined by one space (either may be empty).
#[must_use]
pub fn full_name(first: &str, last: &str) -> String {
    match (first.is_empty(), last.is_empty()) {
        (_, true) => first.to_owned(),
        (true, false) => last.to_owned(),
        (false, false) => format!("{first} {last}"),
    }
}

/// Whether `email` looks like an address: exactly one `@` with text on both
/// sides, and no whitespace or control characters.
///
/// # Errors
/// A one-line reason naming the email.
pub fn check_email(email: &str) -> Result<(), String> {
    let ok = email.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty())
        && email.matches('@').count() == 1
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "email `{}` is not valid: expected one @ with text on both sides and no spaces",
            crate::domain::registry::sanitize(email)
        ))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a failed unwrap is the failure report
mod tests {
    use super::*;

    #[test]
    fn names_split_at_the_first_whitespace() {
        assert_eq!(split_name("Ada King Lovelace"), ("Ada", "King Lovelace"));
        assert_eq!(split_name("Ada\t  Lovelace"), ("Ada", "Lovelace"));
        assert_eq!(split_name("Ada"), ("Ada", ""));
        assert_eq!(split_name(""), ("", ""));
        assert_eq!(full_name("Ada", "King Lovelace"), "Ada King Lovelace");
        assert_eq!(full_name("Ada", ""), "Ada");
        assert_eq!(full_name("", "Lovelace"), "Lovelace");
    }

    #[test]
    fn emails_need_one_at_with_text_around_it() {
        for good in ["ada@example.com", "a@b", "first.last+tag@sub.example.org"] {
            assert_eq!(check_email(good), Ok(()), "{good}");
        }
        for bad in ["", "ada", "@example.com", "ada@", "a@b@c", "a b@c", "a@b\u{7}", "@"] {
            assert!(check_email(bad).unwrap_err().contains("is not valid"), "{bad:?}");
        }
    }
}
