//! The store's contract, tested on real SQLite files.

use std::path::PathBuf;

use super::*;
use crate::es::event::{ExpectedVersion, PendingEvent, StreamAppend};
use crate::es::hash::{self, HashInput};

fn temp() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    (dir, path)
}

fn ev(id: &str) -> PendingEvent {
    PendingEvent {
        event_id: id.to_owned(),
        event_type: "Happened".to_owned(),
        schema_version: 1,
        payload: format!(r#"{{"id":"{id}"}}"#),
        metadata: "{}".to_owned(),
        recorded_at: None,
    }
}

fn batch(stream: &str, expected: ExpectedVersion, ids: &[&str]) -> Vec<StreamAppend> {
    vec![StreamAppend {
        stream_id: stream.to_owned(),
        stream_type: "Thing".to_owned(),
        expected,
        events: ids.iter().map(|i| ev(i)).collect(),
    }]
}

fn append(s: &mut Store, b: Vec<StreamAppend>) -> Result<Appended, StoreError> {
    s.write(|tx| tx.append(b))
}

#[test]
fn positions_are_gapless_and_versions_per_stream() {
    let (_d, p) = temp();
    let mut s = Store::open(&p).unwrap();
    append(&mut s, batch("a", ExpectedVersion::NoStream, &["1", "2"])).unwrap();
    append(&mut s, batch("b", ExpectedVersion::Any, &["3"])).unwrap();
    let out = append(&mut s, batch("a", ExpectedVersion::Exact(2), &["4"])).unwrap();
    assert_eq!(out.positions, vec![4]);
    let all = s.read_range(1, 10).unwrap();
    assert_eq!(
        all.iter().map(|e| (e.position, e.stream_id.as_str(), e.version)).collect::<Vec<_>>(),
        vec![(1, "a", 1), (2, "a", 2), (3, "b", 1), (4, "a", 3)]
    );
    assert_eq!(s.stream("a").unwrap().unwrap().version, 3);
}

#[test]
fn expected_versions_are_enforced_and_a_conflict_records_nothing() {
    let (_d, p) = temp();
    let mut s = Store::open(&p).unwrap();
    append(&mut s, batch("a", ExpectedVersion::NoStream, &["1"])).unwrap();
    let err = append(&mut s, batch("a", ExpectedVersion::Exact(0), &["2"])).unwrap_err();
    match err {
        StoreError::Conflict(c) => assert_eq!((c.expected, c.actual), (ExpectedVersion::Exact(0), 1)),
        other => panic!("{other}"),
    }
    assert!(append(&mut s, batch("a", ExpectedVersion::NoStream, &["2"])).unwrap_err().is_conflict());
    assert!(append(&mut s, batch("z", ExpectedVersion::StreamExists, &["2"])).unwrap_err().is_conflict());
    // A multi-stream batch with one bad expectation records nothing at all.
    let mut two = batch("b", ExpectedVersion::NoStream, &["3"]);
    two.extend(batch("a", ExpectedVersion::Exact(7), &["4"]));
    assert!(append(&mut s, two).unwrap_err().is_conflict());
    assert_eq!(s.head().unwrap(), 1);
    assert!(s.stream("b").unwrap().is_none());
}

#[test]
fn appending_stored_ids_again_is_a_no_op_and_a_partial_overlap_is_refused() {
    let (_d, p) = temp();
    let mut s = Store::open(&p).unwrap();
    let first = append(&mut s, batch("a", ExpectedVersion::Any, &["x", "y"])).unwrap();
    let again = append(&mut s, batch("a", ExpectedVersion::Any, &["x", "y"])).unwrap();
    assert!(again.duplicate);
    assert_eq!(again.positions, first.positions);
    let err = append(&mut s, batch("a", ExpectedVersion::Any, &["y", "z"])).unwrap_err();
    assert!(matches!(err, StoreError::PartialDuplicate { position: 2, .. }), "{err}");
    assert!(matches!(
        append(&mut s, batch("a", ExpectedVersion::Any, &["q", "q"])).unwrap_err(),
        StoreError::DuplicateInBatch(_)
    ));
    assert_eq!(s.head().unwrap(), 2);
}

#[test]
fn the_hash_chain_links_every_event_to_the_one_before() {
    let (_d, p) = temp();
    let mut s = Store::open(&p).unwrap();
    append(&mut s, batch("a", ExpectedVersion::Any, &["1", "2", "3"])).unwrap();
    let mut prev = hash::GENESIS;
    for e in s.read_range(1, 3).unwrap() {
        assert_eq!(e.hash, hash::link(&prev, HashInput::from(&e)));
        prev = e.hash;
    }
}

#[test]
fn the_database_itself_refuses_updates_and_deletes() {
    let (_d, p) = temp();
    let mut s = Store::open(&p).unwrap();
    append(&mut s, batch("a", ExpectedVersion::Any, &["1"])).unwrap();
    drop(s);
    let raw = rusqlite::Connection::open(&p).unwrap();
    let upd = raw.execute("UPDATE events SET payload = '{}'", []).unwrap_err();
    assert!(upd.to_string().contains("append-only"), "{upd}");
    assert!(raw.execute("DELETE FROM events", []).is_err());
}

#[test]
fn foreign_and_newer_files_are_refused_with_a_reason() {
    let (d, p) = temp();
    std::fs::write(&p, "hello, not a database").unwrap();
    assert!(matches!(Store::open(&p).unwrap_err(), StoreError::NotAStore { .. }));

    let other = d.path().join("other.db");
    rusqlite::Connection::open(&other).unwrap().execute_batch("CREATE TABLE t (x)").unwrap();
    let err = Store::open(&other).unwrap_err();
    assert!(err.to_string().contains("tables of its own"), "{err}");

    let newer = d.path().join("newer.db");
    drop(Store::open(&newer).unwrap());
    rusqlite::Connection::open(&newer).unwrap().pragma_update(None, "user_version", 99).unwrap();
    assert!(matches!(Store::open(&newer).unwrap_err(), StoreError::NewerSchema { found: 99, .. }));

    assert!(matches!(Store::open_existing(&d.path().join("absent.db")).unwrap_err(), StoreError::NotFound { .. }));
    let empty = d.path().join("empty.db");
    std::fs::write(&empty, "").unwrap();
    assert_eq!(Store::open(&empty).unwrap().head().unwrap(), 0, "an empty file becomes an empty store");
}

#[test]
fn uri_like_paths_are_plain_file_names() {
    let dir = tempfile::tempdir().unwrap();
    let odd = dir.path().join("file:x.db?mode=ro");
    let mut s = Store::open(&odd).unwrap();
    append(&mut s, batch("a", ExpectedVersion::Any, &["1"])).unwrap();
    assert!(odd.exists(), "the store lives at the literal path");
}

#[test]
fn a_stream_keeps_its_type() {
    let (_d, p) = temp();
    let mut s = Store::open(&p).unwrap();
    append(&mut s, batch("a", ExpectedVersion::Any, &["1"])).unwrap();
    let mut other = batch("a", ExpectedVersion::Any, &["2"]);
    other[0].stream_type = "Other".to_owned();
    assert!(matches!(append(&mut s, other).unwrap_err(), StoreError::StreamType { .. }));
}

#[test]
fn log_filters_and_time_lookup() {
    let (_d, p) = temp();
    let mut s = Store::open(&p).unwrap();
    let mut b = batch("a", ExpectedVersion::Any, &["1", "2"]);
    b[0].events[0].recorded_at = Some("2026-01-01T00:00:00.000000Z".into());
    b[0].events[1].recorded_at = Some("2026-01-02T00:00:00.000000Z".into());
    b[0].events[1].metadata = r#"{"correlation_id":"c-1"}"#.into();
    append(&mut s, b).unwrap();
    append(&mut s, batch("b", ExpectedVersion::Any, &["3"])).unwrap();
    let only_b = LogFilter { stream_id: Some("b".into()), ..LogFilter::default() };
    assert_eq!(s.log(&only_b, 10).unwrap().len(), 1);
    let corr = LogFilter { correlation_id: Some("c-1".into()), ..LogFilter::default() };
    assert_eq!(s.log(&corr, 10).unwrap()[0].position, 2);
    let from = LogFilter { from: Some(2), ..LogFilter::default() };
    assert_eq!(s.log(&from, 1).unwrap()[0].position, 2);
    assert_eq!(s.position_at_time("2026-01-01T12:00:00.000000Z").unwrap(), 1);
    assert_eq!(s.position_at_time("2025-01-01T00:00:00.000000Z").unwrap(), 0);
}

#[test]
fn a_batch_naming_many_streams_appends_each_at_its_version_and_still_names_an_index_out_of_step() {
    let (_d, p) = temp();
    let mut s = Store::open(&p).unwrap();
    append(&mut s, batch("a", ExpectedVersion::NoStream, &["1", "2"])).unwrap();
    append(&mut s, batch("c", ExpectedVersion::NoStream, &["3"])).unwrap();
    let mut many = batch("b", ExpectedVersion::NoStream, &["4"]);
    many.extend(batch("a", ExpectedVersion::Exact(2), &["5"]));
    many.extend(batch("d", ExpectedVersion::Any, &["6", "7"]));
    many.extend(batch("b", ExpectedVersion::Exact(1), &["8"]));
    assert_eq!(append(&mut s, many).unwrap().positions, vec![4, 5, 6, 7, 8]);
    let versions: Vec<_> = ["a", "b", "d"].iter().map(|id| s.stream(id).unwrap().unwrap().version).collect();
    assert_eq!(versions, vec![3, 2, 2]);
    rusqlite::Connection::open(&p)
        .unwrap()
        .execute_batch("UPDATE streams SET version = 9 WHERE stream_id = 'c'")
        .unwrap();
    let mut two = batch("e", ExpectedVersion::NoStream, &["9"]);
    two.extend(batch("c", ExpectedVersion::Any, &["10"]));
    match append(&mut s, two).unwrap_err() {
        StoreError::StreamsIndex { stream_id, indexed, stored } => {
            assert_eq!((stream_id.as_str(), indexed, stored), ("c", 9, 1));
        }
        other => panic!("{other}"),
    }
    assert_eq!(s.head().unwrap(), 8);
}
