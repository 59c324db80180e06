//! Read-model snapshots (`model_snapshots`, schema version 3): bodies kept
//! as given, found by projection and tag at or before a position. A
//! version 2 file opened read-only (never migrated) has no such table and
//! reads as holding none.

use rusqlite::types::{Type, ValueRef};
use rusqlite::{Connection, OptionalExtension, params};

use super::read::to_i64;
use crate::es::store::StoreError;

/// A stored position read back (never negative in a file chronicle wrote).
fn position(v: i64, column: usize) -> rusqlite::Result<u64> {
    u64::try_from(v).map_err(|e| rusqlite::Error::FromSqlConversionFailure(column, Type::Integer, Box::new(e)))
}

/// A body's bytes: a blob as written, or the bytes of whatever else an
/// edited file holds there (text; nothing for a number or null), which the
/// reader then fails to unpack and `verify` names.
fn body(v: ValueRef<'_>) -> Vec<u8> {
    match v {
        ValueRef::Blob(b) | ValueRef::Text(b) => b.to_vec(),
        _ => Vec::new(),
    }
}

/// Whether the file has the table (a version 2 file read as it is has not).
fn present(conn: &Connection) -> Result<bool, StoreError> {
    let mut stmt = conn.prepare_cached(include_str!("sql/has_model_snapshots.sql"))?;
    Ok(stmt.query_row([], |r| r.get::<_, i64>(0))? > 0)
}

/// The newest snapshot of `projection` tagged `tag` at or before `max_position`.
pub(super) fn latest(
    conn: &Connection,
    projection: &str,
    tag: &str,
    max_position: u64,
) -> Result<Option<(u64, Vec<u8>)>, StoreError> {
    if !present(conn)? {
        return Ok(None);
    }
    let mut stmt = conn.prepare_cached(include_str!("sql/select_model_snapshot.sql"))?;
    let found = stmt
        .query_row(params![projection, tag, to_i64(max_position)], |r| {
            Ok((position(r.get(0)?, 0)?, body(r.get_ref(1)?)))
        })
        .optional()?;
    Ok(found)
}

/// Every snapshot's projection, position and tag, by projection then position.
pub(super) fn list(conn: &Connection) -> Result<Vec<(String, u64, String)>, StoreError> {
    if !present(conn)? {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare_cached(include_str!("sql/select_model_snapshot_list.sql"))?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, position(r.get(1)?, 1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Stores one, replacing that of the same projection and position.
pub(super) fn save(conn: &Connection, projection: &str, at: u64, tag: &str, body: &[u8]) -> Result<(), StoreError> {
    conn.prepare_cached(include_str!("sql/upsert_model_snapshot.sql"))?.execute(params![
        projection,
        to_i64(at),
        tag,
        body
    ])?;
    Ok(())
}

/// Deletes every snapshot of `projection`.
pub(super) fn clear(conn: &Connection, projection: &str) -> Result<(), StoreError> {
    conn.prepare_cached(include_str!("sql/delete_model_snapshots.sql"))?.execute([projection])?;
    Ok(())
}
