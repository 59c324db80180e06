//! The time machine: every aggregate and every read model as they were just
//! after any event.
//!
//! The timeline folds the log forward in position ranges and keeps keyframes
//! (cheap structural-sharing copies of the folded world) every K events, so a
//! jump costs one keyframe clone plus at most K events and a step forward one
//! event. The number of keyframes is bounded: past the budget, K doubles and
//! every other keyframe is dropped.

use std::collections::{BTreeMap, VecDeque};

use serde_json::Value;

use crate::domain::Registry;
use crate::es::{DynState, MemTables, Store, StoredEvent, TimeTravel};

use super::{AppError, Config};

/// Events read from SQLite per range while folding.
const RANGE: u64 = 1_000;

/// One stream as of some position.
#[derive(Debug, Clone)]
pub struct StreamAt {
    /// Stream type.
    pub stream_type: String,
    /// Version as of the position.
    pub version: u64,
    /// Position of the stream's last event folded.
    pub position: u64,
    /// The folded state.
    pub state: Box<dyn DynState>,
}

/// Everything as of one position.
#[derive(Debug, Clone, Default)]
pub struct World {
    /// The last event folded (0 = before the first event).
    pub position: u64,
    /// Every stream that existed, by id.
    pub streams: imbl::OrdMap<String, StreamAt>,
    /// The rows of every read model folded in memory ([`TimeTravel::Fold`];
    /// the others are read from SQLite: see `Chronicle::projection_rows`).
    pub tables: MemTables,
    /// The stream touched by the event at `position` and its state just
    /// before it (`Null` if the event created the stream).
    pub before_last: Option<(String, Value)>,
    /// Events that could not be folded (e.g. schema too new), with why.
    pub problems: imbl::Vector<String>,
}

impl World {
    /// Folds one stored event into the world.
    pub fn apply(&mut self, registry: &Registry, stored: &StoredEvent, capture_before: bool) {
        self.position = stored.position;
        let event = match registry.upcasters().upcast(stored) {
            Ok(e) => e,
            Err(e) => {
                self.problems.push_back(e.to_string());
                self.before_last = None;
                return;
            }
        };
        // Look the stream up by `&str` first: a new id is the rare case, and
        // the entry API would copy the id for every event.
        if !self.streams.contains_key(stored.stream_id.as_str()) {
            let fresh = StreamAt {
                stream_type: stored.stream_type.clone(),
                version: 0,
                position: 0,
                state: registry.fresh_state(&stored.stream_type),
            };
            self.streams.insert(stored.stream_id.clone(), fresh);
        }
        let Some(entry) = self.streams.get_mut(stored.stream_id.as_str()) else { return };
        self.before_last = capture_before.then(|| {
            let before = if entry.version == 0 { Value::Null } else { entry.state.to_json() };
            (stored.stream_id.clone(), before)
        });
        entry.state.apply(&event);
        entry.version = stored.version;
        entry.position = stored.position;
        for p in registry.projections() {
            if p.time_travel() == TimeTravel::Fold {
                // In-memory rows cannot fail.
                let _ = p.apply(&mut self.tables, &event);
            }
        }
    }
}

/// Keyframed time travel over one store.
#[derive(Debug)]
pub struct Timeline {
    every: u64,
    max_keyframes: usize,
    keyframes: BTreeMap<u64, World>,
    current: World,
    /// The worlds at the last [`RECENT`] positions folded up to a target, so
    /// stepping back costs a copy, not a keyframe plus a fold.
    recent: VecDeque<World>,
}

/// How many worlds just before each seek target are kept for stepping back.
const RECENT: u64 = 64;

impl Timeline {
    /// An empty timeline (the world before the first event).
    #[must_use]
    pub fn new(config: Config) -> Self {
        Self {
            every: config.keyframe_every.max(1),
            max_keyframes: config.max_keyframes.max(2),
            keyframes: BTreeMap::new(),
            current: World::default(),
            recent: VecDeque::new(),
        }
    }

    /// The world at the last position sought.
    #[must_use]
    pub fn current(&self) -> &World {
        &self.current
    }

    /// How many keyframes are held, and the interval between them.
    #[must_use]
    pub fn keyframes(&self) -> (usize, u64) {
        (self.keyframes.len(), self.every)
    }

    /// The world just after the event at `position` (0 = before any event).
    /// Positions beyond the head stop at the head.
    ///
    /// # Errors
    /// Store failures.
    pub fn seek(&mut self, store: &Store, registry: &Registry, position: u64) -> Result<&World, AppError> {
        if position == self.current.position {
            return Ok(&self.current);
        }
        if let Some(w) = self.recent.iter().find(|w| w.position == position) {
            self.current = w.clone();
            return Ok(&self.current);
        }
        let from_current = self.current.position < position;
        let key = self.keyframes.range(..=position).next_back().map(|(k, _)| *k);
        match key {
            Some(k) if !from_current || k > self.current.position => {
                if let Some(kf) = self.keyframes.get(&k) {
                    self.current = kf.clone();
                }
            }
            None if !from_current => self.current = World::default(),
            _ => {}
        }
        self.advance(store, registry, position)?;
        Ok(&self.current)
    }

