//! The store-backed mirror of a scenario: the same givens and commands run
//! through the real command bus on a temporary SQLite store, so a scenario
//! can check that the store agrees with the in-memory world.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;

use crate::app::{AppError, Chronicle, Config, ExecOptions, Mode};
use crate::domain::Registry;
use crate::es::{EventData, ExpectedVersion, PendingEvent, Store, StreamAppend};

/// A temporary directory, removed on drop.
#[derive(Debug)]
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<Self, String> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!("chronicle-testing-{}-{n}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(Self(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A chronicle on a temporary store.
#[derive(Debug)]
pub(super) struct OnStore {
    chronicle: Chronicle,
    path: PathBuf,
    // Dropped last: the store's files live in it.
    _dir: TempDir,
}

/// One event as the store recorded it: stream id, type, schema and payload.
pub(super) type Recorded = (String, String, u32, Value);

impl OnStore {
    pub fn new(registry: Arc<Registry>) -> Result<Self, String> {
        let dir = TempDir::new()?;
        let path = dir.0.join("scenario.db");
        let chronicle =
            Chronicle::open_with(&path, Mode::Write, registry, Config::default()).map_err(|e| e.to_string())?;
        Ok(Self { chronicle, path, _dir: dir })
    }

    /// Appends `events` to `stream_id` as they are (the store's append, then
    /// the read models catch up, as after an import).
    pub fn append(&mut self, stream_id: &str, stream_type: &str, events: &[EventData], at: &str) -> Result<(), String> {
        let mut store = Store::open(&self.path).map_err(|e| e.to_string())?;
        let pending = events
            .iter()
            .map(|e| PendingEvent {
                event_id: uuid::Uuid::new_v4().to_string(),
                event_type: e.event_type.clone(),
                schema_version: e.schema_version,
                payload: e.payload.to_string(),
                metadata: "{}".to_owned(),
                recorded_at: Some(at.to_owned()),
            })
            .collect();
        let append = StreamAppend {
            stream_id: stream_id.to_owned(),
            stream_type: stream_type.to_owned(),
            expected: ExpectedVersion::Any,
            events: pending,
        };
        store.write(|tx| tx.append(vec![append]).map(|_| ())).map_err(|e| e.to_string())?;
        drop(store);
        self.chronicle.catch_up().map_err(|e| e.to_string())
    }

    /// Runs `line` through the command bus; the events it recorded.
    pub fn execute(&mut self, line: &str, at: &str) -> Result<Vec<Recorded>, AppError> {
        let opts = ExecOptions { recorded_at: Some(at.to_owned()), ..ExecOptions::new("testing", "test") };
        let out = self.chronicle.execute(line, &opts)?;
        Ok(out
            .events
            .into_iter()
            .map(|e| {
                let payload = serde_json::from_str(&e.payload).unwrap_or(Value::String(e.payload));
                (e.stream_id, e.event_type, e.schema_version, payload)
            })
            .collect())
    }

    /// The state of `stream_id` at the head, as `state --stream` shows it.
    pub fn state_json(&self, stream_id: &str) -> Result<Value, String> {
        let head = self.chronicle.store().head().map_err(|e| e.to_string())?;
        self.chronicle.stream_state(stream_id, head).map(|v| v.state).map_err(|e| e.to_string())
    }

    /// A read model's rows at the head, as `state --projection` shows them.
    pub fn rows(&self, projection: &str) -> Result<Vec<Value>, String> {
        let head = self.chronicle.store().head().map_err(|e| e.to_string())?;
        self.chronicle.projection_state(projection, head).map(|v| v.rows).map_err(|e| e.to_string())
    }
}
