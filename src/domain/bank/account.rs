//! The `Account` aggregate (stream type `BankAccount`) and its pure decisions.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

mod transitions;

use super::events::{self, BankEvent, Closed, Money, Opened};
use super::money::format_cents;
use crate::domain::Rejection;
use crate::es::EventData;

/// A bank account folded from its stream.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Account {
    /// Whether `AccountOpened` has been seen.
    pub opened: bool,
    /// Owner's name.
    pub owner: String,
    /// Currency code (`USD`).
    pub currency: String,
    /// Balance in cents.
    pub balance_cents: i64,
    /// Whether `AccountClosed` has been seen.
    pub closed: bool,
    /// Deposits plus withdrawals (transfer legs included).
    pub transactions: u64,
}

/// A command on one account; ids are the stream ids as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountCmd {
    /// `open <account> <owner name…>`.
    Open {
        /// Account id.
        account: String,
        /// Owner's name.
        owner: String,
    },
    /// `deposit <account> <amount> [description…]`.
    Deposit {
        /// Account id.
        account: String,
        /// Positive amount in cents.
        cents: i64,
        /// Free text ("" when none).
        description: String,
    },
    /// `withdraw <account> <amount> [description…]`.
    Withdraw {
        /// Account id.
        account: String,
        /// Positive amount in cents.
        cents: i64,
        /// Free text ("" when none).
        description: String,
    },
    /// `close <account> [reason…]`.
    Close {
        /// Account id.
        account: String,
        /// Free text ("" when none).
        reason: String,
    },
}

impl AccountCmd {
    /// The account the command is about.
    #[must_use]
    pub fn account(&self) -> &str {
        match self {
            Self::Open { account, .. }
            | Self::Deposit { account, .. }
            | Self::Withdraw { account, .. }
            | Self::Close { account, .. } => account,
        }
    }
}

/// `transfer <from> <to> <amount> [description…]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// Account debited (target 0).
    pub from: String,
    /// Account credited (target 1).
    pub to: String,
    /// Positive amount in cents.
    pub cents: i64,
    /// Free text ("" when none).
    pub description: String,
}

fn reject<T>(reason: String) -> Result<T, Rejection> {
    Err(Rejection(reason))
}

fn ensure_active(state: &Account, account: &str) -> Result<(), Rejection> {
    if !state.opened {
        return reject(format!("account {account} does not exist (open it first)"));
    }
    if state.closed {
        return reject(format!("account {account} is closed"));
    }
    Ok(())
}

fn ensure_positive(cents: i64) -> Result<(), Rejection> {
    if cents <= 0 {
        return reject(format!("amount {} must be greater than zero", format_cents(cents)));
    }
    Ok(())
}

/// Decides a command on one account: the event to record, or why not.
///
/// # Errors
/// A [`Rejection`] naming the account when the rules refuse the command.
pub fn decide<'a>(state: &'a Account, cmd: &'a AccountCmd) -> Result<BankEvent<'a>, Rejection> {
    match cmd {
        AccountCmd::Open { account, owner } => {
            if state.opened {
                return reject(format!("account {account} already exists (owner: {})", state.owner));
            }
            if owner.trim().is_empty() {
                return reject(format!("account {account} needs an owner name"));
            }
            Ok(BankEvent::Opened(Opened { owner, currency: events::DEFAULT_CURRENCY }))
        }
        AccountCmd::Deposit { account, cents, description } => {
            deposit(state, account, *cents, description.as_str().into()).map(BankEvent::Deposited)
        }
        AccountCmd::Withdraw { account, cents, description } => {
            withdraw(state, account, *cents, description.as_str().into()).map(BankEvent::Withdrawn)
        }
        AccountCmd::Close { account, reason } => {
            ensure_active(state, account)?;
            if state.balance_cents != 0 {
                return reject(format!(
                    "account {account} still holds {} {}: withdraw or transfer it before closing",
                    format_cents(state.balance_cents),
                    state.currency
                ));
            }
            Ok(BankEvent::Closed(Closed { reason }))
        }
    }
}

fn deposit<'a>(
    state: &'a Account,
    account: &str,
    cents: i64,
    description: Cow<'a, str>,
) -> Result<Money<'a>, Rejection> {
    ensure_active(state, account)?;
    ensure_positive(cents)?;
    if state.balance_cents.checked_add(cents).is_none() {
        return reject(format!("a deposit of {} would overflow the balance of {account}", format_cents(cents)));
    }
    Ok(Money::new(cents, &state.currency, description))
}

