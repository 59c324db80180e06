//! What the UI holds of the store, read by the runtime so a frame does no
//! SQL: the events around the cursor, facts about the whole log, read
//! models, filter matches, a correlation's events.

use serde_json::Value;

use crate::es::store::StreamInfo;
use crate::es::{Row, StoredEvent, TableSpec};

/// One event of the window, with its JSON view (payload upcast, stored payload).
#[derive(Debug, Clone)]
pub struct EventRow {
    /// As stored.
    pub stored: StoredEvent,
    /// `Chronicle::event_json` of it.
    pub json: Value,
}

/// The events around one position.
#[derive(Debug, Clone, Default)]
pub struct Window {
    /// The position the window was read around.
    pub center: u64,
    /// Events in position order.
    pub events: Vec<EventRow>,
}

impl Window {
    /// The event at `position`, if held.
    #[must_use]
    pub fn get(&self, position: u64) -> Option<&EventRow> {
        let first = self.events.first()?.stored.position;
        let i = usize::try_from(position.checked_sub(first)?).ok()?;
        self.events.get(i).filter(|e| e.stored.position == position)
    }

    /// Whether `position` is held with at least `margin` events of context on
    /// each side (or the log ends there).
    #[must_use]
    pub fn covers(&self, position: u64, margin: u64, head: u64) -> bool {
        let (Some(a), Some(b)) = (self.events.first(), self.events.last()) else { return false };
        let (a, b) = (a.stored.position, b.stored.position);
        let lo_ok = a <= 1 || position >= a + margin;
        let hi_ok = b >= head || position + margin <= b;
        position >= a && position <= b && lo_ok && hi_ok
    }
}

/// Facts about the whole log, refreshed when the head changes.
#[derive(Debug, Clone, Default)]
pub struct Overview {
    /// The head when read.
    pub head: u64,
    /// Every stream.
    pub streams: Vec<StreamInfo>,
    /// `(position, recorded_at as µs since the epoch)` sampled across the log.
    pub samples: Vec<(u64, i64)>,
    /// Time of the first event (RFC 3339).
    pub first_time: String,
    /// Time of the last event (RFC 3339).
    pub last_time: String,
    /// Positions of snapshots.
    pub snapshots: Vec<u64>,
}

/// One read model the UI can show.
#[derive(Debug, Clone, Copy)]
pub struct Model {
    /// The projection's name.
    pub name: &'static str,
    /// Its main table (the one `chronicle state --projection` prints).
    pub table: &'static TableSpec,
    /// Answered by a store query at each position (a ledger), not held in
    /// the folded world.
    pub queried: bool,
}

/// One page of a queried read model's rows.
#[derive(Debug, Clone)]
pub struct Page {
    /// The read model.
    pub name: &'static str,
    /// The position the rows reflect.
    pub position: u64,
    /// Rows skipped before these.
    pub offset: usize,
    /// The rows, in key order.
    pub rows: Vec<Row>,
    /// Whether rows follow these.
    pub more: bool,
}

/// Events matching the filter around the cursor, searched in the whole log.
#[derive(Debug, Clone, Default)]
pub struct Matches {
    /// The filter they match.
    pub filter: String,
    /// The positions searched, `lo..=hi` (every match in it is held).
    pub lo: u64,
    /// See `lo`.
    pub hi: u64,
    /// The matches, in position order.
    pub events: Vec<StoredEvent>,
}

impl Matches {
    /// Whether these answer `filter` around `cursor` with `half` matches (or
    /// the log's end) on each side.
    #[must_use]
    pub fn serve(&self, filter: &str, cursor: u64, half: usize, head: u64) -> bool {
        if self.filter != filter || cursor < self.lo || cursor > self.hi {
            return false;
        }
        let before = self.events.partition_point(|e| e.position < cursor);
        let after = self.events.len() - before;
        (before >= half || self.lo <= 1) && (after >= half || self.hi >= head)
    }
}

/// The events sharing one correlation id.
#[derive(Debug, Clone)]
pub struct Correlation {
    /// The correlation id.
    pub id: String,
    /// Its events (bounded).
    pub events: Vec<StoredEvent>,
}
