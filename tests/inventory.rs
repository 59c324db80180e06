//! The inventory example (`examples/inventory/`): its binary driven as a
//! user would (every command, rejections, `state --at`, `verify`, the demo,
//! export → import → export), a headless TUI session over its registry, and
//! its rules through `chronicle::testing`. The domain's modules are compiled
//! here too, from the example's own files.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)] // a test: a failed unwrap is the failure report

#[path = "../examples/inventory/domain.rs"]
mod domain;
#[path = "../examples/inventory/events.rs"]
mod events;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use chronicle::es::EventData;
use chronicle::testing::{Scenario, event};
use serde_json::{Value, json};

/// The example's binary, built once per test run with the cargo that built
/// this test, into the same target directory and profile (a no-op under
/// `cargo test`, which builds the examples; needed under `cargo test --test
/// inventory`, which does not).
fn example_bin() -> PathBuf {
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(build_example).clone()
}

fn build_example() -> PathBuf {
    // This test is `<target>/<profile>/deps/inventory-<hash>`.
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(Path::parent).unwrap();
    let target_dir = profile_dir.parent().unwrap();
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()).unwrap() {
        "debug" => "dev",
        other => other,
    };
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into());
    let out = Command::new(cargo)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["build", "--quiet", "--example", "inventory", "--profile", profile, "--target-dir"])
        .arg(target_dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "cargo build --example inventory failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let bin = profile_dir.join("examples").join(format!("inventory{}", std::env::consts::EXE_SUFFIX));
    assert!(bin.exists(), "{} is missing after `cargo build --example inventory`", bin.display());
    bin
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

struct Store {
    _dir: tempfile::TempDir,
    db: PathBuf,
}

impl Store {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("stock.db");
        Self { _dir: dir, db }
    }

    fn run_on(db: &Path, args: &[&str]) -> Run {
        let out = Command::new(example_bin())
            .env_remove("CHRONICLE_DB")
            .env("USER", "tester")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .arg("--db")
            .arg(db)
            .args(args)
            .output()
            .unwrap();
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert!(!run.stderr.contains("panicked"), "{args:?} panicked:\n{}", run.stderr);
        run
    }

    fn run(&self, args: &[&str], code: i32) -> Run {
        let run = Self::run_on(&self.db, args);
        assert_eq!(run.code, code, "{args:?}\nstdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
        run
    }

    fn exec(&self, line: &str) {
        self.run(&["exec", line], 0);
    }

    /// The command is refused with `reason`, and nothing is recorded.
    fn refused(&self, line: &str, reason: &str) {
        let before = self.log().len();
        let run = self.run(&["exec", line], 1);
        assert!(run.stderr.contains(reason), "{line}: {}", run.stderr);
        assert_eq!(self.log().len(), before, "{line} recorded something");
    }

    fn log(&self) -> Vec<Value> {
        let out = self.run(&["log", "--json"], 0).stdout;
        out.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect()
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.run(args, 0).stdout).unwrap()
    }

    fn export(&self) -> String {
        self.run(&["export"], 0).stdout
    }
}

#[test]
fn every_command_records_its_events_and_the_rules_refuse_the_rest() {
    let s = Store::new();
    s.exec("receive sku-1 10");
    s.exec("receive sku-1 5 at east");
    s.exec("reserve o-1 sku-1 12");
    s.exec("reserve o-2 sku-1 2");
    s.exec("ship o-1");
    s.exec("cancel o-2");
    s.exec("adjust sku-1 -1 damaged in transit");
    let log = s.log();
    let types: Vec<&str> = log.iter().map(|e| e["event_type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "StockReceived",
            "StockReceived",
            "OrderPlaced",
            "StockReserved",
            "OrderPlaced",
            "StockReserved",
            "OrderShipped",
            "StockShipped",
            "OrderCancelled",
            "StockReleased",
            "StockAdjusted"
        ]
    );
    // Shipping picks from the warehouses in name order.
    assert_eq!(log[7]["payload"]["picks"], json!([{"warehouse": "east", "qty": 5}, {"warehouse": "main", "qty": 7}]));
    assert_eq!(
        log[10]["payload"],
        json!({"sku": "sku-1", "delta": -1, "warehouse": "main", "reason": "damaged in transit"})
    );

    s.refused("reserve o-3 sku-1 3", "cannot reserve 3 sku-1: only 2 available");
    s.refused("reserve o-1 sku-1 1", "order o-1 already exists");
    s.refused("ship o-2", "order o-2 was cancelled and cannot ship");
    s.refused("cancel o-1", "order o-1 has shipped and cannot be cancelled");
    s.refused("ship o-9", "order o-9 does not exist");
    s.refused("adjust sku-1 -3 lost", "sku-1 at main holds 2: stock cannot go below zero");
    s.refused("receive sku-1 0", "the quantity must be positive");
    s.refused("receive sku-1 many", "`many` is not a whole number");
    s.refused("adjust sku-1 -1", "a reason is required");
    s.refused("sell sku-1 1", "expected one of receive, reserve, ship, cancel, adjust");
    // A reservation holds stock back from adjustments.
    s.exec("reserve o-4 sku-1 2");
    s.refused("adjust sku-1 -1 lost", "sku-1 has 0 available; the rest is reserved");
}

