//! The inventory's events and aggregates: one `Stock` stream (`stock`)
//! holding every SKU's stock per warehouse and the reservations against it,
//! and one `Order` stream per order. Each aggregate's `check` holds the
//! rules, so no event a command could not record is ever accepted.

use std::collections::BTreeMap;

use chronicle::domain::TypedEvent;
use chronicle::es::aggregate::{EventSchema, Violation, payload, rule};
use chronicle::es::{Aggregate, Event, Upcaster};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The id of the one stock stream.
pub const STOCK: &str = "stock";
/// The warehouse of a receipt that names none (and of every adjustment).
pub const MAIN: &str = "main";

// ---- stock events ---------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Received {
    pub sku: String,
    pub qty: i64,
    pub warehouse: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adjusted {
    pub sku: String,
    pub delta: i64,
    pub warehouse: String,
    pub reason: String,
}

/// A reservation made (`StockReserved`) or given back (`StockReleased`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reservation {
    pub order: String,
    pub sku: String,
    pub qty: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pick {
    pub warehouse: String,
    pub qty: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipped {
    pub order: String,
    pub sku: String,
    pub picks: Vec<Pick>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum StockEvent {
    Received(Received),
    Adjusted(Adjusted),
    Reserved(Reservation),
    Released(Reservation),
    Shipped(Shipped),
}

impl TypedEvent for StockEvent {
    fn event_type(&self) -> &'static str {
        match self {
            Self::Received(_) => "StockReceived",
            Self::Adjusted(_) => "StockAdjusted",
            Self::Reserved(_) => "StockReserved",
            Self::Released(_) => "StockReleased",
            Self::Shipped(_) => "StockShipped",
        }
    }
}

/// `StockReceived` v1 had no warehouse: everything was received at `main`.
pub fn received_v1_to_v2(mut payload: Value) -> Result<Value, String> {
    let fields = payload.as_object_mut().ok_or("StockReceived v1 payload is not an object")?;
    fields.entry("warehouse").or_insert_with(|| Value::from(MAIN));
    Ok(payload)
}

/// The upcasters of the inventory's events.
pub fn upcasters() -> Vec<Upcaster> {
    vec![Upcaster { event_type: "StockReceived", from: 1, step: received_v1_to_v2 }]
}

// ---- the stock aggregate --------------------------------------------------

/// One SKU: units on hand per warehouse, and how many are reserved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkuStock {
    pub on_hand: BTreeMap<String, i64>,
    pub reserved: i64,
}

impl SkuStock {
    fn at(&self, warehouse: &str) -> i64 {
        self.on_hand.get(warehouse).copied().unwrap_or(0)
    }

    /// Units on hand in every warehouse.
    #[must_use]
    pub fn total(&self) -> i64 {
        self.on_hand.values().fold(0, |a, b| a.saturating_add(*b))
    }

    /// Units on hand and not reserved.
    #[must_use]
    pub fn available(&self) -> i64 {
        self.total().saturating_sub(self.reserved)
    }

