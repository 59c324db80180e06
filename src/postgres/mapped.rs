//! The PostgreSQL reader of logs other tools wrote: a database with no
//! chronicle store in the URL's schema but a table a preset recognises (or
//! `--map` names), read by position ranges (`source::Source`) for a
//! [`Ranged`] log. The session is read-only (`default_transaction_read_only`):
//! nothing is created in the database.
//!
//! Where to look: the URL's schema (`?schema=`, else `chronicle`), then
//! the schemas of the server's default `search_path` (usually `public`).

mod source;
mod sql;

use std::path::PathBuf;
use std::time::Duration;

use postgres::{Client, NoTls};

use super::conn::Conn;
use super::error::store_error;
use super::url::Target;
use crate::es::StoreError;
use crate::es::backend::{Access, Engine, Finding, ForeignSnapshot, Guards, Reads, Writes};
use crate::formats::ranged::Ranged;
use crate::formats::{Forced, Mapping, TableColumns};
use source::Source;
use sql::Types;

/// The tables of a schema and their columns.
const TABLES: &str = "SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns \
                      WHERE table_schema = $1 ORDER BY table_name, ordinal_position";

/// One read-only session on a foreign log.
pub struct PgMappedEngine {
    target: Target,
    log: Ranged<Source>,
}

impl std::fmt::Debug for PgMappedEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgMappedEngine").field("db", &self.target.display).finish_non_exhaustive()
    }
}

/// A read-only session without chronicle's search path.
fn session(target: &Target) -> Result<Client, StoreError> {
    let mut client = target.config.connect(NoTls).map_err(|e| StoreError::Access {
        path: PathBuf::from(&target.display),
        reason: format!("cannot connect to the PostgreSQL server at {}: {}", target.server, super::error::one_line(&e)),
    })?;
    client.batch_execute("SET default_transaction_read_only = on").map_err(store_error)?;
    Ok(client)
}

fn tables(client: &mut Client, schema: &str) -> Result<Vec<(TableColumns, Vec<String>)>, StoreError> {
    let mut out: Vec<(TableColumns, Vec<String>)> = Vec::new();
    for r in client.query(TABLES, &[&schema]).map_err(store_error)? {
        let (table, column, ty): (String, String, String) = (r.get(0), r.get(1), r.get(2));
        match out.last_mut() {
            Some((t, types)) if t.table == table => {
                t.columns.push(column);
                types.push(ty);
            }
            _ => out.push((TableColumns { table, columns: vec![column] }, vec![ty])),
        }
    }
    Ok(out)
}

/// The schemas to look in: the URL's, then the default search path's.
fn schemas(client: &mut Client, target: &Target) -> Result<Vec<String>, StoreError> {
    let row = client.query_one("SELECT current_schemas(false)::text[]", &[]).map_err(store_error)?;
    let mut out = vec![target.schema.clone()];
    out.extend(row.get::<_, Vec<String>>(0).into_iter().filter(|s| *s != target.schema));
    Ok(out)
}

/// What `url`'s database holds, for `engines::open`: a chronicle store or
/// nothing yet (`Ok(None)`), or the schema and mapping of a foreign log.
///
/// # Errors
/// [`StoreError::Access`] when `forced` names a format the database does
/// not hold; database failures (an unreachable server is `Ok(None)`).
pub fn recognise(target: &Target, forced: Option<Forced>) -> Result<Option<(String, Mapping)>, StoreError> {
    if forced == Some(Forced::Chronicle) {
        return Ok(None);
    }
    // A server that cannot be reached: the store's own open says so, in its words.
    let Ok(mut client) = session(target) else { return Ok(None) };
    let store = client
        .query_one("SELECT to_regclass(format('%I.meta', $1::text)) IS NOT NULL", &[&target.schema])
        .map_err(store_error)?
        .get::<_, bool>(0);
    let not = |reason: String| StoreError::Access { path: PathBuf::from(&target.display), reason };
    if store {
        return match forced {
            Some(f) => {
                Err(not(format!("it is a chronicle store, not {} {} log", crate::formats::article(f.name()), f.name())))
            }
            None => Ok(None),
        };
    }
    for schema in schemas(&mut client, target)? {
        let found: Vec<TableColumns> = tables(&mut client, &schema)?.into_iter().map(|(t, _)| t).collect();
        if let Some(m) = crate::formats::recognise(&found, forced, false) {
            return Ok(Some((schema, m)));
        }
    }
    match forced {
        Some(f) => Err(not(format!("it holds no {} log (no table with the columns that format writes)", f.name()))),
        None => Ok(None),
    }
}

