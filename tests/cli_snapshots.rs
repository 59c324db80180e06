//! Snapshots seen from the CLI: taken every 50 events of a stream, equal to
//! the replay, a hand-edited one is caught by `verify`, and one tagged with
//! another state schema is ignored rather than trusted.

#[path = "helpers/cli.rs"]
mod support;

use chronicle::app::{Chronicle, ExecOptions, Mode};
use serde_json::Value;
use support::Store;

const DEPOSITS: u64 = 250;

/// acc-1 with 250 deposits of 1.00 ..= 2.50 (versions 2 ..= 251), u-1 with
/// a few events, written through the library (fast, same code path as `exec`).
fn busy_store() -> Store {
    let s = Store::new();
    let mut c = Chronicle::open(&s.path, Mode::Write, chronicle::domain::Registry::builtin()).expect("open");
    let opts = ExecOptions::new("tester", "test");
    c.execute("open acc-1 Ada Lovelace", &opts).expect("open account");
    c.execute("register u-1 ada@example.com Ada Lovelace", &opts).expect("register");
    for i in 1..=DEPOSITS {
        c.execute(&format!("deposit acc-1 {}.{:02} n{i}", 1 + i / 100, i % 100), &opts).expect("deposit");
    }
    c.execute("grant u-1 admin", &opts).expect("grant");
    s
}

fn expected_balance() -> u64 {
    (1..=DEPOSITS).map(|i| 100 + i).sum()
}

fn snapshot_versions(s: &Store) -> Vec<(String, i64)> {
    let c = s.sql();
    let mut stmt = c.prepare("SELECT stream_id, version FROM snapshots ORDER BY stream_id, version").expect("prepare");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).expect("query").collect::<Result<_, _>>().expect("rows")
}

/// `state --stream acc-1 --json` at the head and at a few positions.
fn acc1_states(s: &Store) -> Vec<Value> {
    let mut out = vec![s.state(&["--stream", "acc-1"])];
    for at in ["1", "99", "101", "102", "150", "202", "203"] {
        out.push(s.state(&["--stream", "acc-1", "--at", at]));
    }
    out
}

#[test]
fn snapshots_are_taken_and_equal_the_replay() {
    let s = busy_store();
    let every_50: Vec<(String, i64)> = [50, 100, 150, 200, 250].iter().map(|v| ("acc-1".to_owned(), *v)).collect();
    assert_eq!(snapshot_versions(&s), every_50);
    let out = s.verify_ok();
    assert!(out.contains("5 snapshots"), "{out}");
    assert!(out.contains(&format!("{} events", DEPOSITS + 3)), "{out}");

    let with = acc1_states(&s);
    assert_eq!(with[0]["version"], DEPOSITS + 1);
    assert_eq!(with[0]["state"]["balance_cents"], expected_balance());
    assert_eq!(with[0]["state"]["transactions"], DEPOSITS);
    // Without snapshots the same states come from a full replay.
    s.sql().execute("DELETE FROM snapshots", []).expect("delete snapshots");
    assert_eq!(acc1_states(&s), with);
    let out = s.verify_ok();
    assert!(out.contains("0 snapshots"), "{out}");
    // The read model agrees too.
    let row = s.balance_row("acc-1");
    assert_eq!(row["balance_cents"], expected_balance());
    assert_eq!(row["transactions"], DEPOSITS);
}

#[test]
fn a_snapshot_edited_by_hand_is_caught_by_verify() {
    let s = busy_store();
    s.verify_ok();
    s.sql()
        .execute(
            "UPDATE snapshots SET state = json_set(state, '$.balance_cents', 1) WHERE stream_id = 'acc-1' AND version = 200",
            [],
        )
        .expect("edit snapshot");
    let err = s.verify_fails();
    assert!(err.contains("snapshot of acc-1 at version 200"), "{err}");
    assert!(!err.contains("version 100"), "{err}");
    // The event log itself is intact: removing the bad snapshot repairs the store.
    s.sql().execute("DELETE FROM snapshots WHERE version = 200", []).expect("delete snapshot");
    s.verify_ok();
    assert_eq!(s.state(&["--stream", "acc-1"])["state"]["balance_cents"], expected_balance());
}

#[test]
fn a_snapshot_of_another_state_schema_is_ignored() {
    let s = busy_store();
    let good = acc1_states(&s);
    for state_version in [0, 2, 99] {
        s.sql()
            .execute(
                "UPDATE snapshots SET state_version = ?1, state = '{\"balance_cents\":1,\"opened\":true}'",
                [state_version],
            )
            .expect("retag snapshots");
        assert_eq!(acc1_states(&s), good, "a snapshot of state schema {state_version} was trusted");
        let out = s.verify_ok();
        assert!(out.contains("5 snapshots"), "{out}");
    }
    // New commands load the stream correctly too.
    s.exec("withdraw acc-1 1");
    assert_eq!(s.state(&["--stream", "acc-1"])["state"]["balance_cents"], expected_balance() - 100);
}

#[test]
fn a_snapshot_that_is_not_json_is_ignored_but_reported() {
    let s = busy_store();
    let good = acc1_states(&s);
    s.sql().execute("UPDATE snapshots SET state = 'not json' WHERE version = 200", []).expect("break snapshot");
    assert_eq!(acc1_states(&s), good);
    let err = s.verify_fails();
    assert!(err.contains("snapshot of acc-1 at version 200"), "{err}");
}
