//! The branch as a history `chronicle import` takes: the lines of
//! `chronicle export` exactly (see [`crate::app::exchange`]), renumbered
//! without the gaps and hash-chained from the genesis, so a fresh store that
//! imports the file holds the branch and `verify`s it.

use std::collections::BTreeMap;
use std::io::Write;

use uuid::Uuid;

use super::{BRANCH_ACTOR, Branch};
use crate::app::exchange::write_event;
use crate::app::{AppError, Chronicle};
use crate::es::hash::{self, GENESIS, HashInput};
use crate::es::{Event, Metadata, StoredEvent};

/// The next line's position, versions and chain link.
struct Renumber {
    position: u64,
    versions: BTreeMap<String, u64>,
    prev: [u8; 32],
}

impl Renumber {
    /// `e` at the next position and the next version of its stream, linked
    /// to the line before.
    fn place(&mut self, mut e: StoredEvent) -> StoredEvent {
        self.position += 1;
        let version = self.versions.entry(e.stream_id.clone()).or_default();
        *version += 1;
        e.position = self.position;
        e.version = *version;
        e.hash = hash::link(&self.prev, HashInput::from(&e));
        self.prev = e.hash;
        e
    }
}

/// One of the branch's own events as stored: at its (latest) schema,
/// recorded for [`BRANCH_ACTOR`] through `whatif`, the command's id as its
/// correlation and cause.
fn own_event(e: &Event, metadata: &str) -> StoredEvent {
    StoredEvent {
        position: e.position,
        event_id: Uuid::now_v7().to_string(),
        stream_id: e.stream_id.clone(),
        stream_type: e.stream_type.clone(),
        version: e.version,
        event_type: e.event_type.clone(),
        schema_version: e.schema_version,
        payload: e.payload.to_string(),
        metadata: metadata.to_owned(),
        recorded_at: e.recorded_at.clone(),
        hash: GENESIS,
    }
}

impl Branch {
    /// Writes the branch in the line format of `chronicle export`, oldest
    /// first: the log's events up to the fork point without those left out
    /// (stored as they are: ids, payloads, metadata and times kept), then
    /// the branch's own (new ids; each command's id as correlation, cause
    /// and `command_id`; actor [`BRANCH_ACTOR`]). Positions and versions
    /// are the branch's (renumbered without the gaps) and the hash chain is
    /// computed for them, so `chronicle import` into an empty store accepts
    /// the file; with nothing left out, the log's lines are its own export's.
    /// Events of a replay are not written. Returns how many lines were
    /// written.
    ///
    /// # Errors
    /// Store failures; write failures as [`AppError::Io`].
    pub fn export_jsonl(&self, c: &Chronicle, out: &mut dyn Write) -> Result<u64, AppError> {
        let left_out = self.left_out();
        let mut next = Renumber { position: 0, versions: BTreeMap::new(), prev: GENESIS };
        if self.at > 0 {
            c.store().scan(1, self.at, |e: StoredEvent| {
                if left_out.contains(&e.position) {
                    return Ok::<_, AppError>(());
                }
                write_event(out, &next.place(e))
            })?;
        }
        let mut start = 0;
        for &end in &self.command_ends {
            let command_id = Uuid::now_v7().to_string();
            let metadata = serde_json::to_string(&Metadata {
                correlation_id: command_id.clone(),
                causation_id: command_id.clone(),
                actor: BRANCH_ACTOR.to_owned(),
                source: "whatif".to_owned(),
                command_id,
            })
            .map_err(|e| AppError::Io(format!("branch export: {e}")))?;
            for e in self.events.get(start..end).unwrap_or_default() {
                write_event(out, &next.place(own_event(e, &metadata)))?;
            }
            start = end;
        }
        out.flush().map_err(|err| AppError::Io(format!("branch export: {err}")))?;
        Ok(next.position)
    }
}
