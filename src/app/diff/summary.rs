//! A diff's counts by type and actor and its streams touched, from a read
//! of the range without payloads ([`crate::es::Store::sum_range`]), a page
//! of positions at a time so a front end can stop it between pages.

use super::cancelled;
use crate::app::{AppError, Chronicle};
use crate::es::store::{RangeSummary, Summing};

/// Positions read per page.
const PAGE: u64 = 65_536;

impl Chronicle {
    /// The events of `(from, to]` summed up.
    ///
    /// # Errors
    /// Store failures; `cancelled` once `stop` says so.
    pub(super) fn summarize(&self, from: u64, to: u64, stop: &dyn Fn() -> bool) -> Result<RangeSummary, AppError> {
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
