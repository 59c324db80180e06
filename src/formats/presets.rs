//! Mappings written once for the logs of known tools.

use super::{Mapping, PayloadCodec, Source, TableColumns, Timestamp};

/// Python `eventsourcing`'s name.
pub const EVENTSOURCING: &str = "eventsourcing";

/// The columns of Python `eventsourcing`'s stored-events tables.
const ES_COLUMNS: [&str; 4] = ["originator_id", "originator_version", "topic", "state"];

/// Python `eventsourcing`'s stored events: `stored_events`, or an
/// application-named `<name>_events`, with originator id and version, the
/// topic (`module:Class.Event`: the event type; its class the stream type),
/// the state as JSON bytes (its `timestamp` the time recorded) and the
/// notification id (`rowid`) as position. Its snapshots tables have the
/// same columns: never taken for the log.
#[must_use]
pub fn eventsourcing(tables: &[TableColumns]) -> Option<Mapping> {
    let fits = |t: &&TableColumns| {
        ES_COLUMNS.iter().all(|c| t.columns.iter().any(|have| have.eq_ignore_ascii_case(c)))
            && t.table.to_ascii_lowercase().ends_with("_events")
            && !t.table.to_ascii_lowercase().contains("snapshot")
    };
    let table = tables.iter().filter(fits).min_by_key(|t| (t.table != "stored_events", t.table.clone()))?;
    Some(Mapping {
        format: EVENTSOURCING.to_owned(),
        table: table.table.clone(),
        position: "rowid".to_owned(),
        stream_id: "originator_id".to_owned(),
        stream_type: Source::TopicClass,
        version: Some("originator_version".to_owned()),
        event_type: "topic".to_owned(),
        schema_version: Source::Constant("1".to_owned()),
        payload: "state".to_owned(),
        codec: PayloadCodec::Json,
        metadata: None,
        timestamp: Timestamp::Payload(vec!["timestamp".to_owned(), "_data_".to_owned()]),
        correlation: None,
        causation: None,
        actor: None,
    })
}
