//! The engine's side of the seam, on real files: what it reports to the
//! facade, and connections that share one store.

use super::*;
use crate::es::backend::{BackendKind, EventRow};
use crate::es::event::{ExpectedVersion, PendingEvent, StreamAppend};

fn batch(id: &str) -> Vec<StreamAppend> {
    vec![StreamAppend {
        stream_id: "s-1".to_owned(),
        stream_type: "Thing".to_owned(),
        expected: ExpectedVersion::Any,
        events: vec![PendingEvent {
            event_id: id.to_owned(),
            event_type: "Happened".to_owned(),
            schema_version: 1,
            payload: "{}".to_owned(),
            metadata: "{}".to_owned(),
            recorded_at: None,
        }],
    }]
}

#[test]
fn a_taken_event_id_or_version_is_reported_typed_and_the_transaction_still_reads() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open_store(&dir.path().join("s.db"), Access::Create).unwrap();
    store.write(|tx| tx.append(batch("e-1"))).unwrap();
    let stored = store.event(1).unwrap().unwrap();
    let mut engine = open(&dir.path().join("s.db"), Access::Create).unwrap();
    let mut w = engine.begin().unwrap();
    let row = |position, event_id, version| EventRow {
        position,
        event_id,
        stream_id: "s-1",
        stream_type: "Thing",
        version,
        event_type: "Happened",
        schema_version: 1,
        payload: "{}",
        metadata: "{}",
        recorded_at: "2026-01-01T00:00:00.000000Z",
        hash: &stored.hash,
    };
    let taken = w.insert_event(&row(2, "e-1", 2)).unwrap_err();
    assert!(matches!(&taken, StoreError::EventIdTaken(id) if id == "e-1"), "{taken:?}");
    let version = w.insert_event(&row(2, "e-2", 1)).unwrap_err();
    assert!(
        matches!(&version, StoreError::VersionTaken { stream_id, version: 1 } if stream_id == "s-1"),
        "{version:?}"
    );
    assert_eq!(w.head().unwrap(), 1, "still readable after the refusals");
    w.insert_event(&row(2, "e-2", 2)).unwrap();
    assert_eq!(w.head().unwrap(), 2, "reads inside the transaction see its writes");
    drop(w);
    assert_eq!(store.head().unwrap(), 1, "dropping the transaction rolled it back");
}

#[test]
fn a_reconnected_reader_sees_the_writers_appends_and_cannot_write() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open_store(&dir.path().join("s.db"), Access::Create).unwrap();
    store.write(|tx| tx.append(batch("e-1"))).unwrap();
    let mut reader = store.reconnect(Access::Read).unwrap();
    assert_eq!(reader.name(), store.name());
    assert_eq!(reader.head().unwrap(), 1);
    store.write(|tx| tx.append(batch("e-2"))).unwrap();
    assert_eq!(reader.head().unwrap(), 2);
    reader.wait_for_append(1, Duration::from_secs(60)).unwrap();
    let err = reader.write(|tx| tx.append(batch("e-3"))).unwrap_err();
    assert_eq!(err.backend_kind(), Some(BackendKind::ReadOnly), "{err}");
    assert_eq!(store.head().unwrap(), 2);
}

#[test]
fn the_guards_are_present_and_unaltered_in_a_new_store() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(&dir.path().join("s.db"), Access::Create).unwrap();
    let guards = engine.guards().unwrap();
    assert_eq!(guards.present, vec!["events_no_delete".to_owned(), "events_no_update".to_owned()]);
    assert!(guards.altered.is_empty());
    assert!(engine.integrity_check(10).unwrap().is_empty());
}

#[test]
fn a_correlation_is_read_by_its_index_and_metadata_that_is_not_json_matches_none() {
    use crate::es::store::LogFilter;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let mut store = open_store(&path, Access::Create).unwrap();
    let mut appends = batch("e-1");
    appends[0].events[0].metadata = r#"{"correlation_id":"c-1"}"#.to_owned();
    let mut odd = appends[0].events[0].clone();
    odd.event_id = "e-2".to_owned();
    odd.metadata = "not json".to_owned();
    appends[0].events.push(odd);
    store.write(|tx| tx.append(appends)).unwrap();
    let filter = LogFilter { correlation_id: Some("c-1".to_owned()), ..LogFilter::default() };
    let found = store.log(&filter, 10).unwrap();
    assert_eq!(found.iter().map(|e| e.event_id.as_str()).collect::<Vec<_>>(), ["e-1"]);

    let conn = rusqlite::Connection::open(&path).unwrap();
    let sql = format!(
        "EXPLAIN QUERY PLAN SELECT * FROM events WHERE position >= ?1 AND position <= ?2 \
         AND {} = ?3 ORDER BY position LIMIT ?4",
        read::CORRELATION_KEY
    );
    let plan: Vec<String> = conn
        .prepare(&sql)
        .unwrap()
        .query_map(rusqlite::params![1, i64::MAX, "c-1", 10], |r| r.get(3))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(plan, ["SEARCH events USING INDEX events_correlation (<expr>=? AND rowid>? AND rowid<?)"]);
}
