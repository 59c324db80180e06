//! Projections: pure folds of the whole log into rows of tables.
//!
//! One fold, two uses: a [`Projection`] writes through the [`Rows`] trait, so
//! the same code materialises the persistent read model (SQLite tables, in the
//! same transaction as the checkpoint; see `store::rows`) and the in-memory
//! state the time machine scrubs through ([`MemTables`]).

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::event::Event;

/// One row: column name to value.
pub type Row = Map<String, Value>;

/// SQL type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// TEXT.
    Text,
    /// INTEGER (exact; money is always integer minor units).
    Integer,
    /// TEXT holding JSON (arrays, objects).
    Json,
}

/// One column of a read-model table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Column name (`[a-z_]+`).
    pub name: &'static str,
    /// Its type.
    pub kind: ColumnKind,
}

/// A read-model table: its name and columns; the first `key_len` columns form
/// the primary key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableSpec {
    /// Table name (`[a-z_]+`), also the SQLite table's name.
    pub name: &'static str,
    /// Columns in order.
    pub columns: &'static [Column],
    /// How many leading columns form the key.
    pub key_len: usize,
}

impl TableSpec {
    /// The key of `row` under this spec (missing key columns read as empty text).
    #[must_use]
    pub fn key_of(&self, row: &Row) -> Vec<KeyPart> {
        self.columns[..self.key_len].iter().map(|c| KeyPart::from_value(row.get(c.name))).collect()
    }
}

/// One component of a row key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyPart {
    /// Integer key component.
    Int(i64),
    /// Text key component.
    Text(String),
}

impl KeyPart {
    /// The key part for a JSON value (numbers as integers, anything else as text).
    #[must_use]
    pub fn from_value(v: Option<&Value>) -> Self {
        match v {
            Some(Value::Number(n)) if n.is_i64() => Self::Int(n.as_i64().unwrap_or_default()),
            Some(Value::String(s)) => Self::Text(s.clone()),
            Some(other) => Self::Text(other.to_string()),
            None => Self::Text(String::new()),
        }
    }
}

impl From<&str> for KeyPart {
    fn from(s: &str) -> Self {
        Self::Text(s.to_owned())
    }
}

impl From<i64> for KeyPart {
    fn from(n: i64) -> Self {
        Self::Int(n)
    }
}

/// Storage failure underneath a projection.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("read model storage: {0}")]
pub struct RowsError(pub String);

/// Where a projection reads and writes its rows.
pub trait Rows {
    /// The row of `table` with `key`, if any.
    ///
    /// # Errors
    /// Storage failure.
    fn get(&mut self, table: &'static TableSpec, key: &[KeyPart]) -> Result<Option<Row>, RowsError>;
    /// Inserts or replaces `row` (its key comes from its key columns).
    ///
    /// # Errors
    /// Storage failure.
    fn put(&mut self, table: &'static TableSpec, row: Row) -> Result<(), RowsError>;
    /// Deletes the row with `key`, if any.
    ///
    /// # Errors
    /// Storage failure.
    fn delete(&mut self, table: &'static TableSpec, key: &[KeyPart]) -> Result<(), RowsError>;
}

/// How the time machine finds a read model as of an earlier position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeTravel {
    /// Fold it in memory (right for read models whose size follows the
    /// number of streams, not the number of events).
    Fold,
    /// Its first table only ever gains rows (never updated, deleted or read
    /// back by the projection), each carrying the position that wrote it in
    /// this column: the rows as of position P are the persistent rows with
    /// `column <= P`. Right for ledgers that grow with the log.
    Query {
        /// The column holding the writing event's position.
        position_column: &'static str,
    },
}

/// A read model: a pure fold over every event of the log.
pub trait Projection: Send + Sync {
    /// Unique name (`account_balances`), also its checkpoint's name.
    fn name(&self) -> &'static str;
    /// The tables it owns; the first is the one shown to people.
    fn tables(&self) -> &'static [TableSpec];
    /// Folds one upcast event (events it does not care about are ignored).
    ///
    /// # Errors
    /// Only storage failures from `rows`.
    fn apply(&self, rows: &mut dyn Rows, event: &Event) -> Result<(), RowsError>;
    /// How the time machine shows it at earlier positions (default: fold).
    fn time_travel(&self) -> TimeTravel {
        TimeTravel::Fold
    }
}

/// Rows of one table in key order, cheap to clone (structural sharing), so the
/// time machine can keep many copies.
pub type MemTable = imbl::OrdMap<Vec<KeyPart>, Arc<Row>>;

/// In-memory tables: the time machine's view of every read model.
#[derive(Debug, Clone, Default)]
pub struct MemTables {
    tables: HashMap<&'static str, MemTable>,
}

impl MemTables {
    /// The rows of `table`, in key order (empty if never written).
    pub fn rows(&self, table: &str) -> impl Iterator<Item = &Row> {
        self.tables.get(table).into_iter().flat_map(|t| t.values().map(AsRef::as_ref))
    }

    /// How many rows `table` has.
    #[must_use]
    pub fn len(&self, table: &str) -> usize {
        self.tables.get(table).map_or(0, MemTable::len)
    }

    /// Whether no table has a row.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.tables.values().all(MemTable::is_empty)
    }

    /// The table itself, for ranged access.
    #[must_use]
    pub fn table(&self, table: &str) -> Option<&MemTable> {
        self.tables.get(table)
    }
}

impl Rows for MemTables {
    fn get(&mut self, table: &'static TableSpec, key: &[KeyPart]) -> Result<Option<Row>, RowsError> {
        Ok(self.tables.get(table.name).and_then(|t| t.get(key)).map(|r| Row::clone(r)))
    }
    fn put(&mut self, table: &'static TableSpec, row: Row) -> Result<(), RowsError> {
        let key = table.key_of(&row);
        self.tables.entry(table.name).or_default().insert(key, Arc::new(row));
        Ok(())
    }
    fn delete(&mut self, table: &'static TableSpec, key: &[KeyPart]) -> Result<(), RowsError> {
        if let Some(t) = self.tables.get_mut(table.name) {
            t.remove(key);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    static T: TableSpec = TableSpec {
        name: "t",
        columns: &[Column { name: "id", kind: ColumnKind::Text }, Column { name: "n", kind: ColumnKind::Integer }],
        key_len: 1,
    };

    fn row(v: Value) -> Row {
        match v {
            Value::Object(m) => m,
            other => panic!("not an object: {other}"),
        }
    }

    #[test]
    fn mem_tables_put_get_delete_in_key_order() {
        let mut m = MemTables::default();
        m.put(&T, row(json!({"id": "b", "n": 2}))).unwrap();
        m.put(&T, row(json!({"id": "a", "n": 1}))).unwrap();
        let before = m.clone();
        m.put(&T, row(json!({"id": "a", "n": 5}))).unwrap();
        assert_eq!(m.get(&T, &["a".into()]).unwrap().unwrap()["n"], json!(5));
        assert_eq!(before.rows("t").map(|r| r["n"].clone()).collect::<Vec<_>>(), vec![json!(1), json!(2)]);
        m.delete(&T, &["b".into()]).unwrap();
        assert_eq!(m.len("t"), 1);
        assert_eq!(before.len("t"), 2, "clones are independent");
    }
}
