//! `verify`'s check of the read-model snapshots the projector saved: each
//! one against the read models folded from the log at its position. A
//! snapshot is a shortcut the CLI takes instead of folding, so one that
//! differs (an edited file) would show wrong rows: it is named.

use std::collections::BTreeMap;

use super::Report;
use crate::app::{AppError, Chronicle, models};
use crate::es::projection::pack;
use crate::es::store::Summing;
use crate::es::{MemTables, Projection};

/// The snapshots listed in the store, and the folded read models at their
/// positions as the walk passes them.
#[derive(Default)]
pub(super) struct Models {
    /// Position → projection names with a snapshot there under today's tag.
    wanted: BTreeMap<u64, Vec<String>>,
    /// The fold's read models at each wanted position.
    folded: Vec<(u64, MemTables)>,
    /// Positions of the interval sums listed under today's tag.
    sums: Vec<u64>,
    /// How many snapshots are listed (any tag).
    listed: u64,
}

impl Models {
    /// The snapshots `c`'s store lists; one under another tag than its
    /// read model's today is never used, so not compared; one of an unknown
    /// read model or past the head is a problem.
    pub(super) fn listed(c: &Chronicle, head: u64, report: &mut Report) -> Result<Self, AppError> {
        let mut models = Self::default();
        for (name, position, tag) in c.store().model_snapshot_list()? {
            models.listed += 1;
            let shown = crate::domain::ids::shown(&name);
            if name == models::SUMS {
                if position > head || position == 0 {
                    report.problem(None, format!("interval sum at {position} is not a position of the log"));
                } else if tag == models::SUMS_TAG {
                    models.sums.push(position);
                }
                continue;
            }
            match c.registry().projection(&name) {
                None => {
                    report.problem(None, format!("read-model snapshot of unknown read model `{shown}` at {position}"));
                }
                Some(_) if position > head || position == 0 => report.problem(
                    None,
                    format!("read-model snapshot of `{shown}` at {position} is not a position of the log"),
                ),
                Some(p) if pack::tag(p.tables()) == tag => models.wanted.entry(position).or_default().push(name),
                Some(_) => {}
            }
        }
        Ok(models)
    }

    /// Called with the fold's read models just after each event.
    pub(super) fn passed(&mut self, position: u64, tables: &MemTables) {
        if self.wanted.contains_key(&position) {
            self.folded.push((position, tables.clone()));
        }
    }

    /// Compares every wanted snapshot with the fold's read models there,
    /// and every interval sum with the events it sums.
    pub(super) fn check(self, c: &Chronicle, report: &mut Report) -> Result<(), AppError> {
        report.model_snapshots = self.listed;
        for end in self.sums {
            let Some((at, body)) = c.store().model_snapshot(models::SUMS, models::SUMS_TAG, end)? else { continue };
            let what = match models::sums_of(&body) {
                _ if at != end => None,
                Err(e) => Some(format!("cannot be read: {e}")),
                Ok((after, _)) if after >= end => Some(format!("claims to start after its end ({after})")),
                Ok((after, _)) => {
                    let mut sum = Summing::default();
                    c.store().sum_range(after, end, &mut sum)?;
                    let recomputed = models::sums_body(after, &sum.finish()).map_err(AppError::Usage)?;
                    (recomputed != body).then(|| "differs from the events it sums".to_owned())
                }
            };
            if let Some(what) = what {
                report.problem(Some(end), format!("interval sum {what}"));
            }
        }
        for (position, folded) in self.folded {
            for name in self.wanted.get(&position).into_iter().flatten() {
                let Some(p) = c.registry().projection(name) else { continue };
                let tag = pack::tag(p.tables());
                let Some((at, body)) = c.store().model_snapshot(name, &tag, position)? else { continue };
                if at != position {
                    continue;
                }
                let mut stored = MemTables::default();
                let what = match pack::unpack(p.tables(), &body, &mut stored) {
                    Err(e) => Some(format!("cannot be read: {e}")),
                    Ok(()) if !same(p, &stored, &folded) => {
                        Some("differs from the read model recomputed from events".to_owned())
                    }
                    Ok(()) => None,
                };
                if let Some(what) = what {
                    report.problem(Some(position), format!("read-model snapshot of `{name}` {what}"));
                }
            }
        }
        Ok(())
    }
}

/// Whether `p`'s tables hold the same rows (by value) in both.
fn same(p: &dyn Projection, a: &MemTables, b: &MemTables) -> bool {
    p.tables().iter().all(|t| {
        a.len(t.name) == b.len(t.name) && a.rows(t.name).zip(b.rows(t.name)).all(|(x, y)| x.to_json() == y.to_json())
    })
}
