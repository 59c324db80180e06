//! The PostgreSQL engine: the store in one schema of a PostgreSQL database
//! (`--db postgres://user@host:port/dbname[?schema=NAME]`), through the
//! synchronous `postgres` crate.
//!
//! Same contract as the SQLite file: positions assigned by the facade under
//! a transaction-scoped advisory lock (never a sequence: no gaps), payload
//! and metadata stored as the exact text hashed, `events` append-only by
//! triggers, read models and checkpoints in the writer's transaction, and
//! commits announced by `NOTIFY` so followers wait with `LISTEN`.

mod conn;
mod connect;
mod correlation;
mod error;
pub mod mapped;
mod migrate;
mod model;
mod range;
mod read;
mod reads;
mod rows;
mod shape;
mod url;
mod write;

#[doc(hidden)]
pub mod testing;
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // in tests a failed unwrap is the failure report
mod tests;

use std::cell::Cell;
use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;

use crate::es::StoreError;
use crate::es::backend::{Access, Engine, Guards, Reads, Writes};
use conn::Conn;
pub use connect::SCHEMA_VERSION;
pub use url::{DEFAULT_SCHEMA, Target, is_postgres, without_password};

/// One session on a PostgreSQL store.
pub struct PgEngine {
    conn: Conn,
    target: Target,
    channel: String,
    lock_key: i64,
    listening: Cell<bool>,
    access: Access,
    recreated: Vec<&'static str>,
}

impl std::fmt::Debug for PgEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgEngine").field("db", &self.target.display).finish_non_exhaustive()
    }
}

/// Opens the store at `url` (`postgres://` or `postgresql://`).
///
/// # Errors
/// A malformed URL or schema name, an unreachable server, a refused login
/// or a missing database (one line naming the server); for
/// [`Access::Read`] a store not created yet is [`StoreError::NotFound`]; a
/// schema from a newer release is [`StoreError::NewerSchema`].
pub fn open(url: &str, access: Access) -> Result<PgEngine, StoreError> {
    PgEngine::open(Target::parse(url)?, access)
}

impl PgEngine {
    /// Opens the store `target` names.
    ///
    /// # Errors
    /// As [`open`].
    pub fn open(target: Target, access: Access) -> Result<Self, StoreError> {
        Self::open_from(target, access, None)
    }

    /// Opens a session; `sibling` (another session of this process on the
    /// same store, whose open checked the schema and its tables) spares
    /// the new one those checks, unless it opens to repair.
    fn open_from(target: Target, access: Access, sibling: Option<&Conn>) -> Result<Self, StoreError> {
        let mut client = connect::connect(&target, access)?;
        let (recreated, checked) = match sibling {
            Some(s) if access != Access::Repair => (Vec::new(), Some(std::sync::Arc::clone(&s.checked))),
            _ => (connect::init_schema(&mut client, &target, access)?, None),
        };
        Ok(Self {
            channel: format!("chronicle_{}", target.schema),
            lock_key: connect::lock_key(&target.schema),
            conn: Conn::sibling(client, target.schema.clone(), checked),
            target,
            listening: Cell::new(false),
            access,
            recreated,
        })
    }

    /// The NOTIFY channel commits are announced on.
    #[must_use]
    pub fn channel(&self) -> &str {
        &self.channel
    }
}

impl Engine for PgEngine {
    fn name(&self) -> &str {
        &self.target.display
    }

    fn reconnect(&self, access: Access) -> Result<Box<dyn Engine>, StoreError> {
        Ok(Box::new(Self::open_from(self.target.clone(), access, Some(&self.conn))?))
    }

    fn recreated(&self) -> &[&'static str] {
        &self.recreated
    }

    fn reads(&self) -> &dyn Reads {
        &self.conn
    }

    fn read_consistent(&self, f: &mut dyn FnMut(&dyn Reads) -> Result<(), StoreError>) -> Result<(), StoreError> {
        self.conn.batch("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
        self.conn.in_tx.set(true);
        let out = f(&self.conn);
        self.conn.in_tx.set(false);
        // Nothing was written: ending the read transaction loses nothing.
        let end = self.conn.batch(if out.is_ok() { "COMMIT" } else { "ROLLBACK" });
        out.and(end)
    }

    fn begin(&mut self) -> Result<Box<dyn Writes + '_>, StoreError> {
        if self.access == Access::Read {
            return Err(StoreError::ReadOnly {
                path: self.target.display.clone().into(),
                reason: "it was opened for reading only".to_owned(),
            });
        }
        Ok(Box::new(write::Tx::begin(&self.conn, &self.channel, self.lock_key)?))
    }

    fn integrity_check(&self, _max: usize) -> Result<Vec<String>, StoreError> {
        // The server checksums and WAL-protects its pages; a damaged page
        // surfaces as XX001 on the read that meets it (BackendKind::Damaged).
        Ok(Vec::new())
    }

    fn set_cache_kib(&self, _kib: u32) -> Result<(), StoreError> {
        // The server's shared buffers are not a session's to size.
        Ok(())
    }

    fn guards(&self) -> Result<Guards, StoreError> {
        let rows = self.conn.query(include_str!("postgres/sql/guards.sql"), &[&self.target.schema])?;
        let mut guards = Guards::default();
        for r in &rows {
            let name: String = conn::col(r, 0)?;
            if !conn::col::<bool>(r, 1)? {
                guards.altered.push(name.clone());
            }
            guards.present.push(name);
        }
        Ok(guards)
    }

    fn wait_for_append(&self, head: u64, timeout: Duration) -> Result<(), StoreError> {
        if !self.listening.get() {
            self.conn.batch(&format!("LISTEN {}", connect::quote(&self.channel)))?;
            self.listening.set(true);
        }
        // Announcements already received say nothing the head does not.
        self.conn.with(|c| c.notifications().iter().count().map(drop))?;
        if self.conn.head()? > head {
            return Ok(());
        }
        self.conn.with(|c| c.notifications().timeout_iter(timeout).next().map(drop))
    }
}
