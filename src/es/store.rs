//! The SQLite event store: the only place SQL lives.
//!
//! One file holds the append-only `events` log (guarded by triggers), the
//! `streams` index, `snapshots`, projection `checkpoints` and the read-model
//! tables. Writers take the lock with `BEGIN IMMEDIATE` (WAL, busy timeout),
//! so several processes can append to one file safely.

mod chain;
mod error;
mod fold;
mod handle;
mod open;
mod read;
mod rows;
mod write;

#[cfg(test)]
mod tests;

use rustc_hash::FxHashMap as HashMap;
use std::path::{Path, PathBuf};

use chrono::{SecondsFormat, Utc};
use rusqlite::{Connection, TransactionBehavior};

pub use chain::ChainRow;
pub use error::{ConflictError, StoreError};
pub use open::{APPLICATION_ID, SCHEMA_VERSION};
pub use read::{LogFilter, Snapshot, StreamInfo};
pub use write::{Appended, Link, WriteTx};

use super::event::{EventRef, StoredEvent};
use super::hash::GENESIS;
use super::projection::{Row, TableSpec};

/// A handle on one store file.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish_non_exhaustive()
    }
}

/// The current time as stored: RFC 3339, UTC, microseconds, `Z`.
#[must_use]
pub fn timestamp_now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true)
}

