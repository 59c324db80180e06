//! Handle-level settings and whole-file checks: read snapshots, the page
//! cache, SQLite's own integrity check; the streams index checked and
//! rebuilt.

use rusqlite::Connection;

use super::{Store, StoreError, WriteTx};
use crate::es::projection::{ColumnKind, TableSpec};

impl Store {
    /// Runs `f` inside one read transaction, so every read it makes sees the
    /// same committed state even while other processes append.
    ///
    /// # Errors
    /// Database failures, or `f`'s.
    pub fn read_snapshot<T, E: From<StoreError>>(&self, f: impl FnOnce(&Self) -> Result<T, E>) -> Result<T, E> {
        let tx = self.conn.unchecked_transaction().map_err(StoreError::from)?;
        let out = f(self);
        // Nothing was written: ending the read transaction cannot lose anything.
        drop(tx);
        out
    }

    /// Sets SQLite's page cache for this handle to `kib` KiB (64 MiB by
    /// default: right for bulk appends; a scanning reader needs far less, and
    /// every KiB of it ends up resident once the pages have been read).
    ///
    /// # Errors
    /// Database failures.
    pub fn set_cache_kib(&self, kib: u32) -> Result<(), StoreError> {
        self.conn.pragma_update(None, "cache_size", -i64::from(kib.max(64)))?;
        Ok(())
    }

    /// SQLite's `PRAGMA quick_check`: an empty list when the file's pages and
    /// indexes are sound, else SQLite's findings (at most `max`).
    ///
    /// # Errors
    /// Database failures (a file too damaged to check at all).
    pub fn quick_check(&self, max: usize) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare(&format!("PRAGMA quick_check({})", max.max(1)))?;
        let found: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
        Ok(if found.len() == 1 && found[0] == "ok" { Vec::new() } else { found })
    }
}

/// The `streams` index must agree with the events of `stream_id` before an
/// append relies on it: a row deleted or edited outside chronicle would make
/// the append fail on `UNIQUE(stream_id, version)` or leave a gap. One lookup
/// on that unique index.
pub(super) fn check_stream_index(conn: &Connection, stream_id: &str, indexed: u64) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached(include_str!("sql/select_stream_max_version.sql"))?;
    let stored: Option<i64> = stmt.query_row([stream_id], |r| r.get(0))?;
    let stored = stored.map_or(0, |v| u64::try_from(v).unwrap_or(0));
    if stored == indexed {
        Ok(())
    } else {
        Err(StoreError::StreamsIndex { stream_id: stream_id.to_owned(), indexed, stored })
    }
}

impl WriteTx<'_> {
    /// Derives the `streams` index again from the events (`rebuild`'s repair
    /// for rows deleted or edited outside chronicle). Returns how many
    /// streams' rows differed from the events (and were replaced).
    ///
    /// # Errors
    /// Database failures.
    pub fn rebuild_streams_index(&mut self) -> Result<u64, StoreError> {
        self.streams.clear();
        self.tx.execute_batch("DROP TABLE IF EXISTS temp.derived_streams")?;
        self.tx.execute_batch(include_str!("sql/rebuild_streams.sql"))?;
        let differing: i64 = self.tx.query_row(include_str!("sql/count_streams_differing.sql"), [], |r| r.get(0))?;
        if differing > 0 {
            self.tx.execute_batch(include_str!("sql/replace_streams.sql"))?;
        } else {
            self.tx.execute_batch("DROP TABLE temp.derived_streams")?;
        }
        Ok(u64::try_from(differing).unwrap_or(0))
    }
}

/// How a read-model table differs from its spec (as `rows.rs` creates it:
/// the spec's columns in order, `INTEGER` or `TEXT`), `None` when it does
/// not. A missing table is a problem only once rows were applied to it.
fn read_model_problem(conn: &Connection, spec: &TableSpec, applied: u64) -> Result<Option<String>, StoreError> {
    let mut stmt = conn.prepare("SELECT name, upper(type) FROM pragma_table_info(?1) ORDER BY cid")?;
    let have: Vec<(String, String)> =
        stmt.query_map([spec.name], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    let table = spec.name;
    if have.is_empty() {
        return Ok((applied > 0).then(|| format!("table `{table}` is missing")));
    }
    let want: Vec<(&str, &str)> =
        spec.columns.iter().map(|c| (c.name, if c.kind == ColumnKind::Integer { "INTEGER" } else { "TEXT" })).collect();
    if let Some((extra, _)) = have.iter().find(|(n, _)| !want.iter().any(|(w, _)| w == n)) {
        return Ok(Some(format!("table `{table}` has an extra column `{}`", extra.escape_debug())));
    }
    if let Some((missing, _)) = want.iter().find(|(w, _)| !have.iter().any(|(n, _)| n == w)) {
        return Ok(Some(format!("table `{table}` has no column `{missing}`")));
    }
    for ((n, ty), (w, wty)) in have.iter().zip(&want) {
        if n != w {
            return Ok(Some(format!("the columns of table `{table}` are not in chronicle's order")));
        }
        if ty != wty {
            return Ok(Some(format!(
                "column `{table}.{w}` is declared `{}`, chronicle declares `{wty}`",
                ty.escape_debug()
            )));
        }
    }
    Ok(None)
}

impl Store {
    /// How the read-model table `spec` differs from its spec, if it does
    /// (`applied`: the projection's checkpoint; a missing table is fine at 0).
    ///
    /// # Errors
    /// Database failures.
    pub fn read_model_problem(&self, spec: &TableSpec, applied: u64) -> Result<Option<String>, StoreError> {
        read_model_problem(&self.conn, spec, applied)
    }
}

impl WriteTx<'_> {
    /// Drops the read-model table `spec` when it differs from its spec
    /// (`rebuild`'s repair; the caller recreates it and resets its
    /// projection). Returns whether it did.
    ///
    /// # Errors
    /// Database failures; a table name that is not an identifier.
    pub fn drop_table_if_altered(&mut self, spec: &'static TableSpec) -> Result<bool, StoreError> {
        // At checkpoint 0 a missing table is no problem: only one that exists.
        if read_model_problem(&self.tx, spec, 0)?.is_none() {
            return Ok(false);
        }
        let name = spec.name;
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            return Err(StoreError::Damaged {
                what: format!("read model table `{}`", name.escape_debug()),
                reason: "not an identifier".to_owned(),
            });
        }
        self.tx.execute_batch(&format!("DROP TABLE \"{name}\""))?;
        Ok(true)
    }
}
