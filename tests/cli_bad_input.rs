//! Bad files and bad arguments: exit status 2, one clear line on stderr, no
//! panic, and the file left as it was.

#[path = "helpers/cli.rs"]
mod support;

use std::path::Path;

use serde_json::json;
use support::{Store, chronicle, run, write};

/// Every subcommand that opens the store (`demo` and `tui` write, so they
/// are here too: they must refuse before touching anything).
fn commands_on(import_file: &Path) -> Vec<Vec<String>> {
    let import = import_file.to_str().expect("utf-8 path").to_owned();
    [
        vec!["log"],
        vec!["log", "--json"],
        vec!["state"],
        vec!["state", "--projection", "account_balances", "--json"],
        vec!["verify"],
        vec!["export"],
        vec!["rebuild"],
        vec!["exec", "open acc-1 Ada Lovelace"],
        vec!["demo", "--no-tui", "--events", "10"],
        vec!["tui"],
        vec!["import", &import],
    ]
    .into_iter()
    .map(|v| v.into_iter().map(str::to_owned).collect())
    .collect()
}

/// Runs every command on `s` and checks each refuses with exit 2, one
/// line naming the problem, and leaves the file byte for byte as it was.
fn refused_by_every_command(s: &Store, reason: &str) {
    let export = s.file("some.jsonl");
    write(&export, "");
    let before = s.bytes();
    for args in commands_on(&export) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let line = s.fails(&args, 2);
        assert!(line.starts_with("chronicle: "), "{args:?}: {line}");
        assert!(line.contains(reason), "{args:?}: expected `{reason}` in: {line}");
        assert_eq!(s.bytes(), before, "{args:?} changed the file");
    }
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut side = s.path.clone().into_os_string();
        side.push(suffix);
        assert!(!Path::new(&side).exists(), "a {suffix} file was left next to the refused store");
    }
}

/// A store with a few events, closed cleanly.
fn small_store() -> Store {
    let s = Store::new();
    s.exec("open acc-1 Ada Lovelace");
    s.exec("deposit acc-1 10");
    s
}

#[test]
fn a_text_file_is_not_a_store() {
    let s = Store::new();
    write(&s.path, "hello, I am a shopping list\n- milk\n- eggs\n");
    refused_by_every_command(&s, "not an SQLite database");
}

#[test]
fn a_short_binary_file_is_not_a_store() {
    let s = Store::new();
    std::fs::write(&s.path, b"SQLite").expect("write");
    refused_by_every_command(&s, "not a usable chronicle store");
}

#[test]
fn a_truncated_store_is_refused() {
    let full = small_store();
    let bytes = full.bytes();
    assert!(bytes.len() > 4096, "the store is at least two pages");
    let s = Store::new();
    std::fs::write(&s.path, &bytes[..100]).expect("write");
    refused_by_every_command(&s, "not a usable chronicle store");
}

#[test]
fn a_directory_is_not_a_store() {
    let s = Store::new();
    std::fs::create_dir(&s.path).expect("mkdir");
    refused_by_every_command(&s, "directory");
    assert!(std::fs::read_dir(&s.path).expect("read_dir").next().is_none(), "something was written inside");
}

#[test]
fn a_store_of_a_newer_schema_is_refused_with_a_clear_message() {
    let s = small_store();
    s.sql().pragma_update(None, "user_version", 99).expect("set user_version");
    let line = s.fails(&["log"], 2);
    assert!(line.contains("newer"), "{line}");
    refused_by_every_command(&s, "newer chronicle");
}

#[test]
fn an_sqlite_database_of_another_application_is_refused() {
    let s = Store::new();
    {
        let c = rusqlite::Connection::open(&s.path).expect("create");
        c.execute_batch("CREATE TABLE recipes (name TEXT, minutes INTEGER); INSERT INTO recipes VALUES ('soup', 30);")
            .expect("schema");
    }
    refused_by_every_command(&s, "not made by chronicle");
    let n: i64 = s.sql().query_row("SELECT count(*) FROM recipes", [], |r| r.get(0)).expect("count");
    assert_eq!(n, 1);
}

#[test]
fn an_sqlite_database_with_another_application_id_is_refused() {
    let s = Store::new();
    rusqlite::Connection::open(&s.path)
        .expect("create")
        .pragma_update(None, "application_id", 0x1234)
        .expect("application_id");
    refused_by_every_command(&s, "another application");
}

#[test]
fn an_empty_file_becomes_an_empty_store() {
    let s = Store::new();
    write(&s.path, "");
    assert_eq!(s.ok(&["log"]), "");
    assert_eq!(s.ok(&["export"]), "");
    let out = s.verify_ok();
    assert!(out.contains("0 events"), "{out}");
    let v = s.projection("account_balances");
    assert_eq!(v, json!({"projection": "account_balances", "position": 0, "rows": []}));
    s.exec("open acc-1 Ada Lovelace");
    assert_eq!(s.head(), 1);
    s.verify_ok();
}

