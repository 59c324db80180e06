//! Issue 12, first slice: a log Python `eventsourcing` wrote in SQLite
//! (tests/fixtures/eventsourcing: written through the tool's own API, with
//! what that API reads back in expected.json) opens read-only with the same
//! CLI: `log` shows what the tool reads back, `state --stream --at` the
//! generic state, `verify` passes saying there is no hash chain, writing
//! commands refuse with one line, and the file is never touched.

#[path = "helpers/cli.rs"]
mod support;

use std::path::Path;

use serde_json::Value;
use support::{Store, chronicle, json_lines, run};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/eventsourcing");
const READ_ONLY: &str = "is an eventsourcing log: chronicle opens it read-only";

/// The fixture's store copied into a fresh directory, as `store.db`.
fn fixture() -> Store {
    let s = Store::new();
    std::fs::copy(Path::new(FIXTURE).join("store.db"), &s.path).expect("copy the fixture");
    s
}

fn fixture_bytes() -> Vec<u8> {
    std::fs::read(Path::new(FIXTURE).join("store.db")).expect("the fixture")
}

/// What the tool's own API read back.
fn expected() -> Value {
    let text = std::fs::read_to_string(Path::new(FIXTURE).join("expected.json")).expect("expected.json");
    serde_json::from_str(&text).expect("expected.json is JSON")
}

fn expected_events() -> Vec<Value> {
    expected()["events"].as_array().expect("events").clone()
}

/// The names in the store's directory.
fn dir_names(s: &Store) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(s.dir.path())
        .expect("read the directory")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn log_shows_the_events_as_the_tools_own_api_reads_them() {
    let s = fixture();
    let log = s.log(&[]);
    let want = expected_events();
    assert_eq!(log.len(), want.len());
    for (got, want) in log.iter().zip(&want) {
        assert_eq!(got["position"], want["position"], "notification order");
        assert_eq!(got["stream_id"], want["originator_id"]);
        assert_eq!(got["version"], want["originator_version"]);
        assert_eq!(got["event_type"], want["topic"]);
        assert_eq!(got["payload"], want["state"]);
        let class = want["topic"].as_str().and_then(|t| t.split(':').nth(1)).and_then(|q| q.split('.').next());
        assert_eq!(got["stream_type"].as_str(), class, "the stream type is the aggregate's class");
        let stamp = want["state"]["timestamp"]["_data_"].as_str().expect("a timestamp");
        assert_eq!(got["recorded_at"].as_str().map(|t| &t[..19]), Some(&stamp[..19]), "recorded when the tool says");
        assert!(got["hash"].is_null(), "a foreign log has no hash chain to show: {got}");
    }
    let fido = want[0]["originator_id"].as_str().expect("id");
    let one = s.log(&["--stream", fido]);
    assert_eq!(one.len(), 4, "Fido's four events");
    assert!(one.iter().all(|e| e["stream_id"] == fido));
    let text = s.ok(&["log"]);
    assert!(text.contains(&format!("{fido}@1  __main__:Dog.Registered")), "{text}");
}

#[test]
fn state_at_a_position_is_the_generic_state_of_the_events_so_far() {
    let s = fixture();
    let events = expected_events();
    let fido = events[0]["originator_id"].as_str().expect("id");
    // Fido's third event: the second trick.
    let third = events.iter().find(|e| e["originator_id"] == fido && e["originator_version"] == 3).expect("v3");
    let at = third["position"].as_u64().expect("position").to_string();
    let state = s.state(&["--stream", fido, "--at", &at]);
    assert_eq!(state["version"], 3);
    assert_eq!(state["stream_type"], "Dog");
    assert_eq!(state["generic"], true);
    assert_eq!(state["state"]["name"], "Fido");
    assert_eq!(state["state"]["trick"], third["state"]["trick"]);
    let head = s.state(&["--stream", fido]);
    assert_eq!(head["version"], expected()["aggregates"][fido]["version"], "the version the tool's repository gets");
}

