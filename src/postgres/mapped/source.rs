//! The rows a mapping names, read from PostgreSQL by pages of position
//! ranges ([`RowSource`]): every page is fetched whole before it is handed
//! out, so a reader may read again from inside its callback.

use postgres::Row;

use super::sql::{self, Types};
use crate::es::StoreError;
use crate::es::backend::{Finding, FindingKind};
use crate::formats::Mapping;
use crate::formats::decode::RawRow;
use crate::formats::ranged::{Each, RowSource, StreamRow};
use crate::formats::snapshots::{RawSnapshot, SnapshotSource};
use crate::postgres::conn::Conn;

/// Rows per page.
const PAGE: i64 = 2_000;

/// One read-only session and the queries of one mapping.
pub struct Source {
    pub(super) conn: Conn,
    pub(super) types: Types,
    max: String,
    rows: String,
    stream_rows: String,
    streams: String,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source").field("schema", &self.conn.schema).finish_non_exhaustive()
    }
}

fn opt<'a, T: postgres::types::FromSql<'a>>(r: &'a Row, i: usize) -> Option<T> {
    r.try_get::<_, Option<T>>(i).ok().flatten()
}

fn raw(r: &Row) -> RawRow {
    let payload = opt::<String>(r, 6).map(String::into_bytes).or_else(|| opt::<Vec<u8>>(r, 6));
    RawRow {
        position: opt(r, 0).unwrap_or(0),
        stream_id: opt(r, 1).unwrap_or_default(),
        version: opt(r, 2).unwrap_or(0),
        event_type: opt(r, 3).unwrap_or_default(),
        stream_type: opt(r, 4),
        schema_version: opt(r, 5),
        payload: payload.unwrap_or_default(),
        metadata: opt::<String>(r, 7).map(String::into_bytes),
        timestamp: opt(r, 8),
        correlation: opt(r, 9),
        causation: opt(r, 10),
    }
}

impl Source {
    pub(super) fn new(conn: Conn, m: &Mapping, types: &Types) -> Self {
        let schema = conn.schema.clone();
        Self {
            max: sql::max_position(&schema, m),
            rows: sql::rows(&schema, m, types),
            stream_rows: sql::stream_rows(&schema, m, types),
            streams: sql::streams(&schema, m, types),
            conn,
            types: types.clone(),
        }
    }
}

impl RowSource for Source {
    fn max_position(&self) -> Result<i64, StoreError> {
        Ok(self.conn.query_opt(&self.max, &[])?.and_then(|r| opt(&r, 0)).unwrap_or(0))
    }

    fn rows(
        &self,
        from: i64,
        to: i64,
        stream: Option<&str>,
        event_type: Option<&str>,
        f: Each<'_>,
    ) -> Result<(), StoreError> {
        let mut from = from;
        while from <= to {
            let page = self.conn.query(&self.rows, &[&from, &to, &stream, &event_type, &PAGE])?;
            let full = i64::try_from(page.len()).unwrap_or(i64::MAX) >= PAGE;
            let mut rows: Vec<RawRow> = page.iter().map(raw).collect();
            let Some(last) = rows.last().map(|r| r.position) else { return Ok(()) };
            if full {
                // The page may end inside a run of ties: take that position whole.
                rows.retain(|r| r.position != last);
                let ties = self.conn.query(&self.rows, &[&last, &last, &stream, &event_type, &i64::MAX])?;
                rows.extend(ties.iter().map(raw));
            }
            for r in rows {
                if !f(r)? {
                    return Ok(());
                }
            }
            if !full || last == i64::MAX {
                return Ok(());
            }
            from = last + 1;
        }
        Ok(())
    }

    fn stream_rows(&self, stream: &str, after_version: i64, max_position: i64, f: Each<'_>) -> Result<(), StoreError> {
        for r in &self.conn.query(&self.stream_rows, &[&stream, &after_version, &max_position])? {
            if !f(raw(r))? {
                break;
            }
        }
        Ok(())
    }

