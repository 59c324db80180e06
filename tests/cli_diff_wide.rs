//! A wide whole-store `diff` (issue 13, item 3) shares its reads of the store
//! (the touched streams' states, its ledger's rows) between its connection and
//! a second one: what it prints is what the same ledger's diff read alone, and
//! each stream's diff read alone, print; a narrow one uses one connection. On
//! SQLite and on PostgreSQL.

#[path = "helpers/cli.rs"]
mod support;

#[path = "helpers/pg.rs"]
mod pg;

use std::process::Command;

use serde_json::Value;
use support::{Store, chronicle, run};

/// A whole-store diff's rows and streams on the store `--db db`: the same
/// whether read on two connections (a wide range) or one.
fn wide_diff_reads_on_two_connections(db: &str) {
    let logs = tempfile::tempdir().expect("a log directory");
    let diff = |args: &[&str]| -> Value {
        let mut cmd: Command = chronicle();
        cmd.env("CHRONICLE_LOG_DIR", logs.path()).env("CHRONICLE_LOG", "chronicle=debug");
        let out = run(cmd.arg("--db").arg(db).arg("--no-cache").arg("diff").args(args));
        assert_eq!(out.code, 0, "{}", out.stderr);
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not one JSON object ({e}): {}", out.stdout))
    };
    let two = || {
        std::fs::read_to_string(logs.path().join("chronicle.log"))
            .unwrap_or_default()
            .matches("diff read on two connections")
            .count()
    };

    let whole = diff(&["1000", "23500", "--json"]);
    assert_eq!(two(), 1, "a range of 22,500 events is read on two connections");
    let alone = diff(&["1000", "23500", "--projection", "transaction_history", "--json"]);
    let (w, a) = (&whole["projections"]["transaction_history"], &alone["projections"]["transaction_history"]);
    let added = w["added"].as_array().expect("added rows");
    assert!(added.len() > 1_000, "the demo's ledger gains rows in the range: {}", added.len());
    assert_eq!(w, a, "the ledger's rows read on two connections are the rows read alone");

    // The streams in order (by id, however the two connections shared
    // them), each what its own diff, on one connection, prints.
    let streams = whole["streams"].as_array().expect("streams");
    assert!(streams.len() > 100, "{} streams differ", streams.len());
    let ids: Vec<&str> = streams.iter().map(|s| s["stream_id"].as_str().expect("an id")).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "streams by id");
    for at in [0, streams.len() / 3, streams.len() / 2, streams.len() - 1] {
        let one = diff(&["1000", "23500", "--stream", ids[at], "--json"]);
        assert_eq!(one["streams"], Value::Array(vec![streams[at].clone()]), "stream {}", ids[at]);
    }

    // A narrow range reads everything on the one connection, and agrees.
    let wide = two();
    let narrow = diff(&["1000", "1500", "--json"]);
    let narrow_alone = diff(&["1000", "1500", "--projection", "transaction_history", "--json"]);
    assert_eq!(two(), wide, "no second connection for 500 events");
    assert_eq!(narrow["projections"]["transaction_history"], narrow_alone["projections"]["transaction_history"]);
}

#[test]
fn a_wide_diff_on_sqlite_reads_on_two_connections_and_prints_the_same() {
    let s = Store::demo(24_000);
    wide_diff_reads_on_two_connections(s.path.to_str().expect("a UTF-8 path"));
}

#[test]
fn a_wide_diff_on_postgres_reads_on_two_connections_and_prints_the_same() {
    let Some(pg) = pg::Pg::demo(24_000) else { return };
    wide_diff_reads_on_two_connections(pg.url());
}
