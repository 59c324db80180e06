//! Aggregates: pure folds of a stream's events into state, and the rules a
//! stream's next event must obey.
//!
//! A domain writes a plain struct implementing [`Aggregate`]: its typed
//! events (decoded from the upcast payload with serde), a transition check
//! (`state + event -> ok, or a named` [`Violation`]) and a fold of a decoded
//! event. Everything above the domain layer sees it only as a [`DynState`]
//! (check, fold, JSON view, clone), created through an [`AggregateKind`].
//! Streams of unknown types fold into a [`GenericState`]: the JSON-object
//! merge of their payloads.

use std::any::Any;
use std::fmt::Debug;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::event::Event;

/// Rule names every aggregate shares (a domain names its own rules freely).
pub mod rule {
    /// The payload does not decode into the event's typed shape.
    pub const DECODE: &str = "decode";
    /// The event type is not one the stream's aggregate knows.
    pub const UNKNOWN_EVENT: &str = "unknown-event";
    /// The schema version is 0 or not the latest the domain knows.
    pub const SCHEMA: &str = "schema";
    /// The stream type is not one any registered domain knows.
    pub const UNKNOWN_STREAM: &str = "unknown-stream";
}

/// Why an event is not a transition its stream's aggregate allows: a rule
/// name (`overdraw`) and a one-line message for a person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rule {rule}: {message}")]
pub struct Violation {
    /// The rule broken (`overdraw`, `decode`, …).
    pub rule: &'static str,
    /// What was wrong, naming the event and the stream.
    pub message: String,
}

impl Violation {
    /// A violation of `rule`.
    #[must_use]
    pub fn new(rule: &'static str, message: impl Into<String>) -> Self {
        Self { rule, message: message.into() }
    }
}

/// One event type an aggregate owns, with its current (latest) schema version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventSchema {
    /// Event type name (`MoneyDeposited`).
    pub event_type: &'static str,
    /// Latest schema version: events are upcast to it, and a stored version
    /// above it (or 0) is an error.
    pub latest: u32,
}

/// A domain aggregate: typed events, a transition check and a pure,
/// synchronous fold of its stream.
pub trait Aggregate: Clone + Default + Debug + Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The stream type this aggregate folds (`BankAccount`).
    const STREAM_TYPE: &'static str;
    /// Version of the serialized state; snapshots of another version are ignored.
    const STATE_VERSION: u32;
    /// Every event type the aggregate owns and its latest schema version.
    const EVENTS: &'static [EventSchema];
    /// An event decoded into its typed shape (may borrow from the payload).
    type Event<'a>;

    /// Decodes an upcast event whose type is one of [`Aggregate::EVENTS`]
    /// at its latest schema (see [`payload`] for the serde part).
    ///
    /// # Errors
    /// A [`Violation`] naming the event and what in the payload was wrong.
    fn decode(event: &Event) -> Result<Self::Event<'_>, Violation>;

    /// Whether `event` may follow the state on stream `stream_id`: the same
    /// rules the domain's commands obey, so any event a command could not
    /// have recorded is refused.
    ///
    /// # Errors
    /// The rule broken.
    fn check(&self, stream_id: &str, event: &Self::Event<'_>) -> Result<(), Violation>;

    /// Folds a decoded event into the state (whether or not it passed the
    /// check: a stored log is folded as it is).
    fn evolve(&mut self, event: &Self::Event<'_>);
}

/// Decodes `event` for aggregate `A`: its type must be one `A` owns, at
/// the latest schema, and its payload must decode.
///
/// # Errors
/// [`rule::UNKNOWN_EVENT`], [`rule::SCHEMA`], or what [`Aggregate::decode`] says.
pub fn decode<A: Aggregate>(event: &Event) -> Result<A::Event<'_>, Violation> {
    let Some(schema) = A::EVENTS.iter().find(|s| s.event_type == event.event_type) else {
        let known: Vec<&str> = A::EVENTS.iter().map(|s| s.event_type).collect();
        return Err(Violation::new(
            rule::UNKNOWN_EVENT,
            format!(
                "{} is not an event of a {} (known: {})",
                event.event_type.escape_debug(),
                A::STREAM_TYPE,
                known.join(", ")
            ),
        ));
    };
    if event.schema_version != schema.latest {
        return Err(Violation::new(
            rule::SCHEMA,
            format!("{} v{}: expected the latest schema v{}", event.event_type, event.schema_version, schema.latest),
        ));
    }
    A::decode(event)
}

