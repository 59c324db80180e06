//! A stream's state as JSON at a position, and at both ends of a diff (the
//! second end folded on from the first where that reads less).

use serde_json::Value;

use crate::app::{AppError, Chronicle, repository};

impl Chronicle {
    /// A stream's state as JSON at `position`, `None` if it had no event yet.
    ///
    /// # Errors
    /// Store failures; an event that cannot be upcast or decoded.
    pub fn state_json_at(&self, stream_id: &str, stream_type: &str, position: u64) -> Result<Option<Value>, AppError> {
        if position == 0 {
            return Ok(None);
        }
        let loaded = repository::load(&self.store, &self.registry, stream_id, stream_type, position)?;
        Ok((loaded.version > 0).then(|| loaded.state.to_json()))
    }

    /// A stream's states as JSON at `from` and at `to` (`from <= to`), as
    /// [`Chronicle::state_json_at`] gives each, the second folded on from
    /// the first where that reads less ([`repository::load_both`]).
    ///
    /// # Errors
    /// As [`Chronicle::state_json_at`].
    pub(super) fn states_json_at_both(
        &self,
        stream_id: &str,
        stream_type: &str,
        (from, to): (u64, u64),
    ) -> Result<(Option<Value>, Option<Value>), AppError> {
        if from == 0 {
            return Ok((None, self.state_json_at(stream_id, stream_type, to)?));
        }
        let mut before = None;
        let at_from = &mut |l: &repository::Loaded| before = (l.version > 0).then(|| l.state.to_json());
        let loaded = repository::load_both(&self.store, &self.registry, stream_id, stream_type, (from, to), at_from)?;
        Ok((before, (loaded.version > 0).then(|| loaded.state.to_json())))
    }
}
