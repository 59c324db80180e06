//! A ledger's rows in a diff ([`TimeTravel::Query`] read models: rows only
//! ever added, each carrying the position that wrote it): counted by the
//! store (its index on the position column), never read by the diff
//! ([`super::Appended`]), and read in key order, a row at a time, when a
//! front end shows them ([`Chronicle::appended_rows`]; the TUI's overlay a
//! page of them, [`Chronicle::preview_appended`]). A ledger's rows up to
//! its checkpoint never change, so a later read gives what the diff saw.

use super::{Appended, Diff, ProjectionDiff};
use crate::app::{AppError, Chronicle};
use crate::es::projection::RowsError;
use crate::es::{Row, StoreError, TableSpec, TimeTravel};

/// A ledger a diff reads: its name, first table and position column.
pub(super) type Ledger = (String, &'static TableSpec, &'static str);

impl Chronicle {
    /// The ledger named `name`, if it is one the store holds up to `to`.
    ///
    /// # Errors
    /// Store failures.
    pub(super) fn ledger(&self, name: &str, to: u64) -> Result<Option<Ledger>, AppError> {
        let Some(p) = self.registry.projection(name) else { return Ok(None) };
        let TimeTravel::Query { position_column } = p.time_travel() else { return Ok(None) };
        if self.store.checkpoint(name)? < to {
            return Ok(None);
        }
        Ok(Some((name.to_owned(), &p.tables()[0], position_column)))
    }

    /// What differs of the ledger `name` between `from` and `to`: its rows
    /// written in between, counted (`None`: not a ledger the store holds up
    /// to `to`).
    ///
    /// # Errors
    /// Store failures.
    pub(super) fn ledger_between(
        &self,
        name: &str,
        (from, to): (u64, u64),
    ) -> Result<Option<ProjectionDiff>, AppError> {
        let Some((_, table, column)) = self.ledger(name, to)? else { return Ok(None) };
        let count = self.store.count_table_between(table, column, (from, to))?;
        Ok(Some(ProjectionDiff { appended: Some(Appended { from, to, count }), ..ProjectionDiff::default() }))
    }

    /// Calls `f` with each row of the ledger `name` that `appended` counts,
    /// in key order, while `f` says to go on (`true`).
    ///
    /// # Errors
    /// [`AppError::Usage`] when `name` is not a ledger; store failures;
    /// `f`'s.
    pub fn appended_rows(
        &self,
        name: &str,
        appended: &Appended,
        f: &mut dyn FnMut(Row) -> Result<bool, AppError>,
    ) -> Result<(), AppError> {
        let Some(p) = self.registry.projection(name) else {
            return Err(AppError::Usage(format!("unknown projection `{name}`")));
        };
        let TimeTravel::Query { position_column } = p.time_travel() else {
            return Err(AppError::Usage(format!("`{name}` is not a ledger")));
        };
        let (mut failed, mut done) = (None, false);
        let between = (appended.from, appended.to);
        let read = self.store.scan_table_between(&p.tables()[0], position_column, between, &mut |row| {
            match f(row) {
                Ok(true) => return Ok(()),
                Ok(false) => done = true,
                Err(e) => failed = Some(e),
            }
            // Stops the scan; what stopped it is kept above.
            Err(StoreError::Rows(RowsError("stopped".into())))
        });
        match (failed, read) {
            (Some(e), _) => Err(e),
            (None, Err(_)) if done => Ok(()),
            (None, r) => Ok(r?),
        }
    }

    /// Holds the first `limit` rows (in key order) of each ledger's rows
    /// added in `diff` in its `added` (what a front end lists before "and N
    /// more"), its count unchanged.
    ///
    /// # Errors
    /// Store failures.
    pub fn preview_appended(&self, diff: &mut Diff, limit: usize) -> Result<(), AppError> {
        for (name, p) in &mut diff.projections {
            let Some(appended) = p.appended else { continue };
            let mut rows = Vec::new();
            if limit > 0 {
                self.appended_rows(name, &appended, &mut |row| {
                    rows.push(row);
                    Ok(rows.len() < limit)
                })?;
            }
            p.added = rows;
        }
        Ok(())
    }
}
