//! Reads of the log and its derived tables, over one session. Scans go by
//! pages of [`PAGE`] rows (by position, or by version within a stream): a
//! scan never holds the whole log, and its callback runs with the session
//! free.

use std::fmt::Write as _;

use postgres::Row;
use postgres::types::ToSql;

use super::conn::{Conn, PAGE, col, to_i64, ucol};
use super::error::damaged;
use crate::es::StoreError;
use crate::es::event::{EventRef, StoredEvent};
use crate::es::store::{LogFilter, Snapshot, StreamInfo};

mod chain;

const EVENT_COLUMNS: &str = "position, event_id, stream_id, stream_type, version, event_type, \
                             schema_version, payload, metadata, recorded_at, hash";

fn schema_version(row: &Row, i: usize) -> Result<u32, StoreError> {
    let v: i32 = col(row, i)?;
    u32::try_from(v).map_err(|_| damaged("column schema_version", format!("negative value {v}")))
}

/// A row of `select_events_range.sql` (and the other full-event queries).
pub fn event(row: &Row) -> Result<StoredEvent, StoreError> {
    let hash: &[u8] = col(row, 10)?;
    let position = ucol(row, 0)?;
    let hash: [u8; 32] = hash
        .try_into()
        .map_err(|_| damaged(format!("position {position}"), format!("hash has {} bytes, expected 32", hash.len())))?;
    Ok(StoredEvent {
        position,
        event_id: col(row, 1)?,
        stream_id: col(row, 2)?,
        stream_type: col(row, 3)?,
        version: ucol(row, 4)?,
        event_type: col(row, 5)?,
        schema_version: schema_version(row, 6)?,
        payload: col(row, 7)?,
        metadata: col(row, 8)?,
        recorded_at: col(row, 9)?,
        hash,
    })
}

/// A row of `select_*_fold.sql`, borrowed.
fn fold_ref(row: &Row) -> Result<EventRef<'_>, StoreError> {
    Ok(EventRef {
        position: ucol(row, 0)?,
        stream_id: col(row, 1)?,
        stream_type: col(row, 2)?,
        version: ucol(row, 3)?,
        event_type: col(row, 4)?,
        schema_version: schema_version(row, 5)?,
        payload: col(row, 6)?,
        recorded_at: col(row, 7)?,
    })
}

fn stream_info(row: &Row) -> Result<StreamInfo, StoreError> {
    Ok(StreamInfo {
        stream_id: col(row, 0)?,
        stream_type: col(row, 1)?,
        version: ucol(row, 2)?,
        first_position: ucol(row, 3)?,
        last_position: ucol(row, 4)?,
    })
}

fn snapshot(row: &Row) -> Result<Snapshot, StoreError> {
    Ok(Snapshot {
        stream_id: col(row, 0)?,
        version: ucol(row, 1)?,
        stream_type: col(row, 2)?,
        position: ucol(row, 3)?,
        state_version: schema_version(row, 4)?,
        state: col(row, 5)?,
    })
}

