//! The storage seam: what an engine (SQLite, PostgreSQL) implements so the
//! store facade ([`crate::es::Store`]) can keep the log on it.
//!
//! The traits are object safe: the facade holds a `Box<dyn Engine>` and
//! wraps the closure-taking calls in generic methods. Engines store exactly
//! what they are given; the hash chain, expected versions, idempotency and
//! the read-model row cache live in the facade.

use std::time::Duration;

mod facts;
pub use facts::{Finding, FindingKind, ForeignSnapshot, Guards};

use super::event::{EventRef, StoredEvent};
use super::projection::{Key, Row, TableSpec};
use super::store::{ChainRow, EventHead, LogFilter, Snapshot, StoreError, StreamInfo};

/// How a store is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Create the schema if absent; writable.
    Create,
    /// Never writes, never creates, never converts.
    Read,
    /// Writable; derived tables whose schema differs are recreated empty
    /// (the caller derives them again: see [`Engine::recreated`]).
    Repair,
}

/// What kind of failure an engine reported, for messages and exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    /// Another writer holds the lock beyond the timeout, or a lock timeout.
    Busy,
    /// The disk (or the server's) is full, or an I/O error.
    DiskFull,
    /// The stored data is damaged (corrupt file, checksum failure).
    Damaged,
    /// The server cannot be reached.
    Unreachable,
    /// The store may not be written (read-only file, read-only transaction).
    ReadOnly,
    /// The connection was killed mid-transaction (server restart, terminated backend).
    Terminated,
    /// Anything else.
    Other,
}

/// One connection to one store.
pub trait Engine: Send {
    /// For messages: the file path, or the URL without its password.
    fn name(&self) -> &str;
    /// Another connection to the same store (a worker thread's, a follower's).
    ///
    /// # Errors
    /// As opening the store.
    fn reconnect(&self, access: Access) -> Result<Box<dyn Engine>, StoreError>;
    /// Derived tables recreated empty by a Repair open (caller re-derives them).
    fn recreated(&self) -> &[&'static str];
    /// Reads outside any explicit transaction.
    fn reads(&self) -> &dyn Reads;
    /// Runs `f` inside one read transaction: every read sees one committed state.
    ///
    /// # Errors
    /// Database failures, or `f`'s.
    fn read_consistent(&self, f: &mut dyn FnMut(&dyn Reads) -> Result<(), StoreError>) -> Result<(), StoreError>;
    /// Begins THE write transaction: holds the store-wide writer lock (SQLite
    /// BEGIN IMMEDIATE; PostgreSQL a transaction-scoped advisory lock) until
    /// commit or drop (= rollback).
    ///
    /// # Errors
    /// Database failures (a lock not obtained within the timeout is `Busy`).
    fn begin(&mut self) -> Result<Box<dyn Writes + '_>, StoreError>;
    /// The engine's own integrity check (SQLite `quick_check`; PostgreSQL:
    /// none/amcheck): findings, at most `max`.
    ///
    /// # Errors
    /// Database failures.
    fn integrity_check(&self, max: usize) -> Result<Vec<String>, StoreError>;
    /// A hint: page cache size for this connection (no-op where meaningless).
    ///
    /// # Errors
    /// Database failures.
    fn set_cache_kib(&self, kib: u32) -> Result<(), StoreError>;
    /// The append-only guards: names present, and names present but altered.
    ///
    /// # Errors
    /// Database failures.
    fn guards(&self) -> Result<Guards, StoreError>;
    /// Blocks until the head may have moved past `head` or `timeout` passes
    /// (SQLite: poll `data_version`/head; PostgreSQL: LISTEN/NOTIFY).
    /// Spurious wake-ups allowed.
    ///
    /// # Errors
    /// Database failures.
    fn wait_for_append(&self, head: u64, timeout: Duration) -> Result<(), StoreError>;
    /// The format of a log chronicle did not write and reads through a
    /// mapping (`eventsourcing`, …); `None` for chronicle's own store. A
    /// foreign log is read-only and has no hash chain of its own (the hashes
    /// its events carry are computed on reading, so an export imports).
    fn format(&self) -> Option<&str> {
        None
    }
    /// How a foreign log is read (its mapping, as text): what a cache of
    /// what was computed from it must match. `None` for chronicle's store.
    fn layout(&self) -> Option<String> {
        None
    }
    /// What reading a foreign log found wrong but could still show, earliest
    /// first (chronicle's own store: nothing).
    fn findings(&self) -> Vec<Finding> {
        Vec::new()
    }
    /// Runs the checks a foreign log gets on open (an open that deferred
    /// them found nothing yet): what [`Engine::findings`] would list.
    ///
    /// # Errors
    /// Database failures.
    fn check(&self) -> Result<Vec<Finding>, StoreError> {
        Ok(self.findings())
    }
    /// A foreign log's own snapshots table and how many snapshots it holds
    /// (`None`: no such table, or chronicle's own store).
    ///
    /// # Errors
    /// Database failures.
    fn foreign_snapshots(&self) -> Result<Option<(String, u64)>, StoreError> {
        Ok(None)
    }
    /// The foreign tool's own latest snapshot of `stream_id` at or below
    /// `max_version`, as it stored it.
    ///
    /// # Errors
    /// Database failures.
    fn foreign_snapshot(&self, _stream_id: &str, _max_version: u64) -> Result<Option<ForeignSnapshot>, StoreError> {
        Ok(None)
    }
}

/// Reads (also available inside a write transaction, seeing its own writes).
#[allow(clippy::missing_errors_doc)] // every read fails only on a database failure
pub trait Reads {
    /// A foreign log's events carry a hash chain computed on reading, which
    /// costs a walk from the first event; `false` turns it off (hashes read
    /// as the genesis value) for readers that show no hash (the TUI). A
    /// store with its own chain ignores it. Returns the setting before.
    fn set_chained(&self, _on: bool) -> bool {
        true
    }

