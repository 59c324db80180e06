//! What-if branches: the log up to a position, minus skipped events, plus
//! commands decided against the branch, optionally followed by the real
//! log's later events replayed onto it, each checked by its aggregate's
//! transition rules. Nothing is ever written to the store.
//!
//! A [`Branch`] is an overlay: the streams it changed (by a skip, a command
//! or a replay) live in memory; every other stream is the store's, read as
//! of the fork point when first needed. Skipping an event re-folds its
//! stream from the start without it; the branch's own events are kept in a
//! `Vec`. The TUI can fork one at its cursor and keep it across keys.

mod export;
mod replay;
mod rows;
mod tables;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::diff::{Diff, StreamDiff, changes};
use super::{AppError, Chronicle, repository};
use crate::es::{DynState, Event};
use replay::offer;

/// The actor the branch's own events are counted under in its diff.
pub const BRANCH_ACTOR: &str = "whatif";

/// One stream as the branch sees it.
#[derive(Debug, Clone)]
struct Overlay {
    stream_type: String,
    /// The folded state (`None`: the stream does not exist in the branch).
    state: Option<Box<dyn DynState>>,
    version: u64,
}

/// An event the branch's state no longer allows (it is left out of the
/// branch: it would have been refused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flagged {
    /// Its position in the real log.
    pub position: u64,
    /// Stream id.
    pub stream_id: String,
    /// Event type.
    pub event_type: String,
    /// Why the branch refuses it.
    pub reason: String,
}

impl Flagged {
    /// `{"position","stream_id","event_type","reason"}`.
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({"position": self.position, "stream_id": self.stream_id, "event_type": self.event_type, "reason": self.reason})
    }
}

/// What a command did in the branch.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandOutcome {
    /// The command line as given.
    pub command: String,
    /// The events it appended in the branch, or why it was rejected.
    pub result: Result<Vec<Event>, String>,
}

impl CommandOutcome {
    /// `{"command","accepted":true,"events":[…]}` or
    /// `{"command","accepted":false,"reason"}`.
    #[must_use]
    pub fn to_json(&self) -> Value {
        match &self.result {
            Ok(events) => json!({
                "command": self.command,
                "accepted": true,
                "events": events.iter().map(event_json).collect::<Vec<_>>(),
            }),
            Err(reason) => json!({"command": self.command, "accepted": false, "reason": reason}),
        }
    }
}

/// A branch event as JSON: `{"stream_id","stream_type","version","event_type","payload"}`.
#[must_use]
pub fn event_json(e: &Event) -> Value {
    json!({
        "stream_id": e.stream_id,
        "stream_type": e.stream_type,
        "version": e.version,
        "event_type": e.event_type,
        "payload": e.payload,
    })
}

/// A branch of the log, in memory (see the module's doc). It borrows
/// nothing: every call takes the [`Chronicle`] it was forked from, so a
/// front end can keep a branch next to its store across keys.
#[derive(Debug, Clone)]
pub struct Branch {
    at: u64,
    skipped: BTreeSet<u64>,
    streams: BTreeMap<String, Overlay>,
    events: Vec<Event>,
    /// How many of `events` there are after each accepted command.
    command_ends: Vec<usize>,
    flagged: Vec<Flagged>,
    /// How far the real log was replayed onto the branch (`at` if not).
    replayed_to: u64,
}

impl Branch {
    /// A branch equal to the log up to `at`.
    ///
    /// # Errors
    /// [`AppError::Usage`] for a position beyond the head; store failures.
    pub fn fork(chronicle: &Chronicle, at: u64) -> Result<Self, AppError> {
        let head = chronicle.store().head()?;
        if at > head {
            return Err(AppError::Usage(format!("position {at} is beyond the head ({head})")));
        }
        Ok(Self {
            at,
            skipped: BTreeSet::new(),
            streams: BTreeMap::new(),
            events: Vec::new(),
            command_ends: Vec::new(),
            flagged: Vec::new(),
            replayed_to: at,
        })
    }

    /// The fork point.
    #[must_use]
    pub fn at(&self) -> u64 {
        self.at
    }

    /// The positions skipped.
    #[must_use]
    pub fn skipped(&self) -> &BTreeSet<u64> {
        &self.skipped
    }

    /// The branch's own events (its commands'), oldest first.
    #[must_use]
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// Events of the real log the branch refused (skipping changed what
    /// their streams allow), oldest first.
    #[must_use]
    pub fn flagged(&self) -> &[Flagged] {
        &self.flagged
    }

