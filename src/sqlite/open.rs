//! Opening a store safely: a file name taken literally, defensive settings,
//! read-only opens that never write, the schema checked against `schema.sql`.

use std::io::{ErrorKind, Read};
use std::path::Path;
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, MAIN_DB, OpenFlags, TransactionBehavior};

use crate::es::backend::Access;
use crate::es::store::StoreError;

mod migrate;
mod path;
mod read;
mod shape;

/// Store schema version this build writes and reads (it also reads versions
/// 1 and 2, and a writable open migrates an older file: see [`migrate`]).
pub const SCHEMA_VERSION: i64 = 3;
/// `PRAGMA application_id` of chronicle stores ("CHRN").
pub const APPLICATION_ID: i64 = 0x4348_524E;
const SCHEMA: &str = include_str!("sql/schema.sql");
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// How long a writer waits for another process's write lock.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// Opens the store at `path` (a file name, whatever it spells: see
/// [`path::file_path`]). Returns the derived tables `Access::Repair` recreated.
pub(super) fn open(path: &Path, access: Access) -> Result<(Connection, Vec<&'static str>), StoreError> {
    let abs = path::file_path(path)?;
    let len = examine(path, &abs)?;
    if access == Access::Read {
        return read::open_read(path, &abs, len).map(|c| (c, Vec::new()));
    }
    if len.is_none() {
        // Created here rather than by SQLite, whose error would not say why.
        create_file(path, &abs)?;
    }
    // No SQLITE_OPEN_URI, and an absolute name: nothing in it is an option.
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_CREATE;
    let mut conn = Connection::open_with_flags(&abs, flags).map_err(|e| failure(path, &abs, len.is_some(), e))?;
    if conn.is_readonly(MAIN_DB)? {
        return Err(StoreError::ReadOnly {
            path: path.to_owned(),
            reason: "no permission to write the file".to_owned(),
        });
    }
    harden(&conn).map_err(|e| failure(path, &abs, true, e))?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(64);
    let recreated = init_schema(&mut conn, path, &abs, access == Access::Repair)?;
    Ok((conn, recreated))
}

/// Creates the store's file empty (another process creating it first is fine).
fn create_file(path: &Path, abs: &Path) -> Result<(), StoreError> {
    match std::fs::OpenOptions::new().write(true).create_new(true).open(abs) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::Access {
            path: path.to_owned(),
            reason: if e.kind() == ErrorKind::PermissionDenied {
                format!("permission denied: cannot create a file in {}", path::parent(abs).display())
            } else {
                format!("cannot create it: {e}")
            },
        }),
    }
}

/// What the file system says about the store's file before SQLite opens it:
/// its length, `None` when absent. A missing directory, a directory given as
/// the store, a file that cannot be read or is not SQLite are errors.
fn examine(path: &Path, abs: &Path) -> Result<Option<u64>, StoreError> {
    let access = |reason: String| StoreError::Access { path: path.to_owned(), reason };
    let dir = path::parent(abs);
    match std::fs::metadata(abs) {
        Err(e) if e.kind() == ErrorKind::NotFound => match std::fs::metadata(dir) {
            Ok(m) if m.is_dir() => Ok(None),
            Ok(_) => Err(access(format!("{} is not a directory", dir.display()))),
            Err(e) if e.kind() == ErrorKind::NotFound => {
                Err(access(format!("the directory {} does not exist", dir.display())))
            }
            Err(e) => Err(access(format!("cannot look into the directory {}: {e}", dir.display()))),
        },
        Err(e) if e.kind() == ErrorKind::PermissionDenied => {
            Err(access(format!("permission denied: cannot look into the directory {}", dir.display())))
        }
        Err(e) => Err(access(e.to_string())),
        Ok(m) if m.is_dir() => {
            Err(StoreError::NotAStore { path: path.to_owned(), reason: "it is a directory".to_owned() })
        }
        Ok(m) => {
            check_magic(abs).map_err(|(denied, reason)| {
                if denied { access(reason) } else { StoreError::NotAStore { path: path.to_owned(), reason } }
            })?;
            Ok(Some(m.len()))
        }
    }
}

/// An SQLite failure while opening, named for a person: the disk's (full,
/// I/O) as such, a lack of write access as [`StoreError::ReadOnly`], a file
/// that cannot be opened or created as [`StoreError::Access`], anything else
/// as not a usable store.
fn failure(path: &Path, abs: &Path, exists: bool, e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode::{CannotOpen, DiskFull, PermissionDenied, ReadOnly, SystemIoFailure};
    const READONLY_DIRECTORY: i32 = 1544; // SQLITE_READONLY_DIRECTORY
    let dir = path::parent(abs).display();
    match &e {
        rusqlite::Error::SqliteFailure(f, _) if matches!(f.code, DiskFull | SystemIoFailure) => StoreError::from(e),
        rusqlite::Error::SqliteFailure(f, _) if f.code == ReadOnly => StoreError::ReadOnly {
            path: path.to_owned(),
            reason: if f.extended_code == READONLY_DIRECTORY {
                format!(
                    "the directory {dir} is not writable, and SQLite keeps its -wal and -shm files next to the store"
                )
            } else {
                format!("no permission to write it ({e})")
            },
        },
        rusqlite::Error::SqliteFailure(f, _) if matches!(f.code, CannotOpen | PermissionDenied) => StoreError::Access {
            path: path.to_owned(),
            reason: if exists {
                format!("SQLite cannot open it or its -wal/-shm files in {dir} ({e}): check the permissions")
            } else {
                format!("cannot create it in {dir} ({e}): check the directory's permissions")
            },
        },
        _ => StoreError::NotAStore { path: path.to_owned(), reason: e.to_string() },
    }
}

