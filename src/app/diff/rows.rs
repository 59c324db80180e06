//! A diff's read-model rows at both ends: from the time machine's world at
//! that position when the caller has one (its keyframed in-memory read
//! models), straight from the store where it holds them (a table at that
//! position; a ledger's rows written in between alone), else folded in
//! memory, every such read model in one pass over the log up to the later
//! end.

use std::collections::BTreeMap;

use serde_json::Value;

use super::ProjectionDiff;
use crate::app::{AppError, Chronicle, World, repository};
use crate::es::{Cell, Event, MemTables, Row, TimeTravel};

/// Rows of one read model by the text of their key ([`row_key`]); a row
/// becomes JSON only if it differs ([`super::rows_diff`]).
pub type Keyed = BTreeMap<String, Row>;

/// Keys the rows of `rows` by [`row_key`]'s text.
pub(crate) fn keyed<'a>(rows: impl Iterator<Item = &'a Row>) -> Keyed {
    rows.map(|row| (key_text(row), row.clone())).collect()
}

/// The text of [`row_key`] (`row_key(row).to_string()`), written straight
/// from the key cells: a ledger's diff keys and sorts one row per event of
/// the range, where building a JSON value per key first was a tenth of it.
pub(crate) fn key_text(row: &Row) -> String {
    fn cell(out: &mut Vec<u8>, c: &Cell) {
        use std::io::Write as _;
        // Writes to a `Vec` do not fail; `Value`'s text of each kind.
        let _ = match c {
            Cell::Null => out.write_all(b"null"),
            Cell::Int(n) => write!(out, "{n}"),
            Cell::Text(t) => serde_json::to_writer(&mut *out, t.as_str()).map_err(std::io::Error::other),
            Cell::Json(v) => serde_json::to_writer(&mut *out, &**v).map_err(std::io::Error::other),
        };
    }
    let mut out = Vec::with_capacity(32);
    match row.key_cells() {
        [one] => cell(&mut out, one),
        many => {
            out.push(b'[');
            for (i, c) in many.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                cell(&mut out, c);
            }
            out.push(b']');
        }
    }
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// A row's key as JSON: its one key cell's value, or an array of them.
#[must_use]
pub fn row_key(row: &Row) -> Value {
    match row.key_cells() {
        [one] => one.to_value(),
        many => Value::Array(many.iter().map(crate::es::Cell::to_value).collect()),
    }
}

/// Compares two sets of rows keyed by [`row_key`]'s text: a row is changed
/// when its JSON differs, and only rows that differ are turned into JSON
/// (equal cells make equal JSON, so those are skipped unconverted).
#[must_use]
pub fn rows_diff(before: Keyed, after: Keyed) -> ProjectionDiff {
    let mut d = ProjectionDiff::default();
    let mut before = before;
    for (key, row) in after {
        match before.remove(&key) {
            None => d.added.push(row),
            Some(old) if old != row => {
                let (old, new) = (old.to_json(), row.to_json());
                if old != new {
                    d.changed.push((row_key(&row), old, new));
                }
            }
            Some(_) => {}
        }
    }
    d.removed = before.into_values().collect();
    d
}

impl Chronicle {
    /// Whether the store holds `name`'s rows as of `position` (its table is
    /// there, or it is a ledger past it), so they need no fold.
    fn rows_stored_at(&self, name: &str, position: u64) -> Result<bool, AppError> {
        let Some(p) = self.registry.projection(name) else { return Ok(false) };
        let checkpoint = self.store.checkpoint(name)?;
        Ok(checkpoint == position || matches!(p.time_travel(), TimeTravel::Query { .. }) && checkpoint >= position)
    }

