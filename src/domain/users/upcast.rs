//! Schema evolution of `UserRegistered`, and its legacy encoding.
//!
//! * v1 `{"email", "name": "Ada King Lovelace"}`
//! * v2 `{"email", "first_name": "Ada", "last_name": "King Lovelace"}`
//!
//! The name is split at its first whitespace; a single name becomes the
//! first name with an empty last name.

use serde_json::{Map, Value, json};

use super::events::{REGISTERED_SCHEMA, USER_REGISTERED, full_name, split_name, text};
use crate::es::{EventData, Upcaster};

/// The users' upcaster steps: `UserRegistered` v1 -> v2.
#[must_use]
pub fn upcasters() -> Vec<Upcaster> {
    vec![Upcaster { event_type: USER_REGISTERED, from: 1, step: v1_to_v2 }]
}

fn string_field<'a>(payload: &'a Map<String, Value>, field: &str) -> Result<&'a str, String> {
    match payload.get(field) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(format!("field `{field}` must be text, found {other}")),
        None => Err(format!("field `{field}` is missing")),
    }
}

/// v1 -> v2: the full name becomes first and last name.
fn v1_to_v2(payload: Value) -> Result<Value, String> {
    let Value::Object(m) = payload else {
        return Err(format!("payload must be a JSON object, found {payload}"));
    };
    let email = string_field(&m, "email")?;
    let (first, last) = split_name(string_field(&m, "name")?);
    Ok(json!({"email": email, "first_name": first, "last_name": last}))
}

/// A current `UserRegistered` re-encoded at schema `version` (only 1); `None`
/// for other events or versions, or when the names would not split back the
/// same way (a first name with a space in it, or only a last name).
#[must_use]
pub fn legacy(event: &EventData, version: u32) -> Option<EventData> {
    if event.event_type != USER_REGISTERED || event.schema_version != REGISTERED_SCHEMA || version != 1 {
        return None;
    }
    let p = &event.payload;
    let name = full_name(text(p, "first_name")?, text(p, "last_name")?);
    let old = json!({"email": text(p, "email")?, "name": name});
    (v1_to_v2(old.clone()).ok()? == *p).then(|| EventData::new(USER_REGISTERED, 1, old))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a failed unwrap is the failure report
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::users::events::{registered, role_granted};
    use crate::es::Upcasters;

    #[test]
    fn names_split_at_the_first_whitespace() {
        assert_eq!(
            v1_to_v2(json!({"email": "ada@example.com", "name": "Ada King Lovelace"})),
            Ok(json!({"email": "ada@example.com", "first_name": "Ada", "last_name": "King Lovelace"}))
        );
        assert_eq!(
            v1_to_v2(json!({"email": "a@b", "name": "Ada"})),
            Ok(json!({"email": "a@b", "first_name": "Ada", "last_name": ""}))
        );
        let u = Upcasters::new(super::super::STREAM_TYPE, upcasters());
        assert_eq!(u.latest(super::super::STREAM_TYPE, USER_REGISTERED), 2);
        let (v, p) = u
            .upcast_value(
                1,
                super::super::STREAM_TYPE,
                USER_REGISTERED,
                1,
                json!({"email": "a@b", "name": "Ada Lovelace"}),
            )
            .unwrap();
        assert_eq!((v, p), (2, registered("a@b", "Ada", "Lovelace").payload));
    }

    #[test]
    fn unusable_payloads_name_the_field() {
        assert!(v1_to_v2(json!({"email": "a@b"})).unwrap_err().contains("field `name` is missing"));
        assert!(v1_to_v2(json!({"email": "a@b", "name": 7})).unwrap_err().contains("field `name` must be text"));
        assert!(v1_to_v2(json!({"name": "Ada"})).unwrap_err().contains("field `email`"));
        assert!(v1_to_v2(json!("Ada")).unwrap_err().contains("JSON object"));
    }

    #[test]
    fn legacy_encoding() {
        assert_eq!(
            legacy(&registered("a@b", "Ada", "King Lovelace"), 1),
            Some(EventData::new(USER_REGISTERED, 1, json!({"email": "a@b", "name": "Ada King Lovelace"})))
        );
        assert_eq!(legacy(&registered("a@b", "Ada", ""), 1).unwrap().payload["name"], "Ada");
        assert_eq!(legacy(&registered("a@b", "Ada", "Lovelace"), 2), None);
        assert_eq!(legacy(&registered("a@b", "", "Lovelace"), 1), None);
        assert_eq!(legacy(&registered("a@b", "Ada Mary", "Lovelace"), 1), None);
        assert_eq!(legacy(&role_granted("admin"), 1), None);
    }

    #[test]
    fn a_legacy_registration_folds_and_projects_as_a_current_one() {
        use crate::domain::Registry;
        use crate::testing::Scenario;
        let current = registered("ada@example.com", "Ada", "King Lovelace");
        let old = legacy(&current, 1).unwrap();
        let (now, then) = (
            Scenario::new(Registry::builtin()).given("u-1", [current]),
            Scenario::new(Registry::builtin()).given("u-1", [old]),
        );
        assert_eq!(then.state_json("u-1"), now.state_json("u-1"));
        assert_eq!(then.rows("user_profiles"), now.rows("user_profiles"));
        then.when("change-email u-1 ada@example.com").then_rejected("already has email ada@example.com");
    }

    proptest! {
        #[test]
        fn legacy_then_upcast_gives_the_event_back(first in "[A-Za-z]{1,8}", last in "([A-Za-z]{1,8}( [A-Za-z]{1,8}){0,2})?") {
            let e = registered("ada@example.com", &first, &last);
            let old = legacy(&e, 1);
            prop_assert!(old.is_some());
            let old = old.unwrap_or_else(|| e.clone());
            let (v, payload) = Upcasters::new(super::super::STREAM_TYPE, upcasters())
                .upcast_value(1, super::super::STREAM_TYPE, USER_REGISTERED, old.schema_version, old.payload)
                .map_err(|err| TestCaseError::fail(err.to_string()))?;
            prop_assert_eq!(EventData::new(USER_REGISTERED, v, payload), e);
        }
    }
}
