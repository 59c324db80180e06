//! The bank's read models: typed folds of the account's events
//! ([`TypedProjection`](crate::es::projection::TypedProjection)) through
//! [`Rows`](crate::es::Rows), with money as integer cents. Only events of
//! `BankAccount` streams that decode count.

mod balances;
mod daily;
mod history;

pub use balances::AccountBalances;
pub use daily::DailySummary;
pub use history::TransactionHistory;

use crate::es::Projection;

/// Every bank projection, in display order.
#[must_use]
pub fn all() -> Vec<Box<dyn Projection>> {
    vec![Box::new(AccountBalances), Box::new(TransactionHistory), Box::new(DailySummary)]
}

/// An account id for a message, invisible characters escaped.
fn safe(id: &str) -> String {
    crate::domain::ids::shown(id)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a failed unwrap is the failure report
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::domain::bank::events::STREAM_TYPE;
    use crate::domain::bank::events::{closed, deposited, opened, withdrawn};
    use crate::es::Event;
    use crate::es::{EventData, MemTables};

    fn ev(position: u64, stream: &str, day: &str, e: EventData) -> Event {
        Event {
            position,
            stream_id: stream.into(),
            stream_type: STREAM_TYPE.into(),
            version: 0,
            event_type: e.event_type,
            schema_version: e.schema_version,
            payload: e.payload,
            recorded_at: format!("{day}T10:00:0{}Z", position % 10),
        }
    }

    /// acc-1 opens and gets 100.00; acc-2 opens; 30.00 moves acc-1 -> acc-2;
    /// acc-3 opens and closes; acc-1 pays 5.25 the next day; a `User` event
    /// in between is ignored.
    fn folded() -> MemTables {
        let d1 = "2026-03-01";
        let d2 = "2026-03-02";
        let mut user = ev(4, "u-1", d1, deposited(99, "USD", ""));
        user.stream_type = "User".into();
        let log = [
            ev(1, "acc-1", d1, opened("Ada Lovelace", "USD")),
            ev(2, "acc-1", d1, deposited(10_000, "USD", "salary")),
            ev(3, "acc-2", d1, opened("Charles Babbage", "USD")),
            user,
            ev(5, "acc-1", d1, withdrawn(3000, "USD", "transfer to acc-2: rent")),
            ev(6, "acc-2", d1, deposited(3000, "USD", "transfer from acc-1: rent")),
            ev(7, "acc-3", d1, opened("Grace Hopper", "USD")),
            ev(8, "acc-3", d1, closed("duplicate")),
            ev(9, "acc-1", d2, withdrawn(525, "USD", "")),
        ];
        let mut m = MemTables::default();
        for p in all() {
            for e in &log {
                p.apply(&mut m, e).unwrap();
            }
        }
        m
    }

    fn rows(m: &MemTables, table: &str) -> Vec<Value> {
        m.rows(table).map(crate::es::Row::to_json).collect()
    }

    #[test]
    fn account_balances_rows() {
        assert_eq!(
            rows(&folded(), "account_balances"),
            vec![
                json!({"account_id": "acc-1", "owner": "Ada Lovelace", "currency": "USD", "balance_cents": 6475,
                       "status": "active", "transactions": 3}),
                json!({"account_id": "acc-2", "owner": "Charles Babbage", "currency": "USD", "balance_cents": 3000,
                       "status": "active", "transactions": 1}),
                json!({"account_id": "acc-3", "owner": "Grace Hopper", "currency": "USD", "balance_cents": 0,
                       "status": "closed", "transactions": 0}),
            ]
        );
    }

    #[test]
    fn transaction_history_rows() {
        let m = folded();
        let line = |id: &str, seq: i64, pos: u64, at: &str, kind: &str, amount: i64, after: i64, desc: &str| {
            json!({"account_id": id, "seq": seq, "position": pos, "recorded_at": at, "kind": kind,
                   "amount_cents": amount, "balance_after_cents": after, "description": desc})
        };
        assert_eq!(
            rows(&m, "transaction_history"),
            vec![
                line("acc-1", 1, 2, "2026-03-01T10:00:02Z", "deposit", 10_000, 10_000, "salary"),
                line("acc-1", 2, 5, "2026-03-01T10:00:05Z", "withdrawal", 3000, 7000, "transfer to acc-2: rent"),
                line("acc-1", 3, 9, "2026-03-02T10:00:09Z", "withdrawal", 525, 6475, ""),
                line("acc-2", 1, 6, "2026-03-01T10:00:06Z", "deposit", 3000, 3000, "transfer from acc-1: rent"),
            ]
        );
        assert_eq!(
            rows(&m, "transaction_history_accounts"),
            vec![
                json!({"account_id": "acc-1", "seq": 3, "balance_cents": 6475}),
                json!({"account_id": "acc-2", "seq": 1, "balance_cents": 3000}),
            ]
        );
    }

    #[test]
    fn daily_summary_rows() {
        let sum = |day: &str, id: &str, d: i64, dc: i64, w: i64, wc: i64| {
            json!({"day": day, "account_id": id, "deposits": d, "deposit_cents": dc, "withdrawals": w,
                   "withdrawal_cents": wc})
        };
        assert_eq!(
            rows(&folded(), "daily_summary"),
            vec![
                sum("2026-03-01", "acc-1", 1, 10_000, 1, 3000),
                sum("2026-03-01", "acc-2", 1, 3000, 0, 0),
                sum("2026-03-02", "acc-1", 0, 0, 1, 525),
            ]
        );
    }

    #[test]
    fn column_indexes_match_the_specs() {
        use super::{balances as b, daily as d, history as h};
        let at = |t: &crate::es::TableSpec, name| t.column(name).unwrap();
        let t = &b::TABLES[0];
        assert_eq!(
            [b::OWNER, b::CURRENCY, b::BALANCE, b::STATUS, b::TRANSACTIONS],
            [at(t, "owner"), at(t, "currency"), at(t, "balance_cents"), at(t, "status"), at(t, "transactions")]
        );
        let t = &d::TABLES[0];
        assert_eq!(
            [d::DEPOSITS, d::DEPOSIT_CENTS, d::WITHDRAWALS, d::WITHDRAWAL_CENTS],
            [at(t, "deposits"), at(t, "deposit_cents"), at(t, "withdrawals"), at(t, "withdrawal_cents")]
        );
        let t = &h::TABLES[1];
        assert_eq!([h::SEQ, h::BALANCE], [at(t, "seq"), at(t, "balance_cents")]);
    }

    #[test]
    fn tables_are_named_after_their_projection() {
        for p in all() {
            assert_eq!(p.tables()[0].name, p.name());
            for t in p.tables() {
                assert!(t.key_len >= 1 && t.key_len <= t.columns.len(), "{}", t.name);
            }
        }
        assert_eq!(all()[1].tables()[1].name, "transaction_history_accounts");
    }

    #[test]
    fn totals_never_saturate_they_refuse() {
        let max = i64::MAX;
        let d = "2026-03-01";
        let fold = |log: &[Event]| {
            let mut m = MemTables::default();
            let mut errors = Vec::new();
            for e in log {
                for p in all() {
                    if let Err(err) = p.apply(&mut m, e) {
                        errors.push((p.name(), err));
                    }
                }
            }
            errors
        };
        // Two largest deposits on one day (a withdrawal between keeps the balance in range).
        let log = [
            ev(1, "acc-1", d, opened("Ada", "USD")),
            ev(2, "acc-1", d, deposited(max, "USD", "")),
            ev(3, "acc-1", d, withdrawn(max, "USD", "")),
            ev(4, "acc-1", d, deposited(max, "USD", "")),
        ];
        let errors = fold(&log);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].0, "daily_summary");
        let reason = errors[0].1.out_of_range_reason().expect("a total out of range, not a storage failure");
        assert!(reason.starts_with("deposit_cents of acc-1 on 2026-03-01 in daily_summary"), "{reason}");
        assert!(reason.contains("at position 4"), "{reason}");
        // A balance past the range (only a hand-written log gets there).
        let errors = fold(&[ev(1, "acc-2", d, deposited(max, "USD", "")), ev(2, "acc-2", d, deposited(1, "USD", ""))]);
        let names: Vec<&str> = errors.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["account_balances", "transaction_history", "daily_summary"]);
        assert!(errors.iter().all(|(_, e)| e.out_of_range_reason().is_some()));
    }

    #[test]
    fn a_movement_before_the_opening_still_gets_a_row() {
        let mut m = MemTables::default();
        AccountBalances.apply(&mut m, &ev(1, "acc-9", "2026-01-01", deposited(5, "EUR", ""))).unwrap();
        AccountBalances.apply(&mut m, &ev(2, "acc-9", "2026-01-01", EventData::new("Renamed", 1, json!({})))).unwrap();
        assert_eq!(
            rows(&m, "account_balances"),
            vec![json!({"account_id": "acc-9", "owner": "", "currency": "EUR", "balance_cents": 5,
                        "status": "active", "transactions": 1})]
        );
    }
}
