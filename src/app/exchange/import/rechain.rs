//! `import --rechain`: the file's events taken as new facts. Each is
//! appended at the store's head (a new position, the next version of its
//! stream, a new hash chained from the head, recorded now) under its own
//! event id, and its metadata gains
//! `"imported": {"position", "version", "hash", "recorded_at"}`: where it was
//! in the history it came from (an event re-chained twice keeps the earlier
//! record inside the new one). The file's own chain is still verified link by
//! link (from genesis when it starts at position 1; otherwise from its first
//! line's hash, which nothing here can check). An id the store holds is a
//! clash, unless the store holds this very event re-chained before: a file
//! whose events all are appends nothing.

use std::path::Path;

use serde_json::{Map, Value};

use super::{ALTERED, Expect, Import, InLine, Pending, bad_line, input, pending_event};
use crate::app::AppError;
use crate::es::WriteTx;
use crate::es::hash;

impl Import {
    /// [`Import::line`] when re-chaining: `e` is line `n`, `given` its hash.
    #[allow(clippy::too_many_arguments)] // the parts of one line, split by `line`
    pub(super) fn rechain_line(
        &mut self,
        tx: &mut WriteTx<'_>,
        path: &Path,
        n: u64,
        first: bool,
        given: [u8; 32],
        e: InLine,
        upcast: (u32, Value),
    ) -> Result<Option<Pending>, AppError> {
        let bad = |why: String| bad_line(path, n, &why);
        // The first line of a file that starts later is its chain's anchor.
        let anchor = first && e.position != 1;
        if !anchor && hash::link(&self.prev_hash, input(&e)) != given {
            return Err(bad(ALTERED.into()));
        }
        self.prev_hash = given;
        match self.file_versions.get(&e.stream_id) {
            Some(&v) if v.checked_add(1) != Some(e.version) => {
                return Err(bad(format!(
                    "stream {} is at version {v} in the file, so its next event must be version {}, not {}",
                    e.stream_id,
                    v.saturating_add(1),
                    e.version
                )));
            }
            _ => {}
        }
        self.file_versions.insert(e.stream_id.clone(), e.version);
        let event = pending_event(&e, imported_metadata(&e).map_err(bad)?, None);
        if self.head_before > 0
            && let Some((position, differs)) = tx.stored_id(&e.stream_id, &e.stream_type, &event)?
        {
            return match differs {
                None if self.stored_already + 1 == self.lines => {
                    self.stored_already += 1;
                    Ok(None)
                }
                None => Err(bad(format!(
                    "event id {} was re-chained into this store before (position {position}), but the lines \
                     before it were not: refusing a partial re-import",
                    e.event_id
                ))),
                Some(field) => Err(bad(format!(
                    "event id {} is already stored at position {position} with another {field}: --rechain keeps \
                     event ids, and one id names one event; refusing the file",
                    e.event_id
                ))),
            };
        }
        if self.stored_already > 0 {
            return Err(bad(format!(
                "the {} lines before this one were re-chained into this store before, but this one was not: \
                 refusing a partial re-import",
                self.stored_already
            )));
        }
        let (version, new_stream) = self.next_version(tx, &e).map_err(bad)?;
        Ok(Some(Pending {
            line: n,
            position: e.position,
            stream_id: e.stream_id,
            stream_type: e.stream_type,
            version,
            event,
            upcast,
            expect: Expect::Nothing,
            new_stream,
        }))
    }
}

/// Line `e`'s metadata with `imported` added (see the module).
fn imported_metadata(e: &InLine) -> Result<String, String> {
    let Ok(Value::Object(mut metadata)) = serde_json::from_str::<Value>(e.metadata.get()) else {
        return Err("metadata is not a JSON object, so it cannot keep where the event was imported from".into());
    };
    let mut imported = Map::new();
    imported.insert("position".into(), e.position.into());
    imported.insert("version".into(), e.version.into());
    imported.insert("hash".into(), e.hash.as_str().into());
    imported.insert("recorded_at".into(), e.recorded_at.as_str().into());
    if let Some(slot) = metadata.get_mut("imported") {
        imported.insert("imported".into(), slot.take());
        *slot = Value::Object(imported);
    } else {
        metadata.insert("imported".into(), Value::Object(imported));
    }
    serde_json::to_string(&metadata).map_err(|err| err.to_string())
}