#[test]
fn state_and_read_models_as_of_an_earlier_position() {
    let s = Store::new();
    for line in ["receive sku-1 10", "receive sku-2 4 at east", "reserve o-1 sku-1 3", "ship o-1"] {
        s.exec(line);
    }
    let stock = |at: &str| s.json(&["state", "--stream", "stock", "--at", at, "--json"])["state"].clone();
    assert_eq!(stock("1")["skus"], json!({"sku-1": {"on_hand": {"main": 10}, "reserved": 0}}));
    assert_eq!(stock("4")["skus"]["sku-1"], json!({"on_hand": {"main": 10}, "reserved": 3}));
    assert_eq!(stock("6")["skus"]["sku-1"], json!({"on_hand": {"main": 7}, "reserved": 0}));
    let order = |at: &str| s.json(&["state", "--stream", "o-1", "--at", at, "--json"])["state"]["status"].clone();
    assert_eq!((order("3"), order("6")), (json!("open"), json!("shipped")));

    let rows = |name: &str, at: &str| s.json(&["state", "--projection", name, "--at", at, "--json"])["rows"].clone();
    assert_eq!(
        rows("stock_levels", "2"),
        json!([{"sku": "sku-1", "warehouse": "main", "on_hand": 10}, {"sku": "sku-2", "warehouse": "east", "on_hand": 4}])
    );
    assert_eq!(rows("stock_levels", "6")[0]["on_hand"], 7);
    assert_eq!(rows("open_orders", "4"), json!([{"order_id": "o-1", "sku": "sku-1", "qty": 3}]));
    assert_eq!(rows("open_orders", "6"), json!([]));
}

#[test]
fn the_demo_writes_legacy_receipts_that_verify_and_survive_export_and_import() {
    let s = Store::new();
    s.run(&["demo", "--no-tui", "--events", "5000", "--seed", "7"], 0);
    let verified = s.run(&["verify"], 0).stdout;
    assert!(verified.starts_with("ok: 5000 events"), "{verified}");
    assert!(verified.contains("2 read models match their replay"), "{verified}");
    let log = s.log();
    assert_eq!(log.len(), 5000);
    let types: std::collections::BTreeSet<&str> = log.iter().map(|e| e["event_type"].as_str().unwrap()).collect();
    for t in ["StockReceived", "StockAdjusted", "StockReserved", "StockReleased", "StockShipped", "OrderCancelled"] {
        assert!(types.contains(t), "the demo writes {t}: {types:?}");
    }
    // Some receipts are stored at v1 (no warehouse) and read at v2 at `main`.
    let receipts = log.iter().filter(|e| e["event_type"] == "StockReceived");
    let legacy: Vec<&Value> = receipts.filter(|e| e["stored_schema_version"] == 1).collect();
    assert!(!legacy.is_empty(), "the demo stores some StockReceived v1");
    for e in legacy {
        assert!(e["stored_payload"].get("warehouse").is_none(), "{e}");
        assert_eq!((e["schema_version"].as_u64(), e["payload"]["warehouse"].as_str()), (Some(2), Some("main")));
    }

    let exported = s.export();
    let file = s.db.with_file_name("stock.jsonl");
    std::fs::write(&file, &exported).unwrap();
    let copy = s.db.with_file_name("copy.db");
    let imported = Store::run_on(&copy, &["import", file.to_str().unwrap()]);
    assert_eq!(imported.code, 0, "{}", imported.stderr);
    assert_eq!(Store::run_on(&copy, &["export"]).stdout, exported, "export → import → export is identical");
    assert_eq!(Store::run_on(&copy, &["verify"]).code, 0);

    // The built-in binary, which knows no inventory, opens the store read-only.
    let builtin = Command::new(env!("CARGO_BIN_EXE_chronicle")).arg("--db").arg(&s.db).arg("verify").output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&builtin.stdout), String::from_utf8_lossy(&builtin.stderr));
    assert_eq!(builtin.status.code(), Some(0), "{said}");
    assert!(said.contains("no aggregate registered for type Stock"), "{said}");
}

