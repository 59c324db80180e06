//! `daily_summary`: deposits and withdrawals per UTC day and account.

use super::safe;
use crate::domain::bank::Account;
use crate::domain::bank::events::{BankEvent, Direction, Money};
use crate::es::projection::{RowsError, TypedProjection, checked_total};
use crate::es::{Cell, Column, ColumnKind, Event, Row, Rows, TableSpec};

/// The table, keyed by (`day`, `account_id`).
pub static TABLES: [TableSpec; 1] = [TableSpec {
    name: "daily_summary",
    columns: &[
        Column { name: "day", kind: ColumnKind::Text },
        Column { name: "account_id", kind: ColumnKind::Text },
        Column { name: "deposits", kind: ColumnKind::Integer },
        Column { name: "deposit_cents", kind: ColumnKind::Integer },
        Column { name: "withdrawals", kind: ColumnKind::Integer },
        Column { name: "withdrawal_cents", kind: ColumnKind::Integer },
    ],
    key_len: 2,
}];

pub(super) const DEPOSITS: usize = 2;
pub(super) const DEPOSIT_CENTS: usize = 3;
pub(super) const WITHDRAWALS: usize = 4;
pub(super) const WITHDRAWAL_CENTS: usize = 5;

/// Counts and sums of money movements per day and account.
#[derive(Debug, Clone, Copy, Default)]
pub struct DailySummary;

impl TypedProjection for DailySummary {
    type Agg = Account;

    fn name(&self) -> &'static str {
        "daily_summary"
    }

    fn tables(&self) -> &'static [TableSpec] {
        &TABLES
    }

    fn fold(&self, rows: &mut dyn Rows, event: &Event, typed: &BankEvent<'_>) -> Result<(), RowsError> {
        let Some((direction, m)) = Money::of(typed) else {
            return Ok(());
        };
        let cents = m.amount.value_cents;
        let table = &TABLES[0];
        let (day, id) = (event.day(), event.stream_id.as_str());
        let old = rows.get(table, &[day.into(), id.into()])?;
        let get = |col| old.as_ref().map_or(0, |r| r.int(col));
        let (mut deposits, mut deposit_cents) = (get(DEPOSITS), get(DEPOSIT_CENTS));
        let (mut withdrawals, mut withdrawal_cents) = (get(WITHDRAWALS), get(WITHDRAWAL_CENTS));
        let at = event.position;
        let what = |col: &str| format!("{col} of {} on {day} in daily_summary", safe(id));
        match direction {
            Direction::In => {
                deposits = checked_total(deposits, 1, || what("deposits"), at)?;
                deposit_cents = checked_total(deposit_cents, cents, || what("deposit_cents"), at)?;
            }
            Direction::Out => {
                withdrawals = checked_total(withdrawals, 1, || what("withdrawals"), at)?;
                withdrawal_cents = checked_total(withdrawal_cents, cents, || what("withdrawal_cents"), at)?;
            }
        }
        let [d, dc, w, wc] = [deposits, deposit_cents, withdrawals, withdrawal_cents].map(Cell::Int);
        rows.put(table, Row::new(table, [Cell::text(day), Cell::text(id), d, dc, w, wc]))
    }
}
