//! A foreign log held in memory as chronicle's events, serving every read.
//!
//! Rows arrive in the order of the mapping's ordering column. Each keeps
//! that column as its position (a tie, or one that is not a positive
//! integer, takes the next position, with a finding). Foreign events have
//! no hash: one is computed over the events as read, chained like
//! chronicle's own, so `export` writes a file `import` takes as it is.
//! There are no snapshots, checkpoints or read-model tables: those read empty.

use rustc_hash::FxHashMap as HashMap;

use super::Mapping;
use super::decode::{RawRow, decode, event_id};
use crate::es::backend::{Finding, FindingKind, Reads};
use crate::es::event::{EventRef, StoredEvent};
use crate::es::hash::{GENESIS, HashInput, link};
use crate::es::projection::{Cell, Row, TableSpec};
use crate::es::store::{ChainRow, LogFilter, Snapshot, StoreError, StreamInfo};

/// Findings kept per kind beyond the first (the count is always kept).
const MAX_FINDINGS: usize = 20;

/// A foreign log as chronicle's events.
#[derive(Debug, Clone)]
pub struct Log {
    events: Vec<StoredEvent>,
    /// Per stream: indexes into `events`, in position order.
    streams: HashMap<String, Vec<usize>>,
    findings: Vec<Finding>,
    /// Findings per kind: how many in all.
    counts: HashMap<u8, u64>,
    /// The last ordering value read (rows after it are new).
    pub last_key: i64,
}

impl Default for Log {
    fn default() -> Self {
        Self {
            events: Vec::new(),
            streams: HashMap::default(),
            findings: Vec::new(),
            counts: HashMap::default(),
            last_key: i64::MIN,
        }
    }
}

impl Log {
    /// Appends rows read after [`Log::last_key`], in order.
    pub fn extend(&mut self, m: &Mapping, rows: impl IntoIterator<Item = RawRow>) {
        for row in rows {
            self.push(m, &row);
        }
    }

    fn push(&mut self, m: &Mapping, row: &RawRow) {
        let head = self.head_position();
        let position = u64::try_from(row.position).ok().filter(|&p| p > head).unwrap_or(head + 1);
        if !self.events.is_empty() && row.position <= self.last_key {
            let what = if row.position == self.last_key {
                format!("the ordering column `{}` repeats the value {}", m.position, row.position)
            } else {
                format!("the ordering column `{}` goes back from {} to {}", m.position, self.last_key, row.position)
            };
            self.find(position, FindingKind::Position, what);
        } else if row.position <= 0 {
            let what = format!("the ordering column `{}` holds {}, not a positive integer", m.position, row.position);
            self.find(position, FindingKind::Position, what);
        }
        self.last_key = self.last_key.max(row.position);
        let d = decode(m, row);
        if d.opaque {
            let what = format!(
                "the payload of {}@{} is not JSON (compressed or encrypted?): shown opaque",
                row.stream_id, row.version
            );
            self.find(position, FindingKind::Payload, what);
        }
        let previous = self.streams.get(&row.stream_id).and_then(|v| v.last()).map(|&i| self.events[i].version);
        let expected = previous.map_or(1, |v| v + 1);
        let version = u64::try_from(row.version).unwrap_or(0);
        if version != expected {
            let what =
                format!("stream {} goes from version {} to {}", row.stream_id, previous.unwrap_or(0), row.version);
            self.find(position, FindingKind::Version, what);
        }
        let prev_hash = self.events.last().map_or(GENESIS, |e| e.hash);
        let mut e = StoredEvent {
            position,
            event_id: event_id(&m.format, &row.stream_id, row.version),
            stream_id: row.stream_id.clone(),
            stream_type: d.stream_type,
            version,
            event_type: d.event_type,
            schema_version: d.schema_version,
            payload: d.payload,
            metadata: d.metadata,
            recorded_at: d.recorded_at,
            hash: GENESIS,
        };
        e.hash = link(&prev_hash, HashInput::from(&e));
        self.streams.entry(e.stream_id.clone()).or_default().push(self.events.len());
        self.events.push(e);
    }

    fn find(&mut self, position: u64, kind: FindingKind, what: String) {
        let n = self.counts.entry(kind as u8).or_default();
        *n += 1;
        if *n <= MAX_FINDINGS as u64 {
            self.findings.push(Finding { position, kind, what });
        }
    }

