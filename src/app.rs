//! The application layer: one facade, [`Chronicle`], over a store and the
//! domain registry, with the write side (command bus), the read side
//! (queries), time travel (timeline), verification, import/export and the
//! demo driver (the registry's seeder says what to write).

pub mod actor;
pub mod bus;
pub mod cache;
pub mod causation;
pub mod copy;
pub mod debug;
pub mod demo;
pub mod diff;
pub mod error;
pub mod exchange;
pub mod models;
pub mod overview;
pub mod projector;
pub mod query;
pub mod repository;
pub mod timeline;
pub mod verify;
pub mod whatif;

use std::ffi::OsStr;
use std::sync::Arc;

pub use bus::{ExecOptions, Outcome};
pub use error::AppError;
pub use timeline::{Timeline, World};

use crate::domain::Registry;
use crate::es::{Access, Store};

/// Tunable settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Take a snapshot of a stream each time its version crosses a multiple of
    /// this. 50: the time machine loads the shown state from the latest
    /// snapshot at the cursor on every move, so at most 49 events are folded
    /// (step p99 at 1M: 0.36 ms, against 0.78 ms at 100; see BENCHMARKS.md).
    pub snapshot_every: u64,
    /// The timeline keeps a keyframe every this many events: a jump folds
    /// at most this many events (env `CHRONICLE_KEYFRAME_EVERY`).
    pub keyframe_every: u64,
    /// The timeline keeps at most this many keyframes; past it the interval
    /// doubles and every other one is dropped (env `CHRONICLE_MAX_KEYFRAMES`).
    /// A keyframe holds only what changed since the one before (versions and
    /// read-model rows; no stream states), about 23 KB on the demo's 1M store.
    pub max_keyframes: usize,
}

impl Default for Config {
    fn default() -> Self {
        // 500: a jump folds ≤ 499 events (p99 ~3.6 ms at 100k on the CI-class
        // machine); 2,048 keyframes keep that interval up to ~1M events at
        // ~23 KB each (see BENCHMARKS.md for the trade-off measured).
        Self { snapshot_every: 50, keyframe_every: 500, max_keyframes: 2_048 }
    }
}

impl Config {
    /// The defaults, with the timeline's settings taken from the environment
    /// when set.
    ///
    /// # Errors
    /// [`AppError::Usage`] naming a variable that is not a positive integer.
    pub fn from_env() -> Result<Self, AppError> {
        fn var(name: &str) -> Result<Option<u64>, AppError> {
            let Some(raw) = std::env::var_os(name) else { return Ok(None) };
            let text = raw.to_string_lossy();
            match text.trim().parse::<u64>() {
                Ok(n) if n > 0 => Ok(Some(n)),
                _ => Err(AppError::Usage(format!(
                    "{name} must be a positive integer, got `{}`",
                    crate::domain::registry::sanitize(&text)
                ))),
            }
        }
        let mut c = Self::default();
        if let Some(n) = var("CHRONICLE_KEYFRAME_EVERY")? {
            c.keyframe_every = n;
        }
        if let Some(n) = var("CHRONICLE_MAX_KEYFRAMES")? {
            c.max_keyframes = usize::try_from(n).unwrap_or(usize::MAX);
        }
        Ok(c)
    }
}

/// Whether opening may write (create read-model tables, catch projections up).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Catch read models up on open; create the file if absent.
    Write,
    /// Never write, create or convert anything; the file must be a store
    /// (one the user may only read is fine).
    Read,
    /// As [`Mode::Write`], for `rebuild`: derived tables whose schema was
    /// changed outside chronicle (`streams`, `snapshots`, `checkpoints`) are
    /// recreated, and [`Chronicle::rebuild`] derives them again.
    Repair,
}

impl Mode {
    /// How the store is opened for this mode.
    fn access(self) -> Access {
        match self {
            Self::Write => Access::Create,
            Self::Read => Access::Read,
            Self::Repair => Access::Repair,
        }
    }
}

/// A store with the domains that give its events meaning.
#[derive(Debug)]
pub struct Chronicle {
    store: Store,
    registry: Arc<Registry>,
    config: Config,
    /// A second read connection a wide diff used (`diff/split.rs`), kept
    /// for the next one.
    spare: std::sync::Mutex<Option<Store>>,
}

impl Chronicle {
    /// Opens the store at `path` with the domains of `registry` (a
    /// [`Registry`] or an `Arc` of one), configured from the environment
    /// ([`Config::from_env`]).
    ///
    /// # Errors
    /// [`AppError::Usage`] for a malformed configuration variable; store
    /// errors (missing in [`Mode::Read`], not a store, newer schema,
    /// read-only in a writing mode), and in [`Mode::Write`] failures catching
    /// the read models up.
    pub fn open(
        db: &(impl AsRef<OsStr> + ?Sized),
        mode: Mode,
        registry: impl Into<Arc<Registry>>,
    ) -> Result<Self, AppError> {
        Self::open_with(db, mode, registry.into(), Config::from_env()?)
    }

