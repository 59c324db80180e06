//! Read-model tables in PostgreSQL, built from their [`TableSpec`]s: the only
//! SQL of the engine written in Rust, because the tables are the
//! projections' (names are checked, then quoted). Integer columns are
//! `bigint`, text and JSON columns `text` in byte order (`COLLATE "C"`).

mod cells;
mod copy;
mod ledger;

use std::fmt::Write as _;

use postgres::Row as PgRow;
use postgres::types::ToSql;

use super::conn::{Conn, PAGE, col, to_i64};
use crate::es::StoreError;
use crate::es::projection::{Cell, ColumnKind, Key, Row, TableSpec};
use cells::{Arrays, Param, param};

/// `"name"` for a spec's table or column name, which must be `[a-z0-9_]`.
pub fn ident(name: &str) -> Result<String, StoreError> {
    let ok = !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit();
    if ok {
        Ok(format!("\"{name}\""))
    } else {
        Err(StoreError::Damaged { what: "read-model spec".into(), reason: format!("bad identifier {name:?}") })
    }
}

fn sql_type(kind: ColumnKind) -> &'static str {
    match kind {
        ColumnKind::Integer => "bigint",
        ColumnKind::Text | ColumnKind::Json => "text",
    }
}

fn names(spec: &TableSpec, range: std::ops::Range<usize>) -> Result<Vec<String>, StoreError> {
    spec.columns[range].iter().map(|c| ident(c.name)).collect()
}

fn select_sql(spec: &TableSpec) -> Result<String, StoreError> {
    Ok(format!("SELECT {} FROM {}", names(spec, 0..spec.columns.len())?.join(", "), ident(spec.name)?))
}

fn order_sql(spec: &TableSpec) -> Result<String, StoreError> {
    Ok(names(spec, 0..spec.key_len)?.join(", "))
}

/// `($from::type, …)` placeholders for the key columns.
fn key_tuple(spec: &TableSpec, from: usize) -> String {
    let marks: Vec<String> = spec.columns[..spec.key_len]
        .iter()
        .enumerate()
        .map(|(i, c)| format!("${}::{}", from + i, sql_type(c.kind)))
        .collect();
    format!("({})", marks.join(", "))
}

fn row_of(spec: &'static TableSpec, r: &PgRow) -> Result<Row, StoreError> {
    let cells: Result<Vec<Cell>, StoreError> =
        spec.columns.iter().enumerate().map(|(i, c)| cells::read(c.kind, r, i)).collect();
    Ok(Row::from_vec(spec, cells?))
}

impl Conn {
    /// The columns of table `name` in this schema (name, SQL type), in order.
    fn columns(&self, name: &str) -> Result<Vec<(String, String)>, StoreError> {
        let rows = self.query(include_str!("sql/select_columns.sql"), &[&self.schema, &name])?;
        rows.iter().map(|r| Ok((col(r, 0)?, col(r, 1)?))).collect()
    }

    pub(super) fn table_exists(&self, spec: &'static TableSpec) -> Result<bool, StoreError> {
        if self.in_tx.get() && self.known_tables.borrow().contains(spec.name) {
            return Ok(true);
        }
        let sql = "SELECT to_regclass(format('%I.%I', $1::text, $2::text)) IS NOT NULL";
        let row = self.query_opt(sql, &[&self.schema, &spec.name])?;
        let exists = row.map_or(Ok(false), |r| col(&r, 0))?;
        if exists && self.in_tx.get() {
            self.known_tables.borrow_mut().insert(spec.name);
        }
        Ok(exists)
    }

    /// How the table differs from its spec (see [`crate::es::backend::Reads::read_model_problem`]).
    /// Outside a transaction a table found as its spec says is not asked
    /// about again by the sessions opened from this one.
    pub fn read_model_problem(&self, spec: &TableSpec, applied: u64) -> Result<Option<String>, StoreError> {
        let outside = !self.in_tx.get();
        if outside && self.trusts_checked && self.checked.lock().is_ok_and(|c| c.contains(spec.name)) {
            return Ok(None);
        }
        let have = self.columns(spec.name)?;
        let problem = spec.problem(&have, sql_type, applied);
        if outside
            && problem.is_none()
            && !have.is_empty()
            && let Ok(mut checked) = self.checked.lock()
        {
            checked.insert(spec.name.to_owned());
        }
        Ok(problem)
    }

    pub fn table_rows(&self, spec: &'static TableSpec, offset: u64, limit: u64) -> Result<Vec<Row>, StoreError> {
        if !self.table_exists(spec)? {
            return Ok(Vec::new());
        }
        let sql = format!("{} ORDER BY {} LIMIT $1 OFFSET $2", select_sql(spec)?, order_sql(spec)?);
        self.query(&sql, &[&to_i64(limit), &to_i64(offset)])?.iter().map(|r| row_of(spec, r)).collect()
    }

