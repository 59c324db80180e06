//! Read-model snapshots: bodies kept byte for byte, found per projection and
//! tag at or before a position, replaced per (projection, position), cleared
//! per projection, listed in order, seen inside their write and by other
//! connections once committed, rolled back with their write.

use chronicle::es::{ExpectedVersion, Store, StoreError, StreamAppend};

use crate::fixture::{Abort, Fixture, appended, event, open_read, to};

/// A body no text encoding would keep: every byte value, and the `tag`'s name.
fn body(tag: &str, at: u64) -> Vec<u8> {
    let mut b: Vec<u8> = (0..=255u8).collect();
    b.extend_from_slice(format!("{tag}@{at}").as_bytes());
    b
}

/// Saves `(projection, position, tag)`s in one write, each with its [`body`].
fn save(s: &mut Store, snaps: &[(&str, u64, &str)]) {
    s.write(|tx| snaps.iter().try_for_each(|&(p, at, tag)| tx.save_model_snapshot(p, at, tag, &body(tag, at))))
        .expect("save model snapshots");
}

/// The position of the snapshot found, its body checked.
fn found(s: &Store, projection: &str, tag: &str, max: u64) -> Option<u64> {
    let got = s.model_snapshot(projection, tag, max).expect("model_snapshot");
    got.map(|(at, b)| {
        assert_eq!(b, body(tag, at), "{projection} {tag} at {at}: the body as saved");
        at
    })
}

fn list(s: &Store) -> Vec<(String, u64, String)> {
    s.model_snapshot_list().expect("model_snapshot_list")
}

fn entry(projection: &str, at: u64, tag: &str) -> (String, u64, String) {
    (projection.to_owned(), at, tag.to_owned())
}

/// A store with a few events (snapshots name positions; the engine does
/// not tie them to events, but a real one is always at an event).
fn store(f: &Fixture) -> Store {
    let mut s = f.open();
    appended(&mut s, vec![to("a", ExpectedVersion::Any, &["e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8"])]);
    s
}

pub fn model_snapshots_read_newest_at_or_before_a_position_per_tag(f: &Fixture) {
    let mut s = store(f);
    assert_eq!(found(&s, "balances", "v1", 100), None, "none saved yet");
    assert_eq!(list(&s), []);
    save(&mut s, &[("balances", 2, "v1"), ("balances", 5, "v2"), ("balances", 7, "v1")]);
    assert_eq!(found(&s, "balances", "v1", 1), None, "nothing before the first");
    assert_eq!(found(&s, "balances", "v1", 2), Some(2), "at its exact position");
    assert_eq!(found(&s, "balances", "v1", 6), Some(2), "the newest of its tag, skipping another tag's");
    assert_eq!(found(&s, "balances", "v1", 7), Some(7));
    assert_eq!(found(&s, "balances", "v1", u64::MAX >> 1), Some(7));
    assert_eq!(found(&s, "balances", "v2", 4), None);
    assert_eq!(found(&s, "balances", "v2", 5), Some(5));
    assert_eq!(found(&s, "balances", "v2", 100), Some(5), "the newest of the tag asked for, not the newest overall");
    assert_eq!(found(&s, "balances", "v3", 100), None, "a tag never saved");
    assert_eq!(found(&s, "owners", "v1", 100), None, "per projection");
    let other = f.open();
    assert_eq!(found(&other, "balances", "v1", 6), Some(2), "another connection finds them");
    assert_eq!(found(&open_read(&f.db), "balances", "v2", 9), Some(5), "and a read-only one");
}

