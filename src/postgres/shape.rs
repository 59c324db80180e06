//! The store's tables against chronicle's schema, by their columns: the log
//! must be as chronicle made it; a derived table (streams, snapshots,
//! checkpoints, model snapshots) that differs is recreated empty by a repairing open, for
//! `rebuild` to derive again.

use std::path::PathBuf;

use postgres::Client;

use super::connect::{lock_key, quote};
use super::error::store_error;
use super::url::Target;
use crate::es::StoreError;
use crate::es::backend::Access;

/// The derived tables and the SQL that creates each.
pub const DERIVED: [(&str, &str); 4] = [
    ("streams", include_str!("sql/streams.sql")),
    ("snapshots", include_str!("sql/snapshots.sql")),
    ("checkpoints", include_str!("sql/checkpoints.sql")),
    ("model_snapshots", include_str!("sql/model_snapshots.sql")),
];

type Shape = (&'static str, &'static [(&'static str, &'static str)]);

/// Every table's columns and types, as the schema files create them.
const SHAPES: [Shape; 5] = [
    (
        "events",
        &[
            ("position", "bigint"),
            ("event_id", "text"),
            ("stream_id", "text"),
            ("stream_type", "text"),
            ("version", "bigint"),
            ("event_type", "text"),
            ("schema_version", "integer"),
            ("payload", "text"),
            ("metadata", "text"),
            ("recorded_at", "text"),
            ("hash", "bytea"),
            ("correlation_id", "text"),
        ],
    ),
    (
        "streams",
        &[
            ("stream_id", "text"),
            ("stream_type", "text"),
            ("version", "bigint"),
            ("first_position", "bigint"),
            ("last_position", "bigint"),
        ],
    ),
    (
        "snapshots",
        &[
            ("stream_id", "text"),
            ("version", "bigint"),
            ("stream_type", "text"),
            ("position", "bigint"),
            ("state_version", "integer"),
            ("state", "text"),
        ],
    ),
    ("checkpoints", &[("projection", "text"), ("position", "bigint")]),
    ("model_snapshots", &[("projection", "text"), ("position", "bigint"), ("tag", "text"), ("body", "bytea")]),
];

/// How table `name` differs from `want`, if it does.
fn difference(have: &[(String, String)], want: &[(&str, &str)]) -> Option<String> {
    if have.is_empty() {
        return Some("is missing".to_owned());
    }
    for (w, wty) in want {
        match have.iter().find(|(n, _)| n == w) {
            None => return Some(format!("has no column `{w}`")),
            Some((_, ty)) if ty != wty => return Some(format!("declares `{w}` as `{ty}`, chronicle as `{wty}`")),
            Some(_) => {}
        }
    }
    if let Some((extra, _)) = have.iter().find(|(n, _)| !want.iter().any(|(w, _)| w == n)) {
        return Some(format!("has an extra column `{}`", extra.escape_debug()));
    }
    None
}

/// A table's name and its columns (name, SQL type) in order.
type Found = (String, Vec<(String, String)>);

/// Every store table's columns, in one query.
fn columns(client: &mut Client, schema: &str) -> Result<Vec<Found>, StoreError> {
    let names: Vec<&str> = SHAPES.iter().map(|(t, _)| *t).collect();
    let rows = client.query(include_str!("sql/select_shapes.sql"), &[&schema, &names]).map_err(store_error)?;
    let mut tables: Vec<Found> = Vec::new();
    for r in &rows {
        let (table, column, ty): (String, String, String) = (
            r.try_get(0).map_err(store_error)?,
            r.try_get(1).map_err(store_error)?,
            r.try_get(2).map_err(store_error)?,
        );
        match tables.last_mut() {
            Some((t, cols)) if *t == table => cols.push((column, ty)),
            _ => tables.push((table, vec![(column, ty)])),
        }
    }
    Ok(tables)
}

/// The columns a store of schema `version` has that an older one lacks
/// (table, column): an older store read without migrating has none of them.
const SINCE: [(&str, &str, i64); 1] = [("events", "correlation_id", 3)];

/// The tables a store of schema `version` has that an older one lacks: an
/// older store read without migrating may have none (its reads then find
/// nothing in it); one that is there is checked as the current schema's.
const TABLES_SINCE: [(&str, i64); 1] = [("model_snapshots", 4)];

/// Checks every table of a store at schema `version`; with
/// [`Access::Repair`] recreates the derived ones that differ (returned),
/// otherwise a difference is the error.
pub fn check(
    client: &mut Client,
    target: &Target,
    access: Access,
    version: i64,
) -> Result<Vec<&'static str>, StoreError> {
    let path = || PathBuf::from(&target.display);
    let mut repair = Vec::new();
    let found = columns(client, &target.schema)?;
    for (table, want) in SHAPES {
        let have = found.iter().find(|(t, _)| t == table).map_or(&[][..], |(_, cols)| cols.as_slice());
        let later = |c: &str| SINCE.iter().any(|&(t, n, v)| t == table && n == c && version < v);
        let want: Vec<(&str, &str)> = want.iter().copied().filter(|(c, _)| !later(c)).collect();
        if have.is_empty() && TABLES_SINCE.iter().any(|&(t, v)| t == table && version < v) {
            continue;
        }
        let Some(what) = difference(have, &want) else { continue };
        let derived = DERIVED.iter().find(|(n, _)| *n == table);
        match derived {
            Some(&(name, sql)) if access == Access::Repair => repair.push((name, sql)),
            Some(_) => {
                return Err(StoreError::NotAStore {
                    path: path(),
                    reason: format!(
                        "table `{table}` {what} (changed outside chronicle; it is derived from the events: `chronicle rebuild` recreates it)"
                    ),
                });
            }
            None => {
                return Err(StoreError::NotAStore {
                    path: path(),
                    reason: format!("the event log's table `{table}` {what}; chronicle cannot repair the log itself"),
                });
            }
        }
    }
    if repair.is_empty() {
        return Ok(Vec::new());
    }
    let mut tx = client.transaction().map_err(store_error)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&lock_key(&target.schema)]).map_err(store_error)?;
    for (name, sql) in &repair {
        tx.batch_execute(&format!("DROP TABLE IF EXISTS {}.{name}; {sql}", quote(&target.schema)))
            .map_err(store_error)?;
    }
    tx.commit().map_err(store_error)?;
    Ok(repair.into_iter().map(|(n, _)| n).collect())
}
