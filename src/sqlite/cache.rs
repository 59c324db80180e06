//! The keyframe cache's storage (`crate::app::cache`): an SQLite file
//! chronicle owns, marked with its own application id, holding one header
//! row, frames by position and each frame interval's sums. A file that exists and is something else (not
//! SQLite, another application's database) is refused, never changed.

use std::path::Path;

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};

use crate::app::cache::{CacheFile, EachBack, EachFrame, EachSum, Header, IntervalBytes};

/// `application_id` of a cache file ("CHRK").
pub const CACHE_APPLICATION_ID: i64 = 0x4348_524B;

/// One cache file.
#[derive(Debug)]
pub struct SqliteCache {
    conn: Connection,
    /// The header text as last read or written here: a different one on
    /// disk means another process wrote the file meanwhile.
    seen: Option<String>,
}

fn err(e: &rusqlite::Error) -> String {
    e.to_string().replace(['\n', '\r'], " ")
}

/// Opens (or creates) the cache file at `path`.
///
/// # Errors
/// One line: the file cannot be opened or written, or is not a cache.
pub fn open(path: &Path) -> Result<SqliteCache, String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| err(&e))?;
    if conn.is_readonly(rusqlite::MAIN_DB).map_err(|e| err(&e))? {
        return Err("no permission to write the file".to_owned());
    }
    conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(|e| err(&e))?;
    super::open::stable_plans(&conn).map_err(|e| err(&e))?;
    let app: i64 = conn.pragma_query_value(None, "application_id", |r| r.get(0)).map_err(|e| err(&e))?;
    let tables: i64 = conn.query_row(include_str!("cache/count_tables.sql"), [], |r| r.get(0)).map_err(|e| err(&e))?;
    if app != CACHE_APPLICATION_ID {
        if app != 0 || tables != 0 {
            return Err("not a chronicle cache file (left as it is)".to_owned());
        }
        conn.pragma_update(None, "application_id", CACHE_APPLICATION_ID).map_err(|e| err(&e))?;
    }
    conn.execute_batch(include_str!("cache/schema.sql")).map_err(|e| err(&e))?;
    let mut cache = SqliteCache { conn, seen: None };
    cache.seen = cache.raw_header()?;
    Ok(cache)
}

impl SqliteCache {
    fn raw_header(&self) -> Result<Option<String>, String> {
        self.conn
            .query_row(include_str!("cache/select_header.sql"), [], |r| r.get::<_, String>(0))
            .optional()
            .map_err(|e| err(&e))
    }
}

impl CacheFile for SqliteCache {
    fn header(&self) -> Result<Option<Header>, String> {
        match self.raw_header()? {
            None => Ok(None),
            Some(text) => serde_json::from_str(&text).map(Some).map_err(|e| format!("its header does not parse: {e}")),
        }
    }

    fn frames(&self, each: &mut EachFrame<'_>) -> Result<(), String> {
        let mut stmt = self.conn.prepare(include_str!("cache/select_frames.sql")).map_err(|e| err(&e))?;
        let mut rows = stmt.query([]).map_err(|e| err(&e))?;
        while let Some(row) = rows.next().map_err(|e| err(&e))? {
            let p: i64 = row.get(0).map_err(|e| err(&e))?;
            let bytes = row.get_ref(1).map_err(|e| err(&e))?.as_bytes_or_null().map_err(|e| e.to_string())?;
            each(u64::try_from(p).unwrap_or(0), bytes.unwrap_or_default())?;
        }
        Ok(())
    }

    fn frames_back(&self, upto: u64, each: &mut EachBack<'_>) -> Result<(), String> {
        let mut stmt = self.conn.prepare(include_str!("cache/select_frames_back.sql")).map_err(|e| err(&e))?;
        let mut rows = stmt.query([i64::try_from(upto).unwrap_or(i64::MAX)]).map_err(|e| err(&e))?;
        while let Some(row) = rows.next().map_err(|e| err(&e))? {
            let p: i64 = row.get(0).map_err(|e| err(&e))?;
            let bytes = row.get_ref(1).map_err(|e| err(&e))?.as_bytes_or_null().map_err(|e| e.to_string())?;
            if !each(u64::try_from(p).unwrap_or(0), bytes.unwrap_or_default())? {
                break;
            }
        }
        Ok(())
    }

    fn reset(&mut self, header: &Header) -> Result<(), String> {
        let text = serde_json::to_string(header).map_err(|e| e.to_string())?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| err(&e))?;
        tx.execute_batch(include_str!("cache/reset.sql")).map_err(|e| err(&e))?;
        tx.execute(include_str!("cache/upsert_header.sql"), [&text]).map_err(|e| err(&e))?;
        tx.commit().map_err(|e| err(&e))?;
        self.seen = Some(text);
        Ok(())
    }

    fn head_frame(&self) -> Result<Option<Vec<u8>>, String> {
        self.conn
            .query_row(include_str!("cache/select_head.sql"), [], |r| r.get::<_, Vec<u8>>(0))
            .optional()
            .map_err(|e| err(&e))
    }

    fn sums(&self, after: u64, upto: u64, each: &mut EachSum<'_>) -> Result<(), String> {
        let mut stmt = self.conn.prepare(include_str!("cache/select_sums.sql")).map_err(|e| err(&e))?;
        let bound = |p: u64| i64::try_from(p).unwrap_or(i64::MAX);
        let mut rows = stmt.query([bound(after), bound(upto)]).map_err(|e| err(&e))?;
        while let Some(row) = rows.next().map_err(|e| err(&e))? {
            let (a, p): (i64, i64) = (row.get(0).map_err(|e| err(&e))?, row.get(1).map_err(|e| err(&e))?);
            let bytes = row.get_ref(2).map_err(|e| err(&e))?.as_bytes_or_null().map_err(|e| e.to_string())?;
            each(u64::try_from(a).unwrap_or(0), u64::try_from(p).unwrap_or(0), bytes.unwrap_or_default())?;
        }
        Ok(())
    }

    fn append(
        &mut self,
        header: &Header,
        frames: &[(u64, Vec<u8>)],
        sums: &[IntervalBytes],
        head: &[u8],
    ) -> Result<(), String> {
        let text = serde_json::to_string(header).map_err(|e| e.to_string())?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| err(&e))?;
        let now: Option<String> =
            tx.query_row(include_str!("cache/select_header.sql"), [], |r| r.get(0)).optional().map_err(|e| err(&e))?;
        if now != self.seen {
            return Err("another process wrote it meanwhile; left to that one".to_owned());
        }
        {
            let mut stmt = tx.prepare(include_str!("cache/insert_frame.sql")).map_err(|e| err(&e))?;
            for (p, bytes) in frames {
                stmt.execute(rusqlite::params![i64::try_from(*p).unwrap_or(i64::MAX), bytes]).map_err(|e| err(&e))?;
            }
        }
        {
            let mut stmt = tx.prepare(include_str!("cache/insert_sums.sql")).map_err(|e| err(&e))?;
            let bound = |p: u64| i64::try_from(p).unwrap_or(i64::MAX);
            for (after, end, bytes) in sums {
                stmt.execute(rusqlite::params![bound(*end), bound(*after), bytes]).map_err(|e| err(&e))?;
            }
        }
        tx.execute(include_str!("cache/upsert_head.sql"), [head]).map_err(|e| err(&e))?;
        tx.execute(include_str!("cache/upsert_header.sql"), [&text]).map_err(|e| err(&e))?;
        tx.commit().map_err(|e| err(&e))?;
        self.seen = Some(text);
        Ok(())
    }
}
