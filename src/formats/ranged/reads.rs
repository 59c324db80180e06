//! [`Reads`] over a foreign log served by position ranges: events, streams
//! and the log filter from the engine's rows; snapshots, checkpoints and
//! read-model tables read empty.

use super::super::decode::event_id;
use super::{EVERY, Ranged, RowSource, position};
use crate::es::backend::Reads;
use crate::es::event::{EventRef, StoredEvent};
use crate::es::hash::{GENESIS, HashInput};
use crate::es::projection::{Cell, Row, TableSpec};
use crate::es::store::{ChainRow, LogFilter, Snapshot, StoreError, StreamInfo};

impl<S: RowSource> Reads for Ranged<S> {
    fn set_chained(&self, on: bool) -> bool {
        self.chain.replace(on)
    }

    fn head(&self) -> Result<u64, StoreError> {
        Ok(u64::try_from(self.source.max_position()?).unwrap_or(0))
    }

    fn scan(
        &self,
        from: u64,
        to: u64,
        f: &mut dyn FnMut(StoredEvent) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.walk(from, to, &mut |e| f(e).map(|()| true))
    }

    fn scan_fold(
        &self,
        from: u64,
        to: u64,
        f: &mut dyn FnMut(EventRef<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.source.rows(position(from.max(1)), position(to), None, None, &mut |row| {
            let e = self.event(&row, None);
            f(e.fold_ref()).map(|()| true)
        })
    }

    fn scan_chain(
        &self,
        from: u64,
        to: u64,
        f: &mut dyn FnMut(ChainRow<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.walk(from, to, &mut |e| f(ChainRow { input: HashInput::from(&e), hash: &e.hash }).map(|()| true))
    }

    fn hash_before(&self, position_: u64) -> Result<Option<Vec<u8>>, StoreError> {
        if position_ <= 1 {
            return Ok(None);
        }
        let start = self.hashes.borrow().range(..position_).next_back().map(|(p, h)| (*p, *h));
        let (mut at, mut prev, mut seen) = start.map_or((0, GENESIS, false), |(p, h)| (p, h, true));
        let mut since = 0u64;
        let mut last: Option<u64> = None;
        self.source.rows(position(at + 1), position(position_ - 1), None, None, &mut |row| {
            let e = self.event(&row, Some(&prev));
            if let Some(p) = last
                && p < e.position
            {
                since += 1;
                if since >= EVERY {
                    since = 0;
                    self.hashes.borrow_mut().insert(p, prev);
                }
            }
            last = Some(e.position);
            at = e.position;
            prev = e.hash;
            seen = true;
            Ok(true)
        })?;
        Ok(seen.then(|| prev.to_vec()))
    }

    fn stream_events(
        &self,
        stream_id: &str,
        after_version: u64,
        max_position: u64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let mut rows = Vec::new();
        self.source.stream_rows(stream_id, position(after_version), position(max_position), &mut |r| {
            rows.push(r);
            Ok(true)
        })?;
        self.chained(&rows)
    }

    fn scan_stream(
        &self,
        stream_id: &str,
        after_version: u64,
        max_position: u64,
        f: &mut dyn FnMut(EventRef<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.source.stream_rows(stream_id, position(after_version), position(max_position), &mut |row| {
            f(self.event(&row, None).fold_ref()).map(|()| true)
        })
    }

    fn stream(&self, stream_id: &str) -> Result<Option<StreamInfo>, StoreError> {
        Ok(self.source.streams(Some(stream_id))?.into_iter().next().map(|s| self.info(s)))
    }

    fn stored_version(&self, stream_id: &str) -> Result<u64, StoreError> {
        Ok(self.stream(stream_id)?.map_or(0, |s| s.version))
    }

    fn streams(&self) -> Result<Vec<StreamInfo>, StoreError> {
        let mut out: Vec<StreamInfo> = self.source.streams(None)?.into_iter().map(|s| self.info(s)).collect();
        out.sort_by(|a, b| a.stream_id.cmp(&b.stream_id));
        Ok(out)
    }

    fn log(&self, filter: &LogFilter, limit: u64) -> Result<Vec<StoredEvent>, StoreError> {
        let (from, to) = (filter.from.unwrap_or(1).max(1), filter.to.unwrap_or(u64::MAX));
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let keep = |e: &StoredEvent| filter.correlation_id.as_ref().is_none_or(|c| *c == e.metadata().correlation_id);
        if limit == 0 {
            return Ok(Vec::new());
        }
        if filter.stream_id.is_none() && filter.event_type.is_none() {
            let mut out = Vec::new();
            self.walk(from, to, &mut |e| {
                if keep(&e) {
                    out.push(e);
                }
                Ok(out.len() < limit)
            })?;
            return Ok(out);
        }
        let mut rows = Vec::new();
        let (stream, event_type) = (filter.stream_id.as_deref(), filter.event_type.as_deref());
        self.source.rows(position(from), position(to), stream, event_type, &mut |row| {
            if keep(&self.event(&row, None)) {
                rows.push(row);
            }
            Ok(rows.len() < limit)
        })?;
        self.chained(&rows)
    }

    fn position_at_time(&self, time: &str) -> Result<u64, StoreError> {
        let mut at = 0;
        self.source.rows(1, i64::MAX, None, None, &mut |row| {
            let e = self.event(&row, None);
            if e.recorded_at.as_str() <= time {
                at = at.max(e.position);
            }
            Ok(true)
        })?;
        Ok(at)
    }

    fn event_position(&self, id: &str) -> Result<Option<u64>, StoreError> {
        let mut found = None;
        self.source.rows(1, i64::MAX, None, None, &mut |row| {
            if event_id(&self.mapping.format, &row.stream_id, row.version) == id {
                found = u64::try_from(row.position).ok();
                return Ok(false);
            }
            Ok(true)
        })?;
        Ok(found)
    }

    fn command_events(&self, first: u64, command_id: &str) -> Result<Vec<StoredEvent>, StoreError> {
        let mut out = Vec::new();
        self.walk(first, u64::MAX, &mut |e| {
            if e.metadata().command_id == command_id {
                out.push(e);
            }
            Ok(true)
        })?;
        Ok(out)
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
