//! The aggregates' transition checks on imported lines: an imported event
//! must be one its stream's rules allow after the events before it (the
//! store's and the file's earlier lines), as a recorded one must.

use std::path::Path;

use super::Pending;
use crate::app::AppError;
use crate::app::exchange::bad_line;
use crate::app::repository::transitions::{Incoming, Transitions};
use crate::domain::Registry;
use crate::es::WriteTx;

/// Checks `p` against its stream's state; the refusal names the line and rule.
pub(super) fn check(
    transitions: &mut Transitions,
    tx: &WriteTx<'_>,
    registry: &Registry,
    path: &Path,
    p: &mut Pending,
) -> Result<(), AppError> {
    let line = p.line;
    if p.new_stream {
        transitions.start_fresh(registry, &p.stream_id, &p.stream_type);
    }
    let incoming = Incoming {
        position: p.position,
        stream_id: &p.stream_id,
        stream_type: &p.stream_type,
        version: p.version,
        event_type: &p.event.event_type,
        schema_version: p.upcast.0,
        payload: std::mem::take(&mut p.upcast.1),
        recorded_at: p.event.recorded_at.as_deref().unwrap_or_default(),
    };
    p.upcast.1 = transitions.check(tx, registry, incoming, |why| bad_line(path, line, &why))?;
    Ok(())
}
