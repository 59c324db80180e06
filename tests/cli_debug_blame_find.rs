//! Issue 13, items 1 and 2 in the CLI: `blame` (which event changed this
//! field, who, when) and `find` (when did this first hold), on the demo
//! store, on a history built with `exec`, on a read model, and on a stream
//! no registered domain knows.

#[path = "helpers/export.rs"]
mod export;
#[path = "helpers/cli.rs"]
mod support;

use chronicle::es::hash::GENESIS;
use serde_json::{Value, json};
use support::{Store, json_lines, write};

/// A store whose acc-1 balance goes 0 → 1000 → 700 → 0 and then closes, by
/// three actors, and acc-2 stays open with money.
fn history() -> Store {
    let s = Store::new();
    for (actor, line) in [
        ("ada", "open acc-1 Ada Lovelace"),
        ("ada", "open acc-2 Grace Hopper"),
        ("grace", "deposit acc-1 10 salary"),
        ("linus", "deposit acc-2 5"),
        ("grace", "withdraw acc-1 3"),
        ("ada", "withdraw acc-1 7"),
        ("ada", "close acc-1"),
    ] {
        s.ok(&["exec", "--actor", actor, line]);
    }
    s
}

#[test]
fn blame_a_field_lists_each_change_with_who_and_the_values() {
    let s = history();
    let lines = json_lines(&s.ok(&["blame", "--stream", "acc-1", "--field", "balance_cents", "--json"]));
    let got: Vec<(u64, &str, Value, Value)> = lines
        .iter()
        .map(|l| {
            (l["position"].as_u64().unwrap(), l["actor"].as_str().unwrap(), l["before"].clone(), l["after"].clone())
        })
        .collect();
    assert_eq!(
        got,
        [
            (1, "ada", Value::Null, json!(0)),
            (3, "grace", json!(0), json!(1000)),
            (5, "grace", json!(1000), json!(700)),
            (6, "ada", json!(700), json!(0)),
        ],
        "the opening shows the field's appearance; the closing did not change the balance"
    );
    for l in &lines {
        for k in ["event_type", "recorded_at", "correlation_id", "stream_id"] {
            assert!(l[k].as_str().is_some_and(|v| !v.is_empty()), "{k} in {l}");
        }
    }
    assert_eq!(lines[1]["event_type"], "MoneyDeposited");

    let text = s.ok(&["blame", "--stream", "acc-1", "--field", "closed"]);
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.len(), 2, "{text}");
    assert!(
        rows[1].contains("acc-1@5") && rows[1].contains("AccountClosed") && rows[1].contains("false → true"),
        "{text}"
    );
    assert!(rows[0].contains("(absent) → false"), "{text}");

    let whole = json_lines(&s.ok(&["blame", "--stream", "acc-1", "--json"]));
    assert_eq!(whole.len(), 5, "every event changed the state");
    assert_eq!(whole[4]["after"]["closed"], true);
}

#[test]
fn blame_a_read_model_cell() {
    let s = history();
    let lines = json_lines(&s.ok(&[
        "blame",
        "--projection",
        "account_balances",
        "--key",
        "acc-1",
        "--field",
        "status",
        "--json",
    ]));
    let got: Vec<(u64, Value, Value)> =
        lines.iter().map(|l| (l["position"].as_u64().unwrap(), l["before"].clone(), l["after"].clone())).collect();
    assert_eq!(got, [(1, Value::Null, json!("active")), (7, json!("active"), json!("closed"))]);
    assert_eq!(lines[1]["actor"], "ada");
    assert_eq!((&lines[1]["projection"], &lines[1]["key"]), (&json!("account_balances"), &json!(["acc-1"])));
}