fn withdraw<'a>(
    state: &'a Account,
    account: &str,
    cents: i64,
    description: Cow<'a, str>,
) -> Result<Money<'a>, Rejection> {
    ensure_active(state, account)?;
    ensure_positive(cents)?;
    if cents > state.balance_cents {
        return reject(format!(
            "insufficient funds: {account} holds {} {}, cannot withdraw {}",
            format_cents(state.balance_cents),
            state.currency,
            format_cents(cents)
        ));
    }
    Ok(Money::new(cents, &state.currency, description))
}

/// [`decide`], as stored data.
///
/// # Errors
/// As [`decide`].
pub fn handle(state: &Account, cmd: &AccountCmd) -> Result<Vec<EventData>, Rejection> {
    decide(state, cmd).map(|e| vec![events::encode(&e)])
}

fn leg(direction: &str, other: &str, description: &str) -> String {
    if description.is_empty() {
        format!("transfer {direction} {other}")
    } else {
        format!("transfer {direction} {other}: {description}")
    }
}

/// Decides a transfer: a `MoneyWithdrawn` from `from` and a
/// `MoneyDeposited` into `to`, or why not.
///
/// # Errors
/// A [`Rejection`] when either leg is refused, the accounts are the same, or
/// their currencies differ.
pub fn decide_transfer<'a>(
    from: &'a Account,
    to: &'a Account,
    t: &Transfer,
) -> Result<(Money<'a>, Money<'a>), Rejection> {
    if t.from == t.to {
        return reject(format!("cannot transfer from {} to itself", t.from));
    }
    let out = withdraw(from, &t.from, t.cents, leg("to", &t.to, &t.description).into())?;
    let into = deposit(to, &t.to, t.cents, leg("from", &t.from, &t.description).into())?;
    if from.currency != to.currency {
        return reject(format!(
            "cannot transfer between currencies: {} is in {}, {} is in {}",
            t.from, from.currency, t.to, to.currency
        ));
    }
    Ok((out, into))
}

