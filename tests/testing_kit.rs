//! `chronicle::testing` as a domain author uses it (the public API only):
//! given/when/then over the built-in domains, in memory and on a store, and
//! failure reports that say what was given, what came and what was expected.

#![allow(clippy::unwrap_used)] // in tests a failed unwrap is the failure report

use std::panic::{AssertUnwindSafe, catch_unwind};

use chronicle::domain::Registry;
use chronicle::domain::bank::Account;
use chronicle::domain::users::User;
use chronicle::es::EventData;
use chronicle::testing::{Scenario, event};
use serde_json::{Value, json};

fn bank() -> Scenario {
    Scenario::new(Registry::builtin())
}

/// The panic message of `f`, which must panic.
fn failure(f: impl FnOnce()) -> String {
    let err = catch_unwind(AssertUnwindSafe(f)).expect_err("the scenario should have failed");
    err.downcast_ref::<String>().cloned().or_else(|| err.downcast_ref::<&str>().map(|s| (*s).to_owned())).unwrap()
}

fn money(cents: i64, description: &str) -> Value {
    json!({"amount": {"value_cents": cents, "currency": "USD"}, "description": description})
}

#[test]
fn a_transfer_decides_two_legs_on_two_streams_and_both_read_models_follow() {
    let s = bank()
        .given_commands(["open acc-1 Ada", "open acc-2 Alan", "deposit acc-1 50"])
        .when("transfer acc-1 acc-2 20 rent")
        .then_events([
            event("MoneyWithdrawn", money(2000, "transfer to acc-2: rent")).on("acc-1"),
            event("MoneyDeposited", money(2000, "transfer from acc-1: rent")).on("acc-2"),
        ]);
    assert_eq!(s.then_state::<Account>("acc-1").balance_cents, 3000);
    assert_eq!(s.then_state::<Account>("acc-2").balance_cents, 2000);
    let balances: Vec<i64> = s.rows("account_balances").iter().map(|r| r["balance_cents"].as_i64().unwrap()).collect();
    assert_eq!(balances, [3000, 2000]);
    assert_eq!(s.events().len(), 5);
}

#[test]
fn given_events_are_upcast_like_stored_ones() {
    // A v1 deposit (float dollars) as the demo writes it.
    let s = bank().given(
        "acc-1",
        [
            EventData::new("AccountOpened", 1, json!({"owner": "Ada"})),
            EventData::new("MoneyDeposited", 1, json!({"amount": 12.5, "description": "pay"})),
        ],
    );
    s.then_state_json(
        "acc-1",
        json!({"opened": true, "owner": "Ada", "currency": "USD", "balance_cents": 1250, "closed": false,
               "transactions": 1}),
    )
    .when("withdraw acc-1 12.51")
    .then_rejected("insufficient funds: acc-1 holds 12.50 USD");
}

#[test]
fn the_users_domain_goes_through_the_same_kit() {
    let s = bank()
        .given_commands(["register u-1 ada@example.com Ada King Lovelace"])
        .when("grant u-1 admin")
        .then_events([EventData::new("RoleGranted", 1, json!({"role": "admin"}))]);
    assert!(s.then_state::<User>("u-1").roles.contains("admin"));
    s.then_rows(
        "user_profiles",
        json!([{"user_id": "u-1", "email": "ada@example.com", "name": "Ada King Lovelace", "status": "active",
                "roles": ["admin"]}]),
    );
}

#[test]
fn the_store_backed_mode_agrees_with_memory() {
    let s = bank()
        .on_store()
        .given_commands(["open acc-1 Ada", "open acc-2 Alan", "deposit acc-1 50"])
        .given("acc-2", [EventData::new("MoneyDeposited", 2, json!({"amount": 1, "currency": "USD"}))])
        .at("2026-03-02T10:00:00Z")
        .when("transfer acc-1 acc-2 20")
        .then_events([
            event("MoneyWithdrawn", money(2000, "transfer to acc-2")).on("acc-1"),
            event("MoneyDeposited", money(2000, "transfer from acc-1")).on("acc-2"),
        ])
        .when("close acc-2 moving")
        .then_rejected("still holds 21.00 USD");
    // Each of these also compares the store's view with the in-memory one.
    assert_eq!(s.then_state::<Account>("acc-2").balance_cents, 2100);
    let days: Vec<Value> = s.rows("daily_summary").iter().map(|r| json!([r["day"], r["account_id"]])).collect();
    assert_eq!(
        days,
        [
            json!(["2026-01-01", "acc-1"]),
            json!(["2026-01-01", "acc-2"]),
            json!(["2026-03-02", "acc-1"]),
            json!(["2026-03-02", "acc-2"])
        ]
    );
    assert_eq!(s.rows("transaction_history").len(), 4);
    assert_eq!(s.rows("account_balances").len(), 2);
}

