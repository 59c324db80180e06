//! [`Writes`]: the `BEGIN IMMEDIATE` transaction, storing what the facade
//! hands it (rows checked and hash-linked already).

use rusqlite::{Connection, Transaction, params};

use super::error::insert_error;
use super::read::to_i64;
use super::reads::Connected;
use super::rows::{self, SqlCache};
use super::{handle, model};
use crate::es::backend::{EventRow, Writes};
use crate::es::projection::{Key, Row, TableSpec};
use crate::es::store::{Snapshot, StoreError, StreamInfo};

/// The write transaction (rolled back when dropped uncommitted).
pub(super) struct SqliteTx<'c> {
    tx: Transaction<'c>,
    sql: &'c SqlCache,
}

impl<'c> SqliteTx<'c> {
    pub(super) fn new(tx: Transaction<'c>, sql: &'c SqlCache) -> Self {
        Self { tx, sql }
    }
}

impl Connected for SqliteTx<'_> {
    fn conn(&self) -> &Connection {
        &self.tx
    }
    fn sql(&self) -> &SqlCache {
        self.sql
    }
}

impl Writes for SqliteTx<'_> {
    fn insert_event(&mut self, e: &EventRow<'_>) -> Result<(), StoreError> {
        let mut insert = self.tx.prepare_cached(include_str!("sql/insert_event.sql"))?;
        insert
            .execute(params![
                to_i64(e.position),
                e.event_id,
                e.stream_id,
                e.stream_type,
                to_i64(e.version),
                e.event_type,
                e.schema_version,
                e.payload,
                e.metadata,
                e.recorded_at,
                &e.hash[..],
            ])
            .map_err(|err| insert_error(err, e.event_id, e.stream_id, e.version))?;
        Ok(())
    }

    fn upsert_stream(&mut self, s: &StreamInfo) -> Result<(), StoreError> {
        self.tx.prepare_cached(include_str!("sql/upsert_stream.sql"))?.execute(params![
            s.stream_id,
            s.stream_type,
            to_i64(s.version),
            to_i64(s.first_position),
            to_i64(s.last_position),
        ])?;
        Ok(())
    }

    fn save_snapshot(&mut self, s: &Snapshot) -> Result<(), StoreError> {
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

    fn set_checkpoint(&mut self, projection: &str, position: u64) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(include_str!("sql/upsert_checkpoint.sql"))?
            .execute(params![projection, to_i64(position)])?;
        Ok(())
    }

    fn save_model_snapshot(
        &mut self,
        projection: &str,
        position: u64,
        tag: &str,
        body: &[u8],
    ) -> Result<(), StoreError> {
        model::save(&self.tx, projection, position, tag, body)
    }

    fn clear_model_snapshots(&mut self, projection: &str) -> Result<(), StoreError> {
        model::clear(&self.tx, projection)
    }

    fn ensure_tables(&mut self, specs: &[&'static TableSpec]) -> Result<Vec<&'static str>, StoreError> {
        rows::ensure_tables(&self.tx, specs)
    }

    fn index_positions(&mut self, spec: &'static TableSpec, position_column: &str) -> Result<(), StoreError> {
        rows::index_positions(&self.tx, spec, position_column)
    }

    fn clear_table(&mut self, spec: &'static TableSpec) -> Result<(), StoreError> {
        rows::clear_table(&self.tx, spec)
    }

    fn upsert_rows(&mut self, spec: &'static TableSpec, rows: &[&Row]) -> Result<(), StoreError> {
        rows::upsert_rows(&self.tx, self.sql, spec, rows)
    }

    fn delete_rows(&mut self, spec: &'static TableSpec, keys: &[&Key]) -> Result<(), StoreError> {
        rows::delete_rows(&self.tx, self.sql, spec, keys)
    }

    fn rebuild_streams_index(&mut self) -> Result<u64, StoreError> {
        handle::rebuild_streams_index(&self.tx)
    }

    fn drop_table_if_altered(&mut self, spec: &'static TableSpec) -> Result<bool, StoreError> {
        handle::drop_table_if_altered(&self.tx, spec)
    }

    fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.tx.commit()?;
        Ok(())
    }
}
