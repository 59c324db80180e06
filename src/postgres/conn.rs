//! One session on the server, shared by the engine's reads and its write
//! transaction: the client behind a `RefCell` (reads take `&self`), and the
//! statements prepared once per session.

use std::cell::{Cell, RefCell};
use std::sync::{Arc, Mutex};

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
    client: RefCell<Client>,
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
            client: RefCell::new(client),
            statements: RefCell::default(),
            in_tx: Cell::new(false),
            known_tables: RefCell::default(),
            schema,
        }
    }

    /// Runs `f` on the client; its failure mapped to a store error.
    pub fn with<T>(&self, f: impl FnOnce(&mut Client) -> Result<T, postgres::Error>) -> Result<T, StoreError> {
        let mut client = self.client.try_borrow_mut().map_err(|_| busy_session())?;
        f(&mut client).map_err(|e| self.error(e))
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
        let mut client = self.client.try_borrow_mut().map_err(|_| busy_session())?;
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
