//! `transaction_history`: every deposit and withdrawal of every account, with
//! the balance after it.

use serde_json::json;

use super::{bank_event, int, row};
use crate::domain::bank::events::{Direction, Movement};
use crate::es::projection::RowsError;
use crate::es::{Column, ColumnKind, Event, Projection, Rows, TableSpec, TimeTravel};

/// The shown table keyed by (`account_id`, `seq`), then the private running
/// state per account (`seq` and `balance_cents` of its last transaction).
pub static TABLES: [TableSpec; 2] = [
    TableSpec {
        name: "transaction_history",
        columns: &[
            Column { name: "account_id", kind: ColumnKind::Text },
            Column { name: "seq", kind: ColumnKind::Integer },
            Column { name: "position", kind: ColumnKind::Integer },
            Column { name: "recorded_at", kind: ColumnKind::Text },
            Column { name: "kind", kind: ColumnKind::Text },
            Column { name: "amount_cents", kind: ColumnKind::Integer },
            Column { name: "balance_after_cents", kind: ColumnKind::Integer },
            Column { name: "description", kind: ColumnKind::Text },
        ],
        key_len: 2,
    },
    TableSpec {
        name: "transaction_history_accounts",
        columns: &[
            Column { name: "account_id", kind: ColumnKind::Text },
            Column { name: "seq", kind: ColumnKind::Integer },
            Column { name: "balance_cents", kind: ColumnKind::Integer },
        ],
        key_len: 1,
    },
];

/// Per-account statement lines, numbered 1, 2, … per account.
#[derive(Debug, Clone, Copy, Default)]
pub struct TransactionHistory;

impl Projection for TransactionHistory {
    fn name(&self) -> &'static str {
        "transaction_history"
    }

    fn tables(&self) -> &'static [TableSpec] {
        &TABLES
    }

    /// Statement lines never change once written and carry their position,
    /// so the time machine reads them from SQLite instead of folding a copy
    /// of the whole ledger in memory.
    fn time_travel(&self) -> TimeTravel {
        TimeTravel::Query { position_column: "position" }
    }

    fn apply(&self, rows: &mut dyn Rows, event: &Event) -> Result<(), RowsError> {
        if !bank_event(event) {
            return Ok(());
        }
        let Some(m) = Movement::read(&event.event_type, &event.payload) else {
            return Ok(());
        };
        let [history, accounts] = &TABLES;
        let id = event.stream_id.as_str();
        let last = rows.get(accounts, &[id.into()])?;
        let seq = last.as_ref().map_or(0, |r| int(r, "seq")).saturating_add(1);
        let balance = last.as_ref().map_or(0, |r| int(r, "balance_cents")).saturating_add(m.delta());
        rows.put(accounts, row(json!({"account_id": id, "seq": seq, "balance_cents": balance})))?;
        let kind = match m.direction {
            Direction::In => "deposit",
            Direction::Out => "withdrawal",
        };
        rows.put(
            history,
            row(json!({"account_id": id, "seq": seq, "position": event.position, "recorded_at": event.recorded_at,
                       "kind": kind, "amount_cents": m.cents, "balance_after_cents": balance,
                       "description": m.description})),
        )
    }
}
