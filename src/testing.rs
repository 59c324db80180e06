//! A test kit for domain authors: given events, when a command, then the
//! events it decides (or why it is refused), the aggregate's state and the
//! read models' rows.
//!
//! A [`Scenario`] works through a [`Registry`], so it tests any domain the
//! way chronicle runs it: command lines are parsed by the registry, decided
//! by the domain against states folded by the domain's own aggregates
//! (upcasters, transition checks and folds, as the command bus and the
//! projector run them), and every registered read model folds each event
//! into in-memory tables ([`MemTables`](crate::es::MemTables), the time
//! machine's). Nothing touches a disk, so a scenario costs microseconds.
//!
//! [`Scenario::on_store`] adds a store-backed mirror: every given and every
//! command also runs through the real command bus on a temporary SQLite
//! store, and each expectation checks that the store agrees with the
//! in-memory world (the events recorded, the state `state --stream` shows,
//! the rows `state --projection` shows).
//!
//! A failed expectation panics (as `assert_eq!` does) with what was given,
//! the command, what was expected and what came, and a line diff of the two.
//!
//! ```
//! use chronicle::domain::Registry;
//! use chronicle::domain::bank::Account;
//! use chronicle::testing::{Scenario, event};
//! use serde_json::json;
//!
//! let ada = Scenario::new(Registry::builtin()).given_commands(["open acc-1 Ada Lovelace", "deposit acc-1 20"]);
//!
//! // When a command, then the events it decides …
//! ada.clone()
//!     .when("withdraw acc-1 5 rent")
//!     .then_events([event(
//!         "MoneyWithdrawn",
//!         json!({"amount": {"value_cents": 500, "currency": "USD"}, "description": "rent"}),
//!     )])
//!     // … then the state, typed (no downcast) or as JSON …
//!     .then_state_json("acc-1", json!({"opened": true, "owner": "Ada Lovelace", "currency": "USD",
//!                                       "balance_cents": 1500, "closed": false, "transactions": 2}))
//!     // … and the read model's rows, as `state --projection --json` prints them.
//!     .then_rows("account_balances", json!([{"account_id": "acc-1", "owner": "Ada Lovelace",
//!         "currency": "USD", "balance_cents": 1500, "status": "active", "transactions": 2}]));
//!
//! // Or why it is refused (nothing is recorded).
//! let after = ada.when("withdraw acc-1 25").then_rejected("insufficient funds");
//! assert_eq!(after.then_state::<Account>("acc-1").balance_cents, 2000);
//! ```

mod expected;
mod memory;
mod report;
mod store;
mod when;

pub use expected::{Expected, event};
pub use when::When;

use std::any::Any;
use std::sync::Arc;

use serde_json::{Value, json};

use crate::domain::{Registry, Target};
use crate::es::aggregate::Violation;
use crate::es::{Event, EventData};

use memory::{Decision, Memory};
use store::OnStore;

/// The time recorded on a scenario's events until [`Scenario::at`] says otherwise.
pub const DEFAULT_TIME: &str = "2026-01-01T00:00:00Z";

/// A given/when/then scenario over the domains of a registry.
///
/// Givens and commands fold in memory (see the [module](self) docs);
/// [`Scenario::on_store`] mirrors them on a temporary SQLite store. Clone a
/// scenario to try several commands from the same givens (an in-memory
/// scenario only: a clone leaves the store behind).
#[derive(Debug)]
pub struct Scenario {
    memory: Memory,
    store: Option<OnStore>,
}

impl Clone for Scenario {
    fn clone(&self) -> Self {
        Self { memory: self.memory.clone(), store: None }
    }
}

impl Scenario {
    /// An empty log over `registry`'s domains, folded in memory.
    #[must_use]
    pub fn new(registry: impl Into<Arc<Registry>>) -> Self {
        Self { memory: Memory::new(registry.into()), store: None }
    }

    /// Mirrors the scenario on a temporary SQLite store through the real
    /// command bus; every expectation then also checks that the store
    /// agrees with the in-memory world.
    ///
    /// # Panics
    /// After a given (the store would miss it), or when the store cannot be
    /// created.
    #[must_use]
    #[track_caller]
    pub fn on_store(mut self) -> Self {
        assert!(self.memory.log.is_empty(), "Scenario::on_store must come before the givens");
        match OnStore::new(Arc::clone(&self.memory.registry)) {
            Ok(s) => self.store = Some(s),
            Err(e) => panic!("scenario: cannot create a temporary store: {e}"),
        }
        self
    }

    /// Records the next events at `recorded_at` (RFC 3339; default
    /// [`DEFAULT_TIME`]): read models that group by day see it.
    #[must_use]
    pub fn at(mut self, recorded_at: &str) -> Self {
        recorded_at.clone_into(&mut self.memory.clock);
        self
    }

