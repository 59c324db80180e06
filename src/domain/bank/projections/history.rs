//! `transaction_history`: every deposit and withdrawal of every account, with
//! the balance after it.

use super::safe;
use crate::domain::bank::Account;
use crate::domain::bank::events::{BankEvent, Direction, Money};
use crate::es::projection::{RowsError, TypedProjection, checked_total};
use crate::es::{Cell, Column, ColumnKind, Event, Row, Rows, TableSpec, TimeTravel};

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

/// `seq` and `balance_cents` in `transaction_history_accounts`.
pub(super) const SEQ: usize = 1;
pub(super) const BALANCE: usize = 2;

/// Per-account statement lines, numbered 1, 2, … per account.
#[derive(Debug, Clone, Copy, Default)]
pub struct TransactionHistory;

impl TypedProjection for TransactionHistory {
    type Agg = Account;

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

    fn fold(&self, rows: &mut dyn Rows, event: &Event, typed: &BankEvent<'_>) -> Result<(), RowsError> {
        let Some((direction, m)) = Money::of(typed) else {
            return Ok(());
        };
        let [history, accounts] = &TABLES;
        let id = event.stream_id.as_str();
        let last = rows.get(accounts, &[id.into()])?;
        let what = |col: &str| format!("{col} of {} in transaction_history", safe(id));
        let seq = checked_total(last.as_ref().map_or(0, |r| r.int(SEQ)), 1, || what("seq"), event.position)?;
        let balance = checked_total(
            last.as_ref().map_or(0, |r| r.int(BALANCE)),
            m.delta(direction),
            || what("balance_after_cents"),
            event.position,
        )?;
        let id_cell = Cell::text(id);
        rows.put(accounts, Row::new(accounts, [id_cell.clone(), Cell::Int(seq), Cell::Int(balance)]))?;
        let kind = match direction {
            Direction::In => "deposit",
            Direction::Out => "withdrawal",
        };
        let line = [
            id_cell,
            Cell::Int(seq),
            Cell::uint(event.position),
            Cell::text(&event.recorded_at),
            Cell::text(kind),
            Cell::Int(m.amount.value_cents),
            Cell::Int(balance),
            Cell::text(&m.description),
        ];
        rows.append(history, Row::new(history, line))
    }
}
