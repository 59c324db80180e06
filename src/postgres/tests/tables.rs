//! Derived tables: streams, snapshots, checkpoints and read models.

use serde_json::json;

use super::{Ev, append, create, db};
use crate::es::backend::Engine;
use crate::es::projection::{Cell, Column, ColumnKind, Row, TableSpec};
use crate::es::store::{Snapshot, StreamInfo};

static LEDGER: TableSpec = TableSpec {
    name: "ledger",
    columns: &[
        Column { name: "account", kind: ColumnKind::Text },
        Column { name: "seq", kind: ColumnKind::Integer },
        Column { name: "amount", kind: ColumnKind::Integer },
        Column { name: "tags", kind: ColumnKind::Json },
        Column { name: "note", kind: ColumnKind::Text },
    ],
    key_len: 2,
};

fn line(account: &str, seq: i64, amount: i64) -> Row {
    Row::new(&LEDGER, [Cell::text(account), Cell::Int(seq), Cell::Int(amount), Cell::json(json!(["x", 1])), Cell::Null])
}

#[test]
fn read_model_rows_are_written_read_paged_and_deleted_in_key_order() {
    let db = db!();
    let mut e = create(&db);
    let rows: Vec<Row> = (0..12_345).map(|i| line(if i % 2 == 0 { "b" } else { "a" }, i, i * 10)).collect();
    let mut sorted: Vec<&Row> = rows.iter().collect();
    sorted.sort_by(|x, y| x.key_cells().cmp(y.key_cells()));
    let mut tx = e.begin().unwrap();
    assert_eq!(tx.ensure_tables(&[&LEDGER]).unwrap(), ["ledger"]);
    tx.upsert_rows(&LEDGER, &sorted).unwrap();
    let changed = line("a", 1, -5);
    tx.upsert_rows(&LEDGER, &[&changed]).unwrap();
    tx.delete_rows(&LEDGER, &[&line("b", 0, 0).key()]).unwrap();
    tx.set_checkpoint("ledger", 7).unwrap();
    tx.commit().unwrap();

    let r = e.reads();
    assert_eq!(r.checkpoint("ledger").unwrap(), 7);
    assert_eq!(r.checkpoint("other").unwrap(), 0);
    let first = r.table_rows(&LEDGER, 0, 2).unwrap();
    assert_eq!(first, vec![line("a", 1, -5), line("a", 3, 30)]);
    assert_eq!(first[0].cell(3), &Cell::json(json!(["x", 1])));
    assert_eq!(r.table_row(&LEDGER, &[Cell::text("b"), Cell::Int(2)]).unwrap(), Some(line("b", 2, 20)));
    assert_eq!(r.table_row(&LEDGER, &[Cell::text("b"), Cell::Int(0)]).unwrap(), None);
    let mut all = Vec::new();
    r.scan_table(&LEDGER, None, &mut |row| {
        all.push(row);
        Ok(())
    })
    .unwrap();
    assert_eq!(all.len(), 12_344);
    assert!(all.windows(2).all(|w| w[0].key_cells() < w[1].key_cells()));
    let mut upto = 0;
    r.scan_table(&LEDGER, Some(("seq", 100)), &mut |_| {
        upto += 1;
        Ok(())
    })
    .unwrap();
    assert_eq!(upto, 100); // seq 0..=100 less the deleted ("b", 0)
    assert_eq!(
        r.table_rows_upto(&LEDGER, "seq", 4, 1, 10).unwrap(),
        vec![line("a", 3, 30), line("b", 2, 20), line("b", 4, 40)]
    );
    assert_eq!(r.read_model_problem(&LEDGER, 7).unwrap(), None);

    db.client().batch_execute("ALTER TABLE chronicle.ledger ALTER COLUMN amount TYPE text").unwrap();
    let problem = e.reads().read_model_problem(&LEDGER, 7).unwrap().unwrap();
    assert!(problem.contains("ledger.amount"), "{problem}");
    let mut tx = e.begin().unwrap();
    assert!(tx.drop_table_if_altered(&LEDGER).unwrap());
    assert_eq!(tx.read_model_problem(&LEDGER, 7).unwrap().unwrap(), "table `ledger` is missing");
    assert_eq!(tx.table_rows(&LEDGER, 0, 10).unwrap(), vec![]);
    assert_eq!(tx.ensure_tables(&[&LEDGER]).unwrap(), ["ledger"]);
    tx.upsert_rows(&LEDGER, &[&line("z", 1, 1)]).unwrap();
    tx.clear_table(&LEDGER).unwrap();
    tx.commit().unwrap();
    assert_eq!(e.reads().table_rows(&LEDGER, 0, 10).unwrap(), vec![]);
}

