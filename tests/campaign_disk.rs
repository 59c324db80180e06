//! A full disk, without root or mounts: the writer runs under a file-size
//! limit (`ulimit -f`, with SIGXFSZ ignored so `write` fails with EFBIG, as
//! on a full disk, instead of killing the process). The append must fail
//! cleanly (exit 1 or 2, one line, no panic) and leave the store intact.

#[path = "helpers/campaign.rs"]
mod support;

use std::path::Path;
use std::process::Command;

use support::{BIN, assert_log_contract, assert_no_panic, assert_verify_ok, code, demo_copy, log_json, ok, stderr};

/// Runs chronicle with files limited to `kib` KiB.
fn limited(db: &Path, kib: u64, args: &[&str]) -> std::process::Output {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("trap '' XFSZ; ulimit -f {}; exec \"$0\" \"$@\"", kib * 2))
        .arg(BIN)
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("CHRONICLE_DB")
        .output()
        .expect("run sh");
    assert_no_panic(&out, args);
    out
}

#[test]
fn a_full_disk_during_an_import_fails_cleanly_and_leaves_the_store_intact() {
    let dir = tempfile::tempdir().unwrap();
    let source = demo_copy(dir.path(), "source.db", 3_000);
    let file = dir.path().join("export.jsonl");
    ok(&source, &["export", "--out", file.to_str().unwrap()]);
    // A store of its own (the import's streams are new to it), then the
    // import under a limit 256 KiB above its size. The export is not this
    // store's history, so it is taken as new events (`--rechain`).
    let db = dir.path().join("small.db");
    ok(&db, &["exec", "open own-1 Owner"]);
    let before = log_json(&db);
    let size_kib = std::fs::metadata(&db).unwrap().len() / 1024;
    let out = limited(&db, size_kib + 256, &["import", "--rechain", file.to_str().unwrap()]);
    let err = stderr(&out);
    assert!(matches!(code(&out), 1 | 2), "exit {}: {err}", code(&out));
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    eprintln!("full disk during import: exit {}: {}", code(&out), err.trim_end());
    assert_verify_ok(&db);
    let after = log_json(&db);
    assert_eq!(after, before, "nothing of the failed import is visible");
    assert_log_contract(&after);
    // With room again, the same import succeeds.
    ok(&db, &["import", "--rechain", file.to_str().unwrap()]);
    assert_verify_ok(&db);
}

#[test]
fn a_full_disk_during_exec_and_rebuild_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_copy(dir.path(), "full.db", 3_000);
    let before = log_json(&db);
    // No room at all beyond the file's current size (the WAL cannot grow).
    let out = limited(&db, 0, &["exec", "open full-1 Owner"]);
    let err = stderr(&out);
    assert!(matches!(code(&out), 1 | 2), "exit {}: {err}", code(&out));
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    eprintln!("full disk during exec: exit {}: {}", code(&out), err.trim_end());
    let out = limited(&db, 64, &["rebuild"]);
    eprintln!("full disk during rebuild: exit {}: {}", code(&out), stderr(&out).trim_end());
    assert!(matches!(code(&out), 0..=2));
    assert_verify_ok(&db);
    assert_eq!(log_json(&db), before);
}
