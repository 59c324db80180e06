//! A foreign log served by position ranges: every read asks the engine
//! ([`RowSource`]) for the rows it needs, never the whole log.
//!
//! The ordering column is the position. Foreign events have no hash: one is
//! computed over the events as read, chained like chronicle's own, so
//! `export` writes a file `import` takes as it is. To chain from the middle
//! of the log, the hash after about every 256th event read is kept
//! ([`Ranged::hash_before`] reads forward from the nearest one). There are
//! no snapshots, checkpoints or read-model tables: those read empty.

use std::cell::{Cell as Flag, RefCell};
use std::collections::BTreeMap;

use super::Mapping;
use super::decode::{RawRow, decode, event_id};
use crate::es::backend::{Finding, Reads};
use crate::es::event::StoredEvent;
use crate::es::hash::{GENESIS, HashInput, link};
use crate::es::store::{StoreError, StreamInfo};

mod reads;

/// A hash is kept after about every this many events read in order.
const EVERY: u64 = 256;

/// Rows a reader hands back: `Ok(false)` stops the read.
pub type Each<'a> = &'a mut dyn FnMut(RawRow) -> Result<bool, StoreError>;

/// One stream as a `GROUP BY` sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamRow {
    /// Stream id.
    pub stream_id: String,
    /// The stream type column's value (or an event type, for a topic class).
    pub kind: String,
    /// Its highest version.
    pub version: i64,
    /// Its first position.
    pub first: i64,
    /// Its last position.
    pub last: i64,
}

/// What an engine reads for a mapping, by SQL.
pub trait RowSource {
    /// The highest position (0: an empty log).
    ///
    /// # Errors
    /// Database failures.
    fn max_position(&self) -> Result<i64, StoreError>;
    /// Rows with `from <= position <= to` in order (only `stream`'s, only
    /// of `event_type`, when given).
    ///
    /// # Errors
    /// Database failures, or `f`'s.
    fn rows(
        &self,
        from: i64,
        to: i64,
        stream: Option<&str>,
        event_type: Option<&str>,
        f: Each<'_>,
    ) -> Result<(), StoreError>;
    /// `stream`'s rows after `after_version` up to `max_position`, by version.
    ///
    /// # Errors
    /// Database failures, or `f`'s.
    fn stream_rows(&self, stream: &str, after_version: i64, max_position: i64, f: Each<'_>) -> Result<(), StoreError>;
    /// Every stream (or only `stream`).
    ///
    /// # Errors
    /// Database failures.
    fn streams(&self, stream: Option<&str>) -> Result<Vec<StreamRow>, StoreError>;
}

/// A foreign log read by ranges through `S`.
#[derive(Debug)]
pub struct Ranged<S> {
    /// The engine's reader.
    pub source: S,
    /// The mapping it reads.
    pub mapping: Mapping,
    /// What the checks on open found.
    pub findings: Vec<Finding>,
    /// Position → the hash after the last event at it.
    hashes: RefCell<BTreeMap<u64, [u8; 32]>>,
    /// Whether events read carry the hash chain computed over the log (off:
    /// [`GENESIS`], and no walk from the first event to chain them).
    chain: Flag<bool>,
}

fn position(p: u64) -> i64 {
    i64::try_from(p).unwrap_or(i64::MAX)
}

impl<S: RowSource> Ranged<S> {
    /// Blocks until the head is past `head` or `timeout` passes, polling the
    /// ordering column every 200 ms (a foreign log sends no notification).
    ///
    /// # Errors
    /// The source's read failures.
    pub fn wait_past(&self, head: u64, timeout: std::time::Duration) -> Result<(), StoreError> {
        const POLL: std::time::Duration = std::time::Duration::from_millis(200);
        let start = std::time::Instant::now();
        loop {
            if self.head()? > head {
                return Ok(());
            }
            let left = timeout.saturating_sub(start.elapsed());
            if left.is_zero() {
                return Ok(());
            }
            std::thread::sleep(left.min(POLL));
        }
    }

    /// A log read through `source`.
    pub fn new(source: S, mapping: Mapping, findings: Vec<Finding>) -> Self {
        Self { source, mapping, findings, hashes: RefCell::new(BTreeMap::new()), chain: Flag::new(true) }
    }

    /// `row` as chronicle's event, chained after `prev` (the hash is
    /// [`GENESIS`] when `prev` is `None`: not computed).
    fn event(&self, row: &RawRow, prev: Option<&[u8; 32]>) -> StoredEvent {
        let d = decode(&self.mapping, row);
        let mut e = StoredEvent {
            position: u64::try_from(row.position).unwrap_or(0),
            event_id: event_id(&self.mapping.format, &row.stream_id, row.version),
            stream_id: row.stream_id.clone(),
            stream_type: d.stream_type,
            version: u64::try_from(row.version).unwrap_or(0),
            event_type: d.event_type,
            schema_version: d.schema_version,
            payload: d.payload,
            metadata: d.metadata,
            recorded_at: d.recorded_at,
            hash: GENESIS,
        };
        if let Some(prev) = prev {
            e.hash = link(prev, HashInput::from(&e));
        }
        e
    }

    /// Events `from..=to` in order, chained, to `f` (`false`: stop).
    fn walk(
        &self,
        from: u64,
        to: u64,
        f: &mut dyn FnMut(StoredEvent) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        let from = from.max(1);
        if from > to {
            return Ok(());
        }
        if !self.chain.get() {
            return self.source.rows(position(from), position(to), None, None, &mut |row| f(self.event(&row, None)));
        }
        let mut prev = self.hash_before(from)?.and_then(|h| <[u8; 32]>::try_from(h).ok()).unwrap_or(GENESIS);
        let mut since = 0u64;
        let mut last: Option<(u64, [u8; 32])> = None;
        self.source.rows(position(from), position(to), None, None, &mut |row| {
            let e = self.event(&row, Some(&prev));
            if let Some((p, h)) = last
                && p < e.position
            {
                since += 1;
                if since >= EVERY {
                    since = 0;
                    self.hashes.borrow_mut().insert(p, h);
                }
            }
            prev = e.hash;
            last = Some((e.position, e.hash));
            f(e)
        })
    }

    /// Events chosen by SQL (a stream's, a type's), each chained by
    /// [`Reads::hash_before`].
    fn chained(&self, rows: &[RawRow]) -> Result<Vec<StoredEvent>, StoreError> {
        if !self.chain.get() {
            return Ok(rows.iter().map(|row| self.event(row, None)).collect());
        }
        rows.iter()
            .map(|row| {
                let e = self.event(row, None);
                let prev = self.hash_before(e.position)?.and_then(|h| <[u8; 32]>::try_from(h).ok()).unwrap_or(GENESIS);
                Ok(self.event(row, Some(&prev)))
            })
            .collect()
    }

    fn info(&self, s: StreamRow) -> StreamInfo {
        let row = RawRow { event_type: s.kind.clone(), stream_type: Some(s.kind), ..RawRow::default() };
        StreamInfo {
            stream_type: decode(&self.mapping, &row).stream_type,
            stream_id: s.stream_id,
            version: u64::try_from(s.version).unwrap_or(0),
            first_position: u64::try_from(s.first).unwrap_or(0),
            last_position: u64::try_from(s.last).unwrap_or(0),
        }
    }
}
