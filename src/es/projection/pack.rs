//! A read model's rows packed into bytes and back: the body of a read-model
//! snapshot, which the engines keep as given (see
//! [`crate::es::backend::Writes::save_model_snapshot`]).
//!
//! The body is JSON, `{"<table>": [[cell, …], …], …}`, each row's cells in
//! column order; the tag ([`tag`]) names the tables and their columns, so a
//! snapshot taken under other tables is never read as this one. A body is
//! read back from a file that may have been edited: anything that does not
//! fit the tables (a missing table, a row of the wrong width, a cell of the
//! wrong kind) is an error that names it, never a panic.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use super::{Cell, ColumnKind, MemTables, Row, Rows, TableSpec};

/// The tag of a read model whose tables are `specs`: the format's version,
/// then each table's name and columns with their kinds.
#[must_use]
pub fn tag(specs: &[TableSpec]) -> String {
    let mut out = String::from("rows/1");
    for t in specs {
        let _ = write!(out, " {}[{}]", t.name, t.key_len);
        for c in t.columns {
            let kind = match c.kind {
                ColumnKind::Text => "text",
                ColumnKind::Integer => "int",
                ColumnKind::Json => "json",
            };
            let _ = write!(out, " {}:{kind}", c.name);
        }
    }
    out
}

/// Packs the rows of each table (in the order of `tables`).
#[must_use]
pub fn pack<'a>(tables: impl IntoIterator<Item = (&'a TableSpec, &'a [Row])>) -> Vec<u8> {
    let map: BTreeMap<&str, Vec<&[Cell]>> =
        tables.into_iter().map(|(spec, rows)| (spec.name, rows.iter().map(Row::cells).collect())).collect();
    // Names, integers, text and JSON values always serialise.
    serde_json::to_vec(&map).unwrap_or_default()
}

/// Unpacks a body made by [`pack`] for the tables `specs` into `into`.
///
/// # Errors
/// What does not fit: not JSON, a table missing, a row of another width, a
/// cell of another kind than its column's.
pub fn unpack(specs: &'static [TableSpec], body: &[u8], into: &mut MemTables) -> Result<(), String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(mut tables) = value else { return Err("not an object of tables".into()) };
    for spec in specs {
        let Some(Value::Array(rows)) = tables.remove(spec.name) else {
            return Err(format!("table `{}` is missing", spec.name));
        };
        for (i, row) in rows.into_iter().enumerate() {
            let Value::Array(cells) = row else { return Err(format!("row {i} of `{}` is not an array", spec.name)) };
            if cells.len() != spec.columns.len() {
                return Err(format!(
                    "row {i} of `{}` has {} cells, not {}",
                    spec.name,
                    cells.len(),
                    spec.columns.len()
                ));
            }
            let cells = cells
                .into_iter()
                .zip(spec.columns)
                .map(|(v, c)| cell(c.kind, v).ok_or_else(|| format!("row {i} of `{}`: bad `{}`", spec.name, c.name)))
                .collect::<Result<Vec<_>, _>>()?;
            if cells[..spec.key_len].iter().any(|c| matches!(c, Cell::Null)) {
                return Err(format!("row {i} of `{}` has a null key", spec.name));
            }
            into.put(spec, Row::from_vec(spec, cells)).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// A cell of a column of `kind` from its JSON value, `None` if it cannot be one.
fn cell(kind: ColumnKind, v: Value) -> Option<Cell> {
    Some(match (kind, v) {
        (_, Value::Null) => Cell::Null,
        (ColumnKind::Integer, Value::Number(n)) => Cell::Int(n.as_i64()?),
        (ColumnKind::Text, Value::String(s)) => Cell::text(&s),
        (ColumnKind::Json, v) => Cell::json(v),
        _ => return None,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a failed unwrap is the failure report
mod tests {
    use super::super::Column;
    use super::*;

    static T: [TableSpec; 1] = [TableSpec {
        name: "t",
        columns: &[
            Column { name: "id", kind: ColumnKind::Text },
            Column { name: "n", kind: ColumnKind::Integer },
            Column { name: "tags", kind: ColumnKind::Json },
        ],
        key_len: 1,
    }];

    fn rows() -> Vec<Row> {
        vec![
            Row::new(&T[0], [Cell::text("a"), Cell::Int(-7), Cell::json(serde_json::json!(["x", {"y": 1.5}]))]),
            Row::new(&T[0], [Cell::text("b\"\n"), Cell::Int(i64::MAX), Cell::Null]),
        ]
    }

    #[test]
    fn rows_come_back_as_packed() {
        let rows = rows();
        let body = pack([(&T[0], rows.as_slice())]);
        let mut m = MemTables::default();
        unpack(&T, &body, &mut m).unwrap();
        let back: Vec<Row> = m.rows("t").cloned().collect();
        assert_eq!(back, rows);
        assert_eq!(back[0].to_json(), rows[0].to_json());
    }

    #[test]
    fn bodies_that_do_not_fit_are_named() {
        let mut m = MemTables::default();
        let err = |body: &str| unpack(&T, body.as_bytes(), &mut MemTables::default()).unwrap_err();
        assert!(err("{").starts_with("not JSON"));
        assert_eq!(err("{}"), "table `t` is missing");
        assert_eq!(err(r#"{"t":[["a",1]]}"#), "row 0 of `t` has 2 cells, not 3");
        assert_eq!(err(r#"{"t":[["a","one",null]]}"#), "row 0 of `t`: bad `n`");
        assert_eq!(err(r#"{"t":[["a",1.5,null]]}"#), "row 0 of `t`: bad `n`");
        assert_eq!(err(r#"{"t":[[null,1,null]]}"#), "row 0 of `t` has a null key");
        assert!(unpack(&T, br#"{"t":[]}"#, &mut m).is_ok());
        assert!(m.is_empty());
    }

    #[test]
    fn the_tag_names_tables_and_columns() {
        assert_eq!(tag(&T), "rows/1 t[1] id:text n:int tags:json");
    }
}
