//! [`Reads`] over a connection: the same code serves the connection outside
//! any transaction and the write transaction (which sees its own writes).

use rusqlite::Connection;

use super::rows::SqlCache;
use super::{chain, fold, handle, model, range, read, rows};
use crate::es::backend::Reads;
use crate::es::event::{EventRef, StoredEvent};
use crate::es::projection::{Cell, Row, TableSpec};
use crate::es::store::{ChainRow, EventHead, LogFilter, Snapshot, StoreError, StreamInfo};

/// A connection with the statements of its read-model tables.
pub(super) struct Db {
    pub(super) conn: Connection,
    pub(super) sql: SqlCache,
}

impl Db {
    pub(super) fn new(conn: Connection) -> Self {
        Self { conn, sql: SqlCache::default() }
    }
}

/// What [`Reads`] reads through.
pub(super) trait Connected {
    fn conn(&self) -> &Connection;
    fn sql(&self) -> &SqlCache;
}

impl Connected for Db {
    fn conn(&self) -> &Connection {
        &self.conn
    }
    fn sql(&self) -> &SqlCache {
        &self.sql
    }
}

impl<T: Connected> Reads for T {
    fn head(&self) -> Result<u64, StoreError> {
        read::head(self.conn())
    }

    fn scan(
        &self,
        from: u64,
        to: u64,
        f: &mut dyn FnMut(StoredEvent) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        read::scan(self.conn(), from, to, f)
    }

    fn scan_fold(
        &self,
        from: u64,
        to: u64,
        f: &mut dyn FnMut(EventRef<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        fold::range(self.conn(), from, to, f)
    }

    fn scan_chain(
        &self,
        from: u64,
        to: u64,
        f: &mut dyn FnMut(ChainRow<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        chain::scan(self.conn(), from, to, f)
    }

    fn hash_before(&self, position: u64) -> Result<Option<Vec<u8>>, StoreError> {
        chain::hash_before(self.conn(), position)
    }

    fn stream_events(
        &self,
        stream_id: &str,
        after_version: u64,
        max_position: u64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        read::stream_events(self.conn(), stream_id, after_version, max_position)
    }

    fn scan_stream(
        &self,
        stream_id: &str,
        after_version: u64,
        max_position: u64,
        f: &mut dyn FnMut(EventRef<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        fold::stream(self.conn(), stream_id, after_version, max_position, f)
    }

    fn stream(&self, stream_id: &str) -> Result<Option<StreamInfo>, StoreError> {
        read::stream(self.conn(), stream_id)
    }

    fn stored_version(&self, stream_id: &str) -> Result<u64, StoreError> {
        read::stored_version(self.conn(), stream_id)
    }

    fn streams(&self) -> Result<Vec<StreamInfo>, StoreError> {
        read::streams(self.conn())
    }

    fn log(&self, filter: &LogFilter, limit: u64) -> Result<Vec<StoredEvent>, StoreError> {
        read::log(self.conn(), filter, limit)
    }

    fn position_at_time(&self, time: &str) -> Result<u64, StoreError> {
        read::position_at_time(self.conn(), time)
    }

    fn event_position(&self, event_id: &str) -> Result<Option<u64>, StoreError> {
        read::find_event_id(self.conn(), event_id)
    }

    fn command_events(&self, first: u64, command_id: &str) -> Result<Vec<StoredEvent>, StoreError> {
        read::command_events(self.conn(), first, command_id)
    }

    fn snapshot(&self, stream_id: &str, max_position: u64, state_version: u32) -> Result<Option<Snapshot>, StoreError> {
        read::snapshot(self.conn(), stream_id, max_position, state_version)
    }

    fn snapshots(&self) -> Result<Vec<Snapshot>, StoreError> {
        read::snapshots(self.conn())
    }

    fn snapshot_positions(&self) -> Result<Vec<u64>, StoreError> {
        read::snapshot_positions(self.conn())
    }

    fn model_snapshot(
        &self,
        projection: &str,
        tag: &str,
        max_position: u64,
    ) -> Result<Option<(u64, Vec<u8>)>, StoreError> {
        model::latest(self.conn(), projection, tag, max_position)
    }

    fn model_snapshot_list(&self) -> Result<Vec<(String, u64, String)>, StoreError> {
        model::list(self.conn())
    }

    fn checkpoint(&self, projection: &str) -> Result<u64, StoreError> {
        read::checkpoint(self.conn(), projection)
    }

    fn table_rows(&self, spec: &'static TableSpec, offset: u64, limit: u64) -> Result<Vec<Row>, StoreError> {
        rows::table_rows(self.conn(), spec, offset, limit)
    }

    fn table_rows_upto(
        &self,
        spec: &'static TableSpec,
        position_column: &str,
        position: u64,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<Row>, StoreError> {
        rows::table_rows_upto(self.conn(), spec, position_column, position, offset, limit)
    }

    fn scan_table(
        &self,
        spec: &'static TableSpec,
        upto: Option<(&str, u64)>,
        f: &mut dyn FnMut(Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        rows::scan_table(self.conn(), spec, upto, f)
    }

    fn read_model_problem(&self, spec: &TableSpec, applied: u64) -> Result<Option<String>, StoreError> {
        handle::read_model_problem(self.conn(), spec, applied)
    }

    fn table_row(&self, spec: &'static TableSpec, key: &[Cell]) -> Result<Option<Row>, StoreError> {
        rows::table_row(self.conn(), self.sql(), spec, key)
    }

    fn scan_table_between(
        &self,
        spec: &'static TableSpec,
        position_column: &str,
        between: (u64, u64),
        f: &mut dyn FnMut(Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        range::table_between(self.conn(), spec, position_column, between, f)
    }

    fn count_table_between(
        &self,
        spec: &'static TableSpec,
        position_column: &str,
        between: (u64, u64),
    ) -> Result<u64, StoreError> {
        range::count_between(self.conn(), spec, position_column, between)
    }

    fn scan_heads(
        &self,
        after: u64,
        upto: u64,
        f: &mut dyn FnMut(EventHead<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        range::heads(self.conn(), after, upto, f)
    }
}
