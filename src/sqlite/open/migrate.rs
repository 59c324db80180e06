//! Schema migrations of a writable open: a file of an older version is
//! brought to [`SCHEMA_VERSION`] in the caller's write transaction, so a
//! crash leaves it at its old version, whole. Each step only adds what the
//! newer `schema.sql` has (an index, a derived table); no event is rewritten.
//!
//! Version 2 added `events_correlation`, the index `log --correlation`
//! reads by; version 3 the `model_snapshots` table (read-model snapshots). A
//! read-only open never migrates: it reads an older file as it is (a version
//! 1 file's reads by correlation scan the log, a version 2 file has no
//! read-model snapshots).

use std::path::Path;

use rusqlite::Transaction;

use super::{SCHEMA_VERSION, read_header, schema_error, shape};
use crate::es::store::StoreError;

/// The statements each version added to `schema.sql` (its only differences
/// from the version before), found by their heads so they are written once,
/// there.
pub(super) const ADDED: [(i64, &[&str]); 2] =
    [(2, &["CREATE INDEX events_correlation "]), (3, &["CREATE TABLE model_snapshots "])];

/// The statements of `schema.sql` a file of `version` lacks, in order.
pub(super) fn added_after(version: i64) -> impl Iterator<Item = &'static str> {
    ADDED.iter().filter(move |(v, _)| *v > version).flat_map(|(_, heads)| heads.iter().copied())
}

/// `sql` (a `CREATE INDEX` or `CREATE TABLE`) as a no-op where the object exists.
fn if_not_exists(sql: &str) -> String {
    sql.replacen("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1).replacen(
        "CREATE TABLE",
        "CREATE TABLE IF NOT EXISTS",
        1,
    )
}

/// Brings the file to [`SCHEMA_VERSION`], inside `tx` (which holds the write
/// lock: another process may have migrated it since the caller looked, so
/// the version is read again). A file whose event log differs from its
/// version's is refused as [`super::check_shape`] would, untouched; a
/// derived table that differs is left for the checks that follow.
pub(super) fn run(tx: &Transaction<'_>, path: &Path) -> Result<(), StoreError> {
    let (version, _, _) = read_header(tx)?;
    if version >= SCHEMA_VERSION {
        return Ok(());
    }
    let found = shape::check(tx, version).map_err(|reason| StoreError::NotAStore { path: path.to_owned(), reason })?;
    if found.iter().any(|m| !m.repairable) {
        return Err(schema_error(path, &found));
    }
    for head in added_after(version) {
        let sql = shape::statement(head).ok_or_else(|| StoreError::NotAStore {
            path: path.to_owned(),
            reason: format!("the built-in schema has no `{}`", head.trim_end()),
        })?;
        tx.execute_batch(&if_not_exists(sql))?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tracing::info!(from = version, to = SCHEMA_VERSION, "store schema migrated");
    Ok(())
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::*;

    fn at(version: i64, extra: &str) -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(&shape::schema_at(version)).unwrap();
        conn.execute_batch(extra).unwrap();
        conn.pragma_update(None, "user_version", version).unwrap();
        conn
    }

    fn v1(extra: &str) -> Connection {
        at(1, extra)
    }

    fn has_model_snapshots(conn: &Connection) -> bool {
        let sql = "SELECT count(*) FROM sqlite_schema WHERE name = 'model_snapshots'";
        conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap() == 1
    }

    fn version(conn: &Connection) -> i64 {
        conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap()
    }

    #[test]
    fn a_version_1_schema_becomes_the_current_one_and_a_second_run_changes_nothing() {
        let mut conn = v1("");
        for _ in 0..2 {
            let tx = conn.transaction().unwrap();
            run(&tx, Path::new("s.db")).unwrap();
            tx.commit().unwrap();
            assert_eq!(version(&conn), SCHEMA_VERSION);
            assert_eq!(shape::check(&conn, SCHEMA_VERSION).unwrap(), Vec::new());
        }
    }

    #[test]
    fn a_changed_event_log_is_refused_and_left_at_version_1() {
        let mut conn = v1("ALTER TABLE events ADD COLUMN x TEXT");
        let tx = conn.transaction().unwrap();
        let err = run(&tx, Path::new("s.db")).unwrap_err();
        drop(tx);
        assert!(err.to_string().contains("extra column `x`"), "{err}");
        assert_eq!(version(&conn), 1);
    }

    #[test]
    fn a_version_2_schema_gains_the_model_snapshots_table() {
        let mut conn = at(2, "");
        assert!(!has_model_snapshots(&conn));
        assert_eq!(shape::check(&conn, 2).unwrap(), Vec::new(), "version 2 as version 2 made it");
        let tx = conn.transaction().unwrap();
        run(&tx, Path::new("s.db")).unwrap();
        tx.commit().unwrap();
        assert_eq!(version(&conn), 3);
        assert!(has_model_snapshots(&conn));
        assert_eq!(shape::check(&conn, SCHEMA_VERSION).unwrap(), Vec::new());
    }

    #[test]
    fn a_version_2_file_with_a_model_snapshots_table_of_its_own_is_named() {
        let mut conn = at(2, "CREATE TABLE model_snapshots (projection TEXT, body TEXT)");
        let found = shape::check(&conn, 2).unwrap();
        assert!(!found.is_empty() && found.iter().all(|m| m.table == "model_snapshots" && m.repairable), "{found:?}");
        let tx = conn.transaction().unwrap();
        run(&tx, Path::new("s.db")).unwrap();
        tx.commit().unwrap();
        let found = shape::check(&conn, SCHEMA_VERSION).unwrap();
        assert!(found.iter().any(|m| m.what == "table `model_snapshots` has no column `position`"), "{found:?}");
    }
}
