//! `account_balances`: one row per account, closed accounts included.

use super::{bank_event, safe};
use crate::domain::bank::events::{self, Movement};
use crate::es::projection::{RowsError, checked_total};
use crate::es::{Cell, Column, ColumnKind, Event, Projection, Row, Rows, TableSpec};

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

impl Projection for AccountBalances {
    fn name(&self) -> &'static str {
        "account_balances"
    }

    fn tables(&self) -> &'static [TableSpec] {
        &TABLES
    }

    fn apply(&self, rows: &mut dyn Rows, event: &Event) -> Result<(), RowsError> {
        if !bank_event(event) {
            return Ok(());
        }
        let table = &TABLES[0];
        let id = event.stream_id.as_str();
        let p = &event.payload;
        let movement = Movement::read(&event.event_type, p);
        if event.event_type != events::ACCOUNT_OPENED
            && event.event_type != events::ACCOUNT_CLOSED
            && movement.is_none()
        {
            return Ok(());
        }
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
                Cell::text(movement.as_ref().map_or(events::DEFAULT_CURRENCY, |m| m.currency)),
                0,
                Cell::text("active"),
                0,
            ),
        };
        match event.event_type.as_str() {
            events::ACCOUNT_OPENED => {
                owner = Cell::text(events::text(p, "owner").unwrap_or_default());
                currency = Cell::text(events::text(p, "currency").unwrap_or(events::DEFAULT_CURRENCY));
            }
            events::ACCOUNT_CLOSED => status = Cell::text("closed"),
            _ => {
                if let Some(m) = movement {
                    let what = |col: &str| format!("{col} of {} in account_balances", safe(id));
                    balance = checked_total(balance, m.delta(), || what("balance_cents"), event.position)?;
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
