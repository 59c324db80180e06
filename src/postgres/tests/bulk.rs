//! An import into an empty store (`Writes::bulk_load`): the events' indexes
//! are built at commit instead of per event. Every index and constraint is
//! back afterwards (one added by hand too), and a duplicate the load let
//! through is refused at commit, typed, recording nothing.

use super::super::testing::TestDb;
use super::{Ev, create, db};
use crate::es::StoreError;
use crate::es::backend::Engine;
use crate::es::projection::{Cell, Column, ColumnKind, Row, TableSpec};

/// Enough events for the indexes to be dropped (more than one flush's minimum).
const N: u64 = 2_500;

/// Every index and constraint of `events`, as the catalog describes them.
fn catalog(db: &TestDb) -> Vec<String> {
    let sql = "SELECT indexdef FROM pg_indexes WHERE schemaname = 'chronicle' AND tablename = 'events' \
               UNION ALL SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint \
               WHERE conrelid = 'chronicle.events'::regclass ORDER BY 1";
    db.client().query(sql, &[]).unwrap().iter().map(|r| r.get(0)).collect()
}

/// `N` events over ten streams, positions and versions contiguous.
fn events() -> Vec<Ev> {
    many(N)
}

/// `n` events over ten streams, positions and versions contiguous.
fn many(n: u64) -> Vec<Ev> {
    (1..=n).map(|p| Ev::new(p, &format!("s{}", p % 10), p.div_ceil(10))).collect()
}

/// Appends `evs` in one bulk-load transaction; the commit's outcome.
fn bulk_append(engine: &mut super::PgEngine, evs: &[Ev]) -> Result<(), StoreError> {
    let mut tx = engine.begin().unwrap();
    tx.bulk_load().unwrap();
    for e in evs {
        tx.insert_event(&e.row()).unwrap();
    }
    tx.commit()
}

