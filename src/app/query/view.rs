//! What the read side returns: a stream's state and a read model's rows as
//! of a position, as values and as JSON.

use serde_json::{Value, json};

use crate::es::backend::ForeignSnapshot;

/// A stream's state as of a position.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamView {
    /// Stream id.
    pub stream_id: String,
    /// Stream type.
    pub stream_type: String,
    /// Version as of the position.
    pub version: u64,
    /// Position of the stream's last event at or before the position.
    pub position: u64,
    /// The folded state.
    pub state: Value,
    /// Whether no registered domain knows the stream type: the state is
    /// then the generic one (the stream's payloads merged as JSON objects,
    /// later fields winning) and the stream is read-only.
    pub generic: bool,
    /// A foreign log's own latest snapshot at or below the version, shown
    /// as the tool stored it (never folded from: its shape is the tool's).
    pub foreign_snapshot: Option<ForeignSnapshot>,
}

impl StreamView {
    /// `{"stream_id","stream_type","version","position","state"}`; a
    /// generic state adds `"generic": true` and `"note"`
    /// ([`unregistered_note`]) after them (a registered stream's output is
    /// unchanged); a foreign log's own snapshot adds `"foreign_snapshot":
    /// {"version","kind","state","events_after","note"}`.
    #[must_use]
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "stream_id": self.stream_id,
            "stream_type": self.stream_type,
            "version": self.version,
            "position": self.position,
            "state": self.state,
        });
        if self.generic {
            v["generic"] = json!(true);
            v["note"] = json!(unregistered_note(&self.stream_type));
        }
        if let Some(s) = &self.foreign_snapshot {
            let state: Value = serde_json::from_str(&s.state).unwrap_or_else(|_| Value::String(s.state.clone()));
            v["foreign_snapshot"] = json!({
                "version": s.version,
                "kind": s.kind,
                "state": state,
                "events_after": self.version.saturating_sub(s.version),
                "note": FOREIGN_SNAPSHOT_NOTE,
            });
        }
        v
    }

    /// The label of a generic state ([`unregistered_note`]), if it is one.
    #[must_use]
    pub fn note(&self) -> Option<String> {
        self.generic.then(|| unregistered_note(&self.stream_type))
    }
}

/// What a foreign log's own snapshot shown with a state is.
pub const FOREIGN_SNAPSHOT_NOTE: &str = "the tool's own snapshot, as it stored it (its aggregate's state); chronicle's state above is folded from the events";

/// How a stream of a type no registered domain knows is labelled wherever
/// its state is shown: `no aggregate registered for type Widget` (the type
/// escaped as in messages).
#[must_use]
pub fn unregistered_note(stream_type: &str) -> String {
    format!("no aggregate registered for type {}", crate::domain::registry::sanitize(stream_type))
}

/// Whether `state` is the generic fold of a stream nobody registered.
#[must_use]
pub fn is_generic(state: &dyn crate::es::DynState) -> bool {
    state.as_any().is::<crate::es::GenericState>()
}

/// A read model's rows as of a position.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectionView {
    /// Projection name.
    pub projection: String,
    /// The position the rows reflect.
    pub position: u64,
    /// Rows of its main table, in key order.
    pub rows: Vec<Value>,
}

impl ProjectionView {
    /// `{"projection","position","rows":[…]}`.
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({ "projection": self.projection, "position": self.position, "rows": self.rows })
    }
}
