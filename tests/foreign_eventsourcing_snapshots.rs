//! Issue 12 item 1 in SQLite: Python `eventsourcing`'s own snapshots table
//! (`stored_snapshots`, written by the tool with snapshotting on) is shown by
//! `state --stream` as the tool stored it and named by `verify`; chronicle's
//! states stay folded from the events. A store the tool wrote with its zlib
//! compressor (tests/fixtures/eventsourcing/compressed.db) shows every
//! payload opaque, says so in one line, and keeps ids, versions and types.

#[path = "helpers/cli.rs"]
mod support;

use std::path::Path;

use serde_json::Value;
use support::{Store, chronicle, json_lines, run};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/eventsourcing");

fn fixture(name: &str) -> Store {
    let s = Store::new();
    std::fs::copy(Path::new(FIXTURE).join(name), &s.path).expect("copy the fixture");
    s
}

fn expected(name: &str) -> Value {
    let text = std::fs::read_to_string(Path::new(FIXTURE).join(name)).expect("expected JSON");
    serde_json::from_str(&text).expect("JSON")
}

#[test]
fn state_shows_the_tools_own_snapshot_and_verify_names_its_table() {
    let s = fixture("store.db");
    let want = expected("expected.json");
    let snapshot = &want["snapshots"][0];
    let fido = snapshot["originator_id"].as_str().expect("the snapshotted dog");
    let head = s.state(&["--stream", fido]);
    assert_eq!(head["version"], want["aggregates"][fido]["version"]);
    assert_eq!(head["state"]["trick"], "sit", "chronicle's state is the generic fold of the events");
    let shown = &head["foreign_snapshot"];
    assert_eq!((shown["version"].as_u64(), shown["events_after"].as_u64()), (Some(3), Some(1)), "{head}");
    assert_eq!(shown["state"], snapshot["state"], "as the tool stored it");
    assert_eq!(shown["kind"], "eventsourcing.domain:Snapshot");
    assert!(shown["note"].as_str().is_some_and(|n| n.contains("folded from the events")), "{shown}");
    let text = s.ok(&["state", "--stream", fido]);
    assert!(text.contains("\"foreign_snapshot\""), "the text output shows it too: {text}");

    let out = s.verify_ok();
    assert!(out.contains("note: 1 snapshot of the tool's own in `stored_snapshots`"), "{out}");
}

#[test]
fn a_store_the_tool_compressed_shows_opaque_payloads_and_says_so_in_one_line() {
    let s = fixture("compressed.db");
    let want = expected("expected_compressed.json");
    let r = run(chronicle().arg("--db").arg(&s.path).args(["log", "--json"]));
    r.expect_code(0, "log");
    let log = json_lines(&r.stdout);
    let events = want["events"].as_array().expect("events");
    assert_eq!(log.len(), events.len(), "every event shown");
    for (got, want) in log.iter().zip(events) {
        assert_eq!(got["position"], want["position"]);
        assert_eq!((&got["stream_id"], &got["version"]), (&want["originator_id"], &want["originator_version"]));
        assert_eq!(got["event_type"], want["topic"]);
        let hex = got["payload"]["opaque_hex"].as_str().unwrap_or_default();
        assert!(hex.starts_with("78"), "zlib bytes shown opaque: {got}");
    }
    let warnings: Vec<&str> = r.stderr.lines().filter(|l| l.contains("not JSON")).collect();
    assert_eq!(warnings.len(), 1, "one line: {}", r.stderr);
    assert!(warnings[0].contains("position 1") && warnings[0].contains("compressed or encrypted"), "{}", warnings[0]);
    assert!(warnings[0].contains("(7 more like it)"), "{}", warnings[0]);

    let fido = want["snapshots"][0]["originator_id"].as_str().expect("the snapshotted dog");
    let state = s.state(&["--stream", fido]);
    assert!(state["foreign_snapshot"]["state"]["opaque_hex"].is_string(), "the snapshot is opaque too: {state}");
}
