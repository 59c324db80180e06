//! The SQL text of read-model tables, built from their specs (names are
//! checked, never interpolated unchecked).

use crate::es::projection::TableSpec;
use crate::es::store::StoreError;

/// A table's spec with its statements, built once per transaction.
#[derive(Debug)]
pub(super) struct TableSql {
    pub spec: &'static TableSpec,
    pub select: String,
    pub upsert: String,
    /// `upsert` of [`BATCH`] rows at once.
    pub upsert_batch: String,
    pub delete: String,
}

/// Appended rows written per statement.
pub(super) const BATCH: usize = 64;

impl TableSql {
    pub fn new(spec: &'static TableSpec) -> Result<Self, StoreError> {
        let cols: Result<Vec<_>, _> = spec.columns.iter().map(|c| ident(c.name)).collect();
        let marks: Vec<String> = (1..=spec.columns.len()).map(|i| format!("?{i}")).collect();
        let tuple = format!("({})", vec!["?"; spec.columns.len()].join(", "));
        let cols = cols?;
        Ok(Self {
            spec,
            select: format!("{} WHERE {}", select_sql(spec)?, key_where(spec)?),
            upsert: format!(
                "INSERT OR REPLACE INTO {} ({}) VALUES ({})",
                ident(spec.name)?,
                cols.join(", "),
                marks.join(", ")
            ),
            upsert_batch: format!(
                "INSERT OR REPLACE INTO {} ({}) VALUES {}",
                ident(spec.name)?,
                cols.join(", "),
                vec![tuple; BATCH].join(", ")
            ),
            delete: format!("DELETE FROM {} WHERE {}", ident(spec.name)?, key_where(spec)?),
        })
    }
}

pub(super) fn ident(name: &str) -> Result<String, StoreError> {
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

/// The table's columns, in order, for a `SELECT`.
pub(super) fn columns(spec: &TableSpec) -> Result<String, StoreError> {
    let cols: Result<Vec<_>, _> = spec.columns.iter().map(|c| ident(c.name)).collect();
    Ok(cols?.join(", "))
}

pub(super) fn select_sql(spec: &TableSpec) -> Result<String, StoreError> {
    Ok(format!("SELECT {} FROM {}", columns(spec)?, ident(spec.name)?))
}

pub(super) fn order_sql(spec: &TableSpec) -> Result<String, StoreError> {
    let cols: Result<Vec<_>, _> = spec.columns[..spec.key_len].iter().map(|c| ident(c.name)).collect();
    Ok(cols?.join(", "))
}