    /// Every read model of `names` diffed between `from` and `to`: a
    /// ledger by the rows it gained, the others by their rows at both ends.
    ///
    /// # Errors
    /// Store failures; an event that cannot be upcast or decoded.
    pub(super) fn projection_diffs(
        &self,
        names: Vec<String>,
        (from, to): (u64, u64),
        worlds: [Option<&World>; 2],
        stop: &dyn Fn() -> bool,
    ) -> Result<BTreeMap<String, ProjectionDiff>, AppError> {
        if from == to {
            return Ok(names.into_iter().map(|n| (n, ProjectionDiff::default())).collect());
        }
        let mut out = BTreeMap::new();
        let mut rest = Vec::new();
        for name in names {
            if stop() {
                return Err(super::cancelled());
            }
            if let Some(rows) = self.ledger_between(&name, (from, to))? {
                out.insert(name, rows);
            } else {
                rest.push(name);
            }
        }
        for (name, (before, after)) in self.rows_at_both(&rest, (from, to), worlds, stop)? {
            out.insert(name, rows_diff(before, after));
        }
        Ok(out)
    }

    /// The rows of each of `names` at `from` and at `to` (`from <= to`).
    ///
    /// # Errors
    /// Store failures; an event that cannot be upcast or decoded.
    pub(super) fn rows_at_both(
        &self,
        names: &[String],
        (from, to): (u64, u64),
        worlds: [Option<&World>; 2],
        stop: &dyn Fn() -> bool,
    ) -> Result<BTreeMap<String, (Keyed, Keyed)>, AppError> {
        let mut out: BTreeMap<String, (Option<Keyed>, Option<Keyed>)> = BTreeMap::new();
        let mut fold: Vec<&str> = Vec::new();
        let mut upto = 0;
        for name in names {
            if stop() {
                return Err(super::cancelled());
            }
            let at = |position, world: Option<&World>| -> Result<Option<Keyed>, AppError> {
                if let (Some(w), Some(p)) = (world, self.registry.projection(name))
                    && w.position == position
                    && w.problems.is_empty()
                    && p.time_travel() == TimeTravel::Fold
                {
                    return Ok(Some(keyed(w.tables.rows(p.tables()[0].name))));
                }
                if self.rows_stored_at(name, position)? { Ok(Some(self.keyed_rows(name, position)?)) } else { Ok(None) }
            };
            let (a, b) = (at(from, worlds[0])?, at(to, worlds[1])?);
            if a.is_none() || b.is_none() {
                fold.push(name);
                upto = upto.max(if b.is_none() { to } else { from });
            }
            out.insert(name.clone(), (a, b));
        }
        if !fold.is_empty() {
            let projections: Vec<_> = fold.iter().filter_map(|n| self.registry.projection(n)).collect();
            let mut tables = MemTables::default();
            let mut scratch = Event::default();
            let capture =
                |tables: &MemTables, out: &mut BTreeMap<String, (Option<Keyed>, Option<Keyed>)>, first: bool| {
                    for p in &projections {
                        if let Some(slot) = out.get_mut(p.name()) {
                            let side = if first { &mut slot.0 } else { &mut slot.1 };
                            if side.is_none() {
                                *side = Some(keyed(tables.rows(p.tables()[0].name)));
                            }
                        }
                    }
                };
            if from == 0 {
                capture(&tables, &mut out, true);
            }
            self.store.scan_fold(1, upto, |e| {
                if stop() {
                    return Err(super::cancelled());
                }
                self.registry.upcasters().upcast_into(e, &mut scratch)?;
                // Never fold around an event the aggregate cannot decode.
                self.registry.decode(&scratch).map_err(|v| repository::refused(&scratch, v))?;
                for p in &projections {
                    p.apply(&mut tables, &scratch)?;
                }
                if e.position == from {
                    capture(&tables, &mut out, true);
                }
                if e.position == to {
                    capture(&tables, &mut out, false);
                }
                Ok::<_, AppError>(())
            })?;
        }
        Ok(out.into_iter().map(|(name, (a, b))| (name, (a.unwrap_or_default(), b.unwrap_or_default()))).collect())
    }
}
