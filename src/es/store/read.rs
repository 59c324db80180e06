//! What reads return: stream summaries, snapshots; the `log` query's filter.

/// One stream's summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamInfo {
    /// Stream id.
    pub stream_id: String,
    /// Stream type.
    pub stream_type: String,
    /// Current version (number of events).
    pub version: u64,
    /// Position of its first event.
    pub first_position: u64,
    /// Position of its last event.
    pub last_position: u64,
}

/// A stored snapshot of one stream's aggregate state.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// Stream id.
    pub stream_id: String,
    /// Stream version the state includes.
    pub version: u64,
    /// Stream type.
    pub stream_type: String,
    /// Position of the stream's event at `version`.
    pub position: u64,
    /// Aggregate state schema version.
    pub state_version: u32,
    /// The state JSON text.
    pub state: String,
}

/// Filters of the `log` query; all optional, combined with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// Only this stream.
    pub stream_id: Option<String>,
    /// Only this event type.
    pub event_type: Option<String>,
    /// Only events with this correlation id.
    pub correlation_id: Option<String>,
    /// From this position on (inclusive).
    pub from: Option<u64>,
    /// Up to this position (inclusive).
    pub to: Option<u64>,
}
