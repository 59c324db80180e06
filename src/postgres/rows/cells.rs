//! Cells to and from PostgreSQL values, stored as the SQLite engine stores
//! them: integers in integer columns, text as itself in text columns, null
//! as NULL, anything else as its JSON text.

use postgres::Row as PgRow;
use postgres::types::ToSql;
use serde_json::Value;

use super::super::conn::col;
use crate::es::StoreError;
use crate::es::projection::{Cell, Column, ColumnKind, TableSpec};

/// One parameter of a column's type.
#[derive(Debug, Clone)]
pub enum Param {
    /// A `bigint`.
    Int(Option<i64>),
    /// A `text`.
    Text(Option<String>),
}

impl Param {
    pub fn as_sql(&self) -> &(dyn ToSql + Sync) {
        match self {
            Self::Int(v) => v,
            Self::Text(v) => v,
        }
    }
}

/// `cell` as a parameter for column `c` of `spec`.
pub fn param(spec: &TableSpec, c: &Column, cell: &Cell) -> Result<Param, StoreError> {
    if matches!(cell, Cell::Null) || matches!(cell, Cell::Json(v) if v.is_null()) {
        return Ok(match c.kind {
            ColumnKind::Integer => Param::Int(None),
            _ => Param::Text(None),
        });
    }
    Ok(match c.kind {
        ColumnKind::Integer => match cell.as_int() {
            Some(n) => Param::Int(Some(n)),
            None => {
                return Err(StoreError::Damaged {
                    what: format!("read model {}.{}", spec.name, c.name),
                    reason: format!("{} is not an integer", cell.to_value()),
                });
            }
        },
        ColumnKind::Text => Param::Text(Some(match cell {
            Cell::Text(s) => s.to_string(),
            Cell::Json(v) => v.as_str().map_or_else(|| v.to_string(), str::to_owned),
            other => other.to_value().to_string(),
        })),
        ColumnKind::Json => Param::Text(Some(match cell {
            Cell::Json(v) => v.to_string(),
            other => other.to_value().to_string(),
        })),
    })
}

/// Column `i` of `r` as a cell of `kind`.
pub fn read(kind: ColumnKind, r: &PgRow, i: usize) -> Result<Cell, StoreError> {
    Ok(match kind {
        ColumnKind::Integer => col::<Option<i64>>(r, i)?.map_or(Cell::Null, Cell::Int),
        ColumnKind::Text => col::<Option<&str>>(r, i)?.map_or(Cell::Null, Cell::text),
        ColumnKind::Json => match col::<Option<&str>>(r, i)? {
            None => Cell::Null,
            Some(s) => serde_json::from_str::<Value>(s).map_or_else(|_| Cell::text(s), Cell::json),
        },
    })
}

/// One array parameter per column, for `unnest`.
pub struct Arrays(Vec<Param2>);

enum Param2 {
    Int(Vec<Option<i64>>),
    Text(Vec<Option<String>>),
}

impl Arrays {
    /// Empty arrays for the first `n` columns of `spec`.
    pub fn new(spec: &TableSpec, n: usize, capacity: usize) -> Self {
        Self(
            spec.columns[..n]
                .iter()
                .map(|c| match c.kind {
                    ColumnKind::Integer => Param2::Int(Vec::with_capacity(capacity)),
                    _ => Param2::Text(Vec::with_capacity(capacity)),
                })
                .collect(),
        )
    }

    /// Adds one row (its first `n` cells).
    pub fn push(&mut self, spec: &TableSpec, cells: &[Cell]) -> Result<(), StoreError> {
        for (i, array) in self.0.iter_mut().enumerate() {
            let cell = cells.get(i).unwrap_or(&Cell::Null);
            match (array, param(spec, &spec.columns[i], cell)?) {
                (Param2::Int(a), Param::Int(v)) => a.push(v),
                (Param2::Text(a), Param::Text(v)) => a.push(v),
                _ => unreachable!("a column's parameter has the column's type"),
            }
        }
        Ok(())
    }

    pub fn as_sql(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.0
            .iter()
            .map(|a| match a {
                Param2::Int(v) => v as &(dyn ToSql + Sync),
                Param2::Text(v) => v,
            })
            .collect()
    }
}