#[test]
fn blame_refuses_what_never_existed() {
    let s = history();
    let e = s.fails(&["blame", "--stream", "acc-9"], 2);
    assert!(e.contains("unknown stream") && e.contains("acc-9"), "{e}");
    let e = s.fails(&["blame", "--stream", "acc-1", "--field", "balance"], 2);
    assert!(e.contains("field `balance` never exists") && e.contains("balance_cents"), "{e}");
    let e = s.fails(&["blame", "--projection", "nope", "--key", "acc-1"], 2);
    assert!(e.contains("unknown projection") && e.contains("account_balances"), "{e}");
    let e = s.fails(&["blame", "--projection", "account_balances", "--key", "acc-9", "--field", "status"], 2);
    assert!(e.contains("no row") && e.contains("acc-9"), "{e}");
    let e = s.fails(&["blame", "--projection", "account_balances", "--key", "acc-1", "--key", "x"], 2);
    assert!(e.contains("one --key per column"), "{e}");
}

#[test]
fn find_first_last_all_on_a_stream() {
    let s = history();
    let first = json_lines(&s.ok(&["find", "--stream", "acc-1", "--where", "balance_cents < 1000", "--json"]));
    assert_eq!(first.len(), 1);
    assert_eq!(first[0]["position"], 1);
    assert_eq!(first[0]["stream_id"], "acc-1");
    assert_eq!(first[0]["values"], json!({"balance_cents": 0}));
    let from =
        json_lines(&s.ok(&["find", "--stream", "acc-1", "--where", "balance_cents < 1000", "--from", "2", "--json"]));
    assert_eq!(from[0]["position"], 5, "--from skips earlier positions");
    let last =
        json_lines(&s.ok(&["find", "--stream", "acc-1", "--where", "changed(balance_cents)", "--last", "--json"]));
    assert_eq!(last[0]["position"], 6);
    let all = json_lines(&s.ok(&[
        "find",
        "--stream",
        "acc-1",
        "--where",
        "changed(balance_cents) and not balance_cents = 0",
        "--all",
        "--json",
    ]));
    let positions: Vec<u64> = all.iter().map(|h| h["position"].as_u64().unwrap()).collect();
    assert_eq!(positions, [3, 5]);
    let text = s.ok(&["find", "--stream", "acc-1", "--where", "closed = true"]);
    assert!(text.starts_with("       7  ") && text.contains("AccountClosed") && text.contains("closed=true"), "{text}");
}

#[test]
fn find_on_a_read_model_matches_any_row() {
    let s = history();
    let hits = json_lines(&s.ok(&[
        "find",
        "--projection",
        "account_balances",
        "--where",
        "balance_cents >= 500",
        "--all",
        "--json",
    ]));
    let got: Vec<(u64, u64)> =
        hits.iter().map(|h| (h["position"].as_u64().unwrap(), h["matches"].as_u64().unwrap())).collect();
    assert_eq!(got, [(3, 1), (4, 2), (5, 2), (6, 1), (7, 1)], "a row keeps matching while untouched");
    assert_eq!(hits[0]["projection"], "account_balances");
    assert_eq!(hits[0]["rows"][0]["account_id"], "acc-1");
    assert_eq!(hits[4]["rows"][0]["account_id"], "acc-2");
}

#[test]
fn find_nothing_is_exit_1_with_a_message() {
    let s = history();
    let e = s.fails(&["find", "--stream", "acc-1", "--where", "balance_cents < 0"], 1);
    assert!(e.contains("never holds") && e.contains("balance_cents < 0"), "{e}");
    let r = s.run(&["find", "--stream", "acc-1", "--where", "balance_cents < 0", "--json"]);
    assert_eq!((r.code, r.stdout.as_str()), (1, ""));
}

#[test]
fn a_bad_expression_shows_a_caret_under_the_bad_token() {
    let s = history();
    let r = s.run(&["find", "--stream", "acc-1", "--where", "balance_cents < < 3"]);
    r.expect_code(2, "bad expression");
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{}", r.stderr);
    assert!(lines[0].contains("bad expression") && lines[0].contains("`<`"), "{}", r.stderr);
    assert_eq!(lines[1], "  balance_cents < < 3");
    assert_eq!(lines[2], "                  ^", "the caret sits under the second `<`");
    let r = s.run(&["find", "--stream", "acc-1", "--where", "status = \"closed"]);
    r.expect_code(2, "unterminated string");
    assert!(r.stderr.contains("unterminated string"), "{}", r.stderr);
}

