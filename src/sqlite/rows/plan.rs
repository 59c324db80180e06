//! A ledger's rows by the positions that wrote them: the index on its
//! position column (made with the table) and, per read, whether to walk it.
//!
//! The tables are `WITHOUT ROWID`: an index entry holds the key, so each row
//! found through it costs one more lookup in the table, and the rows then
//! need sorting into key order. A read of a small range of positions is far
//! cheaper that way; one of a wide range is cheaper as the plain walk of the
//! table in key order. SQLite's planner has no statistics to tell them apart
//! (a store is never analysed), so the engine estimates the share of the
//! table in range from the index's lowest and highest positions (ledger rows
//! come at a steady rate along the log) and says which in the SQL.

use rusqlite::{Connection, OptionalExtension};

use super::sql::ident;
use crate::es::projection::TableSpec;
use crate::es::store::StoreError;

/// What a row found through the index costs against one visited by the
/// plain walk (the key lookup, then its share of the sort); measured on the
/// demo's `transaction_history` (see BENCHMARKS.md, "Ledgers by index").
const LOOKUP_COST: f64 = 20.0;

/// The index's name: `<table>_by_<column>`.
fn index_name(table: &str, column: &str) -> String {
    format!("{table}_by_{column}")
}

/// Creates the index of `spec`'s table on `column` unless it is there.
pub(in crate::sqlite) fn ensure_index(conn: &Connection, spec: &TableSpec, column: &str) -> Result<(), StoreError> {
    let index = ident(&index_name(spec.name, column))?;
    let sql = format!("CREATE INDEX IF NOT EXISTS {index} ON {} ({})", ident(spec.name)?, ident(column)?);
    conn.execute_batch(&sql)?;
    Ok(())
}

/// How a read finds the rows whose `column` is in `(after, upto]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Plan {
    /// Through the index (named), then sorted.
    Index(String),
    /// The table walked in key order, the filter on each row.
    Scan,
}

impl Plan {
    /// The `FROM` clause and `column`'s name in the filter: `INDEXED BY`
    /// the index, or the column behind a unary `+` (no index may serve it).
    pub(super) fn source_and_column(&self, spec: &TableSpec, column: &str) -> Result<(String, String), StoreError> {
        let (table, col) = (ident(spec.name)?, ident(column)?);
        Ok(match self {
            Self::Index(index) => (format!("{table} INDEXED BY {}", ident(index)?), col),
            Self::Scan => (table, format!("+{col}")),
        })
    }
}

/// The plan for reading the rows of `spec`'s table with `column` in
/// `(after, upto]`: `need` rows in key order (a page's `offset + limit`),
/// or all of them (`None`). A store without the index (made before it, and
/// opened read-only since) is scanned.
pub(super) fn plan(
    conn: &Connection,
    spec: &TableSpec,
    column: &str,
    (after, upto): (i64, i64),
    need: Option<u64>,
) -> Result<Plan, StoreError> {
    let name = index_name(spec.name, column);
    let mut stmt = conn.prepare_cached(
        "SELECT 1 FROM sqlite_schema AS s, pragma_index_info(s.name) AS i \
         WHERE s.type = 'index' AND s.name = ?1 AND s.tbl_name = ?2 AND i.seqno = 0 AND i.name = ?3",
    )?;
    if !stmt.exists([name.as_str(), spec.name, column])? {
        return Ok(Plan::Scan);
    }
    // Each an index probe (`min`/`max` alone in a query).
    let (table, col) = (ident(spec.name)?, ident(column)?);
    let bound = |f: &str| -> Result<Option<i64>, StoreError> {
        let sql = format!("SELECT {f}({col}) FROM {table} INDEXED BY {}", ident(&name)?);
        Ok(conn.prepare_cached(&sql)?.query_row([], |r| r.get::<_, Option<i64>>(0)).optional()?.flatten())
    };
    let (Some(lo), Some(hi)) = (bound("min")?, bound("max")?) else { return Ok(Plan::Scan) };
    Ok(if by_index((lo, hi), (after, upto), need) { Plan::Index(name) } else { Plan::Scan })
}

/// Whether the index is the cheaper way, for a table whose positions span
/// `lo..=hi` (taken as its size in rows: only the ratios matter).
#[allow(clippy::cast_precision_loss)] // estimates
fn by_index((lo, hi): (i64, i64), (after, upto): (i64, i64), need: Option<u64>) -> bool {
    let span = (hi.saturating_sub(lo).saturating_add(1)).max(1) as f64;
    let width = upto.min(hi).saturating_sub(after.max(lo.saturating_sub(1))).max(0) as f64;
    let share = width / span;
    // The walk stops once it has passed `need` rows in range.
    let walked = need.map_or(span, |n| (n as f64 / share.max(f64::MIN_POSITIVE)).min(span));
    share * span * LOOKUP_COST < walked
}

#[cfg(test)]
mod tests {
    use super::by_index;

    #[test]
    fn a_narrow_range_goes_by_the_index_and_a_wide_one_walks_the_table() {
        let table = (1, 1_000_000);
        assert!(by_index(table, (500_000, 501_000), None));
        assert!(!by_index(table, (300_000, 633_000), None));
        // A page of the first rows as of a late position: the walk finds them at once.
        assert!(!by_index(table, (0, 900_000), Some(50)));
        // As of an early position: few rows in range, the walk would pass most of the table.
        assert!(by_index(table, (0, 1_000), Some(50)));
        // Nothing in range: the index answers at once.
        assert!(by_index(table, (2_000_000, 3_000_000), None));
    }
}
