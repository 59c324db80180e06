//! A stream's state as JSON at a position, and at both ends of a diff (the
//! second end folded on from the first where that reads less); a stream's
//! entry in a diff from those, on any connection to the store.

use serde_json::Value;

use super::{StreamDiff, changes};
use crate::app::{AppError, Chronicle, repository};
use crate::domain::Registry;
use crate::es::Store;

impl Chronicle {
    /// A stream's state as JSON at `position`, `None` if it had no event yet.
    ///
    /// # Errors
    /// Store failures; an event that cannot be upcast or decoded.
    pub fn state_json_at(&self, stream_id: &str, stream_type: &str, position: u64) -> Result<Option<Value>, AppError> {
        state_json_at(&self.store, &self.registry, stream_id, stream_type, position)
    }
}

/// As [`Chronicle::state_json_at`], through `store`.
fn state_json_at(
    store: &Store,
    registry: &Registry,
    stream_id: &str,
    stream_type: &str,
    position: u64,
) -> Result<Option<Value>, AppError> {
    if position == 0 {
        return Ok(None);
    }
    let loaded = repository::load(store, registry, stream_id, stream_type, position)?;
    Ok((loaded.version > 0).then(|| loaded.state.to_json()))
}

/// A stream's states as JSON at `from` and at `to` (`from <= to`), through
/// `store`, as [`Chronicle::state_json_at`] gives each, the second folded
/// on from the first where that reads less ([`repository::load_both`]).
///
/// # Errors
/// As [`Chronicle::state_json_at`].
fn states_json_at_both(
    store: &Store,
    registry: &Registry,
    stream_id: &str,
    stream_type: &str,
    (from, to): (u64, u64),
) -> Result<(Option<Value>, Option<Value>), AppError> {
    if from == 0 {
        return Ok((None, state_json_at(store, registry, stream_id, stream_type, to)?));
    }
    let mut before = None;
    let at_from = &mut |l: &repository::Loaded| before = (l.version > 0).then(|| l.state.to_json());
    let loaded = repository::load_both(store, registry, stream_id, stream_type, (from, to), at_from)?;
    Ok((before, (loaded.version > 0).then(|| loaded.state.to_json())))
}

/// The diff's entry of the stream `stream_id` (of `stream_type`) between
/// `from` and `to`, read through `store`: `None` when it existed at `from`
/// and no field differs.
///
/// # Errors
/// As [`Chronicle::state_json_at`].
pub(super) fn stream_diff(
    store: &Store,
    registry: &Registry,
    (stream_id, stream_type): (&str, &str),
    between: (u64, u64),
) -> Result<Option<StreamDiff>, AppError> {
    let (before, after) = states_json_at_both(store, registry, stream_id, stream_type, between)?;
    let created = before.is_none();
    let changes = changes(&before.unwrap_or(Value::Null), &after.unwrap_or(Value::Null));
    Ok((created || !changes.is_empty()).then(|| StreamDiff {
        stream_id: stream_id.to_owned(),
        stream_type: stream_type.to_owned(),
        created,
        changes,
    }))
}