    /// Leaves the event at `position` out of the branch (an event after the
    /// fork point is left out of a replay, before or after it ran). Its
    /// stream is re-folded from its start without it.
    ///
    /// # Errors
    /// [`AppError::Usage`] for position 0 or beyond the head; store
    /// failures; an event that cannot be upcast or decoded.
    pub fn skip(&mut self, c: &Chronicle, position: u64) -> Result<(), AppError> {
        let head = c.store().head()?;
        if position == 0 || position > head {
            return Err(AppError::Usage(format!("cannot skip position {position}: the log holds 1 to {head}")));
        }
        let Some(e) = c.store().event(position)? else {
            return Err(AppError::Usage(format!("no event at position {position}")));
        };
        if !self.skipped.insert(position) || position > self.replayed_to {
            return Ok(());
        }
        self.refold(c, &e.stream_id, &e.stream_type)
    }

    /// Puts a skipped event back (the inverse of [`Branch::skip`]; a
    /// position not skipped is left as it is).
    ///
    /// # Errors
    /// As [`Branch::skip`].
    pub fn unskip(&mut self, c: &Chronicle, position: u64) -> Result<(), AppError> {
        if !self.skipped.remove(&position) || position > self.replayed_to {
            return Ok(());
        }
        let Some(e) = c.store().event(position)? else {
            return Err(AppError::Usage(format!("no event at position {position}")));
        };
        self.refold(c, &e.stream_id, &e.stream_type)
    }

    /// Re-folds `stream_id` from its start without the skipped events:
    /// the log's up to the fork point, the branch's own events, then the
    /// log's replayed ones (if replayed), checking each of the log's against
    /// the rules (an event the branch no longer allows is flagged and left
    /// out).
    fn refold(&mut self, c: &Chronicle, stream_id: &str, stream_type: &str) -> Result<(), AppError> {
        let registry = c.registry();
        self.flagged.retain(|f| f.stream_id != stream_id);
        let mut o = Overlay { stream_type: stream_type.to_owned(), state: None, version: 0 };
        let mut scratch = Event::default();
        let Self { skipped, flagged, events, at, replayed_to, .. } = self;
        let at = *at;
        let mut own_done = false;
        let own = |o: &mut Overlay| -> Result<(), AppError> {
            for e in events.iter().filter(|e| e.stream_id == stream_id) {
                // Decided against the old fold: applied as they are (their
                // check was the decision's).
                let state = o.state.get_or_insert_with(|| registry.fresh_state(stream_type));
                state.apply(e).map_err(|v| repository::refused(e, v))?;
                o.version += 1;
            }
            Ok(())
        };
        crate::es::store::StreamReader::scan_stream(c.store(), stream_id, 0, *replayed_to, |e| {
            if e.position > at && !own_done {
                own_done = true;
                own(&mut o)?;
            }
            if skipped.contains(&e.position) {
                return Ok::<_, AppError>(());
            }
            registry.upcasters().upcast_into(e, &mut scratch)?;
            if let Some(reason) = offer(registry, &mut o, &scratch)? {
                flagged.push(Flagged {
                    position: e.position,
                    stream_id: stream_id.to_owned(),
                    event_type: e.event_type.to_owned(),
                    reason,
                });
            }
            Ok(())
        })?;
        if !own_done {
            own(&mut o)?;
        }
        self.flagged.sort_by_key(|f| f.position);
        self.streams.insert(stream_id.to_owned(), o);
        Ok(())
    }

    /// The overlay entry of `stream_id`, loaded from the store as of the
    /// fork point the first time (`None`: it does not exist there; the
    /// caller names its type).
    fn entry(&mut self, c: &Chronicle, stream_id: &str, stream_type: &str) -> Result<&mut Overlay, AppError> {
        if !self.streams.contains_key(stream_id) {
            let o = match c.store().stream(stream_id)? {
                Some(info) if info.first_position <= self.at => {
                    let l = repository::load(c.store(), c.registry(), stream_id, &info.stream_type, self.at)?;
                    Overlay { stream_type: info.stream_type, state: Some(l.state), version: l.version }
                }
                _ => Overlay { stream_type: stream_type.to_owned(), state: None, version: 0 },
            };
            self.streams.insert(stream_id.to_owned(), o);
        }
        self.streams.get_mut(stream_id).ok_or_else(|| AppError::Io(format!("stream {stream_id} vanished")))
    }

    /// A stream's state in the branch as JSON (`None`: it does not exist).
    ///
    /// # Errors
    /// Store failures; an event that cannot be upcast or decoded.
    pub fn state_of(&mut self, c: &Chronicle, stream_id: &str) -> Result<Option<Value>, AppError> {
        let o = self.entry(c, stream_id, "")?;
        Ok(o.state.as_ref().map(|s| s.to_json()))
    }

