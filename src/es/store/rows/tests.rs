//! The row cache: its append path keeps `put` semantics; a bulk load and a
//! cleared table answer reads from the transaction's own writes.

use super::super::Store;
use crate::es::projection::{Cell, Column, ColumnKind, Row, Rows, TableSpec};

static SPECS: [TableSpec; 1] = [TableSpec {
    name: "ledger",
    columns: &[
        Column { name: "account", kind: ColumnKind::Text },
        Column { name: "seq", kind: ColumnKind::Integer },
        Column { name: "note", kind: ColumnKind::Text },
    ],
    key_len: 2,
}];
static LEDGER: &TableSpec = &SPECS[0];

fn line(account: &str, seq: i64, note: &str) -> Row {
    Row::new(LEDGER, [Cell::text(account), Cell::Int(seq), Cell::text(note)])
}

fn keys(rows: &[Row]) -> Vec<(String, i64, String)> {
    rows.iter().map(|r| (r.text(0).to_owned(), r.int(1), r.text(2).to_owned())).collect()
}

#[test]
fn appended_rows_land_in_key_order_and_later_writes_win() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(&dir.path().join("s.db")).unwrap();
    let rows = s
        .write(|tx| -> Result<_, crate::es::projection::RowsError> {
            tx.ensure_tables(&[LEDGER])?;
            // Two full batches and a remainder, out of key order.
            for seq in (1..=150).rev() {
                Rows::append(tx, LEDGER, line(if seq % 2 == 0 { "b" } else { "a" }, seq, "x"))?;
            }
            // A read of the table sees the appended rows.
            assert_eq!(tx.get(LEDGER, &["a".into(), Cell::Int(3)])?.map(|r| r.text(2).to_owned()), Some("x".into()));
            tx.put(LEDGER, line("a", 3, "replaced"))?;
            // With keyed writes pending, an append goes through the cache.
            Rows::append(tx, LEDGER, line("a", 5, "appended after put"))?;
            tx.delete(LEDGER, &["b".into(), Cell::Int(150)])?;
            Rows::append(tx, LEDGER, line("c", 1, "y"))?;
            Ok(tx.table_rows(LEDGER)?)
        })
        .unwrap();
    let got = keys(&rows);
    assert_eq!(got.len(), 150);
    assert!(got.windows(2).all(|w| (&w[0].0, w[0].1) < (&w[1].0, w[1].1)));
    assert!(got.contains(&("a".into(), 3, "replaced".into())));
    assert!(got.contains(&("a".into(), 5, "appended after put".into())));
    assert!(got.contains(&("c".into(), 1, "y".into())));
    assert!(!got.iter().any(|k| k.0 == "b" && k.1 == 150));
}

#[test]
fn clearing_a_table_drops_its_pending_appends() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(&dir.path().join("s.db")).unwrap();
    let rows = s
        .write(|tx| -> Result<_, crate::es::projection::RowsError> {
            tx.ensure_tables(&[LEDGER])?;
            Rows::append(tx, LEDGER, line("a", 1, "gone"))?;
            tx.clear_tables(&SPECS)?;
            Rows::append(tx, LEDGER, line("a", 2, "kept"))?;
            Ok(tx.table_rows(LEDGER)?)
        })
        .unwrap();
    assert_eq!(keys(&rows), vec![("a".to_owned(), 2, "kept".to_owned())]);
}

#[test]
fn a_bulk_load_answers_reads_from_its_own_writes_across_flushes() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(&dir.path().join("s.db")).unwrap();
    let seen = s
        .write(|tx| -> Result<_, crate::es::projection::RowsError> {
            tx.bulk_load()?;
            tx.ensure_tables(&[LEDGER])?;
            let key = |seq: i64| vec![Cell::text("a"), Cell::Int(seq)];
            let note = |r: Option<Row>| r.map(|r| r.text(2).to_owned());
            let mut seen = vec![note(tx.get(LEDGER, &key(1))?)];
            tx.put(LEDGER, line("a", 1, "one"))?;
            tx.put(LEDGER, line("a", 2, "two"))?;
            tx.flush_rows()?;
            seen.push(note(tx.get(LEDGER, &key(1))?));
            tx.put(LEDGER, line("a", 1, "one again"))?;
            tx.delete(LEDGER, &key(2))?;
            tx.flush_rows()?;
            seen.extend([note(tx.get(LEDGER, &key(1))?), note(tx.get(LEDGER, &key(2))?)]);
            Ok((seen, keys(&tx.table_rows(LEDGER)?)))
        })
        .unwrap();
    let some = |s: &str| Some(s.to_owned());
    assert_eq!(seen.0, vec![None, some("one"), some("one again"), None]);
    assert_eq!(seen.1, vec![("a".to_owned(), 1, "one again".to_owned())]);
}

#[test]
fn a_bulk_load_still_reads_rows_a_table_held_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(&dir.path().join("s.db")).unwrap();
    s.write(|tx| -> Result<_, crate::es::projection::RowsError> {
        tx.ensure_tables(&[LEDGER])?;
        tx.put(LEDGER, line("a", 1, "before"))
    })
    .unwrap();
    // No event yet: the store counts as empty, but the table is not.
    let seen = s
        .write(|tx| -> Result<_, crate::es::projection::RowsError> {
            tx.bulk_load()?;
            let one = tx.get(LEDGER, &["a".into(), Cell::Int(1)])?.map(|r| r.text(2).to_owned());
            let two = tx.get(LEDGER, &["a".into(), Cell::Int(2)])?;
            Ok((one, two.is_none()))
        })
        .unwrap();
    assert_eq!(seen, (Some("before".to_owned()), true));
}

#[test]
fn a_cleared_table_forgets_its_earlier_rows_and_reads_its_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(&dir.path().join("s.db")).unwrap();
    s.write(|tx| -> Result<_, crate::es::projection::RowsError> {
        tx.ensure_tables(&[LEDGER])?;
        tx.put(LEDGER, line("a", 1, "old"))
    })
    .unwrap();
    let seen = s
        .write(|tx| -> Result<_, crate::es::projection::RowsError> {
            let key = [Cell::text("a"), Cell::Int(1)];
            let before = tx.get(LEDGER, &key)?.is_some();
            tx.clear_tables(&SPECS)?;
            let cleared = tx.get(LEDGER, &key)?.is_none();
            tx.put(LEDGER, line("a", 1, "new"))?;
            tx.flush_rows()?;
            Ok((before, cleared, tx.get(LEDGER, &key)?.map(|r| r.text(2).to_owned())))
        })
        .unwrap();
    assert_eq!(seen, (true, true, Some("new".to_owned())));
}
