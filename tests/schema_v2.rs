//! Schema version 2 (issue 13, item 5): `log --correlation ID` reads by an
//! index on both engines. A store of version 1 (the previous release's) is
//! read as it is by read-only commands, and migrated by the first writable
//! open in one transaction; either way a correlation's events (and tree)
//! are the same as before.

#[path = "helpers/pg.rs"]
mod pg;
#[path = "helpers/cli.rs"]
mod support;

use pg::correlations;
use serde_json::Value;
use support::{Store, json_lines};

/// A version 1 store as the previous release wrote it (40 demo events).
const V1_DUMP: &str = include_str!("fixtures/v1/demo-40.sql");

/// The filter of the SQLite reads (`src/sqlite/read.rs`), as a person would
/// ask SQLite for the plan.
const SQLITE_KEY: &str = "CASE WHEN json_valid(metadata) THEN json_extract(metadata, '$.correlation_id') END";

fn v1_store() -> Store {
    let s = Store::new();
    let conn = s.sql();
    conn.execute_batch(V1_DUMP).expect("load the version 1 store");
    conn.pragma_update(None, "application_id", 0x4348_524E).expect("application_id");
    conn.pragma_update(None, "user_version", 1).expect("user_version");
    s
}

fn user_version(s: &Store) -> i64 {
    s.sql().pragma_query_value(None, "user_version", |r| r.get(0)).expect("user_version")
}

fn has_index(s: &Store) -> bool {
    s.sql()
        .query_row("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = 'events_correlation'", [], |r| {
            r.get::<_, i64>(0)
        })
        .expect("sqlite_schema")
        == 1
}

/// `log --correlation ID --json` and `log --correlation ID --tree --json`.
fn answers(run: &dyn Fn(&[&str]) -> String, ids: &[String]) -> Vec<(String, String)> {
    ids.iter()
        .map(|id| {
            (run(&["log", "--correlation", id, "--json"]), run(&["log", "--correlation", id, "--tree", "--json"]))
        })
        .collect()
}

#[test]
fn a_version_1_file_is_read_as_it_is_and_migrated_by_a_write_with_the_same_answers() {
    let s = v1_store();
    let log = s.log(&[]);
    assert_eq!(log.len(), 40);
    let ids = correlations(&log);
    assert!(ids.len() > 3, "{ids:?}");
    let picked: Vec<String> = ids.iter().take(3).chain(ids.last()).cloned().collect();
    let before = answers(&|a| s.ok(a), &picked);
    for (id, (list, _)) in picked.iter().zip(&before) {
        let events = json_lines(list);
        let expected: Vec<&Value> = log.iter().filter(|e| e["metadata"]["correlation_id"] == id.as_str()).collect();
        assert_eq!(events.iter().collect::<Vec<_>>(), expected, "{id}: the scan of version 1");
    }
    s.ok(&["verify"]);
    assert_eq!((user_version(&s), has_index(&s)), (1, false), "reading never migrates");

    s.exec("open acc-900 carol");
    assert_eq!(
        (user_version(&s), has_index(&s)),
        (3, true),
        "a writable open migrates (to version 3: tests/schema_model_snapshots.rs)"
    );
    assert_eq!(answers(&|a| s.ok(a), &picked), before, "the index answers as the scan did");
    s.ok(&["verify"]);
    let plan: String = s
        .sql()
        .query_row(
            &format!(
                "EXPLAIN QUERY PLAN SELECT * FROM events WHERE position >= 1 AND position <= 99 \
                 AND {SQLITE_KEY} = 'x' ORDER BY position LIMIT 10"
            ),
            [],
            |r| r.get(3),
        )
        .expect("query plan");
    assert!(plan.contains("USING INDEX events_correlation"), "{plan}");
}

#[test]
fn the_correlation_index_dropped_is_named_and_rebuild_recreates_it() {
    let s = Store::demo(60);
    s.sql().execute_batch("DROP INDEX events_correlation").expect("drop the index");
    let line = s.fails(&["exec", "open acc-900 carol"], 2);
    assert!(
        line.contains("table `events` has no index on (CASE WHEN json_valid(metadata)") && line.contains("rebuild"),
        "{line}"
    );
    s.ok(&["rebuild"]);
    assert!(has_index(&s));
    s.exec("open acc-900 carol");
    s.ok(&["verify"]);
}

#[test]
fn a_newer_schema_is_still_refused() {
    let s = Store::demo(10);
    s.sql().pragma_update(None, "user_version", 4).expect("user_version");
    let line = s.fails(&["log"], 2);
    assert!(line.contains("newer"), "{line}");
}

#[test]
fn a_version_1_postgres_store_is_read_as_it_is_and_migrated_by_a_write() {
    let Some(pg) = pg::Pg::new() else { return };
    let v1 = v1_store();
    pg.ok(&["copy", "--from", v1.path.to_str().expect("utf-8 path"), "--to", pg.url()]);
    // What version 1 created: schema.sql and the derived tables, without
    // what migrate_v2.sql, migrate_v3.sql and migrate_v4.sql add (the
    // column's index goes with it).
    pg.sql(
        "ALTER TABLE chronicle.events DROP COLUMN correlation_id; DROP TABLE chronicle.model_snapshots; \
         UPDATE chronicle.meta SET value = '1' WHERE name = 'schema_version'",
    );
    let version = || pg.count("SELECT value::bigint FROM chronicle.meta WHERE name = 'schema_version'");
    let index = || pg.count("SELECT count(*) FROM pg_indexes WHERE indexname = 'events_correlation'");
    let log = pg.log(&[]);
    let ids = correlations(&log);
    let picked: Vec<String> = ids.iter().take(3).chain(ids.last()).cloned().collect();
    let before = answers(&|a| pg.ok(a), &picked);
    assert_eq!(before, answers(&|a| v1.ok(a), &picked), "PostgreSQL as SQLite");
    assert_eq!((version(), index()), (1, 0), "reading never migrates");

    pg.exec("open acc-900 carol");
    assert_eq!(
        (version(), index()),
        (4, 1),
        "a writable open migrates (to version 4: tests/schema_model_snapshots.rs)"
    );
    assert_eq!(answers(&|a| pg.ok(a), &picked), before, "the index answers as the scan did");
    pg.ok(&["verify"]);
    let mut client = pg.db.client();
    client.batch_execute("SET search_path TO chronicle; SET enable_seqscan = off").expect("session");
    let plan: Vec<String> = client
        .query(
            "EXPLAIN SELECT * FROM events WHERE position >= 1 AND position <= 99 \
             AND correlation_id = 'x' ORDER BY position LIMIT 10",
            &[],
        )
        .expect("plan")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(plan.iter().any(|l| l.contains("events_correlation")), "{plan:#?}");
}

#[test]
fn metadata_that_is_not_json_matches_no_correlation_and_does_not_stop_the_migration() {
    let s = v1_store();
    let any = correlations(&s.log(&[]))[0].clone();
    s.drop_triggers();
    s.sql().execute_batch("UPDATE events SET metadata = 'not json' WHERE position = 2").expect("tamper");
    let found = json_lines(&s.ok(&["log", "--correlation", &any, "--json"]));
    assert!(!found.is_empty() && found.iter().all(|e| e["position"] != 2), "{found:?}");
    s.ok(&["rebuild"]); // a writable open: migrates, the index takes the row
    assert_eq!((user_version(&s), has_index(&s)), (3, true));
    assert_eq!(json_lines(&s.ok(&["log", "--correlation", &any, "--json"])), found);
}
