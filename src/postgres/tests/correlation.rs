//! Schema version 3: the correlation id column, written with each event
//! (one by one, by `COPY`, by a bulk load), read by `log --correlation`,
//! backfilled by the migration of a version 2 store (which a read-only
//! session still reads as it is), and checked by the chain's read.

use super::super::migrate::V2;
use super::super::testing::TestDb;
use super::super::{PgEngine, open};
use super::{Ev, append, create, db};
use crate::es::StoreError;
use crate::es::backend::{Access, Engine};
use crate::es::store::LogFilter;

/// Metadata of every kind the column must get right, with its column.
const METADATA: [(&str, Option<&str>); 8] = [
    (r#"{"correlation_id":"c-1","actor":"ada"}"#, Some("c-1")),
    (r#"{"actor":"ada","correlation_id":"c-\u00e9\"x"}"#, Some("c-é\"x")),
    // jsonb refuses the whole text: no correlation, and no error.
    (r#"{"correlation_id":"c-1","actor":"a\u0000b"}"#, None),
    ("not json", None),
    (r#"{"correlation_id":7}"#, None),
    (r#"{"correlation_id":"c-0","correlation_id":"c-1"}"#, Some("c-1")),
    (r#"{"causation_id":"c-1"}"#, None),
    (r#"{"correlation_id":"c-1"}"#, Some("c-1")),
];

/// `n` events cycling through [`METADATA`].
fn events(n: u64) -> Vec<Ev> {
    (1..=n)
        .map(|p| {
            let mut e = Ev::new(p, &format!("s{}", p % 7), p.div_ceil(7));
            e.metadata = METADATA[usize::try_from(p).unwrap() % METADATA.len()].0.to_owned();
            e
        })
        .collect()
}

/// What the column should hold for `evs`.
fn expected(evs: &[Ev]) -> Vec<Option<String>> {
    let of = |m: &str| METADATA.iter().find(|(t, _)| *t == m).and_then(|(_, c)| c.map(str::to_owned));
    evs.iter().map(|e| of(&e.metadata)).collect()
}

fn column(db: &TestDb) -> Vec<Option<String>> {
    let sql = "SELECT correlation_id FROM chronicle.events ORDER BY position";
    db.client().query(sql, &[]).unwrap().iter().map(|r| r.get(0)).collect()
}

/// The positions `log --correlation c-1` answers.
fn c1(engine: &PgEngine) -> Vec<u64> {
    let filter = LogFilter { correlation_id: Some("c-1".into()), ..LogFilter::default() };
    engine.reads().log(&filter, 10_000).unwrap().iter().map(|e| e.position).collect()
}

fn positions_of(evs: &[Ev], want: &[Option<String>]) -> Vec<u64> {
    evs.iter().zip(want).filter(|(_, c)| c.as_deref() == Some("c-1")).map(|(e, _)| e.position).collect()
}

/// Walks the chain's read over the whole log.
fn chain(engine: &PgEngine, head: u64) -> Result<u64, StoreError> {
    let mut n = 0;
    engine.reads().scan_chain(1, head, &mut |_| {
        n += 1;
        Ok(())
    })?;
    Ok(n)
}

#[test]
fn appends_one_by_one_and_copied_write_the_column_and_log_reads_by_it() {
    let db = db!();
    let mut e = create(&db);
    // One transaction: its first events inserted one by one, the rest copied.
    let evs = events(40);
    append(&mut e, &evs);
    let want = expected(&evs);
    assert_eq!(column(&db), want);
    assert_eq!(c1(&e), positions_of(&evs, &want));
    assert_eq!(chain(&e, 40).unwrap(), 40);
}

#[test]
fn a_bulk_load_writes_the_column_and_builds_its_plain_index_again() {
    let db = db!();
    let mut e = create(&db);
    let evs = events(2_000);
    let mut tx = e.begin().unwrap();
    tx.bulk_load().unwrap();
    for ev in &evs {
        tx.insert_event(&ev.row()).unwrap();
    }
    tx.commit().unwrap();
    let want = expected(&evs);
    assert_eq!(column(&db), want);
    assert_eq!(c1(&e), positions_of(&evs, &want));
    let sql = "SELECT indexdef FROM pg_indexes WHERE schemaname = 'chronicle' AND indexname = 'events_correlation'";
    let def: String = db.client().query_one(sql, &[]).unwrap().get(0);
    assert!(def.ends_with("(correlation_id)"), "{def}");
}

#[test]
fn a_version_2_store_is_read_as_it_is_and_migrated_by_a_writable_open() {
    let db = db!();
    let mut e = create(&db);
    let evs = events(30);
    append(&mut e, &evs);
    drop(e);
    // Version 2: schema.sql and migrate_v2.sql, without migrate_v3.sql's column.
    db.client()
        .batch_execute(&format!(
            "SET search_path TO chronicle; ALTER TABLE events DROP COLUMN correlation_id; {V2}; RESET search_path"
        ))
        .unwrap();
    let version = || -> String {
        let sql = "SELECT value FROM chronicle.meta WHERE name = 'schema_version'";
        db.client().query_one(sql, &[]).unwrap().get(0)
    };
    assert_eq!(version(), "2");
    let want = expected(&evs);
    let read = open(db.url(), Access::Read).unwrap();
    assert_eq!(c1(&read), positions_of(&evs, &want), "version 2's index answers");
    assert_eq!(chain(&read, 30).unwrap(), 30);
    assert_eq!(version(), "2", "reading never migrates");

    let mut w = open(db.url(), Access::Create).unwrap();
    assert_eq!(version(), "4", "to the current version (4: tests/model.rs)");
    assert_eq!(column(&db), want, "backfilled as the program writes it");
    assert_eq!(c1(&w), positions_of(&evs, &want));
    assert_eq!(chain(&w, 30).unwrap(), 30, "the backfill agrees with the chain's check");
    assert!(w.guards().unwrap().altered.is_empty(), "the UPDATE trigger was never turned off");
    let err = db.client().batch_execute("UPDATE chronicle.events SET correlation_id = 'x'").unwrap_err();
    assert!(err.as_db_error().is_some_and(|d| d.message().contains("append-only")), "{err}");
    let gone = "SELECT count(*) FROM pg_proc WHERE proname IN ('event_correlation', 'chronicle_correlation')";
    assert_eq!(db.client().query_one(gone, &[]).unwrap().get::<_, i64>(0), 0);
    append(&mut w, &[Ev::new(31, "s9", 1)]);
    assert_eq!(c1(&w).len(), positions_of(&evs, &want).len());
    assert_eq!(column(&db).last(), Some(&Some("c-s9".to_owned())));
}

#[test]
fn a_tampered_correlation_column_is_damage_at_its_position() {
    let db = db!();
    let mut e = create(&db);
    append(&mut e, &events(20));
    db.client()
        .batch_execute(
            "ALTER TABLE chronicle.events DISABLE TRIGGER events_no_update; \
             UPDATE chronicle.events SET correlation_id = 'forged' WHERE position = 12; \
             ALTER TABLE chronicle.events ENABLE TRIGGER events_no_update",
        )
        .unwrap();
    let err = chain(&e, 20).unwrap_err();
    assert!(matches!(err, StoreError::Damaged { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains("position 12") && text.contains("correlation_id"), "{text}");
}