impl Store {
    /// Opens the store at `path` for writing, creating an empty one if the
    /// file is absent or empty. `path` is a file name whatever it spells
    /// (`:memory:` and `file:…?…` are files of that name).
    ///
    /// # Errors
    /// [`StoreError::NotAStore`] for a file that is not a chronicle store or
    /// whose schema differs from chronicle's, [`StoreError::NewerSchema`] for
    /// one from a newer release, [`StoreError::ReadOnly`] for one this user
    /// cannot write, [`StoreError::Access`] for a missing directory or
    /// permission denied.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let (conn, _) = open::open(path, open::Access::Create)?;
        Ok(Self { conn, path: path.to_owned() })
    }

    /// Opens an existing store for reading only: nothing is ever written,
    /// created or converted (a missing file is [`StoreError::NotFound`]; an
    /// empty file reads as an empty store and stays empty); works on a store
    /// the user cannot write.
    ///
    /// # Errors
    /// As [`Store::open`], plus `NotFound`.
    pub fn open_existing(path: &Path) -> Result<Self, StoreError> {
        let (conn, _) = open::open(path, open::Access::Read)?;
        Ok(Self { conn, path: path.to_owned() })
    }

    /// Opens for writing as [`Store::open`], first dropping and recreating
    /// empty each derived table (`streams`, `snapshots`, `checkpoints`, a plain
    /// index) whose schema differs from chronicle's. Returns the tables
    /// recreated: the caller derives their content again.
    ///
    /// # Errors
    /// As [`Store::open`]; a difference in the `events` table is not repaired.
    pub fn open_to_repair(path: &Path) -> Result<(Self, Vec<&'static str>), StoreError> {
        let (conn, recreated) = open::open(path, open::Access::Repair)?;
        Ok((Self { conn, path: path.to_owned() }, recreated))
    }

    /// The file's path.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Highest position (0 when the log is empty).
    ///
    /// # Errors
    /// Database failures.
    pub fn head(&self) -> Result<u64, StoreError> {
        read::head(&self.conn)
    }

    /// The event at `position`.
    ///
    /// # Errors
    /// Database failures.
    pub fn event(&self, position: u64) -> Result<Option<StoredEvent>, StoreError> {
        Ok(self.read_range(position, position)?.into_iter().next())
    }

    /// Events with `from <= position <= to`; callers keep the range bounded.
    ///
    /// # Errors
    /// Database failures.
    pub fn read_range(&self, from: u64, to: u64) -> Result<Vec<StoredEvent>, StoreError> {
        read::range(&self.conn, from, to)
    }

    /// Calls `f` for each event with `from <= position <= to`, streaming.
    ///
    /// # Errors
    /// Database failures, or `f`'s.
    pub fn scan<E: From<StoreError>>(
        &self,
        from: u64,
        to: u64,
        f: impl FnMut(StoredEvent) -> Result<(), E>,
    ) -> Result<(), E> {
        read::scan(&self.conn, from, to, f)
    }

    /// Calls `f` for each event with `from <= position <= to`, with the
    /// fields a fold reads borrowed from SQLite's row (no allocation per
    /// event): the timeline's and replays' path.
    ///
    /// # Errors
    /// Database failures (a value of the wrong type is one), or `f`'s.
    pub fn scan_fold<E: From<StoreError>>(
        &self,
        from: u64,
        to: u64,
        f: impl FnMut(EventRef<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        fold::range(&self.conn, from, to, f)
    }

    /// Events of `stream_id` after `after_version`, up to `max_position`.
    ///
    /// # Errors
    /// Database failures.
    pub fn stream_events(
        &self,
        stream_id: &str,
        after_version: u64,
        max_position: u64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        read::stream_events(&self.conn, stream_id, after_version, max_position)
    }

    /// One stream's summary.
    ///
    /// # Errors
    /// Database failures.
    pub fn stream(&self, stream_id: &str) -> Result<Option<StreamInfo>, StoreError> {
        read::stream(&self.conn, stream_id)
    }

    /// Every stream.
    ///
    /// # Errors
    /// Database failures.
    pub fn streams(&self) -> Result<Vec<StreamInfo>, StoreError> {
        read::streams(&self.conn)
    }

    /// Events matching `filter`, at most `limit`.
    ///
    /// # Errors
    /// Database failures.
    pub fn log(&self, filter: &LogFilter, limit: u64) -> Result<Vec<StoredEvent>, StoreError> {
        read::log(&self.conn, filter, limit)
    }

    /// Last position recorded at or before `time` (RFC 3339 UTC text).
    ///
    /// # Errors
    /// Database failures.
    pub fn position_at_time(&self, time: &str) -> Result<u64, StoreError> {
        read::position_at_time(&self.conn, time)
    }

    /// Newest snapshot of a stream at or before `max_position` with `state_version`.
    ///
    /// # Errors
    /// Database failures.
    pub fn snapshot(
        &self,
        stream_id: &str,
        max_position: u64,
        state_version: u32,
    ) -> Result<Option<Snapshot>, StoreError> {
        read::snapshot(&self.conn, stream_id, max_position, state_version)
    }

    /// Every stored snapshot.
    ///
    /// # Errors
    /// Database failures.
    pub fn snapshots(&self) -> Result<Vec<Snapshot>, StoreError> {
        read::snapshots(&self.conn)
    }

    /// Positions at which snapshots were taken.
    ///
    /// # Errors
    /// Database failures.
    pub fn snapshot_positions(&self) -> Result<Vec<u64>, StoreError> {
        read::snapshot_positions(&self.conn)
    }

    /// A projection's checkpoint (0 = nothing applied).
    ///
    /// # Errors
    /// Database failures.
    pub fn checkpoint(&self, projection: &str) -> Result<u64, StoreError> {
        read::checkpoint(&self.conn, projection)
    }

    /// Rows of a read-model table in key order.
    ///
    /// # Errors
    /// Database failures.
    pub fn table_rows(&self, spec: &'static TableSpec, offset: u64, limit: u64) -> Result<Vec<Row>, StoreError> {
        rows::table_rows(&self.conn, spec, offset, limit)
    }

    /// Rows of an append-only read-model table as of `position` (see
    /// [`crate::es::TimeTravel::Query`]).
    ///
    /// # Errors
    /// Database failures.
    pub fn table_rows_upto(
        &self,
        spec: &'static TableSpec,
        position_column: &str,
        position: u64,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<Row>, StoreError> {
        rows::table_rows_upto(&self.conn, spec, position_column, position, offset, limit)
    }

    /// Calls `f` for every row of a read-model table in key order, streaming;
    /// with `upto = Some((column, p))` only rows whose `column <= p`.
    ///
    /// # Errors
    /// Database failures, or `f`'s.
    pub fn scan_table(
        &self,
        spec: &'static TableSpec,
        upto: Option<(&str, u64)>,
        f: &mut dyn FnMut(Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        rows::scan_table(&self.conn, spec, upto, f)
    }

    /// Append-only triggers present but no longer as the schema writes them
    /// (their body edited, so UPDATE or DELETE may no longer be refused).
    ///
    /// # Errors
    /// Database failures.
    pub fn altered_triggers(&self) -> Result<Vec<String>, StoreError> {
        Ok(read::event_trigger_sql(&self.conn)?
            .into_iter()
            .filter(|(name, sql)| open::trigger_is_schemas(name, sql) == Some(false))
            .map(|(name, _)| name)
            .collect())
    }

    /// Names of the triggers guarding `events` (append-only).
    ///
    /// # Errors
    /// Database failures.
    pub fn event_triggers(&self) -> Result<Vec<String>, StoreError> {
        read::event_triggers(&self.conn)
    }

    /// Runs `f` in a `BEGIN IMMEDIATE` transaction: committed if `f` returns
    /// `Ok`, rolled back otherwise. Waits up to the busy timeout for another
    /// writer.
    ///
    /// # Errors
    /// `f`'s error, or a database failure to begin or commit.
    pub fn write<T, E: From<StoreError>>(&mut self, f: impl FnOnce(&mut WriteTx<'_>) -> Result<T, E>) -> Result<T, E> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(StoreError::from)?;
        let head = read::head(&tx)?;
        let last_hash = if head == 0 {
            GENESIS
        } else {
            let mut h = GENESIS;
            read::scan(&tx, head, head, |e| {
                h = e.hash;
                Ok::<_, StoreError>(())
            })?;
            h
        };
        let mut w = WriteTx {
            tx,
            head,
            last_hash,
            now: timestamp_now(),
            cache: rows::RowCache::default(),
            streams: HashMap::default(),
        };
        let out = f(&mut w)?;
        w.flush_rows()?;
        w.flush_streams()?;
        w.tx.commit().map_err(StoreError::from)?;
        Ok(out)
    }
}

/// Reads an aggregate needs, from the store or from inside a write
/// transaction (which sees its own uncommitted appends). Sealed: implemented
/// by [`Store`] and [`WriteTx`] only, through the connection each holds.
pub trait StreamReader: sealed::Connected {
    /// Events of `stream_id` after `after_version`, up to `max_position`.
    ///
    /// # Errors
    /// Database failures.
    fn read_stream(
        &self,
        stream_id: &str,
        after_version: u64,
        max_position: u64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        read::stream_events(self.connection(), stream_id, after_version, max_position)
    }
    /// As [`Self::read_stream`], streaming the fields a fold reads, borrowed
    /// from SQLite's row (no allocation per event).
    ///
    /// # Errors
    /// Database failures (a value of the wrong type is one), or `f`'s.
    fn scan_stream<E: From<StoreError>>(
        &self,
        stream_id: &str,
        after_version: u64,
        max_position: u64,
        f: impl FnMut(EventRef<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        fold::stream(self.connection(), stream_id, after_version, max_position, f)
    }
    /// Newest snapshot at or before `max_position` with `state_version`.
    ///
    /// # Errors
    /// Database failures.
    fn read_snapshot(
        &self,
        stream_id: &str,
        max_position: u64,
        state_version: u32,
    ) -> Result<Option<Snapshot>, StoreError> {
        read::snapshot(self.connection(), stream_id, max_position, state_version)
    }
}

mod sealed {
    /// The connection a reader reads through (not nameable outside the store).
    pub trait Connected {
        fn connection(&self) -> &rusqlite::Connection;
    }
}

impl sealed::Connected for Store {
    fn connection(&self) -> &Connection {
        &self.conn
    }
}

impl sealed::Connected for WriteTx<'_> {
    fn connection(&self) -> &Connection {
        &self.tx
    }
}

impl StreamReader for Store {}
impl StreamReader for WriteTx<'_> {}
