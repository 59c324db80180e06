//! Opening a store for reading: never a write, a creation or a conversion,
//! and a store the user may only read still opens.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use super::{BUSY_TIMEOUT, SCHEMA, check_foreign_code, check_header, check_shape, failure, harden, path, read_header};
use crate::es::store::StoreError;

/// Opens an existing store without ever writing to it. A writable file is
/// opened read-write with `query_only` on, so every write statement fails and
/// closing it removes the `-wal`/`-shm` files as usual (a read-only handle
/// would leave them behind). A store SQLite can only read (a read-only file,
/// or a directory where its `-shm` cannot be created) is opened read-only,
/// and as immutable when even that fails, unless its write-ahead log holds
/// changes (which only a handle that can create `-shm` may read).
pub(super) fn open_read(path: &Path, abs: &Path, len: Option<u64>) -> Result<Connection, StoreError> {
    let not_a_store = |reason: &str| StoreError::NotAStore { path: path.to_owned(), reason: reason.to_owned() };
    match len {
        None => return Err(StoreError::NotFound { path: path.to_owned() }),
        Some(0) => return empty_store().map_err(|e| failure(path, abs, true, e)),
        Some(_) => {}
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let header = match reader(abs, flags, None) {
        Err(e) if can_only_read(&e) => {
            let wal = PathBuf::from(format!("{}-wal", abs.display()));
            if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
                return Err(StoreError::ReadOnly {
                    path: path.to_owned(),
                    reason: format!(
                        "its write-ahead log {} holds changes that can only be read by a user who may write in {} ({e})",
                        wal.display(),
                        path::parent(abs).display()
                    ),
                });
            }
            match path::immutable_uri(abs) {
                Some(uri) => reader(
                    Path::new(&uri),
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
                    Some(e),
                ),
                None => Err(e),
            }
        }
        other => other,
    };
    let (conn, (version, app, tables)) = header.map_err(|e| failure(path, abs, true, e))?;
    check_header(path, version, app, tables)?;
    if version == 0 {
        // An SQLite file with nothing in it (`check_header` refused one with
        // tables of its own), such as a store being created by a writer
        // right now: as empty as an empty file, and left as it is.
        return empty_store().map_err(|e| failure(path, abs, true, e));
    }
    check_foreign_code(&conn).map_err(|r| not_a_store(&r))?;
    // An older file is read as it is (a read never migrates): a version 1
    // file's reads by correlation scan the log instead of using version 2's
    // index; a version 2 file holds no read-model snapshots (model.rs).
    check_shape(&conn, path, version)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(64);
    conn.pragma_update(None, "cache_size", -65_536)?;
    Ok(conn)
}

/// An empty file reads as an empty store, without being made one: a
/// private in-memory database with the schema (ours, never a user's name),
/// read-only like any reading handle.
fn empty_store() -> rusqlite::Result<Connection> {
    let conn = Connection::open_in_memory()?;
    harden(&conn)?;
    conn.execute_batch(SCHEMA)?;
    conn.pragma_update(None, "query_only", true)?;
    Ok(conn)
}

/// A hardened handle opened with `flags` and the header read through it.
/// `earlier` is the error of a previous attempt, reported if this one fails too.
fn reader(
    name: &Path,
    flags: OpenFlags,
    earlier: Option<rusqlite::Error>,
) -> rusqlite::Result<(Connection, (i64, i64, i64))> {
    let attempt = || -> rusqlite::Result<(Connection, (i64, i64, i64))> {
        let mut conn = Connection::open_with_flags(name, flags)?;
        harden(&conn)?;
        conn.pragma_update(None, "query_only", true)?;
        let snapshot = conn.transaction()?;
        let header = read_header(&snapshot)?;
        snapshot.finish()?;
        Ok((conn, header))
    };
    attempt().map_err(|e| earlier.unwrap_or(e))
}

/// Whether SQLite refused a read for lack of write access (to the file, or
/// to the directory where the `-shm` file must be created).
fn can_only_read(e: &rusqlite::Error) -> bool {
    use rusqlite::ErrorCode::{CannotOpen, ReadOnly};
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if matches!(f.code, ReadOnly | CannotOpen))
}