#[test]
fn find_refuses_unknown_targets_and_fields() {
    let s = history();
    let e = s.fails(&["find", "--stream", "acc-1", "--where", "balance < 0"], 2);
    assert!(e.contains("field `balance` never exists"), "{e}");
    // A misspelt path that matches everywhere prints nothing before the error.
    let r = s.run(&["find", "--stream", "acc-1", "--where", "balance = null", "--all"]);
    assert_eq!((r.code, r.stdout.as_str()), (2, ""), "{}", r.stderr);
    let r = s.run(&["find", "--projection", "account_balances", "--where", "stat != 1", "--all"]);
    assert_eq!((r.code, r.stdout.as_str()), (2, ""), "{}", r.stderr);
    let e = s.fails(&["find", "--stream", "acc-9", "--where", "closed"], 2);
    assert!(e.contains("unknown stream"), "{e}");
    let e = s.fails(&["find", "--projection", "nope", "--where", "closed"], 2);
    assert!(e.contains("unknown projection"), "{e}");
    let r = s.run(&["find", "--where", "closed"]);
    r.expect_code(2, "no target");
    assert!(r.stderr.contains("--stream") && r.stderr.contains("--projection"), "{}", r.stderr);
}

#[test]
fn the_readme_examples_run_on_the_demo_store() {
    let s = Store::demo(2_000);
    for args in [
        ["find", "--stream", "acc-3", "--where", "balance_cents < 0"],
        ["find", "--projection", "account_balances", "--where", "status = \"closed\" and balance_cents != 0"],
    ] {
        let r = s.run(&args);
        assert!(r.code == 0 || r.code == 1, "{args:?}: {}", r.stderr);
        assert!(!r.stderr.contains("panicked"));
        if r.code == 1 {
            assert!(r.stderr.contains("never holds"), "{}", r.stderr);
        }
    }
    let closed =
        json_lines(&s.ok(&["find", "--projection", "account_balances", "--where", "status = \"closed\"", "--json"]));
    let id = closed[0]["rows"][0]["account_id"].as_str().unwrap().to_owned();
    let blame = json_lines(&s.ok(&["blame", "--stream", &id, "--field", "closed", "--json"]));
    assert_eq!(blame.last().unwrap()["after"], true);
    assert_eq!(blame.last().unwrap()["position"], closed[0]["position"], "the closing event is the one find found");
}

#[test]
fn blame_and_find_work_on_a_stream_nobody_registered() {
    let s = Store::new();
    let events: [export::Spec<'_>; 3] = [
        ("w-1", "Widget", "WidgetMade", 1, r#"{"name":"sprocket","size":3}"#),
        ("w-1", "Widget", "WidgetPainted", 1, r#"{"colour":"red"}"#),
        ("w-1", "Widget", "WidgetResized", 1, r#"{"size":5}"#),
    ];
    let (text, _) = export::Lines::default().from(1, GENESIS, &events);
    let file = s.file("w.jsonl");
    write(&file, &text);
    s.ok(&["import", file.to_str().unwrap()]);
    let blame = json_lines(&s.ok(&["blame", "--stream", "w-1", "--field", "size", "--json"]));
    let got: Vec<(u64, Value)> = blame.iter().map(|l| (l["position"].as_u64().unwrap(), l["after"].clone())).collect();
    assert_eq!(got, [(1, json!(3)), (3, json!(5))]);
    let hit = json_lines(&s.ok(&["find", "--stream", "w-1", "--where", "colour = \"red\" and size > 3", "--json"]));
    assert_eq!(hit[0]["position"], 3);
}
