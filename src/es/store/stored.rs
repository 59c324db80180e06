//! What the store keeps beside the log, read through the facade:
//! snapshots, projection checkpoints and read-model tables (whole, as of a
//! position, or streamed).

use super::{Snapshot, Store, StoreError, WriteTx};
use crate::es::projection::{Row, TableSpec};

impl Store {
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
        self.reads().snapshot(stream_id, max_position, state_version)
    }

    /// Every stored snapshot.
    ///
    /// # Errors
    /// Database failures.
    pub fn snapshots(&self) -> Result<Vec<Snapshot>, StoreError> {
        self.reads().snapshots()
    }

    /// Positions at which snapshots were taken.
    ///
    /// # Errors
    /// Database failures.
    pub fn snapshot_positions(&self) -> Result<Vec<u64>, StoreError> {
        self.reads().snapshot_positions()
    }

    /// The newest read-model snapshot of `projection` tagged `tag` at or
    /// before `max_position`: its position and body.
    ///
    /// # Errors
    /// Database failures.
    pub fn model_snapshot(
        &self,
        projection: &str,
        tag: &str,
        max_position: u64,
    ) -> Result<Option<(u64, Vec<u8>)>, StoreError> {
        self.reads().model_snapshot(projection, tag, max_position)
    }

    /// Every read-model snapshot's projection, position and tag.
    ///
    /// # Errors
    /// Database failures.
    pub fn model_snapshot_list(&self) -> Result<Vec<(String, u64, String)>, StoreError> {
        self.reads().model_snapshot_list()
    }

    /// A projection's checkpoint (0 = nothing applied).
    ///
    /// # Errors
    /// Database failures.
    pub fn checkpoint(&self, projection: &str) -> Result<u64, StoreError> {
        self.reads().checkpoint(projection)
    }

    /// Rows of a read-model table in key order.
    ///
    /// # Errors
    /// Database failures.
    pub fn table_rows(&self, spec: &'static TableSpec, offset: u64, limit: u64) -> Result<Vec<Row>, StoreError> {
        self.reads().table_rows(spec, offset, limit)
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
        self.reads().table_rows_upto(spec, position_column, position, offset, limit)
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
        self.reads().scan_table(spec, upto, f)
    }
}

impl WriteTx<'_> {
    /// As [`Store::model_snapshot`], inside this transaction (which sees the
    /// read-model snapshots it saved).
    ///
    /// # Errors
    /// Database failures.
    pub fn model_snapshot(
        &self,
        projection: &str,
        tag: &str,
        max_position: u64,
    ) -> Result<Option<(u64, Vec<u8>)>, StoreError> {
        self.reads().model_snapshot(projection, tag, max_position)
    }
}