#[test]
fn a_wrong_expectation_reports_given_came_expected_and_a_diff() {
    let msg = failure(|| {
        let _ = bank()
            .given_commands(["open acc-1 Ada"])
            .when("deposit acc-1 5 pay")
            .then_events([event("MoneyDeposited", money(600, "pay"))]);
    });
    for needle in [
        "scenario failed: the events decided differ",
        "given:\n    1  acc-1 (BankAccount) v1  AccountOpened v1 {\"owner\":\"Ada\",\"currency\":\"USD\"}",
        "\nwhen:\n  deposit acc-1 5 pay",
        "expected:",
        "came:",
        "diff (- expected, + came):",
    ] {
        assert!(msg.contains(needle), "missing {needle:?} in:\n{msg}");
    }
    let diff: Vec<&str> =
        msg.lines().map(str::trim_start).filter(|l| l.starts_with("- ") || l.starts_with("+ ")).collect();
    assert_eq!(diff.len(), 2, "only the amount differs:\n{msg}");
    assert!(diff[0].starts_with("- ") && diff[0].ends_with("\"value_cents\": 600,"), "{msg}");
    assert!(diff[1].starts_with("+ ") && diff[1].ends_with("\"value_cents\": 500,"), "{msg}");
}

#[test]
fn an_unexpected_acceptance_or_rejection_is_named() {
    let msg = failure(|| {
        let _ = bank()
            .given_commands(["open acc-1 Ada"])
            .when("withdraw acc-1 5")
            .then_events([event("MoneyWithdrawn", json!({}))]);
    });
    assert!(msg.contains("expected:\n  events") && msg.contains("rejected: insufficient funds"), "{msg}");
    let msg = failure(|| {
        let _ = bank().given_commands(["open acc-1 Ada"]).when("deposit acc-1 5").then_rejected("closed");
    });
    assert!(msg.contains("rejected: …closed…") && msg.contains("\"event_type\": \"MoneyDeposited\""), "{msg}");
    let msg = failure(|| {
        let _ = bank().when("deposit acc-1 1.234").then_rejected("x");
    });
    assert!(msg.contains("invalid: amount"), "{msg}");
    bank().when("deposit acc-1 1.234").then_invalid("more than two decimal places");
}

#[test]
fn givens_the_rules_refuse_fail_the_scenario() {
    let msg = failure(|| {
        let _ = bank().given_commands(["open acc-1 Ada", "withdraw acc-1 5"]);
    });
    assert!(msg.contains("given command `withdraw acc-1 5` was rejected: insufficient funds"), "{msg}");
    assert!(msg.contains("AccountOpened"), "the givens so far are shown: {msg}");
    let msg = failure(|| {
        let _ = bank().given("acc-1", [EventData::new("MoneyDeposited", 3, money(5, ""))]);
    });
    assert!(msg.contains("a given event is refused") && msg.contains("never opened"), "{msg}");
    let msg = failure(|| {
        let _ = bank().given("x-1", [EventData::new("Frobnicated", 1, json!({}))]);
    });
    assert!(msg.contains("Frobnicated belongs to no registered aggregate (BankAccount, User)"), "{msg}");
}

#[test]
fn state_and_rows_mismatches_show_a_diff() {
    let s = bank().given_commands(["open acc-1 Ada"]);
    let msg = failure(|| {
        let _ = s.clone().then_rows("account_balances", json!([]));
    });
    assert!(msg.contains("the rows of account_balances differ") && msg.contains("+ "), "{msg}");
    let msg = failure(|| {
        let _ = s.clone().then_state_json("acc-1", json!({"opened": false}));
    });
    assert!(msg.contains("the state of acc-1 differs") && msg.contains("-   \"opened\": false"), "{msg}");
    let msg = failure(|| {
        let _ = s.then_state::<User>("acc-1");
    });
    assert!(msg.contains("acc-1 is a BankAccount, whose state is not a chronicle::domain::users::user::User"), "{msg}");
}

#[test]
fn the_transition_check_of_a_next_event_is_testable() {
    let s = bank().given_commands(["open acc-1 Ada"]);
    let overdraw = EventData::new("MoneyWithdrawn", 3, money(1, ""));
    s.clone().then_refuses("acc-1", &overdraw, "overdraw", "exceeds the balance of acc-1 (0.00)");
    let msg = failure(|| {
        let _ = s.then_refuses("acc-1", &EventData::new("MoneyDeposited", 3, money(1, "")), "overdraw", "");
    });
    assert!(msg.contains("MoneyDeposited on acc-1 should be refused") && msg.contains("\"accepted\""), "{msg}");
}

/// A domain that is not built in, written against the public API alone:
/// counters that count up to ten.
mod counter {
    use chronicle::domain::{ArgKind, Command, CommandHelp, Domain, Rejection, Target};
    use chronicle::es::aggregate::{AggregateKind, EventSchema, Violation, payload};
    use chronicle::es::{Aggregate, DynState, Event, EventData, Projection, Upcaster};
    use serde::{Deserialize, Serialize};
    use serde_json::json;

