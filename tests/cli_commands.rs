//! The CLI contract, command by command: output on stdout, exit status,
//! one-line rejections that record nothing, filters, time travel, rebuild.

#[path = "helpers/cli.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};
use support::{Store, chronicle, json_lines, run};

const EVENT_FIELDS: [&str; 13] = [
    "position",
    "event_id",
    "stream_id",
    "stream_type",
    "version",
    "event_type",
    "schema_version",
    "payload",
    "metadata",
    "recorded_at",
    "hash",
    "stored_payload",
    "stored_schema_version",
];

const PROJECTIONS: [&str; 4] = ["account_balances", "transaction_history", "daily_summary", "user_profiles"];

fn keys(v: &Value) -> Vec<String> {
    v.as_object().expect("an object").keys().cloned().collect()
}

/// A small store: an active account with 5.00, a closed account, a user.
fn small_store() -> Store {
    let s = Store::new();
    for line in [
        "open acc-1 Ada Lovelace",
        "deposit acc-1 5 first",
        "open acc-2 Grace Hopper",
        "close acc-2 moved away",
        "register u-1 ada@example.com Ada King Lovelace",
        "grant u-1 admin",
    ] {
        s.exec(line);
    }
    s
}

#[test]
fn exec_prints_the_recorded_event_as_text() {
    let s = Store::new();
    let out = s.exec("open acc-1 Ada Lovelace");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.contains("acc-1@1") && out.contains("AccountOpened") && out.contains("Ada Lovelace"), "{out}");
    let out = s.exec("deposit acc-1 12.50 salary");
    assert_eq!(out.lines().count(), 1, "{out}");
    for part in ["2", "acc-1@2", "MoneyDeposited", "tester", "1250", "salary"] {
        assert!(out.contains(part), "`{part}` missing from {out}");
    }
}