/// An existing non-empty file must start with SQLite's magic header.
fn check_magic(path: &Path) -> Result<(), (bool, String)> {
    let cannot = |e: std::io::Error| {
        let denied = e.kind() == ErrorKind::PermissionDenied;
        (
            denied,
            if denied { "permission denied: cannot read the file".to_owned() } else { format!("cannot read it: {e}") },
        )
    };
    let mut f = std::fs::File::open(path).map_err(cannot)?;
    let mut head = [0u8; 16];
    let n = f.read(&mut head).map_err(cannot)?;
    if n == 0 {
        return Ok(()); // an empty file: a write makes it a store, a read refuses it
    }
    if n < 16 || &head != SQLITE_MAGIC {
        return Err((false, "not an SQLite database".to_owned()));
    }
    Ok(())
}

/// SQLite's settings for files that may not be ours: defensive mode, no
/// functions from the schema, no extension loading.
pub(super) fn harden(conn: &Connection) -> rusqlite::Result<()> {
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_VIEW, false)?;
    conn.pragma_update(None, "trusted_schema", false)?;
    stable_plans(conn)
}

/// The query planner's stability guarantee: a plan never depends on the
/// values bound. Without it, SQLite (3.5x) marks a statement with a
/// `column = ?` term to be re-planned when a bound value changes, and the
/// statement cache's clearing of bindings then expires it, so every cached
/// query was parsed and planned again on each use (a third of a stream load).
pub(super) fn stable_plans(conn: &Connection) -> rusqlite::Result<()> {
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    Ok(())
}

/// `user_version`, `application_id` and the number of schema objects.
fn read_header(conn: &Connection) -> rusqlite::Result<(i64, i64, i64)> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let app: i64 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
    Ok((version, app, tables))
}

/// The file's tables against `schema.sql` at `version`: the first difference
/// is the error.
fn check_shape(conn: &Connection, path: &Path, version: i64) -> Result<(), StoreError> {
    let found =
        shape::check(conn, version).map_err(|reason| StoreError::NotAStore { path: path.to_owned(), reason })?;
    if found.is_empty() { Ok(()) } else { Err(schema_error(path, &found)) }
}

/// The error for a schema that differs: the log's own problems first (those
/// `rebuild` cannot repair), with what to do.
fn schema_error(path: &Path, found: &[shape::Mismatch]) -> StoreError {
    let Some(m) = found.iter().find(|m| !m.repairable).or_else(|| found.first()) else {
        return StoreError::NotAStore { path: path.to_owned(), reason: "its schema differs".to_owned() };
    };
    let hint = if m.repairable {
        "changed outside chronicle; it is derived from the events: `chronicle rebuild` recreates it"
    } else {
        "changed outside chronicle; the event log's table must be exactly chronicle's: restore the file from a backup or an export"
    };
    StoreError::NotAStore { path: path.to_owned(), reason: format!("{} ({hint})", m.what) }
}

/// Journal settings, with a lack of write access named as such.
fn journal(conn: &Connection, path: &Path, abs: &Path) -> Result<(), StoreError> {
    set_journal(conn).map_err(|e| failure(path, abs, true, e))
}

fn init_schema(conn: &mut Connection, path: &Path, abs: &Path, repair: bool) -> Result<Vec<&'static str>, StoreError> {
    let not_a_store = |reason: String| StoreError::NotAStore { path: path.to_owned(), reason };
    let fail = |e| failure(path, abs, true, e);
    // One read transaction, so the three values come from one snapshot: read
    // one by one, another process creating the store in between would make a
    // new store look like a foreign one (tables, but no version yet).
    let snapshot = conn.transaction().map_err(fail)?;
    let (version, app, tables) = read_header(&snapshot).map_err(fail)?;
    snapshot.finish().map_err(fail)?;
    check_header(path, version, app, tables)?;
    if version > 0 {
        check_foreign_code(conn).map_err(not_a_store)?;
        journal(conn, path, abs)?;
        if version < SCHEMA_VERSION {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(fail)?;
            migrate::run(&tx, path)?;
            tx.commit().map_err(fail)?;
        }
        if !repair {
            check_shape(conn, path, SCHEMA_VERSION)?;
            return Ok(Vec::new());
        }
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(fail)?;
        let found = shape::check(&tx, SCHEMA_VERSION).map_err(not_a_store)?;
        let recreated = shape::repair(&tx, &found).map_err(|_| schema_error(path, &found))?;
        tx.commit()?;
        return Ok(recreated);
    }
    // A new store: create the schema under the write lock, re-checking in case
    // another process created it first. 16 KiB pages (set while the file is
    // still empty, before WAL mode; a no-op on a store another process just
    // created): bulk appends split index pages a quarter as often (demo and
    // import ~15% faster, files ~4% smaller; reads measured the same).
    conn.pragma_update(None, "page_size", PAGE_SIZE).map_err(fail)?;
    journal(conn, path, abs)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(fail)?;
    let (version, app, tables) = read_header(&tx)?;
    check_header(path, version, app, tables)?;
    if version == 0 {
        tx.execute_batch(SCHEMA)?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    } else {
        // Another process created it first (perhaps an older release).
        migrate::run(&tx, path)?;
        check_shape(&tx, path, SCHEMA_VERSION)?;
    }
    tx.commit()?;
    Ok(Vec::new())
}

