//! A borrowing scan of the log for the hash chain: every field is handed out
//! as a slice of SQLite's own row buffer, so checking a link allocates
//! nothing (`verify` walks millions of events this way).

use rusqlite::types::{Type, ValueRef};
use rusqlite::{Connection, Row, params};

use super::fold::{int, text};
use super::read::to_i64;
use crate::es::hash::HashInput;
use crate::es::store::{ChainRow, StoreError};

fn read<'a>(row: &'a Row<'_>) -> rusqlite::Result<ChainRow<'a>> {
    let hash = match row.get_ref(10)? {
        ValueRef::Blob(b) => b,
        other => {
            return Err(rusqlite::Error::FromSqlConversionFailure(10, other.data_type(), "hash is not a blob".into()));
        }
    };
    Ok(ChainRow {
        input: HashInput {
            position: int(row, 0)?,
            event_id: text(row, 1)?,
            stream_id: text(row, 2)?,
            stream_type: text(row, 3)?,
            version: int(row, 4)?,
            event_type: text(row, 5)?,
            schema_version: u32::try_from(int(row, 6)?)
                .map_err(|e| rusqlite::Error::FromSqlConversionFailure(6, Type::Integer, Box::new(e)))?,
            payload: text(row, 7)?,
            metadata: text(row, 8)?,
            recorded_at: text(row, 9)?,
        },
        hash,
    })
}

/// Calls `f` for every event with `from <= position <= to`, in order, with
/// borrowed fields.
pub(super) fn scan(
    conn: &Connection,
    from: u64,
    to: u64,
    f: &mut dyn FnMut(ChainRow<'_>) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached(include_str!("sql/select_events_range.sql"))?;
    let mut rows = stmt.query(params![to_i64(from), to_i64(to)])?;
    while let Some(row) = rows.next()? {
        f(read(row)?)?;
    }
    Ok(())
}

/// The stored hash of the last event before `position`, if any.
pub(super) fn hash_before(conn: &Connection, position: u64) -> Result<Option<Vec<u8>>, StoreError> {
    let mut stmt = conn.prepare_cached(include_str!("sql/select_hash_before.sql"))?;
    let mut rows = stmt.query(params![to_i64(position)])?;
    match rows.next()? {
        Some(row) => Ok(Some(row.get(0)?)),
        None => Ok(None),
    }
}
