//! A foreign log that grows while it is followed: [`Log`] behind a
//! `RefCell`, every read borrowing it for its duration.

use std::cell::RefCell;

use super::log::Log;
use crate::es::backend::Reads;
use crate::es::event::{EventRef, StoredEvent};
use crate::es::projection::{Cell, Row, TableSpec};
use crate::es::store::{ChainRow, LogFilter, Snapshot, StoreError, StreamInfo};

impl Reads for RefCell<Log> {
    fn head(&self) -> Result<u64, StoreError> {
        self.borrow().head()
    }

    fn scan(
        &self,
        from: u64,
        to: u64,
        f: &mut dyn FnMut(StoredEvent) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.borrow().scan(from, to, f)
    }

    fn scan_fold(
        &self,
        from: u64,
        to: u64,
        f: &mut dyn FnMut(EventRef<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.borrow().scan_fold(from, to, f)
    }

    fn scan_chain(
        &self,
        from: u64,
        to: u64,
        f: &mut dyn FnMut(ChainRow<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.borrow().scan_chain(from, to, f)
    }

    fn hash_before(&self, position: u64) -> Result<Option<Vec<u8>>, StoreError> {
        self.borrow().hash_before(position)
    }

    fn stream_events(
        &self,
        stream_id: &str,
        after_version: u64,
        max_position: u64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        self.borrow().stream_events(stream_id, after_version, max_position)
    }

    fn scan_stream(
        &self,
        stream_id: &str,
        after_version: u64,
        max_position: u64,
        f: &mut dyn FnMut(EventRef<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.borrow().scan_stream(stream_id, after_version, max_position, f)
    }

    fn stream(&self, stream_id: &str) -> Result<Option<StreamInfo>, StoreError> {
        self.borrow().stream(stream_id)
    }

    fn stored_version(&self, stream_id: &str) -> Result<u64, StoreError> {
        self.borrow().stored_version(stream_id)
    }

    fn streams(&self) -> Result<Vec<StreamInfo>, StoreError> {
        self.borrow().streams()
    }

    fn log(&self, filter: &LogFilter, limit: u64) -> Result<Vec<StoredEvent>, StoreError> {
        self.borrow().log(filter, limit)
    }

    fn position_at_time(&self, time: &str) -> Result<u64, StoreError> {
        self.borrow().position_at_time(time)
    }

    fn event_position(&self, event_id: &str) -> Result<Option<u64>, StoreError> {
        self.borrow().event_position(event_id)
    }

    fn command_events(&self, first: u64, command_id: &str) -> Result<Vec<StoredEvent>, StoreError> {
        self.borrow().command_events(first, command_id)
    }

    fn snapshot(&self, a0: &str, a1: u64, a2: u32) -> Result<Option<Snapshot>, StoreError> {
        self.borrow().snapshot(a0, a1, a2)
    }

    fn snapshots(&self) -> Result<Vec<Snapshot>, StoreError> {
        self.borrow().snapshots()
    }

    fn snapshot_positions(&self) -> Result<Vec<u64>, StoreError> {
        self.borrow().snapshot_positions()
    }

    fn checkpoint(&self, a0: &str) -> Result<u64, StoreError> {
        self.borrow().checkpoint(a0)
    }

    fn table_rows(&self, a0: &'static TableSpec, a1: u64, a2: u64) -> Result<Vec<Row>, StoreError> {
        self.borrow().table_rows(a0, a1, a2)
    }

    fn table_rows_upto(
        &self,
        a0: &'static TableSpec,
        a1: &str,
        a2: u64,
        a3: u64,
        a4: u64,
    ) -> Result<Vec<Row>, StoreError> {
        self.borrow().table_rows_upto(a0, a1, a2, a3, a4)
    }

    fn scan_table(
        &self,
        a0: &'static TableSpec,
        a1: Option<(&str, u64)>,
        a2: &mut dyn FnMut(Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.borrow().scan_table(a0, a1, a2)
    }

    fn read_model_problem(&self, a0: &TableSpec, a1: u64) -> Result<Option<String>, StoreError> {
        self.borrow().read_model_problem(a0, a1)
    }

    fn table_row(&self, a0: &'static TableSpec, a1: &[Cell]) -> Result<Option<Row>, StoreError> {
        self.borrow().table_row(a0, a1)
    }
}
