//! `blame`: every event that changed a stream's state, a field of it, or a
//! read-model row (or one of its fields), oldest first, with who and when.

use std::ops::ControlFlow;

use serde_json::{Value, json};

use super::path::{Path, field_names};
use super::steps::{self, key_cells, projection_steps, stream_steps};
use crate::app::{AppError, Chronicle};
use crate::es::Cell;

/// One change: the event, who recorded it, and the value before and after
/// (`None`: absent — the stream or row did not exist, or had no such field).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The event's position.
    pub position: u64,
    /// The event's stream.
    pub stream_id: String,
    /// The event's version in its stream.
    pub version: u64,
    /// The event's type.
    pub event_type: String,
    /// When it was recorded.
    pub recorded_at: String,
    /// Who issued the command (empty when unknown).
    pub actor: String,
    /// The request it belongs to (empty when unknown).
    pub correlation_id: String,
    /// The value before.
    pub before: Option<Value>,
    /// The value after.
    pub after: Option<Value>,
}

impl Change {
    /// `{"position","stream_id","version","event_type","actor","recorded_at",
    /// "correlation_id","before","after"}` (absent values are `null`).
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({
            "position": self.position,
            "stream_id": self.stream_id,
            "version": self.version,
            "event_type": self.event_type,
            "actor": self.actor,
            "recorded_at": self.recorded_at,
            "correlation_id": self.correlation_id,
            "before": self.before.clone().unwrap_or(Value::Null),
            "after": self.after.clone().unwrap_or(Value::Null),
        })
    }
}

/// The value at `field` of `v` (all of it without a field; `null` means absent).
fn pick(v: &Value, field: Option<&Path>) -> Option<Value> {
    if v.is_null() {
        return None;
    }
    match field {
        None => Some(v.clone()),
        Some(p) => p.lookup(v).cloned(),
    }
}

/// Fills in who recorded the event at `position`.
fn change(c: &Chronicle, position: u64, before: Option<Value>, after: Option<Value>) -> Result<Change, AppError> {
    let e = c.store().event(position)?.ok_or_else(|| AppError::Io(format!("event {position} vanished")))?;
    let meta = e.metadata();
    Ok(Change {
        position,
        version: e.version,
        event_type: e.event_type,
        recorded_at: e.recorded_at,
        actor: meta.actor,
        correlation_id: meta.correlation_id,
        stream_id: e.stream_id,
        before,
        after,
    })
}

/// Calls `f` for every event of `stream_id` that changed its state (or the
/// value at `field`), oldest first. Returns how many.
///
/// # Errors
/// [`AppError::Usage`] for an unknown stream, or a field the stream never
/// had at any position; store failures; `f`'s.
pub fn blame_stream(
    c: &Chronicle,
    stream_id: &str,
    field: Option<&Path>,
    f: &mut dyn FnMut(&Change) -> Result<(), AppError>,
) -> Result<u64, AppError> {
    let head = c.store().head()?;
    let (mut n, mut seen, mut last) = (0, false, Value::Null);
    stream_steps(c, stream_id, 0, head, &mut |s| {
        let (before, after) = (pick(s.before, field), pick(s.after, field));
        seen |= after.is_some();
        if before != after {
            f(&change(c, s.position, before, after)?)?;
            n += 1;
        }
        if field.is_some() && !seen {
            last.clone_from(s.after);
        }
        Ok(ControlFlow::Continue(()))
    })?;
    if let Some(p) = field
        && !seen
    {
        return Err(AppError::Usage(format!(
            "field `{p}` never exists in stream `{}` at any position (its fields: {})",
            crate::domain::ids::shown(stream_id),
            field_names(&last)
        )));
    }
    Ok(n)
}

/// Calls `f` for every event that changed the row of read model `name` with
/// key `key` (one text per key column), or its `field`. Returns how many.
///
/// # Errors
/// [`AppError::Usage`] for an unknown projection, a key of the wrong shape,
/// a row or field that never existed; store failures; `f`'s.
pub fn blame_row(
    c: &Chronicle,
    name: &str,
    key: &[String],
    field: Option<&Path>,
    f: &mut dyn FnMut(&Change) -> Result<(), AppError>,
) -> Result<u64, AppError> {
    let main = &steps::projection(c, name)?.tables()[0];
    let key: Vec<Cell> = key_cells(main, key)?;
    let head = c.store().head()?;
    let (mut n, mut row_seen, mut seen, mut last) = (0, false, false, Value::Null);
    projection_steps(c, name, 0, head, &mut |s| {
        let Some(ch) = s.changes.iter().find(|ch| ch.key.parts() == key.as_slice()) else {
            return Ok(ControlFlow::Continue(()));
        };
        row_seen = true;
        let after_json = ch.after_json();
        let (before, after) = (pick(&ch.before_json(), field), pick(&after_json, field));
        seen |= after.is_some();
        if !after_json.is_null() {
            last = after_json;
        }
        if before != after {
            f(&change(c, s.event.position, before, after)?)?;
            n += 1;
        }
        Ok(ControlFlow::Continue(()))
    })?;
    let shown_key: Vec<String> =
        key.iter().map(|k| crate::domain::registry::sanitize(&k.to_value().to_string())).collect();
    if !row_seen {
        return Err(AppError::Usage(format!("no row of `{name}` has key {} at any position", shown_key.join(", "))));
    }
    if let Some(p) = field
        && !seen
    {
        return Err(AppError::Usage(format!(
            "field `{p}` never exists in row {} of `{name}` (its columns: {})",
            shown_key.join(", "),
            field_names(&last)
        )));
    }
    Ok(n)
}
