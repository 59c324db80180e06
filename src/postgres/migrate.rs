//! Schema migrations of a writable open: a store of an older version is
//! brought to [`SCHEMA_VERSION`] in one transaction, under the store's
//! advisory lock (a crash or a failure leaves it at its old version, whole).
//! No event's hashed fields are rewritten.
//!
//! Version 2 (`sql/migrate_v2.sql`) added `events_correlation`, the index
//! `log --correlation` reads by, on an expression of the metadata. Version 3
//! (`sql/migrate_v3.sql`) made the correlation id a column written with each
//! event (backfilled from the metadata by a rewrite of the table, not an
//! `UPDATE`: the log stays append-only) and the index a plain one on it.
//! Version 4 (`sql/migrate_v4.sql`) added the derived table `model_snapshots`
//! (read-model snapshots). A read-only session never migrates: it reads a
//! version 1, 2 or 3 store as it is (read.rs, model.rs).

use std::path::PathBuf;

use postgres::Client;
use postgres::error::SqlState;

use super::connect::{SCHEMA_VERSION, lock_key};
use super::error::{one_line, store_error};
use super::url::Target;
use crate::es::StoreError;

/// Version 1 → 2. Also run right after `schema.sql` when a store is created,
/// so a created store and a migrated one are the same.
pub const V2: &str = include_str!("sql/migrate_v2.sql");

/// Version 2 → 3. Also run right after [`V2`] when a store is created.
pub const V3: &str = include_str!("sql/migrate_v3.sql");

/// Version 3 → 4's version number. Its table, `model_snapshots`, is a
/// derived one (`shape::DERIVED`): a created store gets it with the others,
/// and [`run`] creates it right before this ([`V4_STEP`]).
pub const V4: &str = include_str!("sql/migrate_v4.sql");

/// Version 3 → 4 on an existing store: the table, then the version.
const V4_STEP: &str = concat!(include_str!("sql/model_snapshots.sql"), "\n", include_str!("sql/migrate_v4.sql"));

/// Brings the store to [`SCHEMA_VERSION`] if it is older (the version is
/// read again under the lock: another process may have migrated it since
/// the caller looked).
///
/// # Errors
/// The server's failures; a role that may not alter `events` is
/// [`StoreError::ReadOnly`], saying what to do.
pub fn run(client: &mut Client, target: &Target) -> Result<(), StoreError> {
    let mut tx = client.transaction().map_err(store_error)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&lock_key(&target.schema)]).map_err(store_error)?;
    let row = tx.query_opt("SELECT value FROM meta WHERE name = 'schema_version'", &[]).map_err(store_error)?;
    let version = row.and_then(|r| r.get::<_, String>(0).parse::<i64>().ok()).unwrap_or(SCHEMA_VERSION);
    if version >= SCHEMA_VERSION {
        return Ok(()); // dropping `tx` ends it, having changed nothing
    }
    let steps = [(2, V2), (3, V3), (4, V4_STEP)];
    let sql: Vec<&str> = steps.iter().filter(|(to, _)| version < *to).map(|(_, sql)| *sql).collect();
    tx.batch_execute(&sql.join("\n")).map_err(|e| match e.code() {
        Some(c) if *c == SqlState::INSUFFICIENT_PRIVILEGE => StoreError::ReadOnly {
            path: PathBuf::from(&target.display),
            reason: format!(
                "the store is at schema version {version} and this role may not migrate it to {SCHEMA_VERSION} \
                 (open it once as its owner, or read it with a read-only command): {}",
                one_line(&e)
            ),
        },
        _ => store_error(e),
    })?;
    tx.commit().map_err(store_error)?;
    tracing::info!(from = version, to = SCHEMA_VERSION, "store schema migrated");
    Ok(())
}
