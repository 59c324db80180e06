//! What a command is expected to decide.

use serde_json::{Map, Value, json};

use crate::domain::Target;
use crate::es::EventData;

/// One event a command is expected to decide: its type and payload, and
/// optionally its stream and schema version.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    /// The stream it goes to (`None`: not compared).
    pub stream_id: Option<String>,
    /// Event type.
    pub event_type: String,
    /// Schema version (`None`: not compared).
    pub schema_version: Option<u32>,
    /// Payload, compared as JSON.
    pub payload: Value,
}

/// An expected event of `event_type` with `payload` (any stream, any schema).
#[must_use]
pub fn event(event_type: &str, payload: Value) -> Expected {
    Expected { stream_id: None, event_type: event_type.to_owned(), schema_version: None, payload }
}

impl Expected {
    /// The same event, expected on `stream_id`.
    #[must_use]
    pub fn on(mut self, stream_id: &str) -> Self {
        self.stream_id = Some(stream_id.to_owned());
        self
    }

    /// This expectation as JSON, and `came` shown with the same fields.
    pub(super) fn render(&self, came: Option<&(Target, EventData)>) -> (Value, Value) {
        let mut want = Map::new();
        let mut got = Map::new();
        if let Some(s) = &self.stream_id {
            want.insert("stream_id".into(), json!(s));
            got.insert("stream_id".into(), json!(came.map(|(t, _)| &t.stream_id)));
        }
        want.insert("event_type".into(), json!(self.event_type));
        got.insert("event_type".into(), json!(came.map(|(_, e)| &e.event_type)));
        if let Some(v) = self.schema_version {
            want.insert("schema_version".into(), json!(v));
            got.insert("schema_version".into(), json!(came.map(|(_, e)| e.schema_version)));
        }
        want.insert("payload".into(), self.payload.clone());
        got.insert("payload".into(), came.map_or(Value::Null, |(_, e)| e.payload.clone()));
        (Value::Object(want), Value::Object(got))
    }
}

/// An [`EventData`] is expected with its type, schema version and payload.
impl From<EventData> for Expected {
    fn from(e: EventData) -> Self {
        Self { stream_id: None, event_type: e.event_type, schema_version: Some(e.schema_version), payload: e.payload }
    }
}

/// `(stream_id, event)`: the event expected on that stream.
impl From<(&str, EventData)> for Expected {
    fn from((stream_id, e): (&str, EventData)) -> Self {
        Self::from(e).on(stream_id)
    }
}