    fn add(&mut self, warehouse: &str, by: i64) {
        let n = self.on_hand.entry(warehouse.to_owned()).or_insert(0);
        *n = n.saturating_add(by);
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stock {
    pub skus: BTreeMap<String, SkuStock>,
    /// Open reservations by order: `(sku, qty)`.
    pub reservations: BTreeMap<String, (String, i64)>,
}

impl Stock {
    /// The stock of `sku` (empty when never received).
    #[must_use]
    pub fn sku(&self, sku: &str) -> SkuStock {
        self.skus.get(sku).cloned().unwrap_or_default()
    }
}

fn refuse(rule: &'static str, message: String) -> Result<(), Violation> {
    Err(Violation::new(rule, message))
}

impl Aggregate for Stock {
    const STREAM_TYPE: &'static str = "Stock";
    const STATE_VERSION: u32 = 1;
    const EVENTS: &'static [EventSchema] = &[
        EventSchema { event_type: "StockReceived", latest: 2 },
        EventSchema { event_type: "StockAdjusted", latest: 1 },
        EventSchema { event_type: "StockReserved", latest: 1 },
        EventSchema { event_type: "StockReleased", latest: 1 },
        EventSchema { event_type: "StockShipped", latest: 1 },
    ];
    type Event<'a> = StockEvent;

    fn decode(event: &Event) -> Result<StockEvent, Violation> {
        Ok(match event.event_type.as_str() {
            "StockReceived" => StockEvent::Received(payload(event)?),
            "StockAdjusted" => StockEvent::Adjusted(payload(event)?),
            "StockReserved" => StockEvent::Reserved(payload(event)?),
            "StockReleased" => StockEvent::Released(payload(event)?),
            "StockShipped" => StockEvent::Shipped(payload(event)?),
            other => return Err(Violation::new(rule::UNKNOWN_EVENT, format!("{other} is not a stock event"))),
        })
    }

    fn check(&self, _: &str, event: &StockEvent) -> Result<(), Violation> {
        match event {
            StockEvent::Received(r) => {
                let s = self.sku(&r.sku);
                if r.qty <= 0 {
                    return refuse("positive", format!("StockReceived of {} {}: must be positive", r.qty, r.sku));
                }
                if s.total().checked_add(r.qty).is_none() {
                    return refuse("too-much", format!("StockReceived of {} {}: too many units", r.qty, r.sku));
                }
            }
            StockEvent::Adjusted(a) => {
                let s = self.sku(&a.sku);
                if a.delta == 0 {
                    return refuse("zero", format!("StockAdjusted of {} by 0", a.sku));
                }
                let left = s.at(&a.warehouse).checked_add(a.delta);
                if left.is_none_or(|n| n < 0) {
                    let at = s.at(&a.warehouse);
                    return refuse(
                        "negative-stock",
                        format!("{} at {} holds {at}: cannot adjust by {}", a.sku, a.warehouse, a.delta),
                    );
                }
                if s.available().saturating_add(a.delta) < 0 {
                    return refuse(
                        "reserved",
                        format!(
                            "{} has {} available (the rest is reserved): cannot adjust by {}",
                            a.sku,
                            s.available(),
                            a.delta
                        ),
                    );
                }
            }
            StockEvent::Reserved(r) => {
                let available = self.sku(&r.sku).available();
                if self.reservations.contains_key(&r.order) {
                    return refuse("reserved-twice", format!("order {} already holds a reservation", r.order));
                }
                if r.qty <= 0 || r.qty > available {
                    return refuse(
                        "over-reserve",
                        format!("{} has {available} available: cannot reserve {}", r.sku, r.qty),
                    );
                }
            }
            StockEvent::Released(r) => {
                if self.reservations.get(&r.order) != Some(&(r.sku.clone(), r.qty)) {
                    return refuse(
                        "no-reservation",
                        format!("order {} holds no reservation of {} {}", r.order, r.qty, r.sku),
                    );
                }
            }
            StockEvent::Shipped(s) => {
                let picked = s.picks.iter().try_fold(0i64, |a, p| if p.qty > 0 { a.checked_add(p.qty) } else { None });
                let Some(&(ref sku, qty)) = self.reservations.get(&s.order) else {
                    return refuse("no-reservation", format!("order {} holds no reservation to ship", s.order));
                };
                if *sku != s.sku || picked != Some(qty) {
                    return refuse("picks", format!("order {} reserved {qty} {sku}: the picks do not add up", s.order));
                }
                let stock = self.sku(sku);
                if let Some(p) = s.picks.iter().find(|p| p.qty > stock.at(&p.warehouse)) {
                    return refuse(
                        "negative-stock",
                        format!("{sku} at {} holds {}: cannot pick {}", p.warehouse, stock.at(&p.warehouse), p.qty),
                    );
                }
            }
        }
        Ok(())
    }

    fn evolve(&mut self, event: &StockEvent) {
        match event {
            StockEvent::Received(r) => self.skus.entry(r.sku.clone()).or_default().add(&r.warehouse, r.qty),
            StockEvent::Adjusted(a) => self.skus.entry(a.sku.clone()).or_default().add(&a.warehouse, a.delta),
            StockEvent::Reserved(r) => {
                let s = self.skus.entry(r.sku.clone()).or_default();
                s.reserved = s.reserved.saturating_add(r.qty);
                self.reservations.insert(r.order.clone(), (r.sku.clone(), r.qty));
            }
            StockEvent::Released(r) => {
                let s = self.skus.entry(r.sku.clone()).or_default();
                s.reserved = s.reserved.saturating_sub(r.qty);
                self.reservations.remove(&r.order);
            }
            StockEvent::Shipped(sh) => {
                let s = self.skus.entry(sh.sku.clone()).or_default();
                for p in &sh.picks {
                    s.add(&p.warehouse, p.qty.saturating_neg());
                    s.reserved = s.reserved.saturating_sub(p.qty);
                }
                self.reservations.remove(&sh.order);
            }
        }
    }
}

// ---- the order aggregate --------------------------------------------------

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    New,
    Open,
    Shipped,
    Cancelled,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub status: Status,
    pub sku: String,
    pub qty: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placed {
    pub sku: String,
    pub qty: i64,
}

/// `OrderShipped` and `OrderCancelled` carry nothing but their type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Nothing {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum OrderEvent {
    Placed(Placed),
    Shipped(Nothing),
    Cancelled(Nothing),
}

