//! The SQLite reader of logs other tools wrote: the rows a [`Mapping`]
//! names, read by position ranges (`source::Source`) for a [`Ranged`]
//! log (engine neutral) that serves every read. Read-only always: the file
//! is opened with `query_only` (or read-only), `begin` refuses, nothing is
//! created in it or next to it.

mod source;
mod sql;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::es::backend::{Access, Engine, Finding, ForeignSnapshot, Guards, Reads, Writes};
use crate::es::store::{Store, StoreError};
use crate::formats::ranged::Ranged;
use crate::formats::{Forced, Mapping, TableColumns};
use source::Source;

/// One read-only connection to a foreign log.
pub struct MappedEngine {
    path: PathBuf,
    name: String,
    log: Ranged<Source>,
}

impl std::fmt::Debug for MappedEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MappedEngine")
            .field("path", &self.path)
            .field("format", &self.log.mapping.format)
            .finish_non_exhaustive()
    }
}

/// What the file at `path` holds, for `engines::open`: a chronicle store
/// (`Ok(None)`), or the mapping of a foreign log a preset recognises.
///
/// # Errors
/// [`StoreError::Access`] when `forced` names a format the file does not
/// hold (a chronicle store, or no table of that format); database failures.
pub fn recognise(path: &Path, forced: Option<Forced>) -> Result<Option<Mapping>, StoreError> {
    let conn = connect(path)?;
    let app: i64 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    let not = |reason: String| StoreError::Access { path: path.to_owned(), reason };
    if app == super::APPLICATION_ID {
        return match forced {
            Some(f) if f != Forced::Chronicle => Err(not(format!(
                "it is a chronicle store, not {} {} log (leave out --format, or give --format chronicle)",
                crate::formats::article(f.name()),
                f.name()
            ))),
            _ => Ok(None),
        };
    }
    let tables = tables(&conn)?;
    match crate::formats::recognise(&tables, forced, true) {
        None if forced.is_some_and(|f| f != Forced::Chronicle) => {
            let f = forced.map_or("", Forced::name);
            Err(not(format!("it holds no {f} log (no table with the columns that format writes)")))
        }
        found => Ok(found),
    }
}

/// Opens the foreign log at `path` through `mapping` (checking the whole
/// table once, by SQL, for what [`MappedEngine::warnings`] reports).
///
/// # Errors
/// [`StoreError::Foreign`] for any access but [`Access::Read`];
/// [`StoreError::NotAStore`] for a mapping naming a missing table or
/// column; database failures.
pub fn open(path: &Path, mapping: Mapping, access: Access) -> Result<MappedEngine, StoreError> {
    let engine = open_unchecked(path, mapping, access)?;
    let findings = source::checks(&engine.log.source.conn, &engine.log.mapping)?;
    Ok(MappedEngine { log: Ranged::new(engine.log.source, engine.log.mapping, findings), ..engine })
}

fn open_unchecked(path: &Path, mapping: Mapping, access: Access) -> Result<MappedEngine, StoreError> {
    if access != Access::Read {
        return Err(StoreError::Foreign { path: path.to_owned(), format: mapping.format });
    }
    let conn = connect(path)?;
    check_columns(path, &conn, &mapping)?;
    let source = Source::new(conn, &mapping);
    Ok(MappedEngine {
        path: path.to_owned(),
        name: path.display().to_string(),
        log: Ranged::new(source, mapping, Vec::new()),
    })
}

/// As [`open`], as a [`Store`].
///
/// # Errors
/// As [`open`].
pub fn open_store(path: &Path, mapping: Mapping, access: Access) -> Result<Store, StoreError> {
    Ok(Store::new(Box::new(open(path, mapping, access)?)))
}

/// A connection that never writes: read-write with `query_only` (so closing
/// it removes any `-wal`/`-shm` it needed), else read-only.
fn connect(path: &Path) -> Result<Connection, StoreError> {
    let rw = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let ro = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, rw)
        .or_else(|_| Connection::open_with_flags(path, ro))
        .map_err(|e| StoreError::Access { path: path.to_owned(), reason: e.to_string() })?;
    super::open::harden(&conn)?;
    conn.pragma_update(None, "query_only", true)?;
    conn.busy_timeout(super::BUSY_TIMEOUT)?;
    Ok(conn)
}

