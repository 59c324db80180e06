//! A foreign tool's own snapshots (Python `eventsourcing`'s
//! `<name>_snapshots`), read where the mapping names the table: how many
//! there are, and one stream's latest at or below a version. They are the
//! tool's aggregate states, not a fold of the payloads, so chronicle shows
//! them as stored and never folds from them (see
//! [`crate::es::backend::ForeignSnapshot`]).

use super::ranged::{Ranged, RowSource};
use crate::es::backend::ForeignSnapshot;
use crate::es::store::StoreError;

/// One snapshot row as an engine reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawSnapshot {
    /// The stream (originator id, as text).
    pub stream_id: String,
    /// The version it holds the state of.
    pub version: i64,
    /// The snapshot's topic.
    pub topic: String,
    /// The state bytes as stored.
    pub state: Vec<u8>,
}

/// What an engine reads from a snapshots table named `table`.
pub trait SnapshotSource {
    /// How many rows the table holds.
    ///
    /// # Errors
    /// Database failures.
    fn snapshot_count(&self, table: &str) -> Result<u64, StoreError>;
    /// `stream`'s row with the highest version at or below `max_version`.
    ///
    /// # Errors
    /// Database failures.
    fn snapshot_row(&self, table: &str, stream: &str, max_version: i64) -> Result<Option<RawSnapshot>, StoreError>;
}

impl<S: RowSource + SnapshotSource> Ranged<S> {
    /// The snapshots table and how many it holds (`None`: the mapping names none).
    ///
    /// # Errors
    /// Database failures.
    pub fn snapshot_table(&self) -> Result<Option<(String, u64)>, StoreError> {
        let Some(table) = &self.mapping.snapshots else { return Ok(None) };
        Ok(Some((table.clone(), self.source.snapshot_count(table)?)))
    }

    /// `stream`'s latest snapshot at or below `max_version`, its state as
    /// JSON text (or opaque).
    ///
    /// # Errors
    /// Database failures.
    pub fn snapshot_at(&self, stream: &str, max_version: u64) -> Result<Option<ForeignSnapshot>, StoreError> {
        let Some(table) = &self.mapping.snapshots else { return Ok(None) };
        let max = i64::try_from(max_version).unwrap_or(i64::MAX);
        Ok(self.source.snapshot_row(table, stream, max)?.map(decode))
    }
}

fn decode(r: RawSnapshot) -> ForeignSnapshot {
    let json = std::str::from_utf8(&r.state)
        .ok()
        .filter(|t| serde_json::from_str::<serde::de::IgnoredAny>(t).is_ok())
        .map(str::to_owned);
    let opaque = json.is_none();
    let state = json.unwrap_or_else(|| serde_json::json!({ "opaque_hex": hex::encode(&r.state) }).to_string());
    ForeignSnapshot {
        stream_id: r.stream_id,
        version: u64::try_from(r.version).unwrap_or(0),
        kind: r.topic,
        state,
        opaque,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_that_is_not_json_is_shown_opaque() {
        let raw = RawSnapshot { stream_id: "s".into(), version: 3, topic: "t".into(), state: b"{\"a\":1}".to_vec() };
        let s = decode(raw.clone());
        assert_eq!((s.state.as_str(), s.opaque, s.version), ("{\"a\":1}", false, 3));
        let s = decode(RawSnapshot { state: vec![0x78, 0x9c, 0x01], ..raw });
        assert_eq!((s.state.as_str(), s.opaque), ("{\"opaque_hex\":\"789c01\"}", true));
    }
}
