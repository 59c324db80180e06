//! `chronicle copy --from A --to B` (issue 11, item 3): real SQLite files and
//! the real PostgreSQL server (a fresh database per test through
//! `TestDb`; skipped with one line when there is none, unless
//! `CHRONICLE_REQUIRE_PG=1`).

#[path = "helpers/cli.rs"]
mod support;

use std::path::Path;

use chronicle::postgres::testing::TestDb;
use support::{Run, Store, chronicle, run};

/// `chronicle --db <db> args…`.
fn at(db: &str, args: &[&str]) -> Run {
    run(chronicle().arg("--db").arg(db).args(args))
}

/// `chronicle --db <db> args…`, which must succeed; its stdout.
fn ok(db: &str, args: &[&str]) -> String {
    let r = at(db, args);
    r.expect_code(0, &format!("chronicle --db {db} {args:?}"));
    r.stdout
}

/// `chronicle copy --from <from> --to <to>`.
fn copy(from: &str, to: &str) -> Run {
    run(chronicle().args(["copy", "--from", from, "--to", to]))
}

fn export(db: &str) -> String {
    ok(db, &["export"])
}

fn s(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temporary path")
}

/// Read models a user would look at, as JSON.
fn read_models(db: &str) -> Vec<String> {
    ["account_balances", "transaction_history"]
        .iter()
        .map(|p| ok(db, &["state", "--projection", p, "--json"]))
        .collect()
}

/// The first `n` lines of the export of `db`.
fn first_lines(db: &str, n: usize) -> String {
    export(db).lines().take(n).flat_map(|l| [l, "\n"]).collect()
}

/// A store holding the first `n` events of `source` (imported from its export).
fn prefix_of(source: &Store, n: usize, name: &str) -> std::path::PathBuf {
    let lines = first_lines(s(&source.path), n);
    let file = source.file(&format!("{name}.jsonl"));
    std::fs::write(&file, lines).expect("write the prefix");
    let db = source.file(name);
    ok(s(&db), &["import", s(&file)]);
    db
}

#[test]
fn sqlite_to_postgres_to_sqlite_keeps_the_log_byte_identical_and_builds_the_read_models() {
    let Some(pg) = TestDb::create() else { return };
    let a = Store::demo(1_500);
    let b = a.file("back.db");
    let first = copy(s(&a.path), pg.url());
    first.expect_code(0, "copy sqlite → postgres");
    assert!(first.stderr.contains("copied 1500 events"), "{}", first.stderr);
    copy(pg.url(), s(&b)).expect_code(0, "copy postgres → sqlite");

    let original = export(s(&a.path));
    assert_eq!(original.lines().count(), 1_500);
    assert!(export(pg.url()) == original, "the PostgreSQL copy exports the same bytes");
    assert!(export(s(&b)) == original, "the copy of the copy exports the same bytes");
    for db in [pg.url(), s(&b)] {
        let verified = ok(db, &["verify"]);
        assert!(verified.starts_with("ok: 1500 events"), "{db}: {verified}");
    }
    let models = read_models(s(&a.path));
    assert_eq!(read_models(pg.url()), models, "read models on PostgreSQL");
    assert_eq!(read_models(s(&b)), models, "read models on the SQLite copy");
}

#[test]
fn a_postgres_target_that_is_a_prefix_gets_the_rest() {
    let Some(pg) = TestDb::create() else { return };
    let a = Store::demo(400);
    let lines = first_lines(s(&a.path), 150);
    let file = a.file("prefix.jsonl");
    std::fs::write(&file, lines).expect("write the prefix");
    ok(pg.url(), &["import", s(&file)]);

    let r = copy(s(&a.path), pg.url());
    r.expect_code(0, "copy onto a prefix");
    assert!(r.stderr.contains("copied 250 events"), "{}", r.stderr);
    assert!(export(pg.url()) == export(s(&a.path)));
    assert_eq!(read_models(pg.url()), read_models(s(&a.path)));
}

#[test]
fn a_target_that_is_not_a_prefix_is_refused_naming_the_first_differing_position() {
    let a = Store::demo(300);
    let diverged = prefix_of(&a, 100, "diverged.db");
    ok(s(&diverged), &["exec", "open acc-zz owner=zed"]);
    let before = export(s(&diverged));

    let line = copy(s(&a.path), s(&diverged)).one_line_error(2, "copy onto a diverged store");
    assert!(line.contains("position 101") && line.contains("nothing was copied"), "{line}");
    assert!(export(s(&diverged)) == before, "nothing was written to the target");

    // A target longer than the source is not its prefix either.
    let short = prefix_of(&a, 100, "short.db");
    let line = copy(s(&short), s(&a.path)).one_line_error(2, "copy onto a longer store");
    assert!(line.contains("position 101"), "{line}");
    assert_eq!(export(s(&a.path)).lines().count(), 300, "nothing was written to the target");
}

#[test]
fn a_sqlite_target_that_is_a_prefix_gets_the_rest_and_a_second_run_copies_nothing() {
    let a = Store::demo(300);
    let target = prefix_of(&a, 120, "target.db");
    let r = copy(s(&a.path), s(&target));
    r.expect_code(0, "copy onto a prefix");
    assert!(r.stderr.contains("copied 180 events"), "{}", r.stderr);
    assert!(export(s(&target)) == export(s(&a.path)));
    assert!(ok(s(&target), &["verify"]).starts_with("ok: 300 events"));
    assert_eq!(read_models(s(&target)), read_models(s(&a.path)));

    let again = copy(s(&a.path), s(&target));
    again.expect_code(0, "copy again");
    assert!(again.stderr.contains("nothing to copy"), "{}", again.stderr);
}

#[test]
fn the_same_source_and_target_copies_nothing_and_says_so() {
    let a = Store::demo(200);
    let before = export(s(&a.path));
    let r = copy(s(&a.path), s(&a.path));
    r.expect_code(0, "copy a store onto itself");
    assert!(r.stderr.contains("nothing to copy") && r.stderr.contains("200 events"), "{}", r.stderr);
    assert!(export(s(&a.path)) == before);
}

#[test]
fn a_missing_source_is_one_line_and_exit_2_and_creates_no_target() {
    let dir = Store::new();
    let target = dir.file("target.db");
    let line = copy(s(&dir.file("missing.db")), s(&target)).one_line_error(2, "copy from a missing store");
    assert!(line.contains("missing.db"), "{line}");
    assert!(!target.exists(), "no target was created");
}

#[test]
fn a_target_that_is_not_a_store_is_refused_and_left_as_it_was() {
    let a = Store::demo(50);
    let target = a.file("notes.txt");
    let text = "not a store, but somebody's notes\n".repeat(200);
    std::fs::write(&target, &text).expect("write the notes");
    let line = copy(s(&a.path), s(&target)).one_line_error(2, "copy onto a file that is not a store");
    assert!(line.contains("notes.txt"), "{line}");
    assert_eq!(std::fs::read_to_string(&target).expect("read the notes"), text, "the file is untouched");
}
