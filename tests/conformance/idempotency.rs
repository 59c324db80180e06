//! Event ids are idempotency keys: the same batch again is a duplicate at
//! the same positions; an id stored with other content is a conflict; a
//! batch partly stored is refused whole.

use chronicle::es::{ExpectedVersion, StoreError};

use crate::fixture::{Fixture, append, appended, log, to};

pub fn the_same_batch_twice_is_a_duplicate_at_the_same_positions(f: &Fixture) {
    let mut s = f.open();
    appended(&mut s, vec![to("z", ExpectedVersion::Any, &["0"])]);
    let batch = vec![to("a", ExpectedVersion::NoStream, &["x", "y"]), to("b", ExpectedVersion::NoStream, &["w"])];
    let first = append(&mut s, batch.clone()).expect("first append");
    assert!(!first.duplicate);
    assert_eq!(first.positions, [2, 3, 4]);
    // Again, even though the expected versions no longer hold: a retry of a
    // write that did go through is answered, not refused.
    let again = append(&mut s, batch.clone()).expect("the same batch again");
    assert!(again.duplicate, "{again:?}");
    assert!(again.events.is_empty(), "nothing appended");
    assert_eq!(again.positions, first.positions);
    assert_eq!(s.head().expect("head"), 4);
    // On another connection too.
    let again = append(&mut f.open(), batch).expect("the same batch from another connection");
    assert!(again.duplicate);
    assert_eq!(again.positions, first.positions);
    assert_eq!(log(&s).len(), 4);
}

/// One change to a stored event.
type Change = fn(&mut chronicle::es::StreamAppend);

pub fn a_stored_id_with_other_content_is_an_event_id_conflict(f: &Fixture) {
    let mut s = f.open();
    let mut stored = to("a", ExpectedVersion::Any, &["x"]);
    stored.events[0].recorded_at = Some("2026-01-01T00:00:00.000000Z".into());
    appended(&mut s, vec![stored.clone()]);
    let variants: [(&str, Change); 6] = [
        ("payload", |b| b.events[0].payload = r#"{"id":"other"}"#.into()),
        ("metadata", |b| b.events[0].metadata = r#"{"actor":"other"}"#.into()),
        ("event_type", |b| b.events[0].event_type = "Other".into()),
        ("schema_version", |b| b.events[0].schema_version = 2),
        ("stream_id", |b| b.stream_id = "b".into()),
        ("recorded_at", |b| b.events[0].recorded_at = Some("2026-01-02T00:00:00.000000Z".into())),
    ];
    for (field, change) in variants {
        let mut other = stored.clone();
        change(&mut other);
        match append(&mut s, vec![other]) {
            Err(StoreError::EventIdConflict { event_id, position, field: named }) => {
                assert_eq!((event_id.as_str(), position, named), ("x", 1, field));
            }
            other => panic!("{field} differs: expected an event id conflict, got {other:?}"),
        }
        assert_eq!(s.head().expect("head"), 1, "{field}: nothing recorded");
    }
    // With a new event beside it, the conflict still refuses the whole batch.
    let mut mixed = to("a", ExpectedVersion::Any, &["new", "x"]);
    mixed.events[1].payload = "{}".into();
    assert!(matches!(append(&mut s, vec![mixed]), Err(StoreError::EventIdConflict { .. })));
    assert_eq!(s.head().expect("head"), 1);
}

pub fn a_partly_stored_batch_is_refused_whole(f: &Fixture) {
    let mut s = f.open();
    appended(&mut s, vec![to("a", ExpectedVersion::Any, &["x", "y"])]);
    match append(&mut s, vec![to("a", ExpectedVersion::Any, &["y", "z"])]) {
        Err(StoreError::PartialDuplicate { event_id, position }) => assert_eq!((event_id.as_str(), position), ("y", 2)),
        other => panic!("expected a partial duplicate, got {other:?}"),
    }
    // Across streams of one batch as well.
    let split = vec![to("b", ExpectedVersion::Any, &["b1"]), to("a", ExpectedVersion::Any, &["x"])];
    assert!(matches!(append(&mut s, split), Err(StoreError::PartialDuplicate { position: 1, .. })));
    assert_eq!(log(&s).len(), 2, "nothing of either batch recorded");
    assert!(s.stream("b").expect("stream").is_none());
}

pub fn an_id_twice_in_one_batch_is_refused(f: &Fixture) {
    let mut s = f.open();
    match append(&mut s, vec![to("a", ExpectedVersion::Any, &["q"]), to("b", ExpectedVersion::Any, &["q"])]) {
        Err(StoreError::DuplicateInBatch(id)) => assert_eq!(id, "q"),
        other => panic!("expected a duplicate in the batch, got {other:?}"),
    }
    assert_eq!(s.head().expect("head"), 0);
}

pub fn fresh_appends_type_a_stored_id(f: &Fixture) {
    let mut s = f.open();
    appended(&mut s, vec![to("a", ExpectedVersion::Any, &["x"])]);
    // The same event through the append that skips the look-ups: refused,
    // typed (never a raw constraint error), nothing recorded.
    let same = s.write(|tx| tx.append_fresh(vec![to("a", ExpectedVersion::Any, &["new", "x"])]));
    assert!(
        matches!(same, Err(StoreError::PartialDuplicate { ref event_id, position: 1 }) if event_id == "x"),
        "{same:?}"
    );
    let mut changed = to("a", ExpectedVersion::Any, &["x"]);
    changed.events[0].payload = r#"{"other":true}"#.into();
    let e = &changed.events[0];
    let other = s.write(|tx| tx.append_one("a", "Thing", ExpectedVersion::Any, e));
    assert!(matches!(other, Err(StoreError::EventIdConflict { position: 1, field: "payload", .. })), "{other:?}");
    assert_eq!(log(&s).len(), 1);
    // The connection is still usable after the refusals.
    assert_eq!(appended(&mut s, vec![to("a", ExpectedVersion::Exact(1), &["y"])]), [2]);
}

pub fn ids_are_seen_by_another_connection(f: &Fixture) {
    let mut one = f.open();
    let mut two = f.open();
    // `two` reads the stream before `one` writes (a cache must not hide the write).
    assert!(two.stream("a").expect("stream").is_none());
    appended(&mut one, vec![to("a", ExpectedVersion::Any, &["x"])]);
    let mut other = to("a", ExpectedVersion::Any, &["x"]);
    other.events[0].payload = "{}".into();
    assert!(matches!(append(&mut two, vec![other]), Err(StoreError::EventIdConflict { .. })));
    let err = append(&mut two, vec![to("a", ExpectedVersion::NoStream, &["y"])]).expect_err("a stream of one event");
    assert!(err.is_conflict(), "{err}");
    assert_eq!(two.head().expect("head"), 1);
}