    /// What reading found wrong, earliest first.
    #[must_use]
    pub fn findings(&self) -> Vec<Finding> {
        let mut out = self.findings.clone();
        out.sort_by_key(|f| f.position);
        out
    }

    /// One line per kind of finding: the first position and how many.
    #[must_use]
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        for kind in [FindingKind::Position, FindingKind::Version, FindingKind::Payload] {
            let n = self.counts.get(&(kind as u8)).copied().unwrap_or(0);
            if let Some(first) = self.findings.iter().filter(|f| f.kind == kind).min_by_key(|f| f.position) {
                let more = if n > 1 { format!(" ({} more like it)", n - 1) } else { String::new() };
                out.push((first.position, format!("position {}: {}{more}", first.position, first.what)));
            }
        }
        out.sort();
        out.into_iter().map(|(_, w)| w).collect()
    }

    fn head_position(&self) -> u64 {
        self.events.last().map_or(0, |e| e.position)
    }

    /// Index of the first event with position >= `from`.
    fn index_from(&self, from: u64) -> usize {
        self.events.partition_point(|e| e.position < from)
    }

    fn range(&self, from: u64, to: u64) -> &[StoredEvent] {
        let start = self.index_from(from);
        let end = self.events.partition_point(|e| e.position <= to).max(start);
        &self.events[start..end]
    }

    fn stream_iter<'a>(
        &'a self,
        stream_id: &str,
        after_version: u64,
        max_position: u64,
    ) -> impl Iterator<Item = &'a StoredEvent> + 'a {
        let idx = self.streams.get(stream_id).map_or(&[][..], Vec::as_slice);
        idx.iter().map(|&i| &self.events[i]).filter(move |e| e.version > after_version && e.position <= max_position)
    }

    fn info(&self, stream_id: &str, idx: &[usize]) -> Option<StreamInfo> {
        let (first, last) = (&self.events[*idx.first()?], &self.events[*idx.last()?]);
        Some(StreamInfo {
            stream_id: stream_id.to_owned(),
            stream_type: last.stream_type.clone(),
            version: last.version,
            first_position: first.position,
            last_position: last.position,
        })
    }
}

impl Reads for Log {
    fn head(&self) -> Result<u64, StoreError> {
        Ok(self.head_position())
    }

    fn scan(
        &self,
        from: u64,
        to: u64,
        f: &mut dyn FnMut(StoredEvent) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.range(from, to).iter().try_for_each(|e| f(e.clone()))
    }

