//! A small domain written only with the typed authoring API (typed events,
//! `Decide`, `DecideTwo`, `TypedProjection`) and the public library: it
//! decides, checks, folds and projects through the real bus and store.
//!
//! Counters count up (`add <counter> <n>`), reset with a reason, and may be
//! capped by a limit stream (`cap <limit> <max>`, then
//! `add-capped <counter> <limit> <n>` decides over a counter and a limit).

#![allow(clippy::unwrap_used, clippy::missing_errors_doc)] // a test: a failed unwrap is the failure report

#[path = "typed_domain/counters.rs"]
mod counters;

use std::sync::Arc;

use chronicle::app::{AppError, Chronicle, Config, ExecOptions, Mode};
use chronicle::domain::Registry;
use counters::Counters;
use serde_json::json;

// ---- the test -----------------------------------------------------------

fn open(path: &std::path::Path) -> Chronicle {
    let registry = Arc::new(Registry::new(vec![Box::new(Counters)]));
    Chronicle::open_with(path, Mode::Write, registry, Config::default()).unwrap()
}

fn head(c: &Chronicle) -> u64 {
    c.resolve_position(None, None).unwrap()
}

#[test]
fn a_typed_domain_decides_checks_folds_and_projects_through_the_bus() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("counters.db");
    let mut c = open(&path);
    let opts = ExecOptions::new("tester", "test");

    // Decide + encode: typed events are stored with their type, the latest
    // schema the aggregate declares, and their serde payload.
    let out = c.execute("add c-1 5", &opts).unwrap();
    assert_eq!(out.events.len(), 1);
    assert_eq!((out.events[0].event_type.as_str(), out.events[0].schema_version), ("Added", 2));
    assert_eq!(out.upcast[0].payload, json!({"by": 5}));
    c.execute("add c-1 3", &opts).unwrap();
    assert_eq!(c.stream_state("c-1", head(&c)).unwrap().state, json!({"count": 8, "resets": 0}));

    // A rejection by the typed decision records nothing.
    let before = head(&c);
    let e = c.execute("reset c-2 why", &opts).unwrap_err();
    assert!(matches!(&e, AppError::Rejected(m) if m == "counter c-2 is already at zero"), "{e}");
    // The transition check runs on typed events the decision let through.
    let e = c.execute("add c-1 0", &opts).unwrap_err();
    assert!(e.to_string().contains("Added 0 on c-1: must be positive"), "{e}");
    assert_eq!(head(&c), before);

    // Borrowed event fields (the reason borrows from the command).
    c.execute("reset c-1 new month", &opts).unwrap();
    let after = c.execute("add c-1 2", &opts).unwrap();
    assert_eq!(c.stream_state("c-1", head(&c)).unwrap().state, json!({"count": 2, "resets": 1}));
    assert_eq!(c.stream_state("c-1", after.events[0].position - 1).unwrap().state["count"], 0);

    // Two aggregate types in one command: events land on both streams.
    c.execute("cap l-1 10", &opts).unwrap();
    let two = c.execute("add-capped c-1 l-1 7", &opts).unwrap();
    let written: Vec<(&str, &str)> = two.events.iter().map(|e| (e.stream_id.as_str(), e.event_type.as_str())).collect();
    assert_eq!(written, [("c-1", "Added"), ("l-1", "LimitUsed")]);
    let e = c.execute("add-capped c-1 l-1 4", &opts).unwrap_err();
    assert!(matches!(&e, AppError::Rejected(m) if m == "limit l-1 allows 3 more"), "{e}");
    assert_eq!(c.stream_state("l-1", head(&c)).unwrap().state, json!({"max": 10, "used": 7}));
    // A typed command aimed at a stream of the other type is refused.
    assert!(matches!(c.execute("add l-1 1", &opts).unwrap_err(), AppError::Rejected(_)));

    // The typed read model saw only counter events, decoded.
    let rows = c.projection_state("counter_totals", head(&c)).unwrap().rows;
    assert_eq!(rows, vec![json!({"counter_id": "c-1", "total": 17, "resets": 1})]);
    let earlier = c.projection_state("counter_totals", 2).unwrap().rows;
    assert_eq!(earlier, vec![json!({"counter_id": "c-1", "total": 8, "resets": 0})]);

    // Rebuilt from the log, and verified, on a reopened store.
    drop(c);
    let mut c = open(&path);
    c.rebuild(None, &mut |_, _| {}).unwrap();
    assert_eq!(c.projection_state("counter_totals", head(&c)).unwrap().rows, rows);
    let report = c.verify(&mut |_, _| {}).unwrap();
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!(report.events, 7);
}
