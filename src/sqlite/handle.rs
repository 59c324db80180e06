//! Whole-file checks and repairs: SQLite's own integrity check, the
//! append-only triggers, the streams index rebuilt, read-model tables
//! checked against their specs.

use rusqlite::Connection;

use super::open::trigger_is_schemas;
use super::read;
use crate::es::backend::Guards;
use crate::es::projection::{ColumnKind, TableSpec};
use crate::es::store::StoreError;

/// SQLite's `PRAGMA quick_check`: an empty list when the file's pages and
/// indexes are sound, else SQLite's findings (at most `max`).
pub(super) fn quick_check(conn: &Connection, max: usize) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare(&format!("PRAGMA quick_check({})", max.max(1)))?;
    let found: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(if found.len() == 1 && found[0] == "ok" { Vec::new() } else { found })
}

/// The triggers on `events`, and those whose text is no longer the schema's.
pub(super) fn guards(conn: &Connection) -> Result<Guards, StoreError> {
    let found = read::event_trigger_sql(conn)?;
    let altered = found
        .iter()
        .filter(|(name, sql)| trigger_is_schemas(name, sql) == Some(false))
        .map(|(name, _)| name.clone())
        .collect();
    Ok(Guards { present: found.into_iter().map(|(name, _)| name).collect(), altered })
}

/// Derives the `streams` index again from the events; returns how many
/// streams' rows differed (and were replaced).
pub(super) fn rebuild_streams_index(conn: &Connection) -> Result<u64, StoreError> {
    conn.execute_batch("DROP TABLE IF EXISTS temp.derived_streams")?;
    conn.execute_batch(include_str!("sql/rebuild_streams.sql"))?;
    let differing: i64 = conn.query_row(include_str!("sql/count_streams_differing.sql"), [], |r| r.get(0))?;
    if differing > 0 {
        conn.execute_batch(include_str!("sql/replace_streams.sql"))?;
    } else {
        conn.execute_batch("DROP TABLE temp.derived_streams")?;
    }
    Ok(u64::try_from(differing).unwrap_or(0))
}

/// How a read-model table differs from its spec (as `rows.rs` creates it:
/// the spec's columns in order, `INTEGER` or `TEXT`), `None` when it does
/// not. A missing table is a problem only once rows were applied to it.
pub(super) fn read_model_problem(
    conn: &Connection,
    spec: &TableSpec,
    applied: u64,
) -> Result<Option<String>, StoreError> {
    let mut stmt = conn.prepare("SELECT name, upper(type) FROM pragma_table_info(?1) ORDER BY cid")?;
    let have: Vec<(String, String)> =
        stmt.query_map([spec.name], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    Ok(spec.problem(&have, |kind| if kind == ColumnKind::Integer { "INTEGER" } else { "TEXT" }, applied))
}

/// Drops the read-model table `spec` when it differs from its spec; returns
/// whether it did.
pub(super) fn drop_table_if_altered(conn: &Connection, spec: &'static TableSpec) -> Result<bool, StoreError> {
    // At checkpoint 0 a missing table is no problem: only one that exists.
    if read_model_problem(conn, spec, 0)?.is_none() {
        return Ok(false);
    }
    let name = spec.name;
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
        return Err(StoreError::Damaged {
            what: format!("read model table `{}`", name.escape_debug()),
            reason: "not an identifier".to_owned(),
        });
    }
    conn.execute_batch(&format!("DROP TABLE \"{name}\""))?;
    Ok(true)
}