    fn streams(&self, stream: Option<&str>) -> Result<Vec<StreamRow>, StoreError> {
        Ok(self
            .conn
            .query(&self.streams, &[&stream])?
            .iter()
            .map(|r| StreamRow {
                stream_id: opt(r, 0).unwrap_or_default(),
                kind: opt(r, 1).unwrap_or_default(),
                version: opt(r, 2).unwrap_or(0),
                first: opt(r, 3).unwrap_or(0),
                last: opt(r, 4).unwrap_or(0),
            })
            .collect())
    }
}

impl SnapshotSource for Source {
    fn snapshot_count(&self, table: &str) -> Result<u64, StoreError> {
        let row = self.conn.query_opt(&sql::snapshot_count(&self.conn.schema, table), &[])?;
        Ok(row.and_then(|r| opt::<i64>(&r, 0)).and_then(|n| u64::try_from(n).ok()).unwrap_or(0))
    }

    fn snapshot_row(&self, table: &str, stream: &str, max_version: i64) -> Result<Option<RawSnapshot>, StoreError> {
        let row = self.conn.query_opt(&sql::snapshot(&self.conn.schema, table), &[&stream, &max_version])?;
        Ok(row.map(|r| RawSnapshot {
            stream_id: opt(&r, 0).unwrap_or_default(),
            version: opt(&r, 1).unwrap_or(0),
            topic: opt(&r, 2).unwrap_or_default(),
            state: opt::<Vec<u8>>(&r, 3).or_else(|| opt::<String>(&r, 3).map(String::into_bytes)).unwrap_or_default(),
        }))
    }
}

fn more(n: i64) -> String {
    if n > 1 { format!(" ({} more like it)", n - 1) } else { String::new() }
}

fn finding(position: i64, kind: FindingKind, what: String) -> Finding {
    Finding { position: u64::try_from(position).unwrap_or(0), kind, what }
}

/// What one query each finds wrong with the whole table (as SQLite's
/// reader; a payload counts as not JSON when it does not begin as JSON does,
/// which compressed or encrypted bytes do not).
pub(super) fn checks(conn: &Conn, m: &Mapping, types: &Types) -> Result<Vec<Finding>, StoreError> {
    let schema = conn.schema.clone();
    let pos = &m.position;
    let mut out = Vec::new();
    if let Some(r) = conn.query_opt(&sql::first_tie(&schema, m), &[])? {
        let (p, n): (i64, i64) = (opt(&r, 0).unwrap_or(0), opt(&r, 1).unwrap_or(1));
        out.push(finding(
            p,
            FindingKind::Position,
            format!("the ordering column `{pos}` repeats the value {p}{}", more(n)),
        ));
    }
    if let Some(p) =
        conn.query_opt(&sql::min_position(&schema, m), &[])?.and_then(|r| opt::<i64>(&r, 0)).filter(|&p| p <= 0)
    {
        let what = format!("the ordering column `{pos}` holds {p}, not a positive integer: those rows are not shown");
        out.push(finding(1, FindingKind::Position, what));
    }
    if m.version.is_some()
        && let Some(r) = conn.query_opt(&sql::first_version_gap(&schema, m, types), &[])?
    {
        let (at, stream, version, prev, n): (i64, String, i64, i64, i64) = (
            opt(&r, 0).unwrap_or(0),
            opt(&r, 1).unwrap_or_default(),
            opt(&r, 2).unwrap_or(0),
            opt(&r, 3).unwrap_or(0),
            opt(&r, 4).unwrap_or(1),
        );
        let what = format!("stream {stream} goes from version {prev} to {version}{}", more(n));
        out.push(finding(at, FindingKind::Version, what));
    }
    if let Some(r) = conn.query_opt(&sql::first_not_json(&schema, m, types), &[])? {
        let (at, stream, version, n): (i64, String, i64, i64) =
            (opt(&r, 0).unwrap_or(0), opt(&r, 1).unwrap_or_default(), opt(&r, 2).unwrap_or(0), opt(&r, 3).unwrap_or(1));
        let what = format!(
            "the payload of {stream}@{version} is not JSON (compressed or encrypted?): shown opaque{}",
            more(n)
        );
        out.push(finding(at, FindingKind::Payload, what));
    }
    out.sort_by_key(|f| f.position);
    Ok(out)
}
