//! The bank's events at the current schema: names, the typed events the
//! account's commands record and its transition check, fold and read models
//! decode (strictly: a payload of another shape is a violation),
//! constructors of their stored form, and a tolerant reader for money
//! movements used by the upcasters (an unusable payload reads as `None`).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::Account;
use crate::domain::TypedEvent;
use crate::es::EventData;
use crate::es::aggregate::EventSchema;

/// Stream type of bank accounts.
pub const STREAM_TYPE: &str = "BankAccount";
/// `{"owner", "currency"}`, schema v1.
pub const ACCOUNT_OPENED: &str = "AccountOpened";
/// `{"amount": {"value_cents", "currency"}, "description"}`, schema v3.
pub const MONEY_DEPOSITED: &str = "MoneyDeposited";
/// Same shape as [`MONEY_DEPOSITED`], schema v3.
pub const MONEY_WITHDRAWN: &str = "MoneyWithdrawn";
/// `{"reason"}`, schema v1.
pub const ACCOUNT_CLOSED: &str = "AccountClosed";
/// Current schema of the money events.
pub const MONEY_SCHEMA: u32 = 3;
/// Currency of accounts opened without one.
pub const DEFAULT_CURRENCY: &str = "USD";

/// Every bank event type and its current schema.
pub const EVENTS: &[EventSchema] = &[
    EventSchema { event_type: ACCOUNT_OPENED, latest: 1 },
    EventSchema { event_type: MONEY_DEPOSITED, latest: MONEY_SCHEMA },
    EventSchema { event_type: MONEY_WITHDRAWN, latest: MONEY_SCHEMA },
    EventSchema { event_type: ACCOUNT_CLOSED, latest: 1 },
];

/// A bank event decoded from its (upcast) payload; strings borrow from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum BankEvent<'a> {
    /// `AccountOpened`.
    Opened(Opened<'a>),
    /// `MoneyDeposited`.
    Deposited(Money<'a>),
    /// `MoneyWithdrawn`.
    Withdrawn(Money<'a>),
    /// `AccountClosed`.
    Closed(Closed<'a>),
}

/// `AccountOpened` v1 payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Opened<'a> {
    /// Owner's name.
    pub owner: &'a str,
    /// Currency code (`USD` when absent).
    #[serde(default = "default_currency")]
    pub currency: &'a str,
}

fn default_currency<'a>() -> &'a str {
    DEFAULT_CURRENCY
}

/// `MoneyDeposited` / `MoneyWithdrawn` v3 payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Money<'a> {
    /// Amount and currency.
    #[serde(borrow)]
    pub amount: Amount<'a>,
    /// Free text ("" when absent): borrowed from a payload, owned when a
    /// command composes it (a transfer leg).
    #[serde(default, borrow)]
    pub description: Cow<'a, str>,
}

/// An exact amount: integer cents in a currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Amount<'a> {
    /// Cents.
    pub value_cents: i64,
    /// Currency code.
    pub currency: &'a str,
}

/// `AccountClosed` v1 payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Closed<'a> {
    /// Why ("" when absent).
    #[serde(default)]
    pub reason: &'a str,
}

impl TypedEvent for BankEvent<'_> {
    fn event_type(&self) -> &'static str {
        match self {
            Self::Opened(_) => ACCOUNT_OPENED,
            Self::Deposited(_) => MONEY_DEPOSITED,
            Self::Withdrawn(_) => MONEY_WITHDRAWN,
            Self::Closed(_) => ACCOUNT_CLOSED,
        }
    }
}

impl<'a> Money<'a> {
    /// `cents` in `currency`, with a description.
    #[must_use]
    pub fn new(cents: i64, currency: &'a str, description: impl Into<Cow<'a, str>>) -> Self {
        Self { amount: Amount { value_cents: cents, currency }, description: description.into() }
    }

    /// Which way the money moved in `event`, and the movement; `None` for
    /// the other events.
    #[must_use]
    pub fn of<'e>(event: &'e BankEvent<'a>) -> Option<(Direction, &'e Self)> {
        match event {
            BankEvent::Deposited(m) => Some((Direction::In, m)),
            BankEvent::Withdrawn(m) => Some((Direction::Out, m)),
            BankEvent::Opened(_) | BankEvent::Closed(_) => None,
        }
    }

    /// The signed change to the balance in `direction` (saturating at the
    /// `i64` bounds).
    #[must_use]
    pub fn delta(&self, direction: Direction) -> i64 {
        match direction {
            Direction::In => self.amount.value_cents,
            Direction::Out => self.amount.value_cents.saturating_neg(),
        }
    }
}

