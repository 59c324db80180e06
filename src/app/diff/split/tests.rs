//! A diff's reads shared by two connections give what one connection reads,
//! on SQLite and on PostgreSQL, and stop when asked.

use std::cell::Cell;

use super::*;
use crate::app::demo::DemoOptions;
use crate::app::diff::Scope;
use crate::app::{Chronicle, Mode};

/// A demo store of `events` events at `db`.
fn demo(db: &str, events: u64) -> Chronicle {
    let mut c = Chronicle::open(db, Mode::Write, Registry::builtin()).unwrap();
    c.demo(DemoOptions { events, ..DemoOptions::default() }, &mut |_, _| {}).unwrap();
    c
}

/// The streams touched in `(from, to]`, by id, with their types.
fn touched(c: &Chronicle, (from, to): (u64, u64)) -> Vec<(String, String)> {
    c.summarize((from, to), Scope::All, None, &|| false).unwrap().streams.into_iter().collect()
}

/// Every read model's name.
fn names(c: &Chronicle) -> Vec<String> {
    c.registry.projections().iter().map(|p| p.name().to_owned()).collect()
}

/// Ranges of the demo's log read on one connection, then on two: the same
/// streams in the same order, the same read-model diffs (a ledger's
/// counted), and again on the second connection kept from the first time.
fn two_connections_read_what_one_reads(c: &Chronicle) {
    let head = c.store().head().unwrap();
    assert!(c.store().reconnect(Access::Read).is_ok(), "a second connection opens");
    assert!(c.ledger("transaction_history", head).unwrap().is_some(), "a ledger counted");
    for between in [(0, head), (head / 5, head * 4 / 5), (head - 40, head)] {
        let (touched, names) = (touched(c, between), names(c));
        let read = |two: bool| {
            if two {
                c.read_on_two_if_can(&touched, names.clone(), between, [None, None], &|| false).unwrap()
            } else {
                c.read_in_turn(&touched, names.clone(), between, [None, None], &|| false).unwrap()
            }
        };
        let one = read(false);
        assert_eq!(one.0, c.diff(between.0, between.1, Scope::All).unwrap().streams, "{between:?}");
        if between.0 == 0 {
            // Enough for every kind of piece, and more than one of streams.
            assert!(touched.len() > 2 * STREAMS_PER_PIECE, "{} streams touched", touched.len());
            let gained = one.1["transaction_history"].appended.map(|a| a.count);
            assert!(gained > Some(100), "the ledger gains rows in {between:?}: {gained:?}");
        }
        assert_eq!(read(true), one, "{between:?} on two connections");
        assert_eq!(read(true), one, "{between:?} on two connections, the second one kept");
    }
}

#[test]
fn two_sqlite_connections_read_what_one_reads() {
    let dir = tempfile::tempdir().unwrap();
    let c = demo(dir.path().join("d.db").to_str().unwrap(), 1_500);
    two_connections_read_what_one_reads(&c);
}

#[test]
fn two_postgres_connections_read_what_one_reads() {
    let Some(db) = crate::postgres::testing::TestDb::create() else { return };
    let c = demo(db.url(), 1_500);
    two_connections_read_what_one_reads(&c);
}

#[test]
fn reads_on_two_connections_stop_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let c = demo(dir.path().join("d.db").to_str().unwrap(), 1_500);
    let head = c.store().head().unwrap();
    let (touched, names) = (touched(&c, (0, head)), names(&c));
    for after in [0, 1, 6, 12] {
        let asked = Cell::new(0);
        let stop = || {
            asked.set(asked.get() + 1);
            asked.get() > after
        };
        let read = c.read_on_two_if_can(&touched, names.clone(), (0, head), [None, None], &stop);
        // Asked first before the read models' diffs: the first two stop it.
        if after < 2 || asked.get() > after {
            let Err(e) = read else { panic!("not stopped after {after} questions") };
            assert_eq!(e.to_string(), cancelled().to_string());
        } else {
            assert!(read.is_ok(), "finished before its stop said so");
        }
    }
}
