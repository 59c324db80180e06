//! Issue 13 (diff speed): a ledger (`transaction_history`, read as of a
//! position by the position that wrote each row) is indexed by that column
//! on both engines: made with its table, added to a store made before it by
//! the first writable open, kept by `rebuild`. A store without it (opened
//! read-only since) is read by scanning, with the same answers.
//! Without a PostgreSQL server the PostgreSQL test prints one line and
//! passes (`CHRONICLE_REQUIRE_PG=1` makes that a failure).

#[path = "helpers/pg.rs"]
mod pg;
#[path = "helpers/cli.rs"]
mod support;

use support::Store;

const INDEX: &str = "transaction_history_by_position";

/// What a person asks of the ledger at earlier positions: narrow and wide
/// diffs, and the ledger as of a position (whole and a page).
const ASKED: [&[&str]; 5] = [
    &["diff", "100", "110", "--json"],
    &["diff", "5", "290", "--json"],
    &["diff", "40", "200", "--projection", "transaction_history", "--json"],
    &["state", "--at", "150", "--projection", "transaction_history", "--json"],
    &["state", "--at", "20", "--projection", "transaction_history", "--json"],
];

fn answers(run: &dyn Fn(&[&str]) -> String) -> Vec<String> {
    ASKED.iter().map(|a| run(a)).collect()
}

fn sqlite_has_index(s: &Store) -> bool {
    let sql =
        "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = ?1 AND tbl_name = 'transaction_history'";
    s.sql().query_row(sql, [INDEX], |r| r.get::<_, i64>(0)).expect("sqlite_schema") == 1
}

#[test]
fn sqlite_ledger_index_is_made_added_by_a_write_and_kept_by_rebuild_with_the_same_answers() {
    let s = Store::demo(300);
    assert!(sqlite_has_index(&s), "made with the table");
    let before = answers(&|a| s.ok(a));
    assert!(before[0].contains("transaction_history"), "the narrow diff shows ledger rows: {}", before[0]);

    // A store made before the index: read-only opens scan, and add nothing.
    s.sql().execute_batch(&format!("DROP INDEX {INDEX}")).expect("drop the index");
    assert_eq!(answers(&|a| s.ok(a)), before, "read by scanning");
    assert!(!sqlite_has_index(&s), "a read-only open writes nothing");

    // The first writable open adds it (the event it appends is past every
    // position asked about).
    s.exec("deposit acc-1 12.34 after the index");
    assert!(sqlite_has_index(&s), "added by a writable open");
    assert_eq!(answers(&|a| s.ok(a)), before, "read through the index");

    s.ok(&["rebuild"]);
    assert!(sqlite_has_index(&s), "kept by rebuild");
    assert_eq!(answers(&|a| s.ok(a)), before, "after rebuild");
    s.verify_ok();
}

#[test]
fn postgres_ledger_index_is_made_added_by_a_write_built_by_an_import_and_kept_by_rebuild() {
    let Some(a) = pg::Pg::demo(1_200) else { return };
    let has_index = |pg: &pg::Pg| {
        pg.count(&format!(
            "SELECT count(*) FROM pg_indexes WHERE tablename = 'transaction_history' AND indexname = '{INDEX}'"
        )) == 1
    };
    assert!(has_index(&a), "made with the table");
    let before = answers(&|args| a.ok(args));

    a.sql(&format!("DROP INDEX chronicle.{INDEX}"));
    assert_eq!(answers(&|args| a.ok(args)), before, "read by scanning");
    assert!(!has_index(&a), "a read-only open writes nothing");
    a.exec("deposit acc-1 12.34 after the index");
    assert!(has_index(&a), "added by a writable open");
    assert_eq!(answers(&|args| a.ok(args)), before, "read through the index");
    a.ok(&["rebuild"]);
    assert!(has_index(&a), "kept by rebuild");
    assert_eq!(answers(&|args| a.ok(args)), before, "after rebuild");

    // An import into an empty database builds it at commit.
    let Some(b) = pg::Pg::new() else { return };
    let file = b.dir.path().join("export.jsonl");
    std::fs::write(&file, a.export()).expect("write the export");
    b.ok(&["import", file.to_str().expect("UTF-8 path")]);
    assert!(has_index(&b), "built by the import");
    assert_eq!(answers(&|args| b.ok(args)), before, "the imported store");
}