impl TypedEvent for OrderEvent {
    fn event_type(&self) -> &'static str {
        match self {
            Self::Placed(_) => "OrderPlaced",
            Self::Shipped(_) => "OrderShipped",
            Self::Cancelled(_) => "OrderCancelled",
        }
    }
}

impl Order {
    /// Why this order cannot `verb` (ship, cancel), if it cannot.
    #[must_use]
    pub fn cannot(&self, id: &str, verb: &str) -> Option<String> {
        match self.status {
            Status::Open => None,
            Status::New => Some(format!("order {id} does not exist")),
            Status::Shipped => Some(format!("order {id} has shipped and cannot {verb}")),
            Status::Cancelled => Some(format!("order {id} was cancelled and cannot {verb}")),
        }
    }
}

impl Aggregate for Order {
    const STREAM_TYPE: &'static str = "Order";
    const STATE_VERSION: u32 = 1;
    const EVENTS: &'static [EventSchema] = &[
        EventSchema { event_type: "OrderPlaced", latest: 1 },
        EventSchema { event_type: "OrderShipped", latest: 1 },
        EventSchema { event_type: "OrderCancelled", latest: 1 },
    ];
    type Event<'a> = OrderEvent;

    fn decode(event: &Event) -> Result<OrderEvent, Violation> {
        Ok(match event.event_type.as_str() {
            "OrderPlaced" => OrderEvent::Placed(payload(event)?),
            "OrderShipped" => OrderEvent::Shipped(payload(event)?),
            "OrderCancelled" => OrderEvent::Cancelled(payload(event)?),
            other => return Err(Violation::new(rule::UNKNOWN_EVENT, format!("{other} is not an order event"))),
        })
    }

    fn check(&self, id: &str, event: &OrderEvent) -> Result<(), Violation> {
        let broken = match event {
            OrderEvent::Placed(p) if p.qty <= 0 => Some(("positive", format!("order {id}: {} units", p.qty))),
            OrderEvent::Placed(_) if self.status != Status::New => {
                Some(("exists", format!("order {id} already exists")))
            }
            OrderEvent::Placed(_) => None,
            OrderEvent::Shipped(_) => self.cannot(id, "ship").map(|m| ("ship", m)),
            OrderEvent::Cancelled(_) => self.cannot(id, "be cancelled").map(|m| ("cancel", m)),
        };
        broken.map_or(Ok(()), |(rule, message)| refuse(rule, message))
    }

    fn evolve(&mut self, event: &OrderEvent) {
        match event {
            OrderEvent::Placed(p) => {
                *self = Order { status: Status::Open, sku: p.sku.clone(), qty: p.qty };
            }
            OrderEvent::Shipped(_) => self.status = Status::Shipped,
            OrderEvent::Cancelled(_) => self.status = Status::Cancelled,
        }
    }
}
