//! Reads of a range of positions for a diff: an append-only table's rows
//! written in `(after, upto]`, and the events of a range summed up (counts
//! by type and by actor, and the streams touched) without reading their
//! payloads.

use std::borrow::Cow;
use std::collections::BTreeMap;

use rustc_hash::FxHashMap as HashMap;
use serde::Deserialize;

use super::{Store, StoreError};
use crate::es::projection::{Row, TableSpec};

/// The fields of a stored event that a summary of a range reads, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventHead<'a> {
    /// Stream id.
    pub stream_id: &'a str,
    /// Stream type.
    pub stream_type: &'a str,
    /// Event type.
    pub event_type: &'a str,
    /// Metadata JSON text.
    pub metadata: &'a str,
}

/// The events of a range summed up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RangeSummary {
    /// Events by type.
    pub by_type: BTreeMap<String, u64>,
    /// Events by actor (`metadata.actor`, as [`crate::es::StoredEvent::metadata`] reads it).
    pub by_actor: BTreeMap<String, u64>,
    /// Streams touched, with their type (of their first event in the range).
    pub streams: BTreeMap<String, String>,
}

/// `metadata.actor` as [`crate::es::StoredEvent::metadata`] reads it (the
/// same fields, so the same texts are refused: then the actor is empty),
/// without allocating for a plain string.
#[must_use]
pub fn actor_of(metadata: &str) -> Cow<'_, str> {
    #[derive(Deserialize)]
    #[allow(dead_code)] // read only to refuse what `Metadata` refuses
    struct Fields<'a> {
        #[serde(default, borrow)]
        correlation_id: Cow<'a, str>,
        #[serde(default, borrow)]
        causation_id: Cow<'a, str>,
        #[serde(default, borrow)]
        actor: Cow<'a, str>,
        #[serde(default, borrow)]
        source: Cow<'a, str>,
        #[serde(default, borrow)]
        command_id: Cow<'a, str>,
    }
    serde_json::from_str::<Fields<'_>>(metadata).map_or(Cow::Borrowed(""), |f| f.actor)
}

/// Counts events into a [`RangeSummary`], keyed by borrowed text while it
/// runs (no allocation per event).
#[derive(Debug, Default)]
pub struct Summing {
    by_type: HashMap<Box<str>, u64>,
    by_actor: HashMap<Box<str>, u64>,
    streams: HashMap<Box<str>, Box<str>>,
}

impl Summing {
    /// Counts one event.
    pub fn add(&mut self, e: EventHead<'_>) {
        fn bump(map: &mut HashMap<Box<str>, u64>, key: &str) {
            match map.get_mut(key) {
                Some(n) => *n += 1,
                None => {
                    map.insert(key.into(), 1);
                }
            }
        }
        bump(&mut self.by_type, e.event_type);
        bump(&mut self.by_actor, &actor_of(e.metadata));
        if !self.streams.contains_key(e.stream_id) {
            self.streams.insert(e.stream_id.into(), e.stream_type.into());
        }
    }

    /// The summary.
    #[must_use]
    pub fn finish(self) -> RangeSummary {
        let text = |(k, v): (Box<str>, u64)| (String::from(k), v);
        RangeSummary {
            by_type: self.by_type.into_iter().map(text).collect(),
            by_actor: self.by_actor.into_iter().map(text).collect(),
            streams: self.streams.into_iter().map(|(k, v)| (String::from(k), String::from(v))).collect(),
        }
    }
}

impl Store {
    /// Calls `f` for each row of an append-only read-model table whose
    /// `position_column` is in `(after, upto]`, in key order.
    ///
    /// # Errors
    /// Database failures, or `f`'s.
    pub fn scan_table_between(
        &self,
        spec: &'static TableSpec,
        position_column: &str,
        (after, upto): (u64, u64),
        f: &mut dyn FnMut(Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.reads().scan_table_between(spec, position_column, (after, upto), f)
    }

    /// How many rows of an append-only read-model table have their
    /// `position_column` in `(after, upto]`.
    ///
    /// # Errors
    /// Database failures.
    pub fn count_table_between(
        &self,
        spec: &'static TableSpec,
        position_column: &str,
        between: (u64, u64),
    ) -> Result<u64, StoreError> {
        self.reads().count_table_between(spec, position_column, between)
    }

    /// Counts the events with `after < position <= upto` into `sum`.
    ///
    /// # Errors
    /// Database failures.
    pub fn sum_range(&self, after: u64, upto: u64, sum: &mut Summing) -> Result<(), StoreError> {
        if after >= upto {
            return Ok(());
        }
        self.reads().scan_heads(after, upto, &mut |e| {
            sum.add(e);
            Ok(())
        })
    }
}

impl super::WriteTx<'_> {
    /// As [`Store::sum_range`], through this transaction (its own appends
    /// included).
    ///
    /// # Errors
    /// Database failures.
    pub fn sum_range(&self, after: u64, upto: u64, sum: &mut Summing) -> Result<(), StoreError> {
        if after >= upto {
            return Ok(());
        }
        self.reads().scan_heads(after, upto, &mut |e| {
            sum.add(e);
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::actor_of;
    use crate::es::event::Metadata;

    #[test]
    fn the_actor_is_read_as_metadata_reads_it_whatever_the_text() {
        let texts = [
            r#"{"actor":"ada","source":"cli"}"#,
            r#"{"actor":"a\"d\u00e9"}"#,
            r#"{"correlation_id":7,"actor":"ada"}"#,
            r#"{"actor":null}"#,
            r#"{"actor":"ada","actor":"bob"}"#,
            r#"{"other":[1,{"actor":"x"}],"actor":"ada"}"#,
            r#"["c","d","ada"]"#,
            "{}",
            "not json",
            "",
            r#"{"actor":"ada"} trailing"#,
        ];
        for t in texts {
            let want = serde_json::from_str::<Metadata>(t).unwrap_or_default().actor;
            assert_eq!(actor_of(t), want, "{t}");
        }
    }
}