    /// Opens with an explicit registry and configuration.
    ///
    /// # Errors
    /// As [`Chronicle::open`].
    pub fn open_with(
        db: &(impl AsRef<OsStr> + ?Sized),
        mode: Mode,
        registry: Arc<Registry>,
        config: Config,
    ) -> Result<Self, AppError> {
        let store = crate::engines::open_os(db.as_ref(), mode.access())?;
        Self::with_store(store, mode, registry, config)
    }

    /// Another connection to the same store, with the same domains and
    /// configuration (a worker thread's, a follower's).
    ///
    /// # Errors
    /// As [`Chronicle::open`].
    pub fn reconnect(&self, mode: Mode) -> Result<Self, AppError> {
        let store = self.store.reconnect(mode.access())?;
        Self::with_store(store, mode, Arc::clone(&self.registry), self.config)
    }

    /// Opens over a store already connected (opened with `mode`'s access).
    fn with_store(store: Store, mode: Mode, registry: Arc<Registry>, config: Config) -> Result<Self, AppError> {
        let recreated = store.recreated().to_vec();
        let mut c = Self { store, registry, config, spare: std::sync::Mutex::default() };
        match mode {
            Mode::Read => c.check_read_model_tables()?,
            Mode::Write => {
                c.catch_up()?;
                // Missing or renamed columns were recreated by the catch-up;
                // a changed type is only repaired by `rebuild`.
                c.check_read_model_tables()?;
            }
            Mode::Repair => {
                let registry = Arc::clone(&c.registry);
                let all = recreated.contains(&"checkpoints");
                c.store.write(|tx| {
                    for p in registry.projections() {
                        for t in p.tables() {
                            tx.drop_table_if_altered(t)?;
                        }
                    }
                    projector::ensure_tables(tx, &registry)?;
                    if all {
                        // Every checkpoint is gone: no read model's rows can
                        // be trusted to match a position; all start from 0.
                        for p in registry.projections() {
                            tx.clear_tables(p.tables())?;
                        }
                    }
                    Ok::<_, AppError>(())
                })?;
                c.catch_up()?;
            }
        }
        Ok(c)
    }

    /// A read never repairs: a read-model table dropped or changed outside
    /// chronicle while its checkpoint says it holds rows would read as
    /// wrong or empty, so it is named (any writing command recreates it).
    fn check_read_model_tables(&self) -> Result<(), AppError> {
        for p in self.registry.projections() {
            let applied = self.store.checkpoint(p.name())?;
            for t in p.tables() {
                if let Some(what) = self.store.read_model_problem(t, applied)? {
                    return Err(AppError::Store(crate::es::StoreError::NotAStore {
                        path: self.store.path().to_owned(),
                        reason: format!(
                            "read model `{}`: {what} (changed outside chronicle; `chronicle rebuild` recreates it)",
                            p.name()
                        ),
                    }));
                }
            }
        }
        Ok(())
    }

    /// The store.
    #[must_use]
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The domain registry.
    #[must_use]
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> Config {
        self.config
    }

    /// Brings every read model up to the head (creating missing tables).
    ///
    /// # Errors
    /// Store failures; an event that cannot be upcast.
    pub fn catch_up(&mut self) -> Result<(), AppError> {
        let registry = Arc::clone(&self.registry);
        self.store.write(|tx| {
            projector::ensure_tables(tx, &registry)?;
            projector::catch_up(tx, &registry, &[])
        })
    }

    /// Rebuilds one read model (or all) from position 0, and the streams
    /// index from the events, in one transaction. Returns the position
    /// rebuilt to.
    ///
    /// # Errors
    /// [`AppError::Usage`] for an unknown projection; store failures.
    pub fn rebuild(&mut self, projection: Option<&str>, progress: &mut dyn FnMut(u64, u64)) -> Result<u64, AppError> {
        Ok(self.rebuild_counting(projection, progress)?.0)
    }

    /// As [`Chronicle::rebuild`], returning also how many streams' rows in
    /// the streams index differed from the events and were replaced (the
    /// user must hear of it: `verify` before `rebuild` names them).
    ///
    /// # Errors
    /// As [`Chronicle::rebuild`].
    pub fn rebuild_counting(
        &mut self,
        projection: Option<&str>,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<(u64, u64), AppError> {
        let registry = Arc::clone(&self.registry);
        self.store.write(|tx| {
            // The streams index is derived too: rows deleted or edited
            // outside chronicle are derived again from the events.
            let repaired = tx.rebuild_streams_index()?;
            projector::rebuild(tx, &registry, projection, progress)?;
            Ok((tx.head(), repaired))
        })
    }
}
