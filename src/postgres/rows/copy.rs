//! Large inserts of read-model rows by text `COPY` (no conflict checks, no
//! parameter arrays), tried in a savepoint: an import's ledger rows, a
//! rebuild's. Each cell is encoded as the `unnest` path binds it.

use std::io::Write as _;

use super::super::conn::Conn;
use super::super::error::is_unique_violation;
use super::cells::{Param, param};
use super::{ident, names};
use crate::es::StoreError;
use crate::es::projection::{Cell, Row, TableSpec};

impl Conn {
    /// Copies `rows` (sorted by key; of equal neighbours the last wins) into
    /// `spec`'s table inside a savepoint. `false`, with nothing written,
    /// when a key is taken (in the table or twice among `rows`).
    pub fn copy_rows(&self, spec: &'static TableSpec, rows: &[&Row]) -> Result<bool, StoreError> {
        let data = text(spec, rows)?;
        let sql = format!("COPY {} ({}) FROM STDIN", ident(spec.name)?, names(spec, 0..spec.columns.len())?.join(", "));
        self.batch("SAVEPOINT chronicle_rows")?;
        let copied = self.with(|c| {
            let mut w = c.copy_in(&sql)?;
            // A write error is the session's: `finish` reports it.
            let _ = w.write_all(&data);
            w.finish()
        });
        match copied {
            Ok(_) => {
                self.batch("RELEASE SAVEPOINT chronicle_rows")?;
                Ok(true)
            }
            Err(StoreError::Backend { source, .. })
                if source.downcast_ref::<postgres::Error>().and_then(is_unique_violation).is_some() =>
            {
                self.batch("ROLLBACK TO SAVEPOINT chronicle_rows; RELEASE SAVEPOINT chronicle_rows")?;
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }
}

/// `rows` in `COPY`'s text format.
fn text(spec: &TableSpec, rows: &[&Row]) -> Result<Vec<u8>, StoreError> {
    let mut out = Vec::with_capacity(rows.len() * 64);
    for (i, row) in rows.iter().enumerate() {
        if rows.get(i + 1).is_some_and(|next| next.key_cells() == row.key_cells()) {
            continue;
        }
        for (j, c) in spec.columns.iter().enumerate() {
            if j > 0 {
                out.push(b'\t');
            }
            match param(spec, c, row.cells().get(j).unwrap_or(&Cell::Null))? {
                Param::Int(Some(n)) => {
                    let _ = write!(out, "{n}");
                }
                Param::Text(Some(s)) => escape(&mut out, &s),
                Param::Int(None) | Param::Text(None) => out.extend_from_slice(b"\\N"),
            }
        }
        out.push(b'\n');
    }
    Ok(out)
}

/// `s` with `COPY`'s text escapes (backslash, tab, newline, carriage return).
fn escape(out: &mut Vec<u8>, s: &str) {
    for b in s.bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
}
