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
    use serde_json::{Value, json};

    use super::*;
    use crate::domain::Registry;
    use crate::testing::{Scenario, event};

    /// The built-in domains with nothing given.
    pub(super) fn empty() -> Scenario {
        Scenario::new(Registry::builtin())
    }

    /// Given acc-1 opened by Ada (in USD) holding `balance` cents.
    pub(super) fn with(balance: i64) -> Scenario {
        let s = empty().given_commands(["open acc-1 Ada"]);
        if balance == 0 { s } else { s.given_commands([format!("deposit acc-1 {} seed", format_cents(balance))]) }
    }

    /// Given acc-1 opened and closed.
    pub(super) fn closed() -> Scenario {
        with(0).given_commands(["close acc-1"])
    }

    /// The payload of a money event.
    pub(super) fn money(cents: i64, currency: &str, description: &str) -> Value {
        json!({"amount": {"value_cents": cents, "currency": currency}, "description": description})
    }

    fn deposited(cents: i64, description: &str) -> crate::testing::Expected {
        event(events::MONEY_DEPOSITED, money(cents, "USD", description))
    }

    fn withdrawn(cents: i64, description: &str) -> crate::testing::Expected {
        event(events::MONEY_WITHDRAWN, money(cents, "USD", description))
    }

    #[test]
    fn open_is_accepted_once() {
        empty().when("open acc-1 Ada Lovelace").then_events([event(
            events::ACCOUNT_OPENED,
            json!({"owner": "Ada Lovelace", "currency": "USD"}),
        )
        .on("acc-1")]);
        with(0).when("open acc-1 Bob").then_rejected("account acc-1 already exists (owner: Ada)");
        empty().when("open acc-1").then_invalid("missing owner name");
        // The rule behind the parser: a blank owner is refused by the decision too.
        let nameless = AccountCmd::Open { account: "acc-1".into(), owner: " ".into() };
        assert!(handle(&Account::default(), &nameless).unwrap_err().0.contains("needs an owner"));
    }

    #[test]
    fn deposits_need_an_open_account_and_a_positive_amount() {
        with(100).when("deposit acc-1 0.50 pay").then_events([deposited(50, "pay").on("acc-1")]);
        empty().when("deposit acc-1 0.50").then_rejected("account acc-1 does not exist (open it first)");
        closed().when("deposit acc-1 0.05").then_rejected("account acc-1 is closed");
        with(100).when("deposit acc-1 0").then_invalid("must be greater than zero");
        with(100).when("deposit acc-1 -5").then_invalid("must be positive");
        with(100).when("deposit acc-1 92233720368547758.07").then_rejected("would overflow the balance of acc-1");
        // The rule behind the parser: the decision refuses what it cannot parse.
        let zero = AccountCmd::Deposit { account: "acc-1".into(), cents: -5, description: String::new() };
        let state = with(100).then_state::<Account>("acc-1");
        assert!(handle(&state, &zero).unwrap_err().0.contains("greater than zero"));
    }

    #[test]
    fn deposits_use_the_account_currency() {
        empty()
            .given("acc-1", [EventData::new(events::ACCOUNT_OPENED, 1, json!({"owner": "Ada", "currency": "EUR"}))])
            .when("deposit acc-1 0.05 pay")
            .then_events([event(events::MONEY_DEPOSITED, money(5, "EUR", "pay"))]);
    }

    #[test]
    fn withdrawals_stay_within_the_balance() {
        with(100).when("withdraw acc-1 1").then_events([withdrawn(100, "")]).then_state_json(
            "acc-1",
            json!({"opened": true, "owner": "Ada", "currency": "USD", "balance_cents": 0, "closed": false,
                   "transactions": 2}),
        );
        with(100)
            .when("withdraw acc-1 1.01")
            .then_rejected("insufficient funds: acc-1 holds 1.00 USD, cannot withdraw 1.01");
        empty().when("withdraw acc-1 0.01").then_rejected("does not exist");
        with(100).when("withdraw acc-1 0.00").then_invalid("greater than zero");
    }

    #[test]
    fn close_needs_a_zero_balance() {
        with(0).when("close acc-1 moving").then_events([event(events::ACCOUNT_CLOSED, json!({"reason": "moving"}))]);
        with(1)
            .when("close acc-1 moving")
            .then_rejected("account acc-1 still holds 0.01 USD: withdraw or transfer it before closing");
        empty().when("close acc-1").then_rejected("does not exist");
        closed().when("close acc-1").then_rejected("account acc-1 is closed");
    }

    /// acc-1 holds `from` cents, acc-2 is open and holds `to` cents.
    fn two(from: i64, to: i64) -> Scenario {
        let s = with(from).given_commands(["open acc-2 Alan"]);
        if to == 0 { s } else { s.given_commands([format!("deposit acc-2 {}", format_cents(to))]) }
    }

    #[test]
    fn transfers_decide_two_legs() {
        two(500, 0)
            .when("transfer acc-1 acc-2 3 rent")
            .then_events([
                withdrawn(300, "transfer to acc-2: rent").on("acc-1"),
                deposited(300, "transfer from acc-1: rent").on("acc-2"),
            ])
            .then_rows(
                "account_balances",
                json!([
                    {"account_id": "acc-1", "owner": "Ada", "currency": "USD", "balance_cents": 200,
                     "status": "active", "transactions": 2},
                    {"account_id": "acc-2", "owner": "Alan", "currency": "USD", "balance_cents": 300,
                     "status": "active", "transactions": 1},
                ]),
            );
        two(500, 0)
            .when("transfer acc-1 acc-2 0.01")
            .then_events([withdrawn(1, "transfer to acc-2"), deposited(1, "transfer from acc-1")]);
    }

    #[test]
    fn transfers_are_refused_by_either_side() {
        two(200, 0).when("transfer acc-1 acc-2 3").then_rejected("insufficient funds: acc-1 holds 2.00");
        empty()
            .given_commands(["open acc-2 Alan"])
            .when("transfer acc-1 acc-2 3")
            .then_rejected("acc-1 does not exist");
        with(500).when("transfer acc-1 acc-2 3").then_rejected("acc-2 does not exist");
        with(500)
            .given_commands(["open acc-2 Alan", "close acc-2"])
            .when("transfer acc-1 acc-2 3")
            .then_rejected("account acc-2 is closed");
        two(500, 500).when("transfer acc-1 acc-1 0.01").then_rejected("cannot transfer from acc-1 to itself");
        with(500)
            .given("acc-2", [EventData::new(events::ACCOUNT_OPENED, 1, json!({"owner": "B", "currency": "EUR"}))])
            .when("transfer acc-1 acc-2 3")
            .then_rejected("cannot transfer between currencies: acc-1 is in USD, acc-2 is in EUR");
        two(500, 0).when("transfer acc-1 acc-2 0").then_invalid("greater than zero");
        empty()
            .given_commands(["register u-1 ada@example.com Ada"])
            .when("transfer u-1 acc-2 1")
            .then_rejected("u-1 is a User, not a BankAccount");
    }
}
