//! Schema evolution seen from the CLI: legacy events are stored as written
//! and upcast on read; exact rounding of float dollars; an event from a
//! newer schema is an error naming it, never a panic or a silent skip.

#[path = "helpers/export.rs"]
mod export;
#[path = "helpers/cli.rs"]
mod support;

use serde_json::{Value, json};
use support::{Store, write};

use export::Spec;

/// An export file of `events` with a correct hash chain from position 1,
/// written by a legacy system in 2020.
fn export_of(events: &[Spec<'_>]) -> String {
    let metadata =
        r#"{"correlation_id":"c","causation_id":"c","actor":"legacy-system","source":"import","command_id":"c"}"#;
    export::Lines { metadata, day: "2020-01-01" }.file(events)
}

fn import(s: &Store, text: &str) {
    let file = s.file("legacy.jsonl");
    write(&file, text);
    s.ok(&["import", file.to_str().expect("utf-8 path")]);
}

#[test]
fn the_demo_stores_legacy_events_and_reads_them_upcast() {
    let s = Store::demo(300);
    let log = s.log(&[]);
    let mut seen = std::collections::BTreeSet::new();
    for e in &log {
        let ty = e["event_type"].as_str().expect("type");
        let stored_version = e["stored_schema_version"].as_u64().expect("stored version");
        let (stored, payload) = (&e["stored_payload"], &e["payload"]);
        match ty {
            "MoneyDeposited" | "MoneyWithdrawn" => {
                seen.insert((ty.to_owned(), stored_version));
                assert_eq!(e["schema_version"], 3, "{e}");
                let cents = payload["amount"]["value_cents"].as_i64().expect("value_cents");
                assert!(cents > 0, "{e}");
                assert_eq!(payload["amount"]["currency"], "USD", "{e}");
                assert!(payload["description"].is_string(), "{e}");
                assert_eq!(payload.as_object().map(serde_json::Map::len), Some(2), "{e}");
                if stored_version < 3 {
                    let dollars = stored["amount"].as_f64().expect("float dollars");
                    #[allow(clippy::cast_possible_truncation)] // small amounts
                    let expected = (dollars * 100.0).round() as i64;
                    assert_eq!(cents, expected, "{e}");
                    assert_eq!(stored.get("currency").is_some(), stored_version == 2, "{e}");
                    assert_eq!(
                        payload["description"].as_str(),
                        Some(stored["description"].as_str().unwrap_or("")),
                        "{e}"
                    );
                } else {
                    assert_eq!(stored, payload, "{e}");
                }
            }
            "UserRegistered" => {
                seen.insert((ty.to_owned(), stored_version));
                assert_eq!(e["schema_version"], 2, "{e}");
                if stored_version == 1 {
                    let name = stored["name"].as_str().expect("v1 name");
                    let (first, last) = name.split_once(' ').expect("two names");
                    assert_eq!(payload["first_name"], first, "{e}");
                    assert_eq!(payload["last_name"], last, "{e}");
                    assert_eq!(payload["email"], stored["email"], "{e}");
                    assert!(payload.get("name").is_none(), "{e}");
                }
            }
            _ => assert_eq!(stored, payload, "{e}"),
        }
    }
    for want in [("MoneyDeposited", 1), ("MoneyDeposited", 3), ("MoneyWithdrawn", 1), ("UserRegistered", 1)] {
        assert!(seen.contains(&(want.0.to_owned(), want.1)), "the demo wrote no {want:?}: {seen:?}");
    }
    assert!(seen.contains(&("MoneyDeposited".to_owned(), 2)) || seen.contains(&("MoneyWithdrawn".to_owned(), 2)));

    // The export carries the payloads exactly as stored, not upcast.
    let export = support::json_lines(&s.export());
    for (x, e) in export.iter().zip(&log) {
        assert_eq!(x["schema_version"], e["stored_schema_version"]);
        assert_eq!(x["payload"], e["stored_payload"]);
    }
    // Balances read from the upcast events agree with a replay.
    s.verify_ok();
}

#[test]
fn float_dollars_round_to_the_cent_half_away_from_zero() {
    let s = Store::new();
    let text = export_of(&[
        ("acc-1", "BankAccount", "AccountOpened", 1, r#"{"owner":"Ada Lovelace"}"#),
        ("acc-1", "BankAccount", "MoneyDeposited", 1, r#"{"amount":0.125}"#),
        ("acc-1", "BankAccount", "MoneyDeposited", 1, r#"{"amount":0.005,"description":"tiny"}"#),
        ("acc-1", "BankAccount", "MoneyDeposited", 2, r#"{"amount":2.675,"currency":"USD"}"#),
        ("acc-1", "BankAccount", "MoneyDeposited", 1, r#"{"amount":10}"#),
        ("acc-1", "BankAccount", "MoneyDeposited", 1, r#"{"amount":1e2}"#),
        ("acc-1", "BankAccount", "MoneyWithdrawn", 1, r#"{"amount":0.015,"description":"fee"}"#),
        ("u-1", "User", "UserRegistered", 1, r#"{"email":"ada@example.com","name":"Ada King Lovelace"}"#),
    ]);
    import(&s, &text);
    let log = s.log(&[]);
    let cents: Vec<Value> = log[1..7].iter().map(|e| e["payload"]["amount"]["value_cents"].clone()).collect();
    assert_eq!(cents, [13, 1, 268, 1000, 10000, 2].map(Value::from));
    assert_eq!(log[2]["payload"]["description"], "tiny");
    assert_eq!(log[1]["payload"]["description"], "");
    assert_eq!(log[0]["payload"], json!({"owner": "Ada Lovelace"}));
    assert_eq!(
        log[7]["payload"],
        json!({"email": "ada@example.com", "first_name": "Ada", "last_name": "King Lovelace"})
    );
    let total = 13 + 1 + 268 + 1000 + 10000 - 2;
    assert_eq!(s.state(&["--stream", "acc-1"])["state"]["balance_cents"], total);
    let row = s.balance_row("acc-1");
    assert_eq!(row["balance_cents"], total);
    assert_eq!(row["currency"], "USD");
    assert_eq!(row["transactions"], 6);
    let user = s.state(&["--stream", "u-1"]);
    assert_eq!(user["state"]["last_name"], "King Lovelace");
    // Stored as written, never rewritten: the export is the file imported.
    assert_eq!(s.export(), text);
    s.verify_ok();
    // New events are written at the latest schema on top of legacy ones.
    let e = s.exec_json("withdraw acc-1 0.01");
    assert_eq!(e[0]["stored_schema_version"], 3);
    assert_eq!(s.balance_row("acc-1")["balance_cents"], total - 1);
}

#[test]
fn an_event_of_a_newer_schema_is_an_error_naming_it() {
    let s = Store::new();
    s.exec("open acc-1 Ada Lovelace");
    s.exec("open acc-2 Grace Hopper");
    {
        let c = s.sql();
        c.execute(
            "INSERT INTO events (position, event_id, stream_id, stream_type, version, event_type, schema_version,
                                 payload, metadata, recorded_at, hash)
             VALUES (3, 'from-the-future', 'acc-1', 'BankAccount', 2, 'MoneyDeposited', 9,
                     '{\"amount\":{\"minor_units\":500}}', '{}', '2030-01-01T00:00:00Z', zeroblob(32))",
            [],
        )
        .expect("insert a v9 event");
        c.execute("UPDATE streams SET version = 2, last_position = 3 WHERE stream_id = 'acc-1'", [])
            .expect("update the streams index");
    }
    let before = s.bytes();
    for args in [
        &["state", "--stream", "acc-1"][..],
        &["state", "--stream", "acc-1", "--json"],
        &["state", "--projection", "account_balances"],
        &["state", "--projection", "transaction_history", "--json"],
        &["state", "--json"],
    ] {
        let line = s.fails(args, 1);
        assert!(line.contains("position 3") && line.contains("v9"), "{args:?}: {line}");
    }
    assert_eq!(s.bytes(), before);
    // Before the event, and on other streams, everything still reads.
    assert_eq!(s.state(&["--stream", "acc-1", "--at", "2"])["version"], 1);
    assert_eq!(s.state(&["--stream", "acc-2"])["version"], 1);
    assert_eq!(s.state(&["--projection", "account_balances", "--at", "2"])["rows"].as_array().map(Vec::len), Some(2));
    // The log shows it raw, with the reason it cannot be upcast.
    let e = &s.log(&["--from", "3"])[0];
    assert_eq!(e["stored_schema_version"], 9);
    assert_eq!(e["stored_payload"], json!({"amount": {"minor_units": 500}}));
    assert!(e["upcast_error"].as_str().is_some_and(|m| m.contains("v9")), "{e}");
    // verify names the position (hash and schema).
    let err = s.verify_fails();
    assert!(err.contains("position 3"), "{err}");
    assert!(err.contains("v9"), "{err}");
    // Writers refuse rather than project around it.
    let line = s.fails(&["exec", "deposit acc-2 1"], 1);
    assert!(line.contains("position 3"), "{line}");
    assert_eq!(s.log(&[]).len(), 3);
}

#[test]
fn importing_an_event_of_a_newer_schema_records_nothing() {
    let other = Store::new();
    let text = export_of(&[
        ("acc-1", "BankAccount", "AccountOpened", 1, r#"{"owner":"Ada Lovelace"}"#),
        ("acc-1", "BankAccount", "MoneyDeposited", 9, r#"{"amount":{"minor_units":500}}"#),
    ]);
    let file = other.file("future.jsonl");
    write(&file, &text);
    let r = other.run(&["import", file.to_str().expect("utf-8 path")]);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    assert_eq!(r.code, 2, "an unusable import file is exit 2: {r:?}");
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.contains("line 2") && r.stderr.contains("position 2") && r.stderr.contains("v9"), "{}", r.stderr);
    if other.path.exists() {
        assert_eq!(other.export(), "", "a refused import recorded events");
    }
}
