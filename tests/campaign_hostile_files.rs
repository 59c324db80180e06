//! Hostile files: whatever `--db` points at, chronicle answers with exit 0, 1
//! or 2 and a clear line, never a panic, and never runs SQL stored in the
//! file.
//!
//! `CHRONICLE_CAMPAIGN_FLIPS` sets the byte-flipped copies (default 200;
//! 1,000 locally).

#[path = "campaign_support.rs"]
mod support;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use rand::Rng;
use support::{assert_no_panic, assert_verify_ok, chronicle, code, demo_copy, knob, ok, rng, run, stderr};

/// Runs with a deadline: a hang is a failure too.
fn run_bounded(db: &Path, args: &[&str]) -> std::process::Output {
    let child =
        chronicle(db).args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn chronicle");
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    let Ok(out) = rx.recv_timeout(Duration::from_secs(30)) else {
        let _ = std::process::Command::new("kill").arg("-9").arg(pid.to_string()).status();
        panic!("chronicle {args:?} on {} hung", db.display());
    };
    let out = out.expect("wait for chronicle");
    assert_no_panic(&out, args);
    out
}

/// An unusable file: exit 2, one line on stderr naming the file, nothing on stdout.
fn assert_unusable(db: &Path, args: &[&str], says: &str) {
    let out = run(db, args);
    let err = stderr(&out);
    assert_eq!(code(&out), 2, "{args:?} on {}: {err}", db.display());
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.contains(says), "{args:?}: expected {says:?} in {err}");
    assert!(out.stdout.is_empty(), "no data for an unusable file");
}

const COMMANDS: [&[&str]; 5] = [&["verify"], &["log"], &["state"], &["exec", "open z-1 Zed"], &["import", "/dev/null"]];

#[test]
fn a_file_that_is_not_sqlite_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("notes.txt");
    let text = "Dear diary, this is not a database.\n".repeat(200);
    std::fs::write(&db, &text).unwrap();
    for args in COMMANDS {
        assert_unusable(&db, args, "not an SQLite database");
    }
    assert_eq!(std::fs::read_to_string(&db).unwrap(), text, "the file is untouched");
    // A directory, and a foreign SQLite database.
    assert_unusable(dir.path(), &["verify"], "directory");
    let foreign = dir.path().join("foreign.db");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    for args in COMMANDS {
        assert_unusable(&foreign, args, "not made by chronicle");
    }
}

#[test]
fn an_empty_file_becomes_an_empty_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("empty.db");
    std::fs::write(&db, b"").unwrap();
    let out = ok(&db, &["verify"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("ok: 0 events"));
    ok(&db, &["exec", "open a-1 Ada"]);
    assert_verify_ok(&db);
}

#[test]
fn a_truncated_store_is_an_unusable_file_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let full = demo_copy(dir.path(), "full.db", 300);
    let bytes = std::fs::read(&full).unwrap();
    let mut cuts =
        vec![1, 15, 16, 99, 100, 4096, bytes.len() / 3, bytes.len() / 2, bytes.len() - 4096, bytes.len() - 1];
    cuts.sort_unstable();
    cuts.dedup();
    for cut in cuts {
        let db = dir.path().join(format!("cut-{cut}.db"));
        std::fs::write(&db, &bytes[..cut]).unwrap();
        for args in COMMANDS {
            let out = run_bounded(&db, args);
            let c = code(&out);
            if cut < 16 {
                assert_eq!(c, 2, "{cut} bytes, {args:?}: {}", stderr(&out));
            }
            if c == 2 {
                assert_eq!(stderr(&out).trim_end().lines().count(), 1, "{cut} bytes, {args:?}: {}", stderr(&out));
            }
            if args == ["verify"] {
                // A truncated store must never verify as good.
                assert_ne!(c, 0, "{cut} of {} bytes verified as good", bytes.len());
            }
        }
    }
}

#[test]
fn a_read_only_file_is_read_and_writes_fail_cleanly_or_succeed_as_root() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = demo_copy(dir.path(), "ro.db", 300);
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).unwrap();
    assert_verify_ok(&db);
    ok(&db, &["log", "--limit", "5"]);
    ok(&db, &["state", "--json"]);
    // Tests usually run as root, for whom 0444 does not stop a write: then the
    // write succeeds; otherwise it must fail with exit 1 or 2 and one line.
    let out = run(&db, &["exec", "open ro-1 Reader"]);
    match code(&out) {
        0 => eprintln!("read-only file: writable anyway (running as root)"),
        1 | 2 => assert_eq!(stderr(&out).trim_end().lines().count(), 1, "{}", stderr(&out)),
        c => panic!("exit {c}: {}", stderr(&out)),
    }
    assert_verify_ok(&db);
}

#[test]
fn a_store_from_a_newer_release_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_copy(dir.path(), "new.db", 300);
    rusqlite::Connection::open(&db).unwrap().pragma_update(None, "user_version", 99).unwrap();
    for args in COMMANDS {
        assert_unusable(&db, args, "newer chronicle");
    }
    let v: i64 =
        rusqlite::Connection::open(&db).unwrap().pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(v, 99, "left as it was");
}

/// A chronicle store to which someone added SQL of their own.
fn crafted(dir: &Path, name: &str, sql: &str) -> std::path::PathBuf {
    let db = demo_copy(dir, name, 300);
    rusqlite::Connection::open(&db).expect("open").execute_batch(sql).expect("plant SQL");
    db
}

