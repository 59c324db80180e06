//! Rows: typed cells in their table's column order, cheap to clone.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use compact_str::CompactString;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

use super::TableSpec;
use super::key::Key;

/// One value of a row, or one part of a key. Cells order null, integers,
/// text (by bytes), then JSON (by its text); key cells are integers or text.
#[derive(Debug, Clone, Default)]
pub enum Cell {
    /// SQL NULL / JSON null.
    #[default]
    Null,
    /// An integer (money is always integer minor units).
    Int(i64),
    /// Text; short text (up to 24 bytes) lives inline, without allocating.
    Text(CompactString),
    /// Any other JSON value (arrays, objects, non-integer numbers).
    Json(Arc<Value>),
}

static NULL: Cell = Cell::Null;

impl Cell {
    /// A text cell.
    #[must_use]
    pub fn text(s: &str) -> Self {
        Self::Text(CompactString::new(s))
    }

    /// An integer cell from an unsigned number (saturating at `i64::MAX`).
    #[must_use]
    pub fn uint(n: u64) -> Self {
        Self::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }

    /// A JSON cell.
    #[must_use]
    pub fn json(v: Value) -> Self {
        Self::Json(Arc::new(v))
    }

    /// The integer in this cell, if it holds one.
    #[must_use]
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Self::Int(n) => Some(*n),
            Self::Json(v) => v.as_i64(),
            _ => None,
        }
    }

    /// The text in this cell, if it holds text.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::Text(s) => Some(s.as_str()),
            Self::Json(v) => v.as_str(),
            _ => None,
        }
    }

    /// The cell as JSON.
    #[must_use]
    pub fn to_value(&self) -> Value {
        match self {
            Self::Null => Value::Null,
            Self::Int(n) => Value::from(*n),
            Self::Text(s) => Value::String(s.as_str().to_owned()),
            Self::Json(v) => Value::clone(v),
        }
    }

    /// Whether both cells show the same JSON value (an integer equals a
    /// JSON integer, key order in objects does not matter).
    #[must_use]
    pub fn same_value(&self, other: &Self) -> bool {
        self == other || self.to_value() == other.to_value()
    }

    fn rank(&self) -> u8 {
        match self {
            Self::Null => 0,
            Self::Int(_) => 1,
            Self::Text(_) => 2,
            Self::Json(_) => 3,
        }
    }
}

impl Ord for Cell {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Self::Int(a), Self::Int(b)) => a.cmp(b),
            (Self::Text(a), Self::Text(b)) => a.as_bytes().cmp(b.as_bytes()),
            (Self::Json(a), Self::Json(b)) if !Arc::ptr_eq(a, b) => a.to_string().cmp(&b.to_string()),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl PartialOrd for Cell {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Cell {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Int(a), Self::Int(b)) => a == b,
            (Self::Text(a), Self::Text(b)) => a == b,
            _ => self.cmp(other) == Ordering::Equal,
        }
    }
}

impl Eq for Cell {}

impl Hash for Cell {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.rank().hash(state);
        match self {
            Self::Null => {}
            Self::Int(n) => n.hash(state),
            Self::Text(s) => s.as_bytes().hash(state),
            Self::Json(v) => v.to_string().hash(state),
        }
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Self::Int(n)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Self::text(s)
    }
}

/// Serialises exactly as [`Cell::to_value`] would.
impl Serialize for Cell {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Null => s.serialize_unit(),
            Self::Int(n) => s.serialize_i64(*n),
            Self::Text(t) => s.serialize_str(t),
            Self::Json(v) => v.serialize(s),
        }
    }
}

/// One row of a read-model table: its cells in the spec's column order.
/// Cloning shares the cells.
#[derive(Clone)]
pub struct Row {
    spec: &'static TableSpec,
    cells: Arc<[Cell]>,
}

impl Row {
    /// A row of `spec` from its cells in column order (missing cells are
    /// null, extra ones dropped).
    #[must_use]
    pub fn new<const N: usize>(spec: &'static TableSpec, cells: [Cell; N]) -> Self {
        if N == spec.columns.len() {
            return Self { spec, cells: Arc::from(cells) };
        }
        Self::from_vec(spec, cells.into())
    }

    /// As [`Row::new`], from a vector.
    #[must_use]
    pub fn from_vec(spec: &'static TableSpec, mut cells: Vec<Cell>) -> Self {
        cells.resize(spec.columns.len(), Cell::Null);
        Self { spec, cells: Arc::from(cells) }
    }

