//! Verifying ledgers ([`TimeTravel::Query`] read models) without holding them:
//! the replay's rows of the ledger table are summed into an order-independent
//! digest instead of kept, and compared with the same digest of the stored
//! rows. Memory stays bounded by the other read models, not by the log.

use sha2::{Digest as _, Sha256};

use crate::es::projection::RowsError;
use crate::es::{Cell, MemTables, Row, Rows, TableSpec};

/// Row count and wrapping sum of per-row hashes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Digest {
    /// Rows added.
    pub rows: u64,
    sum: u128,
}

impl Digest {
    /// Adds one row, normalised to the spec's columns (missing = null).
    pub fn add(&mut self, spec: &TableSpec, row: &Row) {
        // The JSON array of the row's values in column order, as bytes.
        let bytes = if std::ptr::eq(row.spec(), spec) {
            serde_json::to_vec(row.cells())
        } else {
            let cells: Vec<&Cell> = spec.columns.iter().map(|c| row.get(c.name).unwrap_or(&Cell::Null)).collect();
            serde_json::to_vec(&cells)
        }
        .unwrap_or_default();
        let h = Sha256::digest(&bytes);
        let mut first = [0u8; 16];
        first.copy_from_slice(&h[..16]);
        self.sum = self.sum.wrapping_add(u128::from_le_bytes(first));
        self.rows += 1;
    }
}

/// Rows for replaying a ledger projection: its ledger table goes into a
/// digest, its other (private) tables into memory as usual. A ledger
/// projection never reads its ledger table back (see `TimeTravel::Query`).
pub(super) struct LedgerRows<'a> {
    pub mem: &'a mut MemTables,
    pub ledger: &'static TableSpec,
    pub digest: &'a mut Digest,
}

impl Rows for LedgerRows<'_> {
    fn get(&mut self, table: &'static TableSpec, key: &[Cell]) -> Result<Option<Row>, RowsError> {
        if table.name == self.ledger.name {
            return Ok(None);
        }
        self.mem.get(table, key)
    }
    fn put(&mut self, table: &'static TableSpec, row: Row) -> Result<(), RowsError> {
        if table.name == self.ledger.name {
            self.digest.add(table, &row);
            return Ok(());
        }
        self.mem.put(table, row)
    }
    fn delete(&mut self, table: &'static TableSpec, key: &[Cell]) -> Result<(), RowsError> {
        if table.name == self.ledger.name {
            return Err(RowsError(format!("ledger table {} only gains rows", table.name)));
        }
        self.mem.delete(table, key)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::es::{Column, ColumnKind};

    static T: TableSpec = TableSpec {
        name: "t",
        columns: &[Column { name: "id", kind: ColumnKind::Text }, Column { name: "n", kind: ColumnKind::Integer }],
        key_len: 1,
    };

    fn row(id: &str, n: i64) -> Row {
        Row::new(&T, [Cell::text(id), Cell::Int(n)])
    }

    #[test]
    fn the_digest_is_of_the_json_array_of_values() {
        let mut d = Digest::default();
        d.add(&T, &row("a", 1));
        let h = Sha256::digest(json!(["a", 1]).to_string().as_bytes());
        let mut first = [0u8; 16];
        first.copy_from_slice(&h[..16]);
        assert_eq!(d, Digest { rows: 1, sum: u128::from_le_bytes(first) });
    }

    #[test]
    fn the_digest_ignores_order_but_not_content() {
        let (first, second, changed) = (row("a", 1), row("b", 2), row("b", 3));
        let digest = |rows: &[&Row]| {
            let mut d = Digest::default();
            for r in rows {
                d.add(&T, r);
            }
            d
        };
        assert_eq!(digest(&[&first, &second]), digest(&[&second, &first]));
        assert_ne!(digest(&[&first, &second]), digest(&[&first, &changed]));
        assert_eq!(digest(&[&first, &second]).rows, 2);
    }
}
