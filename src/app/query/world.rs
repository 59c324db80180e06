//! `state` without `--stream`: every stream's state and every read model's
//! rows as of a position, as one JSON value. A stream of a type no
//! registered domain knows is labelled as `state --stream` labels it.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::unregistered_note;
use crate::app::{AppError, Chronicle};
use crate::es::Row;

impl Chronicle {
    /// `{"position", "streams": {id: {"stream_type", "version", "state"}},
    /// "projections": {name: [rows]}}` as of `position` (folded from the
    /// log). A generic stream's entry adds `"generic": true` and `"note"`
    /// ([`unregistered_note`]), as [`super::StreamView::to_json`] does.
    ///
    /// # Errors
    /// Store failures; an event that cannot be upcast.
    pub fn world_json(&self, position: u64) -> Result<Value, AppError> {
        let world = self.world_at(position)?;
        let streams: Map<String, Value> = world
            .streams
            .iter()
            .map(|(id, s)| {
                let mut v = json!({
                    "stream_type": s.stream_type,
                    "version": s.version,
                    "state": s.state.as_ref().map(|s| s.to_json()),
                });
                if self.registry.kind(&s.stream_type).is_none() {
                    v["generic"] = json!(true);
                    v["note"] = json!(unregistered_note(&s.stream_type));
                }
                (id.to_string(), v)
            })
            .collect();
        let mut projections = Map::new();
        for p in self.registry.projections() {
            let rows = self.projection_rows(p.name(), position, Some(&world), 0, u64::MAX >> 1)?;
            projections.insert(p.name().to_owned(), Value::Array(rows.iter().map(Row::to_json).collect()));
        }
        Ok(json!({"position": position, "streams": streams, "projections": projections}))
    }
}

/// One label per stream type in `world` (a [`Chronicle::world_json`]) that
/// no registered domain knows, with its streams:
/// `no aggregate registered for type Widget (streams w-1, w-2)`. Sorted by type.
#[must_use]
pub fn generic_notes(world: &Value) -> Vec<String> {
    let mut by_type: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (id, s) in world["streams"].as_object().into_iter().flatten() {
        if s["generic"] == json!(true) {
            by_type.entry(s["stream_type"].as_str().unwrap_or_default()).or_default().push(id);
        }
    }
    by_type
        .into_iter()
        .map(|(ty, ids)| {
            let what = if ids.len() == 1 { "stream" } else { "streams" };
            format!("{} ({what} {})", unregistered_note(ty), ids.join(", "))
        })
        .collect()
}