/// Opens the foreign log in `schema` of `target` through `mapping`.
///
/// # Errors
/// [`StoreError::Foreign`] for any access but [`Access::Read`];
/// [`StoreError::NotAStore`] for a mapping naming a missing table or
/// column; database failures.
pub fn open(target: &Target, schema: &str, mapping: Mapping, access: Access) -> Result<PgMappedEngine, StoreError> {
    let engine = open_unchecked(target, schema, mapping, access)?;
    let findings = source::checks(&engine.log.source.conn, &engine.log.mapping, &engine.log.source.types)?;
    Ok(PgMappedEngine { log: Ranged::new(engine.log.source, engine.log.mapping, findings), ..engine })
}

/// As [`open`], where `--map` names the table: the URL's schema, else the
/// first of the default search path's that has it.
///
/// # Errors
/// As [`open`].
pub fn open_mapping(target: &Target, mapping: Mapping, access: Access) -> Result<PgMappedEngine, StoreError> {
    let mut client = session(target)?;
    let mut schema = target.schema.clone();
    for s in schemas(&mut client, target)? {
        if tables(&mut client, &s)?.iter().any(|(t, _)| t.table == mapping.table) {
            schema = s;
            break;
        }
    }
    open(target, &schema, mapping, access)
}

fn open_unchecked(
    target: &Target,
    schema: &str,
    mapping: Mapping,
    access: Access,
) -> Result<PgMappedEngine, StoreError> {
    if access != Access::Read {
        return Err(StoreError::Foreign { path: PathBuf::from(&target.display), format: mapping.format });
    }
    let mut client = session(target)?;
    let found = tables(&mut client, schema)?;
    let not = |reason: String| StoreError::NotAStore { path: PathBuf::from(&target.display), reason };
    let Some((t, types)) = found.iter().find(|(t, _)| t.table == mapping.table) else {
        return Err(not(format!(
            "the {} mapping names a table `{schema}.{}` the database does not have",
            mapping.format, mapping.table
        )));
    };
    for c in mapping.columns() {
        if !t.columns.iter().any(|have| have == c) {
            return Err(not(format!(
                "the {} mapping names a column `{}.{c}` the database does not have",
                mapping.format, mapping.table
            )));
        }
    }
    let payload =
        t.columns.iter().position(|c| *c == mapping.payload).and_then(|i| types.get(i)).map_or("", String::as_str);
    let types = Types { payload_bytes: payload == "bytea" };
    let source = Source::new(Conn::new(client, schema.to_owned()), &mapping, &types);
    Ok(PgMappedEngine { target: target.clone(), log: Ranged::new(source, mapping, Vec::new()) })
}

impl PgMappedEngine {
    /// One line per kind of thing the checks on open found (first position, how many).
    #[must_use]
    pub fn warnings(&self) -> Vec<String> {
        self.log.findings.iter().map(|f| format!("position {}: {}", f.position, f.what)).collect()
    }
}

impl Engine for PgMappedEngine {
    fn name(&self) -> &str {
        &self.target.display
    }

    fn reconnect(&self, access: Access) -> Result<Box<dyn Engine>, StoreError> {
        let engine = open_unchecked(&self.target, &self.log.source.conn.schema, self.log.mapping.clone(), access)?;
        let findings = self.log.findings.clone();
        Ok(Box::new(PgMappedEngine { log: Ranged::new(engine.log.source, engine.log.mapping, findings), ..engine }))
    }

    fn recreated(&self) -> &[&'static str] {
        &[]
    }

    fn reads(&self) -> &dyn Reads {
        &self.log
    }

    fn read_consistent(&self, f: &mut dyn FnMut(&dyn Reads) -> Result<(), StoreError>) -> Result<(), StoreError> {
        let conn = &self.log.source.conn;
        conn.batch("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
        conn.in_tx.set(true);
        let out = f(&self.log);
        conn.in_tx.set(false);
        let end = conn.batch(if out.is_ok() { "COMMIT" } else { "ROLLBACK" });
        out.and(end)
    }

    fn begin(&mut self) -> Result<Box<dyn Writes + '_>, StoreError> {
        Err(StoreError::Foreign { path: PathBuf::from(&self.target.display), format: self.log.mapping.format.clone() })
    }

    fn integrity_check(&self, _max: usize) -> Result<Vec<String>, StoreError> {
        Ok(Vec::new())
    }

    fn set_cache_kib(&self, _kib: u32) -> Result<(), StoreError> {
        Ok(())
    }

    fn guards(&self) -> Result<Guards, StoreError> {
        Ok(Guards::default())
    }

    fn wait_for_append(&self, head: u64, timeout: Duration) -> Result<(), StoreError> {
        self.log.wait_past(head, timeout)
    }

    fn format(&self) -> Option<&str> {
        Some(&self.log.mapping.format)
    }

    fn findings(&self) -> Vec<Finding> {
        self.log.findings.clone()
    }

    fn foreign_snapshots(&self) -> Result<Option<(String, u64)>, StoreError> {
        self.log.snapshot_table()
    }

    fn foreign_snapshot(&self, stream_id: &str, max_version: u64) -> Result<Option<ForeignSnapshot>, StoreError> {
        self.log.snapshot_at(stream_id, max_version)
    }
}