impl Conn {
    /// Calls `each` for every row of a position-range query (`sql` takes
    /// `$1` from, `$2` to, `$3` a limit, orders by position), [`PAGE`]
    /// positions at a time:
    /// positions are gapless, so a page is a range of the primary key, which
    /// the planner cannot mistake for a scan of the rest of the log. An empty
    /// page (the end, or a gap) jumps to the next stored position, if any.
    /// A scan of more than one page walks the primary key (see
    /// [`Conn::in_key_order`]).
    pub fn pages(
        &self,
        sql: &str,
        from: u64,
        to: u64,
        each: &mut dyn FnMut(&Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        if to.saturating_sub(from) >= PAGE.unsigned_abs() {
            self.in_key_order(&mut || self.page_loop(sql, from, to, each))
        } else {
            self.page_loop(sql, from, to, each)
        }
    }

    /// Runs `f` with the planner told to read ranges of the log by its
    /// primary key. Without statistics (a store just imported, autovacuum
    /// off) it reads a page of 10,000 events with a bitmap scan and sorts
    /// it, three times the server's work of walking the key (on disk for
    /// the widest rows); with statistics it walks the key anyway.
    pub fn in_key_order(&self, f: &mut dyn FnMut() -> Result<(), StoreError>) -> Result<(), StoreError> {
        self.batch("SET enable_sort = off; SET enable_bitmapscan = off")?;
        let out = f();
        let reset = self.batch("RESET enable_sort; RESET enable_bitmapscan");
        out.and(reset)
    }

    fn page_loop(
        &self,
        sql: &str,
        from: u64,
        to: u64,
        each: &mut dyn FnMut(&Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.walk_pages(from, to, PAGE, &mut |from, end| {
            // The limit (the range's size: positions are unique) makes even
            // a generic plan without statistics walk the key, not sort.
            let page = self.query(sql, &[&from, &end, &(end - from + 1)])?;
            for row in &page {
                each(row)?;
            }
            Ok(!page.is_empty())
        })
    }

    /// Walks `from..=to` a page of `page` positions at a time: `read(start,
    /// end)` reads one page and says whether it had a row; after an empty
    /// page the walk jumps to the next stored position (a range may have
    /// gaps), so a sparse range costs one query per stored run, not per page.
    pub(in crate::postgres) fn walk_pages(
        &self,
        from: u64,
        to: u64,
        page: i64,
        read: &mut dyn FnMut(i64, i64) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        let (mut from, to) = (to_i64(from.max(1)), to_i64(to));
        while from <= to {
            let end = from.saturating_add(page.max(1) - 1).min(to);
            let any = read(from, end)?;
            if end >= to {
                return Ok(());
            }
            from = if any {
                end.saturating_add(1)
            } else {
                match self.next_position(end, to)? {
                    Some(next) => next,
                    None => return Ok(()),
                }
            };
        }
        Ok(())
    }

    /// The first stored position in `after+1..=to`, if any.
    fn next_position(&self, after: i64, to: i64) -> Result<Option<i64>, StoreError> {
        let sql = "SELECT min(position) FROM events WHERE position > $1 AND position <= $2";
        Ok(self.query_opt(sql, &[&after, &to])?.map(|r| col::<Option<i64>>(&r, 0)).transpose()?.flatten())
    }

    /// As [`Conn::pages`] over one stream by version (`$1` stream, `$2`
    /// after version, `$3` at most this many rows, `$4` max position, in
    /// version order): a page of fewer rows than asked for is the last, so
    /// a stream shorter than a page is one round trip.
    pub fn stream_pages(
        &self,
        sql: &str,
        stream_id: &str,
        after: u64,
        max_position: u64,
        each: &mut dyn FnMut(&Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let (mut after, max) = (to_i64(after), to_i64(max_position));
        loop {
            let page = self.query(sql, &[&stream_id, &after, &PAGE, &max])?;
            for row in &page {
                each(row)?;
            }
            if i64::try_from(page.len()).unwrap_or(i64::MAX) < PAGE {
                return Ok(());
            }
            let last = page.last().map(|r| r.try_get::<_, i64>("version")).transpose().map_err(|e| self.error(e))?;
            match last {
                Some(v) => after = v,
                None => return Ok(()),
            }
        }
    }

    pub fn head(&self) -> Result<u64, StoreError> {
        let row = self.query_opt("SELECT position FROM events ORDER BY position DESC LIMIT 1", &[])?;
        row.map_or(Ok(0), |r| ucol(&r, 0))
    }

    pub fn scan(
        &self,
        from: u64,
        to: u64,
        f: &mut dyn FnMut(StoredEvent) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.pages(include_str!("sql/select_events_range.sql"), from, to, &mut |r| f(event(r)?))
    }

    pub fn scan_fold(
        &self,
        from: u64,
        to: u64,
        f: &mut dyn FnMut(EventRef<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.pages(include_str!("sql/select_events_fold.sql"), from, to, &mut |r| f(fold_ref(r)?))
    }

    pub fn last_link(&self) -> Result<(u64, [u8; 32]), StoreError> {
        let Some(row) = self.query_opt(include_str!("sql/select_last_link.sql"), &[])? else {
            return Ok((0, crate::es::hash::GENESIS));
        };
        let position = ucol(&row, 0)?;
        let hash: &[u8] = col(&row, 1)?;
        let hash = hash.try_into().map_err(|_| {
            damaged(format!("position {position}"), format!("hash has {} bytes, expected 32", hash.len()))
        })?;
        Ok((position, hash))
    }

    pub fn hash_before(&self, position: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let row = self.query_opt(include_str!("sql/select_hash_before.sql"), &[&to_i64(position)])?;
        row.map(|r| col(&r, 0)).transpose()
    }

    pub fn stream_events(&self, stream_id: &str, after: u64, max: u64) -> Result<Vec<StoredEvent>, StoreError> {
        let mut out = Vec::new();
        self.stream_pages(include_str!("sql/select_stream.sql"), stream_id, after, max, &mut |r| {
            out.push(event(r)?);
            Ok(())
        })?;
        Ok(out)
    }

    pub fn scan_stream(
        &self,
        stream_id: &str,
        after: u64,
        max: u64,
        f: &mut dyn FnMut(EventRef<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.stream_pages(include_str!("sql/select_stream_fold.sql"), stream_id, after, max, &mut |r| f(fold_ref(r)?))
    }

    pub fn stream(&self, stream_id: &str) -> Result<Option<StreamInfo>, StoreError> {
        let sql =
            "SELECT stream_id, stream_type, version, first_position, last_position FROM streams WHERE stream_id = $1";
        self.query_opt(sql, &[&stream_id])?.map(|r| stream_info(&r)).transpose()
    }

    pub fn stored_version(&self, stream_id: &str) -> Result<u64, StoreError> {
        let sql = "SELECT version FROM events WHERE stream_id = $1 ORDER BY version DESC LIMIT 1";
        self.query_opt(sql, &[&stream_id])?.map_or(Ok(0), |r| ucol(&r, 0))
    }

    pub fn streams_of(&self, stream_ids: &[&str]) -> Result<Vec<(Option<StreamInfo>, u64)>, StoreError> {
        let rows = self.query(include_str!("sql/select_streams_of.sql"), &[&stream_ids])?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let indexed = col::<Option<String>>(r, 1)?.is_some();
            let stored = col::<Option<i64>>(r, 5)?.map_or(Ok(0), |v| super::conn::to_u64(v, "version"))?;
            out.push((if indexed { Some(stream_info(r)?) } else { None }, stored));
        }
        Ok(out)
    }

    pub fn streams(&self) -> Result<Vec<StreamInfo>, StoreError> {
        let sql =
            "SELECT stream_id, stream_type, version, first_position, last_position FROM streams ORDER BY stream_id";
        self.query(sql, &[])?.iter().map(stream_info).collect()
    }

    pub fn log(&self, filter: &LogFilter, limit: u64) -> Result<Vec<StoredEvent>, StoreError> {
        let from = to_i64(filter.from.unwrap_or(1));
        let to = to_i64(filter.to.unwrap_or(u64::MAX >> 1));
        let limit = to_i64(limit);
        let by_correlation = filter.correlation_id.is_some();
        let mut sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE true");
        let mut args: Vec<&(dyn ToSql + Sync)> = Vec::new();
        // A correlation's few events come by its index: a position range
        // nobody asked for would only tempt the planner (with no statistics
        // yet, after an import) into a bitmap of the whole primary key.
        let bounds = [(" >= ", &from, filter.from.is_some()), (" <= ", &to, filter.to.is_some())];
        for (op, bound, given) in bounds {
            if given || !by_correlation {
                args.push(bound);
                let _ = write!(sql, " AND position{op}${}", args.len());
            }
        }
        let correlation = if by_correlation { self.correlation_key()? } else { "" };
        let filters = [
            ("stream_id", &filter.stream_id),
            ("event_type", &filter.event_type),
            (correlation, &filter.correlation_id),
        ];
        for (clause, value) in filters {
            if let Some(v) = value {
                args.push(v);
                let _ = write!(sql, " AND {clause} = ${}", args.len());
            }
        }
        let _ = write!(sql, " ORDER BY position LIMIT ${}", args.len() + 1);
        args.push(&limit);
        if by_correlation {
            // Planned with its values each time (an unnamed statement): the
            // generic plan a cached statement falls back to cannot see that
            // a correlation has a few events and scans the log by position.
            return self.with(|c| c.query(sql.as_str(), &args))?.iter().map(event).collect();
        }
        self.query(&sql, &args)?.iter().map(event).collect()
    }

    /// The correlation id as the store can look it up: its column (schema
    /// version 3, `migrate_v3.sql`), or, in an older store read without
    /// migrating, as that version did (version 2: its expression index;
    /// version 1: a scan).
    fn correlation_key(&self) -> Result<&'static str, StoreError> {
        Ok(match self.correlation_version()? {
            3 => "correlation_id",
            2 => "event_correlation(metadata)",
            _ => "(metadata::jsonb ->> 'correlation_id')",
        })
    }

    /// The schema version the store's correlation ids are kept as: 3 (a
    /// column), 2 (an expression index) or 1 (neither).
    fn correlation_version(&self) -> Result<i32, StoreError> {
        let sql = "SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'events'::regclass \
                   AND attname = 'correlation_id' AND NOT attisdropped) THEN 3 \
                   WHEN to_regprocedure('event_correlation(text)') IS NOT NULL THEN 2 ELSE 1 END";
        Ok(self.query_opt(sql, &[])?.map(|r| col::<i32>(&r, 0)).transpose()?.unwrap_or(1))
    }

    pub fn position_at_time(&self, time: &str) -> Result<u64, StoreError> {
        let sql = "SELECT max(position) FROM events WHERE recorded_at <= $1";
        let row = self.query_opt(sql, &[&time])?;
        let p: Option<i64> = row.map(|r| col(&r, 0)).transpose()?.flatten();
        Ok(p.and_then(|p| u64::try_from(p).ok()).unwrap_or(0))
    }

    pub fn event_position(&self, event_id: &str) -> Result<Option<u64>, StoreError> {
        self.query_opt("SELECT position FROM events WHERE event_id = $1", &[&event_id])?
            .map(|r| ucol(&r, 0))
            .transpose()
    }

    pub fn command_events(&self, first: u64, command_id: &str) -> Result<Vec<StoredEvent>, StoreError> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE position >= $1 \
             AND (metadata::jsonb ->> 'command_id') = $2 ORDER BY position LIMIT 1000"
        );
        self.query(&sql, &[&to_i64(first), &command_id])?.iter().map(event).collect()
    }

    pub fn snapshot(&self, stream_id: &str, max: u64, state_version: u32) -> Result<Option<Snapshot>, StoreError> {
        let sv = i32::try_from(state_version).unwrap_or(i32::MAX);
        let row = self.query_opt(include_str!("sql/select_snapshot.sql"), &[&stream_id, &to_i64(max), &sv])?;
        row.map(|r| snapshot(&r)).transpose()
    }

    pub fn snapshots(&self) -> Result<Vec<Snapshot>, StoreError> {
        let sql = "SELECT stream_id, version, stream_type, position, state_version, state FROM snapshots \
                   ORDER BY stream_id, version";
        self.query(sql, &[])?.iter().map(snapshot).collect()
    }

    pub fn snapshot_positions(&self) -> Result<Vec<u64>, StoreError> {
        self.query("SELECT position FROM snapshots ORDER BY position", &[])?.iter().map(|r| ucol(r, 0)).collect()
    }

    pub fn checkpoints(&self, projections: &[&str]) -> Result<Vec<u64>, StoreError> {
        let rows = self.query(include_str!("sql/select_checkpoints.sql"), &[&projections])?;
        rows.iter().map(|r| ucol(r, 0)).collect()
    }
}
