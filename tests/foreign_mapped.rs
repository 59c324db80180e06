//! Issue 12, second slice: single-table logs created here by SQL, read
//! through the shipped presets (`node`, `marten`, recognised by their
//! columns) and through a user's mapping (`--map FILE`). `log --json` shows
//! the rows inserted, reads by position ranges chain the same hashes as a
//! whole pass, bad input is one clear line or a warning naming the first
//! bad position, and nothing is ever written.

#[path = "helpers/cli.rs"]
mod support;

use serde_json::{Value, json};
use support::{Store, json_lines, run};

/// A Node-style table: `(id, aggregate_id, aggregate_type, event_type,
/// event_version, event_data, metadata, revision, created_at)`.
fn node_store(rows: &[(&str, &str, u32, &str, Value)]) -> Store {
    let s = Store::new();
    let db = s.sql();
    db.execute_batch(
        "CREATE TABLE domain_events (id INTEGER PRIMARY KEY, aggregate_id TEXT NOT NULL, aggregate_type TEXT NOT NULL,
           event_type TEXT NOT NULL, event_version INTEGER, event_data TEXT NOT NULL, metadata TEXT,
           revision INTEGER NOT NULL, created_at TEXT NOT NULL);",
    )
    .expect("create");
    for (i, (stream, kind, revision, ty, data)) in rows.iter().enumerate() {
        let meta = json!({"correlationId": format!("corr-{i}"), "causationId": "cmd-1", "userId": "ada"});
        db.execute(
            "INSERT INTO domain_events (aggregate_id, aggregate_type, event_type, event_version, event_data, metadata, revision, created_at)
             VALUES (?1, ?2, ?3, 2, ?4, ?5, ?6, ?7)",
            rusqlite::params![stream, kind, ty, data.to_string(), meta.to_string(), revision, format!("2026-11-29 10:00:{:02}", i % 60)],
        )
        .expect("insert");
    }
    s
}

fn orders() -> Vec<(&'static str, &'static str, u32, &'static str, Value)> {
    vec![
        ("o-1", "Order", 1, "OrderPlaced", json!({"total": 10})),
        ("o-2", "Order", 1, "OrderPlaced", json!({"total": 7})),
        ("o-1", "Order", 2, "ItemAdded", json!({"sku": "A", "qty": 2})),
        ("o-1", "Order", 3, "OrderShipped", json!({"carrier": "DHL"})),
    ]
}

#[test]
fn a_node_style_table_is_recognised_and_log_shows_the_rows_inserted() {
    let rows = orders();
    let s = node_store(&rows);
    let before = s.bytes();
    let log = s.log(&[]);
    assert_eq!(log.len(), rows.len());
    for (i, (got, (stream, kind, revision, ty, data))) in log.iter().zip(&rows).enumerate() {
        assert_eq!(got["position"], i + 1);
        assert_eq!((got["stream_id"].as_str(), got["stream_type"].as_str()), (Some(*stream), Some(*kind)));
        assert_eq!((got["version"].as_u64(), got["event_type"].as_str()), (Some(u64::from(*revision)), Some(*ty)));
        assert_eq!(&got["payload"], data);
        assert_eq!(got["schema_version"], 2, "event_version is the schema version");
        assert_eq!(got["metadata"]["correlation_id"], format!("corr-{i}"));
        assert_eq!(
            (got["metadata"]["causation_id"].as_str(), got["metadata"]["actor"].as_str()),
            (Some("cmd-1"), Some("ada"))
        );
        assert_eq!(got["recorded_at"], format!("2026-11-29T10:00:{i:02}.000000Z"));
    }
    assert_eq!(s.log(&["--stream", "o-1"]).len(), 3);
    assert_eq!(s.log(&["--type", "OrderPlaced"]).len(), 2);
    assert_eq!(s.log(&["--correlation", "corr-2"])[0]["event_type"], "ItemAdded");
    let state = s.state(&["--stream", "o-1", "--at", "3"]);
    assert_eq!(state["version"], 2, "{state}");
    let out = s.verify_ok();
    assert!(out.contains("no hash chain to check (a node log)"), "{out}");
    let line = s.fails(&["exec", "open acc-1 owner=Ada"], 2);
    assert!(line.contains("node log"), "{line}");
    assert!(s.bytes() == before, "the file is unchanged");
}

