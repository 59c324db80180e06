//! The CLI contract for writing and reading the log: `exec` output on
//! stdout, exit status, one-line rejections that record nothing, command
//! ids, `log` filters and `--follow` (the read side: `cli_state.rs`).

#[path = "helpers/small.rs"]
mod small;
#[path = "helpers/cli.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};
use small::{keys, small_store};
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
