//! Handle-level settings and whole-store checks: read snapshots, the page
//! cache, the engine's own integrity check; the streams index checked and
//! rebuilt; read-model tables checked against their specs.

use super::{Store, StoreError, WriteTx};
use crate::es::projection::TableSpec;

impl Store {
    /// Runs `f` inside one read transaction, so every read it makes sees the
    /// same committed state even while other processes append.
    ///
    /// # Errors
    /// Database failures, or `f`'s.
    pub fn read_snapshot<T, E: From<StoreError>>(&self, f: impl FnOnce(&Self) -> Result<T, E>) -> Result<T, E> {
        let mut f = Some(f);
        let mut out: Option<Result<T, E>> = None;
        let done = self.engine.read_consistent(&mut |_| {
            if let Some(f) = f.take() {
                out = Some(f(self));
            }
            Ok(())
        });
        match out {
            Some(out) => {
                done?;
                out
            }
            None => Err(E::from(done.err().unwrap_or_else(|| StoreError::Damaged {
                what: "a read transaction".to_owned(),
                reason: "the engine did not run it".to_owned(),
            }))),
        }
    }

    /// Sets the engine's page cache for this handle to `kib` KiB (a hint:
    /// bulk appends want a large one, a scanning reader far less).
    ///
    /// # Errors
    /// Database failures.
    pub fn set_cache_kib(&self, kib: u32) -> Result<(), StoreError> {
        self.engine.set_cache_kib(kib)
    }

    /// The engine's own integrity check (SQLite's `PRAGMA quick_check`): an
    /// empty list when sound, else the findings (at most `max`).
    ///
    /// # Errors
    /// Database failures (a store too damaged to check at all).
    pub fn integrity_check(&self, max: usize) -> Result<Vec<String>, StoreError> {
        self.engine.integrity_check(max)
    }

    /// How the read-model table `spec` differs from its spec, if it does
    /// (`applied`: the projection's checkpoint; a missing table is fine at 0).
    ///
    /// # Errors
    /// Database failures.
    pub fn read_model_problem(&self, spec: &TableSpec, applied: u64) -> Result<Option<String>, StoreError> {
        self.reads().read_model_problem(spec, applied)
    }
}

/// The `streams` index must agree with the events of `stream_id` before an
/// append relies on it: a row deleted or edited outside chronicle would make
/// the append fail on the unique `(stream_id, version)` or leave a gap.
/// `stored` is the highest version among the stream's events.
pub(super) fn check_stored_version(stream_id: &str, indexed: u64, stored: u64) -> Result<(), StoreError> {
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
        self.w.rebuild_streams_index()
    }

    /// Drops the read-model table `spec` when it differs from its spec
    /// (`rebuild`'s repair; the caller recreates it and resets its
    /// projection). Returns whether it did.
    ///
    /// # Errors
    /// Database failures; a table name that is not an identifier.
    pub fn drop_table_if_altered(&mut self, spec: &'static TableSpec) -> Result<bool, StoreError> {
        self.w.drop_table_if_altered(spec)
    }
}