#[test]
fn verify_passes_and_says_there_is_no_hash_chain() {
    let s = fixture();
    let out = s.verify_ok();
    assert!(out.contains("ok: 8 events in 3 streams, no hash chain to check"), "{out}");
    assert!(out.contains("note: no hash chain to check (an eventsourcing log)"), "{out}");
    assert!(!out.contains("head: "), "no hash of its own to anchor: {out}");
}

#[test]
fn writing_commands_refuse_with_one_line_and_nothing_touches_the_file() {
    let s = fixture();
    let other = tempfile::tempdir().expect("temporary directory");
    let empty = other.path().join("empty.jsonl");
    support::write(&empty, "");
    for args in [vec!["exec", "open acc-1 owner=Ada"], vec!["import", empty.to_str().expect("utf-8")], vec!["rebuild"]]
    {
        let line = s.fails(&args, 2);
        assert!(line.contains(READ_ONLY), "{args:?}: {line}");
    }
    s.ok(&["log"]);
    s.ok(&["verify"]);
    s.ok(&["export"]);
    s.ok(&["state", "--stream", expected_events()[1]["originator_id"].as_str().expect("id")]);
    assert!(s.bytes() == fixture_bytes(), "the file is byte for byte as the tool wrote it");
    assert_eq!(dir_names(&s), ["store.db"], "nothing created next to it");
}

#[test]
fn an_export_imports_into_a_native_store_that_verifies() {
    let s = fixture();
    let export = s.file("export.jsonl");
    s.ok(&["export", "--out", export.to_str().expect("utf-8")]);
    let native = Store::new();
    native.ok(&["import", export.to_str().expect("utf-8")]);
    native.verify_ok();
    let (mut a, mut b) = (s.log(&[]), native.log(&[]));
    let exported = json_lines(&std::fs::read_to_string(&export).expect("the export"));
    for ((foreign, native), line) in a.iter_mut().zip(b.iter_mut()).zip(&exported) {
        assert!(foreign["hash"].is_null(), "the foreign log shows no hash");
        assert_eq!(native["hash"], line["hash"], "the native store keeps the export's chain");
        foreign["hash"] = Value::Null;
        native["hash"] = Value::Null;
    }
    assert_eq!(a, b, "the native store shows the same events");
    assert!(json_lines(&s.export()).iter().all(|e| e["metadata"]["source"] == "eventsourcing"));
}

#[test]
fn format_flag_forces_a_format_and_names_the_known_ones() {
    let native = Store::new();
    let export = native.file("e.jsonl");
    support::write(&export, "");
    native.ok(&["import", export.to_str().expect("utf-8")]);
    let line = native.fails(&["--format", "eventsourcing", "log"], 2);
    assert!(line.contains("it is a chronicle store, not an eventsourcing log"), "{line}");
    native.ok(&["--format", "chronicle", "log"]);
    let line = native.fails(&["--format", "marten", "log"], 2);
    assert!(line.contains("it is a chronicle store, not a marten log"), "{line}");
    let line = native.fails(&["--format", "axon", "log"], 2);
    assert!(
        line.contains("unknown format `axon`") && line.contains("chronicle, eventsourcing, node, marten"),
        "{line}"
    );
    let s = fixture();
    let r = run(chronicle().env("CHRONICLE_FORMAT", "eventsourcing").arg("--db").arg(&s.path).args(["log", "--json"]));
    r.expect_code(0, "CHRONICLE_FORMAT=eventsourcing log");
    assert_eq!(json_lines(&r.stdout).len(), 8);
    let line = s.fails(&["--format", "chronicle", "log"], 2);
    assert!(line.contains("is not a usable chronicle store"), "{line}");
}

