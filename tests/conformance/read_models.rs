//! Read models: rows and their checkpoint commit together or not at all;
//! rows read back in key order, paged, and as of a position; the built-in
//! projections follow commands and travel in time through the binary.

use chronicle::es::{Cell, Column, ColumnKind, ExpectedVersion, Row, Rows, Store, StoreError, TableSpec};
use serde_json::{Value, json};

use crate::fixture::{Abort, Fixture, appended, to};

/// An insert-mostly ledger keyed by `id`, carrying the position that wrote
/// each row (the shape `TimeTravel::Query` reads).
static LEDGER: TableSpec = TableSpec {
    name: "conformance_ledger",
    columns: &[
        Column { name: "id", kind: ColumnKind::Text },
        Column { name: "position", kind: ColumnKind::Integer },
        Column { name: "amount", kind: ColumnKind::Integer },
        Column { name: "tags", kind: ColumnKind::Json },
    ],
    key_len: 1,
};

const PROJECTION: &str = "conformance";

fn row(id: &str, position: i64, amount: i64) -> Row {
    Row::new(&LEDGER, [Cell::text(id), Cell::Int(position), Cell::Int(amount), Cell::json(json!(["t", id]))])
}

/// Rows as JSON values, for comparing.
fn values(rows: &[Row]) -> Vec<Vec<Value>> {
    rows.iter().map(|r| r.cells().iter().map(Cell::to_value).collect()).collect()
}

fn all(s: &Store) -> Vec<Vec<Value>> {
    values(&s.table_rows(&LEDGER, 0, 1_000).expect("table_rows"))
}

/// Two events and their rows, checkpoint 2, committed.
fn seeded(f: &Fixture) -> Store {
    let mut s = f.open();
    appended(&mut s, vec![to("a", ExpectedVersion::Any, &["1", "2"])]);
    s.write(|tx| {
        tx.ensure_tables(&[&LEDGER])?;
        tx.put(&LEDGER, row("r1", 1, 10))?;
        tx.put(&LEDGER, row("r2", 2, 20))?;
        tx.set_checkpoint(PROJECTION, 2)?;
        Ok::<_, Abort>(())
    })
    .expect("rows and checkpoint");
    s
}

pub fn rows_and_checkpoint_commit_together(f: &Fixture) {
    let mut s = seeded(f);
    assert_eq!(s.checkpoint(PROJECTION).expect("checkpoint"), 2);
    assert_eq!(s.checkpoint("never-run").expect("checkpoint"), 0, "an unknown projection is at 0");
    assert_eq!(all(&s), values(&[row("r1", 1, 10), row("r2", 2, 20)]));
    // Events, rows and checkpoint in one write: all visible at once.
    let other = f.open();
    s.write(|tx| {
        tx.append(vec![to("a", ExpectedVersion::Exact(2), &["3"])])?;
        tx.put(&LEDGER, row("r3", 3, 30))?;
        tx.delete(&LEDGER, &[Cell::text("r1")])?;
        tx.set_checkpoint(PROJECTION, 3)?;
        assert_eq!(other.checkpoint(PROJECTION)?, 2, "not before commit");
        assert_eq!(all(&other).len(), 2);
        Ok::<_, Abort>(())
    })
    .expect("write");
    assert_eq!((other.head().expect("head"), other.checkpoint(PROJECTION).expect("checkpoint")), (3, 3));
    assert_eq!(all(&other), values(&[row("r2", 2, 20), row("r3", 3, 30)]));
}

pub fn a_failed_write_leaves_neither_rows_nor_checkpoint(f: &Fixture) {
    let mut s = seeded(f);
    let before = all(&s);
    // Fails after the rows and checkpoint are set (and flushed to the engine).
    let out: Result<(), Abort> = s.write(|tx| {
        tx.append(vec![to("a", ExpectedVersion::Exact(2), &["3"])])?;
        tx.put(&LEDGER, row("r3", 3, 30))?;
        tx.put(&LEDGER, row("r2", 2, 99))?;
        tx.delete(&LEDGER, &[Cell::text("r1")])?;
        tx.set_checkpoint(PROJECTION, 3)?;
        assert_eq!(tx.checkpoint(PROJECTION)?, 3, "the write sees its own checkpoint");
        assert_eq!(values(&tx.table_rows(&LEDGER)?), values(&[row("r2", 2, 99), row("r3", 3, 30)]));
        Err(Abort::Caller)
    });
    assert!(matches!(out, Err(Abort::Caller)), "{out:?}");
    for reader in [&s, &f.open()] {
        assert_eq!(reader.head().expect("head"), 2, "no event");
        assert_eq!(reader.checkpoint(PROJECTION).expect("checkpoint"), 2, "no checkpoint");
        assert_eq!(all(reader), before, "no row written, changed or deleted");
    }
    // A store error mid-write (a conflict) rolls back what came before it.
    let out: Result<(), Abort> = s.write(|tx| {
        tx.put(&LEDGER, row("r9", 2, 90))?;
        tx.set_checkpoint(PROJECTION, 9)?;
        tx.append(vec![to("a", ExpectedVersion::NoStream, &["x"])])?;
        Ok(())
    });
    assert!(matches!(out, Err(Abort::Store(StoreError::Conflict(_)))), "{out:?}");
    assert_eq!((s.checkpoint(PROJECTION).expect("checkpoint"), all(&s)), (2, before));
}

