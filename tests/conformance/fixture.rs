//! The fixture every check gets: a fresh, empty store named by a `--db`
//! spec, opened through the facade or handed to the binary; and the small
//! builders of events and batches the checks share.

use std::path::Path;
use std::process::Command;

use chronicle::es::projection::RowsError;
use chronicle::es::store::Appended;
use chronicle::es::{ExpectedVersion, PendingEvent, Store, StoreError, StreamAppend};

/// A fresh store on one engine. Dropping it removes the store (the
/// temporary directory, or the engine's database through `_guard`).
pub struct Fixture {
    /// The `--db` spec: a file path, or a database URL.
    pub db: String,
    /// Whatever must live as long as the store (and clean up after it).
    _guard: Box<dyn std::any::Any + Send + Sync>,
}

// The engine behind a `--db` spec: these three are the only places the
// suite opens a store.

/// Opens the store `db` names (creating it), or says why not.
pub fn try_open(db: &str) -> Result<Store, StoreError> {
    chronicle::engines::open(db, chronicle::es::Access::Create)
}

/// Opens the store `db` names, creating it if absent.
pub fn open(db: &str) -> Store {
    try_open(db).unwrap_or_else(|e| panic!("open {db}: {e}"))
}

/// Opens the store `db` names for reading only.
pub fn open_read(db: &str) -> Store {
    chronicle::engines::open(db, chronicle::es::Access::Read).unwrap_or_else(|e| panic!("open {db} to read: {e}"))
}

impl Fixture {
    /// A store file in its own temporary directory (created by the first open).
    #[allow(clippy::unnecessary_wraps)] // every engine's constructor may skip
    pub fn sqlite() -> Option<Self> {
        let dir = tempfile::tempdir().expect("temporary directory");
        let db = dir.path().join("store.db").to_str().expect("a UTF-8 temporary path").to_owned();
        Some(Self { db, _guard: Box::new(dir) })
    }

    /// A fresh database per check from the pg test harness, which prints
    /// one line and skips without a server (fails with `CHRONICLE_REQUIRE_PG=1`).
    pub fn postgres() -> Option<Self> {
        let test_db = chronicle::postgres::testing::TestDb::create()?;
        Some(Self { db: test_db.url().to_owned(), _guard: Box::new(test_db) })
    }

    /// A connection to the store (each call: another connection).
    pub fn open(&self) -> Store {
        open(&self.db)
    }

    /// `chronicle --db <db>` (no inherited `CHRONICLE_DB`, no stdin).
    pub fn cli(&self) -> Command {
        crate::support::chronicle(Path::new(&self.db))
    }

    /// Runs `chronicle --db <db> args…`, requiring exit 0; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = crate::support::ok(Path::new(&self.db), args);
        String::from_utf8(out.stdout).expect("UTF-8 output")
    }

    /// `--db` as the helpers taking a path want it.
    pub fn path(&self) -> &Path {
        Path::new(&self.db)
    }
}

/// An event with id `id` and a payload naming it.
pub fn event(id: &str) -> PendingEvent {
    PendingEvent {
        event_id: id.to_owned(),
        event_type: "Happened".to_owned(),
        schema_version: 1,
        payload: format!(r#"{{"id":"{id}"}}"#),
        metadata: "{}".to_owned(),
        recorded_at: None,
    }
}

/// Events `ids` for `stream` (of type `Thing`) at `expected`.
pub fn to(stream: &str, expected: ExpectedVersion, ids: &[&str]) -> StreamAppend {
    StreamAppend {
        stream_id: stream.to_owned(),
        stream_type: "Thing".to_owned(),
        expected,
        events: ids.iter().map(|i| event(i)).collect(),
    }
}

/// Appends `batch` in one write.
pub fn append(s: &mut Store, batch: Vec<StreamAppend>) -> Result<Appended, StoreError> {
    s.write(|tx| tx.append(batch))
}

/// Appends `batch` in one write, requiring success; returns the positions.
pub fn appended(s: &mut Store, batch: Vec<StreamAppend>) -> Vec<u64> {
    append(s, batch).unwrap_or_else(|e| panic!("append: {e}")).positions
}

/// `(position, stream_id, version, event_id)` of every event, in order.
pub fn log(s: &Store) -> Vec<(u64, String, u64, String)> {
    let head = s.head().expect("head");
    s.read_range(1, head.max(1))
        .expect("read_range")
        .into_iter()
        .map(|e| (e.position, e.stream_id, e.version, e.event_id))
        .collect()
}

/// One stream's version (0 = absent).
pub fn version(s: &Store, stream: &str) -> u64 {
    s.stream(stream).expect("stream").map_or(0, |i| i.version)
}

/// An error the caller of a write returns to roll it back.
#[derive(Debug)]
pub enum Abort {
    /// The caller's own reason.
    Caller,
    /// A store failure.
    Store(StoreError),
    /// A read model's failure.
    Rows(#[allow(dead_code)] RowsError), // read through Debug, in a failed assertion
}

impl From<RowsError> for Abort {
    fn from(e: RowsError) -> Self {
        Self::Rows(e)
    }
}

impl From<StoreError> for Abort {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}
