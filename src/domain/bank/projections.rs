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
    use crate::domain::{Registry, users};
    use crate::es::Event;
    use crate::es::{EventData, MemTables};
    use crate::testing::Scenario;

    /// A hand-built event of a `BankAccount` stream (or, with `stream_type`
    /// changed, of another): for the logs the kit's givens refuse (a
    /// movement before the opening, a balance past the range, a bank event
    /// on another stream type), which only a hand-written log reaches.
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
    /// in between is ignored. Event n is recorded at second n of its day.
    fn given() -> Scenario {
        let mut s = Scenario::new(Registry::builtin());
        let log = [
            ("acc-1", "2026-03-01", opened("Ada Lovelace", "USD")),
            ("acc-1", "2026-03-01", deposited(10_000, "USD", "salary")),
            ("acc-2", "2026-03-01", opened("Charles Babbage", "USD")),
            ("u-1", "2026-03-01", users::events::registered("ada@example.com", "Ada", "Lovelace")),
            ("acc-1", "2026-03-01", withdrawn(3000, "USD", "transfer to acc-2: rent")),
            ("acc-2", "2026-03-01", deposited(3000, "USD", "transfer from acc-1: rent")),
            ("acc-3", "2026-03-01", opened("Grace Hopper", "USD")),
            ("acc-3", "2026-03-01", closed("duplicate")),
            ("acc-1", "2026-03-02", withdrawn(525, "USD", "")),
        ];
        for (n, (stream, day, e)) in log.into_iter().enumerate() {
            s = s.at(&format!("{day}T10:00:0{}Z", n + 1)).given(stream, [e]);
        }
        s
    }

    #[test]
    fn account_balances_rows() {
        let _ = given().then_rows(
            "account_balances",
            json!([
                {"account_id": "acc-1", "owner": "Ada Lovelace", "currency": "USD", "balance_cents": 6475,
                 "status": "active", "transactions": 3},
                {"account_id": "acc-2", "owner": "Charles Babbage", "currency": "USD", "balance_cents": 3000,
                 "status": "active", "transactions": 1},
                {"account_id": "acc-3", "owner": "Grace Hopper", "currency": "USD", "balance_cents": 0,
                 "status": "closed", "transactions": 0},
            ]),
        );
    }

    #[test]
    fn transaction_history_rows() {
        let line = |id: &str, seq: i64, pos: u64, at: &str, kind: &str, amount: i64, after: i64, desc: &str| {
            json!({"account_id": id, "seq": seq, "position": pos, "recorded_at": at, "kind": kind,
                   "amount_cents": amount, "balance_after_cents": after, "description": desc})
        };
        let _ = given()
            .then_rows(
                "transaction_history",
                json!([
                    line("acc-1", 1, 2, "2026-03-01T10:00:02Z", "deposit", 10_000, 10_000, "salary"),
                    line("acc-1", 2, 5, "2026-03-01T10:00:05Z", "withdrawal", 3000, 7000, "transfer to acc-2: rent"),
                    line("acc-1", 3, 9, "2026-03-02T10:00:09Z", "withdrawal", 525, 6475, ""),
                    line("acc-2", 1, 6, "2026-03-01T10:00:06Z", "deposit", 3000, 3000, "transfer from acc-1: rent"),
                ]),
            )
            .then_rows(
                "transaction_history_accounts",
                json!([
                    {"account_id": "acc-1", "seq": 3, "balance_cents": 6475},
                    {"account_id": "acc-2", "seq": 1, "balance_cents": 3000},
                ]),
            );
    }

    #[test]
    fn daily_summary_rows() {
        let sum = |day: &str, id: &str, d: i64, dc: i64, w: i64, wc: i64| {
            json!({"day": day, "account_id": id, "deposits": d, "deposit_cents": dc, "withdrawals": w,
                   "withdrawal_cents": wc})
        };
        let _ = given().then_rows(
            "daily_summary",
            json!([
                sum("2026-03-01", "acc-1", 1, 10_000, 1, 3000),
                sum("2026-03-01", "acc-2", 1, 3000, 0, 0),
                sum("2026-03-02", "acc-1", 0, 0, 1, 525),
            ]),
        );
    }

    /// A bank event on a stream of another type (which no given can put
    /// there: the kit files an event under the aggregate owning its type)
    /// leaves every bank read model untouched.
    #[test]
    fn bank_events_of_other_stream_types_do_not_count() {
        let mut user = ev(4, "u-1", "2026-03-01", deposited(99, "USD", ""));
        user.stream_type = "User".into();
        let mut m = MemTables::default();
        for p in all() {
            p.apply(&mut m, &user).unwrap();
            for t in p.tables() {
                assert_eq!(m.rows(t.name).count(), 0, "{}", t.name);
            }
        }
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

    /// Hand-built: the kit's givens refuse both events (a deposit before the
    /// opening breaks the account's rules; `Renamed` belongs to no aggregate).
    #[test]
    fn a_movement_before_the_opening_still_gets_a_row() {
        let mut m = MemTables::default();
        AccountBalances.apply(&mut m, &ev(1, "acc-9", "2026-01-01", deposited(5, "EUR", ""))).unwrap();
        AccountBalances.apply(&mut m, &ev(2, "acc-9", "2026-01-01", EventData::new("Renamed", 1, json!({})))).unwrap();
        assert_eq!(
            m.rows("account_balances").map(crate::es::Row::to_json).collect::<Vec<Value>>(),
            vec![json!({"account_id": "acc-9", "owner": "", "currency": "EUR", "balance_cents": 5,
                        "status": "active", "transactions": 1})]
        );
    }
}
