//! One session on the server, shared by the engine's reads and its write
//! transaction: the client behind a `RefCell` (reads take `&self`), and the
//! statements prepared once per session. A bulk load's events `COPY` may run
//! on a thread of its own ([`Conn::behind`]) while the caller prepares the
//! next batch; the session's next statement waits for it.

use std::cell::{Cell, RefCell};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{Client, Row, Statement};
use rustc_hash::FxHashMap as HashMap;

use super::error::{store_error, tx_error};
use crate::es::StoreError;
use crate::es::backend::BackendKind;

/// Rows fetched per round trip by a scan (a scan never holds the whole log).
pub const PAGE: i64 = 10_000;

/// The session.
pub struct Conn {
    /// None only while a statement runs behind ([`Conn::behind`]).
    client: RefCell<Option<Client>>,
    /// The statement running behind, handing the client back when done.
    running: RefCell<Option<Behind>>,
    statements: RefCell<HashMap<String, Statement>>,
    /// Inside an explicit transaction (a lost connection then means it was killed).
    pub in_tx: Cell<bool>,
    /// Read-model tables seen to exist, trusted inside write transactions
    /// only (a command's row reads then skip one round trip each); cleared
    /// after DDL and on rollback.
    pub known_tables: RefCell<rustc_hash::FxHashSet<&'static str>>,
    /// The schema holding the store.
    pub schema: String,
    /// Read-model tables seen to match their specs, shared by the sessions
    /// of one process opened from one another ([`Conn::sibling`]).
    pub checked: Shared,
    /// Opened from another session: the tables in `checked` are trusted
    /// (a worker's or follower's connection does not check them again).
    pub trusts_checked: bool,
}

/// A statement run on its own thread: the client back, and its outcome.
type Behind = JoinHandle<(Client, Result<(), postgres::Error>)>;

/// Names of the tables [`Conn::checked`] holds.
pub type Shared = Arc<Mutex<rustc_hash::FxHashSet<String>>>;

impl Conn {
    pub fn new(client: Client, schema: String) -> Self {
        Self::sibling(client, schema, None)
    }

    /// A session sharing `checked` with the one it was opened from, if any.
    pub fn sibling(client: Client, schema: String, checked: Option<Shared>) -> Self {
        Self {
            trusts_checked: checked.is_some(),
            checked: checked.unwrap_or_default(),
            client: RefCell::new(Some(client)),
            running: RefCell::default(),
            statements: RefCell::default(),
            in_tx: Cell::new(false),
            known_tables: RefCell::default(),
            schema,
        }
    }

    /// Runs `f` on the client; its failure mapped to a store error.
    pub fn with<T>(&self, f: impl FnOnce(&mut Client) -> Result<T, postgres::Error>) -> Result<T, StoreError> {
        let mut slot = self.client.try_borrow_mut().map_err(|_| busy_session())?;
        let client = self.settle(&mut slot)?;
        f(client).map_err(|e| self.error(e))
    }

    /// Runs `f` on the client on a thread of its own and returns at once
    /// (after waiting for any statement already behind). The session's next
    /// use waits for it; its failure is then that use's error (a failed
    /// statement aborts the transaction, so nothing after it is committed).
    pub fn behind(
        &self,
        f: impl FnOnce(&mut Client) -> Result<(), postgres::Error> + Send + 'static,
    ) -> Result<(), StoreError> {
        let mut slot = self.client.try_borrow_mut().map_err(|_| busy_session())?;
        self.settle(&mut slot)?;
        let Some(mut client) = slot.take() else { return Err(lost_session()) };
        let spawned = std::thread::Builder::new().name("chronicle-copy".into()).spawn(move || {
            let result = f(&mut client);
            (client, result)
        });
        match spawned {
            Ok(handle) => {
                *self.running.borrow_mut() = Some(handle);
                Ok(())
            }
            Err(e) => Err(StoreError::Backend {
                kind: BackendKind::Other,
                message: format!("could not start a thread for the PostgreSQL session: {e}"),
                source: Box::new(e),
            }),
        }
    }

