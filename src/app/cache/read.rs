//! Read models at a past position from the keyframe cache, for the CLI's
//! diff, what-if and find: the rows of the nearest cached frame at or
//! before the position, plus a fold of the few events after it (at most a
//! keyframe interval), instead of a fold from position 1.
//!
//! Only a cache file that exists is read (nothing is created): one whose
//! header still matches the log (name, layout, first event and the event at
//! its head, whose hash-chain link in chronicle's own store covers every
//! event before it) and records that every event up to its head folded
//! cleanly. Otherwise, or on any failure (a warning), callers go the cold
//! way, with the same results.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::counts::Counts;
use super::frame::{counts_only, tables_only};
use super::{CacheFile, FORMAT, Header, chosen_path, fingerprint, identity, plain_event};
use crate::app::{Chronicle, World};
use crate::es::store::Summing;
use crate::es::{MemTables, Projection, TimeTravel};

/// A cache file that matches the log: its path, storage and header.
pub(super) type Matching = (PathBuf, Box<dyn CacheFile>, Header);

/// Events by type and by actor.
pub type CountsBetween = (BTreeMap<String, u64>, BTreeMap<String, u64>);

impl Chronicle {
    /// The in-memory read models' rows at the nearest cached frame at or
    /// before `position`, with that frame's position; without a usable
    /// cache (or a frame there), at the store's nearest read-model snapshot
    /// ([`Chronicle::stored_tables`]). `None`: neither.
    #[must_use]
    pub fn cached_tables(&self, position: u64) -> Option<(u64, MemTables)> {
        match self.try_cached_tables(position) {
            Ok(Some(found)) => return Some(found),
            Ok(None) => {}
            Err(e) => tracing::warn!("keyframe cache not used: {e}"),
        }
        self.stored_tables(position)
    }

    /// The world at `position` with its in-memory read models (no stream
    /// states or versions): what [`Chronicle::diff_with_worlds`] and a
    /// what-if's read-model diff take. `None` as [`Chronicle::cached_tables`],
    /// or when an event after the keyframe does not fold (the caller's own
    /// fold from position 1 then says which).
    #[must_use]
    pub fn cached_world(&self, position: u64) -> Option<World> {
        let (at, mut tables) = self.cached_tables(position)?;
        // Only the read models: a stream's bookkeeping per event would cost
        // more than the fold (a keyframe may be an interval behind).
        let folded: Vec<&dyn Projection> = self
            .registry()
            .projections()
            .iter()
            .map(AsRef::as_ref)
            .filter(|p| p.time_travel() == TimeTravel::Fold)
            .collect();
        let done = self.fold_models(&folded, &mut tables, (at, position));
        match done {
            Ok(last) if last == position => Some(World { position, tables, ..World::lazy() }),
            Ok(_) => None,
            Err(e) => {
                tracing::warn!("keyframe not used: {e}");
                None
            }
        }
    }

    /// The events of `(from, to]` counted by type and actor from the
    /// counts the cached frames keep (`super::counts`): the frames nearest
    /// each end plus a read of the events after each frame. `None` (the
    /// caller reads the range) without a usable cache, or when those reads
    /// would be no shorter than the range.
    #[must_use]
    pub fn cached_counts(&self, from: u64, to: u64) -> Option<CountsBetween> {
        match self.try_cached_counts(from, to) {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!("keyframe cache not used: {e}");
                None
            }
        }
    }

    fn try_cached_counts(&self, from: u64, to: u64) -> Result<Option<CountsBetween>, String> {
        if from >= to {
            return Ok(None);
        }
        let Some((path, file, header)) = self.matching_cache()? else { return Ok(None) };
        let io = |e: String| format!("cache {}: {e}", path.display());
        let nearest = |p: u64| -> Result<Option<(u64, Counts)>, String> {
            if p == 0 {
                return Ok(Some((0, Counts::default())));
            }
            // Before the first frame: from position 1.
            let mut found = Some((0, Counts::default()));
            file.frames_back(p.min(header.head), &mut |at, bytes| {
                found = counts_only(bytes)?.map(|c| (at, c));
                Ok(false)
            })
            .map_err(io)?;
            Ok(found)
        };
        let (Some((fa, mut a)), Some((fb, mut b))) = (nearest(from)?, nearest(to)?) else { return Ok(None) };
        if (from - fa) + (to - fb) >= to - from {
            return Ok(None);
        }
        for (at, upto, counts) in [(fa, from, &mut a), (fb, to, &mut b)] {
            let mut sum = Summing::default();
            self.store().sum_range(at, upto, &mut sum).map_err(|e| e.to_string())?;
            counts.add(&sum.finish());
        }
        let between = b.since(&a);
        if between.is_some() {
            tracing::debug!(cache = %path.display(), from, to, "counts from cached keyframes");
        }
        Ok(between)
    }

    /// The cache file, when one exists whose header matches the log.
    pub(super) fn matching_cache(&self) -> Result<Option<Matching>, String> {
        let (log, layout) = identity(self);
        let Some(path) = chosen_path(&log, &layout)? else { return Ok(None) };
        if !path.is_file() {
            return Ok(None);
        }
        let io = |e: String| format!("cache {}: {e}", path.display());
        let file = crate::engines::open_cache(&path).map_err(io)?;
        let Some(header) = file.header().map_err(io)? else { return Ok(None) };
        if !self.matches(&header, &log, &layout)? {
            return Ok(None);
        }
        Ok(Some((path, file, header)))
    }

    fn try_cached_tables(&self, position: u64) -> Result<Option<(u64, MemTables)>, String> {
        if position == 0 {
            return Ok(None);
        }
        let Some((path, file, header)) = self.matching_cache()? else { return Ok(None) };
        let io = |e: String| format!("cache {}: {e}", path.display());
        let mut nearest = None;
        let mut found = None;
        file.frames_back(position.min(header.head), &mut |p, bytes| {
            nearest.get_or_insert(p);
            found = tables_only(self.registry(), bytes)?;
            Ok(found.is_none())
        })
        .map_err(io)?;
        if let Some(at) = nearest.filter(|_| found.is_some()) {
            tracing::debug!(cache = %path.display(), at, position, "read models from a cached keyframe");
        }
        Ok(nearest.zip(found))
    }

    /// Whether `header` is of this log as it is now, with no fold problem.
    fn matches(&self, header: &Header, log: &str, layout: &str) -> Result<bool, String> {
        if header.format != FORMAT || header.log != log || header.layout != layout || header.problems != Some(0) {
            return Ok(false);
        }
        let same = |p: u64, want: &str| -> Result<bool, String> {
            Ok(plain_event(self, p)?.is_some_and(|e| fingerprint(&e) == want))
        };
        Ok(same(1, &header.first)? && same(header.head, &header.last)?)
    }
}
