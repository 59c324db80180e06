//! The upcaster chains: order, bounds, keying by stream type, errors.
use serde_json::json;

use super::*;

#[allow(clippy::unnecessary_wraps)] // the shape of every upcaster step
fn add_b(mut v: Value) -> Result<Value, String> {
    v["b"] = json!(2);
    Ok(v)
}
fn add_c(mut v: Value) -> Result<Value, String> {
    if v.get("b").is_none() {
        return Err("missing b".into());
    }
    v["c"] = json!(3);
    Ok(v)
}

fn chain() -> Upcasters {
    Upcasters::new(
        "T",
        [Upcaster { event_type: "E", from: 2, step: add_c }, Upcaster { event_type: "E", from: 1, step: add_b }],
    )
}

#[test]
fn runs_the_chain_from_the_stored_version() {
    let u = chain();
    assert_eq!(u.latest("T", "E"), 3);
    assert_eq!(u.upcast_value(1, "T", "E", 1, json!({})).unwrap(), (3, json!({"b": 2, "c": 3})));
    assert_eq!(u.upcast_value(1, "T", "E", 2, json!({"b": 9})).unwrap(), (3, json!({"b": 9, "c": 3})));
    assert_eq!(u.upcast_value(1, "T", "E", 3, json!({"x": 1})).unwrap(), (3, json!({"x": 1})));
}

#[test]
fn newer_than_known_is_an_error_naming_the_position() {
    let err = chain().upcast_value(42, "T", "E", 4, json!({})).unwrap_err();
    assert!(err.to_string().contains("position 42"), "{err}");
}

#[test]
fn upcast_into_reuses_and_equals_upcast() {
    let stored = StoredEvent {
        position: 3,
        event_id: "id".into(),
        stream_id: "s-1".into(),
        stream_type: "T".into(),
        version: 2,
        event_type: "E".into(),
        schema_version: 1,
        payload: r#"{"a":1}"#.into(),
        metadata: "{}".into(),
        recorded_at: "2026-01-01T00:00:00Z".into(),
        hash: [0; 32],
    };
    let u = chain();
    let mut out = Event { stream_id: "a much longer previous stream id".into(), ..Event::default() };
    u.upcast_into(stored.fold_ref(), &mut out).unwrap();
    assert_eq!(out, u.upcast(&stored).unwrap());
    assert_eq!(out, u.upcast_owned(stored.clone()).unwrap());
    assert_eq!(out.payload, json!({"a": 1, "b": 2, "c": 3}));
    let bad = StoredEvent { payload: "nope".into(), ..stored };
    assert!(u.upcast_into(bad.fold_ref(), &mut out).is_err());
    assert_eq!(out.position, 3, "left as it was");
}

#[test]
fn declared_schemas_bound_the_stored_version() {
    let u = Upcasters::with_schemas(
        "T",
        [Upcaster { event_type: "E", from: 1, step: add_b }],
        [EventSchema { event_type: "E", latest: 2 }, EventSchema { event_type: "Opened", latest: 1 }],
    );
    assert_eq!(u.latest("T", "Opened"), 1);
    assert_eq!(u.upcast_value(1, "T", "Opened", 1, json!({})).unwrap(), (1, json!({})));
    let err = u.upcast_value(4, "T", "Opened", 99, json!({})).unwrap_err();
    assert_eq!(err.rule(), "schema");
    assert!(err.to_string().contains("Opened v99: newer than any known schema (latest 1)"), "{err}");
    for ty in ["Opened", "E"] {
        let err = u.upcast_value(4, "T", ty, 0, json!({})).unwrap_err();
        assert!(err.to_string().contains("v0: schema versions start at 1"), "{err}");
    }
}

#[test]
#[should_panic(expected = "declares schema v3")]
fn a_declared_schema_must_end_the_chain() {
    let _ = Upcasters::with_schemas(
        "T",
        [Upcaster { event_type: "E", from: 1, step: add_b }],
        [EventSchema { event_type: "E", latest: 3 }],
    );
}

#[test]
fn unknown_types_pass_through() {
    assert_eq!(chain().upcast_value(1, "T", "Other", 7, json!({"a": 1})).unwrap(), (7, json!({"a": 1})));
}

#[test]
fn a_chain_runs_only_on_its_stream_type() {
    let u = chain();
    assert!(u.knows("T", "E") && !u.knows("ledger", "E"));
    assert_eq!(u.latest("ledger", "E"), 1);
    // Named like a registered event, on another stream type: as stored,
    // whatever its version.
    assert_eq!(u.upcast_value(1, "ledger", "E", 1, json!({})).unwrap(), (1, json!({})));
    assert_eq!(u.upcast_value(1, "ledger", "E", 9, json!({"x": 1})).unwrap(), (9, json!({"x": 1})));
    let mut both = chain();
    both.add("U", [Upcaster { event_type: "E", from: 1, step: add_c }], []);
    assert_eq!(both.latest("U", "E"), 2);
    assert_eq!(both.upcast_value(1, "U", "E", 1, json!({"b": 1})).unwrap(), (2, json!({"b": 1, "c": 3})));
    assert_eq!(both.latest("T", "E"), 3);
}

#[test]
fn a_failing_step_names_the_event() {
    let err = chain().upcast_value(5, "T", "E", 2, json!({})).unwrap_err();
    assert!(err.to_string().contains("position 5") && err.to_string().contains("missing b"), "{err}");
}