#[test]
fn sql_planted_in_the_file_is_never_run() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "trigger.db",
            "CREATE TABLE pwned (x); \
             CREATE TRIGGER spy AFTER INSERT ON events BEGIN INSERT INTO pwned VALUES (new.payload); END;",
            "trigger `spy`",
        ),
        (
            "function.db",
            "CREATE TRIGGER ext AFTER INSERT ON events BEGIN SELECT load_extension('/nonexistent/evil'); END;",
            "trigger `ext`",
        ),
        (
            "projection.db",
            "CREATE TABLE pwned (x); \
             CREATE TRIGGER rows AFTER UPDATE ON account_balances BEGIN INSERT INTO pwned VALUES (1); END;",
            "trigger `rows`",
        ),
        ("view.db", "CREATE VIEW v AS SELECT * FROM events;", "view `v`"),
        (
            "renamed.db",
            "DROP TRIGGER events_no_delete; \
             CREATE TRIGGER events_no_delete AFTER INSERT ON events BEGIN SELECT 1; END;",
            "trigger `events_no_delete`",
        ),
    ];
    for (name, sql, says) in cases {
        let db = crafted(dir.path(), name, sql);
        for args in COMMANDS {
            assert_unusable(&db, args, says);
        }
        assert_unusable(&db, &["rebuild"], says);
        let conn = rusqlite::Connection::open(&db).unwrap();
        let head: i64 = conn.query_row("SELECT max(position) FROM events", [], |r| r.get(0)).unwrap();
        assert_eq!(head, 300, "{name}: nothing appended");
        if sql.contains("pwned") {
            let n: i64 = conn.query_row("SELECT count(*) FROM pwned", [], |r| r.get(0)).unwrap();
            assert_eq!(n, 0, "{name}: the planted trigger ran");
        }
    }
}

/// One copy: its index, the exits of verify, log and state, their first lines.
type Found = (usize, [i32; 3], Vec<String>);

#[test]
#[allow(clippy::too_many_lines)] // one scenario, read top to bottom
fn byte_flipped_stores_exit_0_1_or_2_and_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let template = demo_copy(dir.path(), "template.db", 200);
    assert!(!Path::new(&format!("{}-wal", template.display())).exists(), "a checkpointed template");
    let bytes = std::fs::read(&template).unwrap();
    let copies = knob("CHRONICLE_CAMPAIGN_FLIPS", 200);
    let mut by_code = [[0usize; 3]; 3];
    let started = Instant::now();
    let workers = 2;
    let results: Vec<Vec<Found>> = std::thread::scope(|s| {
        (0..workers)
            .map(|w| {
                let (bytes, dir) = (&bytes, dir.path());
                s.spawn(move || {
                    let mut out = Vec::new();
                    for i in (w..copies).step_by(workers) {
                        let mut r = rng(50, i);
                        let mut copy = bytes.clone();
                        let flips = r.random_range(1..=8);
                        for _ in 0..flips {
                            // Half the flips land in the first pages (header, schema, roots).
                            let at = if r.random_bool(0.5) {
                                r.random_range(0..copy.len().min(8_192))
                            } else {
                                r.random_range(0..copy.len())
                            };
                            copy[at] ^= r.random_range(1..=255u8);
                        }
                        let db = dir.join(format!("flip-{i}.db"));
                        std::fs::write(&db, &copy).unwrap();
                        let mut codes = [0; 3];
                        let mut notes = Vec::new();
                        for (k, args) in [&["verify"][..], &["log", "--json"], &["state", "--json"]].iter().enumerate()
                        {
                            let o = run_bounded(&db, args);
                            codes[k] = code(&o);
                            assert!(matches!(codes[k], 0..=2), "copy {i}, {args:?}: exit {}: {}", codes[k], stderr(&o));
                            assert!(
                                !stderr(&o).contains("database error"),
                                "copy {i}, {args:?}: damage must be named as such: {}",
                                stderr(&o)
                            );
                            if codes[k] == 2 {
                                assert_eq!(stderr(&o).trim_end().lines().count(), 1, "copy {i}: {}", stderr(&o));
                            }
                            if codes[k] != 0 {
                                let first = stderr(&o).lines().next().unwrap_or_default().to_owned();
                                notes.push(format!("{} {}: {first}", args[0], codes[k]));
                            }
                        }
                        for ext in ["", "-wal", "-shm"] {
                            let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
                        }
                        out.push((i, codes, notes));
                    }
                    out
                })
            })
            .map(|h| h.join().unwrap())
            .collect()
    });
    let mut notes = std::collections::BTreeMap::<String, usize>::new();
    for (_, codes, found) in results.iter().flatten() {
        for (k, c) in codes.iter().enumerate() {
            by_code[k][usize::try_from(*c).unwrap()] += 1;
        }
        for note in found {
            // Group by the message with numbers and paths blurred.
            let key: String = note
                .split_whitespace()
                .filter(|w| !w.contains('/') && !w.chars().skip(1).any(|c| c.is_ascii_digit()))
                .take(9)
                .collect::<Vec<_>>()
                .join(" ");
            *notes.entry(key).or_default() += 1;
        }
    }
    eprintln!(
        "{copies} byte-flipped copies in {:.1} s; exits [0,1,2]: verify {:?}, log {:?}, state {:?}",
        started.elapsed().as_secs_f64(),
        by_code[0],
        by_code[1],
        by_code[2]
    );
    for (note, n) in notes {
        eprintln!("  {n:4} × {note}");
    }
}
