//! Aggregates: pure folds of a stream's events into state.
//!
//! A domain writes a plain struct implementing [`Aggregate`]; everything above
//! the domain layer sees it only as a [`DynState`] (fold, JSON view, clone),
//! created through an [`AggregateKind`]. Streams of unknown types fold into a
//! [`GenericState`]: the JSON-object merge of their payloads.

use std::any::Any;
use std::fmt::Debug;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::event::Event;

/// A domain aggregate: a pure, synchronous fold of its stream.
pub trait Aggregate: Clone + Default + Debug + Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The stream type this aggregate folds (`BankAccount`).
    const STREAM_TYPE: &'static str;
    /// Version of the serialized state; snapshots of another version are ignored.
    const STATE_VERSION: u32;

    /// Folds one (upcast) event into the state. Unknown events are ignored.
    fn apply(&mut self, event: &Event);
}

/// An aggregate's state with its type erased.
pub trait DynState: Send + Sync + Debug {
    /// Stream type of the state.
    fn stream_type(&self) -> &str;
    /// Serialized-state version (snapshot compatibility).
    fn state_version(&self) -> u32;
    /// Folds one event.
    fn apply(&mut self, event: &Event);
    /// The state as JSON, for display, snapshots and comparisons.
    fn to_json(&self) -> Value;
    /// A boxed copy.
    fn clone_box(&self) -> Box<dyn DynState>;
    /// For the owning domain to downcast to its own type.
    fn as_any(&self) -> &dyn Any;
}

impl<A: Aggregate> DynState for A {
    fn stream_type(&self) -> &str {
        A::STREAM_TYPE
    }
    fn state_version(&self) -> u32 {
        A::STATE_VERSION
    }
    fn apply(&mut self, event: &Event) {
        Aggregate::apply(self, event);
    }
    fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
    fn clone_box(&self) -> Box<dyn DynState> {
        Box::new(self.clone())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Clone for Box<dyn DynState> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// How to make and restore the state of one stream type.
#[derive(Clone, Copy)]
pub struct AggregateKind {
    /// Stream type.
    pub stream_type: &'static str,
    /// Serialized-state version.
    pub state_version: u32,
    /// A fresh (empty stream) state.
    pub fresh: fn() -> Box<dyn DynState>,
    /// A state from its JSON (a snapshot); `Err` if it does not deserialize.
    pub restore: fn(Value) -> Result<Box<dyn DynState>, String>,
}

impl Debug for AggregateKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AggregateKind({} v{})", self.stream_type, self.state_version)
    }
}

impl AggregateKind {
    /// The kind of a concrete aggregate type.
    #[must_use]
    pub fn of<A: Aggregate>() -> Self {
        Self {
            stream_type: A::STREAM_TYPE,
            state_version: A::STATE_VERSION,
            fresh: || Box::new(A::default()),
            restore: |v| {
                serde_json::from_value::<A>(v).map(|a| Box::new(a) as Box<dyn DynState>).map_err(|e| e.to_string())
            },
        }
    }
}

/// State of a stream nobody registered: the merge of its payload objects
/// (later keys win); a non-object payload is kept under `"value"`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GenericState {
    /// The stream type as stored.
    pub stream_type: String,
    /// Merged fields.
    pub fields: Map<String, Value>,
}

impl GenericState {
    /// An empty state for `stream_type`.
    #[must_use]
    pub fn new(stream_type: &str) -> Self {
        Self { stream_type: stream_type.to_owned(), fields: Map::new() }
    }
}

impl DynState for GenericState {
    fn stream_type(&self) -> &str {
        &self.stream_type
    }
    fn state_version(&self) -> u32 {
        0
    }
    fn apply(&mut self, event: &Event) {
        match &event.payload {
            Value::Object(m) => {
                for (k, v) in m {
                    self.fields.insert(k.clone(), v.clone());
                }
            }
            other => {
                self.fields.insert("value".to_owned(), other.clone());
            }
        }
    }
    fn to_json(&self) -> Value {
        Value::Object(self.fields.clone())
    }
    fn clone_box(&self) -> Box<dyn DynState> {
        Box::new(self.clone())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn ev(payload: Value) -> Event {
        Event {
            position: 1,
            stream_id: "x".into(),
            stream_type: "Thing".into(),
            version: 1,
            event_type: "Changed".into(),
            schema_version: 1,
            payload,
            recorded_at: "2026-01-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn generic_state_merges_payload_objects() {
        let mut s = GenericState::new("Thing");
        s.apply(&ev(json!({"a": 1, "b": 2})));
        s.apply(&ev(json!({"b": 3})));
        s.apply(&ev(json!(7)));
        assert_eq!(s.to_json(), json!({"a": 1, "b": 3, "value": 7}));
    }
}
