//! A diff written as JSON straight from its fields (`serde_json::to_writer`),
//! the same text as [`Diff::to_json`] without building a copy of every row
//! as a JSON value first; and as the CLI writes it ([`Shown`]), each
//! ledger's rows added read from the store while they are written (a
//! whole-store diff of random positions at 1M lists some 250k of them).

use serde::ser::{Error as _, Serialize, SerializeMap, SerializeSeq, SerializeStruct, Serializer};

use super::{Appended, Change, Diff, ProjectionDiff, StreamDiff};
use crate::app::Chronicle;

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

/// A diff as `chronicle diff --json` writes it: [`Diff`]'s JSON with each
/// ledger's rows added ([`ProjectionDiff::appended`]) read from the store
/// as they are written, in key order, never all held.
pub struct Shown<'a> {
    /// The diff.
    pub diff: &'a Diff,
    /// Where its ledgers' rows are read.
    pub chronicle: &'a Chronicle,
}

impl Serialize for Shown<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let d = self.diff;
        let mut m = s.serialize_struct("Diff", 5)?;
        m.serialize_field("from", &d.from)?;
        m.serialize_field("to", &d.to)?;
        m.serialize_field("streams", &d.streams)?;
        m.serialize_field("projections", &ShownModels(self))?;
        m.serialize_field("events", &Events(d))?;
        m.end()
    }
}

/// The `projections` object of a [`Shown`] diff.
struct ShownModels<'a>(&'a Shown<'a>);

impl Serialize for ShownModels<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let models = &self.0.diff.projections;
        let mut m = s.serialize_map(Some(models.len()))?;
        for (name, p) in models {
            match &p.appended {
                Some(appended) => {
                    let rows = AppendedRows { name, appended, chronicle: self.0.chronicle };
                    m.serialize_entry(name, &ShownModel { p, rows })?;
                }
                None => m.serialize_entry(name, p)?,
            }
        }
        m.end()
    }
}

/// A ledger's diff, its rows added read from the store.
struct ShownModel<'a> {
    p: &'a ProjectionDiff,
    rows: AppendedRows<'a>,
}

impl Serialize for ShownModel<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("ProjectionDiff", 3)?;
        m.serialize_field("added", &self.rows)?;
        m.serialize_field("removed", &self.p.removed)?;
        m.serialize_field("changed", &Changed(&self.p.changed))?;
        m.end()
    }
}

/// The rows a ledger's [`Appended`] counts, read as they are written.
struct AppendedRows<'a> {
    name: &'a str,
    appended: &'a Appended,
    chronicle: &'a Chronicle,
}

impl Serialize for AppendedRows<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(usize::try_from(self.appended.count).ok())?;
        let mut failed = None;
        self.chronicle
            .appended_rows(self.name, self.appended, &mut |row| match seq.serialize_element(&row) {
                Ok(()) => Ok(true),
                Err(e) => {
                    failed = Some(e);
                    Ok(false)
                }
            })
            .map_err(S::Error::custom)?;
        if let Some(e) = failed {
            return Err(e);
        }
        seq.end()
    }
}