    fn scan_fold(
        &self,
        from: u64,
        to: u64,
        f: &mut dyn FnMut(EventRef<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.range(from, to).iter().try_for_each(|e| f(e.fold_ref()))
    }

    fn scan_chain(
        &self,
        from: u64,
        to: u64,
        f: &mut dyn FnMut(ChainRow<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.range(from, to).iter().try_for_each(|e| f(ChainRow { input: HashInput::from(e), hash: &e.hash }))
    }

    fn hash_before(&self, position: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let i = self.index_from(position);
        Ok(i.checked_sub(1).map(|i| self.events[i].hash.to_vec()))
    }

    fn stream_events(
        &self,
        stream_id: &str,
        after_version: u64,
        max_position: u64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        Ok(self.stream_iter(stream_id, after_version, max_position).cloned().collect())
    }

    fn scan_stream(
        &self,
        stream_id: &str,
        after_version: u64,
        max_position: u64,
        f: &mut dyn FnMut(EventRef<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.stream_iter(stream_id, after_version, max_position).try_for_each(|e| f(e.fold_ref()))
    }

    fn stream(&self, stream_id: &str) -> Result<Option<StreamInfo>, StoreError> {
        Ok(self.streams.get(stream_id).and_then(|idx| self.info(stream_id, idx)))
    }

    fn stored_version(&self, stream_id: &str) -> Result<u64, StoreError> {
        Ok(self.stream_iter(stream_id, 0, u64::MAX).map(|e| e.version).max().unwrap_or(0))
    }

    fn streams(&self) -> Result<Vec<StreamInfo>, StoreError> {
        let mut out: Vec<StreamInfo> = self.streams.iter().filter_map(|(id, idx)| self.info(id, idx)).collect();
        out.sort_by(|a, b| a.stream_id.cmp(&b.stream_id));
        Ok(out)
    }

    fn log(&self, filter: &LogFilter, limit: u64) -> Result<Vec<StoredEvent>, StoreError> {
        let (from, to) = (filter.from.unwrap_or(0), filter.to.unwrap_or(u64::MAX));
        let keep = |e: &&StoredEvent| {
            filter.stream_id.as_ref().is_none_or(|s| *s == e.stream_id)
                && filter.event_type.as_ref().is_none_or(|t| *t == e.event_type)
                && filter.correlation_id.as_ref().is_none_or(|c| *c == e.metadata().correlation_id)
        };
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        Ok(self.range(from, to).iter().filter(keep).take(limit).cloned().collect())
    }

    fn position_at_time(&self, time: &str) -> Result<u64, StoreError> {
        Ok(self.events.iter().filter(|e| e.recorded_at.as_str() <= time).map(|e| e.position).max().unwrap_or(0))
    }

    fn event_position(&self, event_id: &str) -> Result<Option<u64>, StoreError> {
        Ok(self.events.iter().find(|e| e.event_id == event_id).map(|e| e.position))
    }

    fn command_events(&self, first: u64, command_id: &str) -> Result<Vec<StoredEvent>, StoreError> {
        let of_command = |e: &&StoredEvent| e.metadata().command_id == command_id;
        Ok(self.range(first, u64::MAX).iter().filter(of_command).cloned().collect())
    }

    fn snapshot(&self, _: &str, _: u64, _: u32) -> Result<Option<Snapshot>, StoreError> {
        Ok(None)
    }

    fn snapshots(&self) -> Result<Vec<Snapshot>, StoreError> {
        Ok(Vec::new())
    }

    fn snapshot_positions(&self) -> Result<Vec<u64>, StoreError> {
        Ok(Vec::new())
    }

    fn checkpoint(&self, _: &str) -> Result<u64, StoreError> {
        Ok(0)
    }

    fn table_rows(&self, _: &'static TableSpec, _: u64, _: u64) -> Result<Vec<Row>, StoreError> {
        Ok(Vec::new())
    }

    fn table_rows_upto(&self, _: &'static TableSpec, _: &str, _: u64, _: u64, _: u64) -> Result<Vec<Row>, StoreError> {
        Ok(Vec::new())
    }

    fn scan_table(
        &self,
        _: &'static TableSpec,
        _: Option<(&str, u64)>,
        _: &mut dyn FnMut(Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        Ok(())
    }

    fn read_model_problem(&self, _: &TableSpec, _: u64) -> Result<Option<String>, StoreError> {
        Ok(None)
    }

    fn table_row(&self, _: &'static TableSpec, _: &[Cell]) -> Result<Option<Row>, StoreError> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::TableColumns;
    use crate::formats::presets::eventsourcing;

    fn row(position: i64, stream: &str, version: i64, payload: &[u8]) -> RawRow {
        RawRow {
            position,
            stream_id: stream.to_owned(),
            version,
            event_type: "m:Dog.Barked".to_owned(),
            payload: payload.to_vec(),
            ..RawRow::default()
        }
    }

    #[test]
    fn ties_take_the_next_position_and_every_finding_names_where() {
        let cols = ["originator_id", "originator_version", "topic", "state"].map(String::from).to_vec();
        let m = eventsourcing(&[TableColumns { table: "stored_events".to_owned(), columns: cols }]).expect("preset");
        let mut log = Log::default();
        log.extend(
            &m,
            [row(1, "a", 1, b"{}"), row(1, "a", 2, b"{}"), row(2, "b", 1, b"{}"), row(4, "a", 2, b"\x00zz")],
        );
        assert_eq!(log.head().expect("head"), 4);
        assert_eq!(log.events.iter().map(|e| e.position).collect::<Vec<_>>(), [1, 2, 3, 4]);
        let w = log.warnings();
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(w[0].starts_with("position 2: the ordering column `rowid` repeats the value 1"), "{w:?}");
        assert!(w[1].starts_with("position 4: stream a goes from version 2 to 2"), "{w:?}");
        assert!(w[2].contains("is not JSON"), "{w:?}");
        assert_eq!(log.stream("a").expect("read").map(|s| s.version), Some(2));
        assert_eq!(log.hash_before(4).expect("read"), Some(log.events[2].hash.to_vec()));
    }
}
