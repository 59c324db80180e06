//! Causation trees deeper than one command: the demo's follow-ups (closing
//! an account: withdraw → close → open a replacement) chain by causation in
//! one correlation, and `exec --causation EVENT_ID` / `--correlation ID`
//! let a script continue a request; a cause no event has is one line, exit 2.

#[path = "helpers/pg.rs"]
mod pg;
#[path = "helpers/cli.rs"]
mod support;

use serde_json::Value;
use support::{Store, json_lines};

/// The tree of correlation `id` as JSON.
fn tree_json(s: &Store, id: &str) -> Value {
    let out = s.ok(&["log", "--correlation", id, "--tree", "--json"]);
    serde_json::from_str(out.trim()).expect("one JSON object")
}

/// How many event levels hang below `node` (a command node adds none).
fn depth(node: &Value) -> usize {
    let own = usize::from(node.get("command_id").is_none());
    own + node["children"].as_array().expect("children is a list").iter().map(depth).max().unwrap_or(0)
}

#[test]
fn the_demo_chains_follow_ups_under_the_event_that_caused_them() {
    let s = Store::demo(2_000);
    let log = json_lines(&s.ok(&["log", "--json"]));
    // A follow-up: an event caused by another event (not by its own command).
    let ids: std::collections::HashMap<&str, &Value> =
        log.iter().map(|e| (e["event_id"].as_str().unwrap(), e)).collect();
    let follow_ups: Vec<&Value> =
        log.iter().filter(|e| ids.contains_key(e["metadata"]["causation_id"].as_str().unwrap())).collect();
    assert!(!follow_ups.is_empty(), "the demo records follow-ups");
    for f in &follow_ups {
        let cause = ids[f["metadata"]["causation_id"].as_str().unwrap()];
        assert_eq!(f["metadata"]["correlation_id"], cause["metadata"]["correlation_id"], "{f}");
        assert!(cause["position"].as_u64() < f["position"].as_u64());
        assert_ne!(f["metadata"]["command_id"], cause["metadata"]["command_id"]);
    }
    // A closed account's chain: the closing withdrawal, the close, the replacement.
    let closed = follow_ups.iter().find(|e| e["event_type"] == "AccountClosed").expect("the demo closes an account");
    let id = closed["metadata"]["correlation_id"].as_str().unwrap();
    let tree = tree_json(&s, id);
    let roots = tree["roots"].as_array().unwrap();
    assert_eq!(roots.len(), 1, "one request, one root: {tree}");
    assert!(depth(&roots[0]) >= 2, "{tree}");
    let text = s.ok(&["log", "--correlation", id, "--tree"]);
    let types: Vec<&str> = text.lines().skip(2).map(|l| l.split_whitespace().nth(2).unwrap_or("")).collect();
    let nested = text.lines().skip(2).filter(|l| l.starts_with(' ')).count();
    assert!(nested >= 1, "a follow-up is drawn under its cause:\n{text}");
    assert!(types.contains(&"AccountClosed") && types.contains(&"AccountOpened"), "{text}");
}

#[test]
fn exec_with_a_causation_builds_a_child_in_the_causes_correlation() {
    let s = Store::new();
    s.exec("open acc-1 Ada");
    let first = s.exec_json("deposit acc-1 10 salary");
    let (cause, corr) =
        (first[0]["event_id"].as_str().unwrap(), first[0]["metadata"]["correlation_id"].as_str().unwrap());
    let child = json_lines(&s.ok(&["exec", "--json", "--causation", cause, "withdraw acc-1 3 rent"]));
    assert_eq!(child[0]["metadata"]["causation_id"], cause);
    assert_eq!(child[0]["metadata"]["correlation_id"], corr, "the cause's correlation is joined");
    let grandchild = child[0]["event_id"].as_str().unwrap();
    s.ok(&["exec", "--causation", grandchild, "--correlation", corr, "withdraw acc-1 1"]);

    let out = s.ok(&["log", "--correlation", corr, "--tree"]);
    let want = [
        format!("correlation {corr}: 3 events"),
        format!("command {corr}"),
        "└─ 2 MoneyDeposited acc-1 by tester".to_owned(),
        "   └─ 3 MoneyWithdrawn acc-1 by tester".to_owned(),
        "      └─ 4 MoneyWithdrawn acc-1 by tester".to_owned(),
    ];
    assert_eq!(out.lines().collect::<Vec<_>>(), want);
    assert_eq!(depth(&tree_json(&s, corr)["roots"][0]), 3);

    // --correlation alone joins a request as a command of its own.
    s.ok(&["exec", "--correlation", corr, "deposit acc-1 2"]);
    let tree = tree_json(&s, corr);
    assert_eq!(tree["events"], 4);
    assert_eq!(tree["roots"].as_array().unwrap().len(), 2);
}

#[test]
fn an_unknown_or_foreign_cause_is_one_line_exit_2_and_records_nothing() {
    let s = Store::new();
    s.exec("open acc-1 Ada");
    let other = s.exec_json("open acc-2 Alan");
    let line = s.fails(&["exec", "--causation", "no-such-event", "deposit acc-1 5"], 2);
    assert!(line.contains("no-such-event") && line.contains("--causation"), "{line}");
    let cause = other[0]["event_id"].as_str().unwrap();
    let line = s.fails(&["exec", "--causation", cause, "--correlation", "req-9", "deposit acc-1 5"], 2);
    assert!(line.contains("req-9") && line.contains("correlation"), "{line}");
    let line = s.fails(&["exec", "--correlation", "two words", "deposit acc-1 5"], 2);
    assert!(line.contains("correlation id"), "{line}");
    assert_eq!(s.head(), 2);
}

#[test]
fn postgres_chains_exec_causes_the_same_way() {
    let Some(pg) = pg::Pg::new() else { return };
    pg.exec("open acc-1 Ada");
    let first = json_lines(&pg.ok(&["exec", "--json", "deposit acc-1 10"]));
    let cause = first[0]["event_id"].as_str().unwrap();
    let corr = first[0]["metadata"]["correlation_id"].as_str().unwrap();
    let child = json_lines(&pg.ok(&["exec", "--json", "--causation", cause, "withdraw acc-1 3"]));
    assert_eq!(child[0]["metadata"]["causation_id"], cause);
    assert_eq!(child[0]["metadata"]["correlation_id"], corr);
    let out = pg.ok(&["log", "--correlation", corr, "--tree"]);
    assert_eq!(out.lines().last(), Some("   └─ 3 MoneyWithdrawn acc-1 by tester"), "{out}");
    let line = pg.fails(&["exec", "--causation", "no-such-event", "deposit acc-1 5"], 2);
    assert!(line.contains("no-such-event"), "{line}");
    assert_eq!(pg.head(), 3);
}
