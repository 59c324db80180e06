//! The reads an aggregate needs, through the store or a write transaction.

use super::{Snapshot, Store, StoreError, WriteTx, scan};
use crate::es::backend::Reads;
use crate::es::event::{EventRef, StoredEvent};

/// Reads an aggregate needs, from the store or from inside a write
/// transaction (which sees its own uncommitted appends). Sealed: implemented
/// by [`Store`] and [`WriteTx`] only.
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
        self.reader().stream_events(stream_id, after_version, max_position)
    }
    /// As [`Self::read_stream`], streaming the fields a fold reads, borrowed
    /// from the engine's row (no allocation per event).
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
        scan::folds(|g| self.reader().scan_stream(stream_id, after_version, max_position, g), f)
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
        self.reader().snapshot(stream_id, max_position, state_version)
    }
}

mod sealed {
    /// The reads a reader reads through (not nameable outside the store).
    pub trait Connected {
        fn reader(&self) -> &dyn crate::es::backend::Reads;
    }
}

impl sealed::Connected for Store {
    fn reader(&self) -> &dyn Reads {
        self.reads()
    }
}

impl sealed::Connected for WriteTx<'_> {
    fn reader(&self) -> &dyn Reads {
        self.reads()
    }
}

impl StreamReader for Store {}
impl StreamReader for WriteTx<'_> {}
