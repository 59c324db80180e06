//! The inventory's commands, read models and `Domain`: what the library
//! needs to run the CLI and the TUI over it.

use chronicle::domain::decide::{Decided, DecidedTwo};
use chronicle::domain::{ArgKind, Command, CommandHelp, Decide, DecideTwo, Domain, Either, Registry, Rejection, Two};
use chronicle::es::aggregate::AggregateKind;
use chronicle::es::projection::{RowsError, TypedProjection, checked_total};
use chronicle::es::{Cell, Column, ColumnKind, Event, Projection, Row, Rows, TableSpec, Upcaster};

use super::events::{
    MAIN, Nothing, Order, OrderEvent, Pick, Placed, Received, Reservation, STOCK, Shipped, Stock, StockEvent, upcasters,
};

// ---- commands -------------------------------------------------------------

/// `receive` and `adjust`: the stock stream alone.
#[derive(Debug)]
pub enum StockCmd {
    Receive { sku: String, qty: i64, warehouse: String },
    Adjust { sku: String, delta: i64, reason: String },
}

impl Decide for StockCmd {
    type State = Stock;

    fn streams(&self) -> Vec<&str> {
        vec![STOCK]
    }

    fn decide<'a>(&'a self, states: &[&'a Stock]) -> Decided<'a, Stock> {
        let [stock] = states else { return Err(Rejection("one stock stream".into())) };
        let event = match self {
            Self::Receive { sku, qty, warehouse } => {
                StockEvent::Received(Received { sku: sku.clone(), qty: *qty, warehouse: warehouse.clone() })
            }
            Self::Adjust { sku, delta, reason } => {
                let s = stock.sku(sku);
                let main = s.on_hand.get(MAIN).copied().unwrap_or(0);
                if main.saturating_add(*delta) < 0 {
                    return Err(Rejection(format!("{sku} at {MAIN} holds {main}: stock cannot go below zero")));
                }
                if s.available().saturating_add(*delta) < 0 {
                    let available = s.available();
                    return Err(Rejection(format!("{sku} has {available} available; the rest is reserved")));
                }
                StockEvent::Adjusted(super::events::Adjusted {
                    sku: sku.clone(),
                    delta: *delta,
                    warehouse: MAIN.to_owned(),
                    reason: reason.clone(),
                })
            }
        };
        Ok(vec![(0, event)])
    }
}

/// `reserve`, `ship` and `cancel`: an order and the stock.
#[derive(Debug)]
pub enum OrderCmd {
    Reserve { order: String, sku: String, qty: i64 },
    Ship { order: String },
    Cancel { order: String },
}

impl DecideTwo for OrderCmd {
    type First = Order;
    type Second = Stock;

    fn streams(&self) -> (&str, &str) {
        let (Self::Reserve { order, .. } | Self::Ship { order } | Self::Cancel { order }) = self;
        (order, STOCK)
    }

    fn decide<'a>(&'a self, order: &'a Order, stock: &'a Stock) -> DecidedTwo<'a, Order, Stock> {
        match self {
            Self::Reserve { order: id, sku, qty } => {
                if order.status != super::events::Status::New {
                    return Err(Rejection(format!("order {id} already exists")));
                }
                let available = stock.sku(sku).available();
                if *qty > available {
                    return Err(Rejection(format!("cannot reserve {qty} {sku}: only {available} available")));
                }
                let r = Reservation { order: id.clone(), sku: sku.clone(), qty: *qty };
                Ok(vec![
                    Either::First(OrderEvent::Placed(Placed { sku: sku.clone(), qty: *qty })),
                    Either::Second(StockEvent::Reserved(r)),
                ])
            }
            Self::Ship { order: id } => {
                if let Some(why) = order.cannot(id, "ship") {
                    return Err(Rejection(why));
                }
                // Pick from the warehouses in name order.
                let mut left = order.qty;
                let mut picks = Vec::new();
                for (warehouse, &held) in &stock.sku(&order.sku).on_hand {
                    let qty = held.min(left);
                    if qty > 0 {
                        picks.push(Pick { warehouse: warehouse.clone(), qty });
                        left -= qty;
                    }
                }
                let shipped = Shipped { order: id.clone(), sku: order.sku.clone(), picks };
                Ok(vec![Either::First(OrderEvent::Shipped(Nothing {})), Either::Second(StockEvent::Shipped(shipped))])
            }
            Self::Cancel { order: id } => {
                if let Some(why) = order.cannot(id, "be cancelled") {
                    return Err(Rejection(why));
                }
                let r = Reservation { order: id.clone(), sku: order.sku.clone(), qty: order.qty };
                Ok(vec![Either::First(OrderEvent::Cancelled(Nothing {})), Either::Second(StockEvent::Released(r))])
            }
        }
    }
}