    #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Counter {
        pub count: i64,
    }

    #[derive(Deserialize)]
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
        fn check(&self, id: &str, e: &Added) -> Result<(), Violation> {
            if e.by <= 0 || self.count + e.by > 10 {
                return Err(Violation::new("range", format!("{id} would hold {}", self.count + e.by)));
            }
            Ok(())
        }
        fn evolve(&mut self, e: &Added) {
            self.count += e.by;
        }
    }

    #[derive(Debug)]
    struct Add(String, i64);

    /// `pair <a> <b>`: one to a, one to b, one to a (in that order).
    #[derive(Debug)]
    struct Pair(String, String);

    impl Command for Pair {
        fn targets(&self) -> Vec<Target> {
            [&self.0, &self.1].map(|id| Target { stream_id: id.clone(), stream_type: "Counter" }).into()
        }
        fn decide(&self, _: &[&dyn DynState]) -> Result<Vec<(usize, EventData)>, Rejection> {
            let one = EventData::new("Added", 1, json!({"by": 1}));
            Ok(vec![(0, one.clone()), (1, one.clone()), (0, one)])
        }
    }

    impl Command for Add {
        fn targets(&self) -> Vec<Target> {
            vec![Target { stream_id: self.0.clone(), stream_type: "Counter" }]
        }
        fn decide(&self, states: &[&dyn DynState]) -> Result<Vec<(usize, EventData)>, Rejection> {
            let count = states[0].to_json()["count"].as_i64().unwrap_or(0);
            if count + self.1 > 10 {
                return Err(Rejection(format!("{} holds {count}: adding {} passes ten", self.0, self.1)));
            }
            Ok(vec![(0, EventData::new("Added", 1, json!({"by": self.1})))])
        }
    }

    pub struct Counters;

    const COUNTER: ArgKind = ArgKind::StreamId("Counter");
    static COMMANDS: [CommandHelp; 2] = [
        CommandHelp { word: "add", usage: "add <counter> <n>", args: &[COUNTER, ArgKind::Word] },
        CommandHelp { word: "pair", usage: "pair <counter> <counter>", args: &[COUNTER, COUNTER] },
    ];

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
            if let ("pair", [a, b]) = (word, args) {
                return Some(Ok(Box::new(Pair((*a).to_owned(), (*b).to_owned()))));
            }
            (word == "add").then(|| match args {
                [id, n] => n
                    .parse()
                    .map(|n| Box::new(Add((*id).to_owned(), n)) as Box<dyn Command>)
                    .map_err(|_| format!("`{n}` is not a number")),
                _ => Err("expected a counter and a number".to_owned()),
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
fn any_domain_in_a_registry_goes_through_the_kit() {
    let s = Scenario::new(Registry::new(vec![Box::new(counter::Counters)]))
        .given_commands(["add c-1 4"])
        .given("c-2", [EventData::new("Added", 1, json!({"by": 9}))])
        .when("add c-1 5")
        .then_events([event("Added", json!({"by": 5})).on("c-1")])
        .when("add c-2 2")
        .then_rejected("c-2 holds 9: adding 2 passes ten")
        .when("add c-2 x")
        .then_invalid("`x` is not a number (usage: add <counter> <n>)");
    assert_eq!(s.then_state::<counter::Counter>("c-1"), counter::Counter { count: 9 });
    s.clone().then_refuses("c-1", &EventData::new("Added", 1, json!({"by": 2})), "range", "c-1 would hold 11");
    // A decided event its own rules refuse fails the scenario, as the bus refuses it.
    let msg = failure(|| {
        let _ = s.when("add c-1 -1").then_events([event("Added", json!({"by": -1}))]);
    });
    assert!(msg.contains("`add c-1 -1` decided an event its own rules refuse") && msg.contains("rule range"), "{msg}");
}

#[test]
fn events_come_in_the_order_the_bus_appends_them() {
    // Decided as c-1, c-2, c-1: the bus appends per stream, c-1's two first.
    let s =
        Scenario::new(Registry::new(vec![Box::new(counter::Counters)])).on_store().when("pair c-1 c-2").then_events([
            event("Added", json!({"by": 1})).on("c-1"),
            event("Added", json!({"by": 1})).on("c-1"),
            event("Added", json!({"by": 1})).on("c-2"),
        ]);
    let order: Vec<(u64, &str, u64)> =
        s.events().iter().map(|e| (e.position, e.stream_id.as_str(), e.version)).collect();
    assert_eq!(order, [(1, "c-1", 1), (2, "c-1", 2), (3, "c-2", 1)]);
    assert_eq!(s.then_state::<counter::Counter>("c-1").count, 2);
}