    /// Decides one line of the command language against the branch: an
    /// accepted command's events are appended in the branch (never in the
    /// store); a rejected one reports its reason.
    ///
    /// # Errors
    /// [`AppError::Parse`] for a line that does not parse; store failures.
    pub fn apply_command(&mut self, c: &Chronicle, line: &str) -> Result<CommandOutcome, AppError> {
        let registry = c.registry();
        let cmd = registry.parse(line).map_err(AppError::Parse)?;
        let targets = cmd.targets();
        let mut states: Vec<Box<dyn DynState>> = Vec::with_capacity(targets.len());
        let mut versions: Vec<u64> = Vec::with_capacity(targets.len());
        for t in &targets {
            let o = self.entry(c, &t.stream_id, t.stream_type)?;
            let reject = |reason: String| Ok(CommandOutcome { command: line.to_owned(), result: Err(reason) });
            if o.state.is_some() && registry.kind(&o.stream_type).is_none() {
                return reject(repository::read_only(&t.stream_id, &o.stream_type));
            }
            if o.state.is_some() && o.stream_type != t.stream_type {
                let shown = crate::domain::registry::sanitize(&t.stream_id);
                return reject(format!("{shown} is a {}, not a {}", o.stream_type, t.stream_type));
            }
            states.push(o.state.clone().unwrap_or_else(|| registry.fresh_state(t.stream_type)));
            versions.push(o.version);
        }
        let refs: Vec<&dyn DynState> = states.iter().map(AsRef::as_ref).collect();
        let decided = match cmd.decide(&refs) {
            Ok(d) => d,
            Err(r) => return Ok(CommandOutcome { command: line.to_owned(), result: Err(r.0) }),
        };
        // Fold into copies first: a domain whose decision its own rules
        // refuse changes nothing in the branch.
        let mut folded: BTreeMap<String, (String, Box<dyn DynState>, u64)> = BTreeMap::new();
        let mut appended = Vec::new();
        for (position, (index, data)) in (self.next_position()..).zip(decided) {
            let Some(t) = targets.get(index) else {
                return Err(AppError::Rejected("domain named an unknown target".into()));
            };
            let slot = folded
                .entry(t.stream_id.clone())
                .or_insert_with(|| (t.stream_type.to_owned(), states[index].clone(), versions[index]));
            let (schema_version, payload) = registry.upcasters().upcast_value(
                position,
                t.stream_type,
                &data.event_type,
                data.schema_version,
                data.payload,
            )?;
            let e = Event {
                position,
                stream_id: t.stream_id.clone(),
                stream_type: t.stream_type.to_owned(),
                version: slot.2 + 1,
                event_type: data.event_type,
                schema_version,
                payload,
                recorded_at: crate::es::store::timestamp_now(),
            };
            if let Err(v) = slot.1.check_apply(&e) {
                let reason = format!("the domain decided an event its own rules refuse ({v})");
                return Ok(CommandOutcome { command: line.to_owned(), result: Err(reason) });
            }
            slot.2 += 1;
            appended.push(e);
        }
        for (id, (stream_type, state, version)) in folded {
            self.streams.insert(id, Overlay { stream_type, state: Some(state), version });
        }
        self.events.extend(appended.iter().cloned());
        self.command_ends.push(self.events.len());
        Ok(CommandOutcome { command: line.to_owned(), result: Ok(appended) })
    }

    /// The position the branch's next own event is numbered with (after the
    /// fork point, or after the replay).
    fn next_position(&self) -> u64 {
        self.replayed_to.max(self.at) + self.events.len() as u64 + 1
    }

    /// The branch against the real log at the same point (the fork point, or
    /// the head after a replay): every stream whose state differs, and the
    /// branch's own events by type (actor [`BRANCH_ACTOR`]). Read models are
    /// compared by [`Branch::diff_read_models`] (a fold of the log; here
    /// `projections` is empty).
    ///
    /// # Errors
    /// Store failures; an event that cannot be upcast or decoded.
    pub fn diff_against_main(&self, c: &Chronicle) -> Result<Diff, AppError> {
        let point = self.replayed_to;
        let mut diff = Diff { from: point, to: point, ..Diff::default() };
        for (id, o) in &self.streams {
            let main_type = c.store().stream(id)?.map_or_else(|| o.stream_type.clone(), |i| i.stream_type);
            let main = c.state_json_at(id, &main_type, point)?;
            let branch = o.state.as_ref().map(|s| s.to_json());
            let created = main.is_none() && branch.is_some();
            let changes = changes(&main.unwrap_or(Value::Null), &branch.unwrap_or(Value::Null));
            if created || !changes.is_empty() {
                diff.streams.push(StreamDiff {
                    stream_id: id.clone(),
                    stream_type: o.stream_type.clone(),
                    created,
                    changes,
                });
            }
        }
        for e in &self.events {
            *diff.by_type.entry(e.event_type.clone()).or_default() += 1;
            *diff.by_actor.entry(BRANCH_ACTOR.to_owned()).or_default() += 1;
        }
        Ok(diff)
    }
}

#[cfg(test)]
mod tests;
