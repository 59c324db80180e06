//! Event ids: one id names one event. What "the same event" means when an
//! append meets an id that is stored already.

use super::super::StoreError;
use super::WriteTx;
use crate::es::backend::Reads;
use crate::es::event::{PendingEvent, StoredEvent};

/// The first field in which `stored` differs from `e` appended to
/// `stream_id` (a `stream_type`), or `None` when they are the same event.
///
/// The same event: the same stream id and type, event type, schema version,
/// payload text and metadata text (byte for byte), and the same
/// `recorded_at` when the append gives one (an append without one takes the
/// time of its commit, so a retry cannot repeat it). Position, version and
/// hash are the store's to assign, so they are not compared.
#[must_use]
pub(super) fn differing_field(
    stored: &StoredEvent,
    stream_id: &str,
    stream_type: &str,
    e: &PendingEvent,
) -> Option<&'static str> {
    if stored.stream_id != stream_id {
        Some("stream_id")
    } else if stored.stream_type != stream_type {
        Some("stream_type")
    } else if stored.event_type != e.event_type {
        Some("event_type")
    } else if stored.schema_version != e.schema_version {
        Some("schema_version")
    } else if stored.payload != e.payload {
        Some("payload")
    } else if stored.metadata != e.metadata {
        Some("metadata")
    } else if e.recorded_at.as_ref().is_some_and(|t| *t != stored.recorded_at) {
        Some("recorded_at")
    } else {
        None
    }
}

impl WriteTx<'_> {
    /// Where an event with `e`'s id is stored, and the first field in which
    /// it differs from `e` appended to `stream_id` (see [`WriteTx::append`]
    /// for what "the same event" means); `None` when the id is not stored.
    ///
    /// # Errors
    /// Database failures.
    pub fn stored_id(
        &self,
        stream_id: &str,
        stream_type: &str,
        e: &PendingEvent,
    ) -> Result<Option<(u64, Option<&'static str>)>, StoreError> {
        stored_id(self.reads(), stream_id, stream_type, e)
    }
}

fn stored_id(
    r: &dyn Reads,
    stream_id: &str,
    stream_type: &str,
    e: &PendingEvent,
) -> Result<Option<(u64, Option<&'static str>)>, StoreError> {
    let Some(position) = r.event_position(&e.event_id)? else { return Ok(None) };
    let stored = super::super::range(r, position, position)?.pop().ok_or_else(|| StoreError::Damaged {
        what: format!("position {position}"),
        reason: format!("the index names event {} there, but no event is stored", e.event_id),
    })?;
    Ok(Some((position, differing_field(&stored, stream_id, stream_type, e))))
}

/// `err` from inserting `e`, typed: an event id stored already is
/// [`StoreError::EventIdConflict`] (other content) or
/// [`StoreError::PartialDuplicate`] (the same event), not a raw constraint
/// failure.
pub(super) fn typed_insert_error(
    r: &dyn Reads,
    err: StoreError,
    stream_id: &str,
    stream_type: &str,
    e: &PendingEvent,
) -> StoreError {
    if !matches!(err, StoreError::EventIdTaken(_)) {
        return err;
    }
    match stored_id(r, stream_id, stream_type, e) {
        Ok(Some((position, Some(field)))) => {
            StoreError::EventIdConflict { event_id: e.event_id.clone(), position, field }
        }
        Ok(Some((position, None))) => StoreError::PartialDuplicate { event_id: e.event_id.clone(), position },
        Ok(None) => err,
        Err(other) => other,
    }
}
