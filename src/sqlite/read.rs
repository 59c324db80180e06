//! Reads: events by position range, by stream, by filter; streams; snapshots.
//! Free functions over a connection so the write transaction can use them too.

use std::fmt::Write as _;

use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::es::event::StoredEvent;
use crate::es::store::{LogFilter, Snapshot, StoreError, StreamInfo};

const EVENT_COLUMNS: &str = "position, event_id, stream_id, stream_type, version, event_type, \
                             schema_version, payload, metadata, recorded_at, hash";

fn u64_col(row: &Row<'_>, i: usize) -> rusqlite::Result<u64> {
    let v: i64 = row.get(i)?;
    u64::try_from(v).map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, Type::Integer, Box::new(e)))
}

pub(super) fn event_from_row(row: &Row<'_>) -> rusqlite::Result<StoredEvent> {
    let hash: Vec<u8> = row.get(10)?;
    let hash: [u8; 32] = hash.try_into().map_err(|v: Vec<u8>| {
        rusqlite::Error::FromSqlConversionFailure(
            10,
            Type::Blob,
            format!("hash has {} bytes, expected 32", v.len()).into(),
        )
    })?;
    Ok(StoredEvent {
        position: u64_col(row, 0)?,
        event_id: row.get(1)?,
        stream_id: row.get(2)?,
        stream_type: row.get(3)?,
        version: u64_col(row, 4)?,
        event_type: row.get(5)?,
        schema_version: u32::try_from(u64_col(row, 6)?)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(6, Type::Integer, Box::new(e)))?,
        payload: row.get(7)?,
        metadata: row.get(8)?,
        recorded_at: row.get(9)?,
        hash,
    })
}

pub(super) fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Highest position (0 when empty).
pub(super) fn head(conn: &Connection) -> Result<u64, StoreError> {
    let h: Option<i64> = conn.prepare_cached("SELECT max(position) FROM events")?.query_row([], |r| r.get(0))?;
    Ok(h.and_then(|h| u64::try_from(h).ok()).unwrap_or(0))
}

/// Calls `f` for every event with `from <= position <= to`, in order.
pub(super) fn scan(
    conn: &Connection,
    from: u64,
    to: u64,
    f: &mut dyn FnMut(StoredEvent) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached(include_str!("sql/select_events_range.sql"))?;
    let mut rows = stmt.query(params![to_i64(from), to_i64(to)])?;
    while let Some(row) = rows.next()? {
        f(event_from_row(row)?)?;
    }
    Ok(())
}

/// Events of `stream_id` with `version > after_version` and `position <= max_position`.
pub(super) fn stream_events(
    conn: &Connection,
    stream_id: &str,
    after_version: u64,
    max_position: u64,
) -> Result<Vec<StoredEvent>, StoreError> {
    let mut stmt = conn.prepare_cached(include_str!("sql/select_stream.sql"))?;
    let rows = stmt.query_map(params![stream_id, to_i64(after_version), to_i64(max_position)], event_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The event with `event_id`, if stored: `(position, stream_id)`.
pub(super) fn find_event_id(conn: &Connection, event_id: &str) -> Result<Option<u64>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT position FROM events WHERE event_id = ?1")?;
    Ok(stmt.query_row([event_id], |r| u64_col(r, 0)).optional()?)
}

fn stream_from_row(row: &Row<'_>) -> rusqlite::Result<StreamInfo> {
    Ok(StreamInfo {
        stream_id: row.get(0)?,
        stream_type: row.get(1)?,
        version: u64_col(row, 2)?,
        first_position: u64_col(row, 3)?,
        last_position: u64_col(row, 4)?,
    })
}

/// One stream's summary.
pub(super) fn stream(conn: &Connection, stream_id: &str) -> Result<Option<StreamInfo>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT stream_id, stream_type, version, first_position, last_position FROM streams WHERE stream_id = ?1",
    )?;
    Ok(stmt.query_row([stream_id], stream_from_row).optional()?)
}