#[test]
fn a_bulk_load_into_an_empty_store_keeps_every_index_and_the_store_refuses_duplicates_after() {
    let db = db!();
    let mut e = create(&db);
    db.client().batch_execute("CREATE INDEX events_by_type ON chronicle.events (event_type)").unwrap();
    let before = catalog(&db);
    assert!(before.iter().any(|d| d.contains("events_by_type")), "{before:?}");

    let evs = events();
    bulk_append(&mut e, &evs).unwrap();
    assert_eq!(catalog(&db), before, "the same indexes and constraints after the load");
    let r = e.reads();
    assert_eq!(r.head().unwrap(), N);
    assert_eq!(r.event_position("ev-1234").unwrap(), Some(1234));
    assert_eq!(r.stored_version("s3").unwrap(), N / 10);
    let plan: Vec<String> = db
        .client()
        .query("EXPLAIN SELECT version FROM chronicle.events WHERE stream_id = 's3' ORDER BY version DESC LIMIT 1", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(plan.iter().any(|l| l.contains("events_stream_version")), "the stream index is used: {plan:?}");

    // The store refuses a taken id and a taken version, typed, as before.
    let mut tx = e.begin().unwrap();
    let mut reused = Ev::new(N + 1, "new", 1);
    reused.id = "ev-7".into();
    assert!(matches!(tx.insert_event(&reused.row()), Err(StoreError::EventIdTaken(id)) if id == "ev-7"));
    let err = tx.insert_event(&Ev::new(N + 1, "s3", 2).row()).unwrap_err();
    assert!(matches!(err, StoreError::VersionTaken { ref stream_id, version: 2 } if stream_id == "s3"), "{err:?}");
}

#[test]
fn a_duplicate_in_a_bulk_load_is_refused_typed_at_commit_and_records_nothing() {
    let db = db!();
    let mut e = create(&db);
    let before = catalog(&db);

    let mut evs = events();
    evs[1_999].id = "ev-5".into();
    assert!(matches!(bulk_append(&mut e, &evs), Err(StoreError::EventIdTaken(id)) if id == "ev-5"));
    assert_eq!(e.reads().head().unwrap(), 0, "nothing recorded");
    assert_eq!(catalog(&db), before);

    let mut evs = events();
    evs[2_000] = Ev::new(2_001, "s4", 3); // s4 took version 3 at position 24
    let err = bulk_append(&mut e, &evs).unwrap_err();
    assert!(matches!(err, StoreError::VersionTaken { ref stream_id, version: 3 } if stream_id == "s4"), "{err:?}");
    assert_eq!(e.reads().head().unwrap(), 0, "nothing recorded");
    assert_eq!(catalog(&db), before);

    // Without the duplicate the same load goes through.
    bulk_append(&mut e, &events()).unwrap();
    assert_eq!(e.reads().head().unwrap(), N);
}

/// Events enough for several full buffers, each copied on the session's
/// thread while the next is appended.
const MANY: u64 = 25_000;

#[test]
fn a_bulk_load_of_several_buffers_reads_its_own_events_and_refuses_a_duplicate_copied_early() {
    let db = db!();
    let mut e = create(&db);
    let before = catalog(&db);

    let mut evs = many(MANY);
    evs[3_000].id = "ev-5".into(); // in the first buffer, copied long before the commit
    assert!(matches!(bulk_append(&mut e, &evs), Err(StoreError::EventIdTaken(id)) if id == "ev-5"));
    assert_eq!(e.reads().head().unwrap(), 0, "nothing recorded");
    assert_eq!(catalog(&db), before);

    let evs = many(MANY);
    let mut tx = e.begin().unwrap();
    tx.bulk_load().unwrap();
    for ev in &evs[..15_000] {
        tx.insert_event(&ev.row()).unwrap();
    }
    // A read inside the load sees every event appended so far.
    assert_eq!(tx.head().unwrap(), 15_000);
    assert_eq!(tx.event_position("ev-10001").unwrap(), Some(10_001));
    for ev in &evs[15_000..] {
        tx.insert_event(&ev.row()).unwrap();
    }
    tx.commit().unwrap();
    let r = e.reads();
    assert_eq!(r.head().unwrap(), MANY);
    assert_eq!(r.event_position("ev-24999").unwrap(), Some(24_999));
    assert_eq!(catalog(&db), before);
}

#[test]
fn a_bulk_load_whose_session_dies_while_copying_fails_and_records_nothing() {
    let db = db!();
    let mut e = create(&db);
    let pid: i32 = e.conn.query_opt("SELECT pg_backend_pid()", &[]).unwrap().unwrap().get(0);
    let evs = many(MANY);
    let mut tx = e.begin().unwrap();
    tx.bulk_load().unwrap();
    let mut failed = None;
    for (i, ev) in evs.iter().enumerate() {
        if i == 12_000 {
            db.client().execute("SELECT pg_terminate_backend($1)", &[&pid]).unwrap();
        }
        if let Err(err) = tx.insert_event(&ev.row()) {
            failed = Some(err);
            break;
        }
    }
    let err = match failed {
        Some(err) => err,
        None => tx.commit().unwrap_err(),
    };
    assert!(matches!(err, StoreError::Backend { .. }), "{err:?}");
    let count: i64 = db.client().query_one("SELECT count(*) FROM chronicle.events", &[]).unwrap().get(0);
    assert_eq!(count, 0, "nothing recorded");
}

static LEDGER: TableSpec = TableSpec {
    name: "ledger",
    columns: &[
        Column { name: "account", kind: ColumnKind::Text },
        Column { name: "seq", kind: ColumnKind::Integer },
        Column { name: "amount", kind: ColumnKind::Integer },
    ],
    key_len: 2,
};

/// `seqs` of account `a`, each with `amount`, in key order.
fn lines(seqs: std::ops::Range<i64>, amount: i64) -> Vec<Row> {
    seqs.map(|s| Row::new(&LEDGER, [Cell::text("a"), Cell::Int(s), Cell::Int(amount)])).collect()
}

#[test]
fn large_row_writes_inserted_first_still_replace_taken_keys() {
    let db = db!();
    let mut e = create(&db);
    let mut tx = e.begin().unwrap();
    tx.ensure_tables(&[&LEDGER]).unwrap();
    let fresh = lines(0..6_000, 1); // new keys: inserted (two chunks)
    tx.upsert_rows(&LEDGER, &fresh.iter().collect::<Vec<_>>()).unwrap();
    // Half taken, half new; a key twice across a chunk's edge: the later wins.
    let mut mixed = lines(3_000..9_000, 2);
    mixed.insert(4_999, Row::new(&LEDGER, [Cell::text("a"), Cell::Int(7_999), Cell::Int(3)]));
    mixed.sort_by(|x, y| x.key_cells().cmp(y.key_cells()));
    tx.upsert_rows(&LEDGER, &mixed.iter().collect::<Vec<_>>()).unwrap();
    let again = lines(8_500..9_500, 4); // after a taken key: upserted at once
    tx.upsert_rows(&LEDGER, &again.iter().collect::<Vec<_>>()).unwrap();
    tx.commit().unwrap();

    let r = e.reads();
    let amount =
        |seq: i64| r.table_row(&LEDGER, &[Cell::text("a"), Cell::Int(seq)]).unwrap().map(|row| row.cell(2).clone());
    assert_eq!(r.table_rows(&LEDGER, 0, 100_000).unwrap().len(), 9_500);
    assert_eq!(
        [amount(0), amount(2_999), amount(3_000), amount(8_499), amount(9_499)].map(Option::unwrap),
        [Cell::Int(1), Cell::Int(1), Cell::Int(2), Cell::Int(2), Cell::Int(4)]
    );
    assert_eq!(amount(7_999), Some(Cell::Int(2)), "the later of the two rows given for the key");
}
