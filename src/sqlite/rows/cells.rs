//! Cells to and from SQLite values.

use rusqlite::ToSql;
use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};
use serde_json::Value;

use crate::es::projection::{Cell, ColumnKind, Row, TableSpec};

/// A key cell as a statement parameter: integers as integers, anything else
/// as text (borrowed).
impl ToSql for Cell {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Cell::Int(n) => ToSqlOutput::Owned(SqlValue::Integer(*n)),
            Cell::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Cell::Json(v) if v.is_i64() => ToSqlOutput::Owned(SqlValue::Integer(v.as_i64().unwrap_or_default())),
            Cell::Json(v) if v.is_string() => {
                ToSqlOutput::Borrowed(ValueRef::Text(v.as_str().unwrap_or_default().as_bytes()))
            }
            Cell::Json(v) => ToSqlOutput::Owned(SqlValue::Text(v.to_string())),
            Cell::Null => ToSqlOutput::Owned(SqlValue::Text("null".to_owned())),
        })
    }
}

/// A cell as stored in a column of `kind`: integers in INTEGER columns and
/// text in TEXT columns as themselves, null as NULL, anything else as its
/// JSON text. Text is borrowed, not copied.
pub(super) struct SqlCell<'a>(pub ColumnKind, pub &'a Cell);

impl ToSql for SqlCell<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        let Self(kind, cell) = *self;
        Ok(match (kind, cell) {
            (_, Cell::Null) => ToSqlOutput::Owned(SqlValue::Null),
            (_, Cell::Json(v)) if v.is_null() => ToSqlOutput::Owned(SqlValue::Null),
            (ColumnKind::Integer, c) if c.as_int().is_some() => {
                ToSqlOutput::Owned(SqlValue::Integer(c.as_int().unwrap_or_default()))
            }
            (ColumnKind::Text, Cell::Text(s)) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            (ColumnKind::Text, Cell::Json(v)) if v.is_string() => {
                ToSqlOutput::Borrowed(ValueRef::Text(v.as_str().unwrap_or_default().as_bytes()))
            }
            (_, Cell::Json(v)) => ToSqlOutput::Owned(SqlValue::Text(v.to_string())),
            (_, c) => ToSqlOutput::Owned(SqlValue::Text(c.to_value().to_string())),
        })
    }
}

pub(super) fn from_sql(kind: ColumnKind, v: ValueRef<'_>) -> Cell {
    match v {
        ValueRef::Null => Cell::Null,
        ValueRef::Integer(n) => Cell::Int(n),
        ValueRef::Real(f) => Cell::json(Value::from(f)),
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            let s = String::from_utf8_lossy(t);
            if kind == ColumnKind::Json
                && let Ok(v) = serde_json::from_str::<Value>(&s)
            {
                return Cell::json(v);
            }
            Cell::text(&s)
        }
    }
}

pub(super) fn row_from_sql(spec: &'static TableSpec, r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let cells: rusqlite::Result<Vec<Cell>> =
        spec.columns.iter().enumerate().map(|(i, c)| Ok(from_sql(c.kind, r.get_ref(i)?))).collect();
    Ok(Row::from_vec(spec, cells?))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a failed unwrap is the failure report
mod tests {
    use serde_json::json;

    use super::*;

    fn stored(kind: ColumnKind, cell: &Cell) -> SqlValue {
        match SqlCell(kind, cell).to_sql().unwrap() {
            ToSqlOutput::Borrowed(ValueRef::Text(t)) => SqlValue::Text(String::from_utf8(t.to_vec()).unwrap()),
            ToSqlOutput::Borrowed(ValueRef::Integer(n)) => SqlValue::Integer(n),
            ToSqlOutput::Borrowed(ValueRef::Null) => SqlValue::Null,
            ToSqlOutput::Owned(v) => v,
            _ => panic!("unexpected output"),
        }
    }

    #[test]
    fn cells_are_stored_as_their_column_kind_or_as_json_text() {
        assert_eq!(stored(ColumnKind::Integer, &Cell::Int(5)), SqlValue::Integer(5));
        assert_eq!(stored(ColumnKind::Text, &Cell::text("a")), SqlValue::Text("a".into()));
        assert_eq!(stored(ColumnKind::Text, &Cell::Int(5)), SqlValue::Text("5".into()));
        assert_eq!(stored(ColumnKind::Integer, &Cell::text("a")), SqlValue::Text("\"a\"".into()));
        assert_eq!(stored(ColumnKind::Json, &Cell::json(json!(["x"]))), SqlValue::Text("[\"x\"]".into()));
        assert_eq!(stored(ColumnKind::Json, &Cell::json(json!(null))), SqlValue::Null);
        assert_eq!(stored(ColumnKind::Text, &Cell::Null), SqlValue::Null);
    }

    #[test]
    fn values_read_back_as_cells() {
        assert_eq!(from_sql(ColumnKind::Json, ValueRef::Text(b"[\"x\"]")), Cell::json(json!(["x"])));
        assert_eq!(from_sql(ColumnKind::Json, ValueRef::Text(b"nope")), Cell::text("nope"));
        assert_eq!(from_sql(ColumnKind::Text, ValueRef::Text(b"[1]")), Cell::text("[1]"));
        assert_eq!(from_sql(ColumnKind::Integer, ValueRef::Integer(7)), Cell::Int(7));
        assert_eq!(from_sql(ColumnKind::Integer, ValueRef::Real(1.5)).to_value(), json!(1.5));
        assert_eq!(from_sql(ColumnKind::Text, ValueRef::Null), Cell::Null);
    }
}
