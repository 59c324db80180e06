use super::*;

fn ev(position: u64, id: &str, causation: &str, command: &str) -> StoredEvent {
    StoredEvent {
        position,
        event_id: id.to_owned(),
        stream_id: format!("s-{position}"),
        stream_type: "T".to_owned(),
        version: 1,
        event_type: "Happened".to_owned(),
        schema_version: 1,
        payload: "{}".to_owned(),
        metadata: json!({"correlation_id": "corr", "causation_id": causation, "actor": "ann", "command_id": command})
            .to_string(),
        recorded_at: "2026-01-01T00:00:00Z".to_owned(),
        hash: [0; 32],
    }
}

/// `label(depth)` per row: `C:id` for a command, `position` (with `!` when marked).
fn shape(t: &Tree) -> Vec<String> {
    t.lines()
        .iter()
        .map(|l| {
            let what = match l.kind {
                NodeKind::Command(id) => format!("C:{id}"),
                NodeKind::Event(e, None) => e.position.to_string(),
                NodeKind::Event(e, Some(_)) => format!("{}!", e.position),
            };
            format!("{}{what}", l.prefix)
        })
        .collect()
}

#[test]
fn command_events_and_follow_ups() {
    let events = [
        ev(3, "e3", "cmd-1", "cmd-1"),
        ev(4, "e4", "cmd-1", "cmd-1"),
        ev(7, "e7", "e3", "cmd-2"),
        ev(9, "e9", "e7", "cmd-3"),
        ev(10, "e10", "e3", "cmd-2"),
    ];
    let t = Tree::build("corr", &events, false);
    assert_eq!(t.events, 5);
    assert_eq!(shape(&t), ["C:cmd-1", "├─ 3", "│  ├─ 7", "│  │  └─ 9", "│  └─ 10", "└─ 4"]);
    let j = t.to_json();
    assert_eq!(j["roots"][0]["command_id"], "cmd-1");
    assert_eq!(j["roots"][0]["children"][0]["position"], 3);
    assert_eq!(j["roots"][0]["children"][0]["children"][0]["children"][0]["position"], 9);
    assert_eq!(j["roots"][0]["children"][1]["children"].as_array().map(Vec::len), Some(0));
}

#[test]
fn missing_causes_and_cycles_become_marked_roots() {
    let events = [
        ev(1, "a", "b", ""),       // its cause is recorded later: a cycle
        ev(2, "b", "a", ""),       // under a
        ev(5, "c", "c", ""),       // itself
        ev(6, "d", "nowhere", ""), // missing
        ev(8, "e", "", ""),        // no cause: a plain root
    ];
    let t = Tree::build("corr", &events, true);
    assert_eq!(shape(&t), ["1!", "└─ 2", "5!", "6!", "8"]);
    assert!(t.truncated);
    let j = t.to_json();
    assert_eq!(j["roots"][0]["orphan"], Orphan::Cycle.label());
    assert_eq!(j["roots"][2]["orphan"], Orphan::MissingCause.label());
    assert!(j["roots"][3].get("orphan").is_none());
}

#[test]
fn a_long_chain_neither_recurses_while_building_nor_loses_a_node() {
    let events: Vec<StoredEvent> = (1..=1_000u64)
        .map(|p| ev(p, &format!("e{p}"), &if p == 1 { "cmd".to_owned() } else { format!("e{}", p - 1) }, "cmd"))
        .collect();
    let t = Tree::build("corr", &events, false);
    let lines = t.lines();
    assert_eq!(lines.len(), 1_001);
    assert_eq!(lines.last().map(|l| l.depth), Some(1_000));
}

#[test]
fn an_empty_correlation_is_an_empty_tree() {
    let t = Tree::build("x", &[], false);
    assert!(t.roots.is_empty() && t.lines().is_empty());
}
