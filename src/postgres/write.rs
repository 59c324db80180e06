//! The write transaction: `BEGIN` and the store's advisory lock, events
//! buffered and written by binary `COPY` (inside a savepoint, so a taken id
//! or version comes back typed with the transaction still usable), a
//! command's few read-model rows in one statement for all their tables,
//! stream summaries and checkpoints by one `unnest` upsert, `NOTIFY` at commit.
//! An import into an empty store builds the events' indexes at commit (`bulk.rs`).

mod bulk;
mod copy;

use std::cell::{Cell, RefCell};
use std::io::Write as _;

use rustc_hash::FxHashMap as HashMap;

use super::conn::{Conn, col, to_i64};
use super::error::is_unique_violation;
use crate::es::StoreError;
use crate::es::backend::{EventRow, Writes};
use crate::es::projection::{Key, Row, TableSpec};
use crate::es::store::{Snapshot, StreamInfo};

/// Buffered events are written when this many are waiting.
const FLUSH_EVENTS: usize = 10_000;

/// A transaction's first events are inserted one by one (a command's few
/// events: one round trip each, a taken id or version typed at once, as
/// SQLite does); later ones are buffered and copied (imports, rebuilds).
const DIRECT_EVENTS: usize = 16;

/// Read-model upserts of at most this many rows are held until the next
/// flush and written with the others in one statement (a command's rows);
/// larger ones (imports, rebuilds) are written at once.
const HELD_ROWS: usize = 64;

#[derive(Default)]
struct Pending {
    events: copy::Rows,
    streams: HashMap<String, StreamInfo>,
    /// Checkpoints set, by projection (written with the next flush).
    checkpoints: HashMap<String, i64>,
    /// Small row upserts, in order, each table once (see [`HELD_ROWS`]).
    rows: Vec<(&'static TableSpec, Vec<Row>)>,
}

/// The open write transaction (rolled back when dropped uncommitted).
pub struct Tx<'a> {
    pub(super) conn: &'a Conn,
    channel: &'a str,
    pending: RefCell<Pending>,
    /// Highest position written, for the NOTIFY (0: no event).
    head: Cell<i64>,
    /// Events inserted one by one so far.
    direct: usize,
    /// Whether the events' indexes wait for the commit (see `bulk.rs`).
    bulk: RefCell<bulk::Bulk>,
    /// Checkpoints this transaction set or read: under the store's lock
    /// only it moves them, so a projector asking again (once per chunk of
    /// an import) is answered without a round trip, which would wait for
    /// the events' `COPY` running behind.
    checkpoints: RefCell<HashMap<String, u64>>,
    /// A bulk load's full buffer of events, its `COPY` not yet started
    /// ([`Tx::seal`]).
    sealed: RefCell<Option<copy::Rows>>,
    /// Read-model tables a large insert found a taken key in (then upserted).
    keyed: rustc_hash::FxHashSet<&'static str>,
    done: bool,
}

impl<'a> Tx<'a> {
    /// Begins: `BEGIN`, then the store's advisory lock (waiting at most a
    /// minute for another writer, as SQLite's busy timeout does).
    pub fn begin(conn: &'a Conn, channel: &'a str, lock_key: i64) -> Result<Self, StoreError> {
        conn.in_tx.set(true);
        // Made before BEGIN is sent: if any of it fails, dropping it rolls back.
        let (pending, bulk) = (RefCell::default(), RefCell::default());
        let keyed = rustc_hash::FxHashSet::default();
        let (sealed, checkpoints) = (RefCell::default(), RefCell::default());
        let head = Cell::new(0);
        let tx = Self { conn, channel, pending, head, direct: 0, bulk, checkpoints, sealed, keyed, done: false };
        tx.conn.batch(&format!("BEGIN; SET LOCAL lock_timeout = '60s'; SELECT pg_advisory_xact_lock({lock_key})"))?;
        Ok(tx)
    }