// ---- read models ----------------------------------------------------------

pub static STOCK_LEVELS: [TableSpec; 1] = [TableSpec {
    name: "stock_levels",
    columns: &[
        Column { name: "sku", kind: ColumnKind::Text },
        Column { name: "warehouse", kind: ColumnKind::Text },
        Column { name: "on_hand", kind: ColumnKind::Integer },
    ],
    key_len: 2,
}];

/// Units on hand per SKU and warehouse.
pub struct StockLevels;

impl TypedProjection for StockLevels {
    type Agg = Stock;

    fn name(&self) -> &'static str {
        "stock_levels"
    }

    fn tables(&self) -> &'static [TableSpec] {
        &STOCK_LEVELS
    }

    fn fold(&self, rows: &mut dyn Rows, event: &Event, typed: &StockEvent) -> Result<(), RowsError> {
        let moves: Vec<(&str, &str, i64)> = match typed {
            StockEvent::Received(r) => vec![(&r.sku, &r.warehouse, r.qty)],
            StockEvent::Adjusted(a) => vec![(&a.sku, &a.warehouse, a.delta)],
            StockEvent::Shipped(s) => s.picks.iter().map(|p| (s.sku.as_str(), p.warehouse.as_str(), -p.qty)).collect(),
            StockEvent::Reserved(_) | StockEvent::Released(_) => Vec::new(),
        };
        let t = &STOCK_LEVELS[0];
        for (sku, warehouse, by) in moves {
            let key = [Cell::text(sku), Cell::text(warehouse)];
            let old = rows.get(t, &key)?.map_or(0, |r| r.int(2));
            let what = || format!("on_hand of {sku} at {warehouse} in stock_levels");
            let on_hand = checked_total(old, by, what, event.position)?;
            rows.put(t, Row::new(t, [Cell::text(sku), Cell::text(warehouse), Cell::Int(on_hand)]))?;
        }
        Ok(())
    }
}

pub static OPEN_ORDERS: [TableSpec; 1] = [TableSpec {
    name: "open_orders",
    columns: &[
        Column { name: "order_id", kind: ColumnKind::Text },
        Column { name: "sku", kind: ColumnKind::Text },
        Column { name: "qty", kind: ColumnKind::Integer },
    ],
    key_len: 1,
}];

/// Orders reserved and neither shipped nor cancelled.
pub struct OpenOrders;

impl TypedProjection for OpenOrders {
    type Agg = Order;

    fn name(&self) -> &'static str {
        "open_orders"
    }

    fn tables(&self) -> &'static [TableSpec] {
        &OPEN_ORDERS
    }

    fn fold(&self, rows: &mut dyn Rows, event: &Event, typed: &OrderEvent) -> Result<(), RowsError> {
        let t = &OPEN_ORDERS[0];
        let id = event.stream_id.as_str();
        match typed {
            OrderEvent::Placed(p) => rows.put(t, Row::new(t, [Cell::text(id), Cell::text(&p.sku), Cell::Int(p.qty)])),
            OrderEvent::Shipped(_) | OrderEvent::Cancelled(_) => rows.delete(t, &[Cell::text(id)]),
        }
    }
}

