//! Events as stored, as appended and as folded.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One row of the `events` table, exactly as stored (payload and metadata are
/// the stored JSON text, never rewritten).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// Global, 1-based, gapless position in the log.
    pub position: u64,
    /// Unique id of the event: the idempotency key.
    pub event_id: String,
    /// The stream (aggregate instance) the event belongs to.
    pub stream_id: String,
    /// The kind of aggregate the stream holds (`BankAccount`, `User`, …).
    pub stream_type: String,
    /// 1-based version within the stream.
    pub version: u64,
    /// Event type name (`MoneyDeposited`, …).
    pub event_type: String,
    /// Schema version the payload was written at.
    pub schema_version: u32,
    /// Payload JSON text as written.
    pub payload: String,
    /// Metadata JSON text as written.
    pub metadata: String,
    /// RFC 3339 UTC timestamp of the append.
    pub recorded_at: String,
    /// SHA-256 link of the audit hash chain.
    pub hash: [u8; 32],
}

impl StoredEvent {
    /// The hash as lowercase hex.
    #[must_use]
    pub fn hash_hex(&self) -> String {
        hex::encode(self.hash)
    }

    /// The metadata parsed; `Metadata::default()` when it is not an object of
    /// the expected shape (hand-written stores may carry anything).
    #[must_use]
    pub fn metadata(&self) -> Metadata {
        serde_json::from_str(&self.metadata).unwrap_or_default()
    }

    /// The fields a fold reads, borrowed.
    #[must_use]
    pub fn fold_ref(&self) -> EventRef<'_> {
        EventRef {
            position: self.position,
            stream_id: &self.stream_id,
            stream_type: &self.stream_type,
            version: self.version,
            event_type: &self.event_type,
            schema_version: self.schema_version,
            payload: &self.payload,
            recorded_at: &self.recorded_at,
        }
    }
}

/// The fields of a stored event a fold reads (no id, metadata or hash),
/// borrowed: from a [`StoredEvent`] or straight from SQLite's row buffer,
/// so a scan that folds allocates only what the [`Event`] keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventRef<'a> {
    /// Global position.
    pub position: u64,
    /// Stream id.
    pub stream_id: &'a str,
    /// Stream type.
    pub stream_type: &'a str,
    /// Version within the stream.
    pub version: u64,
    /// Event type name.
    pub event_type: &'a str,
    /// Schema version the payload was written at.
    pub schema_version: u32,
    /// Payload JSON text as written.
    pub payload: &'a str,
    /// RFC 3339 UTC timestamp of the append.
    pub recorded_at: &'a str,
}

/// An event as folds see it: the payload upcast to the latest schema.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Event {
    /// Global position.
    pub position: u64,
    /// Stream id.
    pub stream_id: String,
    /// Stream type.
    pub stream_type: String,
    /// Version within the stream.
    pub version: u64,
    /// Event type name.
    pub event_type: String,
    /// Schema version of `payload` (after upcasting).
    pub schema_version: u32,
    /// Upcast payload.
    pub payload: Value,
    /// RFC 3339 UTC timestamp of the append.
    pub recorded_at: String,
}

impl Event {
    /// The UTC day (`YYYY-MM-DD`) the event was recorded on.
    #[must_use]
    pub fn day(&self) -> &str {
        self.recorded_at.get(..10).unwrap_or(&self.recorded_at)
    }
}

/// Who, why and through what an event was recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// Shared by every event caused by the same original request.
    #[serde(default)]
    pub correlation_id: String,
    /// The command (or event) that directly caused this one.
    #[serde(default)]
    pub causation_id: String,
    /// Who issued the command.
    #[serde(default)]
    pub actor: String,
    /// Which front end recorded it (`cli`, `tui`, `demo`, `import`).
    #[serde(default)]
    pub source: String,
    /// The command's id (idempotency key of the command).
    #[serde(default)]
    pub command_id: String,
}

/// What a domain decides: one event to record, at the latest schema.
#[derive(Debug, Clone, PartialEq)]
pub struct EventData {
    /// Event type name.
    pub event_type: String,
    /// Schema version of `payload`.
    pub schema_version: u32,
    /// Payload.
    pub payload: Value,
}

impl EventData {
    /// An event at the given schema.
    #[must_use]
    pub fn new(event_type: &str, schema_version: u32, payload: Value) -> Self {
        Self { event_type: event_type.to_owned(), schema_version, payload }
    }
}

/// An event ready to append: everything but position, version and hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingEvent {
    /// Unique id (idempotency key).
    pub event_id: String,
    /// Event type name.
    pub event_type: String,
    /// Schema version of `payload`.
    pub schema_version: u32,
    /// Payload JSON text, stored verbatim.
    pub payload: String,
    /// Metadata JSON text, stored verbatim.
    pub metadata: String,
    /// RFC 3339 UTC timestamp; `None` means "now, at commit".
    pub recorded_at: Option<String>,
}

/// The events to append to one stream, with the version it must be at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamAppend {
    /// Stream id.
    pub stream_id: String,
    /// Stream type (must match the stream's existing type).
    pub stream_type: String,
    /// Optimistic concurrency check.
    pub expected: ExpectedVersion,
    /// Events in order.
    pub events: Vec<PendingEvent>,
}

/// The version a stream must be at for an append to go through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedVersion {
    /// No check.
    Any,
    /// The stream must not exist yet.
    NoStream,
    /// The stream must exist (any version).
    StreamExists,
    /// The stream must be at exactly this version (0 = does not exist).
    Exact(u64),
}

impl ExpectedVersion {
    /// Whether a stream currently at `actual` (0 = absent) satisfies this.
    #[must_use]
    pub fn accepts(self, actual: u64) -> bool {
        match self {
            Self::Any => true,
            Self::NoStream => actual == 0,
            Self::StreamExists => actual > 0,
            Self::Exact(n) => actual == n,
        }
    }
}

impl std::fmt::Display for ExpectedVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Any => write!(f, "any version"),
            Self::NoStream => write!(f, "no stream"),
            Self::StreamExists => write!(f, "an existing stream"),
            Self::Exact(n) => write!(f, "version {n}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_version_checks() {
        assert!(ExpectedVersion::Any.accepts(0));
        assert!(ExpectedVersion::NoStream.accepts(0));
        assert!(!ExpectedVersion::NoStream.accepts(1));
        assert!(ExpectedVersion::StreamExists.accepts(3));
        assert!(!ExpectedVersion::StreamExists.accepts(0));
        assert!(ExpectedVersion::Exact(2).accepts(2));
        assert!(!ExpectedVersion::Exact(2).accepts(3));
    }

    #[test]
    fn malformed_metadata_reads_as_default() {
        let mut e = StoredEvent {
            position: 1,
            event_id: "x".into(),
            stream_id: "s".into(),
            stream_type: "T".into(),
            version: 1,
            event_type: "E".into(),
            schema_version: 1,
            payload: "{}".into(),
            metadata: "not json".into(),
            recorded_at: "2026-01-01T00:00:00Z".into(),
            hash: [0; 32],
        };
        assert_eq!(e.metadata(), Metadata::default());
        e.metadata = r#"{"actor":"ada"}"#.into();
        assert_eq!(e.metadata().actor, "ada");
    }
}
