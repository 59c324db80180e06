//! Schema version 4: read-model snapshots. A version 3 store (without the
//! table) reads as holding none in a read-only session and gains the table
//! by a writable open's migration; a `model_snapshots` table that is not
//! chronicle's is named, and a repairing open recreates it.

use super::super::open;
use super::super::testing::TestDb;
use super::{Ev, append, create, db};
use crate::es::StoreError;
use crate::es::backend::{Access, Engine};

fn version(db: &TestDb) -> String {
    let sql = "SELECT value FROM chronicle.meta WHERE name = 'schema_version'";
    db.client().query_one(sql, &[]).unwrap().get(0)
}

/// A store as version 3 made it: without the table, at version 3.
fn version_3(db: &TestDb) {
    let mut e = create(db);
    append(&mut e, &[Ev::new(1, "s", 1), Ev::new(2, "s", 2)]);
    drop(e);
    db.client()
        .batch_execute(
            "DROP TABLE chronicle.model_snapshots; \
             UPDATE chronicle.meta SET value = '3' WHERE name = 'schema_version'",
        )
        .unwrap();
}

#[test]
fn a_version_3_store_reads_as_holding_none_and_a_writable_open_adds_the_table() {
    let db = db!();
    version_3(&db);
    let read = open(db.url(), Access::Read).unwrap();
    assert_eq!(read.reads().model_snapshot("balances", "v1", 10).unwrap(), None);
    assert_eq!(read.reads().model_snapshot_list().unwrap(), Vec::new());
    assert_eq!(version(&db), "3", "reading never migrates");

    let mut w = create(&db);
    assert_eq!(version(&db), "4", "a writable open migrates");
    let mut tx = w.begin().unwrap();
    tx.save_model_snapshot("balances", 2, "v1", b"\0\xff rows").unwrap();
    tx.commit().unwrap();
    let want = Some((2, b"\0\xff rows".to_vec()));
    assert_eq!(read.reads().model_snapshot("balances", "v1", 10).unwrap(), want, "the reader sees the new table");
    assert_eq!(w.reads().model_snapshot_list().unwrap(), [("balances".to_owned(), 2, "v1".to_owned())]);
    drop(w);
    drop(create(&db));
    assert_eq!(version(&db), "4", "a second open changes nothing");
}

#[test]
fn a_model_snapshots_table_that_is_not_chronicles_is_named() {
    let db = db!();
    version_3(&db);
    db.client().batch_execute("CREATE TABLE chronicle.model_snapshots (projection text, body text)").unwrap();
    let err = open(db.url(), Access::Read).map(drop).unwrap_err();
    assert!(matches!(err, StoreError::NotAStore { .. }), "{err}");
    assert!(err.to_string().contains("table `model_snapshots` has no column `position`"), "{err}");
    // A writable open migrates (the table exists: left as it is), then names it.
    let err = open(db.url(), Access::Create).map(drop).unwrap_err();
    assert!(err.to_string().contains("table `model_snapshots` has no column `position`"), "{err}");
    assert!(err.to_string().contains("`chronicle rebuild` recreates it"), "{err}");
    let repaired = open(db.url(), Access::Repair).unwrap();
    assert_eq!(repaired.recreated(), ["model_snapshots"]);
    assert_eq!(repaired.reads().model_snapshot_list().unwrap(), Vec::new());
    assert_eq!(version(&db), "4");
}
