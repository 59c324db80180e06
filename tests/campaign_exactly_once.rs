//! Exactly once: projector processes racing over the same events apply each
//! event once (the checkpoint moves in the same transaction as the rows), and
//! a rebuild gives the same read models as the incremental ones.

// A failed unwrap is the failure report of a test helper.
#![allow(clippy::unwrap_used)]

#[path = "campaign_support.rs"]
mod support;

use std::process::Stdio;

use rusqlite::Connection;
use support::{BIN, assert_verify_ok, balances, demo_copy, ok};

const EVENTS: u64 = 10_000;
const PROJECTIONS: [&str; 4] = ["account_balances", "transaction_history", "daily_summary", "user_profiles"];

/// The rows of every read model (not their position, which moves with the log).
fn read_models(db: &std::path::Path) -> Vec<serde_json::Value> {
    PROJECTIONS
        .iter()
        .map(|p| {
            let v: serde_json::Value =
                serde_json::from_slice(&ok(db, &["state", "--projection", p, "--json"]).stdout).unwrap();
            v["rows"].clone()
        })
        .collect()
}

#[test]
fn two_projectors_over_the_same_events_apply_each_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_copy(dir.path(), "once.db", EVENTS);
    let incremental = read_models(&db);
    let expected = balances(&db);

    // Forget every read model: all 10,000 events are now unprojected.
    let conn = Connection::open(&db).unwrap();
    conn.execute_batch(
        "DELETE FROM account_balances; DELETE FROM transaction_history; DELETE FROM transaction_history_accounts;
         DELETE FROM daily_summary; DELETE FROM user_profiles; UPDATE checkpoints SET position = 0;",
    )
    .unwrap();
    drop(conn);

    // Several processes open the store for writing at once: each catches the
    // read models up on open, racing the others.
    let racers: Vec<_> = (0..4)
        .map(|i| {
            std::process::Command::new(BIN)
                .arg("--db")
                .arg(&db)
                .args(["exec", &format!("register racer-{i} racer{i}@example.com Racer Number{i}")])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for r in racers {
        let out = r.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }

    // Applying any event twice would double a balance or a count; skipping
    // one would lose it. verify compares every read model with its replay.
    assert_verify_ok(&db);
    assert_eq!(balances(&db), expected, "balances after the race equal the incremental ones");
    let now = read_models(&db);
    assert!(now[..3] == incremental[..3], "bank read models differ from the incremental ones");

    // A rebuild yields the same read models as the incremental ones.
    ok(&db, &["rebuild"]);
    assert!(read_models(&db) == now, "a rebuild changed the read models");
    assert_verify_ok(&db);
}