#[test]
fn ranges_read_from_the_middle_chain_the_same_hashes_as_a_whole_pass_and_export_imports() {
    let rows: Vec<_> = (0..700u32)
        .map(|i| (["a", "b", "c"][(i % 3) as usize], "Counter", i / 3 + 1, "Counted", json!({"n": i})))
        .collect();
    let s = node_store(&rows);
    let all = s.log(&[]);
    assert_eq!(all.len(), 700);
    let tail = s.log(&["--from", "650"]);
    assert_eq!(tail.len(), 51);
    assert_eq!(tail[0]["hash"], all[649]["hash"], "a read from the middle chains as the whole pass does");
    assert_eq!(tail[50]["hash"], all[699]["hash"]);
    let one = s.log(&["--stream", "b"]);
    assert_eq!(one.last().map(|e| &e["hash"]), Some(&all[697]["hash"]));
    s.verify_ok();
    let export = s.file("export.jsonl");
    s.ok(&["export", "--out", export.to_str().expect("utf-8")]);
    let native = Store::new();
    native.ok(&["import", export.to_str().expect("utf-8")]);
    native.verify_ok();
}

#[test]
fn a_marten_mt_events_table_is_recognised_with_its_ids_and_headers() {
    let s = Store::new();
    s.sql()
        .execute_batch(
            r#"CREATE TABLE mt_events (seq_id INTEGER PRIMARY KEY, id TEXT, stream_id TEXT, version INTEGER, data TEXT,
                 type TEXT, timestamp TEXT, tenant_id TEXT, mt_dotnet_type TEXT, correlation_id TEXT, causation_id TEXT, headers TEXT);
               CREATE TABLE mt_streams (id TEXT PRIMARY KEY, type TEXT, version INTEGER);
               INSERT INTO mt_events VALUES
                 (1, 'e1', 's-1', 1, '{"name":"Tom"}', 'user_registered', '2026-11-29T09:00:00+01:00', '*DEFAULT*', 'X', 'c-1', NULL, '{"ip":"10.0.0.1"}'),
                 (2, 'e2', 's-2', 1, '{"name":"Ann"}', 'user_registered', '2026-11-29T09:00:01+01:00', '*DEFAULT*', 'X', 'c-2', 'e1', NULL),
                 (3, 'e3', 's-1', 2, '{"email":"t@x"}', 'email_changed', '2026-11-29T09:00:02+01:00', '*DEFAULT*', 'X', 'c-1', 'e1', NULL);"#,
        )
        .expect("create");
    let log = s.log(&[]);
    let got: Vec<_> =
        log.iter().map(|e| (e["stream_id"].clone(), e["version"].clone(), e["event_type"].clone())).collect();
    assert_eq!(
        got,
        [
            (json!("s-1"), json!(1), json!("user_registered")),
            (json!("s-2"), json!(1), json!("user_registered")),
            (json!("s-1"), json!(2), json!("email_changed"))
        ]
    );
    assert_eq!(log[0]["payload"], json!({"name": "Tom"}));
    assert_eq!(log[0]["recorded_at"], "2026-11-29T08:00:00.000000Z");
    assert_eq!(
        (log[2]["metadata"]["correlation_id"].as_str(), log[2]["metadata"]["causation_id"].as_str()),
        (Some("c-1"), Some("e1"))
    );
    assert_eq!(log[0]["metadata"]["foreign"]["ip"], "10.0.0.1", "headers are the metadata");
    assert_eq!(s.log(&["--correlation", "c-1"]).len(), 2);
    assert_eq!(s.state(&["--stream", "s-1"])["version"], 2);
    s.verify_ok();
}

const MAP: &str = r#"
table = "journal"
position = "seq"
stream_id = "entity"
stream_type_constant = "Ledger"
event_type = "kind"
payload = "body"
metadata = "meta"
timestamp = "at"
correlation = "trace.id"
actor = "who"
"#;

fn journal() -> Store {
    let s = Store::new();
    s.sql()
        .execute_batch(
            r#"CREATE TABLE journal (seq INTEGER NOT NULL, entity TEXT, kind TEXT, body BLOB, meta TEXT, at TEXT);
               INSERT INTO journal VALUES (10, 'x', 'Opened', '{"a":1}', '{"trace":{"id":"t-1"},"who":"bob"}', '2026-01-01T00:00:00Z'),
                                          (20, 'y', 'Opened', '{"a":2}', NULL, '2026-01-01T00:00:01Z'),
                                          (30, 'x', 'Moved', '{"a":3}', NULL, '2026-01-01T00:00:02Z');"#,
        )
        .expect("create");
    support::write(&s.file("map.toml"), MAP);
    s
}

