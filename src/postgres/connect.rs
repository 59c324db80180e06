//! Connecting: one line naming the server and what failed; the schema
//! created (once, under the advisory lock) or checked; read-only sessions.

use std::path::PathBuf;

use postgres::error::SqlState;
use postgres::{Client, NoTls};

use super::error::{one_line, store_error};
use super::url::Target;
use crate::es::StoreError;
use crate::es::backend::{Access, BackendKind};

/// Store schema version this build writes and reads (a writable open
/// migrates an older store: see `migrate.rs`).
pub const SCHEMA_VERSION: i64 = 4;

const SCHEMA: &str = include_str!("sql/schema.sql");

/// Opens a session on `target`'s server: the search path set to the store's
/// schema only, read-only sessions for [`Access::Read`].
pub fn connect(target: &Target, access: Access) -> Result<Client, StoreError> {
    let mut client = target.config.connect(NoTls).map_err(|e| connect_error(target, &e))?;
    let mut setup = format!("SET search_path TO {}", quote(&target.schema));
    if access == Access::Read {
        setup.push_str("; SET default_transaction_read_only = on");
    }
    client.batch_execute(&setup).map_err(store_error)?;
    Ok(client)
}

/// `"name"` (names are checked to be `[a-z0-9_]`, this doubles any quote anyway).
#[must_use]
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A failed connect as one line: the server, then what failed.
fn connect_error(target: &Target, e: &postgres::Error) -> StoreError {
    let path = PathBuf::from(&target.display);
    let what = match e.code() {
        Some(c) if *c == SqlState::INVALID_CATALOG_NAME => format!(
            "the database {:?} does not exist on the PostgreSQL server at {} (create it with `createdb`)",
            target.config.get_dbname().unwrap_or(""),
            target.server
        ),
        Some(c) if *c == SqlState::INVALID_PASSWORD || *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION => {
            format!("the PostgreSQL server at {} refused the login: {}", target.server, one_line(e))
        }
        Some(_) => format!("cannot connect to the PostgreSQL server at {}: {}", target.server, one_line(e)),
        // The socket's own error (refused, unknown host, timeout) says it all.
        None => {
            let cause = std::error::Error::source(e).map_or_else(|| e.to_string(), ToString::to_string);
            format!("cannot connect to the PostgreSQL server at {}: {cause}", target.server)
        }
    };
    // A server that is down, starting or full may be back soon (a follower
    // retries those); a missing database or a refused login will not be.
    let kind = match super::error::kind_of(e, false) {
        _ if e.code().is_none() => BackendKind::Unreachable,
        kind @ (BackendKind::Unreachable | BackendKind::Busy) => kind,
        _ => return StoreError::Access { path, reason: what },
    };
    StoreError::Backend { kind, message: what, source: Box::new(clone_msg(e)) }
}

/// The connect error's text as a source (the `postgres` error is not `Clone`).
fn clone_msg(e: &postgres::Error) -> std::io::Error {
    std::io::Error::other(one_line(e))
}

/// The stable advisory-lock key of a schema's store (FNV-1a of its name).
#[must_use]
pub fn lock_key(schema: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in "chronicle:".bytes().chain(schema.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    i64::from_ne_bytes(h.to_ne_bytes())
}

/// The schema's state as found.
enum Found {
    /// No schema, or an empty one.
    Absent,
    /// chronicle's, at this version.
    Version(i64),
    /// A schema that holds tables but no chronicle `meta`.
    Foreign,
}

fn examine(client: &mut Client, schema: &str) -> Result<Found, StoreError> {
    let meta = client
        .query_one("SELECT to_regclass(format('%I.meta', $1::text)) IS NOT NULL", &[&schema])
        .map_err(store_error)?;
    if meta.get::<_, bool>(0) {
        let row = client.query_opt("SELECT value FROM meta WHERE name = 'schema_version'", &[]).map_err(store_error)?;
        let version = row.and_then(|r| r.get::<_, String>(0).parse::<i64>().ok());
        return Ok(version.map_or(Found::Foreign, Found::Version));
    }
    let tables: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1",
            &[&schema],
        )
        .map_err(store_error)?
        .get(0);
    Ok(if tables == 0 { Found::Absent } else { Found::Foreign })
}