    /// The client, once the statement behind (if any) has ended; that
    /// statement's failure, if it failed.
    fn settle<'s>(&self, slot: &'s mut Option<Client>) -> Result<&'s mut Client, StoreError> {
        if let Some(handle) = self.running.borrow_mut().take() {
            let (client, result) = handle.join().map_err(|_| lost_session())?;
            *slot = Some(client);
            result.map_err(|e| self.error(e))?;
        }
        slot.as_mut().ok_or_else(lost_session)
    }

    /// `e` as a store error, knowing whether a transaction is open.
    pub fn error(&self, e: postgres::Error) -> StoreError {
        if self.in_tx.get() { tx_error(e) } else { store_error(e) }
    }

    /// The prepared statement for `sql` (prepared on first use).
    fn statement(&self, client: &mut Client, sql: &str) -> Result<Statement, postgres::Error> {
        if let Some(s) = self.statements.borrow().get(sql) {
            return Ok(s.clone());
        }
        let s = client.prepare(sql)?;
        self.statements.borrow_mut().insert(sql.to_owned(), s.clone());
        Ok(s)
    }

    /// Forgets prepared statements (after DDL changed a table's columns).
    pub fn forget_statements(&self) {
        self.statements.borrow_mut().clear();
        self.known_tables.borrow_mut().clear();
        if let Ok(mut checked) = self.checked.lock() {
            checked.clear();
        }
    }

    /// Runs `f` with the prepared statement for `sql`. A statement whose
    /// table another session dropped and recreated with other columns
    /// ("cached plan must not change result type") is prepared again, once.
    fn prepared<T>(
        &self,
        sql: &str,
        f: impl Fn(&mut Client, &Statement) -> Result<T, postgres::Error>,
    ) -> Result<T, StoreError> {
        self.with(|c| {
            let s = self.statement(c, sql)?;
            match f(c, &s) {
                Err(e) if e.code() == Some(&SqlState::FEATURE_NOT_SUPPORTED) && !self.in_tx.get() => {
                    self.forget_statements();
                    let s = self.statement(c, sql)?;
                    f(c, &s)
                }
                other => other,
            }
        })
    }

    /// Every row of `sql` with `params`.
    pub fn query(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>, StoreError> {
        self.prepared(sql, |c, s| c.query(s, params))
    }

    /// The row of `sql`, if any.
    pub fn query_opt(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Option<Row>, StoreError> {
        self.prepared(sql, |c, s| c.query_opt(s, params))
    }

    /// Runs `sql`; the number of rows it touched.
    pub fn execute(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64, StoreError> {
        self.prepared(sql, |c, s| c.execute(s, params))
    }

    /// Runs `f` on the stream of `COPY … TO STDOUT` statement `sql` (the
    /// session is busy until it returns).
    pub fn with_copy_out(
        &self,
        sql: &str,
        f: &mut dyn FnMut(&mut postgres::CopyOutReader<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut slot = self.client.try_borrow_mut().map_err(|_| busy_session())?;
        let client = self.settle(&mut slot)?;
        let mut reader = client.copy_out(sql).map_err(|e| self.error(e))?;
        f(&mut reader)
    }

    /// Runs statements without parameters.
    pub fn batch(&self, sql: &str) -> Result<(), StoreError> {
        self.with(|c| c.batch_execute(sql))
    }
}

/// A read made from inside a scan's callback on the same session (never done
/// by chronicle: scans hand out pages, not live cursors).
fn busy_session() -> StoreError {
    StoreError::Backend {
        kind: BackendKind::Other,
        message: "the PostgreSQL session is busy with another statement".to_owned(),
        source: "re-entrant use of one PostgreSQL session".into(),
    }
}

/// The session's thread for a statement run behind ended without handing
/// the session back (it panicked): the session is gone.
fn lost_session() -> StoreError {
    StoreError::Backend {
        kind: BackendKind::Other,
        message: "the PostgreSQL session was lost by a failed COPY thread".to_owned(),
        source: "session thread ended abnormally".into(),
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        // A statement still behind ends before the session closes.
        if let Some(handle) = self.running.get_mut().take() {
            let _ = handle.join();
        }
    }
}

/// `n` as a `bigint` parameter (saturating: positions never get near 2^63).
#[must_use]
pub fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A `bigint` read back as a position, version or count.
pub fn to_u64(n: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| super::error::damaged(what, format!("negative value {n}")))
}

/// Column `i` of `row` as `T`; a type mismatch is damage, not a panic.
pub fn col<'a, T: postgres::types::FromSql<'a>>(row: &'a Row, i: usize) -> Result<T, StoreError> {
    row.try_get(i).map_err(|e| {
        let name = row.columns().get(i).map_or("?", |c| c.name());
        super::error::damaged(format!("column {name}"), e)
    })
}

/// Column `i` as a non-negative integer.
pub fn ucol(row: &Row, i: usize) -> Result<u64, StoreError> {
    let n: i64 = col(row, i)?;
    to_u64(n, row.columns().get(i).map_or("?", |c| c.name()))
}
