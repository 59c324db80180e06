//! Appends: every expected-version mode accepts and rejects as documented,
//! a conflict anywhere in a batch records nothing of it, positions are
//! gapless, and the text written is the text stored.

use chronicle::es::store::StreamReader;
use chronicle::es::{ExpectedVersion, Store, StoreError};

use crate::fixture::{Abort, Fixture, append, appended, log, to, version};

/// Appends one event to `stream` at `expected`, requiring a conflict that
/// names `expected` and `actual` and recorded nothing.
fn refused(s: &mut Store, stream: &str, expected: ExpectedVersion, actual: u64) {
    let head = s.head().expect("head");
    let before = version(s, stream);
    match append(s, vec![to(stream, expected, &["refused"])]) {
        Err(StoreError::Conflict(c)) => {
            assert_eq!((c.stream_id.as_str(), c.expected, c.actual), (stream, expected, actual), "{c}");
        }
        other => panic!("{stream} at {expected}: expected a conflict, got {other:?}"),
    }
    assert_eq!(s.head().expect("head"), head, "a refused append records nothing");
    assert_eq!(version(s, stream), before, "the stream is unchanged");
    assert_eq!(s.log(&chronicle::es::store::LogFilter::default(), 100).expect("log").len() as u64, head);
}

pub fn expected_version_any(f: &Fixture) {
    let mut s = f.open();
    assert_eq!(appended(&mut s, vec![to("a", ExpectedVersion::Any, &["1"])]), [1], "a new stream");
    assert_eq!(appended(&mut s, vec![to("a", ExpectedVersion::Any, &["2", "3"])]), [2, 3], "an existing one");
    assert_eq!(version(&s, "a"), 3);
}

pub fn expected_version_no_stream(f: &Fixture) {
    let mut s = f.open();
    assert_eq!(appended(&mut s, vec![to("a", ExpectedVersion::NoStream, &["1", "2"])]), [1, 2]);
    refused(&mut s, "a", ExpectedVersion::NoStream, 2);
    assert_eq!(version(&s, "a"), 2);
}

pub fn expected_version_stream_exists(f: &Fixture) {
    let mut s = f.open();
    refused(&mut s, "a", ExpectedVersion::StreamExists, 0);
    assert!(s.stream("a").expect("stream").is_none(), "no stream is created by a refusal");
    appended(&mut s, vec![to("a", ExpectedVersion::Any, &["1"])]);
    assert_eq!(appended(&mut s, vec![to("a", ExpectedVersion::StreamExists, &["2"])]), [2]);
    assert_eq!(version(&s, "a"), 2);
}

pub fn expected_version_exact(f: &Fixture) {
    let mut s = f.open();
    refused(&mut s, "a", ExpectedVersion::Exact(1), 0);
    assert_eq!(appended(&mut s, vec![to("a", ExpectedVersion::Exact(0), &["1"])]), [1], "0 = absent");
    assert_eq!(appended(&mut s, vec![to("a", ExpectedVersion::Exact(1), &["2"])]), [2]);
    refused(&mut s, "a", ExpectedVersion::Exact(1), 2);
    refused(&mut s, "a", ExpectedVersion::Exact(3), 2);
    refused(&mut s, "a", ExpectedVersion::Exact(0), 2);
    // Another connection sees the same version and is refused the same way.
    let mut other = f.open();
    refused(&mut other, "a", ExpectedVersion::Exact(1), 2);
    assert_eq!(appended(&mut other, vec![to("a", ExpectedVersion::Exact(2), &["3"])]), [3]);
    refused(&mut s, "a", ExpectedVersion::Exact(2), 3);
}

pub fn a_conflict_in_one_stream_records_nothing_of_the_batch(f: &Fixture) {
    let mut s = f.open();
    appended(&mut s, vec![to("a", ExpectedVersion::NoStream, &["1"])]);
    for bad_at in [0, 1, 2] {
        let mut batch = vec![
            to("b", ExpectedVersion::NoStream, &["b1", "b2"]),
            to("c", ExpectedVersion::Any, &["c1"]),
            to("a", ExpectedVersion::Exact(1), &["a2"]),
        ];
        batch[bad_at].expected = ExpectedVersion::Exact(7);
        let err = append(&mut s, batch).expect_err("one stream's conflict refuses the batch");
        assert!(err.is_conflict(), "{err}");
        assert_eq!(s.head().expect("head"), 1, "conflict in part {bad_at}: nothing of the batch recorded");
        assert!(s.stream("b").expect("stream").is_none() && s.stream("c").expect("stream").is_none());
        assert_eq!(version(&s, "a"), 1);
    }
    let whole = vec![
        to("b", ExpectedVersion::NoStream, &["b1", "b2"]),
        to("c", ExpectedVersion::Any, &["c1"]),
        to("a", ExpectedVersion::Exact(1), &["a2"]),
    ];
    assert_eq!(appended(&mut s, whole), [2, 3, 4, 5], "the same batch, all expectations met, goes in whole");
    assert_eq!((version(&s, "a"), version(&s, "b"), version(&s, "c")), (2, 2, 1));
}

