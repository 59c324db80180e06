//! One foreign row turned into chronicle's event: what an engine reads for
//! a [`Mapping`] ([`RawRow`]), and the fields chronicle shows derived from it.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{Mapping, Source, Timestamp};

/// The time shown for an event whose log records none.
pub const NO_TIME: &str = "1970-01-01T00:00:00.000000Z";

/// One row as an engine reads it for a mapping (text or bytes as stored).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawRow {
    /// The ordering column.
    pub position: i64,
    /// Stream id.
    pub stream_id: String,
    /// Version in its stream.
    pub version: i64,
    /// Event type.
    pub event_type: String,
    /// The stream type column, when the mapping names one.
    pub stream_type: Option<String>,
    /// The schema version column, when the mapping names one.
    pub schema_version: Option<i64>,
    /// Payload bytes.
    pub payload: Vec<u8>,
    /// Metadata bytes, when the mapping names a column.
    pub metadata: Option<Vec<u8>>,
    /// The timestamp column's text, when the mapping names one.
    pub timestamp: Option<String>,
    /// The correlation id column's text, when the mapping names one.
    pub correlation: Option<String>,
    /// The causation id column's text, when the mapping names one.
    pub causation: Option<String>,
}

/// The fields of one event as chronicle shows it (position, event id and
/// hash are the log's: see `super::log`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// Stream type.
    pub stream_type: String,
    /// Event type.
    pub event_type: String,
    /// Schema version.
    pub schema_version: u32,
    /// Payload JSON text (opaque bytes as `{"opaque_hex": …}`).
    pub payload: String,
    /// Whether the payload was not JSON.
    pub opaque: bool,
    /// Metadata JSON text.
    pub metadata: String,
    /// RFC 3339 UTC, microseconds, `Z`.
    pub recorded_at: String,
}

/// A deterministic event id for a foreign event that has none: the same
/// stream and version always give the same id (so exports import once).
#[must_use]
pub fn event_id(format: &str, stream_id: &str, version: i64) -> String {
    Uuid::new_v5(&Uuid::NAMESPACE_OID, format!("chronicle:{format}:{stream_id}@{version}").as_bytes()).to_string()
}

/// The fields chronicle shows for `row`.
#[must_use]
pub fn decode(m: &Mapping, row: &RawRow) -> Decoded {
    // Only a time inside the payload needs its value; else checking it parses will do.
    let needs_value = matches!(m.timestamp, Timestamp::Payload(_));
    let parsed = std::str::from_utf8(&row.payload).ok().and_then(|t| {
        if needs_value {
            serde_json::from_str::<Value>(t).ok().map(|v| (t.to_owned(), v))
        } else {
            serde_json::from_str::<serde::de::IgnoredAny>(t).ok().map(|_| (t.to_owned(), Value::Null))
        }
    });
    let opaque = parsed.is_none();
    let (payload, value) = parsed.unwrap_or_else(|| {
        let v = serde_json::json!({ "opaque_hex": hex::encode(&row.payload) });
        (v.to_string(), v)
    });
    let stream_type = match &m.stream_type {
        Source::Column(_) => row.stream_type.clone().unwrap_or_default(),
        Source::Constant(c) => c.clone(),
        Source::TopicClass => topic_class(&row.event_type).to_owned(),
    };
    let schema_version = match &m.schema_version {
        Source::Column(_) => row.schema_version.unwrap_or(1),
        Source::Constant(c) => c.parse().unwrap_or(1),
        Source::TopicClass => 1,
    };
    let recorded_at = match &m.timestamp {
        Timestamp::Column(_) => row.timestamp.as_deref().and_then(normalise_time),
        Timestamp::Payload(path) => payload_time(&value, path),
        Timestamp::None => None,
    };
    Decoded {
        stream_type,
        event_type: row.event_type.clone(),
        schema_version: u32::try_from(schema_version).unwrap_or(1),
        payload,
        opaque,
        metadata: metadata(m, row),
        recorded_at: recorded_at.unwrap_or_else(|| NO_TIME.to_owned()),
    }
}

/// `module:Class.Event` → `Class` (a topic without a class: itself).
#[must_use]
pub fn topic_class(topic: &str) -> &str {
    let qualname = topic.rsplit_once(':').map_or(topic, |(_, q)| q);
    qualname.rsplit_once('.').map_or(qualname, |(class, _)| class)
}

/// The metadata chronicle shows: `source` the format, and correlation,
/// causation and actor where the mapping's JSON paths find them.
fn metadata(m: &Mapping, row: &RawRow) -> String {
    let foreign: Option<Value> = row.metadata.as_deref().and_then(|b| serde_json::from_slice(b).ok());
    let mut out = Map::new();
    for (key, column) in [("correlation_id", &row.correlation), ("causation_id", &row.causation)] {
        if let Some(text) = column.as_ref().filter(|t| !t.is_empty()) {
            out.insert(key.to_owned(), Value::String(text.clone()));
        }
    }
    for (key, path) in [("correlation_id", &m.correlation), ("causation_id", &m.causation), ("actor", &m.actor)] {
        if let (Some(v), Some(path)) = (&foreign, path)
            && let Some(found) = at(v, path)
        {
            let text = found.as_str().map_or_else(|| found.to_string(), str::to_owned);
            out.insert(key.to_owned(), Value::String(text));
        }
    }
    out.insert("source".to_owned(), Value::String(m.format.clone()));
    if let Some(v) = foreign {
        out.insert("foreign".to_owned(), v);
    }
    Value::Object(out).to_string()
}

fn at<'v>(v: &'v Value, path: &[String]) -> Option<&'v Value> {
    path.iter().try_fold(v, |v, k| v.get(k.as_str()))
}

/// The time at `path` in the payload; a wrapped value (`{"_data_": …}`)
/// is read at the path's first key too.
fn payload_time(v: &Value, path: &[String]) -> Option<String> {
    at(v, path).or_else(|| at(v, path.get(..1)?)).and_then(Value::as_str).and_then(normalise_time)
}

/// RFC 3339 (any offset) or SQLite's `YYYY-MM-DD HH:MM:SS[.fff]` (UTC) as
/// chronicle stores times.
fn normalise_time(text: &str) -> Option<String> {
    let utc = DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M:%S%.f").ok().map(|t| t.and_utc()))?;
    Some(utc.to_rfc3339_opts(SecondsFormat::Micros, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_topic_names_its_aggregate_class_and_times_become_utc() {
        assert_eq!(topic_class("__main__:Dog.TrickAdded"), "Dog");
        assert_eq!(topic_class("kennel.domain:Dog.Registered"), "Dog");
        assert_eq!(topic_class("Odd"), "Odd");
        assert_eq!(normalise_time("2026-11-29T19:44:25.610209+01:00").as_deref(), Some("2026-11-29T18:44:25.610209Z"));
        assert_eq!(normalise_time("2026-11-29 18:44:25").as_deref(), Some("2026-11-29T18:44:25.000000Z"));
        assert_eq!(normalise_time("yesterday"), None);
    }
}
