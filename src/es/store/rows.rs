//! Read-model tables in SQLite: created from [`TableSpec`]s, written through a
//! write-behind cache so a batch of events costs one write per touched row.

use rustc_hash::FxHashMap as HashMap;
use std::collections::hash_map::Entry as Slot;

use rusqlite::{Connection, params_from_iter};

use super::StoreError;
use super::write::WriteTx;
use crate::es::projection::{Cell, ColumnKind, Key, Row, Rows, RowsError, TableSpec};
use cells::{SqlCell, row_from_sql};
use sql::{BATCH, TableSql, ident, order_sql, select_sql};

mod cells;
mod sql;
#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a failed unwrap is the failure report
mod tests;

/// Rows written or deleted in this transaction but not yet in SQLite, and
/// rows a projection reads back (so a row read once is not selected again
/// after every flush).
#[derive(Debug, Default)]
pub(super) struct RowCache {
    /// One per table (a handful: found by a scan, cheaper than hashing).
    tables: Vec<TableCache>,
    /// Dirty entries over every table.
    len: usize,
    /// Appended rows over every table.
    appended: usize,
}

/// One table's statements and cached rows.
#[derive(Debug)]
struct TableCache {
    sql: TableSql,
    entries: HashMap<Key, Entry>,
    /// Rows of an insert-only table, written in key order at the next flush
    /// (before `entries`, which only ever hold later writes: see `append`).
    appended: Vec<Row>,
}

/// A cached row (`None`: known absent).
#[derive(Debug)]
struct Entry {
    row: Option<Row>,
    /// Not yet written to SQLite.
    dirty: bool,
    /// Read back by a projection: kept after a flush.
    read: bool,
}

impl RowCache {
    fn table(&mut self, spec: &'static TableSpec) -> Result<&mut TableCache, StoreError> {
        let at = if let Some(at) = self.find(spec) {
            at
        } else {
            let sql = TableSql::new(spec)?;
            self.tables.push(TableCache { sql, entries: HashMap::default(), appended: Vec::new() });
            self.tables.len() - 1
        };
        Ok(&mut self.tables[at])
    }

    fn find(&self, spec: &'static TableSpec) -> Option<usize> {
        self.tables.iter().position(|t| std::ptr::eq(t.sql.spec, spec) || t.sql.spec.name == spec.name)
    }

    /// Records a pending write; returns whether the cache is full.
    fn set(&mut self, spec: &'static TableSpec, key: Key, row: Option<Row>) -> Result<bool, StoreError> {
        let was_dirty = match self.table(spec)?.entries.entry(key) {
            Slot::Occupied(mut e) => {
                let e = e.get_mut();
                e.row = row;
                std::mem::replace(&mut e.dirty, true)
            }
            Slot::Vacant(e) => {
                e.insert(Entry { row, dirty: true, read: false });
                false
            }
        };
        if !was_dirty {
            self.len += 1;
        }
        Ok(self.len >= CACHE_LIMIT)
    }
}

/// Flush the cache when it holds this many rows to write.
const CACHE_LIMIT: usize = 20_000;

/// Flush the cache when it holds this many appended rows.
const APPEND_LIMIT: usize = 100_000;

/// Forget the rows read back when, after a flush, more than this many remain.
const READ_LIMIT: usize = 200_000;

/// A row's cells as statement parameters for its table's columns.
fn sql_cells<'a>(spec: &'static TableSpec, row: &'a Row) -> impl Iterator<Item = SqlCell<'a>> {
    spec.columns.iter().zip(row.cells()).map(|(c, v)| SqlCell(c.kind, v))
}

