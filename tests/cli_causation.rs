//! Issue 13, item 5 in the CLI: `log --correlation ID --tree` draws a
//! correlation's events as a tree by causation (command → events →
//! follow-ups), as text or one nested JSON object; on the demo store and on
//! an imported history with follow-ups, a missing cause and a cycle; the
//! same on PostgreSQL.

#[path = "helpers/export.rs"]
mod export;
#[path = "helpers/pg.rs"]
mod pg;
#[path = "helpers/cli.rs"]
mod support;

use std::collections::{BTreeMap, HashMap};

use chronicle::es::hash::GENESIS;
use serde_json::Value;
use support::{Store, json_lines, write};

/// Every event node of `node` and below, with the id its parent gives as
/// cause (`None` for a root), depth first.
fn walk<'a>(node: &'a Value, cause: Option<&'a str>, out: &mut Vec<(&'a Value, Option<&'a str>)>) {
    let own = if node.get("command_id").is_some() {
        node["command_id"].as_str()
    } else {
        out.push((node, cause));
        node["event_id"].as_str()
    };
    for child in node["children"].as_array().expect("children is a list") {
        walk(child, own, out);
    }
}

/// The tree of correlation `id` as JSON.
fn tree_json(s: &Store, id: &str) -> Value {
    let out = s.ok(&["log", "--correlation", id, "--tree", "--json"]);
    serde_json::from_str(out.trim()).expect("one JSON object")
}

#[test]
fn demo_trees_hang_each_event_under_what_its_causation_id_names() {
    let s = Store::demo(2_000);
    let log = json_lines(&s.ok(&["log", "--json"]));
    let mut by_corr: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for e in &log {
        by_corr.entry(e["metadata"]["correlation_id"].as_str().unwrap().to_owned()).or_default().push(e);
    }
    // The correlations with several events (transfers), and a few single ones.
    let mut picked: Vec<&String> = by_corr.iter().filter(|(_, v)| v.len() > 1).map(|(k, _)| k).take(15).collect();
    assert!(!picked.is_empty(), "the demo records transfers (two events per command)");
    picked.extend(by_corr.iter().filter(|(_, v)| v.len() == 1).map(|(k, _)| k).take(5));
    for id in picked {
        let expected = &by_corr[id];
        let tree = tree_json(&s, id);
        assert_eq!(tree["correlation_id"], id.as_str());
        assert_eq!(tree["events"], expected.len());
        assert_eq!(tree["truncated"], false);
        let mut nodes = Vec::new();
        for root in tree["roots"].as_array().unwrap() {
            walk(root, None, &mut nodes);
        }
        let got: Vec<u64> = nodes.iter().map(|(n, _)| n["position"].as_u64().unwrap()).collect();
        let want: Vec<u64> = expected.iter().map(|e| e["position"].as_u64().unwrap()).collect();
        assert_eq!(got, want, "{id}: every event once, in position order");
        let causes: HashMap<u64, &str> = expected
            .iter()
            .map(|e| (e["position"].as_u64().unwrap(), e["metadata"]["causation_id"].as_str().unwrap()))
            .collect();
        for (n, parent) in &nodes {
            let p = n["position"].as_u64().unwrap();
            assert_eq!(*parent, Some(causes[&p]), "{id}: event {p} hangs under its cause");
            assert_eq!(n["causation_id"], causes[&p]);
            for k in ["event_type", "stream_id", "actor"] {
                assert!(n[k].as_str().is_some_and(|v| !v.is_empty()), "{k} in {n}");
            }
        }
        // The demo's commands cause their events directly: one command node.
        assert_eq!(tree["roots"].as_array().unwrap().len(), 1);
        assert_eq!(tree["roots"][0]["command_id"], causes[&want[0]]);
    }
}

#[test]
fn the_text_tree_draws_the_command_and_its_events_with_who() {
    let s = Store::demo(2_000);
    let log = json_lines(&s.ok(&["log", "--json"]));
    // A transfer: one command, two events (the withdrawal and the deposit).
    let pair = log
        .windows(2)
        .find(|w| w[0]["metadata"]["command_id"] == w[1]["metadata"]["command_id"])
        .expect("the demo records a transfer");
    let id = pair[0]["metadata"]["correlation_id"].as_str().unwrap();
    let events = json_lines(&s.ok(&["log", "--json", "--correlation", id]));
    let out = s.ok(&["log", "--correlation", id, "--tree"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], format!("correlation {id}: {} events", events.len()));
    assert_eq!(lines[1], format!("command {}", events[0]["metadata"]["causation_id"].as_str().unwrap()));
    assert_eq!(lines.len(), 2 + events.len(), "{out}");
    for (i, (line, e)) in lines[2..].iter().zip(&events).enumerate() {
        let branch = if i + 1 == events.len() { "└─ " } else { "├─ " };
        let want = format!(
            "{branch}{} {} {} by {}",
            e["position"],
            e["event_type"].as_str().unwrap(),
            e["stream_id"].as_str().unwrap(),
            e["metadata"]["actor"].as_str().unwrap()
        );
        assert_eq!(*line, want);
    }
}