fn with_map(s: &Store, map: &str, args: &[&str]) -> support::Run {
    run(support::chronicle().arg("--db").arg(&s.path).arg("--map").arg(s.file(map)).args(args))
}

#[test]
fn a_mapping_file_reads_a_table_without_versions_numbering_each_stream_in_order() {
    let s = journal();
    let r = with_map(&s, "map.toml", &["log", "--json"]);
    r.expect_code(0, "log --map");
    let log = json_lines(&r.stdout);
    let got: Vec<_> =
        log.iter().map(|e| (e["position"].as_u64(), e["stream_id"].as_str(), e["version"].as_u64())).collect();
    assert_eq!(got, [(Some(10), Some("x"), Some(1)), (Some(20), Some("y"), Some(1)), (Some(30), Some("x"), Some(2))]);
    assert_eq!(
        (log[0]["stream_type"].as_str(), log[0]["metadata"]["correlation_id"].as_str()),
        (Some("Ledger"), Some("t-1"))
    );
    assert_eq!(log[0]["metadata"]["actor"], "bob");
    assert_eq!(log[2]["payload"], json!({"a": 3}));
    let json_map = r#"{"table":"journal","position":"seq","stream_id":"entity","stream_type_constant":"Ledger",
        "event_type":"kind","payload":"body"}"#;
    support::write(&s.file("map.json"), json_map);
    let r = with_map(&s, "map.json", &["state", "--json", "--stream", "x"]);
    r.expect_code(0, "state --map map.json");
    let state: Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(state["version"], 2, "{state}");
    let r = with_map(&s, "map.toml", &["verify"]);
    r.expect_code(0, "verify: an ordering column with gaps (10, 20, 30) is in order");
    assert!(r.stdout.contains("no hash chain to check (a mapped log)"), "{}", r.stdout);
}

#[test]
fn a_mapping_naming_a_missing_column_or_key_is_one_line_and_exit_2() {
    let s = journal();
    support::write(&s.file("bad.toml"), &MAP.replace("\"body\"", "\"bodies\""));
    let line = with_map(&s, "bad.toml", &["log"]).one_line_error(2, "a missing column");
    assert!(line.contains("`journal.bodies`"), "{line}");
    support::write(&s.file("typo.toml"), &MAP.replace("payload", "paylaod"));
    let line = with_map(&s, "typo.toml", &["log"]).one_line_error(2, "an unknown key");
    assert!(line.contains("typo.toml") && line.contains("paylaod"), "{line}");
}

#[test]
fn ties_gaps_and_an_empty_table_are_warnings_or_nothing_never_a_write() {
    let s = journal();
    s.sql().execute_batch("INSERT INTO journal VALUES (20, 'z', 'Opened', 'not json', NULL, NULL);").expect("a tie");
    let before = s.bytes();
    let r = with_map(&s, "map.toml", &["log", "--json"]);
    r.expect_code(0, "log");
    assert_eq!(json_lines(&r.stdout).len(), 4, "every row is shown");
    assert!(r.stderr.contains("position 20: the ordering column `seq` repeats the value 20"), "{}", r.stderr);
    assert!(r.stderr.contains("the payload of z@1 is not JSON"), "{}", r.stderr);
    let r = with_map(&s, "map.toml", &["verify"]);
    r.expect_code(1, "verify");
    assert!(r.stderr.contains("position 20"), "{}", r.stderr);
    let line = with_map(&s, "map.toml", &["exec", "open acc-1 owner=Ada"]).one_line_error(2, "exec");
    assert!(line.contains("read-only"), "{line}");
    assert!(s.bytes() == before, "the file is unchanged");

    let node = node_store(&[("o-1", "Order", 1, "A", json!({})), ("o-1", "Order", 3, "B", json!({}))]);
    let r = node.run(&["log", "--json"]);
    r.expect_code(0, "log");
    assert!(r.stderr.contains("position 2: stream o-1 goes from version 1 to 3"), "{}", r.stderr);
    node.sql().execute_batch("DELETE FROM domain_events;").expect("empty it");
    assert_eq!(node.log(&[]).len(), 0, "an empty table is an empty log");
    node.verify_ok();
}
