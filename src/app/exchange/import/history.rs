//! A file imported as this store's history: where its chain starts, and
//! why a line is not the stored event at its position.

use super::{AppError, Import, InLine, READ_AHEAD, RECHAIN_HINT};
use crate::es::hash::GENESIS;
use crate::es::{StoredEvent, WriteTx};

impl Import {
    /// The hash the file's first line, at `position`, chains from: genesis
    /// for position 1, the store's head for its head + 1.
    pub(super) fn chain_start(&self, tx: &WriteTx<'_>, position: u64) -> Result<[u8; 32], String> {
        let head = self.head_before;
        if position == 1 {
            return Ok(GENESIS);
        }
        if position == head + 1 {
            let stored = tx.read_range(head, head).map_err(|e| e.to_string())?;
            return stored.first().map(|e| e.hash).ok_or_else(|| format!("position {head} cannot be read"));
        }
        Err(if head == 0 {
            format!(
                "the file starts at position {position}, but this store is empty: an import into it must start at \
                 position 1, where the hash chain starts; {RECHAIN_HINT}"
            )
        } else {
            format!(
                "the file starts at position {position}, but this store ends at position {head}: an import must \
                 start at position 1 or {} so that every link of its hash chain can be checked; {RECHAIN_HINT}",
                head + 1
            )
        })
    }

    /// The stored event at `position` (at most the head before the import).
    pub(super) fn stored_at(&mut self, tx: &WriteTx<'_>, position: u64) -> Result<StoredEvent, AppError> {
        while self.stored.front().is_some_and(|s| s.position < position) {
            self.stored.pop_front();
        }
        if self.stored.is_empty() {
            let to = position.saturating_add(READ_AHEAD - 1).min(self.head_before);
            self.stored.extend(tx.read_range(position, to)?);
        }
        match self.stored.pop_front() {
            Some(s) if s.position == position => Ok(s),
            _ => Err(AppError::Io(format!("the store's position {position} cannot be read"))),
        }
    }
}

/// Why line `e`, whose link verifies, is not the event `stored` at its
/// position.
pub(super) fn not_stored_here(tx: &WriteTx<'_>, e: &InLine, stored: &StoredEvent) -> Result<String, AppError> {
    if stored.event_id == e.event_id {
        let field = differing_field(e, stored).unwrap_or("history before it");
        return Ok(format!(
            "event id {} is stored at position {} with another {field}: one id names one event; refusing the file",
            e.event_id, e.position
        ));
    }
    if let Some(q) = tx.event_position(&e.event_id)? {
        return Ok(format!(
            "event id {} is stored at position {q}, not at position {}: refusing the file",
            e.event_id, e.position
        ));
    }
    Ok(format!(
        "position {} holds another event in this store (event id {}): the file is not this store's history; \
         {RECHAIN_HINT}",
        e.position, stored.event_id
    ))
}

/// The message for line `e`, whose id is stored at `position` already.
pub(super) fn id_taken(e: &InLine, position: u64, differs: Option<&str>) -> String {
    match differs {
        Some(field) => format!(
            "event id {} is already stored at position {position} with another {field}: one id names one event; \
             refusing the file",
            e.event_id
        ),
        None => format!(
            "event id {} is already stored at position {position}, not at position {}: refusing the file",
            e.event_id, e.position
        ),
    }
}

/// The first stored field in which line `e` differs from `stored`.
fn differing_field(e: &InLine, stored: &StoredEvent) -> Option<&'static str> {
    [
        ("stream_id", e.stream_id == stored.stream_id),
        ("stream_type", e.stream_type == stored.stream_type),
        ("version", e.version == stored.version),
        ("event_type", e.event_type == stored.event_type),
        ("schema_version", e.schema_version == stored.schema_version),
        ("payload", e.payload.get() == stored.payload),
        ("metadata", e.metadata.get() == stored.metadata),
        ("recorded_at", e.recorded_at == stored.recorded_at),
    ]
    .into_iter()
    .find_map(|(field, same)| (!same).then_some(field))
}
