//! Trust in the store file (issue 9, items 1, 9 and 10), through the real
//! binary: `--db` is a file name whatever it spells; the schema is checked,
//! not assumed, and what `sqlite3` can do to it is named with its repair;
//! a store the user may only read serves every reading command and writes
//! nothing.

#[path = "helpers/cli.rs"]
mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use support::{BIN, Run, Store, chronicle, json_lines, run};

// ---------------------------------------------------------------- item 1

/// Names SQLite would give a meaning of its own: an in-memory database, URI
/// options (`mode=memory`, a VFS without locking).
const SPECIAL_NAMES: [&str; 4] = [":memory:", "file::memory:", "file:c.db?mode=memory", "file:e.db?vfs=unix-none"];

fn in_dir(dir: &Path, db: &str, args: &[&str]) -> Run {
    run(chronicle().current_dir(dir).arg("--db").arg(db).args(args))
}

#[test]
fn every_db_string_is_a_file_of_that_name_that_later_commands_see() {
    let dir = tempfile::tempdir().unwrap();
    for (i, name) in SPECIAL_NAMES.iter().enumerate() {
        let account = format!("acc-{i}");
        in_dir(dir.path(), name, &["exec", &format!("open {account} alice")]).expect_code(0, name);
        // The same string through the environment reaches the same file.
        let r = run(chronicle()
            .current_dir(dir.path())
            .env("CHRONICLE_DB", name)
            .args(["exec", &format!("deposit {account} 5 salary")]));
        r.expect_code(0, name);
        let log = in_dir(dir.path(), name, &["log", "--json"]);
        log.expect_code(0, name);
        let events = json_lines(&log.stdout);
        assert_eq!(events.len(), 2, "{name}: log sees what exec recorded: {}", log.stdout);
        assert!(events.iter().all(|e| e["stream_id"] == account.as_str()), "{name}: {events:?}");
        let file = dir.path().join(name);
        let head = std::fs::read(&file).unwrap_or_else(|e| panic!("{name}: no file of that literal name: {e}"));
        assert!(head.starts_with(b"SQLite format 3\0"), "{name} is an SQLite file");
        in_dir(dir.path(), name, &["verify"]).expect_code(0, name);
    }
    // Nothing went to the names the options would have meant instead.
    for other in ["c.db", "e.db"] {
        assert!(!dir.path().join(other).exists(), "{other} must not exist");
    }
}

// ---------------------------------------------------------------- item 9

fn two_events() -> Store {
    let s = Store::new();
    s.exec("open acc-1 alice");
    s.exec("deposit acc-1 5 salary");
    s
}

fn event_count(s: &Store) -> i64 {
    s.sql().query_row("SELECT count(*) FROM events", [], |r| r.get(0)).expect("count the events")
}

#[test]
fn a_changed_events_table_makes_the_store_unusable_for_every_command() {
    let cases = [
        ("ALTER TABLE events ADD COLUMN x TEXT", "table `events` has an extra column `x`"),
        ("CREATE UNIQUE INDEX by_payload ON events (payload)", "table `events` has a unique index on (payload)"),
        (
            "PRAGMA writable_schema = ON; \
             UPDATE sqlite_schema SET sql = replace(sql, 'hash           BLOB', 'hash           TEXT') \
             WHERE name = 'events'",
            "column `events.hash` is declared `TEXT NOT NULL`, chronicle declares `BLOB NOT NULL`",
        ),
    ];
    for (sql, expected) in cases {
        let s = two_events();
        s.sql().execute_batch(sql).unwrap();
        for args in [&["exec", "deposit acc-1 1 more"][..], &["log"], &["state"], &["verify"], &["rebuild"]] {
            let line = s.fails(args, 2);
            assert!(line.contains("not a usable chronicle store") && line.contains(expected), "{args:?}: {line}");
        }
        assert_eq!(event_count(&s), 2, "{sql}: nothing recorded");
    }
}

#[test]
fn a_deleted_or_edited_streams_index_is_named_and_rebuild_repairs_it() {
    for (sql, then) in [
        ("DELETE FROM streams", "deposit acc-1 1 more"),
        // Today this one fails on a raw "UNIQUE constraint failed".
        ("DELETE FROM streams", "open acc-1 bob"),
        ("UPDATE streams SET version = 9", "deposit acc-1 1 more"),
    ] {
        let s = two_events();
        s.sql().execute_batch(sql).unwrap();
        let line = s.fails(&["exec", then], 2);
        assert!(
            line.contains("streams index is out of step")
                && line.contains("acc-1")
                && line.contains("chronicle rebuild"),
            "{sql} / {then}: {line}"
        );
        assert!(!line.contains("UNIQUE constraint"), "{line}");
        assert_eq!(event_count(&s), 2, "nothing recorded");
        let report = s.verify_fails();
        assert!(report.contains("streams index") && report.contains("chronicle rebuild"), "{report}");
        let rebuilt = s.run(&["rebuild"]);
        rebuilt.expect_code(0, "rebuild");
        assert!(
            rebuilt.stderr.contains("the streams index differed from the events for 1 stream:"),
            "{}",
            rebuilt.stderr
        );
        // Once repaired there is nothing left to say.
        assert!(!s.run(&["rebuild"]).stderr.contains("streams index"));
        s.exec("deposit acc-1 1 more");
        s.verify_ok();
        assert_eq!(s.balance_row("acc-1")["balance_cents"], 600);
    }
}