    fn advance(&mut self, store: &Store, registry: &Registry, to: u64) -> Result<(), AppError> {
        while self.current.position < to {
            let from = self.current.position + 1;
            let end = to.min(from + RANGE - 1);
            let events = store.read_range(from, end)?;
            if events.is_empty() {
                break; // beyond the head
            }
            for e in &events {
                let keyframe = e.position % self.every == 0;
                let near_target = to - e.position < RECENT;
                self.current.apply(registry, e, keyframe || near_target);
                if near_target && self.recent.iter().all(|w| w.position != e.position) {
                    if self.recent.len() >= usize::try_from(RECENT).unwrap_or(usize::MAX) {
                        self.recent.pop_front();
                    }
                    self.recent.push_back(self.current.clone());
                }
                if keyframe && !self.keyframes.contains_key(&e.position) {
                    self.keyframes.insert(e.position, self.current.clone());
                    self.thin();
                }
            }
        }
        Ok(())
    }

    fn thin(&mut self) {
        if self.keyframes.len() <= self.max_keyframes {
            return;
        }
        self.every *= 2;
        let every = self.every;
        self.keyframes.retain(|k, _| k % every == 0);
    }
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};

    use super::*;
    use crate::app::demo::DemoOptions;
    use crate::app::{Chronicle, Mode};

    /// Position, every stream's (id, version, state), every table's rows.
    type Seen = (u64, Vec<(String, u64, Value)>, Vec<Vec<Value>>);

    fn snapshot_of(w: &World, registry: &Registry) -> Seen {
        let streams = w.streams.iter().map(|(id, s)| (id.clone(), s.version, s.state.to_json())).collect();
        let tables = registry
            .projections()
            .iter()
            .flat_map(|p| p.tables())
            .map(|t| w.tables.rows(t.name).map(crate::es::Row::to_json).collect())
            .collect();
        (w.position, streams, tables)
    }

    #[test]
    fn keyframed_seeks_equal_a_plain_replay_in_any_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Chronicle::open(&dir.path().join("t.db"), Mode::Write).unwrap();
        c.demo(DemoOptions { events: 1_200, ..DemoOptions::default() }, &mut |_, _| {}).unwrap();
        let head = c.store().head().unwrap();
        let config = Config { keyframe_every: 64, max_keyframes: 8, ..Config::default() };
        let mut t = Timeline::new(config);
        let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
        let mut positions: Vec<u64> = (0..40).map(|_| rng.random_range(0..=head)).collect();
        positions.extend([head, 0, 1, head - 1, head]);
        for p in positions {
            let got = snapshot_of(t.seek(c.store(), c.registry(), p).unwrap(), c.registry());
            let want = snapshot_of(&c.world_at(p).unwrap(), c.registry());
            assert_eq!(got, want, "state at {p}");
        }
        let (kept, every) = t.keyframes();
        assert!(kept <= 8, "the keyframe budget holds: {kept}");
        assert!(every >= 64);
    }

    #[test]
    fn stepping_back_through_the_recent_worlds_equals_a_replay() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Chronicle::open(&dir.path().join("t.db"), Mode::Write).unwrap();
        c.demo(DemoOptions { events: 700, ..DemoOptions::default() }, &mut |_, _| {}).unwrap();
        let head = c.store().head().unwrap();
        let mut t = Timeline::new(Config { keyframe_every: 100, ..Config::default() });
        t.seek(c.store(), c.registry(), head).unwrap();
        for p in (head - 300..head).rev().step_by(7) {
            let got = snapshot_of(t.seek(c.store(), c.registry(), p).unwrap(), c.registry());
            let want = snapshot_of(&c.world_at(p).unwrap(), c.registry());
            assert_eq!(got, want, "state at {p}");
            let before = t.current().before_last.clone();
            assert_eq!(before, c.world_at(p).unwrap().before_last, "the change at {p}");
        }
    }

    #[test]
    fn before_last_holds_the_state_before_the_cursor_event() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Chronicle::open(&dir.path().join("t.db"), Mode::Write).unwrap();
        let opts = crate::app::ExecOptions::new("t", "test");
        c.execute("open acc-1 Ada Lovelace", &opts).unwrap();
        c.execute("deposit acc-1 10", &opts).unwrap();
        let mut t = Timeline::new(Config::default());
        let w = t.seek(c.store(), c.registry(), 2).unwrap();
        let (stream, before) = w.before_last.clone().unwrap();
        assert_eq!(stream, "acc-1");
        assert_eq!(before["balance_cents"], 0);
        assert_eq!(w.streams.get("acc-1").unwrap().state.to_json()["balance_cents"], 1000);
        let w = t.seek(c.store(), c.registry(), 1).unwrap();
        assert_eq!(w.before_last.clone().unwrap().1, Value::Null, "the first event creates the stream");
    }
}
