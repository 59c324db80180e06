//! `daily_summary`: deposits and withdrawals per UTC day and account.

use serde_json::json;

use super::{bank_event, int, row};
use crate::domain::bank::events::{Direction, Movement};
use crate::es::projection::RowsError;
use crate::es::{Column, ColumnKind, Event, Projection, Rows, TableSpec};

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

/// Counts and sums of money movements per day and account.
#[derive(Debug, Clone, Copy, Default)]
pub struct DailySummary;

impl Projection for DailySummary {
    fn name(&self) -> &'static str {
        "daily_summary"
    }

    fn tables(&self) -> &'static [TableSpec] {
        &TABLES
    }

    fn apply(&self, rows: &mut dyn Rows, event: &Event) -> Result<(), RowsError> {
        if !bank_event(event) {
            return Ok(());
        }
        let Some(m) = Movement::read(&event.event_type, &event.payload) else {
            return Ok(());
        };
        let table = &TABLES[0];
        let (day, id) = (event.day(), event.stream_id.as_str());
        let old = rows.get(table, &[day.into(), id.into()])?;
        let get = |col| old.as_ref().map_or(0, |r| int(r, col));
        let (mut deposits, mut deposit_cents) = (get("deposits"), get("deposit_cents"));
        let (mut withdrawals, mut withdrawal_cents) = (get("withdrawals"), get("withdrawal_cents"));
        match m.direction {
            Direction::In => {
                deposits = deposits.saturating_add(1);
                deposit_cents = deposit_cents.saturating_add(m.cents);
            }
            Direction::Out => {
                withdrawals = withdrawals.saturating_add(1);
                withdrawal_cents = withdrawal_cents.saturating_add(m.cents);
            }
        }
        rows.put(
            table,
            row(json!({"day": day, "account_id": id, "deposits": deposits, "deposit_cents": deposit_cents,
                       "withdrawals": withdrawals, "withdrawal_cents": withdrawal_cents})),
        )
    }
}