#[cfg(feature = "tui")]
#[test]
fn a_headless_tui_session_scrubs_and_runs_a_command() {
    use chronicle::tui::runtime::render_text;
    use chronicle::tui::{Action, Session};
    use crossterm::event::KeyCode;

    let s = Store::new();
    for line in ["receive sku-1 10", "reserve o-1 sku-1 4", "ship o-1"] {
        s.exec(line);
    }
    let mut tui = Session::open(&s.db, domain::registry()).unwrap();
    tui.app.no_color = true;
    tui.dispatch(Action::Resize(140, 40)).unwrap();
    tui.start().unwrap();
    assert_eq!(tui.app.head, 5);
    let words: Vec<&str> = tui.app.commands.iter().map(|c| c.word).collect();
    assert_eq!(words, ["receive", "reserve", "ship", "cancel", "adjust"]);
    let names: Vec<&str> = tui.app.projections.iter().map(|m| m.name).collect();
    assert_eq!(names, ["stock_levels", "open_orders"]);

    // Scrub back to before the shipment.
    tui.press(KeyCode::Left).unwrap();
    tui.press(KeyCode::Left).unwrap();
    assert_eq!(tui.app.cursor, 3);
    let screen = render_text(&tui.app, 140, 40);
    assert!(screen.contains("StockReserved"), "{screen}");

    // Run a command from the command line; it is recorded.
    tui.press(KeyCode::Char(':')).unwrap();
    tui.type_str("receive sku-2 7 at east").unwrap();
    tui.press(KeyCode::Enter).unwrap();
    tui.flush().unwrap();
    // And one the rules refuse, with the reason shown.
    tui.press(KeyCode::Char(':')).unwrap();
    tui.type_str("cancel o-1").unwrap();
    tui.press(KeyCode::Enter).unwrap();
    tui.flush().unwrap();
    let message = tui.app.message.as_ref().map(|m| m.text.clone()).unwrap_or_default();
    assert!(message.contains("order o-1 has shipped and cannot be cancelled"), "{message}");
    drop(tui);
    let log = s.log();
    assert_eq!(log.len(), 6);
    assert_eq!(log[5]["payload"], json!({"sku": "sku-2", "qty": 7, "warehouse": "east"}));
}

// ---- the domain's rules through chronicle::testing --------------------------

fn inventory() -> Scenario {
    Scenario::new(domain::registry())
}

#[test]
fn reserving_places_an_order_and_holds_stock() {
    let s = inventory()
        .given_commands(["receive sku-1 5 at east", "receive sku-1 3"])
        .when("reserve o-1 sku-1 6")
        .then_events([
            event("OrderPlaced", json!({"sku": "sku-1", "qty": 6})).on("o-1"),
            event("StockReserved", json!({"order": "o-1", "sku": "sku-1", "qty": 6})).on("stock"),
        ]);
    assert_eq!(s.then_state::<events::Stock>("stock").sku("sku-1").available(), 2);
    s.then_rows("open_orders", json!([{"order_id": "o-1", "sku": "sku-1", "qty": 6}]))
        .when("reserve o-2 sku-1 3")
        .then_rejected("cannot reserve 3 sku-1: only 2 available");
}

#[test]
fn a_cancelled_order_cannot_ship_and_a_shipped_one_cannot_be_cancelled() {
    inventory()
        .given_commands(["receive sku-1 5", "reserve o-1 sku-1 2", "cancel o-1"])
        .when("ship o-1")
        .then_rejected("order o-1 was cancelled and cannot ship")
        .then_rows("open_orders", json!([]))
        .given_commands(["reserve o-2 sku-1 2", "ship o-2"])
        .when("cancel o-2")
        .then_rejected("order o-2 has shipped and cannot be cancelled")
        .then_rows("stock_levels", json!([{"sku": "sku-1", "warehouse": "main", "on_hand": 3}]));
}

#[test]
fn the_transition_checks_refuse_events_no_command_could_record() {
    let over = EventData::new("StockReserved", 1, json!({"order": "o-1", "sku": "sku-1", "qty": 9}));
    let negative =
        EventData::new("StockAdjusted", 1, json!({"sku": "sku-1", "delta": -6, "warehouse": "main", "reason": "x"}));
    let ship = EventData::new("OrderShipped", 1, json!({}));
    inventory()
        .given_commands(["receive sku-1 5", "reserve o-1 sku-1 1", "cancel o-1"])
        .then_refuses("stock", &over, "over-reserve", "sku-1 has 5 available: cannot reserve 9")
        .then_refuses("stock", &negative, "negative-stock", "sku-1 at main holds 5: cannot adjust by -6")
        .then_refuses("o-1", &ship, "ship", "order o-1 was cancelled and cannot ship");
}

#[test]
fn a_v1_receipt_is_upcast_to_the_main_warehouse() {
    inventory()
        .given("stock", [EventData::new("StockReceived", 1, json!({"sku": "sku-1", "qty": 4}))])
        .then_rows("stock_levels", json!([{"sku": "sku-1", "warehouse": "main", "on_hand": 4}]))
        .when("adjust sku-1 -4 expired")
        .then_events([event(
            "StockAdjusted",
            json!({"sku": "sku-1", "delta": -4, "warehouse": "main", "reason": "expired"}),
        )]);
}

#[test]
fn the_readme_shows_the_example_main_as_it_is() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let main = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/inventory/main.rs")).unwrap();
    let section = readme.split("\n## Bring your own domain\n").nth(1).expect("README has `## Bring your own domain`");
    let section = section.split("\n## ").next().unwrap();
    let block = section.split("```rust\n").nth(1).expect("a rust block");
    let block = &block[..=block.find("\n```\n").expect("the block's closing fence")];
    assert_eq!(block, main, "README's main.rs block differs from examples/inventory/main.rs");
}
