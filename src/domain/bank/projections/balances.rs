//! `account_balances`: one row per account, closed accounts included.

use super::safe;
use crate::domain::bank::Account;
use crate::domain::bank::events::{self, BankEvent, Money};
use crate::es::projection::{RowsError, TypedProjection, checked_total};
use crate::es::{Cell, Column, ColumnKind, Event, Row, Rows, TableSpec};

/// The table: `{"account_id","owner","currency","balance_cents","status","transactions"}`.
pub static TABLES: [TableSpec; 1] = [TableSpec {
    name: "account_balances",
    columns: &[
        Column { name: "account_id", kind: ColumnKind::Text },
        Column { name: "owner", kind: ColumnKind::Text },
        Column { name: "currency", kind: ColumnKind::Text },
        Column { name: "balance_cents", kind: ColumnKind::Integer },
        Column { name: "status", kind: ColumnKind::Text },
        Column { name: "transactions", kind: ColumnKind::Integer },
    ],
    key_len: 1,
}];

pub(super) const OWNER: usize = 1;
pub(super) const CURRENCY: usize = 2;
pub(super) const BALANCE: usize = 3;
pub(super) const STATUS: usize = 4;
pub(super) const TRANSACTIONS: usize = 5;

/// Balance, status and transaction count of every account.
#[derive(Debug, Clone, Copy, Default)]
pub struct AccountBalances;

impl TypedProjection for AccountBalances {
    type Agg = Account;

    fn name(&self) -> &'static str {
        "account_balances"
    }

    fn tables(&self) -> &'static [TableSpec] {
        &TABLES
    }

    fn fold(&self, rows: &mut dyn Rows, event: &Event, typed: &BankEvent<'_>) -> Result<(), RowsError> {
        let table = &TABLES[0];
        let id = event.stream_id.as_str();
        let movement = Money::of(typed);
        let old = rows.get(table, &[id.into()])?;
        // Text cells carry over as they are. An account seen before
        // its `AccountOpened` (hand-written stores) still gets a row: owner
        // unknown, currency from its first movement.
        let (mut owner, mut currency, mut balance, mut status, mut transactions) = match &old {
            Some(r) => {
                (r.text_cell(OWNER), r.text_cell(CURRENCY), r.int(BALANCE), r.text_cell(STATUS), r.int(TRANSACTIONS))
            }
            None => (
                Cell::text(""),
                Cell::text(movement.map_or(events::DEFAULT_CURRENCY, |(_, m)| m.amount.currency)),
                0,
                Cell::text("active"),
                0,
            ),
        };
        match typed {
            BankEvent::Opened(o) => {
                owner = Cell::text(o.owner);
                currency = Cell::text(o.currency);
            }
            BankEvent::Closed(_) => status = Cell::text("closed"),
            BankEvent::Deposited(_) | BankEvent::Withdrawn(_) => {
                if let Some((direction, m)) = movement {
                    let what = |col: &str| format!("{col} of {} in account_balances", safe(id));
                    balance = checked_total(balance, m.delta(direction), || what("balance_cents"), event.position)?;
                    transactions = checked_total(transactions, 1, || what("transactions"), event.position)?;
                }
            }
        }
        rows.put(
            table,
            Row::new(table, [Cell::text(id), owner, currency, Cell::Int(balance), status, Cell::Int(transactions)]),
        )
    }
}
