//! Issue 12 items 1 and 4 on PostgreSQL: a log Python `eventsourcing`
//! wrote through its own PostgreSQL persistence (tests/fixtures/eventsourcing/
//! postgres.sql: `pg_dump` of the tables the tool created, with what its API
//! read back in `expected_pg.json`) is loaded into a fresh database and opened
//! with `chronicle --db postgres://…`: `log`, `state`, `verify` and `export`
//! show what the tool reads back (ids, versions, types, payloads, order),
//! the tool's own snapshots are shown as it stored them, and nothing is
//! written. Without a server each test prints one line and passes.

#[path = "helpers/cli.rs"]
mod support;

#[path = "helpers/pg.rs"]
mod pg;

use std::path::Path;

use pg::Pg;
use serde_json::Value;
use support::json_lines;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/eventsourcing");
const RELATIONS: &str = "SELECT count(*) FROM pg_class";

/// A fresh database holding the dump the tool's tables were saved in.
fn fixture() -> Option<Pg> {
    load("postgres.sql")
}

fn load(dump: &str) -> Option<Pg> {
    let pg = Pg::new()?;
    let dump = std::fs::read_to_string(Path::new(FIXTURE).join(dump)).expect("the dump");
    pg.db.client().batch_execute(&dump).expect("load the dump");
    Some(pg)
}

/// What the tool's own API read back.
fn expected() -> Value {
    read_expected("expected_pg.json")
}

fn read_expected(name: &str) -> Value {
    let text = std::fs::read_to_string(Path::new(FIXTURE).join(name)).expect("the expected readback");
    serde_json::from_str(&text).expect("the expected readback is JSON")
}

fn events() -> Vec<Value> {
    expected()["events"].as_array().expect("events").clone()
}

fn id(e: &Value) -> &str {
    e["originator_id"].as_str().expect("an originator id")
}

/// The position of `stream`'s event at `version`, as the tool numbered it.
fn position_of(events: &[Value], stream: &str, version: u64) -> String {
    let e = events.iter().find(|e| id(e) == stream && e["originator_version"] == version).expect("the event");
    e["position"].as_u64().expect("position").to_string()
}

#[test]
fn log_and_export_show_the_events_as_the_tools_own_api_reads_them() {
    let Some(pg) = fixture() else { return };
    let relations = pg.count(RELATIONS);
    let want = events();
    let log = pg.log(&[]);
    assert_eq!(log.len(), want.len(), "every notification");
    for (got, want) in log.iter().zip(&want) {
        assert_eq!(got["position"], want["position"], "the notification id orders the log");
        assert_eq!(got["stream_id"], want["originator_id"], "the uuid as PostgreSQL writes it");
        assert_eq!(got["version"], want["originator_version"]);
        assert_eq!(got["event_type"], want["topic"]);
        assert_eq!(got["payload"], want["state"], "the bytea state read as JSON");
        let class = want["topic"].as_str().and_then(|t| t.split(':').nth(1)).and_then(|q| q.split('.').next());
        assert_eq!(got["stream_type"].as_str(), class, "the stream type is the aggregate's class");
        let stamp = want["state"]["timestamp"]["_data_"].as_str().expect("a timestamp");
        assert_eq!(got["recorded_at"].as_str().map(|t| &t[..19]), Some(&stamp[..19]), "recorded when the tool says");
    }
    let fido = id(&want[0]);
    assert_eq!(pg.log(&["--stream", fido]).len(), 4, "Fido's four events");
    let exported = json_lines(&pg.export());
    let pairs: Vec<_> = exported.iter().map(|e| (e["stream_id"].clone(), e["version"].clone())).collect();
    let wanted: Vec<_> = want.iter().map(|e| (e["originator_id"].clone(), e["originator_version"].clone())).collect();
    assert_eq!(pairs, wanted, "export: the same events in the same order");
    assert_eq!(
        exported.iter().map(|e| e["payload"].clone()).collect::<Vec<_>>(),
        log.iter().map(|e| e["payload"].clone()).collect::<Vec<_>>()
    );
    assert_eq!(pg.count(RELATIONS), relations, "nothing created in the database");
}

