//! The inventory's demo: receipts across warehouses, orders reserved,
//! shipped and cancelled, and the odd adjustment. The first fifth of the
//! run stores receipts at `main` as `StockReceived` v1 (which had no
//! warehouse), so the upcaster runs on every read.

use chronicle::domain::seed::rand::Rng;
use chronicle::domain::{SeedCommand, SeedContext, SeedParam, SeedParams, SeedRun, Seeder};
use chronicle::es::EventData;
use serde_json::Value;

use super::events::MAIN;

const SKUS: SeedParam = SeedParam { name: "skus", help: "How many SKUs to stock", default: 12 };
const WAREHOUSES: SeedParam =
    SeedParam { name: "warehouses", help: "How many warehouses (the first is `main`)", default: 3 };
const PARAMS: [SeedParam; 2] = [SKUS, WAREHOUSES];

/// The inventory's seeder (`demo --skus N --warehouses N`).
pub struct InventorySeeder;

impl Seeder for InventorySeeder {
    fn params(&self) -> &[SeedParam] {
        &PARAMS
    }

    fn start(&self, params: &SeedParams) -> Result<Box<dyn SeedRun>, String> {
        let (skus, warehouses) = (params.get(&SKUS), params.get(&WAREHOUSES));
        if !(1..=10_000).contains(&skus) {
            return Err("--skus must be between 1 and 10000".to_owned());
        }
        if !(1..=100).contains(&warehouses) {
            return Err("--warehouses must be between 1 and 100".to_owned());
        }
        let names = (0..warehouses).map(|i| if i == 0 { MAIN.to_owned() } else { format!("wh-{i}") }).collect();
        let skus = (1..=skus).map(|i| (format!("sku-{i}"), Level::default())).collect();
        Ok(Box::new(Run { warehouses: names, skus, open: Vec::new(), orders: 0, legacy: false }))
    }
}

/// The run's own model of a SKU: units at `main`, elsewhere, and reserved.
#[derive(Default)]
struct Level {
    main: i64,
    elsewhere: i64,
    reserved: i64,
}

impl Level {
    fn available(&self) -> i64 {
        self.main + self.elsewhere - self.reserved
    }
}

struct Run {
    warehouses: Vec<String>,
    skus: Vec<(String, Level)>,
    /// Open orders: `(order id, sku index, qty)`.
    open: Vec<(String, usize, i64)>,
    orders: u64,
    /// Whether the last command's receipt is stored at v1.
    legacy: bool,
}

impl Run {
    fn receive(&mut self, rng: &mut impl Rng) -> String {
        let i = rng.random_range(0..self.skus.len());
        let w = rng.random_range(0..self.warehouses.len());
        let qty = rng.random_range(5..50);
        let (sku, level) = &mut self.skus[i];
        if w == 0 {
            level.main += qty;
            format!("receive {sku} {qty}")
        } else {
            level.elsewhere += qty;
            format!("receive {sku} {qty} at {}", self.warehouses[w])
        }
    }

    fn reserve(&mut self, rng: &mut impl Rng) -> Option<String> {
        let i = rng.random_range(0..self.skus.len());
        let (sku, level) = &mut self.skus[i];
        let available = level.available();
        if available <= 0 {
            return None;
        }
        let qty = rng.random_range(1..=available.min(10));
        level.reserved += qty;
        self.orders += 1;
        let order = format!("ord-{}", self.orders);
        let line = format!("reserve {order} {sku} {qty}");
        self.open.push((order, i, qty));
        Some(line)
    }

    /// Ships (or cancels) a random open order.
    fn close(&mut self, rng: &mut impl Rng, ship: bool) -> Option<String> {
        if self.open.is_empty() {
            return None;
        }
        let (order, i, qty) = self.open.swap_remove(rng.random_range(0..self.open.len()));
        let level = &mut self.skus[i].1;
        level.reserved -= qty;
        if !ship {
            return Some(format!("cancel {order}"));
        }
        // The command picks from warehouses in name order: `main` first.
        let from_main = level.main.min(qty);
        level.main -= from_main;
        level.elsewhere -= qty - from_main;
        Some(format!("ship {order}"))
    }

    fn adjust(&mut self, rng: &mut impl Rng) -> Option<String> {
        let i = rng.random_range(0..self.skus.len());
        let (sku, level) = &mut self.skus[i];
        let most = level.main.min(level.available()).min(3);
        if most <= 0 {
            return None;
        }
        let delta = -rng.random_range(1..=most);
        level.main += delta;
        let reason = ["damaged in transit", "cycle count", "expired"][rng.random_range(0..3)];
        Some(format!("adjust {sku} {delta} {reason}"))
    }
}

impl SeedRun for Run {
    fn next(&mut self, ctx: &mut SeedContext) -> SeedCommand {
        self.legacy = ctx.written() < ctx.target() / 5;
        let rng = ctx.rng();
        let roll = rng.random_range(0..100);
        let line = match roll {
            0..30 => None,
            30..60 => self.reserve(rng),
            60..80 => self.close(rng, true),
            80..90 => self.close(rng, false),
            _ => self.adjust(rng),
        };
        let line = line.unwrap_or_else(|| self.receive(ctx.rng()));
        SeedCommand { line, actor: "seeder".to_owned(), recorded_at: None }
    }

    fn encode(&mut self, mut event: EventData) -> EventData {
        let at_main = event.payload.get("warehouse").and_then(Value::as_str) == Some(MAIN);
        if self.legacy
            && event.event_type == "StockReceived"
            && at_main
            && let Some(fields) = event.payload.as_object_mut()
        {
            fields.remove("warehouse");
            event.schema_version = 1;
        }
        event
    }
}