pub fn positions_are_gapless_and_versions_count_per_stream(f: &Fixture) {
    let mut s = f.open();
    assert_eq!(s.head().expect("head"), 0, "a fresh store is empty");
    appended(&mut s, vec![to("a", ExpectedVersion::Any, &["1", "2"])]);
    // Refusals in between must not consume positions.
    let _ = append(&mut s, vec![to("a", ExpectedVersion::NoStream, &["x"])]).expect_err("conflict");
    let _ = append(&mut s, vec![to("z", ExpectedVersion::Any, &["1"])]).expect_err("id stored with other content");
    appended(&mut s, vec![to("b", ExpectedVersion::Any, &["3"]), to("a", ExpectedVersion::Any, &["4"])]);
    appended(&mut s, vec![to("b", ExpectedVersion::Exact(1), &["5", "6"])]);
    let want =
        [(1, "a", 1, "1"), (2, "a", 2, "2"), (3, "b", 1, "3"), (4, "a", 3, "4"), (5, "b", 2, "5"), (6, "b", 3, "6")];
    let want: Vec<_> = want.iter().map(|&(p, st, v, id)| (p, st.to_owned(), v, id.to_owned())).collect();
    assert_eq!(log(&s), want);
    assert_eq!(log(&f.open()), want, "another connection reads the same log");
    assert_eq!(s.head().expect("head"), 6);
}

pub fn a_stream_keeps_its_type(f: &Fixture) {
    let mut s = f.open();
    appended(&mut s, vec![to("a", ExpectedVersion::Any, &["1"])]);
    let mut other = to("a", ExpectedVersion::Any, &["2"]);
    other.stream_type = "Other".into();
    match append(&mut s, vec![other]) {
        Err(StoreError::StreamType { stream_id, expected, actual }) => {
            assert_eq!((stream_id.as_str(), expected.as_str(), actual.as_str()), ("a", "Other", "Thing"));
        }
        other => panic!("expected a stream type error, got {other:?}"),
    }
    assert_eq!(s.head().expect("head"), 1);
}

pub fn payload_and_metadata_are_stored_byte_for_byte(f: &Fixture) {
    let mut s = f.open();
    // Key order, spacing, escapes, non-ASCII and big numbers are the writer's:
    // the hash covers the text, so an engine must not normalise it.
    let payload = "{ \"z\": 1,\"a\" :[1.50, 2e3, 12345678901234567890],\n\t\"s\": \"caf\\u00e9 \u{1F600} \\\"q\\\"\", \"n\": null }";
    let metadata = r#"{"correlation_id":"c-1","actor":"zoë",  "b":{}}"#;
    let recorded_at = "2026-03-04T05:06:07.123456Z";
    let mut batch = to("a", ExpectedVersion::Any, &["1"]);
    batch.events[0].payload = payload.into();
    batch.events[0].metadata = metadata.into();
    batch.events[0].recorded_at = Some(recorded_at.into());
    batch.events[0].schema_version = 7;
    appended(&mut s, vec![batch]);
    for reader in [s, f.open()] {
        let e = reader.event(1).expect("event").expect("event 1 is stored");
        assert_eq!(e.payload, payload);
        assert_eq!(e.metadata, metadata);
        assert_eq!(e.recorded_at, recorded_at);
        assert_eq!((e.event_type.as_str(), e.schema_version, e.stream_type.as_str()), ("Happened", 7, "Thing"));
    }
}

pub fn a_failed_write_records_nothing(f: &Fixture) {
    let mut s = f.open();
    appended(&mut s, vec![to("a", ExpectedVersion::Any, &["1"])]);
    let out: Result<(), Abort> = s.write(|tx| {
        tx.append(vec![to("a", ExpectedVersion::Exact(1), &["2"])])?;
        tx.append(vec![to("b", ExpectedVersion::NoStream, &["3"])])?;
        Err(Abort::Caller)
    });
    assert!(matches!(out, Err(Abort::Caller)), "{out:?}");
    assert_eq!(log(&s).len(), 1, "both appends rolled back");
    assert_eq!((version(&s, "a"), version(&s, "b")), (1, 0));
    // The positions and versions the rolled-back write took are free again.
    assert_eq!(appended(&mut s, vec![to("a", ExpectedVersion::Exact(1), &["2"])]), [2]);
}

pub fn a_write_sees_its_own_appends(f: &Fixture) {
    let mut s = f.open();
    appended(&mut s, vec![to("a", ExpectedVersion::Any, &["1"])]);
    let other = f.open();
    s.write(|tx| {
        tx.append(vec![to("a", ExpectedVersion::Exact(1), &["2"]), to("b", ExpectedVersion::Any, &["3"])])?;
        assert_eq!(tx.head(), 3);
        let a: Vec<u64> = tx.read_stream("a", 0, u64::MAX)?.iter().map(|e| e.version).collect();
        assert_eq!(a, [1, 2], "read_stream inside the write sees its appends");
        assert_eq!(tx.read_range(1, 3)?.len(), 3);
        assert_eq!(tx.event_position("3")?, Some(3));
        assert_eq!(tx.stream("b")?.map(|i| i.version), Some(1));
        // Nobody else sees them before commit.
        assert_eq!(other.head()?, 1, "uncommitted appends are invisible to another connection");
        assert_eq!(other.read_stream("a", 0, u64::MAX)?.len(), 1);
        Ok::<_, StoreError>(())
    })
    .expect("write");
    assert_eq!(other.head().expect("head"), 3, "and visible once committed");
}
