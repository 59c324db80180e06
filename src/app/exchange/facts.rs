//! A foreign log exported as new facts for a chronicle store (what `copy
//! --from FOREIGN` imports): its events in its order, numbered 1, 2, … (a
//! foreign ordering column may skip values; a chronicle log does not), each
//! keeping its id, stream, version, payload and time, with where it came
//! from in `metadata.origin` (`format`, `position`, `id`, `stream_id`,
//! `version`, `recorded_at`), and chained afresh from genesis. The same log
//! always exports the same lines, so copying it again appends nothing, and
//! copying it after it grew appends only the new events.

use std::io::Write;

use serde_json::{Map, Value, json};

use super::{write_error, write_event};
use crate::app::{AppError, Chronicle};
use crate::es::StoredEvent;
use crate::es::hash::{GENESIS, HashInput, link};

impl Chronicle {
    /// Writes the (foreign) log as new facts (see the module) from fact
    /// `from` on; returns how many events it wrote. `prefix`, the hash a
    /// target holds at fact `from - 1`, must be the one computed there.
    ///
    /// # Errors
    /// [`AppError::Usage`] when the facts before `from` are not the ones
    /// `prefix` says (`target` names the store holding them); store
    /// failures; write failures as [`AppError::Io`].
    pub fn export_as_facts(
        &self,
        from: u64,
        prefix: Option<[u8; 32]>,
        target: &str,
        out: &mut dyn Write,
    ) -> Result<u64, AppError> {
        let format = self.store.format().unwrap_or("chronicle").to_owned();
        let head = self.store.head()?;
        let mut prev = GENESIS;
        let (mut n, mut written) = (0u64, 0u64);
        self.store.scan(1, head, |e: StoredEvent| {
            n += 1;
            let metadata = with_origin(&e, &format);
            let mut fact = StoredEvent { position: n, metadata, ..e };
            fact.hash = link(&prev, HashInput::from(&fact));
            prev = fact.hash;
            if n + 1 == from && prefix.is_some_and(|p| p != fact.hash) {
                return Err(not_a_prefix(target, self.store.name(), n));
            }
            if n < from {
                return Ok(());
            }
            written += 1;
            write_event(out, &fact)
        })?;
        if n + 1 < from {
            return Err(not_a_prefix(target, self.store.name(), n + 1));
        }
        out.flush().map_err(|err| write_error(&err))?;
        Ok(written)
    }
}

fn not_a_prefix(target: &str, source: &str, at: u64) -> AppError {
    AppError::Usage(format!(
        "{target} is not empty and does not hold {source}'s events copied before (they differ at position {at}); nothing was copied"
    ))
}

/// `e`'s metadata (an object; anything else is kept under `foreign`) with
/// `origin` added.
fn with_origin(e: &StoredEvent, format: &str) -> String {
    let mut metadata = match serde_json::from_str::<Value>(&e.metadata) {
        Ok(Value::Object(m)) => m,
        Ok(other) => Map::from_iter([("foreign".to_owned(), other)]),
        Err(_) => Map::from_iter([("foreign".to_owned(), Value::String(e.metadata.clone()))]),
    };
    metadata.insert(
        "origin".to_owned(),
        json!({
            "format": format,
            "position": e.position,
            "id": e.event_id,
            "stream_id": e.stream_id,
            "version": e.version,
            "recorded_at": e.recorded_at,
        }),
    );
    Value::Object(metadata).to_string()
}
