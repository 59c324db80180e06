//! What a browser of the log reads besides the timeline's folds: the log's
//! outline (head, streams, snapshot marks, times sampled across it), ranges
//! of events, a stream's events after a version. Engine neutral: the TUI
//! reads through these, never through the store.

use super::{AppError, Chronicle};
use crate::es::StoredEvent;
use crate::es::store::StreamInfo;

/// The whole log at a glance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outline {
    /// The head when read.
    pub head: u64,
    /// Every stream.
    pub streams: Vec<StreamInfo>,
    /// Positions of snapshots.
    pub snapshots: Vec<u64>,
    /// `(position, recorded_at)` at evenly spaced positions from the first
    /// event to the head (both included).
    pub times: Vec<(u64, String)>,
}

impl Chronicle {
    /// The head position (0 when the log is empty).
    ///
    /// # Errors
    /// Store failures.
    pub fn head(&self) -> Result<u64, AppError> {
        Ok(self.store.head()?)
    }

    /// The log's outline, with the times of about `samples` + 1 events.
    ///
    /// # Errors
    /// Store failures.
    pub fn outline(&self, samples: u64) -> Result<Outline, AppError> {
        self.outline_with(samples, true)
    }

    /// As [`Self::outline`]; without `streams` (left empty) when not
    /// `with_streams` (listing them reads the whole log of a foreign one).
    ///
    /// # Errors
    /// Store failures.
    pub fn outline_with(&self, samples: u64, with_streams: bool) -> Result<Outline, AppError> {
        let store = &self.store;
        let head = store.head()?;
        let mut o = Outline { head, ..Outline::default() };
        if head == 0 {
            return Ok(o);
        }
        if with_streams {
            o.streams = store.streams()?;
        }
        o.snapshots = store.snapshot_positions()?;
        let n = samples.min(head - 1).max(1);
        let mut last = 0;
        for i in 0..=n {
            let p = 1 + i * (head - 1) / n;
            if p == last {
                continue;
            }
            last = p;
            if let Some(e) = store.event(p)? {
                o.times.push((p, e.recorded_at));
            }
        }
        Ok(o)
    }

    /// Events with `from <= position <= to`; callers keep the range bounded.
    ///
    /// # Errors
    /// Store failures.
    pub fn events(&self, from: u64, to: u64) -> Result<Vec<StoredEvent>, AppError> {
        Ok(self.store.read_range(from, to)?)
    }

    /// Events of `stream_id` after `after_version`, in version order.
    ///
    /// # Errors
    /// Store failures.
    pub fn stream_events_after(&self, stream_id: &str, after_version: u64) -> Result<Vec<StoredEvent>, AppError> {
        Ok(self.store.stream_events(stream_id, after_version, u64::MAX >> 1)?)
    }

    /// Blocks until the head may have moved past `head`, or `timeout`
    /// passes (a follower's wait; it may wake early).
    ///
    /// # Errors
    /// Store failures.
    pub fn wait_for_append(&self, head: u64, timeout: std::time::Duration) -> Result<(), AppError> {
        Ok(self.store.wait_for_append(head, timeout)?)
    }

    /// Sets the store's page cache for this handle (a hint: interactive and
    /// scanning readers want a small one).
    ///
    /// # Errors
    /// Store failures.
    pub fn set_cache_kib(&self, kib: u32) -> Result<(), AppError> {
        Ok(self.store.set_cache_kib(kib)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Mode;
    use crate::app::demo::DemoOptions;

    #[test]
    fn the_outline_samples_times_from_the_first_event_to_the_head() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("o.db");
        let mut c = Chronicle::open(&db, Mode::Write, crate::domain::Registry::builtin()).unwrap();
        assert_eq!(c.outline(10).unwrap(), Outline::default());
        c.demo(DemoOptions { events: 200, ..DemoOptions::default() }, &mut |_, _| {}).unwrap();
        let head = c.head().unwrap();
        let o = c.outline(10).unwrap();
        assert_eq!(o.head, head);
        assert_eq!(o.times.first().map(|t| t.0), Some(1));
        assert_eq!(o.times.last().map(|t| t.0), Some(head));
        assert_eq!(o.times.len(), 11);
        assert_eq!(o.times[0].1, c.events(1, 1).unwrap()[0].recorded_at);
        assert!(!o.streams.is_empty());
    }
}
