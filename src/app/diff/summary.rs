//! A diff's counts by type and actor and its streams touched: from the
//! timeline's interval summaries when the caller has a timeline
//! ([`Chronicle::diff_with_summaries`]: the intervals inside the range plus
//! reads of its edges) or, for a whole-store diff, from the keyframe cache's
//! ([`Chronicle::cached_summaries`]), else from a read of the whole range without
//! payloads ([`crate::es::Store::sum_range`]), a page of positions at a
//! time so a front end can stop it between pages.

use super::{Diff, Scope, cancelled};
use crate::app::timeline::Summaries;
use crate::app::{AppError, Chronicle, World};
use crate::es::store::{RangeSummary, Summing};

/// Positions read per page.
const PAGE: u64 = 65_536;

impl Chronicle {
    /// As [`Chronicle::diff_unless`], the events in between counted (and the
    /// streams touched found) from `sums` (a [`crate::app::Timeline`]'s,
    /// [`crate::app::Timeline::summaries`]) where they cover the range: the
    /// same diff, without reading the whole range.
    ///
    /// # Errors
    /// As [`Chronicle::diff_unless`].
    pub fn diff_with_summaries(
        &self,
        (from, to): (u64, u64),
        scope: Scope<'_>,
        worlds: [Option<&World>; 2],
        sums: &Summaries,
        stop: &dyn Fn() -> bool,
    ) -> Result<Diff, AppError> {
        self.diff_summing(from, to, scope, worlds, Some(sums), stop)
    }

    /// The events of `(from, to]` summed up (a read model's diff needs no
    /// streams touched: left empty then when summed from `sums`).
    ///
    /// # Errors
    /// Store failures; `cancelled` once `stop` says so.
    pub(super) fn summarize(
        &self,
        (from, to): (u64, u64),
        scope: Scope<'_>,
        sums: Option<&Summaries>,
        stop: &dyn Fn() -> bool,
    ) -> Result<RangeSummary, AppError> {
        // Without a timeline, a whole-store diff sums the keyframe cache's
        // intervals when `chronicle cache` built them (`cache/sums.rs`).
        let cached;
        let sums = match sums {
            None => {
                let from_cache = if matches!(scope, Scope::All) { self.cached_summaries(from, to) } else { None };
                // Else the store's own interval sums (`app::models`).
                cached = from_cache.or_else(|| self.stored_summaries(from, to));
                cached.as_ref()
            }
            given => given,
        };
        if let Some(sums) = sums {
            return sums.sum(&self.store, (from, to), !matches!(scope, Scope::Projection(_)), stop);
        }
        let mut sum = Summing::default();
        let mut at = from;
        while at < to {
            if stop() {
                return Err(cancelled());
            }
            let end = at.saturating_add(PAGE).min(to);
            self.store.sum_range(at, end, &mut sum)?;
            at = end;
        }
        Ok(sum.finish())
    }
}

#[cfg(test)]
mod tests;
