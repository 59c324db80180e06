//! Issue 9, item 5: imported and stored events obey the rules recorded ones
//! do. Every aggregate has a transition check (state + event -> ok, or a
//! named violation); import refuses a violating file whole (exit 2, naming
//! the line and the rule), `verify` names a violation already stored (exit 1,
//! position and rule), and a fold never skips an event it cannot decode.

#[path = "helpers/export.rs"]
mod export;
#[path = "helpers/cli.rs"]
mod support;

use chronicle::es::hash::{HashInput, link};
use support::{Store, write};

use export::{META, Spec};

/// An export file of `events` from position 1, with a correct hash chain.
fn export_of(events: &[Spec<'_>]) -> String {
    export::Lines::default().file(events)
}

const BANK: &str = "BankAccount";
const OPEN: Spec<'static> = ("acc-1", BANK, "AccountOpened", 1, r#"{"owner":"Ada Lovelace","currency":"USD"}"#);
const USERS: &str = "User";
const REGISTER: Spec<'static> =
    ("u-1", USERS, "UserRegistered", 2, r#"{"email":"ada@example.com","first_name":"Ada","last_name":"Lovelace"}"#);

fn money(cents: i64, currency: &str) -> String {
    format!(r#"{{"amount":{{"value_cents":{cents},"currency":"{currency}"}},"description":""}}"#)
}

/// An empty store: importing an empty file creates it.
fn empty_store() -> Store {
    let s = Store::new();
    let empty = s.file("empty.jsonl");
    write(&empty, "");
    s.ok(&["import", empty.to_str().expect("utf-8 path")]);
    s
}

/// Imports `events` into an empty store and asserts the file is refused
/// whole: exit 2, one line naming line `line` and rule `rule` (and
/// containing `needle`), nothing recorded.
fn refused(events: &[Spec<'_>], line: usize, rule: &str, needle: &str) {
    let s = empty_store();
    let file = s.file("in.jsonl");
    write(&file, &export_of(events));
    let err = s.fails(&["import", file.to_str().expect("utf-8 path")], 2);
    assert!(err.contains(&format!("line {line}: ")), "names line {line}: {err}");
    assert!(err.contains(&format!("rule {rule}")), "names rule {rule}: {err}");
    assert!(err.contains(needle), "says {needle:?}: {err}");
    assert_eq!(s.export(), "", "a refused import recorded events");
    s.verify_ok();
}

#[test]
fn a_withdrawal_that_overdraws_is_refused() {
    let (d, w) = (money(2000, "USD"), money(5000, "USD"));
    refused(
        &[OPEN, ("acc-1", BANK, "MoneyDeposited", 3, &d), ("acc-1", BANK, "MoneyWithdrawn", 3, &w)],
        3,
        "overdraw",
        "MoneyWithdrawn of 50.00 exceeds the balance of acc-1 (20.00)",
    );
}

#[test]
fn events_on_never_opened_or_closed_accounts_are_refused() {
    let d = money(100, "USD");
    refused(&[("acc-9", BANK, "MoneyDeposited", 3, &d)], 1, "not-open", "acc-9, which was never opened");
    let close = ("acc-1", BANK, "AccountClosed", 1, r#"{"reason":"done"}"#);
    refused(&[OPEN, close, ("acc-1", BANK, "MoneyDeposited", 3, &d)], 3, "closed", "acc-1, which is closed");
    refused(&[OPEN, close, close], 3, "closed", "AccountClosed on acc-1, which is closed");
    refused(&[("acc-9", BANK, "AccountClosed", 1, r#"{"reason":""}"#)], 1, "not-open", "never opened");
}

#[test]
fn a_second_account_opened_is_refused() {
    refused(&[OPEN, OPEN], 2, "already-open", "AccountOpened on acc-1, which is already open");
}

#[test]
fn negative_and_zero_amounts_are_refused() {
    let (neg, zero) = (money(-500, "USD"), money(0, "USD"));
    refused(&[OPEN, ("acc-1", BANK, "MoneyDeposited", 3, &neg)], 2, "amount", "must be greater than zero");
    refused(&[OPEN, ("acc-1", BANK, "MoneyWithdrawn", 3, &zero)], 2, "amount", "must be greater than zero");
    // A legacy (v1) negative amount is checked after upcasting.
    refused(&[OPEN, ("acc-1", BANK, "MoneyDeposited", 1, r#"{"amount":-3.5}"#)], 2, "amount", "-3.50");
}

#[test]
fn a_currency_other_than_the_accounts_is_refused() {
    let eur = money(100, "EUR");
    refused(
        &[OPEN, ("acc-1", BANK, "MoneyDeposited", 3, &eur)],
        2,
        "currency",
        r#"in "EUR" on acc-1, which is in USD"#,
    );
}

#[test]
fn a_balance_that_would_overflow_is_refused() {
    let (max, one) = (money(i64::MAX, "USD"), money(1, "USD"));
    refused(
        &[OPEN, ("acc-1", BANK, "MoneyDeposited", 3, &max), ("acc-1", BANK, "MoneyDeposited", 3, &one)],
        3,
        "overflow",
        "would overflow the balance of acc-1",
    );
}

#[test]
fn payloads_of_the_wrong_shape_are_refused() {
    for (event_type, version, payload, line) in [
        ("AccountOpened", 1, "{}", 1),
        ("AccountOpened", 1, "[1,2]", 1),
        ("AccountOpened", 1, r#""hello""#, 1),
        ("MoneyDeposited", 3, r#"{"amount":12.5}"#, 2),
        ("MoneyDeposited", 3, "{}", 2),
        ("MoneyDeposited", 1, "[1,2]", 2),
        ("MoneyWithdrawn", 2, r#""hello""#, 2),
        ("AccountClosed", 1, r#"{"reason":"x","balance_cents":0}"#, 2),
    ] {
        let bad = ("acc-1", BANK, event_type, version, payload);
        let events = if line == 1 { vec![bad] } else { vec![OPEN, bad] };
        refused(&events, line, "decode", event_type);
    }
}

#[test]
fn unknown_event_types_on_a_known_stream_type_are_refused() {
    refused(
        &[OPEN, ("acc-1", BANK, "AccountFrozen", 1, "{}")],
        2,
        "unknown-event",
        "AccountFrozen is not an event of a BankAccount",
    );
    refused(&[REGISTER, ("u-1", USERS, "UserPromoted", 1, "{}")], 2, "unknown-event", "not an event of a User");
}

#[test]
fn schema_versions_outside_what_the_domain_knows_are_refused() {
    let (_, _, _, _, payload) = OPEN;
    refused(
        &[("acc-1", BANK, "AccountOpened", 99, payload)],
        1,
        "schema",
        "AccountOpened v99: newer than any known schema (latest 1)",
    );
    refused(
        &[("acc-1", BANK, "AccountOpened", 0, payload)],
        1,
        "schema",
        "AccountOpened v0: schema versions start at 1",
    );
    let d = money(100, "USD");
    refused(&[OPEN, ("acc-1", BANK, "MoneyDeposited", 0, &d)], 2, "schema", "v0");
    refused(&[REGISTER, ("u-1", USERS, "EmailChanged", 2, r#"{"email":"a@b"}"#)], 2, "schema", "latest 1");
}

#[test]
fn user_events_obey_the_users_rules() {
    let deleted = ("u-1", USERS, "UserDeleted", 1, r#"{"reason":"gdpr"}"#);
    let grant = ("u-1", USERS, "RoleGranted", 1, r#"{"role":"admin"}"#);
    refused(&[("u-1", USERS, "EmailChanged", 1, r#"{"email":"a@b"}"#)], 1, "not-registered", "never registered");
    refused(&[REGISTER, REGISTER], 2, "already-registered", "already registered (ada@example.com)");
    refused(&[REGISTER, deleted, grant], 3, "deleted", "RoleGranted on u-1, which is deleted");
    refused(&[REGISTER, deleted, ("u-1", USERS, "UserReactivated", 1, "{}")], 3, "deleted", "which is deleted");
    refused(&[REGISTER, grant, grant], 3, "role-held", "already has role admin");
    refused(&[REGISTER, ("u-1", USERS, "RoleRevoked", 1, r#"{"role":"admin"}"#)], 2, "role-not-held", "admin");
    refused(&[REGISTER, ("u-1", USERS, "EmailChanged", 1, r#"{"email":"not an email"}"#)], 2, "email", "is not valid");
    let bad_register = ("u-2", USERS, "UserRegistered", 1, r#"{"email":"nope","name":"Bob Stone"}"#);
    refused(&[bad_register], 1, "email", "email `nope` is not valid");
    refused(&[REGISTER, ("u-1", USERS, "UserReactivated", 1, "{}")], 2, "not-suspended", "not suspended");
}

#[test]
fn a_file_that_obeys_every_rule_imports_and_verifies() {
    let s = empty_store();
    let (d, w) = (money(2000, "USD"), money(2000, "USD"));
    let text = export_of(&[
        OPEN,
        ("acc-1", BANK, "MoneyDeposited", 3, &d),
        ("acc-1", BANK, "MoneyWithdrawn", 3, &w),
        ("acc-1", BANK, "MoneyDeposited", 1, r#"{"amount":1.5}"#),
        ("acc-1", BANK, "MoneyWithdrawn", 2, r#"{"amount":1.5,"currency":"USD"}"#),
        ("acc-1", BANK, "AccountClosed", 1, r#"{"reason":"done"}"#),
        REGISTER,
        ("u-1", USERS, "RoleGranted", 1, r#"{"role":"admin"}"#),
    ]);
    let file = s.file("good.jsonl");
    write(&file, &text);
    s.ok(&["import", file.to_str().expect("utf-8 path")]);
    assert_eq!(s.export(), text);
    s.verify_ok();
    assert_eq!(s.state(&["--stream", "acc-1"])["state"]["closed"], true);
}

/// Appends one event at the head behind the program's back, with a correct
/// hash link (computed by the library's own hash function) and its streams
/// row, as a store written by an older, laxer chronicle would hold it.
fn insert_at_head(s: &Store, stream: &str, event_type: &str, schema_version: u32, payload: &str) -> u64 {
    let c = s.sql();
    let (head, prev): (i64, Vec<u8>) = c
        .query_row("SELECT position, hash FROM events ORDER BY position DESC LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("the head");
    let version: i64 = c
        .query_row("SELECT version FROM streams WHERE stream_id = ?1", [stream], |r| r.get(0))
        .expect("the stream exists");
    let (position, version) = (head + 1, version + 1);
    let event_id = format!("00000000-0000-4000-9000-{position:012}");
    let recorded_at = "2026-01-02T00:00:00.000000Z";
    let prev: [u8; 32] = prev.try_into().expect("a 32-byte hash");
    let hash = link(
        &prev,
        HashInput {
            position: u64::try_from(position).expect("positive"),
            event_id: &event_id,
            stream_id: stream,
            stream_type: BANK,
            version: u64::try_from(version).expect("positive"),
            event_type,
            schema_version,
            payload,
            metadata: META,
            recorded_at,
        },
    );
    c.execute(
        "INSERT INTO events (position, event_id, stream_id, stream_type, version, event_type, schema_version,
                             payload, metadata, recorded_at, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        rusqlite::params![
            position,
            event_id,
            stream,
            BANK,
            version,
            event_type,
            schema_version,
            payload,
            META,
            recorded_at,
            hash.to_vec()
        ],
    )
    .expect("insert a correctly chained event");
    c.execute(
        "UPDATE streams SET version = ?1, last_position = ?2 WHERE stream_id = ?3",
        rusqlite::params![version, position, stream],
    )
    .expect("update the streams index");
    u64::try_from(position).expect("positive")
}

#[test]
fn verify_names_a_violation_already_stored() {
    let s = Store::new();
    s.exec("open acc-1 Ada Lovelace");
    s.exec("deposit acc-1 20");
    s.verify_ok();
    let position = insert_at_head(&s, "acc-1", "MoneyWithdrawn", 3, &money(5000, "USD"));
    let err = s.verify_fails();
    assert!(
        err.contains(&format!(
            "position {position}: acc-1: rule overdraw: MoneyWithdrawn of 50.00 exceeds the balance of acc-1 (20.00)"
        )),
        "{err}"
    );
}

#[test]
fn a_stored_event_that_does_not_decode_is_named_not_skipped() {
    let s = Store::new();
    s.exec("open acc-1 Ada Lovelace");
    s.exec("deposit acc-1 20");
    // A v3 deposit with the v1 shape: the fold used to ignore it silently.
    let position = insert_at_head(&s, "acc-1", "MoneyDeposited", 3, r#"{"amount":12.5}"#);
    let err = s.verify_fails();
    assert!(err.contains(&format!("position {position}: acc-1: rule decode: MoneyDeposited v3 payload")), "{err}");
    // Loading the account names the event instead of showing a wrong balance.
    let line = s.fails(&["state", "--stream", "acc-1"], 1);
    assert!(line.contains(&format!("position {position}")) && line.contains("rule decode"), "{line}");
    // Before it, the account still reads.
    assert_eq!(s.state(&["--stream", "acc-1", "--at", "2"])["state"]["balance_cents"], 2000);
    // Replaying a read model to that position names it too.
    let line = s.fails(&["state", "--projection", "transaction_history", "--at", &position.to_string()], 1);
    assert!(line.contains(&format!("position {position}")) && line.contains("rule decode"), "{line}");
}

/// A domain written the way the next issue's authors will write theirs:
/// typed serde events, a transition check and a fold. Its command decides
/// whatever it is told, so the bus's own check is what stands in the way.
mod counters {
    use chronicle::domain::{ArgKind, Command, CommandHelp, Domain, Rejection, Target};
    use chronicle::es::aggregate::{Aggregate, AggregateKind, EventSchema, Violation, payload};
    use chronicle::es::{DynState, Event, EventData, Projection, Upcaster};
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, Default, Serialize, Deserialize)]
    pub struct Counter {
        pub value: i64,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Added {
        by: i64,
    }

    impl Aggregate for Counter {
        const STREAM_TYPE: &'static str = "Counter";
        const STATE_VERSION: u32 = 1;
        const EVENTS: &'static [EventSchema] = &[EventSchema { event_type: "Added", latest: 1 }];
        type Event<'a> = Added;

        fn decode(event: &Event) -> Result<Added, Violation> {
            payload(event)
        }
        fn check(&self, id: &str, event: &Added) -> Result<(), Violation> {
            if event.by <= 0 {
                return Err(Violation::new("positive", format!("Added {} to {id}: counters only go up", event.by)));
            }
            Ok(())
        }
        fn evolve(&mut self, event: &Added) {
            self.value = self.value.saturating_add(event.by);
        }
    }

    #[derive(Debug)]
    struct Add(i64);

    impl Command for Add {
        fn targets(&self) -> Vec<Target> {
            vec![Target { stream_id: "c-1".into(), stream_type: "Counter" }]
        }
        fn decide(&self, _: &[&dyn DynState]) -> Result<Vec<(usize, EventData)>, Rejection> {
            Ok(vec![(0, EventData::new("Added", 1, serde_json::json!({ "by": self.0 })))])
        }
    }

    static COMMANDS: [CommandHelp; 1] = [CommandHelp { word: "add", usage: "add <n>", args: &[ArgKind::Word] }];

    pub struct Counters;

    impl Domain for Counters {
        fn name(&self) -> &'static str {
            "counters"
        }
        fn aggregates(&self) -> Vec<AggregateKind> {
            vec![AggregateKind::of::<Counter>()]
        }
        fn commands(&self) -> &'static [CommandHelp] {
            &COMMANDS
        }
        fn parse(&self, word: &str, args: &[&str]) -> Option<Result<Box<dyn Command>, String>> {
            (word == "add").then(|| {
                let n = args.first().ok_or("add needs a number")?;
                n.parse().map(|n| Box::new(Add(n)) as Box<dyn Command>).map_err(|e| format!("{n}: {e}"))
            })
        }
        fn upcasters(&self) -> Vec<Upcaster> {
            Vec::new()
        }
        fn projections(&self) -> Vec<Box<dyn Projection>> {
            Vec::new()
        }
    }
}

#[test]
fn the_bus_refuses_a_decided_event_that_breaks_the_rules_without_panicking() {
    use chronicle::app::{Chronicle, Config, ExecOptions, Mode};
    use chronicle::domain::Registry;

    let dir = tempfile::tempdir().expect("temporary directory");
    let registry = std::sync::Arc::new(Registry::new(vec![Box::new(counters::Counters)]));
    let mut c =
        Chronicle::open_with(&dir.path().join("c.db"), Mode::Write, registry, Config::default()).expect("open a store");
    let opts = ExecOptions::new("tester", "test");
    c.execute("add 5", &opts).expect("a lawful event is recorded");
    let err = c.execute("add -3", &opts).expect_err("the check refuses it");
    let text = err.to_string();
    assert!(text.contains("rule positive: Added -3 to c-1: counters only go up"), "{text}");
    assert!(text.contains("nothing was recorded"), "{text}");
    assert_eq!(c.store().head().expect("head"), 1, "nothing recorded");
    assert_eq!(c.stream_state("c-1", 1).expect("state").state["value"], 5);
}
