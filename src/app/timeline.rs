//! The time machine: every aggregate and every read model as they were just
//! after any event.
//!
//! The timeline folds the log forward in position ranges and keeps keyframes
//! (cheap structural-sharing copies of the folded world) every K events, so a
//! jump costs one keyframe clone plus at most K events and a step forward one
//! event. The number of keyframes is bounded: past the budget, K doubles and
//! every other keyframe is dropped. Keyframes can also be built ahead of need
//! ([`Timeline::prefetch`]), and the first world can be seeded from the
//! store's head instead of folded ([`Timeline::seed`]). What each keyframe
//! interval adds up to is kept for diffs ([`Timeline::sum_ahead`],
//! `timeline/summary.rs`), and the keyframes are shared with other threads
//! ([`Timeline::frames`]).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use serde_json::Value;

use crate::domain::Registry;
use crate::es::{DynState, Event, EventRef, MemTables, Store, StoredEvent, TimeTravel};

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
    /// The folded state; `None` in a lazy world (the timeline's) until
    /// someone loads it (`Chronicle::load_state_into`: snapshot plus tail).
    pub state: Option<Box<dyn DynState>>,
}

/// Everything as of one position.
#[derive(Debug, Clone, Default)]
pub struct World {
    /// The last event folded (0 = before the first event).
    pub position: u64,
    /// Every stream that existed, by id. Shared (`Arc`) so a copy of the
    /// world (a keyframe) costs pointers, not states, until a stream changes.
    pub streams: imbl::OrdMap<Arc<str>, Arc<StreamAt>>,
    /// The rows of every read model folded in memory ([`TimeTravel::Fold`];
    /// the others are read from SQLite: see `Chronicle::projection_rows`).
    pub tables: MemTables,
    /// The stream touched by the event at `position` and its state just
    /// before it (`Null` if the event created the stream).
    pub before_last: Option<(String, Value)>,
    /// The stream of the event at `position` (`None` at 0, or when that
    /// event could not be folded).
    pub touched: Option<Arc<str>>,
    /// Events that could not be folded (e.g. schema too new) or decoded
    /// (a payload of another shape), with why.
    pub problems: imbl::Vector<String>,
    /// Stream states are not folded (`None` until loaded): the timeline's
    /// worlds are lazy, since a state at any position costs one snapshot
    /// plus at most a snapshot interval of events, while folding every
    /// state would cost every event's fold and a copy per keyframe.
    pub lazy: bool,
}

impl World {
    /// The world before the first event, folding no stream states.
    #[must_use]
    pub fn lazy() -> Self {
        Self { lazy: true, ..Self::default() }
    }

    /// Folds one stored event into the world.
    pub fn apply(&mut self, registry: &Registry, stored: &StoredEvent, capture_before: bool) {
        self.apply_ref(registry, stored.fold_ref(), capture_before, &mut Event::default());
    }

    /// As [`Self::apply`], from borrowed fields (a scan's row), upcasting
    /// into `event` (a buffer reused across a scan).
    pub fn apply_ref(&mut self, registry: &Registry, stored: EventRef<'_>, capture_before: bool, event: &mut Event) {
        self.position = stored.position;
        if let Err(e) = registry.upcasters().upcast_into(stored, event) {
            self.problems.push_back(e.to_string());
            self.before_last = None;
            self.touched = None;
            return;
        }
        let id = stored.stream_id;
        // Two map lookups per event (key, then entry), not three.
        let key = if let Some((k, _)) = self.streams.get_key_value(id) {
            Arc::clone(k)
        } else {
            let fresh = StreamAt {
                stream_type: stored.stream_type.to_owned(),
                version: 0,
                position: 0,
                state: (!self.lazy).then(|| registry.fresh_state(stored.stream_type)),
            };
            let k: Arc<str> = Arc::from(id);
            self.streams.insert(Arc::clone(&k), Arc::new(fresh));
            k
        };
        self.touched = Some(key);
        let Some(entry) = self.streams.get_mut(id).map(Arc::make_mut) else { return };
        self.before_last = match &entry.state {
            Some(_) if entry.version == 0 => capture_before.then(|| (id.to_owned(), Value::Null)),
            Some(state) => capture_before.then(|| (id.to_owned(), state.to_json())),
            // Not loaded: nothing to compare with.
            None => None,
        };
        // An event its aggregate cannot decode is listed, never skipped
        // silently (the lazy world checks the decoding alone: no state).
        let decoded = match entry.state.as_mut() {
            Some(state) => state.apply(event),
            None => registry.decode(event),
        };
        if let Err(v) = decoded {
            self.problems.push_back(format!("position {}: {v}", stored.position));
        }
        entry.version = stored.version;
        entry.position = stored.position;
        for p in registry.projections() {
            if p.time_travel() == TimeTravel::Fold {
                // In-memory rows cannot fail.
                let _ = p.apply(&mut self.tables, event);
            }
        }
    }
}

