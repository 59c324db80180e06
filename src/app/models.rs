//! Read models at a past position from the store's read-model snapshots
//! (saved by the projector every [`super::projector::model_snapshot_every`]
//! events): the rows of every in-memory read model at the newest position
//! at or before the one asked for where each of them was saved, so a CLI
//! diff, what-if or find without a keyframe cache folds at most an interval
//! of events instead of the log from position 1.
//!
//! A snapshot is used only when its tag matches the read model's tables
//! today and its body unpacks cleanly; otherwise (or on a read failure: a
//! warning) callers fold, with the same results. `verify` checks every
//! snapshot against the fold of the log.

use crate::app::{AppError, Chronicle};
use crate::es::projection::pack;
use crate::es::{MemTables, Projection, TimeTravel};

/// Tries to line the read models' snapshots up at one position this many
/// times (each try moves down to the lowest position found).
const TRIES: usize = 4;

impl Chronicle {
    /// The in-memory read models' rows at the newest position at or before
    /// `position` where the store saved every one of them, with that
    /// position (`None`: no such position, or the store keeps none).
    #[must_use]
    pub fn stored_tables(&self, position: u64) -> Option<(u64, MemTables)> {
        match self.try_stored_tables(position) {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!("read-model snapshots not used: {e}");
                None
            }
        }
    }

    fn try_stored_tables(&self, position: u64) -> Result<Option<(u64, MemTables)>, AppError> {
        let folded: Vec<&dyn Projection> = self
            .registry()
            .projections()
            .iter()
            .map(AsRef::as_ref)
            .filter(|p| p.time_travel() == TimeTravel::Fold)
            .collect();
        if folded.is_empty() || position == 0 {
            return Ok(None);
        }
        let mut max = position;
        for _ in 0..TRIES {
            let mut found = Vec::with_capacity(folded.len());
            for p in &folded {
                match self.store().model_snapshot(p.name(), &pack::tag(p.tables()), max)? {
                    Some(snapshot) => found.push(snapshot),
                    None => return Ok(None),
                }
            }
            let low = found.iter().map(|(at, _)| *at).min().unwrap_or(0);
            if found.iter().all(|(at, _)| *at == low) {
                let mut tables = MemTables::default();
                for (p, (_, body)) in folded.iter().zip(&found) {
                    pack::unpack(p.tables(), body, &mut tables)
                        .map_err(|e| AppError::Usage(format!("read-model snapshot of `{}` at {low}: {e}", p.name())))?;
                }
                tracing::debug!(at = low, position, "read models from a read-model snapshot");
                return Ok(Some((low, tables)));
            }
            max = low;
        }
        Ok(None)
    }
}
