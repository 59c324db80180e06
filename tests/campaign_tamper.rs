//! Tampering behind the program's back (with rusqlite on the file): each
//! edit is caught by `verify` (exit 1), which names what and where.

#[path = "helpers/campaign.rs"]
mod support;

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use support::{assert_verify_ok, code, demo_copy, run, stderr};

const SCHEMA: &str = include_str!("../src/sqlite/sql/schema.sql");

/// The schema's text of one trigger, as `CREATE TRIGGER … END;`.
fn trigger_sql(name: &str) -> String {
    let start = SCHEMA.find(&format!("CREATE TRIGGER {name}")).expect("trigger in schema");
    let end = start + SCHEMA[start..].find("END;").expect("END") + 4;
    SCHEMA[start..end].to_owned()
}

fn store(dir: &Path, name: &str) -> PathBuf {
    let db = demo_copy(dir, name, 3_000);
    assert_verify_ok(&db);
    db
}

/// `verify` fails, and its report contains every one of `says`.
fn assert_caught(db: &Path, says: &[&str]) -> String {
    let out = run(db, &["verify"]);
    let err = stderr(&out);
    assert_eq!(code(&out), 1, "verify must fail: {err}");
    for s in says {
        assert!(err.contains(s), "expected {s:?} in the report: {err}");
    }
    err
}

/// Runs `sql` with the append-only triggers lifted, then puts them back
/// exactly as the schema writes them.
fn behind_the_back(db: &Path, sql: &str) {
    let conn = Connection::open(db).expect("test helper");
    conn.execute_batch("DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;").expect("test helper");
    conn.execute_batch(sql).expect("test helper");
    conn.execute_batch(&trigger_sql("events_no_update")).expect("test helper");
    conn.execute_batch(&trigger_sql("events_no_delete")).expect("test helper");
}

#[test]
fn the_triggers_refuse_edits_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let db = store(dir.path(), "t.db");
    let conn = Connection::open(&db).unwrap();
    let e = conn.execute("UPDATE events SET payload = '{}' WHERE position = 5", []).unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
    let e = conn.execute("DELETE FROM events WHERE position = 5", []).unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
}

#[test]
fn two_swapped_payloads_are_named_by_position() {
    let dir = tempfile::tempdir().unwrap();
    let db = store(dir.path(), "swap.db");
    behind_the_back(
        &db,
        "CREATE TEMP TABLE saved AS SELECT position, payload FROM events WHERE position IN (1200, 1700); \
         UPDATE events SET payload = (SELECT payload FROM saved WHERE saved.position = 2900 - events.position) \
         WHERE position IN (1200, 1700);",
    );
    let err = assert_caught(&db, &["position 1200: hash does not match", "position 1700"]);
    assert!(err.lines().next().unwrap().contains("position 1200"), "the first bad position comes first: {err}");
}

#[test]
fn two_swapped_events_are_caught() {
    let dir = tempfile::tempdir().unwrap();
    let db = store(dir.path(), "reorder.db");
    // Swap two whole rows (a reorder), hashes and all.
    behind_the_back(
        &db,
        "UPDATE events SET position = -1 WHERE position = 800; \
         UPDATE events SET position = 800 WHERE position = 801; \
         UPDATE events SET position = 801 WHERE position = -1;",
    );
    assert_caught(&db, &["position 800: hash does not match"]);
}

#[test]
fn a_dropped_trigger_alone_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    for t in ["events_no_update", "events_no_delete"] {
        let db = store(dir.path(), &format!("{t}.db"));
        Connection::open(&db).unwrap().execute_batch(&format!("DROP TRIGGER {t}")).unwrap();
        assert_caught(&db, &[&format!("append-only trigger {t} is missing")]);
    }
}

#[test]
fn a_trigger_with_its_body_replaced_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let db = store(dir.path(), "body.db");
    Connection::open(&db)
        .unwrap()
        .execute_batch(
            "DROP TRIGGER events_no_delete; \
             CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT 1; END;",
        )
        .unwrap();
    assert_caught(&db, &["append-only trigger events_no_delete was altered"]);
    // Laid out differently but the same statement: not a problem.
    let db = store(dir.path(), "layout.db");
    Connection::open(&db)
        .unwrap()
        .execute_batch(
            "DROP TRIGGER events_no_update; CREATE TRIGGER events_no_update BEFORE UPDATE ON events \
             BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE refused'); END;",
        )
        .unwrap();
    assert_verify_ok(&db);
}

#[test]
fn the_last_event_removed_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let db = store(dir.path(), "tail.db");
    behind_the_back(&db, "DELETE FROM events WHERE position = (SELECT max(position) FROM events);");
    // The hash chain alone cannot see a cut tail; the streams index and the
    // read models' checkpoints can.
    assert_caught(&db, &["streams index says"]);
}

