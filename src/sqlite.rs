//! The SQLite engine: the only place rusqlite and SQLite's SQL live.
//!
//! One file holds the append-only `events` log (guarded by triggers), the
//! `streams` index, `snapshots`, projection `checkpoints`, read-model
//! snapshots (`model_snapshots`) and the read-model tables. Writers take
//! the lock with `BEGIN IMMEDIATE` (WAL, busy timeout), so several
//! processes can append to one file safely.

pub mod cache;
mod chain;
mod error;
mod fold;
mod handle;
pub mod mapped;
mod model;
mod open;
mod range;
mod read;
mod reads;
mod rows;
mod writes;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::TransactionBehavior;

pub use open::{APPLICATION_ID, BUSY_TIMEOUT, SCHEMA_VERSION};

use crate::es::backend::{Access, Engine, Guards, Reads, Writes};
use crate::es::store::{Store, StoreError};
use reads::Db;
use writes::SqliteTx;

/// One connection to one store file.
pub struct SqliteEngine {
    db: Db,
    path: PathBuf,
    name: String,
    recreated: Vec<&'static str>,
}

impl std::fmt::Debug for SqliteEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteEngine").field("path", &self.path).finish_non_exhaustive()
    }
}

/// Opens the store file at `path` (a file name, whatever it spells).
///
/// # Errors
/// [`StoreError::NotAStore`] for a file that is not a chronicle store or
/// whose schema differs from chronicle's, [`StoreError::NewerSchema`] for
/// one from a newer release, [`StoreError::ReadOnly`] for one this user
/// cannot write, [`StoreError::Access`] for a missing directory or
/// permission denied, [`StoreError::NotFound`] for a missing file read.
pub fn open(path: &Path, access: Access) -> Result<SqliteEngine, StoreError> {
    let (conn, recreated) = open::open(path, access)?;
    Ok(SqliteEngine { db: Db::new(conn), path: path.to_owned(), name: path.display().to_string(), recreated })
}

/// Opens the store file at `path` as a [`Store`].
///
/// # Errors
/// As [`open`].
pub fn open_store(path: &Path, access: Access) -> Result<Store, StoreError> {
    Ok(Store::new(Box::new(open(path, access)?)))
}

/// How often [`Engine::wait_for_append`] looks at the file.
const POLL: Duration = Duration::from_millis(50);

impl Engine for SqliteEngine {
    fn name(&self) -> &str {
        &self.name
    }

    fn reconnect(&self, access: Access) -> Result<Box<dyn Engine>, StoreError> {
        Ok(Box::new(open(&self.path, access)?))
    }

    fn recreated(&self) -> &[&'static str] {
        &self.recreated
    }

    fn reads(&self) -> &dyn Reads {
        &self.db
    }

    fn read_consistent(&self, f: &mut dyn FnMut(&dyn Reads) -> Result<(), StoreError>) -> Result<(), StoreError> {
        let tx = self.db.conn.unchecked_transaction()?;
        let out = f(&self.db);
        // Nothing was written: ending the read transaction cannot lose anything.
        drop(tx);
        out
    }

    fn begin(&mut self) -> Result<Box<dyn Writes + '_>, StoreError> {
        let tx = self.db.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        Ok(Box::new(SqliteTx::new(tx, &self.db.sql)))
    }

    fn integrity_check(&self, max: usize) -> Result<Vec<String>, StoreError> {
        handle::quick_check(&self.db.conn, max)
    }

    fn set_cache_kib(&self, kib: u32) -> Result<(), StoreError> {
        self.db.conn.pragma_update(None, "cache_size", -i64::from(kib.max(64)))?;
        Ok(())
    }

    fn guards(&self) -> Result<Guards, StoreError> {
        handle::guards(&self.db.conn)
    }

    fn wait_for_append(&self, head: u64, timeout: Duration) -> Result<(), StoreError> {
        let start = Instant::now();
        loop {
            if read::head(&self.db.conn)? > head {
                return Ok(());
            }
            let left = timeout.saturating_sub(start.elapsed());
            if left.is_zero() {
                return Ok(());
            }
            std::thread::sleep(left.min(POLL));
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a failed unwrap is the failure report
mod tests;