/// [`decide_transfer`], as stored data: a `MoneyWithdrawn` on target 0
/// (`from`) and a `MoneyDeposited` on target 1 (`to`).
///
/// # Errors
/// As [`decide_transfer`].
pub fn handle_transfer(from: &Account, to: &Account, t: &Transfer) -> Result<Vec<(usize, EventData)>, Rejection> {
    let (out, into) = decide_transfer(from, to, t)?;
    Ok(vec![(0, events::encode(&BankEvent::Withdrawn(out))), (1, events::encode(&BankEvent::Deposited(into)))])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a failed unwrap is the failure report
mod tests {
    use super::*;
    use crate::es::{DynState, Event};

    pub(super) fn event(i: usize, e: &EventData) -> Event {
        Event {
            position: i as u64 + 1,
            stream_id: "acc-1".into(),
            stream_type: events::STREAM_TYPE.into(),
            version: i as u64 + 1,
            event_type: e.event_type.clone(),
            schema_version: e.schema_version,
            payload: e.payload.clone(),
            recorded_at: "2026-01-01T00:00:00Z".into(),
        }
    }

    pub(super) fn fold(events: &[EventData]) -> Account {
        let mut a = Account::default();
        for (i, e) in events.iter().enumerate() {
            a.check_apply(&event(i, e)).unwrap();
        }
        a
    }

    /// The rule `e` breaks after `events` (which must all pass), and its message.
    pub(super) fn violation(events: &[EventData], e: &EventData) -> (&'static str, String) {
        let a = fold(events);
        let v = DynState::check(&a, &event(events.len(), e)).unwrap_err();
        (v.rule, v.message)
    }

    pub(super) fn with(balance: i64) -> Account {
        let open = events::opened("Ada", "USD");
        if balance == 0 { fold(&[open]) } else { fold(&[open, events::deposited(balance, "USD", "seed")]) }
    }

    pub(super) fn dep(cents: i64) -> AccountCmd {
        AccountCmd::Deposit { account: "acc-1".into(), cents, description: "pay".into() }
    }
    pub(super) fn wd(cents: i64) -> AccountCmd {
        AccountCmd::Withdraw { account: "acc-1".into(), cents, description: String::new() }
    }
    fn close() -> AccountCmd {
        AccountCmd::Close { account: "acc-1".into(), reason: "moving".into() }
    }
    fn err(r: Result<impl std::fmt::Debug, Rejection>) -> String {
        r.unwrap_err().0
    }

    #[test]
    fn open_is_accepted_once() {
        let open = AccountCmd::Open { account: "acc-1".into(), owner: "Ada Lovelace".into() };
        assert_eq!(handle(&Account::default(), &open), Ok(vec![events::opened("Ada Lovelace", "USD")]));
        assert_eq!(err(handle(&with(0), &open)), "account acc-1 already exists (owner: Ada)");
        let nameless = AccountCmd::Open { account: "acc-1".into(), owner: " ".into() };
        assert!(err(handle(&Account::default(), &nameless)).contains("needs an owner"));
    }

    #[test]
    fn deposits_need_an_open_account_and_a_positive_amount() {
        assert_eq!(handle(&with(100), &dep(50)), Ok(vec![events::deposited(50, "USD", "pay")]));
        assert_eq!(err(handle(&Account::default(), &dep(50))), "account acc-1 does not exist (open it first)");
        assert_eq!(
            err(handle(&fold(&[events::opened("A", "USD"), events::closed("")]), &dep(5))),
            "account acc-1 is closed"
        );
        assert!(err(handle(&with(100), &dep(0))).contains("greater than zero"));
        assert!(err(handle(&with(100), &dep(-5))).contains("greater than zero"));
        assert!(err(handle(&with(100), &dep(i64::MAX))).contains("overflow"));
    }

    #[test]
    fn deposits_use_the_account_currency() {
        let eur = fold(&[events::opened("Ada", "EUR")]);
        assert_eq!(handle(&eur, &dep(5)), Ok(vec![events::deposited(5, "EUR", "pay")]));
    }

    #[test]
    fn withdrawals_stay_within_the_balance() {
        assert_eq!(handle(&with(100), &wd(100)), Ok(vec![events::withdrawn(100, "USD", "")]));
        assert_eq!(err(handle(&with(100), &wd(101))), "insufficient funds: acc-1 holds 1.00 USD, cannot withdraw 1.01");
        assert!(err(handle(&Account::default(), &wd(1))).contains("does not exist"));
        assert!(err(handle(&with(100), &wd(0))).contains("greater than zero"));
    }

    #[test]
    fn close_needs_a_zero_balance() {
        assert_eq!(handle(&with(0), &close()), Ok(vec![events::closed("moving")]));
        assert_eq!(
            err(handle(&with(1), &close())),
            "account acc-1 still holds 0.01 USD: withdraw or transfer it before closing"
        );
        assert!(err(handle(&Account::default(), &close())).contains("does not exist"));
        let closed = fold(&[events::opened("A", "USD"), events::closed("")]);
        assert_eq!(err(handle(&closed, &close())), "account acc-1 is closed");
    }

    fn transfer(from: &str, to: &str, cents: i64, description: &str) -> Transfer {
        Transfer { from: from.into(), to: to.into(), cents, description: description.into() }
    }

    #[test]
    fn transfers_decide_two_legs() {
        let t = transfer("acc-1", "acc-2", 300, "rent");
        assert_eq!(
            handle_transfer(&with(500), &with(0), &t),
            Ok(vec![
                (0, events::withdrawn(300, "USD", "transfer to acc-2: rent")),
                (1, events::deposited(300, "USD", "transfer from acc-1: rent")),
            ])
        );
        let bare = handle_transfer(&with(500), &with(0), &transfer("acc-1", "acc-2", 1, "")).unwrap();
        assert_eq!(bare[0].1.payload["description"], "transfer to acc-2");
        assert_eq!(bare[1].1.payload["description"], "transfer from acc-1");
    }

    #[test]
    fn transfers_are_refused_by_either_side() {
        let t = transfer("acc-1", "acc-2", 300, "");
        assert!(err(handle_transfer(&with(200), &with(0), &t)).starts_with("insufficient funds: acc-1 holds 2.00"));
        assert!(err(handle_transfer(&Account::default(), &with(0), &t)).contains("acc-1 does not exist"));
        assert!(err(handle_transfer(&with(500), &Account::default(), &t)).contains("acc-2 does not exist"));
        let closed = fold(&[events::opened("A", "USD"), events::closed("")]);
        assert_eq!(err(handle_transfer(&with(500), &closed, &t)), "account acc-2 is closed");
        assert_eq!(
            err(handle_transfer(&with(500), &with(500), &transfer("acc-1", "acc-1", 1, ""))),
            "cannot transfer from acc-1 to itself"
        );
        let eur = fold(&[events::opened("B", "EUR")]);
        assert!(err(handle_transfer(&with(500), &eur, &t)).contains("between currencies"));
        assert!(
            err(handle_transfer(&with(500), &with(0), &transfer("acc-1", "acc-2", 0, "")))
                .contains("greater than zero")
        );
    }
}
