//! A ledger's index on the column holding the position that wrote each row
//! (see [`crate::es::backend::Writes::index_positions`]). The server's
//! planner chooses per read between it and the walk of the primary key
//! (its statistics say how many rows a range of positions holds).

use super::ident;
use crate::es::StoreError;
use crate::es::projection::TableSpec;
use crate::postgres::conn::{Conn, col};

/// The index's name: `<table>_by_<column>`.
pub fn index_name(table: &str, column: &str) -> String {
    format!("{table}_by_{column}")
}

impl Conn {
    /// Creates the index of `spec`'s table on `column` unless it is there
    /// (looked up first: `CREATE INDEX IF NOT EXISTS` would lock the table
    /// against writers even when it is).
    pub fn index_positions(&self, spec: &TableSpec, column: &str) -> Result<(), StoreError> {
        let name = index_name(spec.name, column);
        let sql = "SELECT to_regclass(format('%I.%I', $1::text, $2::text)) IS NOT NULL";
        let row = self.query_opt(sql, &[&self.schema, &name])?;
        if row.map_or(Ok(false), |r| col::<bool>(&r, 0))? {
            return Ok(());
        }
        self.batch(&format!(
            "CREATE INDEX IF NOT EXISTS {} ON {} ({})",
            ident(&name)?,
            ident(spec.name)?,
            ident(column)?
        ))
    }
}

/// What a row found through the index costs against one passed by the walk
/// of the primary key (measured on the demo's `transaction_history`; see
/// BENCHMARKS.md, "Ledgers by index").
const LOOKUP_COST: i64 = 20;

impl Conn {
    /// The filter of `column` in `($1, $2]` for a read of `spec`'s rows in
    /// key order, by pages: the planner's choice when the range holds a
    /// small share of the table's positions (through the index), else the
    /// column behind `+ 0` (no index serves it: each page walks the primary
    /// key from where the last stopped, where a page through the index
    /// would find and sort the whole rest of the range again). The share
    /// is estimated from the index's lowest and highest positions, one
    /// round trip; without the index the planner has no choice to make.
    pub fn position_filter(
        &self,
        spec: &TableSpec,
        column: &str,
        (after, upto): (i64, i64),
    ) -> Result<String, StoreError> {
        let (table, name) = (ident(spec.name)?, ident(column)?);
        let walk = format!("({name} + 0) > $1 AND ({name} + 0) <= $2");
        // The scalar subqueries run only when the index is there.
        let sql = format!(
            "SELECT CASE WHEN to_regclass(format('%I.%I', $1::text, $2::text)) IS NOT NULL \
             THEN ARRAY[(SELECT min({name}) FROM {table}), (SELECT max({name}) FROM {table})] END"
        );
        let row = self.query_opt(&sql, &[&self.schema, &index_name(spec.name, column)])?;
        let bounds: Option<Vec<Option<i64>>> = row.map_or(Ok(None), |r| col(&r, 0))?;
        let Some([Some(lo), Some(hi)]) =
            bounds.as_deref().map(|b| [b.first().copied().flatten(), b.get(1).copied().flatten()])
        else {
            return Ok(walk);
        };
        let span = hi.saturating_sub(lo).saturating_add(1).max(1);
        let width = upto.min(hi).saturating_sub(after.max(lo.saturating_sub(1))).max(0);
        Ok(if width.saturating_mul(LOOKUP_COST) < span { format!("{name} > $1 AND {name} <= $2") } else { walk })
    }
}
