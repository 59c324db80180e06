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
/// notification id as position (PostgreSQL's `notification_id` column;
/// SQLite's `rowid`, `rowid_ok` saying the engine has one). Its snapshots
/// tables have the same columns: never taken for the log, but named as the
/// log's `snapshots` when `<name>_snapshots` sits next to `<name>_events`.
#[must_use]
pub fn eventsourcing(tables: &[TableColumns], rowid_ok: bool) -> Option<Mapping> {
    let shaped =
        |t: &TableColumns| ES_COLUMNS.iter().all(|c| t.columns.iter().any(|have| have.eq_ignore_ascii_case(c)));
    let fits = |t: &&TableColumns| {
        shaped(t)
            && t.table.to_ascii_lowercase().ends_with("_events")
            && !t.table.to_ascii_lowercase().contains("snapshot")
            && (rowid_ok || has(t, "notification_id"))
    };
    let table = tables.iter().filter(fits).min_by_key(|t| (t.table != "stored_events", t.table.clone()))?;
    let stem = &table.table[..table.table.len() - "_events".len()];
    let snapshots =
        tables.iter().find(|t| shaped(t) && t.table == format!("{stem}_snapshots")).map(|t| t.table.clone());
    Some(Mapping {
        format: EVENTSOURCING.to_owned(),
        table: table.table.clone(),
        position: if has(table, "notification_id") { "notification_id" } else { "rowid" }.to_owned(),
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
        correlation_column: None,
        causation_column: None,
        snapshots,
    })
}

/// The Node-style single table's name.
pub const NODE: &str = "node";

/// Marten's name.
pub const MARTEN: &str = "marten";

fn has(t: &TableColumns, c: &str) -> bool {
    t.columns.iter().any(|have| have == c)
}

fn first_of(t: &TableColumns, names: &[&str]) -> Option<String> {
    names.iter().find(|c| has(t, c)).map(|c| (*c).to_owned())
}

/// The common Node-style table: `aggregate_id`, `aggregate_type`,
/// `event_type`, `event_version` (the schema version, when present),
/// `data` or `event_data` (JSON), `metadata` (with `correlationId`,
/// `causationId`, `userId`), `revision` or `version`, `created_at`; ordered
/// by `position`, `sequence`, `global_position` or `id` (else SQLite's
/// `rowid`; `rowid_ok` says whether the engine has one).
#[must_use]
pub fn node(tables: &[TableColumns], rowid_ok: bool) -> Option<Mapping> {
    let fits = |t: &&TableColumns| {
        ["aggregate_id", "aggregate_type", "event_type", "created_at"].iter().all(|c| has(t, c))
            && first_of(t, &["data", "event_data"]).is_some()
            && first_of(t, &["revision", "version"]).is_some()
            && (rowid_ok || first_of(t, &["position", "sequence", "global_position", "id"]).is_some())
    };
    let t = tables.iter().filter(fits).min_by_key(|t| (t.table != "events", t.table.clone()))?;
    let meta = has(t, "metadata");
    let path = |k: &str| meta.then(|| vec![k.to_owned()]);
    Some(Mapping {
        format: NODE.to_owned(),
        table: t.table.clone(),
        position: first_of(t, &["position", "sequence", "global_position", "id"]).unwrap_or_else(|| "rowid".to_owned()),
        stream_id: "aggregate_id".to_owned(),
        stream_type: Source::Column("aggregate_type".to_owned()),
        version: first_of(t, &["revision", "version"]),
        event_type: "event_type".to_owned(),
        schema_version: if has(t, "event_version") {
            Source::Column("event_version".to_owned())
        } else {
            Source::Constant("1".to_owned())
        },
        payload: first_of(t, &["data", "event_data"])?,
        codec: PayloadCodec::Json,
        metadata: meta.then(|| "metadata".to_owned()),
        timestamp: Timestamp::Column("created_at".to_owned()),
        correlation: path("correlationId"),
        causation: path("causationId"),
        actor: path("userId"),
        correlation_column: None,
        causation_column: None,
        snapshots: None,
    })
}

/// Marten's `mt_events`: `seq_id` the position, `stream_id`, `version`,
/// `type`, `data`, `timestamp`, and (when Marten keeps them)
/// `correlation_id`, `causation_id` and `headers` (the metadata). Streams
/// have no type in the table: every one is a `stream`.
#[must_use]
pub fn marten(tables: &[TableColumns]) -> Option<Mapping> {
    let t = tables.iter().find(|t| {
        t.table == "mt_events"
            && ["seq_id", "stream_id", "version", "type", "data", "timestamp"].iter().all(|c| has(t, c))
    })?;
    let col = |c: &str| has(t, c).then(|| c.to_owned());
    Some(Mapping {
        format: MARTEN.to_owned(),
        table: t.table.clone(),
        position: "seq_id".to_owned(),
        stream_id: "stream_id".to_owned(),
        stream_type: Source::Constant("stream".to_owned()),
        version: Some("version".to_owned()),
        event_type: "type".to_owned(),
        schema_version: Source::Constant("1".to_owned()),
        payload: "data".to_owned(),
        codec: PayloadCodec::Json,
        metadata: col("headers"),
        timestamp: Timestamp::Column("timestamp".to_owned()),
        correlation: None,
        causation: None,
        actor: None,
        correlation_column: col("correlation_id"),
        causation_column: col("causation_id"),
        snapshots: None,
    })
}