    /// The table this row belongs to.
    #[must_use]
    pub fn spec(&self) -> &'static TableSpec {
        self.spec
    }

    /// Every cell, in column order.
    #[must_use]
    pub fn cells(&self) -> &[Cell] {
        &self.cells
    }

    /// The cell of column `i` (null past the last column).
    #[must_use]
    pub fn cell(&self, i: usize) -> &Cell {
        self.cells.get(i).unwrap_or(&NULL)
    }

    /// The integer in column `i` (0 if it holds none).
    #[must_use]
    pub fn int(&self, i: usize) -> i64 {
        self.cell(i).as_int().unwrap_or(0)
    }

    /// The text in column `i` (empty if it holds none).
    #[must_use]
    pub fn text(&self, i: usize) -> &str {
        self.cell(i).as_str().unwrap_or_default()
    }

    /// Column `i` as a text cell: a clone of it if it holds text (no
    /// allocation for short text), else a cell of its text or "".
    #[must_use]
    pub fn text_cell(&self, i: usize) -> Cell {
        match self.cell(i) {
            c @ Cell::Text(_) => c.clone(),
            c => Cell::text(c.as_str().unwrap_or_default()),
        }
    }

    /// The cell of the column named `name`, if the table has one.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&Cell> {
        self.spec.columns.iter().position(|c| c.name == name).map(|i| self.cell(i))
    }

    /// The column names with their cells, in column order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &Cell)> {
        self.spec.columns.iter().map(|c| c.name).zip(self.cells.iter())
    }

    /// The row's key cells (its first `key_len` cells).
    #[must_use]
    pub fn key_cells(&self) -> &[Cell] {
        &self.cells[..self.spec.key_len.min(self.cells.len())]
    }

    /// The row's key, owned.
    #[must_use]
    pub fn key(&self) -> Key {
        Key::from(self.key_cells())
    }

    /// Whether both rows show the same JSON values column by column.
    #[must_use]
    pub fn same_values(&self, other: &Self) -> bool {
        self.cells.len() == other.cells.len() && self.cells.iter().zip(other.cells.iter()).all(|(a, b)| a.same_value(b))
    }

    /// The row as a JSON object, columns in order.
    #[must_use]
    pub fn to_map(&self) -> Map<String, Value> {
        self.iter().map(|(name, cell)| (name.to_owned(), cell.to_value())).collect()
    }

    /// The row as a JSON object value, columns in order.
    #[must_use]
    pub fn to_json(&self) -> Value {
        Value::Object(self.to_map())
    }
}

impl PartialEq for Row {
    fn eq(&self, other: &Self) -> bool {
        self.spec.name == other.spec.name && self.cells == other.cells
    }
}

impl fmt::Debug for Row {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Serialises as the JSON object [`Row::to_json`] makes, without building it.
impl Serialize for Row {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.cells.len()))?;
        for (name, cell) in self.iter() {
            m.serialize_entry(name, cell)?;
        }
        m.end()
    }
}

/// `{"col": value, …}` in column order, as `serde_json` prints the object.
impl fmt::Display for Row {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = serde_json::to_string(self).map_err(|_| fmt::Error)?;
        f.write_str(&s)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::es::{Column, ColumnKind};

    static T: TableSpec = TableSpec {
        name: "t",
        columns: &[
            Column { name: "id", kind: ColumnKind::Text },
            Column { name: "n", kind: ColumnKind::Integer },
            Column { name: "tags", kind: ColumnKind::Json },
            Column { name: "note", kind: ColumnKind::Text },
        ],
        key_len: 1,
    };

    #[test]
    fn a_row_renders_as_the_json_object_of_its_columns_in_order() {
        let long = "a description well past the twenty-four inline bytes \"quoted\"\n";
        let r = Row::new(&T, [Cell::text("z-1"), Cell::Int(-7), Cell::json(json!(["b", "a"])), Cell::text(long)]);
        let want = json!({"id": "z-1", "n": -7, "tags": ["b", "a"], "note": long});
        assert_eq!(r.to_json(), want);
        assert_eq!(r.to_string(), want.to_string(), "Display is the compact JSON");
        assert_eq!(serde_json::to_string_pretty(&r).unwrap(), serde_json::to_string_pretty(&want).unwrap());
        assert_eq!(r.to_json().to_string(), want.to_string());
        assert_eq!((r.int(1), r.text(0), r.text(1), r.int(9)), (-7, "z-1", "", 0));
        assert_eq!(r.get("note").and_then(Cell::as_str), Some(long));
    }

    #[test]
    fn short_rows_are_padded_with_nulls() {
        let r = Row::new(&T, [Cell::text("a")]);
        assert_eq!(r.to_string(), r#"{"id":"a","n":null,"tags":null,"note":null}"#);
        assert_eq!(r.key().parts(), [Cell::text("a")]);
    }

    #[test]
    fn text_cells_order_by_bytes() {
        let words =
            ["", "a", "a\0", "ab", "abcdefg", "abcdefgh", "abcdefgh\0", "abcdefghi", "abd", "acc-10", "acc-9", "b"];
        for x in words {
            for y in words {
                assert_eq!(Cell::text(x).cmp(&Cell::text(y)), x.as_bytes().cmp(y.as_bytes()), "{x:?} vs {y:?}");
            }
        }
    }

    #[test]
    fn same_values_compares_as_json() {
        let a = Row::new(&T, [Cell::text("a"), Cell::Int(1), Cell::Null, Cell::text("x")]);
        let b = Row::new(&T, [Cell::text("a"), Cell::json(json!(1)), Cell::Null, Cell::json(json!("x"))]);
        assert!(a.same_values(&b) && a != b);
        assert!(!a.same_values(&Row::new(&T, [Cell::text("a"), Cell::Int(2), Cell::Null, Cell::text("x")])));
    }
}
