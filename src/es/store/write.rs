//! The write transaction: appends with idempotency, expected versions and the
//! hash chain; snapshots; checkpoints; read-model rows (see `rows.rs`).

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

mod ids;
mod put;
mod streams;
#[cfg(test)]
mod tests;

pub use put::Link;
use put::{CachedStream, Put, put, vanished};

use super::read::{Snapshot, StreamInfo};
use super::rows::RowCache;
use super::{ConflictError, StoreError};
use crate::es::backend::{Reads, Writes};
use crate::es::event::{ExpectedVersion, PendingEvent, StoredEvent, StreamAppend};

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

/// An open write transaction holding the store's write lock.
/// Dropping it without [`crate::es::Store::write`] returning `Ok` rolls back.
pub struct WriteTx<'c> {
    pub(super) w: Box<dyn Writes + 'c>,
    pub(super) head: u64,
    pub(super) last_hash: [u8; 32],
    pub(super) now: String,
    pub(super) cache: RowCache,
    pub(super) streams: HashMap<String, CachedStream>,
}

impl std::fmt::Debug for WriteTx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteTx").field("head", &self.head).finish_non_exhaustive()
    }
}

impl WriteTx<'_> {
    /// Reads inside this transaction.
    pub(super) fn reads(&self) -> &dyn Reads {
        &*self.w
    }

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
    /// Idempotent: if every event of the batch is stored already, nothing is
    /// appended and their positions are returned (`duplicate`); if only some
    /// are, the batch is refused whole. An event id names one event: one
    /// stored with other content is a conflict, never "already stored".
    /// The same event means the same stream id and type, event type, schema
    /// version, payload and metadata (as text, byte for byte), and the same
    /// `recorded_at` when the append gives one; position, version and hash
    /// are assigned by the store and not compared.
    ///
    /// # Errors
    /// [`StoreError::EventIdConflict`] when an id is stored with other
    /// content, [`StoreError::Conflict`] when a stream is not at the expected
    /// version, [`StoreError::StreamType`], [`StoreError::PartialDuplicate`],
    /// [`StoreError::DuplicateInBatch`], or a database failure. On error the
    /// caller must let the transaction roll back.
    pub fn append(&mut self, batch: Vec<StreamAppend>) -> Result<Appended, StoreError> {
        if let Some(dup) = self.check_ids(&batch)? {
            return Ok(dup);
        }
        self.insert(batch)
    }

    /// Appends events whose ids were just generated (random UUIDs) and so
    /// cannot be stored already: skips the idempotency look-ups. A stored id
    /// still fails (on the table's UNIQUE constraint), typed: with other
    /// content [`StoreError::EventIdConflict`], the same event
    /// [`StoreError::PartialDuplicate`] (a retry must go through
    /// [`WriteTx::append`], which is idempotent).
    ///
    /// # Errors
    /// As [`WriteTx::append`].
    pub fn append_fresh(&mut self, batch: Vec<StreamAppend>) -> Result<Appended, StoreError> {
        self.insert(batch)
    }

    /// Appends one event whose id is new (as [`WriteTx::append_fresh`]: no
    /// idempotency look-up; a stored id is a typed error)
    /// without building a [`StoredEvent`]: for bulk appends that keep their
    /// own copy of the event. An event without `recorded_at` gets
    /// [`WriteTx::now`].
    ///
    /// # Errors
    /// As [`WriteTx::append`].
    pub fn append_one(
        &mut self,
        stream_id: &str,
        stream_type: &str,
        expected: ExpectedVersion,
        e: &PendingEvent,
    ) -> Result<Link, StoreError> {
        self.check_stream(stream_id, stream_type, expected)?;
        let stream = self.streams.get_mut(stream_id).ok_or_else(|| vanished(stream_id))?;
        let put = put(
            &mut *self.w,
            &mut self.head,
            &mut self.last_hash,
            stream,
            Put {
                stream_id,
                stream_type,
                event_id: &e.event_id,
                event_type: &e.event_type,
                schema_version: e.schema_version,
                payload: &e.payload,
                metadata: &e.metadata,
                recorded_at: e.recorded_at.as_deref().unwrap_or(&self.now),
            },
        );
        put.map_err(|err| ids::typed_insert_error(&*self.w, err, stream_id, stream_type, e))
    }

    /// `Some` when every event of the batch is stored already (the same
    /// events: see [`WriteTx::append`]).
    fn check_ids(&self, batch: &[StreamAppend]) -> Result<Option<Appended>, StoreError> {
        let total: usize = batch.iter().map(|s| s.events.len()).sum();
        let mut seen = HashSet::with_capacity_and_hasher(total, rustc_hash::FxBuildHasher);
        let mut existing = Vec::new();
        for sa in batch {
            for e in &sa.events {
                if !seen.insert(e.event_id.as_str()) {
                    return Err(StoreError::DuplicateInBatch(e.event_id.clone()));
                }
                match self.stored_id(&sa.stream_id, &sa.stream_type, e)? {
                    Some((position, Some(field))) => {
                        return Err(StoreError::EventIdConflict { event_id: e.event_id.clone(), position, field });
                    }
                    Some((position, None)) => existing.push((e.event_id.clone(), position)),
                    None => {}
                }
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
        self.prefetch_streams(batch.iter().map(|sa| (sa.stream_id.as_str(), sa.stream_type.as_str())))?;
        let mut stored = Vec::with_capacity(total);
        for sa in batch {
            self.check_stream(&sa.stream_id, &sa.stream_type, sa.expected)?;
            if sa.events.is_empty() {
                continue;
            }
            let stream = self.streams.get_mut(sa.stream_id.as_str()).ok_or_else(|| vanished(&sa.stream_id))?;
            for mut e in sa.events {
                let given = e.recorded_at.is_some();
                let recorded_at = e.recorded_at.take().unwrap_or_else(|| self.now.clone());
                let put = put(
                    &mut *self.w,
                    &mut self.head,
                    &mut self.last_hash,
                    stream,
                    Put {
                        stream_id: &sa.stream_id,
                        stream_type: &sa.stream_type,
                        event_id: &e.event_id,
                        event_type: &e.event_type,
                        schema_version: e.schema_version,
                        payload: &e.payload,
                        metadata: &e.metadata,
                        recorded_at: &recorded_at,
                    },
                );
                let link = match put {
                    Ok(link) => link,
                    Err(err) => {
                        e.recorded_at = given.then_some(recorded_at);
                        return Err(ids::typed_insert_error(&*self.w, err, &sa.stream_id, &sa.stream_type, &e));
                    }
                };
                stored.push(StoredEvent {
                    position: link.position,
                    event_id: e.event_id,
                    stream_id: sa.stream_id.clone(),
                    stream_type: sa.stream_type.clone(),
                    version: link.version,
                    event_type: e.event_type,
                    schema_version: e.schema_version,
                    payload: e.payload,
                    metadata: e.metadata,
                    recorded_at,
                    hash: link.hash,
                });
            }
        }
        stored.sort_by_key(|e| e.position);
        let positions = stored.iter().map(|e| e.position).collect();
        Ok(Appended { events: stored, positions, duplicate: false })
    }

    /// Checks that `stream_id` may take events of `stream_type` at `expected`,
    /// and caches its summary (version 0 for a stream yet to be written).
    fn check_stream(
        &mut self,
        stream_id: &str,
        stream_type: &str,
        expected: ExpectedVersion,
    ) -> Result<(), StoreError> {
        if !self.streams.contains_key(stream_id) {
            let (info, stored) = self.stream_of(stream_id)?;
            let info = info.unwrap_or_else(|| StreamInfo {
                stream_id: stream_id.to_owned(),
                stream_type: stream_type.to_owned(),
                version: 0,
                first_position: 0,
                last_position: 0,
            });
            super::handle::check_stored_version(stream_id, info.version, stored)?;
            self.streams.insert(stream_id.to_owned(), CachedStream { info, dirty: false });
        }
        let info = &self.streams.get(stream_id).ok_or_else(|| vanished(stream_id))?.info;
        let actual = info.version;
        if actual > 0 && info.stream_type != stream_type {
            return Err(StoreError::StreamType {
                stream_id: stream_id.to_owned(),
                expected: stream_type.to_owned(),
                actual: info.stream_type.clone(),
            });
        }
        if !expected.accepts(actual) {
            return Err(ConflictError { stream_id: stream_id.to_owned(), expected, actual }.into());
        }
        Ok(())
    }

    /// Writes the summaries of the streams appended to in this transaction
    /// (once per stream, however many events it received).
    ///
    /// # Errors
    /// Database failures.
    pub fn flush_streams(&mut self) -> Result<(), StoreError> {
        for s in self.streams.values_mut().filter(|s| s.dirty) {
            self.w.upsert_stream(&s.info)?;
            s.dirty = false;
        }
        Ok(())
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
        super::scan::events(|g| self.w.scan(from, to, g), f)
    }

    /// Events with `from <= position <= to` inside this transaction; callers
    /// keep the range bounded.
    ///
    /// # Errors
    /// Database failures.
    pub fn read_range(&self, from: u64, to: u64) -> Result<Vec<StoredEvent>, StoreError> {
        super::range(&*self.w, from, to)
    }

    /// Calls `f` with the fields a fold reads of each event with
    /// `from <= position <= to`, borrowed (see `Store::scan_fold`).
    ///
    /// # Errors
    /// Database failures, or `f`'s.
    pub fn scan_fold<E: From<StoreError>>(
        &self,
        from: u64,
        to: u64,
        f: impl FnMut(crate::es::EventRef<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        super::scan::folds(|g| self.w.scan_fold(from, to, g), f)
    }

    /// Position of the event with `event_id`, if stored.
    ///
    /// # Errors
    /// Database failures.
    pub fn event_position(&self, event_id: &str) -> Result<Option<u64>, StoreError> {
        self.w.event_position(event_id)
    }

    /// The events one command recorded, the first at `first`.
    ///
    /// # Errors
    /// Database failures.
    pub fn command_events(&self, first: u64, command_id: &str) -> Result<Vec<StoredEvent>, StoreError> {
        self.w.command_events(first, command_id)
    }

    /// One stream's summary inside this transaction.
    ///
    /// # Errors
    /// Database failures.
    pub fn stream(&mut self, stream_id: &str) -> Result<Option<StreamInfo>, StoreError> {
        Ok(self.stream_ref(stream_id)?.cloned())
    }

    /// One stream's summary inside this transaction, borrowed.
    ///
    /// # Errors
    /// Database failures.
    pub fn stream_ref(&mut self, stream_id: &str) -> Result<Option<&StreamInfo>, StoreError> {
        if !self.streams.contains_key(stream_id) {
            let (info, stored) = self.stream_of(stream_id)?;
            super::handle::check_stored_version(stream_id, info.as_ref().map_or(0, |i| i.version), stored)?;
            let Some(info) = info else { return Ok(None) };
            self.streams.insert(stream_id.to_owned(), CachedStream { info, dirty: false });
        }
        Ok(self.streams.get(stream_id).map(|s| &s.info).filter(|i| i.version > 0))
    }

    /// Stores a snapshot (replacing one of the same stream and version).
    ///
    /// # Errors
    /// Database failures.
    pub fn save_snapshot(&mut self, s: &Snapshot) -> Result<(), StoreError> {
        self.w.save_snapshot(s)
    }

    /// Stores `projection`'s read-model snapshot at `position` (see
    /// [`super::super::backend::Writes::save_model_snapshot`]).
    ///
    /// # Errors
    /// Database failures.
    pub fn save_model_snapshot(
        &mut self,
        projection: &str,
        position: u64,
        tag: &str,
        body: &[u8],
    ) -> Result<(), StoreError> {
        self.w.save_model_snapshot(projection, position, tag, body)
    }

    /// Deletes every read-model snapshot of `projection`.
    ///
    /// # Errors
    /// Database failures.
    pub fn clear_model_snapshots(&mut self, projection: &str) -> Result<(), StoreError> {
        self.w.clear_model_snapshots(projection)
    }

    /// A projection's checkpoint.
    ///
    /// # Errors
    /// Database failures.
    pub fn checkpoint(&self, projection: &str) -> Result<u64, StoreError> {
        self.w.checkpoint(projection)
    }

    /// Several projections' checkpoints, in the order given.
    ///
    /// # Errors
    /// Database failures.
    pub fn checkpoints(&self, projections: &[&str]) -> Result<Vec<u64>, StoreError> {
        self.w.checkpoints(projections)
    }

    /// Sets a projection's checkpoint (flushing its pending rows first, so
    /// rows and checkpoint always move together).
    ///
    /// # Errors
    /// Database failures.
    pub fn set_checkpoint(&mut self, projection: &str, position: u64) -> Result<(), StoreError> {
        self.flush_rows()?;
        self.w.set_checkpoint(projection, position)
    }
}
