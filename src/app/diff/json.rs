//! A diff written as JSON straight from its fields (`serde_json::to_writer`),
//! the same text as [`Diff::to_json`] without building a copy of every row
//! as a JSON value first: a whole-store diff of random positions at 1M has
//! some 300k lines.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, SerializeStruct, Serializer};

use super::{Change, Diff, ProjectionDiff, StreamDiff};

impl Serialize for Change {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("Change", 3)?;
        m.serialize_field("path", &self.path)?;
        m.serialize_field("before", &self.before)?;
        m.serialize_field("after", &self.after)?;
        m.end()
    }
}

impl Serialize for StreamDiff {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("StreamDiff", 4)?;
        m.serialize_field("stream_id", &self.stream_id)?;
        m.serialize_field("stream_type", &self.stream_type)?;
        m.serialize_field("created", &self.created)?;
        m.serialize_field("changes", &self.changes)?;
        m.end()
    }
}

/// The `changed` rows as `{"key","before","after"}` objects.
struct Changed<'a>(&'a [(serde_json::Value, serde_json::Value, serde_json::Value)]);

impl Serialize for Changed<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for (key, before, after) in self.0 {
            seq.serialize_element(&Change3 { key, before, after })?;
        }
        seq.end()
    }
}

struct Change3<'a> {
    key: &'a serde_json::Value,
    before: &'a serde_json::Value,
    after: &'a serde_json::Value,
}

impl Serialize for Change3<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("Changed", 3)?;
        m.serialize_field("key", self.key)?;
        m.serialize_field("before", self.before)?;
        m.serialize_field("after", self.after)?;
        m.end()
    }
}

impl Serialize for ProjectionDiff {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("ProjectionDiff", 3)?;
        m.serialize_field("added", &self.added)?;
        m.serialize_field("removed", &self.removed)?;
        m.serialize_field("changed", &Changed(&self.changed))?;
        m.end()
    }
}

/// `{"by_type","by_actor"}`.
struct Events<'a>(&'a Diff);

impl Serialize for Events<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("by_type", &self.0.by_type)?;
        m.serialize_entry("by_actor", &self.0.by_actor)?;
        m.end()
    }
}

impl Serialize for Diff {
    /// As [`Diff::to_json`].
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("Diff", 5)?;
        m.serialize_field("from", &self.from)?;
        m.serialize_field("to", &self.to)?;
        m.serialize_field("streams", &self.streams)?;
        m.serialize_field("projections", &self.projections)?;
        m.serialize_field("events", &Events(self))?;
        m.end()
    }
}