fn tables(conn: &Connection) -> Result<Vec<TableColumns>, StoreError> {
    let mut stmt = conn.prepare(include_str!("mapped/tables.sql"))?;
    let mut out: Vec<TableColumns> = Vec::new();
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let (table, column): (String, String) = (r.get(0)?, r.get(1)?);
        match out.last_mut() {
            Some(t) if t.table == table => t.columns.push(column),
            _ => out.push(TableColumns { table, columns: vec![column] }),
        }
    }
    Ok(out)
}

/// Every column the mapping names exists in its table.
fn check_columns(path: &Path, conn: &Connection, m: &Mapping) -> Result<(), StoreError> {
    let not = |reason: String| StoreError::NotAStore { path: path.to_owned(), reason };
    let tables = tables(conn)?;
    let Some(t) = tables.iter().find(|t| t.table == m.table) else {
        return Err(not(format!("the {} mapping names a table `{}` the file does not have", m.format, m.table)));
    };
    for c in m.columns() {
        if !c.eq_ignore_ascii_case("rowid") && !t.columns.iter().any(|have| have == c) {
            return Err(not(format!(
                "the {} mapping names a column `{}.{c}` the file does not have",
                m.format, m.table
            )));
        }
    }
    Ok(())
}

impl MappedEngine {
    /// One line per kind of thing the checks on open found (first position, how many).
    #[must_use]
    pub fn warnings(&self) -> Vec<String> {
        self.log.findings.iter().map(|f| format!("position {}: {}", f.position, f.what)).collect()
    }
}

impl Engine for MappedEngine {
    fn name(&self) -> &str {
        &self.name
    }

    fn reconnect(&self, access: Access) -> Result<Box<dyn Engine>, StoreError> {
        // The checks on open were made once; a new handle keeps what they found.
        let engine = open_unchecked(&self.path, self.log.mapping.clone(), access)?;
        let findings = self.log.findings.clone();
        Ok(Box::new(MappedEngine { log: Ranged::new(engine.log.source, engine.log.mapping, findings), ..engine }))
    }

    fn recreated(&self) -> &[&'static str] {
        &[]
    }

    fn reads(&self) -> &dyn Reads {
        &self.log
    }

    fn read_consistent(&self, f: &mut dyn FnMut(&dyn Reads) -> Result<(), StoreError>) -> Result<(), StoreError> {
        let tx = self.log.source.conn.unchecked_transaction()?;
        f(&self.log)?;
        tx.commit()?;
        Ok(())
    }

    fn begin(&mut self) -> Result<Box<dyn Writes + '_>, StoreError> {
        Err(StoreError::Foreign { path: self.path.clone(), format: self.log.mapping.format.clone() })
    }

    fn integrity_check(&self, max: usize) -> Result<Vec<String>, StoreError> {
        super::handle::quick_check(&self.log.source.conn, max)
    }

    fn set_cache_kib(&self, kib: u32) -> Result<(), StoreError> {
        self.log.source.conn.pragma_update(None, "cache_size", -i64::from(kib.max(64)))?;
        Ok(())
    }

    fn guards(&self) -> Result<Guards, StoreError> {
        Ok(Guards::default())
    }

    fn wait_for_append(&self, head: u64, timeout: Duration) -> Result<(), StoreError> {
        self.log.wait_past(head, timeout)
    }

    fn format(&self) -> Option<&str> {
        Some(&self.log.mapping.format)
    }

    fn findings(&self) -> Vec<Finding> {
        self.log.findings.clone()
    }

    fn foreign_snapshots(&self) -> Result<Option<(String, u64)>, StoreError> {
        self.log.snapshot_table()
    }

    fn foreign_snapshot(&self, stream_id: &str, max_version: u64) -> Result<Option<ForeignSnapshot>, StoreError> {
        self.log.snapshot_at(stream_id, max_version)
    }
}
