//! Read-model snapshots (`model_snapshots`, schema version 4): bodies kept
//! as given, found by projection and tag at or before a position. A save
//! is written at once (the session first waits for any `COPY` running
//! behind), so the transaction's own reads see it and its commit includes
//! it. A version 3 store read without migrating has no such table and
//! reads as holding none.

use super::conn::{Conn, col, to_i64, ucol};
use crate::es::StoreError;

impl Conn {
    /// Whether the store has the table (a version 3 store read as it is has not).
    fn has_model_snapshots(&self) -> Result<bool, StoreError> {
        let row = self.query_opt(include_str!("sql/has_model_snapshots.sql"), &[&self.schema])?;
        Ok(row.map(|r| col::<bool>(&r, 0)).transpose()?.unwrap_or(false))
    }

    /// The newest snapshot of `projection` tagged `tag` at or before `max`.
    pub fn model_snapshot(&self, projection: &str, tag: &str, max: u64) -> Result<Option<(u64, Vec<u8>)>, StoreError> {
        if !self.has_model_snapshots()? {
            return Ok(None);
        }
        let row = self.query_opt(include_str!("sql/select_model_snapshot.sql"), &[&projection, &tag, &to_i64(max)])?;
        row.map(|r| Ok((ucol(&r, 0)?, col(&r, 1)?))).transpose()
    }

    /// Every snapshot's projection, position and tag, by projection then position.
    pub fn model_snapshot_list(&self) -> Result<Vec<(String, u64, String)>, StoreError> {
        if !self.has_model_snapshots()? {
            return Ok(Vec::new());
        }
        let rows = self.query(include_str!("sql/select_model_snapshot_list.sql"), &[])?;
        rows.iter().map(|r| Ok((col(r, 0)?, ucol(r, 1)?, col(r, 2)?))).collect()
    }

    /// Stores one, replacing that of the same projection and position.
    pub fn save_model_snapshot(&self, projection: &str, at: u64, tag: &str, body: &[u8]) -> Result<(), StoreError> {
        self.execute(include_str!("sql/upsert_model_snapshot.sql"), &[&projection, &to_i64(at), &tag, &body])?;
        Ok(())
    }

    /// Deletes every snapshot of `projection`.
    pub fn clear_model_snapshots(&self, projection: &str) -> Result<(), StoreError> {
        self.execute(include_str!("sql/delete_model_snapshots.sql"), &[&projection])?;
        Ok(())
    }
}
