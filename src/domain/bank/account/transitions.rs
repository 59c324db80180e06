//! The account's transition check and fold: what may follow a state, and
//! how a decoded event changes it.

use super::Account;
use crate::domain::bank::events::{self, BankEvent};
use crate::domain::bank::money::format_cents;
use crate::es::aggregate::{EventSchema, Violation, payload, rule};
use crate::es::{Aggregate, Event};

impl Aggregate for Account {
    const STREAM_TYPE: &'static str = events::STREAM_TYPE;
    const STATE_VERSION: u32 = 1;
    const EVENTS: &'static [EventSchema] = events::EVENTS;
    type Event<'a> = BankEvent<'a>;

    fn decode(event: &Event) -> Result<BankEvent<'_>, Violation> {
        Ok(match event.event_type.as_str() {
            events::ACCOUNT_OPENED => BankEvent::Opened(payload(event)?),
            events::MONEY_DEPOSITED => BankEvent::Deposited(payload(event)?),
            events::MONEY_WITHDRAWN => BankEvent::Withdrawn(payload(event)?),
            events::ACCOUNT_CLOSED => BankEvent::Closed(payload(event)?),
            other => return Err(Violation::new(rule::UNKNOWN_EVENT, format!("{other} is not a bank event"))),
        })
    }

    fn check(&self, id: &str, event: &BankEvent<'_>) -> Result<(), Violation> {
        let opened = || -> Result<(), Violation> {
            if !self.opened {
                return Err(Violation::new("not-open", format!("{} on {id}, which was never opened", name(event))));
            }
            if self.closed {
                return Err(Violation::new("closed", format!("{} on {id}, which is closed", name(event))));
            }
            Ok(())
        };
        match event {
            BankEvent::Opened(o) => {
                if self.opened {
                    return Err(Violation::new(
                        "already-open",
                        format!("AccountOpened on {id}, which is already open (owner: {})", self.owner),
                    ));
                }
                if o.owner.trim().is_empty() {
                    return Err(Violation::new("owner", format!("AccountOpened on {id} has no owner name")));
                }
                if !is_currency_code(o.currency) {
                    return Err(Violation::new(
                        "currency",
                        format!("AccountOpened on {id} has currency {:?}: expected three capital letters", o.currency),
                    ));
                }
            }
            BankEvent::Deposited(m) | BankEvent::Withdrawn(m) => {
                opened()?;
                let (cents, what) = (m.amount.value_cents, name(event));
                if cents <= 0 {
                    return Err(Violation::new(
                        "amount",
                        format!("{what} of {} on {id}: an amount must be greater than zero", format_cents(cents)),
                    ));
                }
                if m.amount.currency != self.currency {
                    return Err(Violation::new(
                        "currency",
                        format!("{what} in {:?} on {id}, which is in {}", m.amount.currency, self.currency),
                    ));
                }
                // Formatted only for a message: this runs for every money event.
                let balance = || format_cents(self.balance_cents);
                if matches!(event, BankEvent::Withdrawn(_)) && cents > self.balance_cents {
                    return Err(Violation::new(
                        "overdraw",
                        format!("{what} of {} exceeds the balance of {id} ({})", format_cents(cents), balance()),
                    ));
                }
                // A withdrawal within the balance cannot overflow it; a deposit can.
                let deposit = matches!(event, BankEvent::Deposited(_));
                if (deposit && self.balance_cents.checked_add(cents).is_none())
                    || self.transactions.checked_add(1).is_none()
                {
                    return Err(Violation::new(
                        "overflow",
                        format!("{what} of {} would overflow the balance of {id} ({})", format_cents(cents), balance()),
                    ));
                }
            }
            BankEvent::Closed(_) => {
                opened()?;
                if self.balance_cents != 0 {
                    return Err(Violation::new(
                        "close-balance",
                        format!(
                            "AccountClosed on {id}, which still holds {} {}",
                            format_cents(self.balance_cents),
                            self.currency
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    fn evolve(&mut self, event: &BankEvent<'_>) {
        match event {
            BankEvent::Opened(o) => {
                self.opened = true;
                o.owner.clone_into(&mut self.owner);
                o.currency.clone_into(&mut self.currency);
            }
            BankEvent::Closed(_) => self.closed = true,
            // Saturating only where the check already named an `overflow`
            // (a stored log is folded as it is; the check is what refuses).
            BankEvent::Deposited(m) => {
                self.balance_cents = self.balance_cents.saturating_add(m.amount.value_cents);
                self.transactions = self.transactions.saturating_add(1);
            }
            BankEvent::Withdrawn(m) => {
                self.balance_cents = self.balance_cents.saturating_sub(m.amount.value_cents);
                self.transactions = self.transactions.saturating_add(1);
            }
        }
    }
}

/// The event type of a decoded bank event.
fn name(event: &BankEvent<'_>) -> &'static str {
    match event {
        BankEvent::Opened(_) => events::ACCOUNT_OPENED,
        BankEvent::Deposited(_) => events::MONEY_DEPOSITED,
        BankEvent::Withdrawn(_) => events::MONEY_WITHDRAWN,
        BankEvent::Closed(_) => events::ACCOUNT_CLOSED,
    }
}

/// Three ASCII capital letters (`USD`).
fn is_currency_code(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a failed unwrap is the failure report
mod tests {
    use serde_json::json;

    use super::super::tests::{closed, empty, with};
    use super::*;
    use crate::es::{DynState, EventData};
    use crate::testing::Scenario;

    /// The rule `e` breaks as the next event of acc-1 after `given`, and its message.
    fn violation(given: &Scenario, e: &EventData) -> (&'static str, String) {
        let v = given.check("acc-1", e).unwrap_err();
        (v.rule, v.message)
    }

    #[test]
    fn apply_folds_the_stream() {
        empty()
            .given(
                "acc-1",
                [
                    events::opened("Ada Lovelace", "USD"),
                    events::deposited(1250, "USD", "pay"),
                    events::withdrawn(250, "USD", "rent"),
                    events::withdrawn(1000, "USD", "all"),
                    events::closed("done"),
                ],
            )
            .then_state_json(
                "acc-1",
                json!({"opened": true, "owner": "Ada Lovelace", "currency": "USD", "balance_cents": 0,
                       "closed": true, "transactions": 3}),
            );
    }

    #[test]
    fn currency_defaults_to_usd() {
        let a = empty()
            .given("acc-1", [EventData::new(events::ACCOUNT_OPENED, 1, json!({"owner": "Ada"}))])
            .then_state::<Account>("acc-1");
        assert_eq!((a.currency.as_str(), a.balance_cents, a.transactions), ("USD", 0, 0));
    }

    #[test]
    fn an_event_that_does_not_decode_is_an_error_not_a_skip() {
        let opened = with(0);
        for (e, rule, needle) in [
            (
                EventData::new(events::MONEY_DEPOSITED, 3, json!({"amount": 12.5})),
                "decode",
                "MoneyDeposited v3 payload",
            ),
            (EventData::new(events::MONEY_DEPOSITED, 3, json!({"amount": "lots"})), "decode", "does not decode"),
            (EventData::new(events::ACCOUNT_OPENED, 1, json!({})), "decode", "missing field `owner`"),
            (EventData::new(events::ACCOUNT_OPENED, 1, json!([1, 2])), "decode", "AccountOpened v1"),
            (EventData::new(events::ACCOUNT_CLOSED, 1, json!("hello")), "decode", "AccountClosed v1"),
            (EventData::new(events::ACCOUNT_CLOSED, 1, json!({"reason": "x", "extra": 1})), "decode", "unknown field"),
            (EventData::new("AccountFrozen", 1, json!({})), "unknown-event", "not an event of a BankAccount"),
            (
                EventData::new(events::MONEY_DEPOSITED, 2, json!({"amount": 1})),
                "schema",
                "expected the latest schema v3",
            ),
        ] {
            let (got, message) = violation(&opened, &e);
            assert_eq!(got, rule, "{e:?}: {message}");
            assert!(message.contains(needle), "{e:?}: {message}");
            let mut a = opened.then_state::<Account>("acc-1");
            let next = Event {
                stream_id: "acc-1".into(),
                stream_type: events::STREAM_TYPE.into(),
                event_type: e.event_type.clone(),
                schema_version: e.schema_version,
                payload: e.payload.clone(),
                ..Event::default()
            };
            assert!(a.apply(&next).is_err(), "{e:?}");
            assert_eq!(a, opened.then_state::<Account>("acc-1"), "left unchanged");
        }
    }

    #[test]
    fn the_transition_check_names_the_rule() {
        let (seeded, closed, fresh) = (with(2000), closed(), empty());
        for (before, e, rule, message) in [
            (
                &seeded,
                events::withdrawn(5000, "USD", ""),
                "overdraw",
                "MoneyWithdrawn of 50.00 exceeds the balance of acc-1 (20.00)",
            ),
            (&fresh, events::deposited(5, "USD", ""), "not-open", "MoneyDeposited on acc-1, which was never opened"),
            (&closed, events::deposited(5, "USD", ""), "closed", "MoneyDeposited on acc-1, which is closed"),
            (&closed, events::closed(""), "closed", "AccountClosed on acc-1, which is closed"),
            (
                &seeded,
                events::opened("Bob", "USD"),
                "already-open",
                "AccountOpened on acc-1, which is already open (owner: Ada)",
            ),
            (
                &seeded,
                events::deposited(-5, "USD", ""),
                "amount",
                "MoneyDeposited of -0.05 on acc-1: an amount must be greater than zero",
            ),
            (
                &seeded,
                events::withdrawn(0, "USD", ""),
                "amount",
                "MoneyWithdrawn of 0.00 on acc-1: an amount must be greater than zero",
            ),
            (
                &seeded,
                events::deposited(5, "EUR", ""),
                "currency",
                "MoneyDeposited in \"EUR\" on acc-1, which is in USD",
            ),
            (
                &fresh,
                events::opened("Ada", "usd"),
                "currency",
                "AccountOpened on acc-1 has currency \"usd\": expected three capital letters",
            ),
            (&fresh, events::opened(" ", "USD"), "owner", "AccountOpened on acc-1 has no owner name"),
            (
                &seeded,
                events::deposited(i64::MAX, "USD", ""),
                "overflow",
                "MoneyDeposited of 92233720368547758.07 would overflow the balance of acc-1 (20.00)",
            ),
            (&seeded, events::closed(""), "close-balance", "AccountClosed on acc-1, which still holds 20.00 USD"),
        ] {
            let (got, text) = violation(before, &e);
            assert_eq!((got, text.as_str()), (rule, message), "{e:?}");
        }
        // What the commands decide always passes (the kit folds decided
        // events through the transition check, as the bus does).
        for line in ["deposit acc-1 0.05", "withdraw acc-1 1", "withdraw acc-1 0.01"] {
            let _ = with(100).given_commands([line]);
        }
    }
}
