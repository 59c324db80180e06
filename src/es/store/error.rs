//! What can go wrong in the store, split the way callers must handle it.

use std::path::PathBuf;

use super::super::backend::BackendKind;
use super::super::event::ExpectedVersion;
use super::super::projection::RowsError;

/// A stream was not at the version the append expected.
///
/// Handle by reloading the stream and deciding again (the command bus retries
/// a bounded number of times); nothing was recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("concurrency conflict on stream {stream_id}: expected {expected}, found version {actual}")]
pub struct ConflictError {
    /// The stream.
    pub stream_id: String,
    /// What the append expected.
    pub expected: ExpectedVersion,
    /// The version the stream was at (0 = absent).
    pub actual: u64,
}

/// Store failures.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file does not exist (and creating it was not asked for).
    #[error("no store at {}: run `chronicle demo` or `chronicle exec` to create one", path.display())]
    NotFound {
        /// The path.
        path: PathBuf,
    },
    /// The file is not a chronicle store (not SQLite, corrupt, or foreign).
    #[error("{} is not a usable chronicle store: {reason}", path.display())]
    NotAStore {
        /// The path.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The store can be read but not written (file or directory permissions).
    #[error("{} is read-only: {reason}; only the reading commands (log, state, verify, export) can use it", path.display())]
    ReadOnly {
        /// The path.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A log another tool wrote, opened for writing: chronicle only reads it.
    #[error("{} is {} {format} log: chronicle opens it read-only", path.display(), article(format))]
    Foreign {
        /// The path or URL.
        path: PathBuf,
        /// The format's name (`eventsourcing`, …).
        format: String,
    },
    /// The file or its directory cannot be reached (missing directory,
    /// permission denied, an empty name).
    #[error("cannot open the store {}: {reason}", path.display())]
    Access {
        /// The path.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The `streams` index disagrees with the events of a stream (rows
    /// deleted or edited outside chronicle): appending would fail or leave a
    /// gap, so nothing is written until `rebuild` derives it again.
    #[error(
        "the streams index is out of step with the event log: stream {stream_id} has events up to version {stored}, the index says {indexed} (changed outside chronicle); nothing was recorded: `chronicle rebuild` rebuilds the index from the events"
    )]
    StreamsIndex {
        /// The stream.
        stream_id: String,
        /// The version the `streams` table holds (0 = no row).
        indexed: u64,
        /// The highest version among its events.
        stored: u64,
    },
    /// The store was written by a newer release.
    #[error(
        "{} was written by a newer chronicle (store schema v{found}; this build reads up to v{supported}): upgrade chronicle",
        path.display()
    )]
    NewerSchema {
        /// The path.
        path: PathBuf,
        /// Schema version found.
        found: i64,
        /// Newest this build understands.
        supported: i64,
    },
    /// Optimistic concurrency check failed; retry after reloading.
    #[error(transparent)]
    Conflict(#[from] ConflictError),
    /// An append named a stream with another type than it has.
    #[error("stream {stream_id} is a {actual}, not a {expected}")]
    StreamType {
        /// The stream.
        stream_id: String,
        /// The type the append named.
        expected: String,
        /// The stream's type.
        actual: String,
    },
    /// An event of the batch is stored already (identical), but the batch is
    /// not a repeat of stored events: some of its events are new, or it was
    /// given to an append that takes only new ids (`append_fresh`,
    /// `append_one`). The batch is refused whole.
    #[error(
        "event {event_id} is already stored at position {position}, and the batch is not a repeat of stored events: refusing the batch"
    )]
    PartialDuplicate {
        /// First duplicate event id.
        event_id: String,
        /// Where it is stored.
        position: u64,
    },
    /// An event id appears twice in one batch.
    #[error("event id {0} appears twice in one batch")]
    DuplicateInBatch(String),
    /// An event id is stored already with other content: one id names one
    /// event, so the batch is refused whole (see `WriteTx::append` for what
    /// "the same event" means).
    #[error("event id {event_id} is already stored at position {position} with another {field}: refusing the batch")]
    EventIdConflict {
        /// The event id.
        event_id: String,
        /// Where it is stored.
        position: u64,
        /// The first field that differs (`payload`, `stream_id`, …).
        field: &'static str,
    },
    /// A stored row cannot be decoded.
    #[error("stored data is damaged at {what}: {reason}")]
    Damaged {
        /// Where.
        what: String,
        /// Why.
        reason: String,
    },
    /// A read model could not be written.
    #[error(transparent)]
    Rows(#[from] RowsError),
    /// Any other database failure (I/O, disk full, locking beyond the
    /// timeout, a lost connection), classified by the engine.
    #[error("database error: {message}")]
    Backend {
        /// What kind of failure.
        kind: BackendKind,
        /// The engine's message, one line.
        message: String,
        /// The engine's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Engine to facade: the event id is stored already (the facade types it
    /// as [`StoreError::EventIdConflict`] or [`StoreError::PartialDuplicate`]).
    #[error("event id {0} is already stored")]
    EventIdTaken(String),
    /// Engine to facade: the stream already has an event at this version.
    #[error("stream {stream_id} already has an event at version {version}")]
    VersionTaken {
        /// The stream.
        stream_id: String,
        /// The version taken.
        version: u64,
    },
}

impl StoreError {
    /// An engine failure of `kind`; the message is `source`'s, on one line.
    pub fn backend(kind: BackendKind, source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        let source = source.into();
        let message = source.to_string().split_whitespace().collect::<Vec<_>>().join(" ");
        Self::Backend { kind, message, source }
    }

    /// The kind of an engine failure (`None` for any other error).
    #[must_use]
    pub fn backend_kind(&self) -> Option<BackendKind> {
        match self {
            Self::Backend { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    /// Whether this is a concurrency conflict (worth a retry).
    #[must_use]
    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::Conflict(_))
    }
}

impl From<StoreError> for RowsError {
    fn from(e: StoreError) -> Self {
        RowsError(e.to_string())
    }
}

/// `a` or `an` before `word`.
fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U']) { "an" } else { "a" }
}