    /// Writes everything buffered (before any read, and at commit).
    pub fn flush(&self) -> Result<(), StoreError> {
        self.launch()?;
        let mut events = std::mem::take(&mut self.pending.borrow_mut().events);
        if !events.is_empty() {
            self.defer_indexes(events.len())?;
            if self.unguarded() {
                self.pending.borrow_mut().events = events.empty_like();
                self.write_others()?;
                return self.copy_behind(events);
            }
            self.copy_events(&events, events.len())?;
            events.clear();
            self.pending.borrow_mut().events = events; // its allocation, for the next
        }
        self.write_others()
    }

    /// The checkpoints of `projections` if this transaction knows them all.
    pub(super) fn known_checkpoints(&self, projections: &[&str]) -> Option<Vec<u64>> {
        let known = self.checkpoints.borrow();
        projections.iter().map(|p| known.get(*p).copied()).collect()
    }

    /// Remembers checkpoints read from the store (see [`Tx::known_checkpoints`]).
    pub(super) fn learn_checkpoints(&self, projections: &[&str], read: &[u64]) {
        let mut known = self.checkpoints.borrow_mut();
        for (p, at) in projections.iter().zip(read) {
            known.entry((*p).to_owned()).or_insert(*at);
        }
    }

    /// Whether `events` has no index left to refuse a row (dropped by a bulk
    /// load): a `COPY` then cannot fail on a taken id or version, and may
    /// run behind (the build at commit reports a duplicate, typed).
    fn unguarded(&self) -> bool {
        matches!(&*self.bulk.borrow(), bulk::Bulk::Deferred(creates) if !creates.is_empty())
    }

    /// A full buffer of events, in a bulk load: set aside until the caller
    /// comes back with the next event, so that the `COPY` runs behind the
    /// caller's next stretch of work (projecting these events, writing their
    /// rows, encoding the next) rather than making it wait now.
    fn seal(&self) -> Result<(), StoreError> {
        let len = self.pending.borrow().events.len();
        self.defer_indexes(len)?;
        if !self.unguarded() {
            return self.flush();
        }
        self.launch()?;
        let mut p = self.pending.borrow_mut();
        let fresh = p.events.empty_like();
        *self.sealed.borrow_mut() = Some(std::mem::replace(&mut p.events, fresh));
        Ok(())
    }

    /// Starts the `COPY` of the events set aside by [`Tx::seal`], if any.
    fn launch(&self) -> Result<(), StoreError> {
        let sealed = self.sealed.borrow_mut().take();
        sealed.map_or(Ok(()), |events| self.copy_behind(events))
    }

    /// `COPY`s `events` on the session's own thread ([`Conn::behind`]): the
    /// session's next statement waits for it, and its failure (no index is
    /// there to refuse a duplicate: the build at commit does) aborts the
    /// transaction.
    fn copy_behind(&self, events: copy::Rows) -> Result<(), StoreError> {
        let last = events.len().checked_sub(1).and_then(|i| events.keys(i)).map_or(0, |k| k.position);
        self.conn.behind(move |c| {
            let mut w = c.copy_in(include_str!("sql/copy_events.sql"))?;
            for part in events.data(events.len()) {
                // A write error is the session's: `finish` reports it.
                if w.write_all(part).is_err() {
                    break;
                }
            }
            w.finish().map(drop)
        })?;
        self.head.set(self.head.get().max(last));
        Ok(())
    }

    /// Writes the held rows, stream summaries and checkpoints.
    fn write_others(&self) -> Result<(), StoreError> {
        self.write_rows()?;
        let streams = std::mem::take(&mut self.pending.borrow_mut().streams);
        let mut cols = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for s in streams.into_values() {
            cols.0.push(s.stream_id);
            cols.1.push(s.stream_type);
            cols.2.push(to_i64(s.version));
            cols.3.push(to_i64(s.first_position));
            cols.4.push(to_i64(s.last_position));
        }
        let checkpoints = std::mem::take(&mut self.pending.borrow_mut().checkpoints);
        let (names, positions): (Vec<String>, Vec<i64>) = checkpoints.into_iter().unzip();
        let streams = [&cols.0 as &(dyn postgres::types::ToSql + Sync), &cols.1, &cols.2, &cols.3, &cols.4];
        let sql = match (cols.0.is_empty(), names.is_empty()) {
            (true, true) => return Ok(()),
            (false, true) => include_str!("sql/upsert_streams.sql"),
            (true, false) => include_str!("sql/upsert_checkpoints.sql"),
            (false, false) => include_str!("sql/upsert_streams_checkpoints.sql"),
        };
        let mut args: Vec<&(dyn postgres::types::ToSql + Sync)> = Vec::with_capacity(7);
        if !cols.0.is_empty() {
            args.extend(streams);
        }
        if !names.is_empty() {
            args.extend([&names as &(dyn postgres::types::ToSql + Sync), &positions]);
        }
        self.conn.execute(sql, &args)?;
        Ok(())
    }

