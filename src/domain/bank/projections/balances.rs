//! `account_balances`: one row per account, closed accounts included.

use serde_json::json;

use super::{bank_event, int, row, text};
use crate::domain::bank::events::{self, Movement};
use crate::es::projection::RowsError;
use crate::es::{Column, ColumnKind, Event, Projection, Rows, TableSpec};

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
        let old = old.as_ref();
        // An account seen before its `AccountOpened` (hand-written stores)
        // still gets a row: owner unknown, currency from its first movement.
        let mut owner = old.map_or("", |r| text(r, "owner")).to_owned();
        let mut currency = old
            .map(|r| text(r, "currency"))
            .or(movement.as_ref().map(|m| m.currency.as_str()))
            .unwrap_or(events::DEFAULT_CURRENCY)
            .to_owned();
        let mut balance = old.map_or(0, |r| int(r, "balance_cents"));
        let mut status = old.map_or("active", |r| text(r, "status")).to_owned();
        let mut transactions = old.map_or(0, |r| int(r, "transactions"));
        match event.event_type.as_str() {
            events::ACCOUNT_OPENED => {
                events::text(p, "owner").unwrap_or_default().clone_into(&mut owner);
                events::text(p, "currency").unwrap_or(events::DEFAULT_CURRENCY).clone_into(&mut currency);
            }
            events::ACCOUNT_CLOSED => "closed".clone_into(&mut status),
            _ => {
                if let Some(m) = movement {
                    balance = balance.saturating_add(m.delta());
                    transactions = transactions.saturating_add(1);
                }
            }
        }
        rows.put(
            table,
            row(json!({"account_id": id, "owner": owner, "currency": currency, "balance_cents": balance,
                       "status": status, "transactions": transactions})),
        )
    }
}
