//! The in-memory world of a scenario: every stream's state and every read
//! model's rows, folded with the registry's own code (upcasters, the
//! aggregates' transition checks and folds, the projections), as the command
//! bus and the projector fold them.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use crate::domain::{Registry, Target, registry::sanitize};
use crate::es::aggregate::Violation;
use crate::es::{DynState, Event, EventData, MemTables};

/// One stream as folded so far.
#[derive(Debug, Clone)]
pub(super) struct Stream {
    /// The stream type.
    pub kind: String,
    pub version: u64,
    pub state: Box<dyn DynState>,
}

/// What a command line came to.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Decision {
    /// The events decided, each with the stream it goes to.
    Events(Vec<(Target, EventData)>),
    /// The domain's rules (or the bus's stream-type check) refused it.
    Rejected(String),
    /// The line did not parse.
    Invalid(String),
}

/// Streams, read models and the log folded so far.
#[derive(Debug, Clone)]
pub(super) struct Memory {
    pub registry: Arc<Registry>,
    pub streams: BTreeMap<String, Stream>,
    pub tables: MemTables,
    /// Every event folded, at the latest schema.
    pub log: Vec<Event>,
    /// The timestamp given to the next events.
    pub clock: String,
}

impl Memory {
    pub fn new(registry: Arc<Registry>) -> Self {
        Self {
            registry,
            streams: BTreeMap::new(),
            tables: MemTables::default(),
            log: Vec::new(),
            clock: super::DEFAULT_TIME.to_owned(),
        }
    }

    /// The stream type that owns `event_type`, from the registry.
    pub fn stream_type_of(&self, event_type: &str) -> Option<&'static str> {
        self.registry
            .stream_types()
            .into_iter()
            .find(|t| self.registry.kind(t).is_some_and(|k| k.events.iter().any(|e| e.event_type == event_type)))
    }

    /// Parses `line` with the registry and decides it against the folded
    /// states, as the bus does (nothing is folded).
    pub fn decide(&self, line: &str) -> Decision {
        let cmd = match self.registry.parse(line) {
            Ok(c) => c,
            Err(reason) => return Decision::Invalid(reason),
        };
        let targets = cmd.targets();
        // As the bus loads them: each target's state, fresh when the stream
        // does not exist yet, refused when it holds another stream type.
        let mut loaded = Vec::with_capacity(targets.len());
        for t in &targets {
            match self.streams.get(&t.stream_id) {
                Some(s) if s.kind != t.stream_type => {
                    return Decision::Rejected(format!(
                        "{} is a {}, not a {}",
                        sanitize(&t.stream_id),
                        s.kind,
                        t.stream_type
                    ));
                }
                Some(s) => loaded.push(s.state.clone()),
                None => loaded.push(self.registry.fresh_state(t.stream_type)),
            }
        }
        let states: Vec<&dyn DynState> = loaded.iter().map(AsRef::as_ref).collect();
        match cmd.decide(&states) {
            Err(r) => Decision::Rejected(r.0),
            Ok(decided) => {
                // In the order the bus appends them: grouped by target, the
                // targets in the order the decision first names them.
                let mut order: Vec<usize> = Vec::new();
                let mut grouped: Vec<Vec<(Target, EventData)>> = Vec::new();
                for (index, data) in decided {
                    let Some(t) = targets.get(index) else {
                        return Decision::Rejected("domain named an unknown target".to_owned());
                    };
                    let slot = order.iter().position(|&o| o == index).unwrap_or_else(|| {
                        order.push(index);
                        grouped.push(Vec::new());
                        order.len() - 1
                    });
                    grouped[slot].push((t.clone(), data));
                }
                Decision::Events(grouped.into_iter().flatten().collect())
            }
        }
    }

    /// Folds `events` in order, all or nothing: each is upcast, checked
    /// against its stream's rules and folded, then every read model folds
    /// it. On a refusal nothing is kept and the error names the event.
    pub fn record(&mut self, events: &[(Target, EventData)]) -> Result<Vec<Event>, String> {
        let mut next = self.clone();
        let mut folded = Vec::with_capacity(events.len());
        for (target, data) in events {
            folded.push(next.fold_one(&target.stream_id, target.stream_type, data)?);
        }
        *self = next;
        Ok(folded)
    }

    fn fold_one(&mut self, stream_id: &str, stream_type: &str, data: &EventData) -> Result<Event, String> {
        let position = self.log.len() as u64 + 1;
        let stream = match self.streams.get_mut(stream_id) {
            Some(s) if s.kind != stream_type => {
                return Err(format!("{stream_id} is a {}, not a {stream_type}", s.kind));
            }
            Some(s) => s,
            None => self.streams.entry(stream_id.to_owned()).or_insert_with(|| Stream {
                kind: stream_type.to_owned(),
                version: 0,
                state: self.registry.fresh_state(stream_type),
            }),
        };
        let (schema_version, payload) = self
            .registry
            .upcasters()
            .upcast_value(position, stream_type, &data.event_type, data.schema_version, data.payload.clone())
            .map_err(|e| e.to_string())?;
        let event = Event {
            position,
            stream_id: stream_id.to_owned(),
            stream_type: stream_type.to_owned(),
            version: stream.version + 1,
            event_type: data.event_type.clone(),
            schema_version,
            payload,
            recorded_at: self.clock.clone(),
        };
        stream
            .state
            .check_apply(&event)
            .map_err(|v| format!("{} v{} on {stream_id}: {v}", event.event_type, event.schema_version))?;
        stream.version = event.version;
        for p in self.registry.projections() {
            p.apply(&mut self.tables, &event).map_err(|e| format!("read model {}: {e}", p.name()))?;
        }
        self.log.push(event.clone());
        Ok(event)
    }

    /// The transition check of `data` as the next event of `stream_id`
    /// (as given: not upcast), folding nothing.
    pub fn check(&self, stream_id: &str, stream_type: &str, data: &EventData) -> Result<(), Violation> {
        let fresh;
        let (state, version) = if let Some(s) = self.streams.get(stream_id) {
            (s.state.as_ref(), s.version)
        } else {
            fresh = self.registry.fresh_state(stream_type);
            (fresh.as_ref(), 0)
        };
        let event = Event {
            position: self.log.len() as u64 + 1,
            stream_id: stream_id.to_owned(),
            stream_type: stream_type.to_owned(),
            version: version + 1,
            event_type: data.event_type.clone(),
            schema_version: data.schema_version,
            payload: data.payload.clone(),
            recorded_at: self.clock.clone(),
        };
        state.check(&event)
    }

    /// The state of `stream_id` as JSON.
    pub fn state_json(&self, stream_id: &str) -> Option<Value> {
        self.streams.get(stream_id).map(|s| s.state.to_json())
    }

    /// The rows of a read model's main table, as `state --projection
    /// --json` prints them, or of any table a read model declares, by its
    /// name; `None` for an unknown name.
    pub fn rows(&self, projection: &str) -> Option<Vec<Value>> {
        let table = match self.registry.projection(projection) {
            Some(p) => p.tables().first()?.name,
            None => self.registry.projections().iter().flat_map(|p| p.tables()).find(|t| t.name == projection)?.name,
        };
        Some(self.tables.rows(table).map(crate::es::Row::to_json).collect())
    }
}
