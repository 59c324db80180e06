//! Issue 13 item 6, speed without a keyframe cache: the projector saves the
//! in-memory read models every N events (`CHRONICLE_MODEL_SNAPSHOT_EVERY`),
//! in SQLite and in PostgreSQL; `diff`, `whatif` and `find` at past
//! positions start from the nearest one (the log file says so) and print
//! exactly what a fold from position 1 prints; `verify` checks each one
//! against the fold and names one that was edited (which `diff` then no
//! longer trusts if it cannot be read); `rebuild` saves them afresh.

#[path = "helpers/pg.rs"]
mod pg;
#[path = "helpers/cli.rs"]
mod support;

use std::path::Path;

use support::{Run, Store, chronicle, run};

const EVERY: &str = "100";

/// `demo --no-tui --events n` saving read models every [`EVERY`] events.
fn demo(n: u64) -> Store {
    let s = Store::new();
    let r = run(chronicle().env("CHRONICLE_MODEL_SNAPSHOT_EVERY", EVERY).arg("--db").arg(&s.path).args([
        "demo",
        "--no-tui",
        "--events",
        &n.to_string(),
    ]));
    r.expect_code(0, "demo");
    s
}

/// The same store without its read-model snapshots (a copy).
fn without_snapshots(s: &Store) -> Store {
    let copy = Store::new();
    std::fs::copy(&s.path, &copy.path).expect("copy the store");
    sql(&copy.path, "DELETE FROM model_snapshots");
    copy
}

