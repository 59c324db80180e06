//! `user_profiles`: one row per user, deleted users included.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::events::{self, full_name, text};
use crate::es::projection::RowsError;
use crate::es::{Column, ColumnKind, Event, Projection, Row, Rows, TableSpec};

/// The table: `user_id` (key), `email`, `name`, `status`, `roles` (JSON array, sorted).
pub static TABLES: [TableSpec; 1] = [TableSpec {
    name: "user_profiles",
    columns: &[
        Column { name: "user_id", kind: ColumnKind::Text },
        Column { name: "email", kind: ColumnKind::Text },
        Column { name: "name", kind: ColumnKind::Text },
        Column { name: "status", kind: ColumnKind::Text },
        Column { name: "roles", kind: ColumnKind::Json },
    ],
    key_len: 1,
}];

/// Email, name, status and roles of every user.
#[derive(Debug, Clone, Copy, Default)]
pub struct UserProfiles;

fn cell<'a>(r: Option<&'a Row>, column: &str, default: &'a str) -> &'a str {
    r.and_then(|r| r.get(column)).and_then(Value::as_str).unwrap_or(default)
}

/// The roles of a stored row: a JSON array, or its text if the storage
/// handed the JSON column back unparsed.
fn roles_of(r: Option<&Row>) -> BTreeSet<String> {
    let parsed;
    let value = match r.and_then(|r| r.get("roles")) {
        Some(Value::String(s)) => {
            parsed = serde_json::from_str::<Value>(s).unwrap_or(Value::Null);
            &parsed
        }
        Some(v) => v,
        None => return BTreeSet::new(),
    };
    value.as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect()
}

impl Projection for UserProfiles {
    fn name(&self) -> &'static str {
        "user_profiles"
    }

    fn tables(&self) -> &'static [TableSpec] {
        &TABLES
    }

    fn apply(&self, rows: &mut dyn Rows, event: &Event) -> Result<(), RowsError> {
        const KNOWN: [&str; 7] = [
            events::USER_REGISTERED,
            events::EMAIL_CHANGED,
            events::USER_SUSPENDED,
            events::USER_REACTIVATED,
            events::ROLE_GRANTED,
            events::ROLE_REVOKED,
            events::USER_DELETED,
        ];
        if event.stream_type != events::STREAM_TYPE || !KNOWN.contains(&event.event_type.as_str()) {
            return Ok(());
        }
        let table = &TABLES[0];
        let id = event.stream_id.as_str();
        let old = rows.get(table, &[id.into()])?;
        let old = old.as_ref();
        let p = &event.payload;
        let mut email = cell(old, "email", "");
        let mut name = cell(old, "name", "").to_owned();
        let mut status = cell(old, "status", "active");
        let mut roles = roles_of(old);
        let role = text(p, "role").unwrap_or_default();
        match event.event_type.as_str() {
            events::USER_REGISTERED => {
                email = text(p, "email").unwrap_or_default();
                name = full_name(text(p, "first_name").unwrap_or_default(), text(p, "last_name").unwrap_or_default());
                status = "active";
            }
            events::EMAIL_CHANGED => email = text(p, "email").unwrap_or_default(),
            events::USER_SUSPENDED => status = "suspended",
            events::USER_REACTIVATED => status = "active",
            events::USER_DELETED => status = "deleted",
            events::ROLE_GRANTED => {
                roles.insert(role.to_owned());
            }
            _ => {
                roles.remove(role);
            }
        }
        let row = json!({"user_id": id, "email": email, "name": name, "status": status, "roles": roles});
        rows.put(table, row.as_object().cloned().unwrap_or_default())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a failed unwrap is the failure report
mod tests {
    use super::*;
    use crate::domain::users::events::{
        deleted, email_changed, reactivated, registered, role_granted, role_revoked, suspended,
    };
    use crate::es::{EventData, MemTables};

    fn ev(position: u64, stream: &str, e: EventData) -> Event {
        Event {
            position,
            stream_id: stream.into(),
            stream_type: events::STREAM_TYPE.into(),
            version: 0,
            event_type: e.event_type,
            schema_version: e.schema_version,
            payload: e.payload,
            recorded_at: "2026-03-01T10:00:00Z".into(),
        }
    }

    #[test]
    fn profiles_follow_the_users() {
        let mut bank = ev(9, "acc-1", email_changed("x@y"));
        bank.stream_type = "BankAccount".into();
        let log = [
            ev(1, "u-1", registered("ada@example.com", "Ada", "King Lovelace")),
            ev(2, "u-2", registered("grace@example.com", "Grace", "")),
            ev(3, "u-1", role_granted("auditor")),
            ev(4, "u-1", role_granted("admin")),
            ev(5, "u-1", email_changed("ada@lovelace.org")),
            ev(6, "u-2", suspended("spam")),
            ev(7, "u-2", reactivated()),
            ev(8, "u-1", role_revoked("auditor")),
            bank,
            ev(10, "u-3", registered("c@b", "Charles", "Babbage")),
            ev(11, "u-3", role_granted("ops")),
            ev(12, "u-3", deleted("left")),
            ev(13, "u-3", EventData::new("Nicknamed", 1, json!({"email": "nope"}))),
        ];
        let mut m = MemTables::default();
        for e in &log {
            UserProfiles.apply(&mut m, e).unwrap();
        }
        let rows: Vec<Value> = m.rows("user_profiles").map(|r| Value::Object(r.clone())).collect();
        assert_eq!(
            rows,
            vec![
                json!({"user_id": "u-1", "email": "ada@lovelace.org", "name": "Ada King Lovelace", "status": "active",
                       "roles": ["admin"]}),
                json!({"user_id": "u-2", "email": "grace@example.com", "name": "Grace", "status": "active",
                       "roles": []}),
                json!({"user_id": "u-3", "email": "c@b", "name": "Charles Babbage", "status": "deleted",
                       "roles": ["ops"]}),
            ]
        );
    }

    #[test]
    fn roles_read_back_from_json_text() {
        let mut r = Row::new();
        r.insert("roles".into(), json!("[\"b\",\"a\"]"));
        assert_eq!(roles_of(Some(&r)).into_iter().collect::<Vec<_>>(), ["a", "b"]);
        r.insert("roles".into(), json!("garbage"));
        assert!(roles_of(Some(&r)).is_empty());
        assert!(roles_of(None).is_empty());
    }
}