#[test]
fn exec_json_prints_json_lines_with_every_contract_field() {
    let s = Store::new();
    s.exec("open acc-1 Ada Lovelace");
    let r = run(chronicle().arg("--db").arg(&s.path).args([
        "exec",
        "--json",
        "--actor",
        "teller:ada",
        "deposit acc-1 12.50 salary",
    ]));
    r.expect_code(0, "exec --json");
    let events = json_lines(&r.stdout);
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(keys(e), EVENT_FIELDS, "fields and their order");
    assert_eq!(e["position"], 2);
    assert_eq!(e["stream_id"], "acc-1");
    assert_eq!(e["stream_type"], "BankAccount");
    assert_eq!(e["version"], 2);
    assert_eq!(e["event_type"], "MoneyDeposited");
    assert_eq!(e["schema_version"], 3);
    assert_eq!(e["stored_schema_version"], 3);
    let payload = json!({"amount": {"value_cents": 1250, "currency": "USD"}, "description": "salary"});
    assert_eq!(e["payload"], payload);
    assert_eq!(e["stored_payload"], payload);
    let m = &e["metadata"];
    assert_eq!(m["actor"], "teller:ada");
    assert_eq!(m["source"], "cli");
    assert!(m["command_id"].as_str().is_some_and(|c| !c.is_empty()));
    assert_eq!(m["correlation_id"], m["command_id"]);
    assert_eq!(m["causation_id"], m["command_id"]);
    let hash = e["hash"].as_str().expect("hash");
    assert!(hash.len() == 64 && hash.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')), "{hash}");
    let at = e["recorded_at"].as_str().expect("recorded_at");
    assert!(chrono::DateTime::parse_from_rfc3339(at).is_ok() && at.ends_with('Z'), "{at}");
    uuid::Uuid::parse_str(e["event_id"].as_str().expect("event_id")).expect("event_id is a UUID");
    // The event printed is the event stored.
    assert_eq!(s.log(&["--from", "2"]), events);
}

#[test]
fn every_rejection_exits_1_with_one_line_and_records_nothing() {
    let s = small_store();
    let before = s.export();
    let cases: &[(&str, &str)] = &[
        ("open acc-1 Somebody Else", "already exists"),
        ("deposit acc-9 5", "does not exist"),
        ("withdraw acc-9 5", "does not exist"),
        ("deposit acc-2 5", "closed"),
        ("withdraw acc-2 5", "closed"),
        ("withdraw acc-1 5.01", "insufficient funds"),
        ("transfer acc-1 acc-3 1", "does not exist"),
        ("transfer acc-1 acc-2 1", "closed"),
        ("transfer acc-1 acc-1 1", "itself"),
        ("transfer acc-1 acc-9 6", "acc-"),
        ("close acc-1", "5.00"),
        ("deposit acc-1 0", "greater than zero"),
        ("deposit acc-1 0.00", "greater than zero"),
        ("deposit acc-1 -5", "positive"),
        ("withdraw acc-1 -1", "positive"),
        ("deposit acc-1 1.234", "two decimal places"),
        ("deposit acc-1 abc", "decimal number"),
        ("deposit acc-1 1e3", "1e3"),
        ("deposit acc-1", "amount"),
        ("open acc-5", "owner"),
        ("frobnicate acc-1", "unknown command"),
        ("", "empty command"),
        ("register u-1 other@example.com Someone", "already exists"),
        ("register u-2 not-an-email Bob Smith", "not valid"),
        ("change-email u-1 ada@example.com", "already has email"),
        ("change-email u-9 x@example.com", "does not exist"),
        ("grant u-1 admin", "already has role"),
        ("revoke u-1 teller", "does not have role"),
        ("reactivate u-1", "not suspended"),
        ("suspend u-1", "reason"),
        ("deposit u-1 5", "u-1"),
        ("grant acc-1 admin", "acc-1"),
    ];
    for (line, reason) in cases {
        let err = s.fails(&["exec", line], 1);
        assert!(err.starts_with("chronicle: "), "{line}: {err}");
        assert!(err.contains(reason), "{line}: expected `{reason}` in: {err}");
        let json = s.run(&["exec", "--json", line]);
        json.one_line_error(1, line);
        assert!(json.stdout.is_empty(), "{line}: printed {}", json.stdout);
    }
    assert_eq!(s.export(), before, "a rejected command recorded something");
    s.verify_ok();
}

#[test]
fn transfer_records_two_events_on_two_streams_with_one_correlation_id() {
    let s = Store::new();
    s.exec("open acc-1 Ada Lovelace");
    s.exec("open acc-2 Grace Hopper");
    s.exec("deposit acc-1 100");
    let events = s.exec_json("transfer acc-1 acc-2 30.25 rent");
    assert_eq!(events.len(), 2, "{events:?}");
    let (out, inn) = (&events[0], &events[1]);
    assert_eq!((out["stream_id"].as_str(), out["event_type"].as_str()), (Some("acc-1"), Some("MoneyWithdrawn")));
    assert_eq!((inn["stream_id"].as_str(), inn["event_type"].as_str()), (Some("acc-2"), Some("MoneyDeposited")));
    assert_eq!(out["payload"]["amount"]["value_cents"], 3025);
    assert_eq!(inn["payload"]["amount"]["value_cents"], 3025);
    assert_eq!(inn["position"].as_u64(), out["position"].as_u64().map(|p| p + 1));
    let corr = out["metadata"]["correlation_id"].as_str().expect("correlation id");
    assert_eq!(inn["metadata"]["correlation_id"], corr);
    assert_eq!(s.log(&["--correlation", corr]), events);
    assert_eq!(s.balance_row("acc-1")["balance_cents"], 10_000 - 3025);
    assert_eq!(s.balance_row("acc-2")["balance_cents"], 3025);
    assert_eq!(s.balance_row("acc-1")["transactions"], 2);
    assert_eq!(s.balance_row("acc-2")["transactions"], 1);
}

#[test]
fn exec_with_the_same_command_id_records_once() {
    let s = Store::new();
    s.exec("open acc-1 Ada Lovelace");
    let first = s.ok(&["exec", "--json", "--command-id", "cmd-42", "deposit acc-1 7"]);
    let r = s.run(&["exec", "--json", "--command-id", "cmd-42", "deposit acc-1 7"]);
    r.expect_code(0, "repeated command id");
    assert!(r.stderr.contains("executed before"), "{}", r.stderr);
    assert_eq!(r.stdout, first, "the repeat reports the events of the first time");
    assert_eq!(s.head(), 2);
    assert_eq!(s.balance_row("acc-1")["balance_cents"], 700);
}

#[test]
fn log_filters_select_the_right_events() {
    let s = small_store();
    s.exec("open acc-3 Alan Turing");
    s.exec("deposit acc-3 2");
    s.exec("deposit acc-1 3");
    let all = s.log(&[]);
    assert_eq!(all.len(), 9);
    let positions = |v: &[Value]| v.iter().map(|e| e["position"].as_u64().expect("position")).collect::<Vec<_>>();
    assert_eq!(positions(&all), (1..=9).collect::<Vec<_>>());
    for e in &all {
        assert_eq!(keys(e), EVENT_FIELDS);
    }

    let acc1 = s.log(&["--stream", "acc-1"]);
    assert_eq!(positions(&acc1), [1, 2, 9]);
    assert!(acc1.iter().all(|e| e["stream_id"] == "acc-1"));

    let deposits = s.log(&["--type", "MoneyDeposited"]);
    assert_eq!(positions(&deposits), [2, 8, 9]);

    assert_eq!(positions(&s.log(&["--from", "7"])), [7, 8, 9]);
    assert_eq!(positions(&s.log(&["--limit", "2"])), [1, 2]);
    assert_eq!(positions(&s.log(&["--from", "3", "--limit", "2"])), [3, 4]);
    assert_eq!(positions(&s.log(&["--stream", "acc-1", "--type", "MoneyDeposited", "--from", "3"])), [9]);
    assert!(s.log(&["--from", "10"]).is_empty());
    assert!(s.fails(&["log", "--stream", "nobody"], 2).contains("unknown stream `nobody`"), "one rule with `state`");

    let corr = all[4]["metadata"]["correlation_id"].as_str().expect("correlation id");
    assert_eq!(positions(&s.log(&["--correlation", corr])), [5]);

    // Text output: one line per event, in position order.
    let text = s.ok(&["log", "--stream", "acc-1"]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].contains("AccountOpened") && lines[2].contains("acc-1@3"), "{text}");
}

#[test]
fn log_follow_shows_events_appended_by_another_process() {
    let s = Store::new();
    s.exec("open acc-1 Ada Lovelace");
    let mut child = chronicle()
        .arg("--db")
        .arg(&s.path)
        .args(["log", "--follow", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn log --follow");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let next = |what: &str| -> Value {
        let line = rx.recv_timeout(Duration::from_secs(20)).unwrap_or_else(|_| panic!("log --follow: no {what}"));
        serde_json::from_str(&line).expect("JSON line")
    };
    assert_eq!(next("existing event")["event_type"], "AccountOpened");
    s.exec("deposit acc-1 4.20 from another process");
    let e = next("appended event");
    assert_eq!(e["position"], 2);
    assert_eq!(e["event_type"], "MoneyDeposited");
    assert_eq!(e["payload"]["amount"]["value_cents"], 420);
    assert!(child.try_wait().expect("try_wait").is_none(), "log --follow exited by itself");
    child.kill().expect("kill log --follow");
    child.wait().expect("wait");
    reader.join().expect("reader thread");
}

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
