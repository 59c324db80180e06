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

mod memory;
mod report;
mod store;

use std::any::Any;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::domain::{Registry, Target};
use crate::es::aggregate::Violation;
use crate::es::{Event, EventData};

use memory::{Decision, Memory};
use store::OnStore;

/// The time recorded on a scenario's events until [`Scenario::at`] says otherwise.
pub const DEFAULT_TIME: &str = "2026-01-01T00:00:00Z";

/// One event a command is expected to decide: its type and payload, and
/// optionally its stream and schema version.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    /// The stream it goes to (`None`: not compared).
    pub stream_id: Option<String>,
    /// Event type.
    pub event_type: String,
    /// Schema version (`None`: not compared).
    pub schema_version: Option<u32>,
    /// Payload, compared as JSON.
    pub payload: Value,
}

/// An expected event of `event_type` with `payload` (any stream, any schema).
#[must_use]
pub fn event(event_type: &str, payload: Value) -> Expected {
    Expected { stream_id: None, event_type: event_type.to_owned(), schema_version: None, payload }
}

impl Expected {
    /// The same event, expected on `stream_id`.
    #[must_use]
    pub fn on(mut self, stream_id: &str) -> Self {
        self.stream_id = Some(stream_id.to_owned());
        self
    }

    /// This expectation as JSON, and `came` shown with the same fields.
    fn render(&self, came: Option<&(Target, EventData)>) -> (Value, Value) {
        let mut want = Map::new();
        let mut got = Map::new();
        if let Some(s) = &self.stream_id {
            want.insert("stream_id".into(), json!(s));
            got.insert("stream_id".into(), json!(came.map(|(t, _)| &t.stream_id)));
        }
        want.insert("event_type".into(), json!(self.event_type));
        got.insert("event_type".into(), json!(came.map(|(_, e)| &e.event_type)));
        if let Some(v) = self.schema_version {
            want.insert("schema_version".into(), json!(v));
            got.insert("schema_version".into(), json!(came.map(|(_, e)| e.schema_version)));
        }
        want.insert("payload".into(), self.payload.clone());
        got.insert("payload".into(), came.map_or(Value::Null, |(_, e)| e.payload.clone()));
        (Value::Object(want), Value::Object(got))
    }
}

/// An [`EventData`] is expected with its type, schema version and payload.
impl From<EventData> for Expected {
    fn from(e: EventData) -> Self {
        Self { stream_id: None, event_type: e.event_type, schema_version: Some(e.schema_version), payload: e.payload }
    }
}

/// `(stream_id, event)`: the event expected on that stream.
impl From<(&str, EventData)> for Expected {
    fn from((stream_id, e): (&str, EventData)) -> Self {
        Self::from(e).on(stream_id)
    }
}

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
    /// order), as `state --projection NAME --json` prints them.
    ///
    /// # Panics
    /// For a projection no domain registered (or, on a store, when the store
    /// disagrees).
    #[must_use]
    #[track_caller]
    pub fn rows(&self, projection: &str) -> Vec<Value> {
        let Some(rows) = self.memory.rows(projection) else {
            let known: Vec<&str> = self.memory.registry.projections().iter().map(|p| p.name()).collect();
            self.fail(&format!("unknown projection `{projection}`: expected one of {}", known.join(", ")));
        };
        if let Some(s) = &self.store {
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

/// A command decided against a scenario's givens, waiting for its `then_…`.
#[derive(Debug)]
#[must_use = "say what is expected with then_events, then_rejected or then_invalid"]
pub struct When {
    scenario: Scenario,
    line: String,
    decision: Decision,
}

impl When {
    /// Then the command decides exactly `expected`, in order; the events are
    /// folded into the scenario, which is returned for more `then`s.
    ///
    /// # Panics
    /// When it decides other events (with a diff), is rejected or does not
    /// parse, or a decided event breaks its stream's rules.
    #[track_caller]
    pub fn then_events<I>(self, expected: I) -> Scenario
    where
        I: IntoIterator,
        I::Item: Into<Expected>,
    {
        let expected: Vec<Expected> = expected.into_iter().map(Into::into).collect();
        let decided = match &self.decision {
            Decision::Events(events) => events.clone(),
            other => self.wrong("events", other),
        };
        let (mut want, mut came) = (Vec::new(), Vec::new());
        for i in 0..expected.len().max(decided.len()) {
            match expected.get(i) {
                Some(x) => {
                    let (w, c) = x.render(decided.get(i));
                    want.push(w);
                    if i < decided.len() {
                        came.push(c);
                    }
                }
                None => came.push(
                    event(&decided[i].1.event_type, decided[i].1.payload.clone())
                        .on(&decided[i].0.stream_id)
                        .render(None)
                        .0,
                ),
            }
        }
        if want != came {
            self.report("the events decided differ", &Value::Array(want), &Value::Array(came));
        }
        let mut scenario = self.scenario;
        if let Err(e) = scenario.memory.record(&decided) {
            scenario.fail(&format!("`{}` decided an event its own rules refuse: {e}", self.line));
        }
        scenario.mirror(&self.line, &decided);
        scenario
    }

    /// Then the domain's rules refuse the command with a reason containing
    /// `reason`; nothing is recorded.
    ///
    /// # Panics
    /// When it is accepted, does not parse, or gives another reason.
    #[track_caller]
    pub fn then_rejected(mut self, reason: &str) -> Scenario {
        match &self.decision {
            Decision::Rejected(r) if r.contains(reason) => {}
            other => self.wrong(&format!("rejected: …{reason}…"), other),
        }
        if let Some(s) = self.scenario.store.as_mut() {
            match s.execute(&self.line, &self.scenario.memory.clock) {
                Err(e) if e.is_rejection() && e.to_string().contains(reason) => {}
                Err(e) => self.scenario.fail(&format!("the store refused `{}` otherwise: {e}", self.line)),
                Ok(_) => self.scenario.fail(&format!("the store accepted `{}`", self.line)),
            }
        }
        self.scenario
    }

    /// Then the line does not parse, with a reason containing `reason`.
    ///
    /// # Panics
    /// When it parses, or gives another reason.
    #[track_caller]
    pub fn then_invalid(self, reason: &str) -> Scenario {
        match &self.decision {
            Decision::Invalid(r) if r.contains(reason) => self.scenario,
            other => self.wrong(&format!("invalid: …{reason}…"), other),
        }
    }

    #[track_caller]
    fn wrong(&self, expected: &str, came: &Decision) -> ! {
        let came = match came {
            Decision::Events(events) => report::pretty(&Value::Array(
                events
                    .iter()
                    .map(|(t, e)| event(&e.event_type, e.payload.clone()).on(&t.stream_id).render(None).0)
                    .collect(),
            )),
            Decision::Rejected(r) => format!("rejected: {r}"),
            Decision::Invalid(r) => format!("invalid: {r}"),
        };
        panic!(
            "{}",
            report::failure(
                "the command came out otherwise",
                &self.scenario.memory.log,
                Some(&self.line),
                expected,
                &came
            )
        )
    }

    #[track_caller]
    fn report(&self, what: &str, expected: &Value, came: &Value) -> ! {
        panic!(
            "{}",
            report::failure(
                what,
                &self.scenario.memory.log,
                Some(&self.line),
                &report::pretty(expected),
                &report::pretty(came)
            )
        )
    }
}
