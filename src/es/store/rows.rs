//! Read-model tables in SQLite: created from [`TableSpec`]s, written through a
//! write-behind cache so a batch of events costs one write per touched row.

use rustc_hash::FxHashMap as HashMap;

use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{Connection, params_from_iter};
use serde_json::Value;

use super::StoreError;
use super::write::WriteTx;
use crate::es::projection::{ColumnKind, KeyPart, Row, Rows, RowsError, TableSpec};

/// Rows written or deleted in this transaction but not yet in SQLite.
#[derive(Debug, Default)]
pub(super) struct RowCache {
    entries: HashMap<(&'static str, Vec<KeyPart>), Option<Row>>,
    tables: HashMap<&'static str, TableSql>,
}

/// A table's spec with its statements, built once per transaction.
#[derive(Debug)]
struct TableSql {
    spec: &'static TableSpec,
    select: String,
    upsert: String,
    delete: String,
}

impl TableSql {
    fn new(spec: &'static TableSpec) -> Result<Self, StoreError> {
        let cols: Result<Vec<_>, _> = spec.columns.iter().map(|c| ident(c.name)).collect();
        let marks: Vec<String> = (1..=spec.columns.len()).map(|i| format!("?{i}")).collect();
        Ok(Self {
            spec,
            select: format!("{} WHERE {}", select_sql(spec)?, key_where(spec)?),
            upsert: format!(
                "INSERT OR REPLACE INTO {} ({}) VALUES ({})",
                ident(spec.name)?,
                cols?.join(", "),
                marks.join(", ")
            ),
            delete: format!("DELETE FROM {} WHERE {}", ident(spec.name)?, key_where(spec)?),
        })
    }
}

impl RowCache {
    fn table(&mut self, spec: &'static TableSpec) -> Result<&TableSql, StoreError> {
        if !self.tables.contains_key(spec.name) {
            self.tables.insert(spec.name, TableSql::new(spec)?);
        }
        self.tables
            .get(spec.name)
            .ok_or_else(|| StoreError::Damaged { what: spec.name.into(), reason: "table vanished".into() })
    }
}

/// Flush the cache when it holds this many rows.
const CACHE_LIMIT: usize = 20_000;

fn ident(name: &str) -> Result<String, StoreError> {
    let ok = !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit();
    if ok {
        Ok(format!("\"{name}\""))
    } else {
        Err(StoreError::Damaged { what: "read-model spec".into(), reason: format!("bad identifier {name:?}") })
    }
}

fn key_where(spec: &TableSpec) -> Result<String, StoreError> {
    let parts: Result<Vec<_>, StoreError> = spec.columns[..spec.key_len]
        .iter()
        .enumerate()
        .map(|(i, c)| Ok(format!("{} = ?{}", ident(c.name)?, i + 1)))
        .collect();
    Ok(parts?.join(" AND "))
}

fn key_sql(k: &KeyPart) -> SqlValue {
    match k {
        KeyPart::Int(n) => SqlValue::Integer(*n),
        KeyPart::Text(s) => SqlValue::Text(s.clone()),
    }
}

fn to_sql(kind: ColumnKind, v: Option<&Value>) -> SqlValue {
    match (kind, v) {
        (_, None | Some(Value::Null)) => SqlValue::Null,
        (ColumnKind::Integer, Some(Value::Number(n))) if n.is_i64() => {
            SqlValue::Integer(n.as_i64().unwrap_or_default())
        }
        (ColumnKind::Text, Some(Value::String(s))) => SqlValue::Text(s.clone()),
        (_, Some(other)) => SqlValue::Text(other.to_string()),
    }
}

fn from_sql(kind: ColumnKind, v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(n) => Value::from(n),
        ValueRef::Real(f) => Value::from(f),
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            let s = String::from_utf8_lossy(t);
            if kind == ColumnKind::Json {
                serde_json::from_str(&s).unwrap_or(Value::String(s.into_owned()))
            } else {
                Value::String(s.into_owned())
            }
        }
    }
}

fn row_from_sql(spec: &TableSpec, r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let mut row = Row::new();
    for (i, c) in spec.columns.iter().enumerate() {
        row.insert(c.name.to_owned(), from_sql(c.kind, r.get_ref(i)?));
    }
    Ok(row)
}

fn select_sql(spec: &TableSpec) -> Result<String, StoreError> {
    let cols: Result<Vec<_>, _> = spec.columns.iter().map(|c| ident(c.name)).collect();
    Ok(format!("SELECT {} FROM {}", cols?.join(", "), ident(spec.name)?))
}

fn order_sql(spec: &TableSpec) -> Result<String, StoreError> {
    let cols: Result<Vec<_>, _> = spec.columns[..spec.key_len].iter().map(|c| ident(c.name)).collect();
    Ok(cols?.join(", "))
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
pub(super) fn table_rows(conn: &Connection, spec: &TableSpec, offset: u64, limit: u64) -> Result<Vec<Row>, StoreError> {
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
    spec: &TableSpec,
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
    spec: &TableSpec,
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
        let entries = std::mem::take(&mut self.cache.entries);
        for ((table, key), row) in entries {
            let Some(t) = self.cache.tables.get(table) else { continue };
            match row {
                Some(row) => {
                    let values = t.spec.columns.iter().map(|c| to_sql(c.kind, row.get(c.name)));
                    self.tx.prepare_cached(&t.upsert)?.execute(params_from_iter(values))?;
                }
                None => {
                    self.tx.prepare_cached(&t.delete)?.execute(params_from_iter(key.iter().map(key_sql)))?;
                }
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
            self.cache.entries.retain(|(t, _), _| *t != spec.name);
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
    fn get(&mut self, table: &'static TableSpec, key: &[KeyPart]) -> Result<Option<Row>, RowsError> {
        if let Some(cached) = self.cache.entries.get(&(table.name, key.to_vec())) {
            return Ok(cached.clone());
        }
        let sql = &self.cache.table(table)?.select;
        let mut stmt = self.tx.prepare_cached(sql).map_err(StoreError::from)?;
        let mut rows = stmt.query(params_from_iter(key.iter().map(key_sql))).map_err(StoreError::from)?;
        match rows.next().map_err(StoreError::from)? {
            Some(r) => Ok(Some(row_from_sql(table, r).map_err(StoreError::from)?)),
            None => Ok(None),
        }
    }

    fn put(&mut self, table: &'static TableSpec, row: Row) -> Result<(), RowsError> {
        self.cache.table(table)?;
        self.cache.entries.insert((table.name, table.key_of(&row)), Some(row));
        if self.cache.entries.len() >= CACHE_LIMIT {
            self.flush_rows()?;
        }
        Ok(())
    }

    fn delete(&mut self, table: &'static TableSpec, key: &[KeyPart]) -> Result<(), RowsError> {
        self.cache.table(table)?;
        self.cache.entries.insert((table.name, key.to_vec()), None);
        Ok(())
    }
}
