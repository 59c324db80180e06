//! Loading aggregates: the newest valid snapshot plus the events after it;
//! [`transitions`]: the transition check of events arriving from outside.

pub mod transitions;

use crate::domain::Registry;
use crate::es::aggregate::Violation;
use crate::es::store::{Snapshot, StreamReader};
use crate::es::{DynState, Event, EventRef, StoredEvent, UpcastError, WriteTx};

use super::AppError;

/// A stream's state as loaded.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The folded state.
    pub state: Box<dyn DynState>,
    /// Stream version the state includes (0 = no events).
    pub version: u64,
    /// Position of the stream's last event included (0 = none).
    pub position: u64,
    /// Version of the snapshot the load started from, if any.
    pub from_snapshot: Option<u64>,
}

/// Loads `stream_id` (of `stream_type`) as of `max_position`.
///
/// A snapshot is used only if its state version is the aggregate's current
/// one and it deserializes; otherwise the stream is folded from its start.
///
/// # Errors
/// Store failures; an event that cannot be upcast or decoded.
pub fn load(
    reader: &impl StreamReader,
    registry: &Registry,
    stream_id: &str,
    stream_type: &str,
    max_position: u64,
) -> Result<Loaded, AppError> {
    let snap = newest_snapshot(reader, registry, stream_id, stream_type, max_position)?;
    load_from(reader, registry, stream_id, stream_type, max_position, snap)
}

/// Loads `stream_id` as of `from`, hands that state to `at_from`, then
/// returns it as of `to` (`from <= to`): a diff's two ends. The second end
/// goes on folding from the first when no snapshot newer than the first
/// end's state is at or before `to` (the snapshot a load at `to` would
/// start from is then the one the first end started from, so the state is
/// the same), else it is loaded from that newer snapshot.
///
/// # Errors
/// As [`load`].
pub fn load_both(
    reader: &impl StreamReader,
    registry: &Registry,
    stream_id: &str,
    stream_type: &str,
    (from, to): (u64, u64),
    at_from: &mut dyn FnMut(&Loaded),
) -> Result<Loaded, AppError> {
    let mut loaded = load(reader, registry, stream_id, stream_type, from)?;
    at_from(&loaded);
    let snap = newest_snapshot(reader, registry, stream_id, stream_type, to)?;
    if snap.as_ref().is_some_and(|s| s.version > loaded.version) {
        return load_from(reader, registry, stream_id, stream_type, to, snap);
    }
    let mut scratch = Event::default();
    reader.scan_stream(stream_id, loaded.version, to, |e| fold_into(registry, &mut loaded, e, &mut scratch))?;
    Ok(loaded)
}

/// The newest snapshot of the stream at or before `max_position` in its
/// aggregate's current state version (`None`: none, or no such aggregate).
fn newest_snapshot(
    reader: &impl StreamReader,
    registry: &Registry,
    stream_id: &str,
    stream_type: &str,
    max_position: u64,
) -> Result<Option<Snapshot>, AppError> {
    match registry.kind(stream_type) {
        Some(kind) => Ok(reader.read_snapshot(stream_id, max_position, kind.state_version)?),
        None => Ok(None),
    }
}

/// As [`load`], starting from `snap` (the newest snapshot at or before
/// `max_position`) when it is usable.
fn load_from(
    reader: &impl StreamReader,
    registry: &Registry,
    stream_id: &str,
    stream_type: &str,
    max_position: u64,
    snap: Option<Snapshot>,
) -> Result<Loaded, AppError> {
    if let Some(snap) = snap
        && let Ok(json) = serde_json::from_str(&snap.state)
        && let Some(state) = registry.restore_state(stream_type, snap.state_version, json)
        && snap.version > 0
    {
        // Read from the snapshot's own event on: the snapshot is used only if
        // that event exists where the snapshot says (a snapshot ahead of its
        // stream, or of another stream's history, is ignored).
        let mut loaded =
            Loaded { state, version: snap.version, position: snap.position, from_snapshot: Some(snap.version) };
        let mut matches = None;
        let mut scratch = Event::default();
        reader.scan_stream(stream_id, snap.version - 1, max_position, |e| match matches {
            Some(true) => fold_into(registry, &mut loaded, e, &mut scratch),
            Some(false) => Ok(()),
            None => {
                matches = Some(e.version == snap.version && e.position == snap.position);
                Ok(())
            }
        })?;
        if matches == Some(true) {
            return Ok(loaded);
        }
        tracing::warn!(stream_id, version = snap.version, "ignoring a snapshot that does not match its stream");
    }
    let mut loaded = Loaded { state: registry.fresh_state(stream_type), version: 0, position: 0, from_snapshot: None };
    let mut scratch = Event::default();
    reader.scan_stream(stream_id, 0, max_position, |e| fold_into(registry, &mut loaded, e, &mut scratch))?;
    Ok(loaded)
}

/// Why a command on `stream_id`, of `stream_type` that no registered domain
/// handles, is refused: such a stream is read-only.
#[must_use]
pub fn read_only(stream_id: &str, stream_type: &str) -> String {
    use crate::domain::registry::sanitize;
    format!(
        "stream {} is a {}, which no registered domain handles: it is read-only (its events can be read, not added to)",
        sanitize(stream_id),
        sanitize(stream_type)
    )
}

/// The error for an event that does not decode (or breaks a rule).
#[must_use]
pub fn refused(event: &Event, violation: Violation) -> AppError {
    AppError::Upcast(UpcastError::Refused { position: event.position, stream_id: event.stream_id.clone(), violation })
}

/// Folds one stored event into `loaded`.
///
/// # Errors
/// An event that cannot be upcast or decoded.
pub fn fold(registry: &Registry, loaded: &mut Loaded, stored: &StoredEvent) -> Result<(), AppError> {
    fold_ref(registry, loaded, stored.fold_ref())
}

/// As [`fold`], from borrowed fields (a scan's row).
///
/// # Errors
/// An event that cannot be upcast or decoded.
pub fn fold_ref(registry: &Registry, loaded: &mut Loaded, e: EventRef<'_>) -> Result<(), AppError> {
    fold_into(registry, loaded, e, &mut Event::default())
}

/// As [`fold_ref`], upcasting into `scratch` (reused across a scan).
fn fold_into(registry: &Registry, loaded: &mut Loaded, e: EventRef<'_>, scratch: &mut Event) -> Result<(), AppError> {
    registry.upcasters().upcast_into(e, scratch)?;
    // An event the aggregate cannot decode stops the load, naming it: a
    // state that silently skipped it would be wrong without saying so.
    loaded.state.apply(scratch).map_err(|violation| refused(scratch, violation))?;
    loaded.version = e.version;
    loaded.position = e.position;
    Ok(())
}

/// Saves a snapshot of `loaded` if its version crossed a multiple of `every`
/// since `previous_version`.
///
/// # Errors
/// Store failures.
pub fn maybe_snapshot(
    tx: &mut WriteTx<'_>,
    stream_id: &str,
    loaded: &Loaded,
    previous_version: u64,
    every: u64,
) -> Result<(), AppError> {
    if every == 0 || loaded.version / every == previous_version / every || loaded.state.state_version() == 0 {
        return Ok(());
    }
    tx.save_snapshot(&Snapshot {
        stream_id: stream_id.to_owned(),
        version: loaded.version,
        stream_type: loaded.state.stream_type().to_owned(),
        position: loaded.position,
        state_version: loaded.state.state_version(),
        state: loaded.state.to_json().to_string(),
    })?;
    Ok(())
}