#[test]
fn state_is_folded_from_the_events_and_shows_the_tools_own_snapshot() {
    let Some(pg) = fixture() else { return };
    let want = expected();
    let events = events();
    let fido = id(&events[0]).to_owned();
    let snapshot = &want["snapshots"][0];
    assert_eq!(
        (snapshot["originator_id"].as_str(), snapshot["originator_version"].as_u64()),
        (Some(fido.as_str()), Some(3))
    );

    let at_v3 = pg.state(&["--stream", &fido, "--at", &position_of(&events, &fido, 3)]);
    assert_eq!((at_v3["version"].as_u64(), at_v3["generic"].as_bool()), (Some(3), Some(true)), "{at_v3}");
    assert_eq!(at_v3["state"]["trick"], "play dead", "the generic fold of the payloads");
    let shown = &at_v3["foreign_snapshot"];
    assert_eq!(shown["version"], 3, "{at_v3}");
    assert_eq!(shown["kind"], snapshot["topic"]);
    assert_eq!(shown["state"], snapshot["state"], "as the tool stored it");
    assert_eq!(shown["state"]["state"]["tricks"], serde_json::json!(["roll over", "play dead"]));
    assert_eq!(shown["events_after"], 0);

    let head = pg.state(&["--stream", &fido]);
    assert_eq!(head["version"], want["aggregates"][&fido]["version"], "the version the tool's repository gets");
    assert_eq!(
        (head["foreign_snapshot"]["version"].as_u64(), head["foreign_snapshot"]["events_after"].as_u64()),
        (Some(3), Some(1))
    );

    let before = pg.state(&["--stream", &fido, "--at", &position_of(&events, &fido, 2)]);
    assert!(before.get("foreign_snapshot").is_none(), "no snapshot at or below version 2: {before}");
    let tom = events.iter().find(|e| e["topic"] == "__main__:Cat.Adopted").map(id).expect("Tom");
    let cat = pg.state(&["--stream", tom]);
    assert_eq!(
        cat["state"]["lives"], 9,
        "the first payload's field; the tool's own state says {}",
        want["aggregates"][tom]["state"]["lives"]
    );
    assert!(cat.get("foreign_snapshot").is_none(), "cats are never snapshotted: {cat}");
}

#[test]
fn verify_passes_names_the_snapshots_table_and_writing_refuses() {
    let Some(pg) = fixture() else { return };
    let relations = pg.count(RELATIONS);
    let out = pg.ok(&["verify"]);
    assert!(out.contains("ok: 8 events in 3 streams, no hash chain to check"), "{out}");
    assert!(out.contains("note: no hash chain to check (an eventsourcing log)"), "{out}");
    assert!(out.contains("note: 1 snapshot of the tool's own in `kennel_snapshots`"), "{out}");
    let line = pg.fails(&["exec", "open acc-1 owner=Ada"], 2);
    assert!(line.contains("eventsourcing log") && line.contains("read-only"), "{line}");
    assert_eq!(pg.count(RELATIONS), relations, "nothing created in the database");
    assert_eq!(pg.count("SELECT count(*) FROM kennel_events"), 8, "the tool's rows as they were");
}

#[test]
fn a_store_the_tool_compressed_shows_opaque_payloads_and_says_so_in_one_line() {
    let Some(pg) = load("postgres_compressed.sql") else { return };
    let want = read_expected("expected_pg_compressed.json");
    let r = pg.run(&["log", "--json"]);
    r.expect_code(0, "log");
    let log = json_lines(&r.stdout);
    let events = want["events"].as_array().expect("events");
    assert_eq!(log.len(), events.len(), "every event shown");
    for (got, want) in log.iter().zip(events) {
        assert_eq!(got["position"], want["position"]);
        assert_eq!((&got["stream_id"], &got["version"]), (&want["originator_id"], &want["originator_version"]));
        assert_eq!(got["event_type"], want["topic"]);
        assert!(got["payload"]["opaque_hex"].as_str().is_some_and(|h| h.starts_with("78")), "zlib bytes: {got}");
    }
    let warnings: Vec<&str> = r.stderr.lines().filter(|l| l.contains("not JSON")).collect();
    assert_eq!(warnings.len(), 1, "one line: {}", r.stderr);
    assert!(warnings[0].contains("position 1") && warnings[0].contains("compressed or encrypted"), "{}", warnings[0]);
    assert!(warnings[0].contains("(7 more like it)"), "{}", warnings[0]);
    let fido = want["snapshots"][0]["originator_id"].as_str().expect("the snapshotted dog");
    let state = pg.state(&["--stream", fido]);
    assert!(state["foreign_snapshot"]["state"]["opaque_hex"].is_string(), "the snapshot is opaque too: {state}");
}
