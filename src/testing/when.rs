//! The `when` of a scenario: a command decided, waiting for its `then`.

use serde_json::Value;

use super::memory::Decision;
use super::{Expected, Scenario, event, report};

/// A command decided against a scenario's givens, waiting for its `then_…`.
#[derive(Debug)]
#[must_use = "say what is expected with then_events, then_rejected or then_invalid"]
pub struct When {
    pub(super) scenario: Scenario,
    pub(super) line: String,
    pub(super) decision: Decision,
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
    #[allow(clippy::must_use_candidate)] // an assertion: the scenario returned is for chaining more
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
    #[allow(clippy::must_use_candidate)] // an assertion: the scenario returned is for chaining more
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
