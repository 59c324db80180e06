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
