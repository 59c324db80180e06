//! Issue 12, scale: the keyframe cache of a log another tool wrote (a
//! Node-style table made here by SQL). `chronicle cache` builds it in the
//! file `--cache` names and a second run reuses it (folding no event); a log
//! that grew extends it, a rewritten one starts it afresh; a corrupt or
//! foreign cache file is one warning and the time machine still opens;
//! `--no-cache` writes nothing; the foreign file is never touched. Under
//! tmux, a second open of the TUI folds no event before its first world
//! (the debug log says so), and the event detail says there is no hash chain.
//! On PostgreSQL (when a server is there) the same cache works and nothing
//! is created in the database.

#[path = "helpers/cli.rs"]
mod support;

#[path = "helpers/tmux.rs"]
mod tmux;

#[path = "helpers/pg.rs"]
mod pg;

use std::path::Path;

use support::{Store, chronicle, run};
use tmux::Tmux;

/// Adds `n` Node-style events after position `from` (100 streams, in turn).
fn add_events(s: &Store, from: u64, n: u64, tag: &str) {
    let db = s.sql();
    db.execute_batch(
        "CREATE TABLE IF NOT EXISTS domain_events (id INTEGER PRIMARY KEY, aggregate_id TEXT NOT NULL,
           aggregate_type TEXT NOT NULL, event_type TEXT NOT NULL, event_version INTEGER, event_data TEXT NOT NULL,
           metadata TEXT, revision INTEGER NOT NULL, created_at TEXT NOT NULL, UNIQUE (aggregate_id, revision));",
    )
    .expect("create");
    db.execute(
        "WITH RECURSIVE n(i) AS (SELECT ?1 + 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1 + ?2)
         INSERT INTO domain_events (id, aggregate_id, aggregate_type, event_type, event_version, event_data, metadata,
                                    revision, created_at)
         SELECT i, 'order-' || ((i - 1) % 100), 'Order', CASE WHEN i <= 100 THEN 'OrderPlaced' ELSE 'ItemAdded' END, 1,
                json_object('n', i, 'tag', ?3), json_object('userId', 'u-' || (i % 7)), (i - 1) / 100 + 1,
                datetime(1764400000 + i, 'unixepoch')
         FROM n",
        rusqlite::params![i64::try_from(from).expect("small"), i64::try_from(n).expect("small"), tag],
    )
    .expect("insert");
}

fn node_log(n: u64) -> Store {
    let s = Store::new();
    add_events(&s, 0, n, "first");
    s
}

