//! The engine against a real server: a fresh database per test (see
//! [`super::testing`]); skipped with one line when there is none.

mod bulk;
mod correlation;
mod events;
mod model;
mod tables;

use super::testing::TestDb;
use super::{PgEngine, open};
use crate::es::StoreError;
use crate::es::backend::{Access, Engine, EventRow};

/// A fresh database, or return (skipped) from the test.
macro_rules! db {
    () => {
        match $crate::postgres::testing::TestDb::create() {
            Some(db) => db,
            None => return,
        }
    };
}
use db;

/// An event as the tests write it: text with odd spacing and non-ASCII
/// characters, which must come back byte for byte.
struct Ev {
    position: u64,
    id: String,
    stream: String,
    version: u64,
    payload: String,
    metadata: String,
    hash: [u8; 32],
}

impl Ev {
    fn new(position: u64, stream: &str, version: u64) -> Self {
        Self {
            position,
            id: format!("ev-{position}"),
            stream: stream.to_owned(),
            version,
            payload: format!("{{ \"n\" :{position},  \"note\": \"café ✓ \\u00e9\"}}"),
            metadata: format!("{{\"correlation_id\":\"c-{stream}\",\"command_id\":\"cmd-{position}\"}}"),
            hash: [u8::try_from(position % 251).unwrap(); 32],
        }
    }

    fn row(&self) -> EventRow<'_> {
        EventRow {
            position: self.position,
            event_id: &self.id,
            stream_id: &self.stream,
            stream_type: "Thing",
            version: self.version,
            event_type: "Happened",
            schema_version: 2,
            payload: &self.payload,
            metadata: &self.metadata,
            recorded_at: "2026-11-29T18:00:00.000001Z",
            hash: &self.hash,
        }
    }
}

/// Appends `evs` in one transaction.
fn append(engine: &mut PgEngine, evs: &[Ev]) {
    let mut tx = engine.begin().unwrap();
    for e in evs {
        tx.insert_event(&e.row()).unwrap();
    }
    tx.commit().unwrap();
}

fn create(db: &TestDb) -> PgEngine {
    open(db.url(), Access::Create).unwrap()
}

#[test]
fn creating_the_schema_twice_or_from_several_processes_at_once_succeeds() {
    let db = db!();
    drop(create(&db));
    let mut again = create(&db);
    append(&mut again, &[Ev::new(1, "s", 1)]);
    let url = format!("{}?schema=together", db.url());
    let opens: Vec<_> = (0..6)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || open(&url, Access::Create).map(|_| ()))
        })
        .collect();
    for o in opens {
        o.join().unwrap().unwrap();
    }
    let mut c = db.client();
    let versions = c.query("SELECT value FROM together.meta WHERE name = 'schema_version'", &[]).unwrap();
    assert_eq!(versions.len(), 1);
    // The first store is untouched by the second schema.
    assert_eq!(create(&db).reads().head().unwrap(), 1);
}

#[test]
fn only_the_stores_schema_is_touched() {
    let db = db!();
    let mut c = db.client();
    c.batch_execute("CREATE TABLE public.events (x int); INSERT INTO public.events VALUES (7)").unwrap();
    let mut e = create(&db);
    append(&mut e, &[Ev::new(1, "s", 1)]);
    let n: i64 = c.query_one("SELECT count(*) FROM public.events", &[]).unwrap().get(0);
    assert_eq!(n, 1);
    let err = open(&format!("{}?schema=public", db.url()), Access::Create).unwrap_err();
    assert!(matches!(err, StoreError::NotAStore { .. }), "{err}");
    assert!(err.to_string().contains("not chronicle's"), "{err}");
}

#[test]
fn a_store_written_by_a_newer_release_is_refused() {
    let db = db!();
    drop(create(&db));
    db.client().batch_execute("UPDATE chronicle.meta SET value = '5' WHERE name = 'schema_version'").unwrap();
    for access in [Access::Create, Access::Read] {
        let err = open(db.url(), access).unwrap_err();
        assert!(matches!(err, StoreError::NewerSchema { found: 5, supported: 4, .. }), "{err}");
    }
}

#[test]
fn connect_failures_are_one_line_naming_the_server() {
    let db = db!();
    let missing = db.url().replace(db.name(), "chronicle_no_such_db");
    let err = open(&missing, Access::Read).unwrap_err().to_string();
    assert!(err.contains("\"chronicle_no_such_db\" does not exist"), "{err}");
    assert!(err.contains("127.0.0.1:5432") || err.contains("localhost"), "{err}");
    assert!(!err.contains('\n'), "{err}");
    let err = open("postgres://postgres:secret@127.0.0.1:1/test", Access::Read).unwrap_err().to_string();
    assert!(err.contains("cannot connect to the PostgreSQL server at 127.0.0.1:1"), "{err}");
    assert!(!err.contains('\n') && !err.contains("secret"), "{err}");
}

#[test]
fn reading_never_creates_and_never_writes() {
    let db = db!();
    let err = open(db.url(), Access::Read).unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    let exists: bool = db.client().query_one("SELECT to_regnamespace('chronicle') IS NOT NULL", &[]).unwrap().get(0);
    assert!(!exists);
    drop(create(&db));
    let mut reader = open(db.url(), Access::Read).unwrap();
    assert_eq!(reader.reads().head().unwrap(), 0);
    assert!(matches!(reader.begin().err(), Some(StoreError::ReadOnly { .. })));
    // The session itself is read-only too.
    let err = reader.conn.batch("CREATE TABLE sneaky (x int)").unwrap_err();
    assert_eq!(err.backend_kind(), Some(crate::es::BackendKind::ReadOnly), "{err}");
}

#[test]
fn a_changed_derived_table_is_recreated_by_a_repairing_open_but_a_changed_log_is_refused() {
    let db = db!();
    let mut e = create(&db);
    append(&mut e, &[Ev::new(1, "s", 1)]);
    drop(e);
    db.client().batch_execute("ALTER TABLE chronicle.streams ADD COLUMN extra int").unwrap();
    let err = open(db.url(), Access::Create).unwrap_err().to_string();
    assert!(err.contains("table `streams` has an extra column `extra`") && err.contains("rebuild"), "{err}");
    let repaired = open(db.url(), Access::Repair).unwrap();
    assert_eq!(repaired.recreated(), ["streams"]);
    assert_eq!(repaired.reads().head().unwrap(), 1);
    assert!(create(&db).recreated().is_empty());
    db.client().batch_execute("ALTER TABLE chronicle.events RENAME COLUMN payload TO body").unwrap();
    let err = open(db.url(), Access::Repair).unwrap_err().to_string();
    assert!(err.contains("table `events` has no column `payload`") && err.contains("cannot repair"), "{err}");
}
