//! [`Reads`] for the session (outside a transaction, or inside a read
//! transaction) and for the write transaction, which writes what it has
//! buffered before every read so the read sees it.

use super::conn::Conn;
use super::write::Tx;
use crate::es::StoreError;
use crate::es::backend::Reads;
use crate::es::event::{EventRef, StoredEvent};
use crate::es::projection::{Cell, Row, TableSpec};
use crate::es::store::{ChainRow, EventHead, LogFilter, Snapshot, StreamInfo};

/// Implements [`Reads`] for `$ty` by calling the session's reads on the
/// [`Conn`] that `$conn` yields from `$s` (= `self`).
macro_rules! reads_via {
    ($ty:ty, |$s:ident| $conn:expr) => {
        impl Reads for $ty {
            fn head(&self) -> Result<u64, StoreError> {
                let $s = self;
                $conn.head()
            }
            fn scan(
                &self,
                from: u64,
                to: u64,
                f: &mut dyn FnMut(StoredEvent) -> Result<(), StoreError>,
            ) -> Result<(), StoreError> {
                let $s = self;
                $conn.scan(from, to, f)
            }
            fn scan_fold(
                &self,
                from: u64,
                to: u64,
                f: &mut dyn FnMut(EventRef<'_>) -> Result<(), StoreError>,
            ) -> Result<(), StoreError> {
                let $s = self;
                $conn.scan_fold(from, to, f)
            }
            fn scan_chain(
                &self,
                from: u64,
                to: u64,
                f: &mut dyn FnMut(ChainRow<'_>) -> Result<(), StoreError>,
            ) -> Result<(), StoreError> {
                let $s = self;
                $conn.scan_chain(from, to, f)
            }
            fn last_link(&self) -> Result<(u64, [u8; 32]), StoreError> {
                let $s = self;
                $conn.last_link()
            }
            fn hash_before(&self, position: u64) -> Result<Option<Vec<u8>>, StoreError> {
                let $s = self;
                $conn.hash_before(position)
            }
            fn stream_events(&self, stream_id: &str, after: u64, max: u64) -> Result<Vec<StoredEvent>, StoreError> {
                let $s = self;
                $conn.stream_events(stream_id, after, max)
            }
            fn scan_stream(
                &self,
                stream_id: &str,
                after: u64,
                max: u64,
                f: &mut dyn FnMut(EventRef<'_>) -> Result<(), StoreError>,
            ) -> Result<(), StoreError> {
                let $s = self;
                $conn.scan_stream(stream_id, after, max, f)
            }
            fn stream(&self, stream_id: &str) -> Result<Option<StreamInfo>, StoreError> {
                let $s = self;
                $conn.stream(stream_id)
            }
            fn stored_version(&self, stream_id: &str) -> Result<u64, StoreError> {
                let $s = self;
                $conn.stored_version(stream_id)
            }
            fn streams_of(&self, stream_ids: &[&str]) -> Result<Vec<(Option<StreamInfo>, u64)>, StoreError> {
                let $s = self;
                $conn.streams_of(stream_ids)
            }
            fn streams(&self) -> Result<Vec<StreamInfo>, StoreError> {
                let $s = self;
                $conn.streams()
            }
            fn log(&self, filter: &LogFilter, limit: u64) -> Result<Vec<StoredEvent>, StoreError> {
                let $s = self;
                $conn.log(filter, limit)
            }
            fn position_at_time(&self, time: &str) -> Result<u64, StoreError> {
                let $s = self;
                $conn.position_at_time(time)
            }
            fn event_position(&self, event_id: &str) -> Result<Option<u64>, StoreError> {
                let $s = self;
                $conn.event_position(event_id)
            }
            fn command_events(&self, first: u64, command_id: &str) -> Result<Vec<StoredEvent>, StoreError> {
                let $s = self;
                $conn.command_events(first, command_id)
            }
            fn snapshot(&self, stream_id: &str, max: u64, state_version: u32) -> Result<Option<Snapshot>, StoreError> {
                let $s = self;
                $conn.snapshot(stream_id, max, state_version)
            }
            fn snapshots(&self) -> Result<Vec<Snapshot>, StoreError> {
                let $s = self;
                $conn.snapshots()
            }
            fn snapshot_positions(&self) -> Result<Vec<u64>, StoreError> {
                let $s = self;
                $conn.snapshot_positions()
            }
            fn model_snapshot(
                &self,
                projection: &str,
                tag: &str,
                max: u64,
            ) -> Result<Option<(u64, Vec<u8>)>, StoreError> {
                let $s = self;
                $conn.model_snapshot(projection, tag, max)
            }
            fn model_snapshot_list(&self) -> Result<Vec<(String, u64, String)>, StoreError> {
                let $s = self;
                $conn.model_snapshot_list()
            }
            fn checkpoint(&self, projection: &str) -> Result<u64, StoreError> {
                Ok(self.checkpoints(&[projection])?.first().copied().unwrap_or(0))
            }
            fn checkpoints(&self, projections: &[&str]) -> Result<Vec<u64>, StoreError> {
                if let Some(known) = self.known_checkpoints(projections) {
                    return Ok(known);
                }
                let $s = self;
                let read = $conn.checkpoints(projections)?;
                self.learn_checkpoints(projections, &read);
                Ok(read)
            }
            fn table_rows(&self, spec: &'static TableSpec, offset: u64, limit: u64) -> Result<Vec<Row>, StoreError> {
                let $s = self;
                $conn.table_rows(spec, offset, limit)
            }
            fn table_rows_upto(
                &self,
                spec: &'static TableSpec,
                position_column: &str,
                position: u64,
                offset: u64,
                limit: u64,
            ) -> Result<Vec<Row>, StoreError> {
                let $s = self;
                $conn.table_rows_upto(spec, position_column, position, offset, limit)
            }
            fn scan_table(
                &self,
                spec: &'static TableSpec,
                upto: Option<(&str, u64)>,
                f: &mut dyn FnMut(Row) -> Result<(), StoreError>,
            ) -> Result<(), StoreError> {
                let $s = self;
                $conn.scan_table(spec, upto, f)
            }
            fn read_model_problem(&self, spec: &TableSpec, applied: u64) -> Result<Option<String>, StoreError> {
                let $s = self;
                $conn.read_model_problem(spec, applied)
            }
            fn table_row(&self, spec: &'static TableSpec, key: &[Cell]) -> Result<Option<Row>, StoreError> {
                let $s = self;
                $conn.table_row(spec, key)
            }
            fn scan_table_between(
                &self,
                spec: &'static TableSpec,
                position_column: &str,
                between: (u64, u64),
                f: &mut dyn FnMut(Row) -> Result<(), StoreError>,
            ) -> Result<(), StoreError> {
                let $s = self;
                $conn.scan_table_between(spec, position_column, between, f)
            }
            fn count_table_between(
                &self,
                spec: &'static TableSpec,
                position_column: &str,
                between: (u64, u64),
            ) -> Result<u64, StoreError> {
                let $s = self;
                $conn.count_table_between(spec, position_column, between)
            }
            fn scan_heads(
                &self,
                after: u64,
                upto: u64,
                f: &mut dyn FnMut(EventHead<'_>) -> Result<(), StoreError>,
            ) -> Result<(), StoreError> {
                let $s = self;
                $conn.scan_heads(after, upto, f)
            }
        }
    };
}

/// Outside a write transaction checkpoints are always read: another
/// session may move them.
impl Conn {
    #[allow(clippy::unused_self)]
    fn known_checkpoints(&self, _projections: &[&str]) -> Option<Vec<u64>> {
        None
    }

    #[allow(clippy::unused_self)]
    fn learn_checkpoints(&self, _projections: &[&str], _read: &[u64]) {}
}

reads_via!(Conn, |s| s);
reads_via!(Tx<'_>, |s| {
    s.flush()?;
    s.conn
});
