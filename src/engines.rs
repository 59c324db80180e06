//! Picks the engine a `--db` value names: a `postgres://` or
//! `postgresql://` URL is a PostgreSQL database, anything else the path of
//! an SQLite file. The only module that names both engines.
//!
//! An SQLite file that is not a chronicle store but holds a log another
//! tool wrote, in a layout a preset recognises (`crate::formats`), opens
//! read-only through the engine's mapped reader; [`force_format`] (the
//! CLI's `--format`) makes one format the only one tried, and
//! [`use_mapping`] (`--map FILE`) reads the file through the user's mapping.

use std::ffi::OsStr;
use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::es::backend::Access;
use crate::es::{Store, StoreError};
use crate::formats::{Forced, Mapping};

/// The format `--format` forced, for the process.
static FORCED: OnceLock<Forced> = OnceLock::new();

/// Makes every later open take `name`'s format (`chronicle`: never a
/// foreign log). Set once per process; a second call is ignored.
///
/// # Errors
/// One line listing the known formats, for an unknown name.
pub fn force_format(name: &str) -> Result<(), String> {
    let forced = Forced::parse(name)?;
    let _ = FORCED.set(forced);
    Ok(())
}

/// Whether opens of a foreign log leave its checks for later.
static DEFER_CHECKS: AtomicBool = AtomicBool::new(false);

/// Makes every later open of a foreign log skip the checks it gets on open
/// (a tie in the ordering column, version gaps, payloads that are not
/// JSON: whole-table scans) and print no warning: the caller runs them
/// later with `Store::check` (the TUI, in the background, so a long log's
/// first frame does not wait for them).
pub fn defer_checks() {
    DEFER_CHECKS.store(true, Ordering::Relaxed);
}

/// The mapping `--map` gave, for the process.
static MAPPING: OnceLock<Mapping> = OnceLock::new();

/// Makes every later open read `--db` through the mapping in `file` (see
/// `crate::formats::file`). Set once per process; a second call is ignored.
///
/// # Errors
/// One line naming the file and what is wrong with it.
pub fn use_mapping(file: &Path) -> Result<(), String> {
    let mapping = crate::formats::file::load(file)?;
    let _ = MAPPING.set(mapping);
    Ok(())
}

/// Opens an SQLite file: a chronicle store, or a foreign log recognised
/// (or forced). Warnings about a foreign log go to stderr, one line each.
fn open_sqlite(path: &Path, access: Access) -> Result<Store, StoreError> {
    if let Some(mapping) = MAPPING.get() {
        return open_mapped(path, mapping.clone(), access);
    }
    let forced = FORCED.get().copied();
    if forced == Some(Forced::Chronicle) {
        return crate::sqlite::open_store(path, access);
    }
    if forced.is_none() {
        match crate::sqlite::open_store(path, access) {
            Err(e @ StoreError::NotAStore { .. }) => match crate::sqlite::mapped::recognise(path, None) {
                Ok(Some(mapping)) => return open_mapped(path, mapping, access),
                _ => return Err(e),
            },
            other => return other,
        }
    }
    match crate::sqlite::mapped::recognise(path, forced)? {
        Some(mapping) => open_mapped(path, mapping, access),
        None => crate::sqlite::open_store(path, access),
    }
}

fn open_mapped(path: &Path, mapping: Mapping, access: Access) -> Result<Store, StoreError> {
    if DEFER_CHECKS.load(Ordering::Relaxed) {
        return Ok(Store::new(Box::new(crate::sqlite::mapped::open_unchecked(path, mapping, access)?)));
    }
    let engine = crate::sqlite::mapped::open(path, mapping, access)?;
    for w in engine.warnings() {
        tracing::warn!(db = %path.display(), "{w}");
        eprintln!("chronicle: warning: {}: {}", path.display(), w.replace(['\n', '\r'], " "));
    }
    Ok(Store::new(Box::new(engine)))
}

/// Opens a PostgreSQL database: a chronicle store (created for writing
/// when absent), or a foreign log a preset recognises (or `--map` names),
/// read-only. Looking costs one more session, made before anything could
/// be created.
fn open_postgres(db: &str, access: Access) -> Result<Store, StoreError> {
    use crate::postgres::mapped;
    let target = crate::postgres::Target::parse(db)?;
    let engine = if let Some(mapping) = MAPPING.get() {
        mapped::open_mapping(&target, mapping.clone(), access)?
    } else {
        match mapped::recognise(&target, FORCED.get().copied())? {
            Some((schema, mapping)) if DEFER_CHECKS.load(Ordering::Relaxed) => {
                return Ok(Store::new(Box::new(mapped::open_unchecked(&target, &schema, mapping, access)?)));
            }
            Some((schema, mapping)) => mapped::open(&target, &schema, mapping, access)?,
            None => return Ok(Store::new(Box::new(crate::postgres::PgEngine::open(target, access)?))),
        }
    };
    for w in engine.warnings() {
        tracing::warn!(db = %target.display, "{w}");
        eprintln!("chronicle: warning: {}: {}", target.display, w.replace(['\n', '\r'], " "));
    }
    Ok(Store::new(Box::new(engine)))
}

/// Opens (or creates) the keyframe cache file at `path` (kept in SQLite,
/// whatever engine the log is on).
///
/// # Errors
/// One line: the file cannot be opened or written, or is not a cache.
pub fn open_cache(path: &Path) -> Result<Box<dyn crate::app::cache::CacheFile>, String> {
    Ok(Box::new(crate::sqlite::cache::open(path)?))
}

/// Whether `db` names a PostgreSQL database (by its URL scheme).
#[must_use]
pub fn is_postgres(db: &str) -> bool {
    let lower = db.get(..13).unwrap_or(db).to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// Opens the store `db` names (see the module's documentation).
///
/// # Errors
/// As the engine's open: a store that is missing, foreign, newer,
/// unreadable or unreachable, each with one line saying why.
pub fn open(db: &str, access: Access) -> Result<Store, StoreError> {
    if is_postgres(db) {
        return open_postgres(db, access);
    }
    open_sqlite(Path::new(db), access)
}

/// As [`open`], for a `--db` value that may not be UTF-8 (which can only
/// be an SQLite file's path).
///
/// # Errors
/// As [`open`].
pub fn open_os(db: &OsStr, access: Access) -> Result<Store, StoreError> {
    match db.to_str() {
        Some(db) => open(db, access),
        None => open_sqlite(Path::new(db), access),
    }
}

/// `db` as messages and logs may show it: a URL without its password.
#[must_use]
pub fn redacted(db: &str) -> String {
    if !is_postgres(db) {
        return db.to_owned();
    }
    let Some((scheme, rest)) = db.split_once("://") else { return db.to_owned() };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((user, host)) => {
            let user = user.split_once(':').map_or(user, |(u, _)| u);
            format!("{scheme}://{user}@{host}{tail}")
        }
        None => db.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_postgres_url_is_not_a_file_name_and_its_password_stays_out_of_messages() {
        assert!(is_postgres("postgres://u@h/db") && is_postgres("PostgreSQL://h/db"));
        assert!(!is_postgres("postgres.db") && !is_postgres("./postgres://x"));
        let err = open("postgres://alice:s3cret@localhost:5432/db", Access::Read).unwrap_err().to_string();
        assert!(err.contains("postgres://alice@localhost:5432/db"), "{err}");
        assert!(!err.contains("s3cret"), "{err}");
        assert_eq!(redacted("./x://u:p@h/y"), "./x://u:p@h/y", "a file name is shown as it is");
    }
}