/// A bank event as stored data.
#[must_use]
pub fn encode(event: &BankEvent<'_>) -> EventData {
    crate::domain::decide::encode::<Account>(event)
}

/// `AccountOpened` v1.
#[must_use]
pub fn opened(owner: &str, currency: &str) -> EventData {
    encode(&BankEvent::Opened(Opened { owner, currency }))
}

/// `MoneyDeposited` v3.
#[must_use]
pub fn deposited(cents: i64, currency: &str, description: &str) -> EventData {
    encode(&BankEvent::Deposited(Money::new(cents, currency, description)))
}

/// `MoneyWithdrawn` v3.
#[must_use]
pub fn withdrawn(cents: i64, currency: &str, description: &str) -> EventData {
    encode(&BankEvent::Withdrawn(Money::new(cents, currency, description)))
}

/// `AccountClosed` v1.
#[must_use]
pub fn closed(reason: &str) -> EventData {
    encode(&BankEvent::Closed(Closed { reason }))
}

/// The v3 payload of a money event.
#[must_use]
pub fn money_payload(cents: i64, currency: &str, description: &str) -> Value {
    json!({"amount": {"value_cents": cents, "currency": currency}, "description": description})
}

/// The string field `name` of `payload`, if it is one.
fn text<'a>(payload: &'a Value, name: &str) -> Option<&'a str> {
    field(payload, name).and_then(Value::as_str)
}

/// The field `name` of an object: small objects (every event payload) are
/// scanned, which is cheaper than hashing the name.
fn field<'a>(value: &'a Value, name: &str) -> Option<&'a Value> {
    let object = value.as_object()?;
    if object.len() <= 8 { object.iter().find_map(|(k, v)| (k == name).then_some(v)) } else { object.get(name) }
}

/// Which way money moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `MoneyDeposited`.
    In,
    /// `MoneyWithdrawn`.
    Out,
}

/// A money event read back tolerantly (v3 payload), for the upcasters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movement<'a> {
    /// Deposit or withdrawal.
    pub direction: Direction,
    /// Amount in cents, as recorded.
    pub cents: i64,
    /// Currency code.
    pub currency: &'a str,
    /// Description ("" when absent).
    pub description: &'a str,
}

impl<'a> Movement<'a> {
    /// Reads a money event; `None` for other event types or a payload
    /// without an integer `amount.value_cents`.
    #[must_use]
    pub fn read(event_type: &str, payload: &'a Value) -> Option<Self> {
        let direction = match event_type {
            MONEY_DEPOSITED => Direction::In,
            MONEY_WITHDRAWN => Direction::Out,
            _ => return None,
        };
        let amount = field(payload, "amount")?;
        Some(Self {
            direction,
            cents: field(amount, "value_cents")?.as_i64()?,
            currency: text(amount, "currency").unwrap_or(DEFAULT_CURRENCY),
            description: text(payload, "description").unwrap_or_default(),
        })
    }

    /// The signed change to the balance (saturating at the `i64` bounds).
    #[must_use]
    pub fn delta(&self) -> i64 {
        match self.direction {
            Direction::In => self.cents,
            Direction::Out => self.cents.saturating_neg(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a failed unwrap is the failure report
mod tests {
    use super::*;

    #[test]
    fn money_events_read_back() {
        let d = deposited(1250, "USD", "pay");
        assert_eq!(d.payload, json!({"amount": {"value_cents": 1250, "currency": "USD"}, "description": "pay"}));
        let m = Movement::read(&d.event_type, &d.payload).unwrap();
        assert_eq!(m, Movement { direction: Direction::In, cents: 1250, currency: "USD", description: "pay" });
        let w = withdrawn(5, "EUR", "");
        assert_eq!(Movement::read(&w.event_type, &w.payload).unwrap().delta(), -5);
    }

    #[test]
    fn unusable_payloads_read_as_none() {
        assert!(Movement::read(MONEY_DEPOSITED, &json!({"amount": 12.5})).is_none());
        assert!(Movement::read(MONEY_DEPOSITED, &json!([1])).is_none());
        assert!(Movement::read(ACCOUNT_OPENED, &money_payload(1, "USD", "")).is_none());
        let payload = json!({"amount": {"value_cents": 3}});
        let m = Movement::read(MONEY_WITHDRAWN, &payload).unwrap();
        assert_eq!((m.currency, m.description), ("USD", ""));
    }
}