    /// Writes the held row upserts (before any other write to their tables).
    fn write_rows(&self) -> Result<(), StoreError> {
        let rows = std::mem::take(&mut self.pending.borrow_mut().rows);
        match rows.as_slice() {
            [] => Ok(()),
            [(spec, rows)] => self.conn.upsert_rows(spec, &rows.iter().collect::<Vec<_>>()),
            _ => self.conn.upsert_tables(&rows),
        }
    }

    /// `COPY`s the first `end` of `events` inside a savepoint. On a taken
    /// event id or version, the events before the offending one are kept (as
    /// if inserted one by one), it and those after are not, and the error is
    /// typed.
    fn copy_events(&self, events: &copy::Rows, end: usize) -> Result<(), StoreError> {
        self.conn.batch("SAVEPOINT chronicle_flush")?;
        let copied = self.conn.with(|c| {
            let mut w = c.copy_in(include_str!("sql/copy_events.sql"))?;
            for part in events.data(end) {
                // A write error is the session's: `finish` reports it.
                if w.write_all(part).is_err() {
                    break;
                }
            }
            w.finish()
        });
        match copied {
            Ok(_) => {
                self.conn.batch("RELEASE SAVEPOINT chronicle_flush")?;
                let last = end.checked_sub(1).and_then(|i| events.keys(i)).map_or(0, |k| k.position);
                self.head.set(self.head.get().max(last));
                Ok(())
            }
            Err(StoreError::Backend { source, kind, message }) => {
                self.conn.batch("ROLLBACK TO SAVEPOINT chronicle_flush; RELEASE SAVEPOINT chronicle_flush")?;
                let constraint = source.downcast_ref::<postgres::Error>().and_then(is_unique_violation);
                let Some(constraint) = constraint.map(str::to_owned) else {
                    return Err(StoreError::Backend { kind, message, source });
                };
                let (at, error) =
                    self.offender(events, end, &constraint)?.ok_or(StoreError::Backend { kind, message, source })?;
                if at > 0 {
                    self.copy_events(events, at)?;
                }
                Err(error)
            }
            Err(e) => Err(e),
        }
    }

    /// Inserts one event now. `ON CONFLICT DO NOTHING` keeps the transaction
    /// usable when the id, the stream version or the position is taken.
    fn insert_direct(&self, e: &EventRow<'_>) -> Result<(), StoreError> {
        let (position, version) = (to_i64(e.position), to_i64(e.version));
        let schema_version = i32::try_from(e.schema_version).unwrap_or(i32::MAX);
        let hash: &[u8] = e.hash;
        let correlation = super::correlation::correlation_id(e.metadata);
        let correlation = correlation.as_deref();
        let args: [&(dyn postgres::types::ToSql + Sync); 12] = [
            &position,
            &e.event_id,
            &e.stream_id,
            &e.stream_type,
            &version,
            &e.event_type,
            &schema_version,
            &e.payload,
            &e.metadata,
            &e.recorded_at,
            &hash,
            &correlation,
        ];
        if !self.conn.query(include_str!("sql/insert_event.sql"), &args)?.is_empty() {
            self.head.set(self.head.get().max(position));
            return Ok(());
        }
        if self.conn.event_position(e.event_id)?.is_some() {
            return Err(StoreError::EventIdTaken(e.event_id.to_owned()));
        }
        let sql = "SELECT 1 FROM events WHERE stream_id = $1 AND version = $2";
        if self.conn.query_opt(sql, &[&e.stream_id, &version])?.is_some() {
            return Err(StoreError::VersionTaken { stream_id: e.stream_id.to_owned(), version: e.version });
        }
        Err(StoreError::Damaged {
            what: format!("position {}", e.position),
            reason: "taken by another event while this writer held the lock".to_owned(),
        })
    }

