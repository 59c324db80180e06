//! Snapshots: saved in a write, found at or before a position, only of the
//! state version asked for, replaced per (stream, version), rolled back
//! with their write.

use chronicle::es::store::{Snapshot, StreamReader};
use chronicle::es::{ExpectedVersion, Store, StoreError};

use crate::fixture::{Abort, Fixture, appended, to};

fn snap(version: u64, position: u64, state_version: u32, state: &str) -> Snapshot {
    Snapshot {
        stream_id: "a".to_owned(),
        version,
        stream_type: "Thing".to_owned(),
        position,
        state_version,
        state: state.to_owned(),
    }
}

/// Stream `a` at positions 1, 3, 4, 6 (versions 1–4), `b` in between.
fn store(f: &Fixture) -> Store {
    let mut s = f.open();
    appended(&mut s, vec![to("a", ExpectedVersion::Any, &["a1"])]);
    appended(&mut s, vec![to("b", ExpectedVersion::Any, &["b1"])]);
    appended(&mut s, vec![to("a", ExpectedVersion::Any, &["a2", "a3"])]);
    appended(&mut s, vec![to("b", ExpectedVersion::Any, &["b2"])]);
    appended(&mut s, vec![to("a", ExpectedVersion::Any, &["a4"])]);
    s
}

fn save(s: &mut Store, snaps: &[Snapshot]) {
    s.write(|tx| snaps.iter().try_for_each(|x| tx.save_snapshot(x))).expect("save snapshots");
}

/// The version of the snapshot found, if any.
fn found(s: &Store, max_position: u64, state_version: u32) -> Option<u64> {
    let got = s.snapshot("a", max_position, state_version).expect("snapshot");
    let through_reader = StreamReader::read_snapshot(s, "a", max_position, state_version).expect("read_snapshot");
    assert_eq!(got, through_reader, "Store::snapshot and StreamReader::read_snapshot agree");
    got.map(|x| x.version)
}

pub fn snapshots_read_at_or_before_a_position(f: &Fixture) {
    let mut s = store(f);
    save(&mut s, &[snap(1, 1, 1, r#"{"v":1}"#), snap(3, 4, 1, r#"{ "v" : 3 }"#)]);
    assert_eq!(found(&s, 0, 1), None, "nothing before the first");
    assert_eq!(found(&s, 1, 1), Some(1), "at its position");
    assert_eq!(found(&s, 3, 1), Some(1), "the newest at or before");
    assert_eq!(found(&s, 4, 1), Some(3));
    assert_eq!(found(&s, u64::MAX >> 1, 1), Some(3));
    let got = s.snapshot("a", 10, 1).expect("snapshot").expect("a snapshot");
    assert_eq!(got, snap(3, 4, 1, r#"{ "v" : 3 }"#), "stored as given, state text byte for byte");
    assert_eq!(s.snapshot("b", 10, 1).expect("snapshot"), None, "per stream");
    let other = f.open();
    assert_eq!(found(&other, 10, 1), Some(3), "another connection finds it");
    assert_eq!(other.snapshot_positions().expect("positions"), [1, 4]);
    assert_eq!(other.snapshots().expect("snapshots").len(), 2);
    // Inside a write, too.
    s.write(|tx| {
        assert_eq!(tx.read_snapshot("a", 3, 1)?.map(|x| x.version), Some(1));
        Ok::<_, StoreError>(())
    })
    .expect("write");
}

pub fn another_state_version_is_ignored(f: &Fixture) {
    let mut s = store(f);
    // An old state version's snapshot, newer in the stream than the current one's.
    save(&mut s, &[snap(2, 3, 2, r#"{"new":2}"#), snap(4, 6, 1, r#"{"old":4}"#)]);
    assert_eq!(found(&s, 10, 2), Some(2), "the newest of the version asked for, not the newest overall");
    assert_eq!(found(&s, 10, 1), Some(4));
    assert_eq!(found(&s, 5, 1), None, "no state version 1 snapshot at or before 5");
    assert_eq!(found(&s, 10, 3), None, "no snapshot of a state version never written");
}

pub fn a_snapshot_is_replaced_and_rolls_back_with_its_write(f: &Fixture) {
    let mut s = store(f);
    save(&mut s, &[snap(3, 4, 1, r#"{"first":true}"#)]);
    save(&mut s, &[snap(3, 4, 1, r#"{"second":true}"#)]);
    assert_eq!(s.snapshots().expect("snapshots").len(), 1, "one per stream and version");
    let got = s.snapshot("a", 10, 1).expect("snapshot").expect("a snapshot");
    assert_eq!(got.state, r#"{"second":true}"#);
    let out: Result<(), Abort> = s.write(|tx| {
        tx.save_snapshot(&snap(4, 6, 1, r#"{"rolled":"back"}"#))?;
        tx.save_snapshot(&snap(3, 4, 1, r#"{"third":true}"#))?;
        Err(Abort::Caller)
    });
    assert!(matches!(out, Err(Abort::Caller)));
    assert_eq!(found(&s, 10, 1), Some(3), "the rolled-back snapshot is not stored");
    assert_eq!(s.snapshot("a", 10, 1).expect("snapshot").expect("a snapshot").state, r#"{"second":true}"#);
    assert_eq!(s.snapshot_positions().expect("positions"), [4]);
}
