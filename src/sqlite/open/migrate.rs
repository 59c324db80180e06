//! Schema migrations of a writable open: a file of an older version is
//! brought to [`SCHEMA_VERSION`] in the caller's write transaction, so a
//! crash leaves it at its old version, whole. Each step only adds what the
//! newer `schema.sql` has (indexes); no event is rewritten.
//!
//! Version 2 added `events_correlation`, the index `log --correlation`
//! reads by. A read-only open never migrates: it reads a version 1 file as
//! it is (those reads scan the log).

use std::path::Path;

use rusqlite::Transaction;

use super::{SCHEMA_VERSION, read_header, schema_error, shape};
use crate::es::store::StoreError;

/// The statements version 2 added to `schema.sql` (its only difference from
/// version 1), found by their heads so they are written once, there.
pub(super) const ADDED_IN_V2: [&str; 1] = ["CREATE INDEX events_correlation "];

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
    for head in ADDED_IN_V2 {
        let sql = shape::statement(head).ok_or_else(|| StoreError::NotAStore {
            path: path.to_owned(),
            reason: format!("the built-in schema has no `{}`", head.trim_end()),
        })?;
        tx.execute_batch(&sql.replacen("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1))?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tracing::info!(from = version, to = SCHEMA_VERSION, "store schema migrated");
    Ok(())
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::*;

    fn v1(extra: &str) -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(&shape::schema_at(1)).unwrap();
        conn.execute_batch(extra).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn
    }

    fn version(conn: &Connection) -> i64 {
        conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap()
    }

    #[test]
    fn a_version_1_schema_becomes_version_2_and_a_second_run_changes_nothing() {
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
}
