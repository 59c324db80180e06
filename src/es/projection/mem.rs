//! In-memory tables: the time machine's read models, cheap to clone.

use std::borrow::Borrow;
use std::cmp::Ordering;

use super::{Cell, Row, Rows, RowsError, TableSpec};

/// A row ordered, compared and looked up by its key cells, so a table needs
/// no separate keys: a tree node holds 24-byte rows only.
#[derive(Debug, Clone)]
struct Keyed(Row);

impl PartialEq for Keyed {
    fn eq(&self, other: &Self) -> bool {
        self.0.key_cells() == other.0.key_cells()
    }
}

impl Eq for Keyed {}

impl Ord for Keyed {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.key_cells().cmp(other.0.key_cells())
    }
}

impl PartialOrd for Keyed {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Borrow<[Cell]> for Keyed {
    fn borrow(&self) -> &[Cell] {
        self.0.key_cells()
    }
}

/// Rows of one table in key order, cheap to clone (structural sharing), so the
/// time machine can keep many copies. A clone shares every row; a write
/// copies only the path to the row it changes.
type MemTable = imbl::OrdSet<Keyed>;

/// In-memory tables: the time machine's view of every read model.
#[derive(Debug, Clone, Default)]
pub struct MemTables {
    /// A handful of tables: a scan beats hashing the name.
    tables: Vec<(&'static str, MemTable)>,
}

impl MemTables {
    fn find(&self, table: &str) -> Option<&MemTable> {
        self.tables.iter().find(|(n, _)| *n == table).map(|(_, t)| t)
    }

    fn find_mut(&mut self, table: &'static str) -> &mut MemTable {
        let i = self.tables.iter().position(|(n, _)| *n == table).unwrap_or_else(|| {
            self.tables.push((table, MemTable::new()));
            self.tables.len() - 1
        });
        &mut self.tables[i].1
    }

    /// The rows of `table`, in key order (empty if never written).
    pub fn rows(&self, table: &str) -> impl Iterator<Item = &Row> {
        self.find(table).into_iter().flat_map(|t| t.iter().map(|k| &k.0))
    }

    /// The names of the tables holding rows.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.tables.iter().filter(|(_, t)| !t.is_empty()).map(|(n, _)| *n)
    }

    /// How many rows `table` has.
    #[must_use]
    pub fn len(&self, table: &str) -> usize {
        self.find(table).map_or(0, MemTable::len)
    }

    /// Whether no table has a row.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.tables.iter().all(|(_, t)| t.is_empty())
    }

    /// The row of `table` with `key`, borrowed.
    #[must_use]
    pub fn row(&self, table: &str, key: &[Cell]) -> Option<&Row> {
        self.find(table).and_then(|t| t.get(key)).map(|k| &k.0)
    }
}

impl Rows for MemTables {
    fn get(&mut self, table: &'static TableSpec, key: &[Cell]) -> Result<Option<Row>, RowsError> {
        Ok(self.row(table.name, key).cloned())
    }
    fn put(&mut self, table: &'static TableSpec, row: Row) -> Result<(), RowsError> {
        self.find_mut(table.name).insert(Keyed(row));
        Ok(())
    }
    fn delete(&mut self, table: &'static TableSpec, key: &[Cell]) -> Result<(), RowsError> {
        if self.find(table.name).is_some() {
            self.find_mut(table.name).remove(key);
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a failed unwrap is the failure report
mod tests {
    use super::super::{Column, ColumnKind};
    use super::*;

    static T: TableSpec = TableSpec {
        name: "t",
        columns: &[Column { name: "id", kind: ColumnKind::Text }, Column { name: "n", kind: ColumnKind::Integer }],
        key_len: 1,
    };

    fn row(id: &str, n: i64) -> Row {
        Row::new(&T, [Cell::text(id), Cell::Int(n)])
    }

    #[test]
    fn mem_tables_put_get_delete_in_key_order() {
        let mut m = MemTables::default();
        m.put(&T, row("b", 2)).unwrap();
        m.put(&T, row("a", 1)).unwrap();
        let before = m.clone();
        m.put(&T, row("a", 5)).unwrap();
        assert_eq!(m.get(&T, &["a".into()]).unwrap().unwrap().int(1), 5);
        assert_eq!(before.rows("t").map(|r| r.int(1)).collect::<Vec<_>>(), vec![1, 2]);
        m.delete(&T, &["b".into()]).unwrap();
        m.delete(&T, &["zzz".into()]).unwrap();
        assert_eq!(m.len("t"), 1);
        assert_eq!(before.len("t"), 2, "clones are independent");
        assert!(m.get(&T, &["b".into()]).unwrap().is_none());
        assert_eq!(m.rows("t").next().unwrap().to_json().to_string(), r#"{"id":"a","n":5}"#);
    }
}
