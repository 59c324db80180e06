//! The timeline's keyframes, under a budget, and a copy of them shared with
//! other threads ([`Frames`]): a front end whose timeline folds on a thread
//! of its own can still have the world at a second position (a keyframe
//! plus a few events) for a diff, without waiting for that thread.
//! Keyframes are structural-sharing copies, so the copy costs pointers.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::World;
use crate::app::{AppError, Config};
use crate::domain::Registry;
use crate::es::{Event, Store};

/// Folded worlds at regular positions, under a budget.
#[derive(Debug)]
pub(super) struct Keyframes {
    /// The interval between keyframes (K).
    pub(super) every: u64,
    /// How many are kept at most.
    pub(super) max: usize,
    /// The keyframes, by position.
    pub(super) map: BTreeMap<u64, Arc<World>>,
    /// The same keyframes, for other threads.
    pub(super) mirror: Frames,
}

impl Keyframes {
    /// Whether `position` is a keyframe position.
    pub(super) fn due(&self, position: u64) -> bool {
        position.is_multiple_of(self.every)
    }

    /// Keeps `w` if it falls on a keyframe position not held yet. Past the
    /// budget, the interval doubles and every other keyframe is dropped.
    pub(super) fn offer(&mut self, w: &World) {
        if !self.due(w.position) || self.map.contains_key(&w.position) {
            return;
        }
        let w = Arc::new(w.clone());
        self.mirror.keep(&w);
        self.map.insert(w.position, w);
        if self.map.len() > self.max {
            self.every *= 2;
            let every = self.every;
            self.map.retain(|k, _| k % every == 0);
            self.mirror.retain(every, None);
        }
    }
}

/// A handle on the timeline's keyframes (clones share them).
#[derive(Debug, Clone, Default)]
pub struct Frames {
    map: Arc<Mutex<BTreeMap<u64, Arc<World>>>>,
}

impl Frames {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<u64, Arc<World>>> {
        // A panic elsewhere leaves whole worlds: still right.
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Keeps keyframe `w` (shared with the timeline's map).
    pub(super) fn keep(&self, w: &Arc<World>) {
        self.lock().insert(w.position, Arc::clone(w));
    }

    /// Drops the keyframes the timeline dropped (off multiples of `every`,
    /// but `also`).
    pub(super) fn retain(&self, every: u64, also: Option<u64>) {
        self.lock().retain(|k, _| k % every == 0 || Some(*k) == also);
    }

    /// Drops them all.
    pub(super) fn clear(&self) {
        self.lock().clear();
    }

    /// The world at `position`: the keyframe at or before it plus the
    /// events up to it, or `None` when that would fold more than `limit`
    /// events (keyframes not built that far yet).
    ///
    /// # Errors
    /// Store failures.
    pub fn world_at(
        &self,
        store: &Store,
        registry: &Registry,
        position: u64,
        limit: u64,
    ) -> Result<Option<World>, AppError> {
        let base = self.lock().range(..=position).next_back().map(|(_, w)| Arc::clone(w));
        let mut world = base.map_or_else(World::lazy, |w| World::clone(&w));
        if position - world.position > limit {
            return Ok(None);
        }
        let mut event = Event::default();
        if world.position < position {
            store.scan_fold(world.position + 1, position, |e| {
                let last = e.position == position;
                world.apply_ref(registry, e, last, &mut event);
                Ok::<_, AppError>(())
            })?;
        }
        Ok((world.position == position).then_some(world))
    }
}

impl super::Timeline {
    /// Its keyframes, for another thread (a handle that follows later folds).
    #[must_use]
    pub fn frames(&self) -> Frames {
        self.keyframes.mirror.clone()
    }

    /// Back to an empty timeline, keeping the handles given out
    /// ([`Self::summaries`]: still right; [`Self::frames`]: emptied).
    pub fn reset(&mut self, config: Config) {
        let (sums, frames) = (self.sums.clone(), self.frames());
        frames.clear();
        *self = Self { sums, ..Self::new(config) };
        self.keyframes.mirror = frames;
    }
}