// ---- the domain -----------------------------------------------------------

static COMMANDS: [CommandHelp; 5] = [
    CommandHelp {
        word: "receive",
        usage: "receive <sku> <qty> [at <warehouse>]",
        args: &[ArgKind::Word, ArgKind::Word, ArgKind::Word, ArgKind::Word],
    },
    CommandHelp {
        word: "reserve",
        usage: "reserve <order> <sku> <qty>",
        args: &[ArgKind::NewId("Order"), ArgKind::Word, ArgKind::Word],
    },
    CommandHelp { word: "ship", usage: "ship <order>", args: &[ArgKind::StreamId("Order")] },
    CommandHelp { word: "cancel", usage: "cancel <order>", args: &[ArgKind::StreamId("Order")] },
    CommandHelp {
        word: "adjust",
        usage: "adjust <sku> <delta> <reason…>",
        args: &[ArgKind::Word, ArgKind::Word, ArgKind::Text],
    },
];

/// The inventory domain.
pub struct Inventory;

fn number(word: &str, positive: bool) -> Result<i64, String> {
    let n: i64 = word.parse().map_err(|_| format!("`{word}` is not a whole number"))?;
    match n {
        0 if positive => Err(format!("`{word}`: the quantity must be positive")),
        n if n < 0 && positive => Err(format!("`{word}`: the quantity must be positive")),
        n if n.unsigned_abs() > 1_000_000_000 => Err(format!("`{word}`: at most a billion units at a time")),
        n => Ok(n),
    }
}

fn parse(word: &str, args: &[&str]) -> Result<Box<dyn Command>, String> {
    let s = |i: usize| args[i].to_owned();
    Ok(match (word, args) {
        ("receive", [_, qty]) => {
            Box::new(StockCmd::Receive { sku: s(0), qty: number(qty, true)?, warehouse: MAIN.into() })
        }
        ("receive", [_, qty, "at", _]) => {
            Box::new(StockCmd::Receive { sku: s(0), qty: number(qty, true)?, warehouse: s(3) })
        }
        ("reserve", [_, _, qty]) => {
            Box::new(Two(OrderCmd::Reserve { order: s(0), sku: s(1), qty: number(qty, true)? }))
        }
        ("ship", [_]) => Box::new(Two(OrderCmd::Ship { order: s(0) })),
        ("cancel", [_]) => Box::new(Two(OrderCmd::Cancel { order: s(0) })),
        ("adjust", [_, delta, reason @ ..]) if !reason.is_empty() => {
            let delta = number(delta, false)?;
            if delta == 0 {
                return Err("an adjustment of 0 changes nothing".to_owned());
            }
            Box::new(StockCmd::Adjust { sku: s(0), delta, reason: reason.join(" ") })
        }
        ("adjust", [_, _]) => return Err("say why: a reason is required".to_owned()),
        _ => return Err("wrong arguments".to_owned()),
    })
}

impl Domain for Inventory {
    fn name(&self) -> &'static str {
        "inventory"
    }
    fn aggregates(&self) -> Vec<AggregateKind> {
        vec![AggregateKind::of::<Stock>(), AggregateKind::of::<Order>()]
    }
    fn commands(&self) -> &'static [CommandHelp] {
        &COMMANDS
    }
    fn parse(&self, word: &str, args: &[&str]) -> Option<Result<Box<dyn Command>, String>> {
        COMMANDS.iter().any(|c| c.word == word).then(|| parse(word, args))
    }
    fn upcasters(&self) -> Vec<Upcaster> {
        upcasters()
    }
    fn projections(&self) -> Vec<Box<dyn Projection>> {
        vec![Box::new(StockLevels), Box::new(OpenOrders)]
    }
}

/// A registry holding the inventory domain (without its seeder).
#[must_use]
pub fn registry() -> Registry {
    Registry::new(vec![Box::new(Inventory)])
}
