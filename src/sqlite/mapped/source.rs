//! The rows a mapping names, read from SQLite by position ranges
//! ([`RowSource`]), and the cheap checks made on open.

use rusqlite::types::ValueRef;
use rusqlite::{Connection, Row};

use super::sql;
use crate::es::backend::{Finding, FindingKind};
use crate::es::store::StoreError;
use crate::formats::Mapping;
use crate::formats::decode::RawRow;
use crate::formats::ranged::{Each, RowSource, StreamRow};
use crate::formats::snapshots::{RawSnapshot, SnapshotSource};

/// One read-only connection and the queries of one mapping.
#[derive(Debug)]
pub struct Source {
    pub(super) conn: Connection,
    max: String,
    rows: String,
    stream_rows: String,
    streams: String,
}

impl Source {
    pub(super) fn new(conn: Connection, m: &Mapping) -> Self {
        Self {
            conn,
            max: sql::max_position(m),
            rows: sql::rows(m),
            stream_rows: sql::stream_rows(m),
            streams: sql::streams(m),
        }
    }

    fn each(&self, sql: &str, params: impl rusqlite::Params, f: Each<'_>) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let mut rows = stmt.query(params)?;
        while let Some(r) = rows.next()? {
            if !f(raw(r)?)? {
                break;
            }
        }
        Ok(())
    }
}

/// A value as text, whatever its storage class (NULL: empty).
fn text(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Null => String::new(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => f.to_string(),
        ValueRef::Text(b) | ValueRef::Blob(b) => String::from_utf8_lossy(b).into_owned(),
    }
}

fn bytes(v: ValueRef<'_>) -> Option<Vec<u8>> {
    match v {
        ValueRef::Null => None,
        ValueRef::Text(b) | ValueRef::Blob(b) => Some(b.to_vec()),
        other => Some(text(other).into_bytes()),
    }
}

fn integer(v: ValueRef<'_>) -> Option<i64> {
    match v {
        ValueRef::Integer(i) => Some(i),
        ValueRef::Text(b) => std::str::from_utf8(b).ok()?.trim().parse().ok(),
        _ => None,
    }
}

fn raw(r: &Row<'_>) -> Result<RawRow, StoreError> {
    Ok(RawRow {
        position: integer(r.get_ref(0)?).unwrap_or(0),
        stream_id: text(r.get_ref(1)?),
        version: integer(r.get_ref(2)?).unwrap_or(0),
        event_type: text(r.get_ref(3)?),
        stream_type: Some(text(r.get_ref(4)?)),
        schema_version: integer(r.get_ref(5)?),
        payload: bytes(r.get_ref(6)?).unwrap_or_default(),
        metadata: bytes(r.get_ref(7)?),
        timestamp: bytes(r.get_ref(8)?).map(|b| String::from_utf8_lossy(&b).into_owned()),
        correlation: bytes(r.get_ref(9)?).map(|b| String::from_utf8_lossy(&b).into_owned()),
        causation: bytes(r.get_ref(10)?).map(|b| String::from_utf8_lossy(&b).into_owned()),
    })
}

impl RowSource for Source {
    fn max_position(&self) -> Result<i64, StoreError> {
        Ok(self.conn.prepare_cached(&self.max)?.query_row([], |r| Ok(integer(r.get_ref(0)?)))?.unwrap_or(0))
    }

    fn rows(
        &self,
        from: i64,
        to: i64,
        stream: Option<&str>,
        event_type: Option<&str>,
        f: Each<'_>,
    ) -> Result<(), StoreError> {
        self.each(&self.rows, rusqlite::params![from, to, stream, event_type], f)
    }

    fn stream_rows(&self, stream: &str, after_version: i64, max_position: i64, f: Each<'_>) -> Result<(), StoreError> {
        self.each(&self.stream_rows, rusqlite::params![stream, after_version, max_position], f)
    }

