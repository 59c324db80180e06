//! The import's checked lines appended a chunk at a time: the links still
//! to check, the events, and the read models projected in step.

use std::path::Path;

use super::{ALTERED, Expect, Import, Pending};
use crate::app::exchange::bad_line;
use crate::app::{AppError, projector};
use crate::domain::Registry;
use crate::es::hash::{self, HashInput};
use crate::es::{Event, ExpectedVersion, WriteTx};

impl Import {
    /// Checks the links of `pending` without appending (before reporting a
    /// later line's error): the first altered line among them fails.
    pub(super) fn check_links(&self, path: &Path, pending: &[Pending]) -> Result<(), AppError> {
        let mut prev = self.prev_hash;
        for p in pending {
            let Expect::Link(expected) = p.expect else { continue };
            let h = hash::link(
                &prev,
                HashInput {
                    position: p.position,
                    event_id: &p.event.event_id,
                    stream_id: &p.stream_id,
                    stream_type: &p.stream_type,
                    version: p.version,
                    event_type: &p.event.event_type,
                    schema_version: p.event.schema_version,
                    payload: &p.event.payload,
                    metadata: &p.event.metadata,
                    recorded_at: p.event.recorded_at.as_deref().unwrap_or_default(),
                },
            );
            if h != expected {
                return Err(bad_line(path, p.line, ALTERED));
            }
            prev = h;
        }
        Ok(())
    }

    /// Appends `pending` (emptying it), checks the links still to check and
    /// projects the read models.
    pub(super) fn append(
        &mut self,
        tx: &mut WriteTx<'_>,
        registry: &Registry,
        path: &Path,
        pending: &mut Vec<Pending>,
    ) -> Result<(), AppError> {
        if pending.is_empty() {
            return Ok(());
        }
        // The chunk's unseen streams, in one round trip (an empty store holds none).
        let streams = pending.iter().map(|p| (p.stream_id.as_str(), p.stream_type.as_str()));
        match self.head_before {
            0 => tx.start_streams(streams),
            _ => tx.prefetch_streams(streams)?,
        }
        let mut upcast = std::mem::take(&mut self.recent);
        for p in pending.drain(..) {
            // Checked already: the id is neither stored nor repeated.
            let expected = ExpectedVersion::Exact(p.version.saturating_sub(1));
            let link = tx.append_one(&p.stream_id, &p.stream_type, expected, &p.event)?;
            match p.expect {
                // The store's chain is the file's: it goes on from this link.
                Expect::Link(h) if h == link.hash => self.prev_hash = h,
                Expect::Link(_) => return Err(bad_line(path, p.line, ALTERED)),
                // Re-chained: the file's chain is not the store's.
                Expect::Nothing => {}
            }
            let (schema_version, payload) = p.upcast;
            upcast.push(Event {
                position: link.position,
                stream_id: p.stream_id,
                stream_type: p.stream_type,
                version: link.version,
                event_type: p.event.event_type,
                schema_version,
                payload,
                recorded_at: p.event.recorded_at.unwrap_or_else(|| tx.now().to_owned()),
            });
        }
        self.appended += upcast.len() as u64;
        projector::catch_up(tx, registry, &upcast)?;
        upcast.clear();
        self.recent = upcast;
        Ok(())
    }
}
