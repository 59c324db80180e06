//! The event store facade: engine neutral.
//!
//! A [`Store`] holds one connection to an engine ([`crate::es::backend`]):
//! SQLite (`crate::sqlite`) or PostgreSQL. What makes the log trustworthy
//! lives here, once for every engine: the hash chain, expected versions,
//! idempotent appends, the streams-index check and the read-model row cache.

mod chain;
mod error;
mod handle;
mod range;
mod read;
mod reader;
mod rows;
mod scan;
mod stored;
mod write;

#[cfg(test)]
mod tests;

use std::path::Path;

use chrono::{SecondsFormat, Utc};
use rustc_hash::FxHashMap as HashMap;

pub use chain::ChainRow;
pub use error::{ConflictError, StoreError};
pub use range::{EventHead, RangeSummary, Summing, actor_of};
pub use read::{LogFilter, Snapshot, StreamInfo};
pub use reader::StreamReader;
pub use write::{Appended, Link, WriteTx};

use super::backend::{Access, Engine, Reads};
use super::event::{EventRef, StoredEvent};

/// A handle on one store.
pub struct Store {
    engine: Box<dyn Engine>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("name", &self.engine.name()).finish_non_exhaustive()
    }
}

/// The current time as stored: RFC 3339, UTC, microseconds, `Z`.
#[must_use]
pub fn timestamp_now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true)
}

impl Store {
    /// A store over an engine's connection.
    #[must_use]
    pub fn new(engine: Box<dyn Engine>) -> Self {
        Self { engine }
    }

