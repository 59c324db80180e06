//! The branch's in-memory read models against the log's, at the same point.

use std::collections::BTreeSet;

use super::Branch;
use crate::app::diff::rows::keyed;
use crate::app::diff::{Diff, rows_diff};
use crate::app::{AppError, Chronicle, World, repository};
use crate::es::{Event, MemTables, TimeTravel};

impl Branch {
    /// Adds to `diff` the rows of every read model folded in memory
    /// ([`TimeTravel::Fold`]) that differ between the branch and the log:
    /// one pass over the log up to the diff's point folds both sides (the
    /// branch's without its skipped and flagged events, with its own
    /// events after the fork point). Ledgers ([`TimeTravel::Query`]) are
    /// not compared: their rows grow with the log.
    ///
    /// # Errors
    /// Store failures; an event that cannot be upcast or decoded.
    pub fn diff_read_models(&self, c: &Chronicle, diff: &mut Diff) -> Result<(), AppError> {
        // The log's world at the fork point from the keyframe cache when
        // one was built (`chronicle cache`) and it would be used.
        let usable =
            self.skipped.range(..=self.at).next().is_none() && self.flagged.iter().all(|f| f.position > self.at);
        let world = if usable && self.at > 0 { c.cached_world(self.at) } else { None };
        self.diff_read_models_from(c, diff, world.as_ref())
    }

    /// As [`Branch::diff_read_models`], starting from `world` when it is
    /// the log's world at the fork point with its read models folded
    /// cleanly (the time machine's, from a keyframe) and nothing before the
    /// fork point is left out of the branch: both sides then start from its
    /// rows and only the log after the fork point is read. Otherwise (no
    /// world, another position, a skip before the fork point) both sides
    /// are folded from position 1.
    ///
    /// # Errors
    /// As [`Branch::diff_read_models`].
    pub fn diff_read_models_from(&self, c: &Chronicle, diff: &mut Diff, world: Option<&World>) -> Result<(), AppError> {
        let registry = c.registry();
        let projections: Vec<_> =
            registry.projections().iter().filter(|p| p.time_travel() == TimeTravel::Fold).collect();
        let left_out: BTreeSet<u64> =
            self.skipped.iter().copied().chain(self.flagged.iter().map(|f| f.position)).collect();
        let own = |branch: &mut MemTables| -> Result<(), AppError> {
            for e in &self.events {
                for p in &projections {
                    p.apply(branch, e)?;
                }
            }
            Ok(())
        };
        let seed = world
            .filter(|w| w.position == self.at && w.problems.is_empty() && left_out.range(..=self.at).next().is_none());
        let (mut main, mut branch, start) = match seed {
            Some(w) => {
                let mut branch = w.tables.clone();
                own(&mut branch)?;
                (w.tables.clone(), branch, self.at + 1)
            }
            None => (MemTables::default(), MemTables::default(), 1),
        };
        if self.at == 0 && seed.is_none() {
            own(&mut branch)?;
        }
        let mut scratch = Event::default();
        c.store().scan_fold(start, diff.to, |e| {
            registry.upcasters().upcast_into(e, &mut scratch)?;
            // Never fold around an event the aggregate cannot decode.
            registry.decode(&scratch).map_err(|v| repository::refused(&scratch, v))?;
            for p in &projections {
                p.apply(&mut main, &scratch)?;
                if !left_out.contains(&e.position) {
                    p.apply(&mut branch, &scratch)?;
                }
            }
            if e.position == self.at {
                own(&mut branch)?;
            }
            Ok::<_, AppError>(())
        })?;
        for p in projections {
            let table = p.tables()[0].name;
            let d = rows_diff(keyed(main.rows(table)), keyed(branch.rows(table)));
            diff.projections.insert(p.name().to_owned(), d);
        }
        Ok(())
    }
}
