//! The write transaction: appends with idempotency, expected versions and the
//! hash chain; snapshots; checkpoints; read-model rows (see `rows.rs`).

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use rusqlite::{Transaction, params};

use super::read::{self, Snapshot, StreamInfo, to_i64};
use super::rows::RowCache;
use super::{ConflictError, StoreError};
use crate::es::event::{StoredEvent, StreamAppend};
use crate::es::hash::{self, HashInput};

/// What an append did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// The events as stored, in position order (empty for a duplicate).
    pub events: Vec<StoredEvent>,
    /// Positions of the batch's events, in the order given (for a duplicate:
    /// where they were already stored).
    pub positions: Vec<u64>,
    /// Whether every event was already stored (nothing was appended).
    pub duplicate: bool,
}

/// An open `BEGIN IMMEDIATE` transaction holding the store's write lock.
/// Dropping it without [`crate::es::Store::write`] returning `Ok` rolls back.
pub struct WriteTx<'c> {
    pub(super) tx: Transaction<'c>,
    pub(super) head: u64,
    pub(super) last_hash: [u8; 32],
    pub(super) now: String,
    pub(super) cache: RowCache,
    pub(super) streams: HashMap<String, StreamInfo>,
}

impl std::fmt::Debug for WriteTx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteTx").field("head", &self.head).finish_non_exhaustive()
    }
}