    /// Given `events` on `stream_id`, in order, as stored (at any schema
    /// version: they are upcast as on read). The stream type is the
    /// registered aggregate that owns the event types.
    ///
    /// # Panics
    /// When an event type belongs to no registered aggregate, or an event
    /// does not upcast, decode or pass its stream's transition check (a log
    /// the domain's rules refuse is no given).
    #[must_use]
    #[track_caller]
    pub fn given(mut self, stream_id: &str, events: impl IntoIterator<Item = EventData>) -> Self {
        let events: Vec<EventData> = events.into_iter().collect();
        let Some(first) = events.first() else { return self };
        let Some(stream_type) = self.memory.stream_type_of(&first.event_type) else {
            let known = self.memory.registry.stream_types().join(", ");
            self.fail(&format!("given event type {} belongs to no registered aggregate ({known})", first.event_type));
        };
        let batch: Vec<(Target, EventData)> =
            events.iter().map(|e| (Target { stream_id: stream_id.to_owned(), stream_type }, e.clone())).collect();
        if let Err(e) = self.memory.record(&batch) {
            self.fail(&format!("a given event is refused: {e}"));
        }
        if let Some(s) = self.store.as_mut()
            && let Err(e) = s.append(stream_id, stream_type, &events, &self.memory.clock)
        {
            self.fail(&format!("the store refused a given event: {e}"));
        }
        self
    }

    /// Given the events these command lines decide, one after the other.
    ///
    /// # Panics
    /// When a line does not parse or is rejected.
    #[must_use]
    #[track_caller]
    pub fn given_commands<I>(mut self, lines: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        for line in lines {
            let line = line.as_ref();
            match self.memory.decide(line) {
                Decision::Events(events) => {
                    if let Err(e) = self.memory.record(&events) {
                        self.fail(&format!("given command `{line}` decided an event its rules refuse: {e}"));
                    }
                    self.mirror(line, &events);
                }
                Decision::Rejected(r) => self.fail(&format!("given command `{line}` was rejected: {r}")),
                Decision::Invalid(r) => self.fail(&format!("given command `{line}` does not parse: {r}")),
            }
        }
        self
    }

    /// When `line` (one line of the command language) is decided against
    /// the givens; say what is expected with the [`When`]'s `then_…`.
    pub fn when(self, line: &str) -> When {
        let decision = self.memory.decide(line);
        When { scenario: self, line: line.to_owned(), decision }
    }

    /// Every event folded so far, at the latest schema.
    #[must_use]
    pub fn events(&self) -> &[Event] {
        &self.memory.log
    }

    /// The state of `stream_id` as JSON (as `state --stream ID --json`
    /// prints it under `"state"`).
    ///
    /// # Panics
    /// When the stream has no events (or, on a store, the store disagrees).
    #[must_use]
    #[track_caller]
    pub fn state_json(&self, stream_id: &str) -> Value {
        let Some(state) = self.memory.state_json(stream_id) else {
            let known: Vec<&str> = self.memory.streams.keys().map(String::as_str).collect();
            self.fail(&format!("stream {stream_id} has no events (streams: {})", known.join(", ")));
        };
        if let Some(s) = &self.store {
            match s.state_json(stream_id) {
                Ok(on_store) if on_store == state => {}
                Ok(on_store) => self.mismatch(&format!("the store's state of {stream_id}"), &state, &on_store),
                Err(e) => self.fail(&format!("the store cannot show {stream_id}: {e}")),
            }
        }
        state
    }

    /// Then the state of `stream_id` is `expected` (compared as JSON).
    ///
    /// # Panics
    /// When it is not, with a diff.
    #[track_caller]
    #[allow(clippy::return_self_not_must_use)] // an assertion: the scenario is returned for chaining only
    #[allow(clippy::needless_pass_by_value)] // by value, so `json!(…)` needs no `&`
    #[allow(clippy::must_use_candidate)] // an assertion: the scenario returned is for chaining more
    pub fn then_state_json(self, stream_id: &str, expected: Value) -> Self {
        let state = self.state_json(stream_id);
        if state != expected {
            self.mismatch(&format!("the state of {stream_id} differs"), &expected, &state);
        }
        self
    }

    /// The state of `stream_id` as its aggregate's own type `A` (a copy).
    ///
    /// # Panics
    /// When the stream has no events or is not an `A`.
    #[must_use]
    #[track_caller]
    pub fn then_state<A: Any + Clone>(&self, stream_id: &str) -> A {
        let _ = self.state_json(stream_id);
        let Some(stream) = self.memory.streams.get(stream_id) else {
            self.fail(&format!("stream {stream_id} has no events"));
        };
        match stream.state.as_any().downcast_ref::<A>() {
            Some(a) => a.clone(),
            None => self.fail(&format!(
                "stream {stream_id} is a {}, whose state is not a {}",
                stream.kind,
                std::any::type_name::<A>()
            )),
        }
    }