#[test]
fn streams_snapshots_and_the_rebuilt_index() {
    let db = db!();
    let mut e = create(&db);
    append(&mut e, &[Ev::new(1, "a", 1), Ev::new(2, "b", 1), Ev::new(3, "a", 2)]);
    let a = StreamInfo {
        stream_id: "a".into(),
        stream_type: "Thing".into(),
        version: 2,
        first_position: 1,
        last_position: 3,
    };
    let b = StreamInfo {
        stream_id: "b".into(),
        stream_type: "Thing".into(),
        version: 1,
        first_position: 2,
        last_position: 2,
    };
    let snap = Snapshot {
        stream_id: "a".into(),
        version: 2,
        stream_type: "Thing".into(),
        position: 3,
        state_version: 4,
        state: "{\"balance\": 5}".into(),
    };
    let mut tx = e.begin().unwrap();
    tx.upsert_stream(&StreamInfo { version: 1, last_position: 1, ..a.clone() }).unwrap();
    tx.upsert_stream(&a).unwrap();
    assert_eq!(tx.stream("a").unwrap(), Some(a.clone()));
    tx.save_snapshot(&snap).unwrap();
    tx.commit().unwrap();
    let r = e.reads();
    assert_eq!(r.streams().unwrap(), vec![a.clone()]);
    assert_eq!(r.snapshot("a", 3, 4).unwrap(), Some(snap.clone()));
    assert_eq!(r.snapshot("a", 2, 4).unwrap(), None);
    assert_eq!(r.snapshot("a", 3, 5).unwrap(), None);
    assert_eq!(r.snapshots().unwrap(), vec![snap]);
    assert_eq!(r.snapshot_positions().unwrap(), vec![3]);

    // The index lacks "b": the rebuild derives it from the events.
    let mut tx = e.begin().unwrap();
    assert_eq!(tx.rebuild_streams_index().unwrap(), 1);
    assert_eq!(tx.rebuild_streams_index().unwrap(), 0);
    tx.commit().unwrap();
    assert_eq!(e.reads().streams().unwrap(), vec![a, b]);
}

#[test]
fn a_table_recreated_by_another_session_is_read_with_its_new_columns() {
    let db = db!();
    let mut e = create(&db);
    let mut tx = e.begin().unwrap();
    tx.ensure_tables(&[&LEDGER]).unwrap();
    tx.commit().unwrap();
    let mut c = db.client();
    c.batch_execute("ALTER TABLE chronicle.ledger ALTER COLUMN amount TYPE text").unwrap();
    assert_eq!(e.reads().table_rows(&LEDGER, 0, 10).unwrap(), vec![]);
    // Another process's rebuild drops the altered table and creates it anew.
    let mut other = create(&db);
    let mut tx = other.begin().unwrap();
    assert!(tx.drop_table_if_altered(&LEDGER).unwrap());
    tx.ensure_tables(&[&LEDGER]).unwrap();
    tx.upsert_rows(&LEDGER, &[&line("a", 1, 5)]).unwrap();
    tx.commit().unwrap();
    assert_eq!(e.reads().table_rows(&LEDGER, 0, 10).unwrap(), vec![line("a", 1, 5)]);
}

