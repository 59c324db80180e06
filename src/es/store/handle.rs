//! Handle-level settings and whole-file checks: read snapshots, the page
//! cache, SQLite's own integrity check.

use super::{Store, StoreError};

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
