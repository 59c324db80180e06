//! A wide whole-store `diff` (issue 13, item 3) reads its ledgers on a second
//! connection while its own loads the streams' states: what it prints is what
//! the same ledger's diff read alone, in turn, prints.

#[path = "helpers/cli.rs"]
mod support;

use serde_json::Value;
use support::{Store, chronicle, run};

#[test]
fn a_wide_diff_reads_its_ledger_beside_the_streams_and_prints_the_same_rows() {
    let s = Store::demo(24_000);
    let logs = tempfile::tempdir().expect("a log directory");
    let diff = |args: &[&str]| -> Value {
        let mut cmd = chronicle();
        cmd.env("CHRONICLE_LOG_DIR", logs.path()).env("CHRONICLE_LOG", "chronicle=debug");
        let out = run(cmd.arg("--db").arg(&s.path).arg("--no-cache").arg("diff").args(args));
        assert_eq!(out.code, 0, "{}", out.stderr);
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not one JSON object ({e}): {}", out.stdout))
    };
    let beside = || {
        std::fs::read_to_string(logs.path().join("chronicle.log"))
            .unwrap_or_default()
            .matches("ledgers read beside the streams")
            .count()
    };

    let whole = diff(&["1000", "23500", "--json"]);
    assert_eq!(beside(), 1, "a range of 22,500 events reads its ledger on a second connection");
    let alone = diff(&["1000", "23500", "--projection", "transaction_history", "--json"]);
    let (w, a) = (&whole["projections"]["transaction_history"], &alone["projections"]["transaction_history"]);
    let added = w["added"].as_array().expect("added rows");
    assert!(added.len() > 1_000, "the demo's ledger gains rows in the range: {}", added.len());
    assert_eq!(w, a, "the ledger's rows read beside the streams are the rows read alone");
    assert!(!whole["streams"].as_array().expect("streams").is_empty(), "{whole}");

    // A narrow range reads everything on the one connection, and agrees.
    let narrow = diff(&["1000", "1500", "--json"]);
    assert_eq!(beside(), 1, "no second connection for 500 events");
    let narrow_alone = diff(&["1000", "1500", "--projection", "transaction_history", "--json"]);
    assert_eq!(narrow["projections"]["transaction_history"], narrow_alone["projections"]["transaction_history"]);
}