pub fn a_model_snapshot_is_replaced_and_cleared_per_projection_and_listed_in_order(f: &Fixture) {
    let mut s = store(f);
    save(&mut s, &[("owners", 4, "v1"), ("balances", 7, "v1"), ("balances", 2, "v1"), ("owners", 1, "v1")]);
    let replaced = b"replaced".to_vec();
    s.write(|tx| tx.save_model_snapshot("balances", 2, "v2", &replaced)).expect("replace");
    assert_eq!(
        list(&s),
        [entry("balances", 2, "v2"), entry("balances", 7, "v1"), entry("owners", 1, "v1"), entry("owners", 4, "v1")],
        "by projection then position (not as saved), one per projection and position"
    );
    assert_eq!(found(&s, "balances", "v1", 6), None, "the old tag's snapshot at 2 is gone");
    assert_eq!(s.model_snapshot("balances", "v2", 6).expect("read"), Some((2, replaced)), "the new body and tag");
    s.write(|tx| tx.clear_model_snapshots("balances")).expect("clear");
    assert_eq!(list(&s), [entry("owners", 1, "v1"), entry("owners", 4, "v1")], "the other projection's stay");
    assert_eq!(found(&s, "balances", "v1", 100), None);
    assert_eq!(found(&s, "owners", "v1", 100), Some(4));
    assert_eq!(list(&f.open()), list(&s), "as another connection sees them");
}

pub fn model_snapshots_are_seen_inside_their_write_and_roll_back_with_it(f: &Fixture) {
    let mut s = store(f);
    save(&mut s, &[("balances", 2, "v1"), ("owners", 3, "v1")]);
    let other = f.open();
    let out: Result<(), Abort> = s.write(|tx| {
        tx.save_model_snapshot("balances", 6, "v1", &body("v1", 6))?;
        tx.save_model_snapshot("balances", 2, "v1", b"overwritten")?;
        tx.clear_model_snapshots("owners")?;
        assert_eq!(tx.model_snapshot("balances", "v1", 100)?.map(|x| x.0), Some(6), "the write sees its own save");
        assert_eq!(tx.model_snapshot("balances", "v1", 5)?, Some((2, b"overwritten".to_vec())));
        assert_eq!(tx.model_snapshot("owners", "v1", 100)?, None, "and its own clear");
        assert_eq!(found(&other, "balances", "v1", 100), Some(2), "nothing visible outside before commit");
        Err(Abort::Caller)
    });
    assert!(matches!(out, Err(Abort::Caller)));
    assert_eq!(list(&s), [entry("balances", 2, "v1"), entry("owners", 3, "v1")], "the rolled-back write saved nothing");
    assert_eq!(found(&s, "balances", "v1", 100), Some(2), "nor replaced anything");
    assert_eq!(found(&other, "owners", "v1", 100), Some(3), "nor cleared anything");
    // A failure of the store itself rolls them back too.
    let out = s.write(|tx| {
        tx.save_model_snapshot("balances", 8, "v1", &body("v1", 8))?;
        tx.append(vec![to("a", ExpectedVersion::Exact(1), &["conflicting"])])
    });
    assert!(matches!(out, Err(StoreError::Conflict(_))), "{out:?}");
    assert_eq!(found(&other, "balances", "v1", 100), Some(2));
}

pub fn model_snapshots_saved_during_a_bulk_load_are_committed_with_it(f: &Fixture) {
    const CHUNK: usize = 10_000;
    let mut s = f.open();
    let batch = |chunk: usize| -> Vec<StreamAppend> {
        let events = (0..CHUNK).map(|i| event(&format!("e{chunk}-{i}"))).collect();
        vec![StreamAppend {
            stream_id: format!("s{chunk}"),
            stream_type: "Thing".into(),
            expected: ExpectedVersion::Any,
            events,
        }]
    };
    s.write(|tx| {
        tx.bulk_load()?;
        for chunk in 0..3 {
            let head = *tx.append(batch(chunk))?.positions.last().expect("positions");
            // Saved while the chunk's events may still be on their way.
            tx.save_model_snapshot("balances", head, "v1", &body("v1", head))?;
            assert_eq!(tx.model_snapshot("balances", "v1", head)?.map(|x| x.0), Some(head));
        }
        Ok::<_, Abort>(())
    })
    .expect("bulk load");
    let other = f.open();
    let heads = [CHUNK as u64, 2 * CHUNK as u64, 3 * CHUNK as u64];
    assert_eq!(list(&other), heads.map(|h| entry("balances", h, "v1")));
    assert_eq!(other.head().expect("head"), heads[2], "and every event");
    assert_eq!(found(&other, "balances", "v1", heads[2] - 1), Some(heads[1]));
}
