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
/// rows read or written before (so a row is selected at most once per
/// transaction, and not at all from a table known to hold only what the
/// transaction wrote: see [`TableCache::whole`]). It lives in one
/// transaction only: a failed one is dropped with it.
#[derive(Debug, Default)]
pub(super) struct RowCache {
    /// One per table (a handful: found by a scan, cheaper than hashing).
    tables: Vec<TableCache>,
    /// Dirty entries over every table.
    len: usize,
    /// Appended rows over every table.
    appended: usize,
    /// The transaction began on an empty store ([`WriteTx::bulk_load`]): a
    /// table first seen empty is cached whole.
    pub(super) bulk: bool,
}

/// One table's cached rows.
#[derive(Debug)]
struct TableCache {
    spec: &'static TableSpec,
    entries: HashMap<Key, Entry>,
    /// Rows of an insert-only table, written in key order at the next flush
    /// (before `entries`, which only ever hold later writes: see `append`).
    appended: Vec<Row>,
    /// Every row the table holds in this transaction is in `entries` (it
    /// was empty when first seen in a bulk load, or cleared since, and no
    /// entry was forgotten nor a row appended since): a key not there is
    /// absent, and no read asks the engine.
    whole: bool,
}

/// A cached row (`None`: known absent).
#[derive(Debug)]
struct Entry {
    row: Option<Row>,
    /// Not yet written to the store.
    dirty: bool,
}

impl RowCache {
    fn table(&mut self, spec: &'static TableSpec) -> &mut TableCache {
        let at = if let Some(at) = self.find(spec) {
            at
        } else {
            self.tables.push(TableCache { spec, entries: HashMap::default(), appended: Vec::new(), whole: false });
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
                e.insert(Entry { row, dirty: true });
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

/// Forget the rows known when, after a flush, more than this many remain.
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
                t.whole = false;
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
            // Rows written stay, as known: a later read need not select them.
            for e in t.entries.values_mut() {
                e.dirty = false;
            }
            kept += t.entries.len();
        }
        if kept > READ_LIMIT {
            for t in &mut self.cache.tables {
                t.entries.clear();
                t.whole = false;
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
            let t = self.cache.table(spec);
            let (dirty, appended) = (t.entries.values().filter(|e| e.dirty).count(), t.appended.len());
            t.entries.clear();
            t.appended.clear();
            t.whole = false;
            self.cache.len -= dirty;
            self.cache.appended -= appended;
            self.w.clear_table(spec)?;
            // Empty now: every row it holds from here on is written through the cache.
            self.cache.table(spec).whole = true;
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
        let fresh = self.w.ensure_tables(specs)?;
        for t in &mut self.cache.tables {
            if fresh.contains(&t.spec.name) {
                t.whole = false;
            }
        }
        Ok(fresh)
    }

    /// Indexes the append-only table `spec` by `position_column` (see
    /// [`crate::es::backend::Writes::index_positions`]); idempotent.
    ///
    /// # Errors
    /// Database failures.
    pub fn index_positions(&mut self, spec: &'static TableSpec, position_column: &str) -> Result<(), StoreError> {
        self.w.index_positions(spec, position_column)
    }

    /// The cache of `spec`'s rows; in a bulk load, a table seen for the first
    /// time is asked once whether it holds any row (if not, it is cached
    /// whole). Nothing of a table not yet cached has been written in this
    /// transaction, so the engine answers for the store as it began.
    fn open_table(&mut self, spec: &'static TableSpec) -> Result<usize, StoreError> {
        if let Some(at) = self.cache.find(spec) {
            return Ok(at);
        }
        let whole = self.cache.bulk && self.w.table_rows(spec, 0, 1)?.is_empty();
        self.cache.table(spec).whole = whole;
        Ok(self.cache.tables.len() - 1)
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
        let at = self.open_table(table)?;
        if !self.cache.tables[at].appended.is_empty() {
            self.flush_rows()?;
        }
        let t = &mut self.cache.tables[at];
        if let Some(cached) = t.entries.get(key) {
            return Ok(cached.row.clone());
        }
        if t.whole {
            return Ok(None);
        }
        let row = self.w.table_row(table, key)?;
        self.cache.tables[at].entries.insert(Key::from(key), Entry { row: row.clone(), dirty: false });
        Ok(row)
    }

    fn put(&mut self, table: &'static TableSpec, row: Row) -> Result<(), RowsError> {
        self.open_table(table)?;
        if self.cache.set(table, row.key(), Some(row)) {
            self.flush_rows()?;
        }
        Ok(())
    }

    fn delete(&mut self, table: &'static TableSpec, key: &[Cell]) -> Result<(), RowsError> {
        self.open_table(table)?;
        if self.cache.set(table, Key::from(key), None) {
            self.flush_rows()?;
        }
        Ok(())
    }

    fn append(&mut self, table: &'static TableSpec, row: Row) -> Result<(), RowsError> {
        let at = self.open_table(table)?;
        let t = &mut self.cache.tables[at];
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
