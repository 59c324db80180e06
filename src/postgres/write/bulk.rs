//! An import into an empty store ([`Writes::bulk_load`]): before its first
//! large `COPY`, the indexes of `events` are dropped (in the transaction:
//! nobody else sees them go), and at commit they are built again, each in
//! one sorted pass instead of a million inserts. A duplicate the unique ones
//! would have refused is then reported typed, and nothing is committed.
//!
//! [`Writes::bulk_load`]: crate::es::backend::Writes::bulk_load

use super::{Tx, col};
use crate::es::StoreError;
use crate::postgres::error::is_unique_violation;

/// Fewest events a flush must hold to drop the indexes: a small import
/// keeps them (dropping and building costs more than it saves).
const BULK_MIN: usize = 1_000;

/// Memory for building the indexes again (each a sort of up to the whole
/// table's keys), for this transaction only.
const BUILD_MEM: &str = "256MB";

/// Where a transaction stands with its events' indexes.
#[derive(Debug, Default)]
pub enum Bulk {
    /// Maintained per event (always, unless [`Writes::bulk_load`] was called).
    ///
    /// [`Writes::bulk_load`]: crate::es::backend::Writes::bulk_load
    #[default]
    Off,
    /// Asked for: dropped at the first flush of [`BULK_MIN`] events.
    Wanted,
    /// Dropped: the statements that build them again, run at commit.
    Deferred(Vec<String>),
}

impl Tx<'_> {
    /// Drops the events' indexes if a bulk load was asked for, `events` is
    /// empty and `pending` events are about to be copied.
    pub(super) fn defer_indexes(&self, pending: usize) -> Result<(), StoreError> {
        if pending < BULK_MIN || !matches!(*self.bulk.borrow(), Bulk::Wanted) {
            return Ok(());
        }
        let rows = self.conn.query(include_str!("../sql/bulk_indexes.sql"), &[])?;
        let (mut drops, mut creates) = (Vec::with_capacity(rows.len()), Vec::with_capacity(rows.len()));
        for r in &rows {
            drops.push(col::<String>(r, 0)?);
            creates.push(col::<String>(r, 1)?);
        }
        // The ledgers' position indexes too: built at commit, in one pass.
        for r in &self.conn.query(include_str!("../sql/bulk_ledger_indexes.sql"), &[])? {
            drops.push(col::<String>(r, 0)?);
            creates.push(format!("{}; {}", col::<String>(r, 1)?, col::<String>(r, 2)?));
        }
        if !drops.is_empty() {
            self.conn.batch(&drops.join("; "))?;
        }
        *self.bulk.borrow_mut() = Bulk::Deferred(creates);
        Ok(())
    }

    /// Builds the dropped indexes again (before commit). A duplicate event
    /// id or stream version comes back typed.
    pub(super) fn restore_indexes(&self) -> Result<(), StoreError> {
        let creates = match std::mem::take(&mut *self.bulk.borrow_mut()) {
            Bulk::Deferred(creates) if !creates.is_empty() => creates,
            _ => return Ok(()),
        };
        let sql = format!(
            "SAVEPOINT chronicle_indexes; SET LOCAL maintenance_work_mem = '{BUILD_MEM}'; {}; \
             RELEASE SAVEPOINT chronicle_indexes",
            creates.join("; ")
        );
        match self.conn.batch(&sql) {
            Err(StoreError::Backend { source, kind, message }) => {
                let constraint = source.downcast_ref::<postgres::Error>().and_then(is_unique_violation);
                let Some(constraint) = constraint.map(str::to_owned) else {
                    return Err(StoreError::Backend { kind, message, source });
                };
                self.conn.batch("ROLLBACK TO SAVEPOINT chronicle_indexes")?;
                Err(self.duplicate(&constraint)?.unwrap_or(StoreError::Backend { kind, message, source }))
            }
            other => other,
        }
    }

    /// The typed error for the first duplicate breaking `constraint`.
    fn duplicate(&self, constraint: &str) -> Result<Option<StoreError>, StoreError> {
        if constraint.contains("event_id") {
            let row = self.conn.query_opt(include_str!("../sql/duplicate_event_id.sql"), &[])?;
            return row.map(|r| Ok(StoreError::EventIdTaken(col(&r, 0)?))).transpose();
        }
        if constraint.contains("stream_version") {
            let row = self.conn.query_opt(include_str!("../sql/duplicate_version.sql"), &[])?;
            return row
                .map(|r| {
                    let version = u64::try_from(col::<i64>(&r, 1)?).unwrap_or(0);
                    Ok(StoreError::VersionTaken { stream_id: col(&r, 0)?, version })
                })
                .transpose();
        }
        Ok(None)
    }
}
