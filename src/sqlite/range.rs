//! Range reads for a diff: the events of a range without their payloads,
//! borrowed from SQLite's row buffer, and an append-only table's rows
//! written in a range of positions (filtered in SQL).

use rusqlite::Connection;

use super::fold::text;
use super::read::to_i64;
use crate::es::projection::{Row, TableSpec};
use crate::es::store::{EventHead, StoreError};

/// Calls `f` for each event with `after < position <= upto`, in order.
pub(super) fn heads(
    conn: &Connection,
    after: u64,
    upto: u64,
    f: &mut dyn FnMut(EventHead<'_>) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached(include_str!("sql/select_events_heads.sql"))?;
    let mut rows = stmt.query([to_i64(after), to_i64(upto)])?;
    while let Some(r) = rows.next()? {
        f(EventHead {
            stream_id: text(r, 0)?,
            stream_type: text(r, 1)?,
            event_type: text(r, 2)?,
            metadata: text(r, 3)?,
        })?;
    }
    Ok(())
}

/// Calls `f` for each row of `spec`'s table whose `position_column` is in
/// `(after, upto]`, in key order (a missing table reads empty).
pub(super) fn table_between(
    conn: &Connection,
    spec: &'static TableSpec,
    position_column: &str,
    (after, upto): (u64, u64),
    f: &mut dyn FnMut(Row) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    super::rows::scan_where(conn, spec, position_column, (to_i64(after), to_i64(upto)), f)
}

/// How many rows of `spec`'s table have `position_column` in `(after, upto]`.
pub(super) fn count_between(
    conn: &Connection,
    spec: &'static TableSpec,
    position_column: &str,
    (after, upto): (u64, u64),
) -> Result<u64, StoreError> {
    super::rows::count_where(conn, spec, position_column, (to_i64(after), to_i64(upto)))
}