/// `chronicle --db <log> --cache <cache> cache`: its one line.
fn build(s: &Store, cache: &Path) -> String {
    let r = run(chronicle().arg("--db").arg(&s.path).arg("--cache").arg(cache).arg("cache"));
    r.expect_code(0, "chronicle cache");
    r.stdout.trim().to_owned()
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| d.map(|e| e.expect("entry").file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn the_cache_is_made_in_the_file_given_and_a_second_run_folds_nothing() {
    let s = node_log(3_000);
    let before = s.bytes();
    let elsewhere = tempfile::tempdir().expect("dir");
    let cache = elsewhere.path().join("keyframes.cache");

    let first = build(&s, &cache);
    assert!(first.contains("keyframes up to position 3000 of 3000 (0 restored, 3000 events folded"), "{first}");
    assert!(cache.exists(), "the cache is where --cache says");

    let second = build(&s, &cache);
    assert!(
        second.contains("up to position 3000 of 3000") && second.contains(" restored, 0 events folded, 0 written"),
        "{second}"
    );
    assert!(!second.contains("(0 restored"), "{second}");

    assert_eq!(s.bytes(), before, "the log is byte-identical");
    assert_eq!(names(s.dir.path()), ["store.db"], "nothing next to the log");
    let tables: i64 =
        s.sql().query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table'", [], |r| r.get(0)).expect("count");
    assert_eq!(tables, 1, "no table added to the log");
}

#[test]
fn a_grown_log_extends_the_cache_and_a_rewritten_one_starts_it_afresh() {
    let s = node_log(2_000);
    let elsewhere = tempfile::tempdir().expect("dir");
    let cache = elsewhere.path().join("c.cache");
    build(&s, &cache);

    add_events(&s, 2_000, 700, "first");
    let grown = build(&s, &cache);
    assert!(
        grown.contains("up to position 2700 of 2700") && grown.contains(", 700 events folded"),
        "only the new events are folded: {grown}"
    );

    // Rewritten: the same number of events, other payloads.
    std::fs::remove_file(&s.path).expect("remove");
    add_events(&s, 0, 2_700, "rewritten");
    let rewritten = build(&s, &cache);
    assert!(rewritten.contains("(0 restored, 2700 events folded"), "a rewritten log is folded again: {rewritten}");
}

#[test]
fn a_corrupt_or_foreign_cache_file_is_one_warning_and_is_left_as_it_is() {
    let s = node_log(500);
    let elsewhere = tempfile::tempdir().expect("dir");
    let corrupt = elsewhere.path().join("corrupt.cache");
    std::fs::write(&corrupt, b"this is not a cache at all, just some bytes that are long enough to look like a file")
        .expect("write");
    let r = run(chronicle().arg("--db").arg(&s.path).arg("--cache").arg(&corrupt).arg("cache"));
    let line = r.one_line_error(2, "cache on a corrupt file");
    assert!(line.contains("corrupt.cache"), "{line}");

    // Someone else's database: refused, never changed.
    let theirs = elsewhere.path().join("theirs.db");
    rusqlite::Connection::open(&theirs).expect("open").execute_batch("CREATE TABLE t (x);").expect("create");
    let before = std::fs::read(&theirs).expect("read");
    let r = run(chronicle().arg("--db").arg(&s.path).arg("--cache").arg(&theirs).arg("cache"));
    let line = r.one_line_error(2, "cache on another application's database");
    assert!(line.contains("not a chronicle cache file"), "{line}");
    assert_eq!(std::fs::read(&theirs).expect("read"), before, "their file is untouched");

    // The time machine opens anyway, with one warning line.
    let t = Tmux::start_env(
        "cache-corrupt",
        s.path.to_str().expect("utf-8"),
        &[("CHRONICLE_CACHE", corrupt.to_str().expect("utf-8"))],
    );
    t.wait_long("the head, built", 30, |sc| {
        sc.contains(" 500/500 ") && !sc.contains("folding") && !sc.contains("building")
    });
    t.keys(&["q"]);
    let screen = t.wait_for("EXIT=0");
    let warnings: Vec<&str> = screen.lines().filter(|l| l.contains("chronicle: warning:")).collect();
    assert_eq!(warnings.len(), 1, "one warning line:\n{screen}");
    assert!(warnings[0].contains("carrying on without it"), "{screen}");
}

#[test]
fn no_cache_writes_nothing() {
    let s = node_log(300);
    let xdg = tempfile::tempdir().expect("dir");
    let r = run(chronicle().env("XDG_CACHE_HOME", xdg.path()).arg("--db").arg(&s.path).arg("--no-cache").arg("cache"));
    let line = r.one_line_error(2, "cache --no-cache");
    assert!(line.contains("--no-cache"), "{line}");

    let home = xdg.path().to_str().expect("utf-8");
    let db = s.path.to_str().expect("utf-8");
    let t = Tmux::start_env("cache-off", db, &[("XDG_CACHE_HOME", home), ("CHRONICLE_NO_CACHE", "true")]);
    t.wait_long("the head, built", 30, |sc| {
        sc.contains(" 300/300 ") && !sc.contains("folding") && !sc.contains("building")
    });
    t.keys(&["q"]);
    t.wait_for("EXIT=0");
    assert!(names(xdg.path()).is_empty(), "nothing written under the cache directory: {:?}", names(xdg.path()));
}

#[test]
fn a_second_open_of_the_time_machine_folds_no_event_and_says_there_is_no_hash_chain() {
    let s = node_log(1_200);
    let before = s.bytes();
    let xdg = tempfile::tempdir().expect("dir");
    let logs = tempfile::tempdir().expect("dir");
    let env = [
        ("XDG_CACHE_HOME", xdg.path().to_str().expect("utf-8")),
        ("CHRONICLE_LOG", "chronicle=debug"),
        ("CHRONICLE_LOG_DIR", logs.path().to_str().expect("utf-8")),
    ];
    let db = s.path.to_str().expect("utf-8");
    for round in 0..2 {
        let t = Tmux::start_env(&format!("cache-reuse-{round}"), db, &env);
        let screen = t.wait_long("the head, built", 30, |sc| {
            sc.contains(" 1200/1200 ") && !sc.contains("folding") && !sc.contains("building")
        });
        assert!(screen.contains("no hash chain (foreign log)"), "the detail says there is no chain:\n{screen}");
        t.keys(&["q"]);
        t.wait_for("EXIT=0");
    }
    let cached = names(&xdg.path().join("chronicle"));
    assert_eq!(cached.len(), 1, "one cache file in the default directory: {cached:?}");
    let log = std::fs::read_to_string(logs.path().join("chronicle.log")).expect("the debug log");
    let answers: Vec<&str> = log.lines().filter(|l| l.contains("world answered")).collect();
    assert!(answers.len() >= 2, "{log}");
    // The head's world is restored first (`head=true`), the other keyframes after the first answer.
    let second_open = log.rsplit("head=true").next().expect("a restore");
    let first_answer = second_open.lines().find(|l| l.contains("world answered")).expect("an answer after the restore");
    assert!(first_answer.contains("folded=0"), "the second open folded events before its first world: {first_answer}");
    assert_eq!(s.bytes(), before, "the log is byte-identical");
    assert_eq!(names(s.dir.path()), ["store.db"], "nothing next to the log");
}

#[test]
fn the_checks_on_open_run_behind_the_first_frame_and_show_as_a_warning() {
    let s = node_log(300);
    s.sql()
        .execute_batch(
            "INSERT INTO domain_events VALUES (301, 'order-0', 'Order', 'ItemAdded', 1, '{}', NULL, 9, '2026-11-29 10:00:00');",
        )
        .expect("a version gap");
    let t = Tmux::start_env("cache-checks", s.path.to_str().expect("utf-8"), &[("CHRONICLE_NO_CACHE", "true")]);
    let screen = t.wait_long("the check's warning", 30, |sc| sc.contains("warning: position 301"));
    assert!(screen.contains(" 301/301 "), "{screen}");
    t.keys(&["q"]);
    t.wait_for("EXIT=0");
}

#[test]
fn a_postgres_foreign_table_is_cached_and_nothing_is_created_in_the_database() {
    let Some(pg) = pg::Pg::new() else { return };
    pg.sql(
        r"CREATE TABLE mt_events (seq_id bigint PRIMARY KEY, id uuid NOT NULL, stream_id uuid NOT NULL, version bigint NOT NULL,
             data jsonb NOT NULL, type varchar(500) NOT NULL, timestamp timestamptz NOT NULL DEFAULT now(),
             tenant_id varchar DEFAULT '*DEFAULT*', mt_dotnet_type varchar, correlation_id varchar, causation_id varchar, headers jsonb);
           INSERT INTO mt_events (seq_id, id, stream_id, version, data, type, timestamp)
             SELECT i, gen_random_uuid(), ('00000000-0000-0000-0000-' || lpad(((i - 1) % 20)::text, 12, '0'))::uuid,
                    (i - 1) / 20 + 1, jsonb_build_object('n', i), 'item_added', '2026-11-29T08:00:00Z'::timestamptz + i * interval '1 second'
             FROM generate_series(1, 1500) AS i;",
    );
    let relations = pg.count("SELECT count(*) FROM pg_class");
    let elsewhere = tempfile::tempdir().expect("dir");
    let cache = elsewhere.path().join("pg.cache");
    let cache = cache.to_str().expect("utf-8");
    let first = pg.ok(&["--cache", cache, "cache"]);
    assert!(first.contains("up to position 1500 of 1500 (0 restored, 1500 events folded"), "{first}");
    let second = pg.ok(&["--cache", cache, "cache"]);
    assert!(second.contains(", 0 events folded, 0 written"), "{second}");
    assert_eq!(pg.count("SELECT count(*) FROM pg_class"), relations, "nothing created in the database");
    assert_eq!(pg.count("SELECT count(*) FROM pg_namespace WHERE nspname = 'chronicle'"), 0, "no chronicle schema");
}
