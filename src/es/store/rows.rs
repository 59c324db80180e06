//! Read-model rows written through a write-behind cache, so a batch of
//! events costs one write per touched row (the engine stores the rows).

use rustc_hash::FxHashMap as HashMap;
use std::collections::hash_map::Entry as Slot;

use super::StoreError;
use super::write::WriteTx;
use crate::es::projection::{Cell, Key, Row, Rows, RowsError, TableSpec};
#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a failed unwrap is the failure report
mod tests;

/// Rows written or deleted in this transaction but not yet in the store, and
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

/// One table's cached rows.
#[derive(Debug)]
struct TableCache {
    spec: &'static TableSpec,
    entries: HashMap<Key, Entry>,
    /// Rows of an insert-only table, written in key order at the next flush
    /// (before `entries`, which only ever hold later writes: see `append`).
    appended: Vec<Row>,
}

/// A cached row (`None`: known absent).
#[derive(Debug)]
struct Entry {
    row: Option<Row>,
    /// Not yet written to the store.
    dirty: bool,
    /// Read back by a projection: kept after a flush.
    read: bool,
}

impl RowCache {
    fn table(&mut self, spec: &'static TableSpec) -> &mut TableCache {
        let at = if let Some(at) = self.find(spec) {
            at
        } else {
            self.tables.push(TableCache { spec, entries: HashMap::default(), appended: Vec::new() });
            self.tables.len() - 1
        };
        &mut self.tables[at]
    }

    fn find(&self, spec: &'static TableSpec) -> Option<usize> {
        self.tables.iter().position(|t| std::ptr::eq(t.spec, spec) || t.spec.name == spec.name)
    }

    /// Records a pending write; returns whether the cache is full.
    fn set(&mut self, spec: &'static TableSpec, key: Key, row: Option<Row>) -> bool {
        let was_dirty = match self.table(spec).entries.entry(key) {
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
        self.len >= CACHE_LIMIT
    }
}

/// Flush the cache when it holds this many rows to write.
const CACHE_LIMIT: usize = 20_000;

/// Flush the cache when it holds this many appended rows.
const APPEND_LIMIT: usize = 100_000;

/// Forget the rows read back when, after a flush, more than this many remain.
const READ_LIMIT: usize = 200_000;

impl WriteTx<'_> {
    /// Writes every cached row to the store.
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
                let rows: Vec<&Row> = t.appended.iter().collect();
                self.w.upsert_rows(t.spec, &rows)?;
                t.appended.clear();
            }
            // In key order: B-trees take sorted inserts far faster.
            let mut dirty: Vec<(&Key, &Option<Row>)> =
                t.entries.iter().filter(|(_, e)| e.dirty).map(|(k, e)| (k, &e.row)).collect();
            if !dirty.is_empty() {
                dirty.sort_unstable_by(|a, b| a.0.cmp(b.0));
                let upserts: Vec<&Row> = dirty.iter().filter_map(|(_, row)| row.as_ref()).collect();
                let deletes: Vec<&Key> = dirty.iter().filter(|(_, row)| row.is_none()).map(|(key, _)| *key).collect();
                if !upserts.is_empty() {
                    self.w.upsert_rows(t.spec, &upserts)?;
                }
                if !deletes.is_empty() {
                    self.w.delete_rows(t.spec, &deletes)?;
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
            self.w.clear_table(spec)?;
        }
        Ok(())
    }

    /// Creates missing read-model tables; a table whose columns differ from
    /// its spec is dropped and recreated. Returns the names of tables
    /// (re)created empty, whose projections must be rebuilt.
    ///
    /// # Errors
    /// Database failures.
    pub fn ensure_tables(&mut self, specs: &[&'static TableSpec]) -> Result<Vec<&'static str>, StoreError> {
        self.w.ensure_tables(specs)
    }

    /// Rows of a read-model table as this transaction sees them (flushes first).
    ///
    /// # Errors
    /// Database failures.
    pub fn table_rows(&mut self, spec: &'static TableSpec) -> Result<Vec<Row>, StoreError> {
        self.flush_rows()?;
        self.w.table_rows(spec, 0, u64::MAX >> 1)
    }
}

impl Rows for WriteTx<'_> {
    fn get(&mut self, table: &'static TableSpec, key: &[Cell]) -> Result<Option<Row>, RowsError> {
        if !self.cache.table(table).appended.is_empty() {
            self.flush_rows()?;
        }
        let t = self.cache.table(table);
        if let Some(cached) = t.entries.get_mut(key) {
            cached.read = true;
            return Ok(cached.row.clone());
        }
        let row = self.w.table_row(table, key)?;
        self.cache.table(table).entries.insert(Key::from(key), Entry { row: row.clone(), dirty: false, read: true });
        Ok(row)
    }

    fn put(&mut self, table: &'static TableSpec, row: Row) -> Result<(), RowsError> {
        if self.cache.set(table, row.key(), Some(row)) {
            self.flush_rows()?;
        }
        Ok(())
    }

    fn delete(&mut self, table: &'static TableSpec, key: &[Cell]) -> Result<(), RowsError> {
        if self.cache.set(table, Key::from(key), None) {
            self.flush_rows()?;
        }
        Ok(())
    }

    fn append(&mut self, table: &'static TableSpec, row: Row) -> Result<(), RowsError> {
        let t = self.cache.table(table);
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
