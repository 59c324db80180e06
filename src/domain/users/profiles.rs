//! `user_profiles`: one row per user, deleted users included.

use std::collections::BTreeSet;

use serde_json::Value;

use super::User;
use super::events::{UserEvent, full_name};
use crate::es::projection::{RowsError, TypedProjection};
use crate::es::{Cell, Column, ColumnKind, Event, Row, Rows, TableSpec};

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

const EMAIL: usize = 1;
const NAME: usize = 2;
const STATUS: usize = 3;
const ROLES: usize = 4;

/// Email, name, status and roles of every user.
#[derive(Debug, Clone, Copy, Default)]
pub struct UserProfiles;

/// The roles of a stored row: a JSON array, or its text if the storage
/// handed the JSON column back unparsed.
fn roles_of(r: Option<&Row>) -> BTreeSet<String> {
    let parsed;
    let value = match r.map(|r| r.cell(ROLES)) {
        Some(Cell::Json(v)) => v.as_ref(),
        Some(Cell::Text(s)) => {
            parsed = serde_json::from_str::<Value>(s).unwrap_or(Value::Null);
            &parsed
        }
        _ => return BTreeSet::new(),
    };
    value.as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect()
}

/// Whether `roles` is what [`roles_of`] would give back re-serialised.
fn is_normal(roles: &Value) -> bool {
    roles
        .as_array()
        .is_some_and(|a| a.iter().all(Value::is_string) && a.windows(2).all(|w| w[0].as_str() < w[1].as_str()))
}

impl TypedProjection for UserProfiles {
    type Agg = User;

    fn name(&self) -> &'static str {
        "user_profiles"
    }

    fn tables(&self) -> &'static [TableSpec] {
        &TABLES
    }

    fn fold(&self, rows: &mut dyn Rows, event: &Event, typed: &UserEvent<'_>) -> Result<(), RowsError> {
        let table = &TABLES[0];
        let id = event.stream_id.as_str();
        let old = rows.get(table, &[id.into()])?;
        let old = old.as_ref();
        let cell = |i, default: &'static str| old.map_or_else(|| Cell::text(default), |r| r.text_cell(i));
        let (mut email, mut name, mut status) = (cell(EMAIL, ""), cell(NAME, ""), cell(STATUS, "active"));
        let mut roles = None;
        match typed {
            UserEvent::Registered(r) => {
                email = Cell::text(r.email);
                name = Cell::text(&full_name(r.first_name, r.last_name));
                status = Cell::text("active");
            }
            UserEvent::EmailChanged(e) => email = Cell::text(e.email),
            UserEvent::Suspended(_) => status = Cell::text("suspended"),
            UserEvent::Reactivated(_) => status = Cell::text("active"),
            UserEvent::Deleted(_) => status = Cell::text("deleted"),
            UserEvent::RoleGranted(r) => {
                let mut set = roles_of(old);
                set.insert(r.role.to_owned());
                roles = Some(set);
            }
            UserEvent::RoleRevoked(r) => {
                let mut set = roles_of(old);
                set.remove(r.role);
                roles = Some(set);
            }
        }
        // Roles already stored as a sorted array of distinct strings carry
        // over shared; anything else is normalised as the fold writes it.
        let roles = match (roles, old.map(|r| r.cell(ROLES))) {
            (None, Some(c @ Cell::Json(v))) if is_normal(v) => c.clone(),
            (set, _) => Cell::json(Value::from_iter(set.unwrap_or_else(|| roles_of(old)))),
        };
        rows.put(table, Row::new(table, [Cell::text(id), email, name, status, roles]))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a failed unwrap is the failure report
mod tests {
    use serde_json::json;

    use super::*;
    use crate::domain::users::events;
    use crate::domain::users::events::{
        deleted, email_changed, reactivated, registered, role_granted, role_revoked, suspended,
    };
    use crate::domain::{Registry, bank};
    use crate::es::{EventData, MemTables, Projection};
    use crate::testing::Scenario;

    /// Every user's row follows its events: registration, roles granted
    /// and revoked, a new email, a suspension lifted, a deletion.
    #[test]
    fn profiles_follow_the_users() {
        let _ = Scenario::new(Registry::builtin())
            .given("u-1", [registered("ada@example.com", "Ada", "King Lovelace")])
            .given("u-2", [registered("grace@example.com", "Grace", "")])
            .given("u-1", [role_granted("auditor"), role_granted("admin"), email_changed("ada@lovelace.org")])
            .given("u-2", [suspended("spam"), reactivated()])
            .given("u-1", [role_revoked("auditor")])
            .given("acc-1", [bank::events::opened("Ada", "USD")])
            .given("u-3", [registered("c@b", "Charles", "Babbage"), role_granted("ops"), deleted("left")])
            .then_rows(
                "user_profiles",
                json!([
                    {"user_id": "u-1", "email": "ada@lovelace.org", "name": "Ada King Lovelace", "status": "active",
                     "roles": ["admin"]},
                    {"user_id": "u-2", "email": "grace@example.com", "name": "Grace", "status": "active",
                     "roles": []},
                    {"user_id": "u-3", "email": "c@b", "name": "Charles Babbage", "status": "deleted",
                     "roles": ["ops"]},
                ]),
            );
    }

    /// Hand-built, as no given can make them (the kit files an event under
    /// the aggregate owning its type, and refuses a type no aggregate owns):
    /// a users event on a `BankAccount` stream and an unknown event type
    /// leave the rows as they were.
    #[test]
    fn foreign_and_unknown_events_do_not_count() {
        let ev = |position: u64, stream: &str, stream_type: &str, e: EventData| Event {
            position,
            stream_id: stream.into(),
            stream_type: stream_type.into(),
            version: 0,
            event_type: e.event_type,
            schema_version: e.schema_version,
            payload: e.payload,
            recorded_at: "2026-03-01T10:00:00Z".into(),
        };
        let log = [
            ev(1, "u-3", events::STREAM_TYPE, registered("c@b", "Charles", "Babbage")),
            ev(2, "acc-1", "BankAccount", email_changed("x@y")),
            ev(3, "u-3", events::STREAM_TYPE, EventData::new("Nicknamed", 1, json!({"email": "nope"}))),
        ];
        let mut m = MemTables::default();
        for e in &log {
            UserProfiles.apply(&mut m, e).unwrap();
        }
        let rows: Vec<Value> = m.rows("user_profiles").map(Row::to_json).collect();
        assert_eq!(
            rows,
            vec![json!({"user_id": "u-3", "email": "c@b", "name": "Charles Babbage", "status": "active", "roles": []})]
        );
    }

    #[test]
    fn roles_read_back_from_json_text() {
        let row = |roles: &str| Row::new(&TABLES[0], [Cell::text("u"), "".into(), "".into(), "".into(), roles.into()]);
        assert_eq!(roles_of(Some(&row("[\"b\",\"a\"]"))).into_iter().collect::<Vec<_>>(), ["a", "b"]);
        assert!(roles_of(Some(&row("garbage"))).is_empty());
        assert!(roles_of(None).is_empty());
    }
}
