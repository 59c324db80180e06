//! Replaying the real log's later events onto a branch.

use super::{Branch, Flagged, Overlay};
use crate::app::{AppError, Chronicle, repository};
use crate::es::Event;

/// Events read from the store per range while replaying.
const RANGE: u64 = 1_000;

impl Branch {
    /// Applies the real log's events after the fork point (up to the head,
    /// minus the skipped ones) onto the branch, after its own events: each
    /// is checked against its stream's state in the branch, and one the
    /// rules refuse is flagged and left out. Read by range (never the whole
    /// log in memory). Returns the position replayed to.
    ///
    /// # Errors
    /// Store failures; an event that cannot be upcast or decoded.
    pub fn replay(&mut self, c: &Chronicle) -> Result<u64, AppError> {
        let registry = c.registry();
        let head = c.store().head()?;
        let mut scratch = Event::default();
        let mut from = self.replayed_to.max(self.at) + 1;
        while from <= head {
            let to = head.min(from + RANGE - 1);
            for e in c.store().read_range(from, to)? {
                if self.skipped.contains(&e.position) {
                    continue;
                }
                registry.upcasters().upcast_into(e.fold_ref(), &mut scratch)?;
                let o = self.entry(c, &e.stream_id, &e.stream_type)?;
                if let Some(reason) = offer(registry, o, &scratch)? {
                    self.flagged.push(Flagged {
                        position: e.position,
                        stream_id: e.stream_id.clone(),
                        event_type: e.event_type.clone(),
                        reason,
                    });
                }
            }
            from = to + 1;
        }
        self.replayed_to = head;
        Ok(head)
    }
}

/// Checks `e` against the overlay's state and folds it if allowed; the
/// reason when the rules refuse it (then nothing is folded). A stream of a
/// type no domain registered has no rules: its events always fold.
///
/// # Errors
/// An event its aggregate cannot decode.
pub(super) fn offer(
    registry: &crate::domain::Registry,
    o: &mut Overlay,
    e: &Event,
) -> Result<Option<String>, AppError> {
    let state = o.state.get_or_insert_with(|| registry.fresh_state(&e.stream_type));
    if registry.kind(&e.stream_type).is_some()
        && let Err(v) = state.check(e)
    {
        if o.version == 0 {
            o.state = None;
        }
        return Ok(Some(v.to_string()));
    }
    state.apply(e).map_err(|v| repository::refused(e, v))?;
    o.version += 1;
    Ok(None)
}
