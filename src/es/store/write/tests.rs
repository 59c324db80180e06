//! One event id names one event: appends through the store API, on real
//! SQLite files.

use std::path::PathBuf;

use super::super::{Store, StoreError};
use crate::es::event::{ExpectedVersion, PendingEvent, StreamAppend};

fn temp() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    (dir, path)
}

fn ev(id: &str, payload: &str) -> PendingEvent {
    PendingEvent {
        event_id: id.to_owned(),
        event_type: "Happened".to_owned(),
        schema_version: 1,
        payload: payload.to_owned(),
        metadata: r#"{"actor":"ada"}"#.to_owned(),
        recorded_at: None,
    }
}

fn on(stream: &str, events: Vec<PendingEvent>) -> Vec<StreamAppend> {
    vec![StreamAppend {
        stream_id: stream.to_owned(),
        stream_type: "Thing".to_owned(),
        expected: ExpectedVersion::Any,
        events,
    }]
}

/// A store holding `x` (payload `{"n":1}`) at position 1 and `y` at 2.
fn store() -> (tempfile::TempDir, Store) {
    let (d, p) = temp();
    let mut s = Store::open(&p).unwrap();
    s.write(|tx| tx.append(on("a", vec![ev("x", r#"{"n":1}"#), ev("y", r#"{"n":2}"#)]))).unwrap();
    (d, s)
}

fn conflict(err: &StoreError) -> (&str, u64, &'static str) {
    match err {
        StoreError::EventIdConflict { event_id, position, field } => (event_id.as_str(), *position, *field),
        other => panic!("expected an event id conflict, got: {other}"),
    }
}

#[test]
fn a_stored_id_with_other_content_is_a_conflict_not_a_duplicate() {
    let (_d, mut s) = store();
    let err = s.write(|tx| tx.append(on("a", vec![ev("x", r#"{"n":999}"#)]))).unwrap_err();
    assert_eq!(conflict(&err), ("x", 1, "payload"));
    assert!(err.to_string().contains("event id x is already stored at position 1 with another payload"), "{err}");
    // Other stream, other type, other metadata: each a conflict too.
    let err = s.write(|tx| tx.append(on("b", vec![ev("y", r#"{"n":2}"#)]))).unwrap_err();
    assert_eq!(conflict(&err), ("y", 2, "stream_id"));
    let mut other_type = ev("y", r#"{"n":2}"#);
    other_type.event_type = "Other".into();
    assert_eq!(conflict(&s.write(|tx| tx.append(on("a", vec![other_type]))).unwrap_err()).2, "event_type");
    let mut other_meta = ev("y", r#"{"n":2}"#);
    other_meta.metadata = r#"{"actor":"mallory"}"#.into();
    assert_eq!(conflict(&s.write(|tx| tx.append(on("a", vec![other_meta]))).unwrap_err()).2, "metadata");
    // A conflict among new events refuses the batch whole.
    let batch = on("a", vec![ev("new", "{}"), ev("x", "{}")]);
    assert_eq!(conflict(&s.write(|tx| tx.append(batch)).unwrap_err()).0, "x");
    assert_eq!(s.head().unwrap(), 2, "a refused append recorded events");
}

#[test]
fn only_the_same_event_is_idempotent() {
    let (_d, mut s) = store();
    let again = s.write(|tx| tx.append(on("a", vec![ev("x", r#"{"n":1}"#), ev("y", r#"{"n":2}"#)]))).unwrap();
    assert!(again.duplicate);
    assert_eq!(again.positions, vec![1, 2]);
    // A given recorded_at is part of the event; an absent one means "now".
    let mut timed = ev("x", r#"{"n":1}"#);
    timed.recorded_at = Some("2000-01-01T00:00:00Z".into());
    assert_eq!(conflict(&s.write(|tx| tx.append(on("a", vec![timed]))).unwrap_err()).2, "recorded_at");
    assert_eq!(s.head().unwrap(), 2);
}

#[test]
fn appends_of_new_ids_type_a_stored_id_too() {
    let (_d, mut s) = store();
    // append_fresh: other content is a conflict, the same event a partial
    // duplicate (a retry belongs to `append`); never a raw constraint error.
    let err = s.write(|tx| tx.append_fresh(on("a", vec![ev("fresh", "{}"), ev("x", "{}")]))).unwrap_err();
    assert_eq!(conflict(&err), ("x", 1, "payload"));
    let err = s.write(|tx| tx.append_fresh(on("a", vec![ev("x", r#"{"n":1}"#)]))).unwrap_err();
    assert!(matches!(err, StoreError::PartialDuplicate { position: 1, .. }), "{err}");
    // append_one likewise.
    let err = s.write(|tx| tx.append_one("a", "Thing", ExpectedVersion::Any, &ev("y", "[]"))).unwrap_err();
    assert_eq!(conflict(&err), ("y", 2, "payload"));
    let err = s.write(|tx| tx.append_one("a", "Thing", ExpectedVersion::Any, &ev("y", r#"{"n":2}"#))).unwrap_err();
    assert!(matches!(err, StoreError::PartialDuplicate { position: 2, .. }), "{err}");
    assert_eq!(s.head().unwrap(), 2, "a refused append recorded events");
}
