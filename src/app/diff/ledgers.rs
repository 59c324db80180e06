//! A ledger's rows in a diff ([`TimeTravel::Query`] read models: rows only
//! ever added, each carrying the position that wrote it), read whole or a
//! piece of the range at a time (`diff/split.rs` shares a wide range's
//! pieces between two connections). A ledger's rows up to its checkpoint
//! never change, so any connection reads what another would.

use std::ops::Range;

use super::ProjectionDiff;
use super::rows::key_text;
use crate::app::{AppError, Chronicle};
use crate::es::store::Store;
use crate::es::{Row, TableSpec, TimeTravel};

/// A ledger a diff reads: its name, first table and position column.
pub(super) type Ledger = (String, &'static TableSpec, &'static str);

/// Rows of a ledger in key-text order, each with where its key's text is
/// in `texts` (one buffer: no allocation per row to free later, maybe on
/// another thread).
#[derive(Default)]
pub(super) struct Keyed {
    texts: String,
    rows: Vec<(Range<usize>, Row)>,
}

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
    between: (u64, u64),
) -> Result<ProjectionDiff, AppError> {
    Ok(merged(ledger_piece(store, table, position_column, between, &|| false)?.into_iter().collect()))
}

/// The rows of the ledger written in `(from, to]`, in key-text order;
/// `None` once `give_up` says so (asked every [`ASK_EVERY`] rows).
///
/// # Errors
/// Store failures.
pub(super) fn ledger_piece(
    store: &Store,
    table: &'static TableSpec,
    position_column: &str,
    (from, to): (u64, u64),
    give_up: &dyn Fn() -> bool,
) -> Result<Option<Keyed>, AppError> {
    let mut keyed = Keyed::default();
    let (mut seen, mut stopped) = (0, false);
    store.scan_table_between(table, position_column, (from, to), &mut |row| {
        seen += 1;
        stopped = stopped || (seen % ASK_EVERY == 0 && give_up());
        if !stopped {
            let start = keyed.texts.len();
            keyed.texts.push_str(&key_text(&row));
            keyed.rows.push((start..keyed.texts.len(), row));
        }
        Ok(())
    })?;
    if stopped {
        return Ok(None);
    }
    let Keyed { texts, rows } = &mut keyed;
    rows.sort_unstable_by(|a, b| texts[a.0.clone()].cmp(&texts[b.0.clone()]));
    Ok(Some(keyed))
}

/// How many rows a ledger's piece reads between two questions to its
/// `give_up`.
const ASK_EVERY: usize = 4_096;

/// One ledger's diff from its pieces (each in key-text order; their keys
/// differ): the rows gained, in key-text order (the pieces merged).
pub(super) fn merged(pieces: Vec<Keyed>) -> ProjectionDiff {
    let added = match <[Keyed; 1]>::try_from(pieces) {
        Ok([one]) => one.rows.into_iter().map(|(_, row)| row).collect(),
        Err(pieces) => {
            let mut added = Vec::with_capacity(pieces.iter().map(|p| p.rows.len()).sum());
            let (mut keys, mut rows) = (Vec::new(), Vec::new());
            for Keyed { texts, rows: keyed } in pieces {
                let (ranges, piece): (Vec<_>, Vec<_>) = keyed.into_iter().unzip();
                keys.push((texts, ranges));
                rows.push(piece.into_iter());
            }
            let mut next = vec![0; keys.len()];
            let key = |i: usize, at: usize| &keys[i].0[keys[i].1[at].clone()];
            // The piece whose next row has the lowest key, while one has a row.
            while let Some(i) = (0..keys.len()).filter(|&i| next[i] < keys[i].1.len()).min_by_key(|&i| key(i, next[i]))
            {
                added.extend(rows[i].next());
                next[i] += 1;
            }
            added
        }
    };
    ProjectionDiff { added, ..ProjectionDiff::default() }
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
}