/// Creates the schema when absent (Create, Repair) and checks its version
/// and tables; returns the derived tables a Repair open recreated.
pub fn init_schema(client: &mut Client, target: &Target, access: Access) -> Result<Vec<&'static str>, StoreError> {
    let path = || PathBuf::from(&target.display);
    let check = |found: Found| match found {
        Found::Version(v) if v > SCHEMA_VERSION => {
            Err(StoreError::NewerSchema { path: path(), found: v, supported: SCHEMA_VERSION })
        }
        Found::Version(v) if v < 1 => {
            Err(StoreError::NotAStore { path: path(), reason: format!("unknown store schema version {v}") })
        }
        Found::Foreign => Err(StoreError::NotAStore {
            path: path(),
            reason: format!(
                "the schema {:?} holds tables that are not chronicle's (choose another with ?schema=NAME)",
                target.schema
            ),
        }),
        _ => Ok(()),
    };
    let found = examine(client, &target.schema)?;
    // A read-only session reads an older store as it is (no migration).
    let mut version = if let Found::Version(v) = found { v } else { SCHEMA_VERSION };
    match found {
        Found::Absent if access == Access::Read => Err(StoreError::NotFound { path: path() }),
        // Tables but no `meta` may be a store another process is creating
        // right now (its tables commit an instant before this look): decide
        // under the store's lock, where that creation has ended.
        Found::Absent | Found::Foreign if access != Access::Read => {
            if create(client, target)? {
                check(Found::Foreign)
            } else {
                Ok(())
            }
        }
        found => check(found),
    }?;
    if access != Access::Read {
        // Another process may have created it meanwhile: check what is there.
        let found = examine(client, &target.schema)?;
        let older = matches!(found, Found::Version(v) if v < SCHEMA_VERSION);
        check(found)?;
        if older {
            super::migrate::run(client, target)?;
        }
        version = SCHEMA_VERSION;
    }
    super::shape::check(client, target, access, version)
}

/// Creates the schema and its tables in one transaction, under the store's
/// advisory lock: two processes creating at once both succeed. Returns true,
/// creating nothing, when the schema holds tables that are not a store.
fn create(client: &mut Client, target: &Target) -> Result<bool, StoreError> {
    let mut tx = client.transaction().map_err(store_error)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&lock_key(&target.schema)]).map_err(store_error)?;
    tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {}", quote(&target.schema))).map_err(store_error)?;
    let exists = tx
        .query_one("SELECT to_regclass(format('%I.meta', $1::text)) IS NOT NULL", &[&target.schema])
        .map_err(store_error)?
        .get::<_, bool>(0);
    if !exists {
        let others: i64 = tx
            .query_one(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1",
                &[&target.schema],
            )
            .map_err(store_error)?
            .get(0);
        if others > 0 {
            return Ok(true);
        }
        let derived: String = super::shape::DERIVED.iter().map(|(_, sql)| *sql).collect::<Vec<_>>().join("\n");
        let steps = [super::migrate::V2, super::migrate::V3, super::migrate::V4].join("\n");
        tx.batch_execute(&format!("{SCHEMA}\n{steps}\n{derived}")).map_err(|e| match e.code() {
            Some(c) if *c == SqlState::INSUFFICIENT_PRIVILEGE => StoreError::ReadOnly {
                path: PathBuf::from(&target.display),
                reason: format!("this role may not create the schema's tables: {}", one_line(&e)),
            },
            _ => store_error(e),
        })?;
    }
    tx.commit().map_err(store_error)?;
    Ok(false)
}
