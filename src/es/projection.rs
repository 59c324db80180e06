//! Projections: pure folds of the whole log into rows of tables.
//!
//! One fold, two uses: a [`Projection`] writes through the [`Rows`] trait, so
//! the same code materialises the persistent read model (SQLite tables, in the
//! same transaction as the checkpoint; see `store::rows`) and the in-memory
//! state the time machine scrubs through ([`MemTables`]).

mod key;
mod mem;
pub mod pack;
mod row;
mod typed;

pub use key::Key;
pub use mem::MemTables;
pub use row::{Cell, Row};
pub use typed::TypedProjection;

use super::event::Event;

/// SQL type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// TEXT.
    Text,
    /// INTEGER (exact; money is always integer minor units).
    Integer,
    /// TEXT holding JSON (arrays, objects).
    Json,
}

/// One column of a read-model table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Column name (`[a-z_]+`).
    pub name: &'static str,
    /// Its type.
    pub kind: ColumnKind,
}

/// A read-model table: its name and columns; the first `key_len` columns form
/// the primary key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableSpec {
    /// Table name (`[a-z_]+`), also the SQLite table's name.
    pub name: &'static str,
    /// Columns in order.
    pub columns: &'static [Column],
    /// How many leading columns form the key.
    pub key_len: usize,
}

impl TableSpec {
    /// The key of `row` under this spec.
    #[must_use]
    pub fn key_of(&self, row: &Row) -> Key {
        row.key()
    }

    /// The index of the column named `name`.
    #[must_use]
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// How a stored table whose columns are `have` (name, declared type, in
    /// order) differs from this spec, `None` when it does not; `declared`
    /// is the type an engine declares for a column kind. A missing table
    /// (no columns) is a problem only once rows were `applied` to it. Every
    /// engine's `read_model_problem` says it in these words.
    #[must_use]
    pub fn problem(
        &self,
        have: &[(String, String)],
        declared: fn(ColumnKind) -> &'static str,
        applied: u64,
    ) -> Option<String> {
        let table = self.name;
        if have.is_empty() {
            return (applied > 0).then(|| format!("table `{table}` is missing"));
        }
        let want: Vec<(&str, &str)> = self.columns.iter().map(|c| (c.name, declared(c.kind))).collect();
        if let Some((extra, _)) = have.iter().find(|(n, _)| !want.iter().any(|(w, _)| w == n)) {
            return Some(format!("table `{table}` has an extra column `{}`", extra.escape_debug()));
        }
        if let Some((missing, _)) = want.iter().find(|(w, _)| !have.iter().any(|(n, _)| n == w)) {
            return Some(format!("table `{table}` has no column `{missing}`"));
        }
        for ((n, ty), (w, wty)) in have.iter().zip(&want) {
            if n != w {
                return Some(format!("the columns of table `{table}` are not in chronicle's order"));
            }
            if ty != wty {
                return Some(format!(
                    "column `{table}.{w}` is declared `{}`, chronicle declares `{wty}`",
                    ty.escape_debug()
                ));
            }
        }
        None
    }
}

/// Storage failure underneath a projection, or a total a read model cannot
/// hold (see [`RowsError::out_of_range`]).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("read model storage: {0}")]
pub struct RowsError(pub String);

impl RowsError {
    const OUT_OF_RANGE: &'static str = "out of range: ";

    /// A sum or count that would leave the range of its column (64-bit
    /// integers). Projections never saturate or wrap: the event that would
    /// make a total wrong is refused instead, and `reason` says which total.
    #[must_use]
    pub fn out_of_range(reason: &str) -> Self {
        Self(format!("{}{reason}", Self::OUT_OF_RANGE))
    }

    /// The reason, when this is a total out of range (not a storage failure).
    #[must_use]
    pub fn out_of_range_reason(&self) -> Option<&str> {
        self.0.strip_prefix(Self::OUT_OF_RANGE)
    }
}

/// `total + by`, or the refusal naming `what` (`deposit_cents of acc-1 on
/// 2026-03-01 in daily_summary`) and the event's position.
///
/// # Errors
/// [`RowsError::out_of_range`] when the sum does not fit in 64 bits.
pub fn checked_total(total: i64, by: i64, what: impl FnOnce() -> String, position: u64) -> Result<i64, RowsError> {
    total.checked_add(by).ok_or_else(|| {
        RowsError::out_of_range(&format!(
            "{} would leave the 64-bit range ({total} + {by}) at position {position}",
            what()
        ))
    })
}

/// Where a projection reads and writes its rows.
pub trait Rows {
    /// The row of `table` with `key`, if any (rows share their cells: this
    /// copies no cell).
    ///
    /// # Errors
    /// Storage failure.
    fn get(&mut self, table: &'static TableSpec, key: &[Cell]) -> Result<Option<Row>, RowsError>;
    /// Inserts or replaces `row` (its key comes from its key columns).
    ///
    /// # Errors
    /// Storage failure.
    fn put(&mut self, table: &'static TableSpec, row: Row) -> Result<(), RowsError>;
    /// Deletes the row with `key`, if any.
    ///
    /// # Errors
    /// Storage failure.
    fn delete(&mut self, table: &'static TableSpec, key: &[Cell]) -> Result<(), RowsError>;
    /// Adds a row to an insert-only table (a ledger line the projection never
    /// updates, deletes or reads back): the same as [`put`](Self::put), but a
    /// store may write it straight through instead of caching it by key.
    ///
    /// # Errors
    /// Storage failure.
    fn append(&mut self, table: &'static TableSpec, row: Row) -> Result<(), RowsError> {
        self.put(table, row)
    }
}

/// How the time machine finds a read model as of an earlier position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeTravel {
    /// Fold it in memory (right for read models whose size follows the
    /// number of streams, not the number of events).
    Fold,
    /// Its first table only ever gains rows (never updated, deleted or read
    /// back by the projection), each carrying the position that wrote it in
    /// this column: the rows as of position P are the persistent rows with
    /// `column <= P`. Right for ledgers that grow with the log.
    Query {
        /// The column holding the writing event's position.
        position_column: &'static str,
    },
}

/// A read model: a pure fold over every event of the log, type-erased.
/// Authors implement [`TypedProjection`] instead: the library implements
/// this for them.
pub trait Projection: Send + Sync {
    /// Unique name (`account_balances`), also its checkpoint's name.
    fn name(&self) -> &'static str;
    /// The tables it owns; the first is the one shown to people.
    fn tables(&self) -> &'static [TableSpec];
    /// Folds one upcast event (events it does not care about are ignored).
    ///
    /// # Errors
    /// Only storage failures from `rows`.
    fn apply(&self, rows: &mut dyn Rows, event: &Event) -> Result<(), RowsError>;
    /// How the time machine shows it at earlier positions (default: fold).
    fn time_travel(&self) -> TimeTravel {
        TimeTravel::Fold
    }
}