    /// Opens the SQLite store at `path` for writing, creating an empty one if
    /// the file is absent or empty (see `crate::sqlite::open`).
    ///
    /// # Errors
    /// As `crate::sqlite::open`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        crate::sqlite::open_store(path, Access::Create)
    }

    /// Opens an existing SQLite store for reading only (see
    /// `crate::sqlite::open`).
    ///
    /// # Errors
    /// As `crate::sqlite::open`.
    pub fn open_existing(path: &Path) -> Result<Self, StoreError> {
        crate::sqlite::open_store(path, Access::Read)
    }

    /// Another connection to the same store.
    ///
    /// # Errors
    /// As opening the store.
    pub fn reconnect(&self, access: Access) -> Result<Self, StoreError> {
        Ok(Self { engine: self.engine.reconnect(access)? })
    }

    /// The store's name for messages: the file path, or a URL without password.
    #[must_use]
    pub fn name(&self) -> &str {
        self.engine.name()
    }

    /// The store's name as a path (what the path-carrying errors hold).
    #[must_use]
    pub fn path(&self) -> &Path {
        Path::new(self.engine.name())
    }

    /// The format of a foreign log read through a mapping (`None`: a
    /// chronicle store with its own hash chain).
    #[must_use]
    pub fn format(&self) -> Option<&str> {
        self.engine.format()
    }

    /// How a foreign log is read (its mapping, as text); `None` for a
    /// chronicle store.
    #[must_use]
    pub fn layout(&self) -> Option<String> {
        self.engine.layout()
    }

    /// What reading a foreign log found wrong but could still show.
    #[must_use]
    pub fn findings(&self) -> Vec<super::backend::Finding> {
        self.engine.findings()
    }

    /// A foreign log's own snapshots table and how many it holds.
    ///
    /// # Errors
    /// Database failures.
    pub fn foreign_snapshots(&self) -> Result<Option<(String, u64)>, StoreError> {
        self.engine.foreign_snapshots()
    }

    /// A foreign log's own latest snapshot of `stream_id` at or below `max_version`.
    ///
    /// # Errors
    /// Database failures.
    pub fn foreign_snapshot(
        &self,
        stream_id: &str,
        max_version: u64,
    ) -> Result<Option<super::backend::ForeignSnapshot>, StoreError> {
        self.engine.foreign_snapshot(stream_id, max_version)
    }

    /// Runs a foreign log's checks now (see [`super::backend::Engine::check`]).
    ///
    /// # Errors
    /// Database failures.
    pub fn check(&self) -> Result<Vec<super::backend::Finding>, StoreError> {
        self.engine.check()
    }

    /// Derived tables a repairing open recreated empty (the caller derives
    /// their content again).
    #[must_use]
    pub fn recreated(&self) -> &[&'static str] {
        self.engine.recreated()
    }

    fn reads(&self) -> &dyn Reads {
        self.engine.reads()
    }

    /// Highest position (0 when the log is empty).
    ///
    /// # Errors
    /// Database failures.
    pub fn head(&self) -> Result<u64, StoreError> {
        self.reads().head()
    }

    /// Whether a foreign log's events carry a computed hash chain (see
    /// [`super::backend::Reads::set_chained`]); returns the setting before.
    #[allow(clippy::must_use_candidate)] // most callers only set it
    pub fn set_chained(&self, on: bool) -> bool {
        self.reads().set_chained(on)
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
        range(self.reads(), from, to)
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
        scan::events(|g| self.reads().scan(from, to, g), f)
    }

    /// Calls `f` for each event with `from <= position <= to`, with the
    /// fields a fold reads borrowed from the engine's row (no allocation per
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
        scan::folds(|g| self.reads().scan_fold(from, to, g), f)
    }

    /// Calls `f` for each event with `from <= position <= to`, with its
    /// fields borrowed from the engine's row: the hash chain's fast path.
    ///
    /// # Errors
    /// Database failures (a value of the wrong type is one), or `f`'s.
    pub fn scan_chain<E: From<StoreError>>(
        &self,
        from: u64,
        to: u64,
        f: impl FnMut(ChainRow<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        scan::chain(|g| self.reads().scan_chain(from, to, g), f)
    }

    /// The stored hash of the last event before `position` (`None` when
    /// there is none).
    ///
    /// # Errors
    /// Database failures.
    pub fn hash_before(&self, position: u64) -> Result<Option<Vec<u8>>, StoreError> {
        self.reads().hash_before(position)
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
        self.reads().stream_events(stream_id, after_version, max_position)
    }

    /// One stream's summary.
    ///
    /// # Errors
    /// Database failures.
    pub fn stream(&self, stream_id: &str) -> Result<Option<StreamInfo>, StoreError> {
        self.reads().stream(stream_id)
    }

    /// Every stream.
    ///
    /// # Errors
    /// Database failures.
    pub fn streams(&self) -> Result<Vec<StreamInfo>, StoreError> {
        self.reads().streams()
    }

    /// Events matching `filter`, at most `limit`.
    ///
    /// # Errors
    /// Database failures.
    pub fn log(&self, filter: &LogFilter, limit: u64) -> Result<Vec<StoredEvent>, StoreError> {
        self.reads().log(filter, limit)
    }

    /// Last position recorded at or before `time` (RFC 3339 UTC text).
    ///
    /// # Errors
    /// Database failures.
    pub fn position_at_time(&self, time: &str) -> Result<u64, StoreError> {
        self.reads().position_at_time(time)
    }

    /// Append-only guards present but no longer as the schema writes them
    /// (their body edited, so UPDATE or DELETE may no longer be refused).
    ///
    /// # Errors
    /// Database failures.
    pub fn altered_triggers(&self) -> Result<Vec<String>, StoreError> {
        Ok(self.engine.guards()?.altered)
    }

    /// Names of the guards of `events` (append-only).
    ///
    /// # Errors
    /// Database failures.
    pub fn event_triggers(&self) -> Result<Vec<String>, StoreError> {
        Ok(self.engine.guards()?.present)
    }

    /// Blocks until the head may have moved past `head`, or `timeout` passes
    /// (a follower's wait; it may wake early).
    ///
    /// # Errors
    /// Database failures.
    pub fn wait_for_append(&self, head: u64, timeout: std::time::Duration) -> Result<(), StoreError> {
        self.engine.wait_for_append(head, timeout)
    }

    /// Runs `f` in THE write transaction: committed if `f` returns `Ok`,
    /// rolled back otherwise. Waits up to the engine's lock timeout for
    /// another writer.
    ///
    /// # Errors
    /// `f`'s error, or a database failure to begin or commit.
    pub fn write<T, E: From<StoreError>>(&mut self, f: impl FnOnce(&mut WriteTx<'_>) -> Result<T, E>) -> Result<T, E> {
        let w = self.engine.begin()?;
        let (head, last_hash) = w.last_link()?;
        let mut tx = WriteTx {
            w,
            head,
            last_hash,
            now: timestamp_now(),
            cache: rows::RowCache::default(),
            streams: HashMap::default(),
        };
        let out = f(&mut tx)?;
        tx.flush_rows()?;
        tx.flush_streams()?;
        tx.w.commit()?;
        Ok(out)
    }
}

/// Events with `from <= position <= to`, collected.
fn range(r: &dyn Reads, from: u64, to: u64) -> Result<Vec<StoredEvent>, StoreError> {
    let mut out = Vec::new();
    r.scan(from, to, &mut |e| {
        out.push(e);
        Ok(())
    })?;
    Ok(out)
}