#[test]
fn an_edited_snapshot_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let db = store(dir.path(), "snap.db");
    let conn = Connection::open(&db).unwrap();
    let (stream, version): (String, i64) = conn
        .query_row("SELECT stream_id, version FROM snapshots WHERE stream_type = 'BankAccount' LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("the demo takes snapshots");
    conn.execute(
        "UPDATE snapshots SET state = json_set(state, '$.balance_cents', 999999999) \
         WHERE stream_id = ?1 AND version = ?2",
        rusqlite::params![stream, version],
    )
    .unwrap();
    assert_caught(&db, &[&format!("snapshot of {stream} at version {version} differs")]);
}

#[test]
fn a_forged_snapshot_ahead_of_its_stream_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let db = store(dir.path(), "forged.db");
    let conn = Connection::open(&db).unwrap();
    let (stream, version, position, state_version, state): (String, i64, i64, i64, String) = conn
        .query_row(
            "SELECT stream_id, version, position, state_version, state FROM snapshots \
             WHERE stream_type = 'BankAccount' LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap();
    // A snapshot claiming a version the stream never reached, taken "at" an
    // old position, with a rich balance: loading the stream would trust it.
    conn.execute(
        "INSERT INTO snapshots (stream_id, version, stream_type, position, state_version, state) \
         VALUES (?1, ?2, 'BankAccount', ?3, ?4, json_set(?5, '$.balance_cents', 999999999))",
        rusqlite::params![stream, version + 10_000, position, state_version, state],
    )
    .unwrap();
    drop(conn);
    assert_caught(&db, &[&stream]);
    // Loading the stream ignores it: the forged balance is never shown.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_chronicle"))
        .arg("--db")
        .arg(&db)
        .args(["state", "--stream", &stream, "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(!shown.contains("999999999"), "a forged snapshot was trusted: {shown}");
}

#[test]
fn an_edited_read_model_row_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let db = store(dir.path(), "row.db");
    Connection::open(&db)
        .unwrap()
        .execute("UPDATE account_balances SET balance_cents = balance_cents + 1 WHERE account_id = 'acc-3'", [])
        .unwrap();
    assert_caught(&db, &["read model table account_balances differs", "acc-3"]);
}

#[test]
fn a_deleted_read_model_row_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let db = store(dir.path(), "gone.db");
    let conn = Connection::open(&db).unwrap();
    let id: String = conn.query_row("SELECT user_id FROM user_profiles LIMIT 1", [], |r| r.get(0)).unwrap();
    conn.execute("DELETE FROM user_profiles WHERE user_id = ?1", [&id]).unwrap();
    assert_caught(&db, &["read model table user_profiles differs", &id]);
}

#[test]
fn a_moved_checkpoint_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let db = store(dir.path(), "ahead.db");
    Connection::open(&db).unwrap().execute("UPDATE checkpoints SET position = 99999", []).unwrap();
    assert_caught(&db, &["claims position 99999, beyond the head 3000"]);
    let db = store(dir.path(), "behind.db");
    Connection::open(&db)
        .unwrap()
        .execute("UPDATE checkpoints SET position = 2000 WHERE projection = 'account_balances'", [])
        .unwrap();
    assert_caught(&db, &["account_balances differs from its replay at position 2000"]);
}

#[test]
fn an_edited_streams_index_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let db = store(dir.path(), "index.db");
    Connection::open(&db)
        .unwrap()
        .execute("UPDATE streams SET version = version - 1 WHERE stream_id = 'acc-2'", [])
        .unwrap();
    assert_caught(&db, &["streams index says acc-2"]);
}

#[test]
fn verify_chain_checks_the_chain_and_versions_alone() {
    let dir = tempfile::tempdir().unwrap();
    let db = store(dir.path(), "chain.db");
    let out = run(&db, &["verify", "--chain"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("3000 events") && said.contains("hash chain intact"), "{said}");
    assert!(said.contains("snapshots and read models not checked"), "says what it skipped: {said}");
    // A read-model edit is outside the chain: only the full verify sees it.
    let conn = Connection::open(&db).unwrap();
    conn.execute("UPDATE account_balances SET balance_cents = balance_cents + 1", []).unwrap();
    drop(conn);
    assert_eq!(code(&run(&db, &["verify", "--chain"])), 0);
    assert_caught(&db, &["account_balances"]);
    // A version moved behind the program's back is.
    behind_the_back(&db, "UPDATE events SET version = version + 100 WHERE position = 2000;");
    let out = run(&db, &["verify", "--chain"]);
    assert_eq!(code(&out), 1);
    let err = stderr(&out);
    assert!(err.contains("position 2000: hash does not match"), "{err}");
    assert!(err.contains("jumps from version"), "{err}");
}
