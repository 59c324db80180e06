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

use crate::app::cache::sums;
use crate::app::timeline::Summaries;
use crate::app::{AppError, Chronicle};
use crate::es::projection::pack;
use crate::es::store::RangeSummary;
use crate::es::{MemTables, Projection, TimeTravel};

/// The name the interval sums are saved under beside the read models
/// (no read model's name starts with `$`): at each multiple of the
/// interval, the events since the one before summed up, as the keyframe
/// cache keeps them (`super::cache::sums`), so a diff without a cache sums
/// a range from the intervals inside it plus reads of its edges.
pub const SUMS: &str = "$sums";

/// The tag of [`SUMS`]' bodies: the first position − 1 they cover (`u64`,
/// little-endian), then the interval's sums as the cache encodes them.
pub const SUMS_TAG: &str = "sums/1";

/// The body of [`SUMS`] for the events of `(after, …]` summed in `sum`.
///
/// # Errors
/// An interval too large to encode (see `cache::sums::encode`).
pub fn sums_body(after: u64, sum: &RangeSummary) -> Result<Vec<u8>, String> {
    let mut body = after.to_le_bytes().to_vec();
    body.extend(sums::encode(sum)?);
    Ok(body)
}

/// The first position − 1 a [`SUMS`] body covers, and its encoded sums.
///
/// # Errors
/// A body too short to hold one.
pub fn sums_of(body: &[u8]) -> Result<(u64, &[u8]), String> {
    let (head, rest) = body.split_first_chunk::<8>().ok_or("an interval sum cut short")?;
    Ok((u64::from_le_bytes(*head), rest))
}

/// Tries to line the read models' snapshots up at one position this many
/// times (each try moves down to the lowest position found).
const TRIES: usize = 4;

impl Chronicle {
    /// Folds the events of `(after, upto]` into `tables` with `projections`
    /// (each event upcast, and never folded around when its aggregate
    /// cannot decode it); returns the last position folded.
    ///
    /// # Errors
    /// Store failures; an event that cannot be upcast or decoded.
    pub(crate) fn fold_models(
        &self,
        projections: &[&dyn Projection],
        tables: &mut MemTables,
        (after, upto): (u64, u64),
    ) -> Result<u64, AppError> {
        let (mut event, mut last) = (crate::es::Event::default(), after);
        let registry = self.registry();
        self.store().scan_fold(after + 1, upto, |e| {
            registry.upcasters().upcast_into(e, &mut event)?;
            registry.decode(&event).map_err(|v| super::repository::refused(&event, v))?;
            for p in projections {
                p.apply(tables, &event)?;
            }
            last = e.position;
            Ok::<_, AppError>(())
        })?;
        Ok(last)
    }

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

impl Chronicle {
    /// The stored interval sums ([`SUMS`]) lying inside `(from, to]`, as a
    /// timeline's ([`Summaries::sum`] reads the rest of the range). `None`
    /// when none lies inside (or on a failure: a warning).
    #[must_use]
    pub fn stored_summaries(&self, from: u64, to: u64) -> Option<Summaries> {
        match self.try_stored_summaries(from, to) {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!("stored interval sums not used: {e}");
                None
            }
        }
    }

    fn try_stored_summaries(&self, from: u64, to: u64) -> Result<Option<Summaries>, AppError> {
        if from >= to {
            return Ok(None);
        }
        let ends: Vec<u64> = self
            .store()
            .model_snapshot_list()?
            .into_iter()
            .filter(|(name, end, tag)| name == SUMS && tag == SUMS_TAG && *end > from && *end <= to)
            .map(|(_, end, _)| end)
            .collect();
        let sums = Summaries::default();
        let (mut intervals, mut last) = (0_usize, from);
        for end in ends {
            let Some((at, body)) = self.store().model_snapshot(SUMS, SUMS_TAG, end)? else { continue };
            let bad = |e: String| AppError::Usage(format!("interval sum at {at}: {e}"));
            let (after, bytes) = sums_of(&body).map_err(bad)?;
            // Only whole intervals inside the range, never two overlapping.
            if at != end || after < last || after >= end {
                continue;
            }
            sums.insert((after, end), &sums::decode(bytes).map_err(bad)?);
            (intervals, last) = (intervals + 1, end);
        }
        if intervals == 0 {
            return Ok(None);
        }
        tracing::debug!(from, to, intervals, "streams touched from stored interval sums");
        Ok(Some(sums))
    }
}
