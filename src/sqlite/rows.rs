//! Read-model tables in SQLite: created from [`TableSpec`]s; rows selected,
//! upserted and deleted through statements built once per table (the dynamic
//! SQL of a spec stays here, in the engine).

use std::cell::RefCell;

use rusqlite::{Connection, params_from_iter};

use super::read::to_i64;
use crate::es::projection::{Cell, ColumnKind, Key, Row, TableSpec};
use crate::es::store::StoreError;
use cells::{SqlCell, row_from_sql};
use sql::{BATCH, TableSql, columns, ident, order_sql, select_sql};

mod cells;
mod plan;
mod sql;

pub(super) use plan::ensure_index as index_positions;

/// The statements of the tables a connection has used (a handful: found by
/// a scan, cheaper than hashing).
#[derive(Debug, Default)]
pub(super) struct SqlCache(RefCell<Vec<TableSql>>);

impl SqlCache {
    /// Runs `f` with the statements of `spec`, building them on first use.
    fn with<T>(&self, spec: &'static TableSpec, f: impl FnOnce(&TableSql) -> T) -> Result<T, StoreError> {
        let find = |v: &[TableSql]| v.iter().position(|t| std::ptr::eq(t.spec, spec) || t.spec.name == spec.name);
        let at = {
            let mut v = self.0.borrow_mut();
            if let Some(at) = find(&v) {
                at
            } else {
                v.push(TableSql::new(spec)?);
                v.len() - 1
            }
        };
        let v = self.0.borrow();
        Ok(f(&v[at]))
    }
}

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
    let rows = stmt.query_map([to_i64(limit), to_i64(offset)], |r| row_from_sql(spec, r))?;
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
    let Some((column, position)) = upto else {
        let sql = format!("{} ORDER BY {}", select_sql(spec)?, order_sql(spec)?);
        let mut stmt = conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            f(row_from_sql(spec, r)?)?;
        }
        return Ok(());
    };
    scan_where(conn, spec, column, (i64::MIN, to_i64(position)), f)
}

/// Calls `f` for every row of a read-model table whose `column` is in
/// `(after, upto]`, in key order, streaming (a missing table reads empty).
pub(super) fn scan_where(
    conn: &Connection,
    spec: &'static TableSpec,
    column: &str,
    (after, upto): (i64, i64),
    f: &mut dyn FnMut(Row) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    if !table_exists(conn, spec)? {
        return Ok(());
    }
    let (from, column) = plan::plan(conn, spec, column, (after, upto), None)?.source_and_column(spec, column)?;
    let sql = format!(
        "SELECT {} FROM {from} WHERE {column} > ?1 AND {column} <= ?2 ORDER BY {}",
        columns(spec)?,
        order_sql(spec)?
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query([after, upto])?;
    while let Some(r) = rows.next()? {
        f(row_from_sql(spec, r)?)?;
    }
    Ok(())
}

/// How many rows of a read-model table have `column` in `(after, upto]`
/// (a missing table has none).
pub(super) fn count_where(
    conn: &Connection,
    spec: &'static TableSpec,
    column: &str,
    (after, upto): (i64, i64),
) -> Result<u64, StoreError> {
    if !table_exists(conn, spec)? {
        return Ok(0);
    }
    let (from, column) = plan::plan(conn, spec, column, (after, upto), None)?.source_and_column(spec, column)?;
    let sql = format!("SELECT count(*) FROM {from} WHERE {column} > ?1 AND {column} <= ?2");
    let n: i64 = conn.prepare_cached(&sql)?.query_row([after, upto], |r| r.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
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
    let upto = (i64::MIN, to_i64(position));
    let need = offset.saturating_add(limit);
    let (from, column) =
        plan::plan(conn, spec, position_column, upto, Some(need))?.source_and_column(spec, position_column)?;
    let sql = format!(
        "SELECT {} FROM {from} WHERE {column} <= ?1 ORDER BY {} LIMIT ?2 OFFSET ?3",
        columns(spec)?,
        order_sql(spec)?
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let args = [upto.1, to_i64(limit), to_i64(offset)];
    let rows = stmt.query_map(args, |r| row_from_sql(spec, r))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One row by key (`None`: absent). The table must exist (the caller
/// ensured it inside the write transaction).
pub(super) fn table_row(
    conn: &Connection,
    cache: &SqlCache,
    spec: &'static TableSpec,
    key: &[Cell],
) -> Result<Option<Row>, StoreError> {
    cache.with(spec, |t| -> Result<Option<Row>, StoreError> {
        let mut stmt = conn.prepare_cached(&t.select)?;
        let mut rows = stmt.query(params_from_iter(key))?;
        match rows.next()? {
            Some(r) => Ok(Some(row_from_sql(spec, r)?)),
            None => Ok(None),
        }
    })?
}

/// Upserts `rows` of `spec`'s table, [`BATCH`] rows per statement.
pub(super) fn upsert_rows(
    conn: &Connection,
    cache: &SqlCache,
    spec: &'static TableSpec,
    rows: &[&Row],
) -> Result<(), StoreError> {
    cache.with(spec, |t| -> Result<(), StoreError> {
        let mut chunks = rows.chunks_exact(BATCH);
        if rows.len() >= BATCH {
            let mut batch = conn.prepare_cached(&t.upsert_batch)?;
            for chunk in chunks.by_ref() {
                batch.execute(params_from_iter(chunk.iter().flat_map(|row| sql_cells(spec, row))))?;
            }
        }
        let mut upsert = conn.prepare_cached(&t.upsert)?;
        for row in chunks.remainder() {
            upsert.execute(params_from_iter(sql_cells(spec, row)))?;
        }
        Ok(())
    })?
}

/// Deletes the rows of `spec`'s table with `keys`.
pub(super) fn delete_rows(
    conn: &Connection,
    cache: &SqlCache,
    spec: &'static TableSpec,
    keys: &[&Key],
) -> Result<(), StoreError> {
    cache.with(spec, |t| -> Result<(), StoreError> {
        let mut delete = conn.prepare_cached(&t.delete)?;
        for key in keys {
            delete.execute(params_from_iter(key.parts()))?;
        }
        Ok(())
    })?
}

/// Deletes every row of `spec`'s table.
pub(super) fn clear_table(conn: &Connection, spec: &'static TableSpec) -> Result<(), StoreError> {
    conn.execute_batch(&format!("DELETE FROM {}", ident(spec.name)?))?;
    Ok(())
}