    /// Which of the first `end` buffered events broke `constraint`, and the
    /// typed error for it.
    fn offender(
        &self,
        events: &copy::Rows,
        end: usize,
        constraint: &str,
    ) -> Result<Option<(usize, StoreError)>, StoreError> {
        let keys: Vec<copy::Keys<'_>> = (0..end).map_while(|i| events.keys(i)).collect();
        if constraint.contains("event_id") {
            let ids: Vec<&str> = keys.iter().map(|k| k.event_id).collect();
            let rows = self.conn.query("SELECT event_id FROM events WHERE event_id = ANY($1)", &[&ids])?;
            let taken: Vec<String> = rows.iter().map(|r| col(r, 0)).collect::<Result<_, _>>()?;
            let mut seen = std::collections::HashSet::new();
            let at = keys.iter().position(|k| taken.iter().any(|t| t == k.event_id) || !seen.insert(k.event_id));
            return Ok(at.map(|i| (i, StoreError::EventIdTaken(keys[i].event_id.to_owned()))));
        }
        if constraint.contains("stream_version") {
            let streams: Vec<&str> = keys.iter().map(|k| k.stream_id).collect();
            let versions: Vec<i64> = keys.iter().map(|k| k.version).collect();
            let sql = "SELECT e.stream_id, e.version FROM events e \
                       JOIN unnest($1::text[], $2::bigint[]) AS b(stream_id, version) USING (stream_id, version)";
            let rows = self.conn.query(sql, &[&streams, &versions])?;
            let taken: Vec<(String, i64)> =
                rows.iter().map(|r| Ok((col(r, 0)?, col(r, 1)?))).collect::<Result<_, StoreError>>()?;
            let mut seen = std::collections::HashSet::new();
            let at = keys.iter().position(|k| {
                taken.iter().any(|(s, v)| s == k.stream_id && *v == k.version) || !seen.insert((k.stream_id, k.version))
            });
            return Ok(at.map(|i| {
                let version = u64::try_from(keys[i].version).unwrap_or(0);
                (i, StoreError::VersionTaken { stream_id: keys[i].stream_id.to_owned(), version })
            }));
        }
        Ok(None)
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if !self.done {
            // Rolling back cannot lose anything committed; a dead session has
            // rolled back already.
            let _ = self.conn.batch("ROLLBACK");
            // A table created in the rolled-back transaction is gone.
            self.conn.known_tables.borrow_mut().clear();
        }
        self.conn.in_tx.set(false);
    }
}