#[test]
fn reading_commands_do_not_create_a_missing_store() {
    let s = Store::new();
    for args in
        [&["log"][..], &["state"], &["state", "--stream", "acc-1"], &["verify"], &["export"], &["log", "--follow"]]
    {
        let line = s.fails(args, 2);
        assert!(line.contains("no store at"), "{args:?}: {line}");
        assert!(!s.path.exists(), "{args:?} created the store");
    }
}

#[test]
fn a_store_in_a_missing_directory_is_refused() {
    let s = Store::new();
    let path = s.file("no/such/dir/store.db");
    let r = run(chronicle().arg("--db").arg(&path).args(["exec", "open acc-1 Ada"]));
    let line = r.one_line_error(2, "exec in a missing directory");
    assert!(line.contains("store.db"), "{line}");
}

#[test]
fn bad_arguments_on_a_good_store_exit_2_and_change_nothing() {
    let s = small_store();
    let export = s.export();
    let cases: &[(&[&str], &str)] = &[
        (&["state", "--at", "3"], "beyond the head (2)"),
        (&["state", "--at", "999", "--stream", "acc-1"], "beyond the head"),
        (&["state", "--at", "18446744073709551615", "--projection", "account_balances"], "beyond the head"),
        (&["state", "--stream", "acc-9"], "unknown stream `acc-9`"),
        (&["state", "--at", "0", "--stream", "acc-1"], "did not exist yet"),
        (&["state", "--projection", "balances"], "unknown projection `balances`"),
        (&["state", "--projection", "balances"], "account_balances"),
        (&["rebuild", "--projection", "nope"], "unknown projection"),
        (&["state", "--at-time", "yesterday"], "not an RFC 3339 time"),
        (&["state", "--at-time", "2024-13-01T00:00:00Z"], "not an RFC 3339 time"),
        (&["state", "--at-time", "2024-01-01"], "not an RFC 3339 time"),
        (&["import", "/no/such/file.jsonl"], "cannot read"),
        (&["demo", "--no-tui", "--events", "10"], "already holds 2 events"),
    ];
    for (args, reason) in cases {
        let line = s.fails(args, 2);
        assert!(line.starts_with("chronicle: ") && line.contains(reason), "{args:?}: expected `{reason}` in: {line}");
    }
    assert_eq!(s.export(), export);
    s.verify_ok();
}

#[test]
fn hostile_names_are_escaped_in_messages() {
    let s = small_store();
    let line = s.fails(&["state", "--stream", "acc\u{1b}[31m\nX"], 2);
    assert!(!line.contains('\u{1b}'), "raw escape in: {line:?}");
}

#[test]
fn usage_errors_exit_2_without_touching_the_store() {
    let s = small_store();
    let before = s.export();
    let cases: &[&[&str]] = &[
        &["bogus"],
        &["exec"],
        &["exec", "deposit acc-1 1", "--no-such-flag"],
        &["log", "--from", "abc"],
        &["log", "--limit", "-1"],
        &["state", "--at", "1", "--at-time", "2024-01-01T00:00:00Z"],
        &["state", "--stream", "acc-1", "--projection", "account_balances"],
        &["state", "--at", "-3"],
        &["demo", "--events", "many"],
        &["import"],
        &["export", "--out"],
    ];
    for args in cases {
        let r = s.run(args);
        r.expect_code(2, &format!("{args:?}"));
        assert!(r.stdout.is_empty(), "{args:?}: printed {}", r.stdout);
        let first = r.stderr.lines().next().unwrap_or_default();
        assert!(first.starts_with("error: "), "{args:?}: {}", r.stderr);
        assert_eq!(r.stderr.matches("error:").count(), 1, "{args:?}: {}", r.stderr);
    }
    assert_eq!(s.export(), before);
    // --help and --version are not errors.
    assert!(s.ok(&["--help"]).contains("Usage"));
    assert!(s.ok(&["--version"]).starts_with("chronicle "));
}

#[test]
fn a_bad_timeline_setting_is_named_and_nothing_runs() {
    let s = Store::demo(30);
    for (var, value) in [("CHRONICLE_KEYFRAME_EVERY", "0"), ("CHRONICLE_MAX_KEYFRAMES", "lots")] {
        let r = run(chronicle().arg("--db").arg(&s.path).env(var, value).args(["log", "--limit", "1"]));
        let line = r.one_line_error(2, var);
        assert!(line.contains(var) && line.contains("positive integer"), "{line}");
    }
    let r = run(chronicle().arg("--db").arg(&s.path).env("CHRONICLE_KEYFRAME_EVERY", "64").args(["log"]));
    r.expect_code(0, "a good setting");
}

#[test]
fn a_closed_output_pipe_ends_quietly() {
    let s = Store::demo(300);
    for args in
        [&["verify"][..], &["verify", "--chain"], &["export"], &["log"], &["log", "--json"], &["state", "--json"]]
    {
        let mut child = chronicle()
            .arg("--db")
            .arg(&s.path)
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // The reader goes away before anything is written (`| head -0`).
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        assert!(!err.contains("panicked") && !err.contains("Broken pipe"), "{args:?}: {err}");
    }
}