/// Every stream, by id.
pub(super) fn streams(conn: &Connection) -> Result<Vec<StreamInfo>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT stream_id, stream_type, version, first_position, last_position FROM streams ORDER BY stream_id",
    )?;
    let rows = stmt.query_map([], stream_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The correlation id of an event's metadata, NULL when the metadata is not
/// JSON: exactly the expression of `events_correlation` (schema.sql, since
/// schema version 2), so the filter is read by that index; a version 1 file
/// opened read-only scans with it.
pub(super) const CORRELATION_KEY: &str =
    "CASE WHEN json_valid(metadata) THEN json_extract(metadata, '$.correlation_id') END";

/// Events matching `filter`, in position order, at most `limit`.
pub(super) fn log(conn: &Connection, filter: &LogFilter, limit: u64) -> Result<Vec<StoredEvent>, StoreError> {
    let mut sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE position >= ?1 AND position <= ?2");
    let mut args: Vec<rusqlite::types::Value> =
        vec![to_i64(filter.from.unwrap_or(1)).into(), to_i64(filter.to.unwrap_or(u64::MAX >> 1)).into()];
    let mut bind = |clause: &str, v: &Option<String>| {
        if let Some(v) = v {
            args.push(v.clone().into());
            let _ = write!(sql, " AND {clause} = ?{}", args.len());
        }
    };
    bind("stream_id", &filter.stream_id);
    bind("event_type", &filter.event_type);
    bind(CORRELATION_KEY, &filter.correlation_id);
    args.push(to_i64(limit).into());
    let _ = write!(sql, " ORDER BY position LIMIT ?{}", args.len());
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), event_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The last position recorded at or before `time` (RFC 3339, compared as
/// stored text, so use the same UTC `Z` form), 0 if none.
pub(super) fn position_at_time(conn: &Connection, time: &str) -> Result<u64, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT max(position) FROM events WHERE recorded_at <= ?1")?;
    let p: Option<i64> = stmt.query_row([time], |r| r.get(0))?;
    Ok(p.and_then(|p| u64::try_from(p).ok()).unwrap_or(0))
}

fn snapshot_from_row(row: &Row<'_>) -> rusqlite::Result<Snapshot> {
    Ok(Snapshot {
        stream_id: row.get(0)?,
        version: u64_col(row, 1)?,
        stream_type: row.get(2)?,
        position: u64_col(row, 3)?,
        state_version: u32::try_from(u64_col(row, 4)?).unwrap_or(u32::MAX),
        state: row.get(5)?,
    })
}

/// The newest snapshot of `stream_id` at or before `max_position` with this
/// state version (snapshots of other versions are ignored, never trusted).
pub(super) fn snapshot(
    conn: &Connection,
    stream_id: &str,
    max_position: u64,
    state_version: u32,
) -> Result<Option<Snapshot>, StoreError> {
    let mut stmt = conn.prepare_cached(include_str!("sql/select_snapshot.sql"))?;
    Ok(stmt.query_row(params![stream_id, to_i64(max_position), state_version], snapshot_from_row).optional()?)
}

/// Every snapshot, by stream and version.
pub(super) fn snapshots(conn: &Connection) -> Result<Vec<Snapshot>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT stream_id, version, stream_type, position, state_version, state FROM snapshots ORDER BY stream_id, version",
    )?;
    let rows = stmt.query_map([], snapshot_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Positions of snapshots, for timeline marks.
pub(super) fn snapshot_positions(conn: &Connection) -> Result<Vec<u64>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT position FROM snapshots ORDER BY position")?;
    let rows = stmt.query_map([], |r| u64_col(r, 0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A projection's checkpoint (0 = nothing applied).
pub(super) fn checkpoint(conn: &Connection, projection: &str) -> Result<u64, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT position FROM checkpoints WHERE projection = ?1")?;
    Ok(stmt.query_row([projection], |r| u64_col(r, 0)).optional()?.unwrap_or(0))
}

/// Events of one command: from `first` on, with `metadata.command_id`.
pub(super) fn command_events(conn: &Connection, first: u64, command_id: &str) -> Result<Vec<StoredEvent>, StoreError> {
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE position >= ?1 \
         AND json_extract(metadata, '$.command_id') = ?2 ORDER BY position LIMIT 1000"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![to_i64(first), command_id], event_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Names and stored text of the triggers on `events`.
pub(super) fn event_trigger_sql(conn: &Connection) -> Result<Vec<(String, String)>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT name, coalesce(sql, '') FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'events' ORDER BY name",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Highest version among the events of `stream_id` (0 when none): one
/// lookup on the `(stream_id, version)` unique index.
pub(super) fn stored_version(conn: &Connection, stream_id: &str) -> Result<u64, StoreError> {
    let mut stmt = conn.prepare_cached(include_str!("sql/select_stream_max_version.sql"))?;
    let stored: Option<i64> = stmt.query_row([stream_id], |r| r.get(0))?;
    Ok(stored.map_or(0, |v| u64::try_from(v).unwrap_or(0)))
}
