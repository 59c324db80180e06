//! Issue 12 item 3: `copy --from FOREIGN --to NATIVE`. A log another tool
//! wrote (the Python `eventsourcing` fixture in SQLite; a Node-style table
//! made by SQL in PostgreSQL, its ids skipping values) is copied into a
//! chronicle store as new facts: every event present in the source's order,
//! renumbered and chained afresh, keeping its id, stream, version, payload and
//! time, with where it came from in `metadata.origin`; the target verifies
//! (`verify --chain`), its read models are built, copying again appends
//! nothing, and the source is untouched.

#[path = "helpers/cli.rs"]
mod support;

#[path = "helpers/pg.rs"]
mod pg;

use std::path::Path;

use serde_json::Value;
use support::{Run, Store, chronicle, json_lines, run};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/eventsourcing");

fn copy(from: &str, to: &Path) -> Run {
    run(chronicle().args(["copy", "--from", from]).arg("--to").arg(to))
}

fn s(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temporary path")
}

/// Asserts `target` holds `source`'s events as new facts with their origin.
fn assert_copied_with_origin(source: &[Value], target: &[Value], format: &str) {
    assert_eq!(target.len(), source.len(), "every event copied");
    for (i, (got, was)) in target.iter().zip(source).enumerate() {
        assert_eq!(got["position"].as_u64(), Some(i as u64 + 1), "renumbered in the source's order");
        for field in ["event_id", "stream_id", "stream_type", "version", "event_type", "payload", "recorded_at"] {
            assert_eq!(got[field], was[field], "{field} kept: {got}");
        }
        let origin = &got["metadata"]["origin"];
        assert_eq!(origin["format"], format, "{got}");
        assert_eq!(origin["position"], was["position"], "the original position");
        assert_eq!(origin["id"], was["event_id"], "the original id");
        assert_eq!((&origin["stream_id"], &origin["version"]), (&was["stream_id"], &was["version"]));
        assert_eq!(origin["recorded_at"], was["recorded_at"], "the original time");
    }
}

#[test]
fn an_eventsourcing_log_is_copied_as_new_facts_with_its_origin_and_the_source_is_untouched() {
    let src = Store::new();
    std::fs::copy(Path::new(FIXTURE).join("store.db"), &src.path).expect("copy the fixture");
    let before = src.bytes();
    let source = src.log(&[]);
    let target = src.file("native.db");

    let r = copy(s(&src.path), &target);
    r.expect_code(0, "copy from the eventsourcing log");
    assert!(r.stderr.contains("copied 8 events") && r.stderr.contains("metadata.origin"), "{}", r.stderr);
    let t = Store { dir: tempfile::tempdir().expect("dir"), path: target.clone() };
    let copied = t.log(&[]);
    assert_copied_with_origin(&source, &copied, "eventsourcing");
    let out = t.ok(&["verify", "--chain"]);
    assert!(out.starts_with("ok: 8 events") && out.contains("hash chain intact"), "{out}");
    t.verify_ok();
    assert!(src.bytes() == before, "the foreign file is byte for byte as it was");

    let again = copy(s(&src.path), &target);
    again.expect_code(0, "copy again");
    assert!(again.stderr.contains("nothing to copy"), "{}", again.stderr);
    assert_eq!(t.log(&[]).len(), 8, "nothing appended twice");

    let other = Store::demo(20);
    let exported = other.export();
    let line = copy(s(&src.path), &other.path).one_line_error(2, "copy onto a store holding other events");
    assert!(line.contains("is not empty") && line.contains("nothing was copied"), "{line}");
    assert!(other.export() == exported, "the target is as it was");
}

#[test]
fn a_node_style_postgres_table_is_copied_into_sqlite_with_read_models_built() {
    let Some(pg) = pg::Pg::new() else { return };
    pg.sql(
        r#"CREATE TABLE events (id bigint PRIMARY KEY, aggregate_id text NOT NULL, aggregate_type text NOT NULL,
             event_type text NOT NULL, event_version int, data jsonb NOT NULL, metadata jsonb, version int NOT NULL,
             created_at timestamptz NOT NULL);
           INSERT INTO events VALUES
             (10, 'acc-1', 'BankAccount', 'AccountOpened', 1, '{"owner":"Ada","currency":"USD"}', '{"correlationId":"k-1","userId":"ada"}', 1, '2026-11-29T10:00:00Z'),
             (20, 'o-1', 'Order', 'OrderPlaced', 1, '{"total":10}', NULL, 1, '2026-11-29T10:00:01Z'),
             (35, 'acc-1', 'BankAccount', 'MoneyDeposited', 1, '{"amount":12.5}', '{"correlationId":"k-2"}', 2, '2026-11-29T10:00:02Z');"#,
    );
    let relations = pg.count("SELECT count(*) FROM pg_class");
    let source = pg.log(&[]);
    let target = pg.dir.path().join("native.db");

    let r = copy(pg.url(), &target);
    r.expect_code(0, "copy from the node table");
    let t = Store { dir: tempfile::tempdir().expect("dir"), path: target.clone() };
    let copied = t.log(&[]);
    assert_copied_with_origin(&source, &copied, "node");
    let positions: Vec<_> = copied.iter().map(|e| e["metadata"]["origin"]["position"].as_u64()).collect();
    assert_eq!(positions, [Some(10), Some(20), Some(35)], "the ids the table skipped are kept as they were");
    assert_eq!(copied[0]["metadata"]["correlation_id"], "k-1", "the metadata chronicle read is kept");
    let out = t.ok(&["verify", "--chain"]);
    assert!(out.starts_with("ok: 3 events") && out.contains("hash chain intact"), "{out}");
    assert_eq!(t.balance_row("acc-1")["balance_cents"], 1250, "the read model is built on the target");
    assert_eq!(pg.count("SELECT count(*) FROM pg_class"), relations, "nothing created in the source database");
    assert_eq!(pg.count("SELECT count(*) FROM events"), 3, "the source's rows as they were");

    pg.sql("INSERT INTO events VALUES (40, 'o-1', 'Order', 'OrderShipped', 1, '{}', NULL, 2, '2026-11-29T10:00:03Z')");
    let more = copy(pg.url(), &target);
    more.expect_code(0, "copy after the source grew");
    assert!(more.stderr.contains("copied 1 events"), "{}", more.stderr);
    let copied = t.log(&[]);
    assert_eq!((copied.len(), copied[3]["metadata"]["origin"]["position"].as_u64()), (4, Some(40)));
    assert!(json_lines(&t.export()).len() == 4);
}