static TOTALS: TableSpec = TableSpec {
    name: "totals",
    columns: &[Column { name: "account", kind: ColumnKind::Text }, Column { name: "total", kind: ColumnKind::Integer }],
    key_len: 1,
};

fn total(account: &str, total: i64) -> Row {
    Row::new(&TOTALS, [Cell::text(account), Cell::Int(total)])
}

#[test]
fn a_commands_rows_in_several_tables_land_in_order_with_its_checkpoints() {
    let db = db!();
    let mut e = create(&db);
    append(&mut e, &[Ev::new(1, "a", 1)]);
    let mut tx = e.begin().unwrap();
    tx.ensure_tables(&[&LEDGER, &TOTALS]).unwrap();
    // A command's few rows per table are held and written together; a
    // second write to a table already held goes after the first.
    tx.upsert_rows(&LEDGER, &[&line("a", 1, 5), &line("a", 2, 6)]).unwrap();
    tx.upsert_rows(&TOTALS, &[&total("a", 11)]).unwrap();
    tx.upsert_rows(&LEDGER, &[&line("a", 2, 7)]).unwrap();
    tx.upsert_rows(&TOTALS, &[&total("a", 12), &total("b", 1)]).unwrap();
    tx.set_checkpoint("ledger", 1).unwrap();
    tx.set_checkpoint("totals", 1).unwrap();
    // Every read inside the transaction sees what was written before it.
    assert_eq!(tx.table_row(&TOTALS, &[Cell::text("a")]).unwrap(), Some(total("a", 12)));
    tx.delete_rows(&TOTALS, &[&total("b", 0).key()]).unwrap();
    tx.upsert_rows(&TOTALS, &[&total("b", 2)]).unwrap();
    tx.upsert_rows(&LEDGER, &[&line("b", 1, 1)]).unwrap();
    tx.set_checkpoint("totals", 2).unwrap();
    let a = StreamInfo {
        stream_id: "a".into(),
        stream_type: "Thing".into(),
        version: 1,
        first_position: 1,
        last_position: 1,
    };
    tx.upsert_stream(&a).unwrap();
    tx.commit().unwrap();

    let r = e.reads();
    assert_eq!(r.table_rows(&LEDGER, 0, 10).unwrap(), vec![line("a", 1, 5), line("a", 2, 7), line("b", 1, 1)]);
    assert_eq!(r.table_rows(&TOTALS, 0, 10).unwrap(), vec![total("a", 12), total("b", 2)]);
    assert_eq!(r.checkpoints(&["totals", "none", "ledger"]).unwrap(), vec![2, 0, 1]);
    assert_eq!(r.streams().unwrap(), vec![a]);
}

#[test]
fn a_large_write_copies_awkward_text_and_nulls_back_as_they_were() {
    let db = db!();
    let mut e = create(&db);
    let notes = ["tab\there", "line\nbreak\r\n", "back\\slash \\N", "\\N", "", "naïve ✓ 🦀", "quote \" and ' ,"];
    let rows: Vec<Row> = (0..200)
        .map(|i: i64| {
            let note = notes[usize::try_from(i).unwrap() % notes.len()];
            let tags = if i % 3 == 0 { Cell::Null } else { Cell::json(json!({"k\t": note, "n": i})) };
            let amount = if i % 5 == 0 { Cell::Null } else { Cell::Int(i - 100) };
            Row::new(&LEDGER, [Cell::text(note), Cell::Int(i), amount, tags, Cell::text(note)])
        })
        .collect();
    let mut sorted: Vec<&Row> = rows.iter().collect();
    sorted.sort_by(|x, y| x.key_cells().cmp(y.key_cells()));
    let mut tx = e.begin().unwrap();
    tx.ensure_tables(&[&LEDGER]).unwrap();
    tx.upsert_rows(&LEDGER, &sorted).unwrap();
    tx.commit().unwrap();
    let back = e.reads().table_rows(&LEDGER, 0, 1_000).unwrap();
    assert_eq!(back, sorted.into_iter().cloned().collect::<Vec<_>>());
}