    pub fn table_rows_upto(
        &self,
        spec: &'static TableSpec,
        position_column: &str,
        position: u64,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<Row>, StoreError> {
        if !self.table_exists(spec)? {
            return Ok(Vec::new());
        }
        let sql = format!(
            "{} WHERE {} <= $1 ORDER BY {} LIMIT $2 OFFSET $3",
            select_sql(spec)?,
            ident(position_column)?,
            order_sql(spec)?
        );
        let args: [&(dyn ToSql + Sync); 3] = [&to_i64(position), &to_i64(limit), &to_i64(offset)];
        self.query(&sql, &args)?.iter().map(|r| row_of(spec, r)).collect()
    }

    /// Every row in key order, by pages that resume after the last key seen.
    pub fn scan_table(
        &self,
        spec: &'static TableSpec,
        upto: Option<(&str, u64)>,
        f: &mut dyn FnMut(Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let bound = to_i64(upto.map_or(0, |(_, p)| p));
        let filter = match upto {
            Some((column, _)) => format!("{} <= $1", ident(column)?),
            None => "$1::bigint IS NOT NULL".to_owned(),
        };
        self.scan_where(spec, &filter, &[bound], f)
    }

    /// The rows matching `filter` (over `$1`… = `bounds`) in key order, by
    /// pages that resume after the last key seen (a missing table reads empty).
    pub(super) fn scan_where(
        &self,
        spec: &'static TableSpec,
        filter: &str,
        bounds: &[i64],
        f: &mut dyn FnMut(Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        if !self.table_exists(spec)? {
            return Ok(());
        }
        let order = order_sql(spec)?;
        let first = format!("{} WHERE {filter} ORDER BY {order} LIMIT {PAGE}", select_sql(spec)?);
        let next = format!(
            "{} WHERE {filter} AND ({order}) > {} ORDER BY {order} LIMIT {PAGE}",
            select_sql(spec)?,
            key_tuple(spec, bounds.len() + 1)
        );
        let bounds: Vec<&(dyn ToSql + Sync)> = bounds.iter().map(|b| b as &(dyn ToSql + Sync)).collect();
        let mut after: Option<Vec<Param>> = None;
        loop {
            let page = match &after {
                None => self.query(&first, &bounds)?,
                Some(key) => {
                    let mut args = bounds.clone();
                    args.extend(key.iter().map(Param::as_sql));
                    self.query(&next, &args)?
                }
            };
            let full = i64::try_from(page.len()).unwrap_or(0) == PAGE;
            let mut last = None;
            for r in &page {
                let row = row_of(spec, r)?;
                if full {
                    last = Some(row.clone());
                }
                f(row)?;
            }
            match last {
                Some(row) => after = Some(key_params(spec, row.key_cells())?),
                None => return Ok(()),
            }
        }
    }

    /// The row with `key`, if any.
    pub fn table_row(&self, spec: &'static TableSpec, key: &[Cell]) -> Result<Option<Row>, StoreError> {
        if !self.table_exists(spec)? {
            return Ok(None);
        }
        let sql = format!("{} WHERE ({}) = {}", select_sql(spec)?, order_sql(spec)?, key_tuple(spec, 1));
        let params = key_params(spec, key)?;
        let args: Vec<&(dyn ToSql + Sync)> = params.iter().map(Param::as_sql).collect();
        self.query_opt(&sql, &args)?.map(|r| row_of(spec, &r)).transpose()
    }

    /// Creates missing tables; one whose columns differ is dropped and
    /// recreated. Returns those (re)created empty.
    pub fn ensure_tables(&self, specs: &[&'static TableSpec]) -> Result<Vec<&'static str>, StoreError> {
        let mut fresh = Vec::new();
        for spec in specs {
            let have = self.columns(spec.name)?;
            let want: Vec<(&str, &str)> = spec.columns.iter().map(|c| (c.name, sql_type(c.kind))).collect();
            if have.len() == want.len() && have.iter().zip(&want).all(|((n, t), (w, wt))| n == w && t == wt) {
                // Seen as its spec says: a later row read in a write
                // transaction need not ask again whether it exists.
                if self.in_tx.get() {
                    self.known_tables.borrow_mut().insert(spec.name);
                }
                continue;
            }
            let name = ident(spec.name)?;
            let mut sql = String::new();
            if !have.is_empty() {
                let _ = write!(sql, "DROP TABLE {name}; ");
            }
            let mut cols = Vec::new();
            for c in spec.columns {
                let collate = if c.kind == ColumnKind::Integer { "" } else { " COLLATE \"C\"" };
                cols.push(format!("{} {}{collate}", ident(c.name)?, sql_type(c.kind)));
            }
            cols.push(format!("PRIMARY KEY ({})", order_sql(spec)?));
            let _ = write!(sql, "CREATE TABLE {name} ({})", cols.join(", "));
            self.batch(&sql)?;
            self.forget_statements();
            fresh.push(spec.name);
        }
        Ok(fresh)
    }

    pub fn clear_table(&self, spec: &'static TableSpec) -> Result<(), StoreError> {
        if self.table_exists(spec)? {
            self.batch(&format!("DELETE FROM {}", ident(spec.name)?))?;
        }
        Ok(())
    }

    /// Drops the table when it differs from its spec; whether it did.
    pub fn drop_table_if_altered(&self, spec: &'static TableSpec) -> Result<bool, StoreError> {
        if self.read_model_problem(spec, 0)?.is_none() {
            return Ok(false);
        }
        self.batch(&format!("DROP TABLE {}", ident(spec.name)?))?;
        self.forget_statements();
        Ok(true)
    }

    /// Inserts or replaces rows (a later row with the key of an earlier one wins).
    pub fn upsert_rows(&self, spec: &'static TableSpec, rows: &[&Row]) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let sql = upsert_sql(spec, 1)?;
        for chunk in rows.chunks(5_000) {
            self.execute(&sql, &upsert_arrays(spec, chunk)?.as_sql())?;
        }
        Ok(())
    }

    /// [`Conn::upsert_rows`] tried as a plain `COPY` first, in a savepoint
    /// (see `rows/copy.rs`): rows whose keys are all new (a ledger's, a
    /// rebuild's) skip the server's conflict checks; at a taken key they are
    /// all upserted. Whether a key was taken.
    pub fn insert_rows(&self, spec: &'static TableSpec, rows: &[&Row]) -> Result<bool, StoreError> {
        if self.copy_rows(spec, rows)? {
            return Ok(false);
        }
        self.upsert_rows(spec, rows)?;
        Ok(true)
    }

    /// [`Conn::upsert_rows`] of a few rows in each of several tables, in one
    /// statement (one data-modifying `WITH` per table; each table once).
    pub fn upsert_tables(&self, tables: &[(&'static TableSpec, Vec<Row>)]) -> Result<(), StoreError> {
        let mut parts = Vec::with_capacity(tables.len());
        let mut arrays = Vec::with_capacity(tables.len());
        let mut next = 1;
        for (i, (spec, rows)) in tables.iter().enumerate() {
            let rows: Vec<&Row> = rows.iter().collect();
            parts.push(format!("t{i} AS ({})", upsert_sql(spec, next)?));
            next += spec.columns.len();
            arrays.push(upsert_arrays(spec, &rows)?);
        }
        if parts.is_empty() {
            return Ok(());
        }
        let sql = format!("WITH {} SELECT 1", parts.join(", "));
        let args: Vec<&(dyn ToSql + Sync)> = arrays.iter().flat_map(Arrays::as_sql).collect();
        self.execute(&sql, &args)?;
        Ok(())
    }

    pub fn delete_rows(&self, spec: &'static TableSpec, keys: &[&Key]) -> Result<(), StoreError> {
        if keys.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "DELETE FROM {} WHERE ({}) IN (SELECT * FROM unnest({}))",
            ident(spec.name)?,
            order_sql(spec)?,
            array_marks(spec, spec.key_len, 1)
        );
        for chunk in keys.chunks(5_000) {
            let mut arrays = Arrays::new(spec, spec.key_len, chunk.len());
            for key in chunk {
                arrays.push(spec, key.parts())?;
            }
            self.execute(&sql, &arrays.as_sql())?;
        }
        Ok(())
    }
}

/// `$from::bigint[], $(from+1)::text[], …` for the first `n` columns.
fn array_marks(spec: &TableSpec, n: usize, from: usize) -> String {
    let marks: Vec<String> =
        spec.columns[..n].iter().enumerate().map(|(i, c)| format!("${}::{}[]", from + i, sql_type(c.kind))).collect();
    marks.join(", ")
}

/// The upsert of `spec`'s rows from one array per column, numbered from `$from`.
fn upsert_sql(spec: &TableSpec, from: usize) -> Result<String, StoreError> {
    let cols = names(spec, 0..spec.columns.len())?;
    let values = cols.iter().skip(spec.key_len).map(|c| format!("{c} = excluded.{c}")).collect::<Vec<_>>();
    let action = if values.is_empty() { "NOTHING".to_owned() } else { format!("UPDATE SET {}", values.join(", ")) };
    Ok(format!("{} ON CONFLICT ({}) DO {action}", insert_sql(spec, from)?, order_sql(spec)?))
}

/// The plain insert of `spec`'s rows from one array per column, numbered from `$from`.
fn insert_sql(spec: &TableSpec, from: usize) -> Result<String, StoreError> {
    let cols = names(spec, 0..spec.columns.len())?;
    Ok(format!(
        "INSERT INTO {} ({}) SELECT * FROM unnest({})",
        ident(spec.name)?,
        cols.join(", "),
        array_marks(spec, spec.columns.len(), from)
    ))
}

/// The column arrays of `rows` (sorted by key): one statement may not touch
/// a key twice, so of equal keys the last row is kept.
fn upsert_arrays(spec: &TableSpec, rows: &[&Row]) -> Result<Arrays, StoreError> {
    let mut arrays = Arrays::new(spec, spec.columns.len(), rows.len());
    for (i, row) in rows.iter().enumerate() {
        if rows.get(i + 1).is_some_and(|next| next.key_cells() == row.key_cells()) {
            continue;
        }
        arrays.push(spec, row.cells())?;
    }
    Ok(arrays)
}

fn key_params(spec: &TableSpec, key: &[Cell]) -> Result<Vec<Param>, StoreError> {
    spec.columns[..spec.key_len].iter().zip(key).map(|(c, cell)| param(spec, c, cell)).collect()
}