impl Writes for Tx<'_> {
    fn insert_event(&mut self, e: &EventRow<'_>) -> Result<(), StoreError> {
        let bulk_on = !matches!(*self.bulk.borrow(), bulk::Bulk::Off);
        if !bulk_on && self.direct < DIRECT_EVENTS && self.pending.borrow().events.is_empty() {
            self.direct += 1;
            return self.insert_direct(e);
        }
        self.launch()?;
        let full = {
            let mut p = self.pending.borrow_mut();
            p.events.push(e)?;
            p.events.len() >= FLUSH_EVENTS
        };
        match (full, bulk_on) {
            (false, _) => Ok(()),
            (true, true) => self.seal(),
            (true, false) => self.flush(),
        }
    }

    fn upsert_stream(&mut self, s: &StreamInfo) -> Result<(), StoreError> {
        self.pending.borrow_mut().streams.insert(s.stream_id.clone(), s.clone());
        Ok(())
    }

    fn save_snapshot(&mut self, s: &Snapshot) -> Result<(), StoreError> {
        let sv = i32::try_from(s.state_version).unwrap_or(i32::MAX);
        let args: [&(dyn postgres::types::ToSql + Sync); 6] =
            [&s.stream_id, &to_i64(s.version), &s.stream_type, &to_i64(s.position), &sv, &s.state];
        self.conn.execute(include_str!("sql/upsert_snapshot.sql"), &args)?;
        Ok(())
    }

    fn set_checkpoint(&mut self, projection: &str, position: u64) -> Result<(), StoreError> {
        self.pending.borrow_mut().checkpoints.insert(projection.to_owned(), to_i64(position));
        self.checkpoints.borrow_mut().insert(projection.to_owned(), position);
        Ok(())
    }

    fn save_model_snapshot(
        &mut self,
        projection: &str,
        position: u64,
        tag: &str,
        body: &[u8],
    ) -> Result<(), StoreError> {
        self.conn.save_model_snapshot(projection, position, tag, body)
    }

    fn clear_model_snapshots(&mut self, projection: &str) -> Result<(), StoreError> {
        self.conn.clear_model_snapshots(projection)
    }

    fn ensure_tables(&mut self, specs: &[&'static TableSpec]) -> Result<Vec<&'static str>, StoreError> {
        self.write_rows()?;
        self.conn.ensure_tables(specs)
    }

    fn index_positions(&mut self, spec: &'static TableSpec, position_column: &str) -> Result<(), StoreError> {
        self.write_rows()?;
        self.conn.index_positions(spec, position_column)
    }

    fn clear_table(&mut self, spec: &'static TableSpec) -> Result<(), StoreError> {
        self.write_rows()?;
        self.conn.clear_table(spec)
    }

    fn upsert_rows(&mut self, spec: &'static TableSpec, rows: &[&Row]) -> Result<(), StoreError> {
        let held = self.pending.borrow().rows.iter().any(|(s, _)| s.name == spec.name);
        if held || rows.len() > HELD_ROWS {
            self.write_rows()?;
        }
        if rows.len() > HELD_ROWS {
            // A table that had a taken key is upserted at once from then on.
            if self.keyed.contains(spec.name) {
                return self.conn.upsert_rows(spec, rows);
            }
            if self.conn.insert_rows(spec, rows)? {
                self.keyed.insert(spec.name);
            }
            return Ok(());
        }
        self.pending.borrow_mut().rows.push((spec, rows.iter().map(|r| (*r).clone()).collect()));
        Ok(())
    }

    fn delete_rows(&mut self, spec: &'static TableSpec, keys: &[&Key]) -> Result<(), StoreError> {
        self.write_rows()?;
        self.conn.delete_rows(spec, keys)
    }

    fn rebuild_streams_index(&mut self) -> Result<u64, StoreError> {
        self.flush()?;
        self.conn.batch(&format!(
            "DROP TABLE IF EXISTS pg_temp.derived_streams; {}",
            include_str!("sql/rebuild_streams.sql")
        ))?;
        let row = self.conn.query_opt(include_str!("sql/count_streams_differing.sql"), &[])?;
        let differing: i64 = row.map_or(Ok(0), |r| col(&r, 0))?;
        if differing > 0 {
            self.conn.batch(include_str!("sql/replace_streams.sql"))?;
        }
        self.conn.batch("DROP TABLE pg_temp.derived_streams")?;
        Ok(u64::try_from(differing).unwrap_or(0))
    }

    fn drop_table_if_altered(&mut self, spec: &'static TableSpec) -> Result<bool, StoreError> {
        self.write_rows()?;
        self.conn.drop_table_if_altered(spec)
    }

    fn bulk_load(&mut self) -> Result<(), StoreError> {
        if self.direct == 0 && self.pending.borrow().events.is_empty() {
            *self.bulk.borrow_mut() = bulk::Bulk::Wanted;
        }
        Ok(())
    }

    fn commit(mut self: Box<Self>) -> Result<(), StoreError> {
        self.flush()?;
        self.restore_indexes()?;
        // The channel is `chronicle_<schema>`, the schema checked to be
        // `[a-z0-9_]`: the NOTIFY rides with the COMMIT in one round trip.
        let notify = if self.head.get() > 0 {
            format!("SELECT pg_notify('{}', '{}'); ", self.channel, self.head.get())
        } else {
            String::new()
        };
        self.conn.batch(&format!("{notify}COMMIT"))?;
        self.done = true;
        Ok(())
    }
}
