//! A ledger's rows in a diff ([`TimeTravel::Query`] read models: rows only
//! ever added, each carrying the position that wrote it), and reading them
//! beside the rest of a wide diff: on a second connection, on a second
//! thread, while the diff's own connection loads the touched streams'
//! states. The two are independent: a ledger's rows up to its checkpoint
//! never change, so the second connection reads what the first would. On a
//! range of a third of a 1M log that is ~255k rows, the largest single part
//! of a whole-store diff, and the machine has a second core for it.

use super::ProjectionDiff;
use super::rows::key_text;
use crate::app::{AppError, Chronicle};
use crate::es::backend::Access;
use crate::es::store::Store;
use crate::es::{Row, TableSpec, TimeTravel};

/// From this many events apart, a whole-store diff reads its ledgers on a
/// second connection (below it, opening one would cost more than it saves).
const BESIDE_FROM: u64 = 20_000;

/// A ledger a diff reads: its name, first table and position column.
pub(super) type Ledger = (String, &'static TableSpec, &'static str);

/// The ledgers' rows being read on a second thread, if they are.
pub(super) type Beside<'scope> =
    Option<std::thread::ScopedJoinHandle<'scope, Result<Vec<(String, ProjectionDiff)>, AppError>>>;

/// The rows of the ledger in `(from, to]`, by key text as
/// [`super::rows_diff`] orders them. Its rows never change once written,
/// so nothing else differs.
///
/// # Errors
/// Store failures.
pub(super) fn ledger_rows(
    store: &Store,
    table: &'static TableSpec,
    position_column: &str,
    (from, to): (u64, u64),
) -> Result<ProjectionDiff, AppError> {
    let mut rows: Vec<(String, Row)> = Vec::new();
    store.scan_table_between(table, position_column, (from, to), &mut |row| {
        rows.push((key_text(&row), row));
        Ok(())
    })?;
    rows.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(ProjectionDiff { added: rows.into_iter().map(|(_, row)| row).collect(), ..ProjectionDiff::default() })
}

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

    /// What differs of the ledger `name` between `from` and `to` (`None`:
    /// not a ledger the store holds up to `to`).
    ///
    /// # Errors
    /// Store failures.
    pub(super) fn ledger_between(
        &self,
        name: &str,
        (from, to): (u64, u64),
    ) -> Result<Option<ProjectionDiff>, AppError> {
        match self.ledger(name, to)? {
            Some((_, table, column)) => Ok(Some(ledger_rows(&self.store, table, column, (from, to))?)),
            None => Ok(None),
        }
    }

    /// Starts reading the ledgers among `names` on a second connection and
    /// thread when `(from, to]` is wide, returning their names (the caller
    /// leaves them out of its own reads) and the thread. A store that cannot
    /// open a second connection is read in turn, as a narrow range is.
    ///
    /// # Errors
    /// Store failures reading the checkpoints.
    pub(super) fn ledgers_beside<'scope>(
        &self,
        scope: &'scope std::thread::Scope<'scope, '_>,
        names: &[String],
        (from, to): (u64, u64),
    ) -> Result<(Vec<String>, Beside<'scope>), AppError> {
        if to.saturating_sub(from) < BESIDE_FROM {
            return Ok((Vec::new(), None));
        }
        let mut ledgers = Vec::new();
        for name in names {
            ledgers.extend(self.ledger(name, to)?);
        }
        if ledgers.is_empty() {
            return Ok((Vec::new(), None));
        }
        let other = match self.store.reconnect(Access::Read) {
            Ok(other) => other,
            Err(e) => {
                tracing::debug!("ledgers read in turn (no second connection: {e})");
                return Ok((Vec::new(), None));
            }
        };
        let taken: Vec<String> = ledgers.iter().map(|(name, _, _)| name.clone()).collect();
        tracing::debug!(ledgers = ?taken, from, to, "ledgers read beside the streams, on a second connection");
        let handle = scope.spawn(move || {
            ledgers
                .into_iter()
                .map(|(name, table, column)| Ok((name, ledger_rows(&other, table, column, (from, to))?)))
                .collect()
        });
        Ok((taken, Some(handle)))
    }
}