pub fn rows_read_back_in_key_order_and_up_to_a_position(f: &Fixture) {
    let mut s = f.open();
    s.write(|tx| {
        tx.ensure_tables(&[&LEDGER])?;
        // Put out of key order; appended rows as the insert-only path writes them.
        for (id, p) in [("k3", 5), ("k1", 2), ("k4", 1), ("k2", 9)] {
            tx.put(&LEDGER, row(id, p, p * 10))?;
        }
        Rows::append(tx, &LEDGER, row("k0", 7, -70))?;
        Ok::<_, Abort>(())
    })
    .expect("rows");
    let ids = |rows: &[Row]| rows.iter().map(|r| r.text(0).to_owned()).collect::<Vec<_>>();
    assert_eq!(ids(&s.table_rows(&LEDGER, 0, 100).expect("rows")), ["k0", "k1", "k2", "k3", "k4"]);
    assert_eq!(ids(&s.table_rows(&LEDGER, 1, 2).expect("rows")), ["k1", "k2"], "offset and limit");
    assert_eq!(ids(&s.table_rows(&LEDGER, 5, 2).expect("rows")), Vec::<String>::new());
    let k0 = &s.table_rows(&LEDGER, 0, 1).expect("rows")[0];
    assert_eq!(values(std::slice::from_ref(k0)), [vec![json!("k0"), json!(7), json!(-70), json!(["t", "k0"])]]);
    // As of a position: rows whose position column is at most it, in key order.
    let upto = |p| ids(&s.table_rows_upto(&LEDGER, "position", p, 0, 100).expect("rows up to"));
    assert_eq!(upto(0), Vec::<String>::new());
    assert_eq!(upto(2), ["k1", "k4"]);
    assert_eq!(upto(7), ["k0", "k1", "k3", "k4"]);
    assert_eq!(upto(100), ["k0", "k1", "k2", "k3", "k4"]);
    assert_eq!(ids(&s.table_rows_upto(&LEDGER, "position", 7, 1, 2).expect("rows")), ["k1", "k3"]);
    let mut scanned = Vec::new();
    s.scan_table(&LEDGER, Some(("position", 5)), &mut |r| {
        scanned.push(r.text(0).to_owned());
        Ok(())
    })
    .expect("scan_table");
    assert_eq!(scanned, ["k1", "k3", "k4"], "scan_table up to a position");
    // Written in a range of positions: (after, upto], in key order.
    let between = |after, upto| {
        let mut got = Vec::new();
        s.scan_table_between(&LEDGER, "position", (after, upto), &mut |r| {
            got.push(r.text(0).to_owned());
            Ok(())
        })
        .expect("scan_table_between");
        got
    };
    assert_eq!(between(1, 7), ["k0", "k1", "k3"]);
    assert_eq!(between(0, 100), ["k0", "k1", "k2", "k3", "k4"]);
    assert_eq!(between(7, 8), Vec::<String>::new());
    assert_eq!(between(5, 5), Vec::<String>::new());
}

/// `state --json` arguments → the rows' (account, balance) pairs.
fn balances(f: &Fixture, extra: &[&str]) -> Vec<(String, i64)> {
    let args = [&["state", "--json", "--projection", "account_balances"][..], extra].concat();
    let v: Value = serde_json::from_str(&f.ok(&args)).expect("state JSON");
    v["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| (r["account_id"].as_str().expect("id").to_owned(), r["balance_cents"].as_i64().expect("cents")))
        .collect()
}

fn history_lines(f: &Fixture, extra: &[&str]) -> usize {
    let args = [&["state", "--json", "--projection", "transaction_history"][..], extra].concat();
    let v: Value = serde_json::from_str(&f.ok(&args)).expect("state JSON");
    v["rows"].as_array().expect("rows").len()
}

pub fn projections_follow_commands_and_travel_in_time(f: &Fixture) {
    for line in ["open acc-1 alice", "open acc-2 bob", "deposit acc-1 10 pay", "transfer acc-1 acc-2 4 rent"] {
        f.ok(&["exec", line]);
    }
    let s = f.open();
    assert_eq!(s.head().expect("head"), 5);
    for p in ["account_balances", "transaction_history"] {
        assert_eq!(s.checkpoint(p).expect("checkpoint"), 5, "{p} caught up in the commands' writes");
    }
    assert_eq!(balances(f, &[]), [("acc-1".to_owned(), 600), ("acc-2".to_owned(), 400)]);
    // Folded in memory (balances) and read from the table up to a position (history).
    assert_eq!(balances(f, &["--at", "3"]), [("acc-1".to_owned(), 1000), ("acc-2".to_owned(), 0)]);
    assert_eq!(balances(f, &["--at", "1"]), [("acc-1".to_owned(), 0)]);
    assert_eq!((history_lines(f, &[]), history_lines(f, &["--at", "3"]), history_lines(f, &["--at", "2"])), (3, 1, 0));
    assert!(f.ok(&["verify"]).starts_with("ok: "), "read models agree with a replay");
}

pub fn rebuild_derives_the_same_read_models_again(f: &Fixture) {
    for line in ["open acc-1 alice", "open acc-2 bob", "deposit acc-1 10 pay", "withdraw acc-1 2.50 cash"] {
        f.ok(&["exec", line]);
    }
    f.ok(&["exec", "transfer acc-1 acc-2 4 rent"]);
    let before: Vec<String> = ["account_balances", "transaction_history", "daily_summary"]
        .iter()
        .map(|p| f.ok(&["state", "--json", "--projection", p]))
        .collect();
    f.ok(&["rebuild"]);
    let s = f.open();
    assert_eq!(s.checkpoint("account_balances").expect("checkpoint"), s.head().expect("head"));
    for (p, want) in ["account_balances", "transaction_history", "daily_summary"].iter().zip(&before) {
        assert_eq!(&f.ok(&["state", "--json", "--projection", p]), want, "{p} rebuilt from the events alone");
    }
    assert!(f.ok(&["verify"]).starts_with("ok: "));
}