/// The payload of `event` decoded into `T` (with serde; borrowing its
/// strings when `T` does).
///
/// # Errors
/// A [`rule::DECODE`] violation naming the event and what was wrong.
pub fn payload<'a, T: Deserialize<'a>>(event: &'a Event) -> Result<T, Violation> {
    T::deserialize(&event.payload).map_err(|e| {
        Violation::new(
            rule::DECODE,
            format!("{} v{} payload does not decode: {e}", event.event_type, event.schema_version),
        )
    })
}

/// An aggregate's state with its type erased.
pub trait DynState: Send + Sync + Debug {
    /// Stream type of the state.
    fn stream_type(&self) -> &str;
    /// Serialized-state version (snapshot compatibility).
    fn state_version(&self) -> u32;
    /// Whether `event` decodes and may follow this state (nothing folded).
    ///
    /// # Errors
    /// The [`Violation`]: an undecodable event or a broken rule.
    fn check(&self, event: &Event) -> Result<(), Violation>;
    /// Folds one event without checking the rules.
    ///
    /// # Errors
    /// An event that does not decode (the state is left unchanged): a fold
    /// never skips an event silently.
    fn apply(&mut self, event: &Event) -> Result<(), Violation>;
    /// Checks `event`, then folds it if it decodes (even when a rule refuses
    /// it: the state is then what the log says); the violation, if any.
    ///
    /// # Errors
    /// As [`DynState::check`].
    fn check_apply(&mut self, event: &Event) -> Result<(), Violation>;
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
    fn check(&self, event: &Event) -> Result<(), Violation> {
        Aggregate::check(self, &event.stream_id, &decode::<A>(event)?)
    }
    fn apply(&mut self, event: &Event) -> Result<(), Violation> {
        self.evolve(&decode::<A>(event)?);
        Ok(())
    }
    fn check_apply(&mut self, event: &Event) -> Result<(), Violation> {
        let typed = decode::<A>(event)?;
        let checked = Aggregate::check(self, &event.stream_id, &typed);
        self.evolve(&typed);
        checked
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
    /// Every event type of the stream type and its latest schema.
    pub events: &'static [EventSchema],
    /// A fresh (empty stream) state.
    pub fresh: fn() -> Box<dyn DynState>,
    /// A state from its JSON (a snapshot); `Err` if it does not deserialize.
    pub restore: fn(Value) -> Result<Box<dyn DynState>, String>,
    /// Whether an upcast event of this stream type decodes (type, schema and
    /// payload shape; no state, no rules).
    pub decode: fn(&Event) -> Result<(), Violation>,
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
            events: A::EVENTS,
            fresh: || Box::new(A::default()),
            restore: |v| {
                serde_json::from_value::<A>(v).map(|a| Box::new(a) as Box<dyn DynState>).map_err(|e| e.to_string())
            },
            decode: |e| decode::<A>(e).map(|_| ()),
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
    fn check(&self, _event: &Event) -> Result<(), Violation> {
        Ok(())
    }
    fn apply(&mut self, event: &Event) -> Result<(), Violation> {
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
        Ok(())
    }
    fn check_apply(&mut self, event: &Event) -> Result<(), Violation> {
        self.apply(event)
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
        s.apply(&ev(json!({"a": 1, "b": 2}))).unwrap();
        s.apply(&ev(json!({"b": 3}))).unwrap();
        s.check_apply(&ev(json!(7))).unwrap();
        assert_eq!(s.to_json(), json!({"a": 1, "b": 3, "value": 7}));
    }
}