/// Correlation `req-1`: a command with two events, a follow-up of the first
/// and a follow-up of that; an event whose cause is nowhere; one caused by
/// itself. And one event of another correlation.
fn history() -> Store {
    let s = Store::new();
    let id = |p: u64| format!("00000000-0000-4000-8000-{p:012}");
    let metas = [
        ("req-1", "cmd-a".to_owned(), "cmd-a"),
        ("req-1", id(1), "cmd-b"),
        ("req-1", id(2), "cmd-c"),
        ("req-1", "cmd-a".to_owned(), "cmd-a"),
        ("req-1", "ghost".to_owned(), "cmd-d"),
        ("req-1", id(6), "cmd-e"),
        ("req-2", "cmd-f".to_owned(), "cmd-f"),
    ];
    let streams = ["w-1", "w-2", "w-3", "w-4", "w-5", "w-6", "w-7"];
    let (mut text, mut prev) = (String::new(), GENESIS);
    for (i, ((corr, cause, command), stream)) in metas.iter().zip(streams).enumerate() {
        let meta = format!(
            r#"{{"correlation_id":"{corr}","causation_id":"{cause}","actor":"ann","source":"import","command_id":"{command}"}}"#
        );
        let lines = export::Lines { metadata: &meta, day: "2026-01-01" };
        let spec: export::Spec<'_> = (stream, "Widget", "WidgetMade", 1, r#"{"n":1}"#);
        let (t, h) = lines.from(i as u64 + 1, prev, &[spec]);
        text.push_str(&t);
        prev = h;
    }
    let file = s.file("h.jsonl");
    write(&file, &text);
    s.ok(&["import", file.to_str().expect("utf-8 path")]);
    s
}

#[test]
fn follow_ups_nest_and_missing_or_later_causes_become_marked_roots() {
    let s = history();
    let out = s.ok(&["log", "--correlation", "req-1", "--tree"]);
    let want = [
        "correlation req-1: 6 events",
        "command cmd-a",
        "├─ 1 WidgetMade w-1 by ann",
        "│  └─ 2 WidgetMade w-2 by ann",
        "│     └─ 3 WidgetMade w-3 by ann",
        "└─ 4 WidgetMade w-4 by ann",
        "5 WidgetMade w-5 by ann [missing cause: ghost]",
        "6 WidgetMade w-6 by ann [cause recorded later (cycle): 00000000-0000-4000-8000-000000000006]",
    ];
    assert_eq!(out.lines().collect::<Vec<_>>(), want);

    let tree = tree_json(&s, "req-1");
    let roots = tree["roots"].as_array().unwrap();
    assert_eq!(roots.len(), 3);
    assert_eq!(roots[0]["command_id"], "cmd-a");
    let first = &roots[0]["children"][0];
    assert_eq!((first["position"].as_u64(), first["stream_id"].as_str()), (Some(1), Some("w-1")));
    assert_eq!(first["event_type"], "WidgetMade");
    assert_eq!(first["children"][0]["position"], 2);
    assert_eq!(first["children"][0]["children"][0]["position"], 3);
    assert_eq!(first["children"][0]["children"][0]["children"], Value::Array(vec![]));
    assert_eq!(roots[0]["children"][1]["position"], 4);
    assert_eq!(roots[1]["position"], 5);
    assert_eq!(roots[1]["orphan"], "missing cause");
    assert_eq!(roots[2]["position"], 6);
    assert!(roots[2]["orphan"].as_str().unwrap().contains("cycle"));
    assert!(roots[0]["children"][0].get("orphan").is_none());

    // The other correlation is its own tree.
    let other = tree_json(&s, "req-2");
    assert_eq!(other["events"], 1);
    assert_eq!(other["roots"][0]["children"][0]["position"], 7);
}

#[test]
fn bad_usage_is_one_line_and_exit_2_an_unknown_correlation_exit_1() {
    let s = history();
    let line = s.run(&["log", "--tree"]).one_line_error(2, "--tree without --correlation");
    assert!(line.contains("--correlation"), "{line}");
    let line = s.run(&["log", "--tree", "--json"]).one_line_error(2, "--tree --json without --correlation");
    assert!(line.contains("--correlation"), "{line}");
    let r = s.run(&["log", "--correlation", "req-1", "--tree", "--follow"]);
    r.expect_code(2, "--tree with --follow");
    assert!(r.stdout.is_empty());
    let line = s.run(&["log", "--correlation", "nope", "--tree"]).one_line_error(1, "unknown correlation");
    assert!(line.contains("nope"), "{line}");
}

#[test]
fn postgres_draws_the_same_trees_as_sqlite() {
    let s = history();
    let Some(pg) = pg::Pg::new() else { return };
    let export = s.ok(&["export"]);
    let file = s.file("all.jsonl");
    write(&file, &export);
    pg.ok(&["import", file.to_str().expect("utf-8 path")]);
    for id in ["req-1", "req-2"] {
        for json in [false, true] {
            let mut args = vec!["log", "--correlation", id, "--tree"];
            if json {
                args.push("--json");
            }
            assert_eq!(pg.ok(&args), s.ok(&args), "{args:?}");
        }
    }
    pg.fails(&["log", "--correlation", "nope", "--tree"], 1);
}
