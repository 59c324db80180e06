//! Borrowing scans for folds: only the columns a fold reads (no event id,
//! metadata or hash), handed out as slices of SQLite's row buffer, so a
//! scan allocates nothing per event beyond what the caller keeps.

use rusqlite::types::Type;
use rusqlite::{Connection, Row, Rows, params};

use super::read::to_i64;
use crate::es::event::EventRef;
use crate::es::store::StoreError;

/// Column `i` as text borrowed from the row (not UTF-8: a conversion error).
pub(super) fn text<'a>(row: &'a Row<'_>, i: usize) -> rusqlite::Result<&'a str> {
    row.get_ref(i)?.as_str().map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, Type::Text, Box::new(e)))
}

/// Column `i` as a non-negative integer.
pub(super) fn int(row: &Row<'_>, i: usize) -> rusqlite::Result<u64> {
    let n = row
        .get_ref(i)?
        .as_i64()
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, Type::Integer, Box::new(e)))?;
    u64::try_from(n).map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, Type::Integer, Box::new(e)))
}

/// One row of `select_*_fold.sql`, borrowed.
fn read<'a>(row: &'a Row<'_>) -> rusqlite::Result<EventRef<'a>> {
    Ok(EventRef {
        position: int(row, 0)?,
        stream_id: text(row, 1)?,
        stream_type: text(row, 2)?,
        version: int(row, 3)?,
        event_type: text(row, 4)?,
        schema_version: u32::try_from(int(row, 5)?)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(5, Type::Integer, Box::new(e)))?,
        payload: text(row, 6)?,
        recorded_at: text(row, 7)?,
    })
}

/// Calls `f` for each row of `rows` (a `select_*_fold.sql` query), in order.
fn each(mut rows: Rows<'_>, f: &mut dyn FnMut(EventRef<'_>) -> Result<(), StoreError>) -> Result<(), StoreError> {
    while let Some(row) = rows.next()? {
        f(read(row)?)?;
    }
    Ok(())
}

/// Calls `f` for every event with `from <= position <= to`, in order.
pub(super) fn range(
    conn: &Connection,
    from: u64,
    to: u64,
    f: &mut dyn FnMut(EventRef<'_>) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached(include_str!("sql/select_events_fold.sql"))?;
    each(stmt.query(params![to_i64(from), to_i64(to)])?, f)
}

/// Calls `f` for every event of `stream_id` with `version > after_version`
/// and `position <= max_position`, by version (through the
/// `(stream_id, version)` unique index).
pub(super) fn stream(
    conn: &Connection,
    stream_id: &str,
    after_version: u64,
    max_position: u64,
    f: &mut dyn FnMut(EventRef<'_>) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached(include_str!("sql/select_stream_fold.sql"))?;
    each(stmt.query(params![stream_id, to_i64(after_version), to_i64(max_position)])?, f)
}