#[test]
fn dropped_or_changed_derived_tables_are_named_and_rebuild_recreates_them() {
    for (sql, named) in [
        ("DROP TABLE streams", "table `streams` is missing"),
        ("DROP TABLE snapshots", "table `snapshots` is missing"),
        ("DROP TABLE checkpoints", "table `checkpoints` is missing"),
        ("ALTER TABLE streams ADD COLUMN y", "table `streams` has an extra column `y`"),
        ("DROP INDEX events_recorded_at", "table `events` has no index on (recorded_at)"),
    ] {
        let s = Store::demo(120);
        let before = s.projection("account_balances");
        s.sql().execute_batch(sql).unwrap();
        for args in [&["exec", "open acc-new carol"][..], &["log"], &["verify"]] {
            let line = s.fails(args, 2);
            assert!(line.contains(named) && line.contains("chronicle rebuild"), "{sql} / {args:?}: {line}");
        }
        s.ok(&["rebuild"]);
        s.verify_ok();
        // Rebuilt from the events, not added to what was there.
        assert_eq!(s.projection("account_balances"), before, "{sql}");
        s.exec("open acc-new carol");
    }
}

#[test]
fn a_dropped_or_retyped_read_model_table_is_named_on_read_and_rebuilt() {
    let s = two_events();
    s.sql().execute_batch("DROP TABLE account_balances").unwrap();
    let line = s.fails(&["state", "--projection", "account_balances"], 2);
    assert!(line.contains("table `account_balances` is missing") && line.contains("chronicle rebuild"), "{line}");
    s.ok(&["rebuild"]);
    assert_eq!(s.balance_row("acc-1")["balance_cents"], 500);

    s.sql()
        .execute_batch(
            "DROP TABLE account_balances; CREATE TABLE account_balances (account_id TEXT, owner TEXT, \
             currency TEXT, balance_cents TEXT, status TEXT, transactions INTEGER, PRIMARY KEY (account_id)) WITHOUT ROWID",
        )
        .unwrap();
    for args in [&["state"][..], &["exec", "deposit acc-1 1 more"]] {
        let line = s.fails(args, 2);
        assert!(line.contains("column `account_balances.balance_cents` is declared `TEXT`"), "{args:?}: {line}");
    }
    assert_eq!(event_count(&s), 2, "nothing recorded");
    s.ok(&["rebuild"]);
    s.verify_ok();
    assert_eq!(s.balance_row("acc-1")["balance_cents"], 500);
}

// ---------------------------------------------------------------- item 10

/// The tests run as root, who may write anything: the commands run as
/// `nobody` (via `setpriv`, else `runuser`) to meet real permissions. The
/// binary under the target directory and the temporary directories (made
/// 0755) are readable and traversable by `nobody`. `None`, with the reason
/// printed, when neither tool exists.
fn as_nobody(args: &[&str]) -> Option<Command> {
    let exists = |tool: &str| Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success());
    let mut c = if exists("setpriv") {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", BIN]);
        c
    } else if exists("runuser") {
        let mut c = Command::new("runuser");
        c.args(["-u", "nobody", "--", BIN]);
        c
    } else {
        eprintln!("skipped: neither setpriv nor runuser exists to drop root's privileges");
        return None;
    };
    c.env_remove("CHRONICLE_DB").env("USER", "tester").env("NO_COLOR", "1").args(args);
    Some(c)
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_store_the_user_can_only_read_serves_every_reading_command_and_refuses_writes() {
    let s = Store::demo(120);
    let db = s.path.to_str().unwrap().to_owned();
    let reads: [&[&str]; 6] = [
        &["log", "--json"],
        &["state", "--json"],
        &["state", "--at", "60", "--projection", "account_balances", "--json"],
        &["verify", "--chain"],
        &["verify"],
        &["export"],
    ];
    let expected: Vec<String> = reads.iter().map(|a| s.ok(a)).collect();
    // A 0444 file in a 0555 directory: no -wal or -shm can be created.
    chmod(&s.path, 0o444);
    chmod(s.dir.path(), 0o555);
    let bytes = s.bytes();
    let files = listing(s.dir.path());
    for (args, want) in reads.iter().zip(&expected) {
        let Some(mut cmd) = as_nobody(&[&["--db", &db][..], args].concat()) else { return };
        let r = run(&mut cmd);
        r.expect_code(0, &format!("{args:?} as nobody"));
        if args[0] == "verify" {
            assert!(r.stdout.starts_with("ok: "), "{args:?}: {}", r.stdout);
        } else {
            assert_eq!(&r.stdout, want, "{args:?} reads what the owner reads");
        }
    }
    let import = s.file("import.jsonl");
    chmod(s.dir.path(), 0o755);
    std::fs::write(&import, expected[5].as_bytes()).unwrap();
    chmod(&import, 0o444);
    chmod(s.dir.path(), 0o555);
    let import = import.to_str().unwrap();
    for args in [&["exec", "open acc-ro carol"][..], &["import", import], &["rebuild"]] {
        let Some(mut cmd) = as_nobody(&[&["--db", &db][..], args].concat()) else { return };
        let line = run(&mut cmd).one_line_error(2, &format!("{args:?} as nobody"));
        assert!(line.contains("is read-only"), "{args:?}: {line}");
    }
    assert_eq!(s.bytes(), bytes, "the store is unchanged");
    let mut files_after = listing(s.dir.path());
    files_after.retain(|f| f != "import.jsonl");
    assert_eq!(files_after, files, "nothing left behind");
    chmod(s.dir.path(), 0o755);
}