    /// Highest position (0 when the log is empty).
    fn head(&self) -> Result<u64, StoreError>;
    /// Every event with `from <= position <= to`, in order.
    fn scan(
        &self,
        from: u64,
        to: u64,
        f: &mut dyn FnMut(StoredEvent) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
    /// As [`Reads::scan`], the fields a fold reads, borrowed.
    fn scan_fold(
        &self,
        from: u64,
        to: u64,
        f: &mut dyn FnMut(EventRef<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
    /// As [`Reads::scan`], the fields the hash chain reads, borrowed.
    fn scan_chain(
        &self,
        from: u64,
        to: u64,
        f: &mut dyn FnMut(ChainRow<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
    /// The head and the stored hash of the event there ([`crate::es::hash::GENESIS`]
    /// for an empty log): where the write transaction's chain goes on from.
    fn last_link(&self) -> Result<(u64, [u8; 32]), StoreError> {
        let head = self.head()?;
        let mut hash = super::hash::GENESIS;
        if head > 0 {
            self.scan(head, head, &mut |e| {
                hash = e.hash;
                Ok(())
            })?;
        }
        Ok((head, hash))
    }
    /// The stored hash of the last event before `position`.
    fn hash_before(&self, position: u64) -> Result<Option<Vec<u8>>, StoreError>;
    /// Events of `stream_id` after `after_version`, up to `max_position`, by version.
    fn stream_events(
        &self,
        stream_id: &str,
        after_version: u64,
        max_position: u64,
    ) -> Result<Vec<StoredEvent>, StoreError>;
    /// As [`Reads::stream_events`], borrowed.
    fn scan_stream(
        &self,
        stream_id: &str,
        after_version: u64,
        max_position: u64,
        f: &mut dyn FnMut(EventRef<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
    /// One stream's summary from the `streams` index.
    fn stream(&self, stream_id: &str) -> Result<Option<StreamInfo>, StoreError>;
    /// Highest version among the stream's EVENTS (not the index): the streams-index check.
    fn stored_version(&self, stream_id: &str) -> Result<u64, StoreError>;
    /// Per id, in the order given: its summary from the `streams` index and
    /// the highest version among its events ([`Reads::stream`] and
    /// [`Reads::stored_version`] of each, in one round trip where the engine
    /// is a server).
    fn streams_of(&self, stream_ids: &[&str]) -> Result<Vec<(Option<StreamInfo>, u64)>, StoreError> {
        stream_ids.iter().map(|id| Ok((self.stream(id)?, self.stored_version(id)?))).collect()
    }
    /// Every stream, by id.
    fn streams(&self) -> Result<Vec<StreamInfo>, StoreError>;
    /// Events matching `filter`, in position order, at most `limit`.
    fn log(&self, filter: &LogFilter, limit: u64) -> Result<Vec<StoredEvent>, StoreError>;
    /// The last position recorded at or before `time`, 0 if none.
    fn position_at_time(&self, time: &str) -> Result<u64, StoreError>;
    /// Position of the event with `event_id`, if stored.
    fn event_position(&self, event_id: &str) -> Result<Option<u64>, StoreError>;
    /// Events of one command: from `first` on, with `metadata.command_id`.
    fn command_events(&self, first: u64, command_id: &str) -> Result<Vec<StoredEvent>, StoreError>;
    /// Newest snapshot of a stream at or before `max_position` with `state_version`.
    fn snapshot(&self, stream_id: &str, max_position: u64, state_version: u32) -> Result<Option<Snapshot>, StoreError>;
    /// Every snapshot, by stream and version.
    fn snapshots(&self) -> Result<Vec<Snapshot>, StoreError>;
    /// Positions of snapshots, in order.
    fn snapshot_positions(&self) -> Result<Vec<u64>, StoreError>;
    /// The newest read-model snapshot of `projection` tagged `tag` at or
    /// before `max_position`: its position and its body as saved
    /// ([`Writes::save_model_snapshot`]; opaque to the engine). Default:
    /// none (a log that keeps none, such as another tool's).
    fn model_snapshot(
        &self,
        _projection: &str,
        _tag: &str,
        _max_position: u64,
    ) -> Result<Option<(u64, Vec<u8>)>, StoreError> {
        Ok(None)
    }
    /// Every read-model snapshot's projection, position and tag (bodies not
    /// read), by projection then position. Default: none.
    fn model_snapshot_list(&self) -> Result<Vec<(String, u64, String)>, StoreError> {
        Ok(Vec::new())
    }
    /// A projection's checkpoint (0 = nothing applied).
    fn checkpoint(&self, projection: &str) -> Result<u64, StoreError>;
    /// Several projections' checkpoints, in the order given ([`Reads::checkpoint`]
    /// of each, in one round trip where the engine is a server).
    fn checkpoints(&self, projections: &[&str]) -> Result<Vec<u64>, StoreError> {
        projections.iter().map(|p| self.checkpoint(p)).collect()
    }
    /// Rows of a read-model table in key order (a missing table reads empty).
    fn table_rows(&self, spec: &'static TableSpec, offset: u64, limit: u64) -> Result<Vec<Row>, StoreError>;
    /// Rows of an append-only read-model table with `position_column <= position`.
    fn table_rows_upto(
        &self,
        spec: &'static TableSpec,
        position_column: &str,
        position: u64,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<Row>, StoreError>;
    /// Every row of a read-model table in key order, streaming.
    fn scan_table(
        &self,
        spec: &'static TableSpec,
        upto: Option<(&str, u64)>,
        f: &mut dyn FnMut(Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
    /// Why a read-model table cannot be trusted at checkpoint `applied` (None = fine).
    fn read_model_problem(&self, spec: &TableSpec, applied: u64) -> Result<Option<String>, StoreError>;
    /// Fetches one row of a read-model table by key (None: absent, or no table).
    fn table_row(&self, spec: &'static TableSpec, key: &[super::projection::Cell]) -> Result<Option<Row>, StoreError>;
    /// Rows of an append-only read-model table with `after < position_column <= upto`, in key order.
    fn scan_table_between(
        &self,
        spec: &'static TableSpec,
        position_column: &str,
        (after, upto): (u64, u64),
        f: &mut dyn FnMut(Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let column = spec.columns.iter().position(|c| c.name == position_column);
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        self.scan_table(spec, Some((position_column, upto)), &mut |row| match column.map(|i| &row.cells()[i]) {
            Some(super::projection::Cell::Int(p)) if *p <= after => Ok(()),
            _ => f(row),
        })
    }
    /// How many rows of an append-only read-model table have `after <
    /// position_column <= upto` (default: counted as
    /// [`Reads::scan_table_between`] reads them; an engine counts by its
    /// index).
    fn count_table_between(
        &self,
        spec: &'static TableSpec,
        position_column: &str,
        between: (u64, u64),
    ) -> Result<u64, StoreError> {
        let mut n = 0;
        self.scan_table_between(spec, position_column, between, &mut |_| {
            n += 1;
            Ok(())
        })?;
        Ok(n)
    }
    /// Each event with `after < position <= upto`, in order, without its payload.
    fn scan_heads(
        &self,
        after: u64,
        upto: u64,
        f: &mut dyn FnMut(EventHead<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.scan(after + 1, upto, &mut |e| {
            f(EventHead {
                stream_id: &e.stream_id,
                stream_type: &e.stream_type,
                event_type: &e.event_type,
                metadata: &e.metadata,
            })
        })
    }
}

/// Inside the write transaction. Rows are already checked and linked by the
/// facade: the engine stores exactly what it is given (text byte for byte;
/// hash 32 bytes).
#[allow(clippy::missing_errors_doc)] // database failures, and the typed ones named
pub trait Writes: Reads {
    /// Stores one event (the engine may buffer, but every read through this
    /// transaction must see it). A taken event id → [`StoreError::EventIdTaken`]
    /// and the transaction stays usable for reads (PostgreSQL: use a
    /// savepoint); a taken (`stream_id`, version) → [`StoreError::VersionTaken`].
    fn insert_event(&mut self, e: &EventRow<'_>) -> Result<(), StoreError>;
    /// Inserts or replaces one stream's summary.
    fn upsert_stream(&mut self, s: &StreamInfo) -> Result<(), StoreError>;
    /// Stores a snapshot (replacing one of the same stream and version).
    fn save_snapshot(&mut self, s: &Snapshot) -> Result<(), StoreError>;
    /// Sets a projection's checkpoint.
    fn set_checkpoint(&mut self, projection: &str, position: u64) -> Result<(), StoreError>;
    /// Stores a read-model snapshot: `body` (bytes the engine keeps as
    /// given) holds `projection`'s rows as of `position`, tagged `tag`;
    /// replaces one of the same projection and position.
    fn save_model_snapshot(
        &mut self,
        projection: &str,
        position: u64,
        tag: &str,
        body: &[u8],
    ) -> Result<(), StoreError>;
    /// Deletes every read-model snapshot of `projection` (its rows are
    /// about to be rebuilt from position 0).
    fn clear_model_snapshots(&mut self, projection: &str) -> Result<(), StoreError>;
    /// Creates missing read-model tables; one whose columns differ is dropped
    /// and recreated. Returns the tables (re)created empty.
    fn ensure_tables(&mut self, specs: &[&'static TableSpec]) -> Result<Vec<&'static str>, StoreError>;
    /// Indexes an append-only read-model table (the first table of a
    /// [`TimeTravel::Query`](super::projection::TimeTravel::Query) read
    /// model) by `position_column`, if it is not yet: reads of the rows
    /// written in a range of positions then need not scan the whole table.
    /// Idempotent; the table exists (see [`Writes::ensure_tables`]).
    fn index_positions(&mut self, spec: &'static TableSpec, position_column: &str) -> Result<(), StoreError>;
    /// Deletes every row of a read-model table.
    fn clear_table(&mut self, spec: &'static TableSpec) -> Result<(), StoreError>;
    /// Upserts rows of one table (sorted by key by the caller).
    fn upsert_rows(&mut self, spec: &'static TableSpec, rows: &[&Row]) -> Result<(), StoreError>;
    /// Deletes rows of one table by key.
    fn delete_rows(&mut self, spec: &'static TableSpec, keys: &[&Key]) -> Result<(), StoreError>;
    /// Recomputes the `streams` index from the events inside this
    /// transaction; returns how many streams' rows differed (and were replaced).
    fn rebuild_streams_index(&mut self) -> Result<u64, StoreError>;
    /// Drops a read-model table whose columns differ from `spec`; true if dropped.
    fn drop_table_if_altered(&mut self, spec: &'static TableSpec) -> Result<bool, StoreError>;
    /// A hint that this transaction began on an empty store and will append
    /// many events without reading events back (an import): the engine may
    /// maintain the events' indexes once, at commit, instead of per event.
    /// Every constraint still holds at commit. Default: nothing.
    fn bulk_load(&mut self) -> Result<(), StoreError> {
        Ok(())
    }
    /// Commits; dropping the box without commit rolls back.
    fn commit(self: Box<Self>) -> Result<(), StoreError>;
}

/// One event row as stored (all fields final: position, version and hash
/// computed by the facade).
#[derive(Debug, Clone, Copy)]
pub struct EventRow<'a> {
    /// Position in the log.
    pub position: u64,
    /// Event id.
    pub event_id: &'a str,
    /// Stream id.
    pub stream_id: &'a str,
    /// Stream type.
    pub stream_type: &'a str,
    /// Version in its stream.
    pub version: u64,
    /// Event type.
    pub event_type: &'a str,
    /// Payload schema version.
    pub schema_version: u32,
    /// Payload JSON text.
    pub payload: &'a str,
    /// Metadata JSON text.
    pub metadata: &'a str,
    /// RFC 3339 UTC text.
    pub recorded_at: &'a str,
    /// Hash-chain link.
    pub hash: &'a [u8; 32],
}