/// Creates missing read-model tables; a table whose columns differ from its
/// spec is dropped and recreated. Returns the names of tables (re)created
/// empty, whose projections must be rebuilt.
pub(super) fn ensure_tables(conn: &Connection, specs: &[&'static TableSpec]) -> Result<Vec<&'static str>, StoreError> {
    let mut fresh = Vec::new();
    for spec in specs {
        let name = ident(spec.name)?;
        let mut stmt = conn.prepare(&format!("SELECT name FROM pragma_table_info('{}')", spec.name))?;
        let have: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
        let want: Vec<&str> = spec.columns.iter().map(|c| c.name).collect();
        if have == want {
            continue;
        }
        if !have.is_empty() {
            conn.execute_batch(&format!("DROP TABLE {name}"))?;
        }
        let mut cols = Vec::new();
        for c in spec.columns {
            let ty = match c.kind {
                ColumnKind::Integer => "INTEGER",
                ColumnKind::Text | ColumnKind::Json => "TEXT",
            };
            cols.push(format!("{} {ty}", ident(c.name)?));
        }
        cols.push(format!("PRIMARY KEY ({})", order_sql(spec)?));
        conn.execute_batch(&format!("CREATE TABLE {name} ({}) WITHOUT ROWID", cols.join(", ")))?;
        fresh.push(spec.name);
    }
    Ok(fresh)
}

/// Whether a read-model table exists. A store only ever opened for reading
/// has none yet: it reads as empty (its checkpoints are 0).
fn table_exists(conn: &Connection, spec: &TableSpec) -> Result<bool, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1")?;
    Ok(stmt.exists([spec.name])?)
}

/// Every row of a read-model table in key order, `offset` then at most `limit`.
pub(super) fn table_rows(
    conn: &Connection,
    spec: &'static TableSpec,
    offset: u64,
    limit: u64,
) -> Result<Vec<Row>, StoreError> {
    if !table_exists(conn, spec)? {
        return Ok(Vec::new());
    }
    let sql = format!("{} ORDER BY {} LIMIT ?1 OFFSET ?2", select_sql(spec)?, order_sql(spec)?);
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([super::read::to_i64(limit), super::read::to_i64(offset)], |r| row_from_sql(spec, r))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Calls `f` for every row of a read-model table in key order, streaming.
pub(super) fn scan_table(
    conn: &Connection,
    spec: &'static TableSpec,
    upto: Option<(&str, u64)>,
    f: &mut dyn FnMut(Row) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    if !table_exists(conn, spec)? {
        return Ok(());
    }
    let (filter, bound) = match upto {
        Some((column, position)) => (format!(" WHERE {} <= ?1", ident(column)?), super::read::to_i64(position)),
        None => (" WHERE ?1 IS NOT NULL".to_owned(), 0),
    };
    let sql = format!("{}{filter} ORDER BY {}", select_sql(spec)?, order_sql(spec)?);
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query([bound])?;
    while let Some(r) = rows.next()? {
        f(row_from_sql(spec, r)?)?;
    }
    Ok(())
}

/// Rows of an append-only read-model table written at or before `position`
/// (by `position_column`), in key order, `offset` then at most `limit`.
pub(super) fn table_rows_upto(
    conn: &Connection,
    spec: &'static TableSpec,
    position_column: &str,
    position: u64,
    offset: u64,
    limit: u64,
) -> Result<Vec<Row>, StoreError> {
    if !table_exists(conn, spec)? {
        return Ok(Vec::new());
    }
    let sql = format!(
        "{} WHERE {} <= ?1 ORDER BY {} LIMIT ?2 OFFSET ?3",
        select_sql(spec)?,
        ident(position_column)?,
        order_sql(spec)?
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let args = [super::read::to_i64(position), super::read::to_i64(limit), super::read::to_i64(offset)];
    let rows = stmt.query_map(args, |r| row_from_sql(spec, r))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

impl WriteTx<'_> {
    /// Writes every cached row to SQLite.
    ///
    /// # Errors
    /// Database failures.
    pub fn flush_rows(&mut self) -> Result<(), StoreError> {
        if self.cache.len == 0 && self.cache.appended == 0 {
            return Ok(());
        }
        self.cache.len = 0;
        self.cache.appended = 0;
        let mut kept = 0;
        for t in &mut self.cache.tables {
            if !t.appended.is_empty() {
                // Appended rows come first: any keyed write to the table made
                // after them is still in `entries` and must win.
                t.appended.sort_unstable_by(|a, b| a.key_cells().cmp(b.key_cells()));
                let sql_cells = |row| sql_cells(t.sql.spec, row);
                let mut chunks = t.appended.chunks_exact(BATCH);
                let mut batch = self.tx.prepare_cached(&t.sql.upsert_batch)?;
                for chunk in chunks.by_ref() {
                    batch.execute(params_from_iter(chunk.iter().flat_map(sql_cells)))?;
                }
                let mut upsert = self.tx.prepare_cached(&t.sql.upsert)?;
                for row in chunks.remainder() {
                    upsert.execute(params_from_iter(sql_cells(row)))?;
                }
                t.appended.clear();
            }
            // In key order: SQLite's B-tree takes sorted inserts far faster.
            let mut dirty: Vec<(&Key, &Option<Row>)> =
                t.entries.iter().filter(|(_, e)| e.dirty).map(|(k, e)| (k, &e.row)).collect();
            if !dirty.is_empty() {
                dirty.sort_unstable_by(|a, b| a.0.cmp(b.0));
                let mut upsert = self.tx.prepare_cached(&t.sql.upsert)?;
                let mut delete = self.tx.prepare_cached(&t.sql.delete)?;
                for (key, row) in dirty {
                    match row {
                        Some(row) => {
                            let cells = t.sql.spec.columns.iter().zip(row.cells()).map(|(c, v)| SqlCell(c.kind, v));
                            upsert.execute(params_from_iter(cells))?;
                        }
                        None => {
                            delete.execute(params_from_iter(key.parts()))?;
                        }
                    }
                }
            }
            t.entries.retain(|_, e| {
                e.dirty = false;
                e.read
            });
            kept += t.entries.len();
        }
        if kept > READ_LIMIT {
            for t in &mut self.cache.tables {
                t.entries.clear();
            }
        }
        Ok(())
    }

    /// Deletes every row of the tables (for a rebuild).
    ///
    /// # Errors
    /// Database failures.
    pub fn clear_tables(&mut self, specs: &'static [TableSpec]) -> Result<(), StoreError> {
        for spec in specs {
            if let Some(t) = self.cache.find(spec).map(|at| &mut self.cache.tables[at]) {
                self.cache.len -= t.entries.values().filter(|e| e.dirty).count();
                self.cache.appended -= t.appended.len();
                t.entries.clear();
                t.appended.clear();
            }
            self.tx.execute_batch(&format!("DELETE FROM {}", ident(spec.name)?))?;
        }
        Ok(())
    }

    /// Creates or migrates read-model tables (see [`ensure_tables`]).
    ///
    /// # Errors
    /// Database failures.
    pub fn ensure_tables(&mut self, specs: &[&'static TableSpec]) -> Result<Vec<&'static str>, StoreError> {
        ensure_tables(&self.tx, specs)
    }

    /// Rows of a read-model table as this transaction sees them (flushes first).
    ///
    /// # Errors
    /// Database failures.
    pub fn table_rows(&mut self, spec: &'static TableSpec) -> Result<Vec<Row>, StoreError> {
        self.flush_rows()?;
        table_rows(&self.tx, spec, 0, u64::MAX >> 1)
    }
}

impl Rows for WriteTx<'_> {
    fn get(&mut self, table: &'static TableSpec, key: &[Cell]) -> Result<Option<Row>, RowsError> {
        if !self.cache.table(table)?.appended.is_empty() {
            self.flush_rows()?;
        }
        let t = self.cache.table(table)?;
        if let Some(cached) = t.entries.get_mut(key) {
            cached.read = true;
            return Ok(cached.row.clone());
        }
        let mut stmt = self.tx.prepare_cached(&t.sql.select).map_err(StoreError::from)?;
        let mut rows = stmt.query(params_from_iter(key)).map_err(StoreError::from)?;
        let row = match rows.next().map_err(StoreError::from)? {
            Some(r) => Some(row_from_sql(table, r).map_err(StoreError::from)?),
            None => None,
        };
        t.entries.insert(Key::from(key), Entry { row: row.clone(), dirty: false, read: true });
        Ok(row)
    }

    fn put(&mut self, table: &'static TableSpec, row: Row) -> Result<(), RowsError> {
        if self.cache.set(table, row.key(), Some(row))? {
            self.flush_rows()?;
        }
        Ok(())
    }

    fn delete(&mut self, table: &'static TableSpec, key: &[Cell]) -> Result<(), RowsError> {
        if self.cache.set(table, Key::from(key), None)? {
            self.flush_rows()?;
        }
        Ok(())
    }

    fn append(&mut self, table: &'static TableSpec, row: Row) -> Result<(), RowsError> {
        let t = self.cache.table(table)?;
        if !t.entries.is_empty() {
            // Keyed writes (or reads) pending: keep their order.
            return self.put(table, row);
        }
        t.appended.push(row);
        self.cache.appended += 1;
        if self.cache.appended >= APPEND_LIMIT {
            self.flush_rows()?;
        }
        Ok(())
    }
}