#[test]
fn a_version_gap_and_a_payload_that_is_not_json_are_warnings_naming_the_first_position() {
    let s = fixture();
    {
        let db = s.sql();
        // Tom's second event claims version 7; Fido's first trick is compressed bytes.
        db.execute_batch(
            "UPDATE stored_events SET originator_version = 7 WHERE rowid = 5;
             UPDATE stored_events SET state = X'789C4B4C4A0600024D0127' WHERE rowid = 3;",
        )
        .expect("tamper");
    }
    let r = run(chronicle().arg("--db").arg(&s.path).args(["log", "--json"]));
    r.expect_code(0, "log");
    let log = json_lines(&r.stdout);
    assert_eq!(log.len(), 8, "the rest is shown");
    assert!(log[2]["payload"]["opaque_hex"].as_str().is_some_and(|h| h.starts_with("789c")), "{}", log[2]);
    assert!(r.stderr.contains("warning") && r.stderr.contains("position 3: the payload"), "{}", r.stderr);
    assert!(r.stderr.contains("not JSON"), "{}", r.stderr);
    assert!(r.stderr.contains("position 5: stream") && r.stderr.contains("from version 1 to 7"), "{}", r.stderr);
    let r = s.run(&["verify"]);
    r.expect_code(1, "verify");
    assert!(r.stderr.contains("verify failed: position 3: the payload"), "{}", r.stderr);
    assert!(r.stderr.contains("position 5: stream"), "{}", r.stderr);
    let first = r.stderr.find("position 3").expect("position 3 named");
    assert!(first < r.stderr.find("position 5").expect("position 5 named"), "earliest first: {}", r.stderr);
}

#[test]
fn a_log_in_wal_mode_as_the_tool_leaves_it_is_read_without_a_trace() {
    let s = fixture();
    s.sql().pragma_update(None, "journal_mode", "wal").expect("WAL, as eventsourcing sets it");
    let before = s.bytes();
    assert_eq!(s.log(&[]).len(), 8);
    s.verify_ok();
    let line = s.fails(&["exec", "open acc-1 owner=Ada"], 2);
    assert!(line.contains(READ_ONLY), "{line}");
    assert!(s.bytes() == before, "the file is unchanged");
    assert_eq!(dir_names(&s), ["store.db"], "no -wal or -shm left");
}

#[test]
fn log_follow_shows_an_event_the_tool_appends_later() {
    use std::time::Duration;

    let s = fixture();
    let (mut child, rx) =
        support::spawn_lines(chronicle().arg("--db").arg(&s.path).args(["log", "--follow", "--json"]));
    // Generous: this checks that the event comes, not how fast (see the benches).
    let wait = Duration::from_secs(20);
    for _ in 0..8 {
        rx.recv_timeout(wait).expect("the existing events");
    }
    let fido = expected_events()[0]["originator_id"].as_str().expect("id").to_owned();
    s.sql()
        .execute(
            "INSERT INTO stored_events VALUES (?1, 5, '__main__:Dog.TrickAdded', ?2)",
            rusqlite::params![
                fido,
                br#"{"timestamp":{"_type_":"datetime_iso","_data_":"2026-11-29T20:00:00+00:00"},"trick":"beg"}"#
                    .to_vec()
            ],
        )
        .expect("append as the tool does");
    let line = rx.recv_timeout(wait);
    child.kill().expect("stop the follower");
    child.wait().expect("reap");
    let e: Value = serde_json::from_str(&line.expect("the appended event")).expect("JSON");
    assert_eq!((e["position"].as_u64(), e["version"].as_u64()), (Some(9), Some(5)));
    assert_eq!(e["payload"]["trick"], "beg");
}

#[test]
fn an_application_named_table_is_recognised_and_an_emptied_one_shows_nothing() {
    let s = fixture();
    s.sql().execute_batch("ALTER TABLE stored_events RENAME TO \"kennel_events\";").expect("rename");
    let log = s.log(&[]);
    assert_eq!(log.len(), 8);
    assert_eq!(log[7]["payload"], expected_events()[7]["state"]);
    s.sql().execute_batch("DELETE FROM kennel_events;").expect("empty it");
    assert_eq!(s.log(&[]).len(), 0, "an empty log reads as empty");
    let line = s.fails(&["exec", "open acc-1 owner=Ada"], 2);
    assert!(line.contains(READ_ONLY), "still recognised, still read-only: {line}");
}
