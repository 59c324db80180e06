//! The CLI contract for the read side: `state` of a stream and of a read
//! model, time travel (`--at`, `--at-time`), `rebuild`, `--db` and
//! `$CHRONICLE_DB`, `verify`, `export` and `import` (writing and the log:
//! `cli_commands.rs`).

#[path = "helpers/small.rs"]
mod small;
#[path = "helpers/cli.rs"]
mod support;

use serde_json::{Value, json};
use small::{PROJECTIONS, keys, small_store};
use support::{Store, chronicle, run};

#[test]
fn state_of_a_stream_has_the_contract_shape() {
    let s = small_store();
    let v = s.state(&["--stream", "acc-1"]);
    assert_eq!(keys(&v), ["stream_id", "stream_type", "version", "position", "state"]);
    assert_eq!(v["stream_id"], "acc-1");
    assert_eq!(v["stream_type"], "BankAccount");
    assert_eq!(v["version"], 2);
    assert_eq!(v["position"], 2);
    assert_eq!(v["state"]["balance_cents"], 500);
    assert_eq!(v["state"]["owner"], "Ada Lovelace");

    let u = s.state(&["--stream", "u-1"]);
    assert_eq!(u["stream_type"], "User");
    assert_eq!(u["version"], 2);
    assert_eq!(u["position"], 6);
    assert_eq!(u["state"]["email"], "ada@example.com");
    assert_eq!(u["state"]["first_name"], "Ada");
    assert_eq!(u["state"]["last_name"], "King Lovelace");
    assert_eq!(u["state"]["roles"], json!(["admin"]));

    // Text output is the same object, pretty.
    let text = s.ok(&["state", "--stream", "acc-1"]);
    assert_eq!(serde_json::from_str::<Value>(&text).expect("pretty JSON"), v);
}