#[test]
fn the_directory_alone_being_read_only_is_named_for_writes_and_fine_for_reads() {
    let s = two_events();
    let db = s.path.to_str().unwrap().to_owned();
    // The file belongs to nobody, the directory does not.
    std::process::Command::new("chown").arg("nobody").arg(&s.path).status().unwrap();
    chmod(s.dir.path(), 0o555);
    let Some(mut cmd) = as_nobody(&["--db", &db, "exec", "deposit acc-1 1 more"]) else { return };
    let line = run(&mut cmd).one_line_error(2, "exec as nobody");
    assert!(line.contains("is read-only") && line.contains("is not writable"), "{line}");
    let Some(mut cmd) = as_nobody(&["--db", &db, "log", "--json"]) else { return };
    let r = run(&mut cmd);
    r.expect_code(0, "log as nobody");
    assert_eq!(json_lines(&r.stdout).len(), 2);
    assert_eq!(listing(s.dir.path()), vec!["store.db".to_owned()]);
    chmod(s.dir.path(), 0o755);
}

#[test]
fn reading_never_creates_or_converts_a_file() {
    let s = Store::new();
    for args in [&["log"][..], &["state"], &["verify"], &["export"]] {
        let line = s.fails(args, 2);
        assert!(line.contains("no store at"), "{args:?}: {line}");
        assert!(listing(s.dir.path()).is_empty(), "{args:?} created nothing");
    }
    std::fs::write(&s.path, b"").unwrap();
    for args in [&["log"][..], &["state"], &["verify"], &["export"]] {
        // An empty file reads as an empty store, and stays an empty file.
        s.ok(args);
        assert_eq!(listing(s.dir.path()), vec!["store.db".to_owned()], "{args:?} left nothing behind");
        assert!(s.bytes().is_empty(), "{args:?} did not make it a store");
    }
    // A writing command does make the empty file a store.
    s.exec("open acc-1 alice");
}

#[test]
fn a_missing_directory_or_a_permission_problem_is_named() {
    let s = two_events();
    let missing = s.file("no/such/dir/x.db");
    for args in [&["exec", "open acc-1 a"][..], &["log"]] {
        let r = run(chronicle().arg("--db").arg(&missing).args(args));
        let line = r.one_line_error(2, &format!("{args:?}"));
        assert!(line.contains("does not exist") && line.contains("no/such/dir"), "{args:?}: {line}");
    }
    assert!(!s.file("no").exists());

    let db = s.path.to_str().unwrap().to_owned();
    chmod(s.dir.path(), 0o755);
    chmod(&s.path, 0o600);
    let Some(mut cmd) = as_nobody(&["--db", &db, "log"]) else { return };
    let line = run(&mut cmd).one_line_error(2, "log on a 0600 file as nobody");
    assert!(line.contains("permission denied"), "{line}");

    chmod(s.dir.path(), 0o555);
    let fresh = s.file("fresh.db");
    let Some(mut cmd) = as_nobody(&["--db", fresh.to_str().unwrap(), "exec", "open acc-1 a"]) else { return };
    let line = run(&mut cmd).one_line_error(2, "exec creating a store in a 0555 directory as nobody");
    assert!(line.contains("permission denied") && line.contains("cannot create"), "{line}");
    assert!(!fresh.exists());

    chmod(s.dir.path(), 0o700);
    let Some(mut cmd) = as_nobody(&["--db", &db, "log"]) else { return };
    let line = run(&mut cmd).one_line_error(2, "log in a 0700 directory as nobody");
    assert!(line.contains("permission denied"), "{line}");
    chmod(s.dir.path(), 0o755);
}