/// Keyframed time travel over one store.
#[derive(Debug)]
pub struct Timeline {
    keyframes: Keyframes,
    current: World,
    /// The worlds at the last [`RECENT`] positions folded up to a target, so
    /// stepping back costs a copy, not a keyframe plus a fold.
    recent: VecDeque<World>,
    /// Where [`Timeline::prefetch`] has folded to (always a folded world).
    frontier: World,
    /// Events folded so far (by seeks and prefetching).
    folded: u64,
    /// What each keyframe interval folded adds up to (for diffs).
    sums: Summaries,
}

/// Where a seek starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    /// The current world (the target is it, or lies ahead of it with no
    /// keyframe in between).
    Current,
    /// One of the recent worlds, by index.
    Recent(usize),
    /// The keyframe at this position.
    Keyframe(u64),
    /// The world before the first event.
    Empty,
}

/// How many worlds just before each seek target are kept for stepping back.
const RECENT: u64 = 64;

impl Timeline {
    /// An empty timeline (the world before the first event).
    #[must_use]
    pub fn new(config: Config) -> Self {
        Self {
            keyframes: Keyframes {
                every: config.keyframe_every.max(1),
                max: config.max_keyframes.max(2),
                map: BTreeMap::new(),
                mirror: Frames::default(),
            },
            current: World::lazy(),
            recent: VecDeque::new(),
            frontier: World::lazy(),
            folded: 0,
            sums: Summaries::default(),
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
        (self.keyframes.map.len(), self.keyframes.every)
    }

    /// How many events this timeline has folded (seeks and prefetching).
    #[must_use]
    pub fn folded(&self) -> u64 {
        self.folded
    }

    /// Where keyframes are built to: the last position prefetching (or a
    /// restore) reached.
    #[must_use]
    pub fn built(&self) -> u64 {
        let last = self.keyframes.map.keys().next_back().copied().unwrap_or(0);
        last.max(self.frontier.position)
    }

    /// Takes worlds computed before (a cache's, in increasing positions) as
    /// keyframes; the last one is where prefetching carries on from.
    pub fn restore(&mut self, worlds: Vec<World>) {
        let Some(last) = worlds.last().cloned() else { return };
        for w in worlds {
            let w = Arc::new(w);
            self.keyframes.mirror.keep(&w);
            self.keyframes.map.insert(w.position, w);
        }
        while self.keyframes.map.len() > self.keyframes.max {
            self.keyframes.every *= 2;
            let every = self.keyframes.every;
            let keep = last.position;
            self.keyframes.map.retain(|k, _| k % every == 0 || *k == keep);
            self.keyframes.mirror.retain(every, Some(keep));
        }
        self.sums.merge(self.keyframes.every);
        if last.position > self.frontier.position {
            self.frontier = last;
        }
    }

    /// The keyframes past `position`, then the world prefetching reached
    /// when it lies beyond them, in increasing positions (what a cache
    /// stores).
    pub fn worlds_after(&self, position: u64) -> impl Iterator<Item = &World> {
        let kf = self.keyframes.map.range(position + 1..).map(|(_, w)| &**w);
        let top = self.keyframes.map.keys().next_back().copied().unwrap_or(0).max(position);
        kf.chain((self.frontier.position > top).then_some(&self.frontier))
    }

    /// Makes `world` (typically `Chronicle::head_world`) the current one, so
    /// the first seek to its position (and steps forward from it) fold
    /// nothing; earlier positions still come from keyframes.
    pub fn seed(&mut self, world: World) {
        self.current = world;
    }

    /// The position a seek to `position` would fold from (so callers can
    /// fold long distances in steps and show progress).
    #[must_use]
    pub fn start_for(&self, position: u64) -> u64 {
        match self.base(position) {
            Base::Current => self.current.position,
            Base::Recent(_) => position,
            Base::Keyframe(k) => k,
            Base::Empty => 0,
        }
    }

    /// Where a seek to `position` starts: the one decision `seek` and
    /// `start_for` share.
    fn base(&self, position: u64) -> Base {
        if position == self.current.position {
            return Base::Current;
        }
        if let Some(i) = self.recent.iter().position(|w| w.position == position) {
            return Base::Recent(i);
        }
        let from_current = self.current.position < position;
        match self.keyframes.map.range(..=position).next_back().map(|(k, _)| *k) {
            Some(k) if !from_current || k > self.current.position => Base::Keyframe(k),
            None if !from_current => Base::Empty,
            _ => Base::Current,
        }
    }

    /// The world just after the event at `position` (0 = before any event).
    /// Positions beyond the head stop at the head.
    ///
    /// # Errors
    /// Store failures.
    pub fn seek(&mut self, store: &Store, registry: &Registry, position: u64) -> Result<&World, AppError> {
        match self.base(position) {
            Base::Current => {}
            Base::Recent(i) => {
                self.current = self.recent[i].clone();
                return Ok(&self.current);
            }
            Base::Keyframe(k) => {
                if let Some(kf) = self.keyframes.map.get(&k) {
                    self.current = World::clone(kf);
                }
            }
            Base::Empty => self.current = World::lazy(),
        }
        self.advance(store, registry, position)?;
        Ok(&self.current)
    }

    fn advance(&mut self, store: &Store, registry: &Registry, to: u64) -> Result<(), AppError> {
        let Self { keyframes, current, recent, folded, .. } = self;
        let recent_max = usize::try_from(RECENT).unwrap_or(usize::MAX);
        let mut event = Event::default();
        while current.position < to {
            let from = current.position + 1;
            let end = to.min(from + RANGE - 1);
            store.scan_fold(from, end, |e| {
                *folded += 1;
                let near_target = to - e.position < RECENT;
                current.apply_ref(registry, e, keyframes.due(e.position) || near_target, &mut event);
                if near_target && recent.iter().all(|w| w.position != e.position) {
                    if recent.len() >= recent_max {
                        recent.pop_front();
                    }
                    recent.push_back(current.clone());
                }
                keyframes.offer(current);
                Ok::<_, AppError>(())
            })?;
            if current.position < from {
                break; // beyond the head
            }
        }
        Ok(())
    }

    /// Builds keyframes ahead of need: folds at most `budget` more events
    /// from the last keyframe onwards, without moving the current world.
    /// Returns whether it has reached the head.
    ///
    /// # Errors
    /// Store failures.
    pub fn prefetch(&mut self, store: &Store, registry: &Registry, budget: u64) -> Result<bool, AppError> {
        if let Some((k, kf)) = self.keyframes.map.iter().next_back()
            && *k > self.frontier.position
        {
            self.frontier = World::clone(kf);
        }
        let mut left = budget;
        let Self { keyframes, frontier, folded, .. } = self;
        let mut event = Event::default();
        while left > 0 {
            let from = frontier.position + 1;
            let end = from + RANGE.min(left) - 1;
            store.scan_fold(from, end, |e| {
                *folded += 1;
                frontier.apply_ref(registry, e, keyframes.due(e.position), &mut event);
                keyframes.offer(frontier);
                Ok::<_, AppError>(())
            })?;
            let folded = frontier.position + 1 - from;
            if folded == 0 {
                return Ok(true);
            }
            left = left.saturating_sub(folded);
        }
        Ok(false)
    }
}

mod keyframes;
mod summary;
pub use keyframes::Frames;
use keyframes::Keyframes;
pub use summary::{IntervalSums, Summaries};

#[cfg(test)]
mod tests;