#[test]
fn account_balances_lists_every_account_closed_ones_too() {
    let s = small_store();
    let v = s.projection("account_balances");
    assert_eq!(keys(&v), ["projection", "position", "rows"]);
    assert_eq!(v["projection"], "account_balances");
    assert_eq!(v["position"], 6);
    let rows = v["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 2, "{v}");
    for r in rows {
        assert_eq!(keys(r), ["account_id", "owner", "currency", "balance_cents", "status", "transactions"]);
    }
    assert_eq!(
        rows[0],
        json!({"account_id": "acc-1", "owner": "Ada Lovelace", "currency": "USD", "balance_cents": 500, "status": "active", "transactions": 1})
    );
    assert_eq!(
        rows[1],
        json!({"account_id": "acc-2", "owner": "Grace Hopper", "currency": "USD", "balance_cents": 0, "status": "closed", "transactions": 0})
    );
    let text = s.ok(&["state", "--projection", "account_balances"]);
    assert!(text.contains("acc-2") && text.contains("closed"), "{text}");
}

#[test]
fn state_at_a_position_shows_the_past() {
    let s = small_store();
    s.exec("deposit acc-1 1.50");
    let then = s.state(&["--at", "2", "--stream", "acc-1"]);
    assert_eq!((then["version"].as_u64(), then["position"].as_u64()), (Some(2), Some(2)));
    assert_eq!(then["state"]["balance_cents"], 500);
    let now = s.state(&["--stream", "acc-1"]);
    assert_eq!(now["state"]["balance_cents"], 650);
    assert_eq!(now["position"], 7);

    // acc-2 as of position 3: opened, not yet closed.
    let acc2 = s.state(&["--at", "3", "--projection", "account_balances"]);
    assert_eq!(acc2["position"], 3);
    assert_eq!(acc2["rows"][1]["status"], "active");
    assert_eq!(s.state(&["--at", "1", "--projection", "account_balances"])["rows"].as_array().map(Vec::len), Some(1));
    let empty = s.state(&["--at", "0", "--projection", "account_balances"]);
    assert_eq!(empty["rows"], json!([]));

    // The whole world at a position.
    let world = s.state(&["--at", "4"]);
    assert_eq!(world["position"], 4);
    assert_eq!(world["streams"]["acc-2"]["version"], 2);
    assert!(world["streams"].get("u-1").is_none());
}

#[test]
fn state_at_time_picks_the_last_event_at_or_before_it() {
    let s = Store::demo(120);
    let log = s.log(&[]);
    for k in [1usize, 40, 77, 120] {
        let at = log[k - 1]["recorded_at"].as_str().expect("recorded_at");
        let by_time = s.state(&["--at-time", at, "--projection", "account_balances"]);
        let by_position = s.state(&["--at", &k.to_string(), "--projection", "account_balances"]);
        assert_eq!(by_time["position"], k, "at {at}");
        assert_eq!(by_time, by_position);
    }
    // An offset time means the same instant.
    let at =
        chrono::DateTime::parse_from_rfc3339(log[59]["recorded_at"].as_str().expect("recorded_at")).expect("RFC 3339");
    let shifted = at.with_timezone(&chrono::FixedOffset::east_opt(2 * 3600).expect("offset")).to_rfc3339();
    assert_eq!(s.state(&["--at-time", &shifted, "--projection", "account_balances"])["position"], 60);
    let before = s.state(&["--at-time", "2000-01-01T00:00:00Z", "--projection", "account_balances"]);
    assert_eq!(before["position"], 0);
    assert_eq!(before["rows"], json!([]));
}

#[test]
fn rebuild_leaves_every_read_model_identical() {
    let s = Store::demo(300);
    let before: Vec<Value> = PROJECTIONS.iter().map(|p| s.projection(p)).collect();
    for v in &before {
        assert!(!v["rows"].as_array().expect("rows").is_empty(), "{v}");
    }
    let r = s.run(&["rebuild"]);
    r.expect_code(0, "rebuild");
    assert!(r.stdout.is_empty(), "rebuild prints data: {}", r.stdout);
    let after: Vec<Value> = PROJECTIONS.iter().map(|p| s.projection(p)).collect();
    assert_eq!(before, after);
    s.ok(&["rebuild", "--projection", "daily_summary"]);
    assert_eq!(s.projection("daily_summary"), before[2]);
    s.verify_ok();
}

#[test]
fn db_defaults_to_chronicle_db_env_then_to_the_current_directory() {
    let s = Store::new();
    let r = run(chronicle().env("CHRONICLE_DB", &s.path).args(["exec", "open acc-1 Ada Lovelace"]));
    r.expect_code(0, "exec via CHRONICLE_DB");
    assert!(s.path.exists(), "CHRONICLE_DB was not used");
    assert_eq!(s.head(), 1);
    // --db wins over the environment.
    let other = s.file("other.db");
    let r = run(chronicle().env("CHRONICLE_DB", &s.path).arg("--db").arg(&other).args(["exec", "open acc-9 Bob"]));
    r.expect_code(0, "exec with --db");
    assert_eq!(s.head(), 1);
    // Neither: ./chronicle.db.
    let r = run(chronicle().current_dir(s.dir.path()).args(["exec", "open acc-2 Grace Hopper"]));
    r.expect_code(0, "exec in the current directory");
    assert!(s.file("chronicle.db").exists());
}

#[test]
fn verify_export_and_import_report_on_the_right_stream() {
    let s = small_store();
    let out = s.verify_ok();
    assert!(out.contains("6 events") && out.contains("3 streams"), "{out}");
    let file = s.file("out.jsonl");
    let r = s.run(&["export", "--out", file.to_str().expect("utf-8 path")]);
    r.expect_code(0, "export --out");
    assert!(r.stdout.is_empty(), "export --out printed data: {}", r.stdout);
    assert_eq!(std::fs::read_to_string(&file).expect("export file"), s.export());
    let other = Store::new();
    let r = other.run(&["import", file.to_str().expect("utf-8 path")]);
    r.expect_code(0, "import");
    assert!(r.stdout.is_empty(), "import printed data: {}", r.stdout);
    assert!(r.stderr.contains("imported 6 events"), "{}", r.stderr);
}
