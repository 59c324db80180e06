//! The branch's read models, for a front end that keeps a branch open (the
//! TUI): they read the log up to the fork point by range.

use std::collections::BTreeSet;

use super::Branch;
use crate::app::{AppError, Chronicle, repository};
use crate::es::{Event, MemTables, TimeTravel};

impl Branch {
    /// The positions left out of the branch: skipped, and refused by its
    /// rules (flagged).
    pub(super) fn left_out(&self) -> BTreeSet<u64> {
        self.skipped.iter().copied().chain(self.flagged.iter().map(|f| f.position)).collect()
    }

    /// The rows of every read model folded in memory ([`TimeTravel::Fold`])
    /// as the branch has them at its head: the log up to the fork point
    /// without the events left out, then the branch's own events. Ledgers
    /// ([`TimeTravel::Query`]) are not folded here.
    ///
    /// # Errors
    /// Store failures; an event that cannot be upcast or decoded.
    pub fn read_models(&self, c: &Chronicle) -> Result<MemTables, AppError> {
        let mut tables = self.log_read_models(c)?;
        self.apply_own(c, &mut tables)?;
        Ok(tables)
    }

    /// The read models folded in memory of the log up to the fork point
    /// without the events left out (the branch's own not applied: see
    /// [`Branch::apply_own`]). One pass over the log up to the fork point.
    ///
    /// # Errors
    /// Store failures; an event that cannot be upcast or decoded.
    pub fn log_read_models(&self, c: &Chronicle) -> Result<MemTables, AppError> {
        let mut tables = MemTables::default();
        self.fold_log_into(c, &mut tables, 1)?;
        Ok(tables)
    }

    /// The first position left out of the branch (skipped or refused), if any.
    #[must_use]
    pub fn first_left_out(&self) -> Option<u64> {
        self.left_out().first().copied()
    }

    /// Folds the log's events `from..=` the fork point, less those left out,
    /// into `tables` (the read models folded in memory as of `from - 1`):
    /// with `from` at [`Branch::first_left_out`], the log's read models
    /// before it serve as they are.
    ///
    /// # Errors
    /// Store failures; an event that cannot be upcast or decoded.
    pub fn fold_log_into(&self, c: &Chronicle, tables: &mut MemTables, from: u64) -> Result<(), AppError> {
        let registry = c.registry();
        let projections: Vec<_> =
            registry.projections().iter().filter(|p| p.time_travel() == TimeTravel::Fold).collect();
        let left_out = self.left_out();
        let mut scratch = Event::default();
        let from = from.max(1);
        if from <= self.at {
            c.store().scan_fold(from, self.at, |e| {
                if left_out.contains(&e.position) {
                    return Ok::<_, AppError>(());
                }
                registry.upcasters().upcast_into(e, &mut scratch)?;
                registry.decode(&scratch).map_err(|v| repository::refused(&scratch, v))?;
                for p in &projections {
                    p.apply(tables, &scratch)?;
                }
                Ok(())
            })?;
        }
        Ok(())
    }

    /// Applies the branch's own events to `tables` (read models folded in
    /// memory as of the fork point: [`Branch::log_read_models`], or the
    /// log's own when nothing is left out).
    ///
    /// # Errors
    /// A projection that refuses an event.
    pub fn apply_own(&self, c: &Chronicle, tables: &mut MemTables) -> Result<(), AppError> {
        for p in c.registry().projections().iter().filter(|p| p.time_travel() == TimeTravel::Fold) {
            for e in &self.events {
                p.apply(tables, e)?;
            }
        }
        Ok(())
    }
}