/// Page size of new stores (existing stores keep theirs).
const PAGE_SIZE: i64 = 16_384;

/// The append-only triggers of the schema: name and the statement that
/// fires them (`BEFORE UPDATE ON events`, `BEFORE DELETE ON events`).
const APPEND_ONLY: [(&str, &str); 2] = [("events_no_update", "UPDATE"), ("events_no_delete", "DELETE")];

/// `sql` with every run of whitespace made one space, upper-cased: trigger
/// text compares equal however it was laid out.
fn normalize(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ").to_uppercase()
}

/// Whether the stored text of append-only trigger `name` is the schema's
/// (up to layout). `None` when `name` is not one of the two.
pub(super) fn trigger_is_schemas(name: &str, sql: &str) -> Option<bool> {
    APPEND_ONLY.iter().find(|(n, _)| *n == name)?;
    let start = SCHEMA.find(&format!("CREATE TRIGGER {name} "))?;
    let end = start + SCHEMA[start..].find("END;")? + 3;
    Some(normalize(&SCHEMA[start..end]) == normalize(sql))
}

/// Triggers and views run SQL from the file itself, inside our transactions
/// (an `AFTER INSERT ON events` trigger fires on every append), so a store
/// may hold none but the two append-only triggers, and those only as
/// `BEFORE UPDATE`/`BEFORE DELETE ON events`, which chronicle never issues
/// (whether their body is still the schema's is for `verify` to report).
fn check_foreign_code(conn: &Connection) -> Result<(), String> {
    let found = || -> rusqlite::Result<Vec<(String, String, Option<String>)>> {
        let mut stmt = conn.prepare("SELECT type, name, sql FROM sqlite_schema WHERE type IN ('trigger', 'view')")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect()
    };
    for (kind, name, sql) in found().map_err(|e| e.to_string())? {
        let sql = normalize(sql.as_deref().unwrap_or_default());
        let ours = kind == "trigger"
            && APPEND_ONLY.iter().any(|(n, on)| {
                *n == name && sql.starts_with(&format!("CREATE TRIGGER {} BEFORE {on} ON EVENTS ", n.to_uppercase()))
            });
        if !ours {
            return Err(format!(
                "it holds a {kind} `{}` that chronicle did not create (refusing to run SQL stored in the file)",
                name.escape_debug()
            ));
        }
    }
    Ok(())
}

fn check_header(path: &Path, version: i64, app: i64, tables: i64) -> Result<(), StoreError> {
    let not_a_store = |reason: String| StoreError::NotAStore { path: path.to_owned(), reason };
    if app != 0 && app != APPLICATION_ID {
        return Err(not_a_store(format!("an SQLite database of another application (application_id {app:#x})")));
    }
    if version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema { path: path.to_owned(), found: version, supported: SCHEMA_VERSION });
    }
    if version == 0 && tables > 0 {
        return Err(not_a_store("an SQLite database with tables of its own, not made by chronicle".to_owned()));
    }
    if version < 0 || (version > 0 && app != APPLICATION_ID) {
        return Err(not_a_store(format!("unknown schema version {version}")));
    }
    Ok(())
}

fn set_journal(conn: &Connection) -> rusqlite::Result<()> {
    // Another connection creating the store at the same moment makes the
    // switch to WAL fail with SQLITE_BUSY, which the busy timeout does not
    // retry: retry it here, as long as the busy timeout would have waited.
    let mut waited = std::time::Duration::ZERO;
    let mode: String = loop {
        match conn.pragma_update_and_check(None, "journal_mode", "wal", |r| r.get(0)) {
            Err(rusqlite::Error::SqliteFailure(f, _))
                if f.code == rusqlite::ErrorCode::DatabaseBusy && waited < BUSY_TIMEOUT =>
            {
                std::thread::sleep(std::time::Duration::from_millis(10));
                waited += std::time::Duration::from_millis(10);
            }
            other => break other?,
        }
    };
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(mode, "store is not in WAL mode");
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    // 64 MiB of page cache: bulk appends touch many pages. Readers that
    // only scan (verify's segments, the TUI) lower it with `Store::set_cache_kib`.
    conn.pragma_update(None, "cache_size", -65_536)?;
    Ok(())
}