    /// The rows of the read model `projection` (its main table, in key
    /// order), as `state --projection NAME --json` prints them. The name of
    /// another table a read model declares (such as
    /// `transaction_history_accounts`) gives that table's rows, in memory
    /// only: the store does not show them, so they are not compared.
    ///
    /// # Panics
    /// For a projection or table no domain registered (or, on a store, when
    /// the store disagrees).
    #[must_use]
    #[track_caller]
    pub fn rows(&self, projection: &str) -> Vec<Value> {
        let Some(rows) = self.memory.rows(projection) else {
            let known: Vec<&str> = self.memory.registry.projections().iter().map(|p| p.name()).collect();
            self.fail(&format!("unknown projection `{projection}`: expected one of {}", known.join(", ")));
        };
        if let Some(s) = &self.store
            && self.memory.registry.projection(projection).is_some()
        {
            match s.rows(projection) {
                Ok(on_store) if on_store == rows => {}
                Ok(on_store) => {
                    self.mismatch(&format!("the store's rows of {projection}"), &json!(rows), &json!(on_store));
                }
                Err(e) => self.fail(&format!("the store cannot show {projection}: {e}")),
            }
        }
        rows
    }

    /// Then the rows of `projection` are `expected` (a JSON array).
    ///
    /// # Panics
    /// When they are not, with a diff.
    #[track_caller]
    #[allow(clippy::return_self_not_must_use)] // an assertion: the scenario is returned for chaining only
    #[allow(clippy::needless_pass_by_value)] // by value, so `json!(…)` needs no `&`
    #[allow(clippy::must_use_candidate)] // an assertion: the scenario returned is for chaining more
    pub fn then_rows(self, projection: &str, expected: Value) -> Self {
        let rows = Value::Array(self.rows(projection));
        if rows != expected {
            self.mismatch(&format!("the rows of {projection} differ"), &expected, &rows);
        }
        self
    }

    /// Whether `event` may come next on `stream_id`: its aggregate's
    /// transition check against the folded state (nothing is folded). The
    /// event is checked as given, not upcast: write it at the latest schema.
    ///
    /// # Errors
    /// The [`Violation`] (rule and message).
    ///
    /// # Panics
    /// When `stream_id` has no events and `event`'s type belongs to no
    /// registered aggregate.
    #[track_caller]
    pub fn check(&self, stream_id: &str, event: &EventData) -> Result<(), Violation> {
        let stream_type = match self.memory.streams.get(stream_id) {
            Some(s) => s.kind.clone(),
            None => match self.memory.stream_type_of(&event.event_type) {
                Some(t) => t.to_owned(),
                None => self.fail(&format!("event type {} belongs to no registered aggregate", event.event_type)),
            },
        };
        self.memory.check(stream_id, &stream_type, event)
    }

    /// Then `event` may not come next on `stream_id`: its transition check
    /// names `rule`, with a message containing `message`.
    ///
    /// # Panics
    /// When the event passes, or breaks another rule, or the message differs.
    #[track_caller]
    #[allow(clippy::return_self_not_must_use)] // an assertion: the scenario is returned for chaining only
    #[allow(clippy::must_use_candidate)] // an assertion: the scenario returned is for chaining more
    pub fn then_refuses(self, stream_id: &str, event: &EventData, rule: &str, message: &str) -> Self {
        let came = match self.check(stream_id, event) {
            Ok(()) => json!("accepted"),
            Err(v) if v.rule == rule && v.message.contains(message) => return self,
            Err(v) => json!({"rule": v.rule, "message": v.message}),
        };
        let what = format!("{} on {stream_id} should be refused", event.event_type);
        self.mismatch(&what, &json!({"rule": rule, "message contains": message}), &came)
    }

    /// Runs `line` on the store too, and checks that it records what the
    /// in-memory world decided.
    #[track_caller]
    fn mirror(&mut self, line: &str, decided: &[(Target, EventData)]) {
        let Some(s) = self.store.as_mut() else { return };
        let want: Vec<Value> =
            decided.iter().map(|(t, e)| json!([t.stream_id, e.event_type, e.schema_version, e.payload])).collect();
        let came = s
            .execute(line, &self.memory.clock)
            .map(|events| events.into_iter().map(|(id, ty, v, p)| json!([id, ty, v, p])).collect::<Vec<_>>());
        match came {
            Ok(came) if came == want => {}
            Ok(came) => {
                self.mismatch(&format!("the store recorded other events for `{line}`"), &json!(want), &json!(came))
            }
            Err(e) => self.fail(&format!("the store refused `{line}`, which the in-memory world accepted: {e}")),
        }
    }

    #[track_caller]
    fn fail(&self, what: &str) -> ! {
        panic!("scenario failed: {what}\n\ngiven:\n{}", report::given(&self.memory.log))
    }

    #[track_caller]
    fn mismatch(&self, what: &str, expected: &Value, came: &Value) -> ! {
        panic!("{}", report::failure(what, &self.memory.log, None, &report::pretty(expected), &report::pretty(came)))
    }
}
