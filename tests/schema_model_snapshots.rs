//! Schema version 3 (SQLite) and 4 (PostgreSQL): read-model snapshots kept
//! in a `model_snapshots` table. A store of the previous version (without
//! it) is read as it is by read-only commands, holding no snapshot, and
//! migrated by the first writable open; a wrongly shaped table is named in
//! one line and `rebuild` recreates it. (PostgreSQL's version 3 store
//! migrated and refused: `src/postgres/tests/model.rs`.)

#[path = "helpers/pg.rs"]
mod pg;
#[path = "helpers/cli.rs"]
mod support;

use chronicle::es::{Access, Store as Handle};
use support::Store;

fn open(s: &Store, access: Access) -> Handle {
    chronicle::engines::open(s.path.to_str().expect("UTF-8 path"), access).expect("open the store")
}

fn user_version(s: &Store) -> i64 {
    s.sql().pragma_query_value(None, "user_version", |r| r.get(0)).expect("user_version")
}

fn has_table(s: &Store) -> bool {
    let sql = "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'model_snapshots'";
    s.sql().query_row(sql, [], |r| r.get::<_, i64>(0)).expect("sqlite_schema") == 1
}

/// A version 2 store as the previous release left it: the demo's events and
/// read models, no `model_snapshots`.
fn v2_store() -> Store {
    let s = Store::demo(60);
    let conn = s.sql();
    conn.execute_batch("DROP TABLE model_snapshots").expect("drop the table");
    conn.pragma_update(None, "user_version", 2).expect("user_version");
    s
}

#[test]
fn a_version_2_file_reads_as_holding_no_model_snapshot_and_a_write_migrates_it() {
    let s = v2_store();
    let log = s.ok(&["log", "--json"]);
    s.ok(&["verify"]);
    let read = open(&s, Access::Read);
    assert_eq!(read.model_snapshot("account_balances", "v1", 60).expect("read"), None);
    assert_eq!(read.model_snapshot_list().expect("list"), []);
    assert_eq!((user_version(&s), has_table(&s)), (2, false), "reading never migrates");

    s.exec("open acc-900 carol");
    assert_eq!((user_version(&s), has_table(&s)), (3, true), "a writable open migrates");
    assert!(s.ok(&["log", "--json"]).starts_with(&log), "the log as it was, and the new event");
    s.ok(&["verify"]);
    let mut w = open(&s, Access::Create);
    w.write(|tx| tx.save_model_snapshot("account_balances", 61, "v1", b"rows")).expect("save");
    let want = Some((61, b"rows".to_vec()));
    assert_eq!(read.model_snapshot("account_balances", "v1", 100).expect("read"), want, "the reader sees it");
    drop(w);
    s.exec("open acc-901 dave");
    assert_eq!(user_version(&s), 3, "a second write changes nothing");
    assert_eq!(read.model_snapshot_list().expect("list").len(), 1);
}

#[test]
fn a_wrongly_shaped_model_snapshots_table_is_named_and_rebuild_recreates_it() {
    let s = Store::demo(60);
    s.sql()
        .execute_batch("DROP TABLE model_snapshots; CREATE TABLE model_snapshots (projection TEXT, body TEXT)")
        .expect("replace the table");
    for args in [&["log"][..], &["exec", "open acc-900 carol"]] {
        let line = s.fails(args, 2);
        assert!(line.contains("table `model_snapshots` has no column `position`"), "{args:?}: {line}");
        assert!(line.contains("`chronicle rebuild` recreates it"), "{args:?}: {line}");
    }
    s.ok(&["rebuild"]);
    assert_eq!(open(&s, Access::Read).model_snapshot_list().expect("list"), []);
    s.exec("open acc-900 carol");
    s.ok(&["verify"]);
}

#[test]
fn a_version_3_postgres_store_is_read_as_it_is_and_migrated_by_a_write() {
    let Some(pg) = pg::Pg::demo(60) else { return };
    pg.sql(
        "DROP TABLE chronicle.model_snapshots; \
         UPDATE chronicle.meta SET value = '3' WHERE name = 'schema_version'",
    );
    let version = || pg.count("SELECT value::bigint FROM chronicle.meta WHERE name = 'schema_version'");
    let table =
        || pg.count("SELECT count(*) FROM pg_tables WHERE schemaname = 'chronicle' AND tablename = 'model_snapshots'");
    let log = pg.ok(&["log", "--json"]);
    pg.ok(&["verify"]);
    let read = chronicle::engines::open(pg.url(), Access::Read).expect("open to read");
    assert_eq!(read.model_snapshot_list().expect("list"), []);
    assert_eq!((version(), table()), (3, 0), "reading never migrates");
    pg.exec("open acc-900 carol");
    assert_eq!((version(), table()), (4, 1), "a writable open migrates");
    assert!(pg.ok(&["log", "--json"]).starts_with(&log));
    pg.ok(&["verify"]);
}