impl WriteTx<'_> {
    /// The head position inside this transaction.
    #[must_use]
    pub fn head(&self) -> u64 {
        self.head
    }

    /// The timestamp events appended without one receive.
    #[must_use]
    pub fn now(&self) -> &str {
        &self.now
    }

    /// Appends `batch` atomically (with the rest of the transaction).
    ///
    /// Idempotent: if every event id is stored already, nothing is appended
    /// and their positions are returned; if only some are, the batch is
    /// refused whole.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when a stream is not at the expected version,
    /// [`StoreError::StreamType`], [`StoreError::PartialDuplicate`],
    /// [`StoreError::DuplicateInBatch`], or a database failure. On error the
    /// caller must let the transaction roll back.
    pub fn append(&mut self, batch: Vec<StreamAppend>) -> Result<Appended, StoreError> {
        if let Some(dup) = self.check_ids(&batch)? {
            return Ok(dup);
        }
        self.insert(batch)
    }

    /// Appends events whose ids were just generated (random UUIDs) and so
    /// cannot be stored already: skips the idempotency look-ups. A duplicate
    /// id still fails, on the table's UNIQUE constraint.
    ///
    /// # Errors
    /// As [`WriteTx::append`].
    pub fn append_fresh(&mut self, batch: Vec<StreamAppend>) -> Result<Appended, StoreError> {
        self.insert(batch)
    }

    /// `Some` when every event of the batch is stored already.
    fn check_ids(&self, batch: &[StreamAppend]) -> Result<Option<Appended>, StoreError> {
        let total: usize = batch.iter().map(|s| s.events.len()).sum();
        let mut seen = HashSet::with_capacity_and_hasher(total, rustc_hash::FxBuildHasher);
        let mut existing = Vec::new();
        for e in batch.iter().flat_map(|s| &s.events) {
            if !seen.insert(e.event_id.as_str()) {
                return Err(StoreError::DuplicateInBatch(e.event_id.clone()));
            }
            if let Some(p) = read::find_event_id(&self.tx, &e.event_id)? {
                existing.push((e.event_id.clone(), p));
            }
        }
        drop(seen);
        if total > 0 && existing.len() == total {
            let positions = existing.into_iter().map(|e| e.1).collect();
            return Ok(Some(Appended { events: Vec::new(), positions, duplicate: true }));
        }
        if let Some((event_id, position)) = existing.into_iter().next() {
            return Err(StoreError::PartialDuplicate { event_id, position });
        }
        Ok(None)
    }

    fn insert(&mut self, batch: Vec<StreamAppend>) -> Result<Appended, StoreError> {
        let total: usize = batch.iter().map(|s| s.events.len()).sum();
        let mut stored = Vec::with_capacity(total);
        for sa in batch {
            let info = self.stream(&sa.stream_id)?;
            let actual = info.as_ref().map_or(0, |i| i.version);
            if let Some(i) = &info
                && i.stream_type != sa.stream_type
            {
                return Err(StoreError::StreamType {
                    stream_id: sa.stream_id,
                    expected: sa.stream_type,
                    actual: i.stream_type.clone(),
                });
            }
            if !sa.expected.accepts(actual) {
                return Err(ConflictError { stream_id: sa.stream_id, expected: sa.expected, actual }.into());
            }
            let mut info = info.unwrap_or(StreamInfo {
                stream_id: sa.stream_id.clone(),
                stream_type: sa.stream_type.clone(),
                version: 0,
                first_position: self.head + 1,
                last_position: 0,
            });
            if sa.events.is_empty() {
                continue;
            }
            let mut insert = self.tx.prepare_cached(include_str!("sql/insert_event.sql"))?;
            for e in sa.events {
                let ev = StoredEvent {
                    position: self.head + 1,
                    event_id: e.event_id,
                    stream_id: sa.stream_id.clone(),
                    stream_type: sa.stream_type.clone(),
                    version: info.version + 1,
                    event_type: e.event_type,
                    schema_version: e.schema_version,
                    payload: e.payload,
                    metadata: e.metadata,
                    recorded_at: e.recorded_at.unwrap_or_else(|| self.now.clone()),
                    hash: [0; 32],
                };
                let ev = StoredEvent { hash: hash::link(&self.last_hash, HashInput::from(&ev)), ..ev };
                insert.execute(params![
                    to_i64(ev.position),
                    ev.event_id,
                    ev.stream_id,
                    ev.stream_type,
                    to_i64(ev.version),
                    ev.event_type,
                    ev.schema_version,
                    ev.payload,
                    ev.metadata,
                    ev.recorded_at,
                    &ev.hash[..],
                ])?;
                self.head = ev.position;
                self.last_hash = ev.hash;
                info.version = ev.version;
                info.last_position = ev.position;
                stored.push(ev);
            }
            drop(insert);
            self.tx.prepare_cached(include_str!("sql/upsert_stream.sql"))?.execute(params![
                info.stream_id,
                info.stream_type,
                to_i64(info.version),
                to_i64(info.first_position),
                to_i64(info.last_position),
            ])?;
            self.streams.insert(sa.stream_id, info);
        }
        stored.sort_by_key(|e| e.position);
        let positions = stored.iter().map(|e| e.position).collect();
        Ok(Appended { events: stored, positions, duplicate: false })
    }

    /// Calls `f` for every event with `from <= position <= to` (as seen inside
    /// this transaction).
    ///
    /// # Errors
    /// Database failures, or `f`'s.
    pub fn scan<E: From<StoreError>>(
        &self,
        from: u64,
        to: u64,
        f: impl FnMut(StoredEvent) -> Result<(), E>,
    ) -> Result<(), E> {
        read::scan(&self.tx, from, to, f)
    }

    /// Events with `from <= position <= to` inside this transaction; callers
    /// keep the range bounded.
    ///
    /// # Errors
    /// Database failures.
    pub fn read_range(&self, from: u64, to: u64) -> Result<Vec<StoredEvent>, StoreError> {
        read::range(&self.tx, from, to)
    }

    /// Position of the event with `event_id`, if stored.
    ///
    /// # Errors
    /// Database failures.
    pub fn event_position(&self, event_id: &str) -> Result<Option<u64>, StoreError> {
        read::find_event_id(&self.tx, event_id)
    }

    /// The events one command recorded, the first at `first`.
    ///
    /// # Errors
    /// Database failures.
    pub fn command_events(&self, first: u64, command_id: &str) -> Result<Vec<StoredEvent>, StoreError> {
        read::command_events(&self.tx, first, command_id)
    }

    /// One stream's summary inside this transaction.
    ///
    /// # Errors
    /// Database failures.
    pub fn stream(&mut self, stream_id: &str) -> Result<Option<StreamInfo>, StoreError> {
        if let Some(info) = self.streams.get(stream_id) {
            return Ok(Some(info.clone()));
        }
        let info = read::stream(&self.tx, stream_id)?;
        if let Some(i) = &info {
            self.streams.insert(stream_id.to_owned(), i.clone());
        }
        Ok(info)
    }

    /// Stores a snapshot (replacing one of the same stream and version).
    ///
    /// # Errors
    /// Database failures.
    pub fn save_snapshot(&self, s: &Snapshot) -> Result<(), StoreError> {
        self.tx.prepare_cached(include_str!("sql/insert_snapshot.sql"))?.execute(params![
            s.stream_id,
            to_i64(s.version),
            s.stream_type,
            to_i64(s.position),
            s.state_version,
            s.state,
        ])?;
        Ok(())
    }

    /// A projection's checkpoint.
    ///
    /// # Errors
    /// Database failures.
    pub fn checkpoint(&self, projection: &str) -> Result<u64, StoreError> {
        read::checkpoint(&self.tx, projection)
    }

    /// Sets a projection's checkpoint (flushing its pending rows first, so
    /// rows and checkpoint always move together).
    ///
    /// # Errors
    /// Database failures.
    pub fn set_checkpoint(&mut self, projection: &str, position: u64) -> Result<(), StoreError> {
        self.flush_rows()?;
        self.tx
            .prepare_cached(
                "INSERT INTO checkpoints (projection, position) VALUES (?1, ?2) \
                 ON CONFLICT (projection) DO UPDATE SET position = excluded.position",
            )?
            .execute(params![projection, to_i64(position)])?;
        Ok(())
    }
}