    fn streams(&self, stream: Option<&str>) -> Result<Vec<StreamRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&self.streams)?;
        let mut rows = stmt.query([stream])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(StreamRow {
                stream_id: text(r.get_ref(0)?),
                kind: text(r.get_ref(1)?),
                version: integer(r.get_ref(2)?).unwrap_or(0),
                first: integer(r.get_ref(3)?).unwrap_or(0),
                last: integer(r.get_ref(4)?).unwrap_or(0),
            });
        }
        Ok(out)
    }
}

impl SnapshotSource for Source {
    fn snapshot_count(&self, table: &str) -> Result<u64, StoreError> {
        let n = self.conn.prepare_cached(&sql::snapshot_count(table))?.query_row([], |r| Ok(integer(r.get_ref(0)?)))?;
        Ok(n.and_then(|n| u64::try_from(n).ok()).unwrap_or(0))
    }

    fn snapshot_row(&self, table: &str, stream: &str, max_version: i64) -> Result<Option<RawSnapshot>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&sql::snapshot(table))?;
        let mut rows = stmt.query(rusqlite::params![stream, max_version])?;
        let Some(r) = rows.next()? else { return Ok(None) };
        Ok(Some(RawSnapshot {
            stream_id: text(r.get_ref(0)?),
            version: integer(r.get_ref(1)?).unwrap_or(0),
            topic: text(r.get_ref(2)?),
            state: bytes(r.get_ref(3)?).unwrap_or_default(),
        }))
    }
}

fn more(n: i64) -> String {
    if n > 1 { format!(" ({} more like it)", n - 1) } else { String::new() }
}

fn finding(position: i64, kind: FindingKind, what: String) -> Finding {
    Finding { position: u64::try_from(position).unwrap_or(0), kind, what }
}

/// What one query each finds wrong with the whole table: ties in the
/// ordering column, positions that are not positive, versions with gaps or
/// duplicates, payloads that are not JSON (the first of each, and how many).
pub(super) fn checks(conn: &Connection, m: &Mapping) -> Result<Vec<Finding>, StoreError> {
    use rusqlite::OptionalExtension;
    let mut out = Vec::new();
    let pos = &m.position;
    let tie =
        conn.query_row(&sql::first_tie(m), [], |r| Ok((integer(r.get_ref(0)?), r.get::<_, i64>(1)?))).optional()?;
    if let Some((Some(p), n)) = tie {
        out.push(finding(
            p,
            FindingKind::Position,
            format!("the ordering column `{pos}` repeats the value {p}{}", more(n)),
        ));
    }
    let min = conn.query_row(&sql::min_position(m), [], |r| Ok(integer(r.get_ref(0)?)))?;
    if let Some(p) = min.filter(|&p| p <= 0) {
        let what = format!("the ordering column `{pos}` holds {p}, not a positive integer: those rows are not shown");
        out.push(finding(1, FindingKind::Position, what));
    }
    if m.version.is_some() {
        let gap = conn
            .query_row(&sql::first_version_gap(m), [], |r| {
                Ok((
                    integer(r.get_ref(0)?).unwrap_or(0),
                    text(r.get_ref(1)?),
                    text(r.get_ref(2)?),
                    text(r.get_ref(3)?),
                    r.get::<_, i64>(4)?,
                ))
            })
            .optional()?;
        if let Some((p, s, v, prev, n)) = gap {
            out.push(finding(
                p,
                FindingKind::Version,
                format!("stream {s} goes from version {prev} to {v}{}", more(n)),
            ));
        }
    }
    let bad = conn
        .query_row(&sql::first_not_json(m), [], |r| {
            Ok((integer(r.get_ref(0)?).unwrap_or(0), text(r.get_ref(1)?), text(r.get_ref(2)?), r.get::<_, i64>(3)?))
        })
        .optional()?;
    if let Some((p, s, v, n)) = bad {
        let what = format!("the payload of {s}@{v} is not JSON (compressed or encrypted?): shown opaque{}", more(n));
        out.push(finding(p, FindingKind::Payload, what));
    }
    out.sort_by_key(|f| f.position);
    Ok(out)
}