fn sql(path: &Path, sql: &str) {
    let conn = rusqlite::Connection::open(path).expect("open the store");
    conn.execute_batch(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// How many read-model snapshots (`models`: of read models, else interval sums).
fn count(path: &Path, models: bool) -> i64 {
    let conn = rusqlite::Connection::open(path).expect("open the store");
    let op = if models { "<>" } else { "=" };
    let sql = format!("SELECT count(*) FROM model_snapshots WHERE projection {op} '$sums'");
    conn.query_row(&sql, [], |r| r.get(0)).expect("count")
}

/// `chronicle --no-cache --db <store> args…`, logging at debug level to `logs`.
fn with(db: &str, logs: &Path, args: &[&str]) -> Run {
    run(chronicle()
        .env("CHRONICLE_LOG_DIR", logs)
        .env("CHRONICLE_LOG", "chronicle=debug")
        .args(["--no-cache", "--db", db])
        .args(args))
}

/// How many times the log file says read models came from a snapshot.
fn snapshot_reads(logs: &Path) -> usize {
    let log = std::fs::read_to_string(logs.join("chronicle.log")).unwrap_or_default();
    log.matches("read models from a read-model snapshot").count()
        + log.matches("streams touched from stored interval sums").count()
}

fn queries() -> Vec<Vec<&'static str>> {
    vec![
        vec!["diff", "137", "530", "--json"],
        vec!["diff", "220", "221", "--json"],
        vec!["diff", "180", "600", "--projection", "account_balances", "--json"],
        vec!["diff", "99", "401", "--json"],
        vec!["whatif", "--at", "333", "--json"],
        vec!["whatif", "--at", "401", "--skip", "450", "--replay", "--json"],
        vec!["find", "--projection", "account_balances", "--where", "balance_cents > 50000", "--from", "333", "--json"],
        vec!["state", "--projection", "account_balances", "--at", "456", "--json"],
    ]
}

/// Every query on `with` and on `without`, compared; returns how many
/// answers on `with` read a snapshot.
fn compare(with_db: &str, without_db: &str, logs: &Path) -> usize {
    let before = snapshot_reads(logs);
    let scratch = tempfile::tempdir().expect("temporary directory");
    for q in queries() {
        let folded = with(without_db, scratch.path(), &q);
        let fast = with(with_db, logs, &q);
        assert_eq!(fast.code, folded.code, "{q:?}: exit status\nfolded: {}\nfast: {}", folded.stderr, fast.stderr);
        assert!(!folded.stdout.trim().is_empty(), "{q:?} printed nothing: {}", folded.stderr);
        assert_eq!(fast.stdout, folded.stdout, "{q:?}: the answer from snapshots differs from the fold");
    }
    assert_eq!(snapshot_reads(scratch.path()), 0, "a store without snapshots reads none");
    snapshot_reads(logs) - before
}

#[test]
fn past_read_models_come_from_the_nearest_snapshot_and_answer_as_a_fold() {
    let s = demo(700);
    assert_eq!(count(&s.path, true), 7 * 3, "one per 100 events for each of the demo's three in-memory read models");
    assert_eq!(count(&s.path, false), 7, "and the interval's sums");
    let plain = without_snapshots(&s);
    let logs = s.file("logs");
    let (a, b) = (s.path.to_string_lossy().into_owned(), plain.path.to_string_lossy().into_owned());
    assert!(compare(&a, &b, &logs) >= 8, "the answers read the snapshots");
    let said = s.ok(&["verify"]);
    assert!(said.contains("28 read-model snapshots"), "verify counts them: {said}");
    // `rebuild` saves them afresh, at the same positions; at another
    // interval, at its positions alone.
    let rebuild = |every: &str| {
        let r = run(chronicle().env("CHRONICLE_MODEL_SNAPSHOT_EVERY", every).arg("--db").arg(&s.path).arg("rebuild"));
        r.expect_code(0, "rebuild");
    };
    rebuild("350");
    assert_eq!(count(&s.path, true), 2 * 3);
    rebuild(EVERY);
    assert_eq!(count(&s.path, true), 21);
    // Interval sums are of the log, not of a read model: kept (and one
    // more, of the 350 interval); those overlapping are never summed twice.
    assert_eq!(count(&s.path, false), 8);
    assert!(s.ok(&["verify"]).contains("29 read-model snapshots"));
    assert!(compare(&a, &b, &logs) >= 8, "the answers read the snapshots");
}

/// Changes the first integer value cell (not the key) of the body of the
/// read-model snapshot of `account_balances` at 300.
fn edit_balance(path: &Path) {
    let conn = rusqlite::Connection::open(path).expect("open the store");
    let where_ = "projection = 'account_balances' AND position = 300";
    let body: Vec<u8> =
        conn.query_row(&format!("SELECT body FROM model_snapshots WHERE {where_}"), [], |r| r.get(0)).expect("body");
    let mut v: serde_json::Value = serde_json::from_slice(&body).expect("a JSON body");
    let row = v["account_balances"][0].as_array_mut().expect("a row");
    let cell = row.iter_mut().skip(1).find(|c| c.is_i64()).expect("an integer cell");
    *cell = serde_json::json!(cell.as_i64().unwrap_or(0) + 1);
    let body = serde_json::to_vec(&v).expect("JSON");
    conn.execute(&format!("UPDATE model_snapshots SET body = ?1 WHERE {where_}"), [body]).expect("update");
}

#[test]
fn verify_names_an_edited_snapshot_and_an_unreadable_one_is_not_used() {
    let s = demo(500);
    edit_balance(&s.path);
    let r = s.run(&["verify"]);
    let said = format!("{}{}", r.stdout, r.stderr);
    assert_eq!(r.code, 1, "verify fails: {said}");
    assert!(
        said.contains("position 300: read-model snapshot of `account_balances` differs from the read model recomputed"),
        "names which and where: {said}"
    );
    // A body that is not one: ignored by the readers, named by verify.
    sql(&s.path, "UPDATE model_snapshots SET body = x'7b00' WHERE position = 400");
    let plain = without_snapshots(&s);
    let logs = s.file("logs");
    let (a, b) = (s.path.to_string_lossy().into_owned(), plain.path.to_string_lossy().into_owned());
    let diff = |db: &str| with(db, &logs, &["diff", "420", "480", "--json"]);
    let (fast, folded) = (diff(&a), diff(&b));
    fast.expect_code(0, "diff past an unreadable snapshot");
    assert_eq!(fast.stdout, folded.stdout);
    let r = s.run(&["verify"]);
    let said = format!("{}{}", r.stdout, r.stderr);
    assert!(said.contains("position 400: read-model snapshot of `"), "{said}");
    assert!(said.contains("cannot be read"), "{said}");
    // An interval's sums edited: named too.
    sql(
        &s.path,
        "UPDATE model_snapshots SET body = substr(body, 1, length(body) - 1) || x'41' WHERE projection = '$sums' AND position = 200",
    );
    let r = s.run(&["verify"]);
    let said = format!("{}{}", r.stdout, r.stderr);
    assert!(said.contains("position 200: interval sum differs from the events it sums"), "{said}");
}

#[test]
fn postgres_keeps_read_model_snapshots_too() {
    let Some(pg) = pg::Pg::new() else { return };
    run(pg.cmd().env("CHRONICLE_MODEL_SNAPSHOT_EVERY", EVERY).args(["demo", "--no-tui", "--events", "600"]))
        .expect_code(0, "demo");
    assert_eq!(pg.count("SELECT count(*) FROM chronicle.model_snapshots"), 6 * 3 + 6);
    assert!(pg.ok(&["verify"]).contains("24 read-model snapshots"));
    let Some(plain) = pg::Pg::new() else { return };
    // The same log without snapshots: the export imported (imports save
    // read models as they go, so they are dropped afterwards).
    let export = pg.dir.path().join("log.jsonl");
    std::fs::write(&export, pg.export()).expect("write the export");
    plain.ok(&["import", &export.to_string_lossy()]);
    plain.sql("DELETE FROM chronicle.model_snapshots");
    let logs = pg.dir.path().join("logs");
    assert!(compare(pg.url(), plain.url(), &logs) >= 6, "the answers read the snapshots");
}
