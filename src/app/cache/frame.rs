//! Worlds as cache frames: each frame holds what changed since the frame
//! before it (new streams, streams whose last event moved, problems added),
//! and the read models' rows when they changed, as JSON bytes. Stream ids
//! are written once and then named by their index.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::super::timeline::{StreamAt, World};
use super::counts::Counts;
use crate::domain::Registry;
use crate::es::MemTables;
use crate::es::projection::{Cell, Row, Rows};

/// One frame as stored.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Frame {
    /// The world's position.
    p: u64,
    /// Streams first seen in this frame: id and type (their index follows
    /// the ones before).
    new: Vec<(String, String)>,
    /// Streams whose last event moved: index, version, position.
    moved: Vec<(u32, u64, u64)>,
    /// Every read model's rows (`None`: as in the frame before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tables: Option<Vec<(String, Vec<Vec<Value>>)>>,
    /// Problems added since the frame before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    problems: Vec<String>,
    /// The stream of the last event, by index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    touched: Option<u32>,
    /// The touched stream's state before the last event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    before: Option<(String, Value)>,
    /// Events counted by type and actor up to `p` (`counts.rs`).
    #[serde(default, rename = "c", skip_serializing_if = "Option::is_none")]
    counts: Option<Counts>,
}

/// Turns worlds, in increasing positions, into frames.
#[derive(Debug, Default)]
pub struct Encoder {
    index: HashMap<Arc<str>, u32>,
    last: Option<World>,
    last_tables: Option<Vec<(String, Vec<Vec<Value>>)>>,
    counts: Option<Counts>,
}

impl Encoder {
    /// Continues after the frames `decoder` read (so indexes carry on).
    #[must_use]
    pub fn after(decoder: &Decoder) -> Self {
        let index = decoder
            .ids
            .iter()
            .enumerate()
            .map(|(i, id)| (Arc::clone(id), u32::try_from(i).unwrap_or(u32::MAX)))
            .collect();
        let last = decoder.world.clone();
        let last_tables = last.as_ref().map(tables_of);
        Self { index, last, last_tables, counts: decoder.counts.clone() }
    }

    /// The counts of the last frame encoded or decoded (`None`: none kept).
    #[must_use]
    pub fn counts(&self) -> Option<&Counts> {
        self.counts.as_ref()
    }

    /// As [`Self::encode`], keeping `counts` (up to the world's position) in
    /// the frame.
    ///
    /// # Errors
    /// As [`Self::encode`].
    pub fn encode_counted(&mut self, world: &World, counts: Option<Counts>) -> Result<Vec<u8>, String> {
        self.counts = counts;
        self.encode_frame(world)
    }

    /// The position of the last world encoded (0: none).
    #[must_use]
    pub fn position(&self) -> u64 {
        self.last.as_ref().map_or(0, |w| w.position)
    }

    /// The frame of `world` (after the last one encoded).
    ///
    /// # Errors
    /// Serialization failures (not expected).
    pub fn encode(&mut self, world: &World) -> Result<Vec<u8>, String> {
        self.counts = None;
        self.encode_frame(world)
    }

    fn encode_frame(&mut self, world: &World) -> Result<Vec<u8>, String> {
        let since = self.last.as_ref().map_or(0, |w| w.position);
        let mut frame = Frame { p: world.position, ..Frame::default() };
        for (id, s) in &world.streams {
            if s.position <= since && self.index.contains_key(id) {
                continue;
            }
            let i = if let Some(i) = self.index.get(id) {
                *i
            } else {
                let i = u32::try_from(self.index.len()).map_err(|e| e.to_string())?;
                self.index.insert(Arc::clone(id), i);
                frame.new.push((id.to_string(), s.stream_type.clone()));
                i
            };
            frame.moved.push((i, s.version, s.position));
        }
        let tables = tables_of(world);
        if self.last_tables.as_ref() != Some(&tables) {
            frame.tables = Some(tables.clone());
        }
        let known = self.last.as_ref().map_or(0, |w| w.problems.len());
        frame.problems = world.problems.iter().skip(known).cloned().collect();
        frame.touched = world.touched.as_ref().and_then(|id| self.index.get(id).copied());
        frame.before.clone_from(&world.before_last);
        frame.counts.clone_from(&self.counts);
        self.last = Some(world.clone());
        self.last_tables = Some(tables);
        serde_json::to_vec(&frame).map_err(|e| e.to_string())
    }
}

/// Turns frames, in the order written, back into worlds.
#[derive(Debug, Default)]
pub struct Decoder {
    ids: Vec<Arc<str>>,
    world: Option<World>,
    counts: Option<Counts>,
}

impl Decoder {
    /// The world of the next frame.
    ///
    /// # Errors
    /// A frame that does not parse, or names a stream not introduced.
    pub fn decode(&mut self, registry: &Registry, bytes: &[u8]) -> Result<World, String> {
        let frame: Frame = serde_json::from_slice(bytes).map_err(|e| format!("a frame does not parse: {e}"))?;
        let mut world = self.world.clone().unwrap_or_else(World::lazy);
        if frame.p < world.position {
            return Err(format!("frame {} comes after frame {}", frame.p, world.position));
        }
        world.position = frame.p;
        let mut types: HashMap<u32, String> = HashMap::new();
        for (id, ty) in frame.new {
            let i = u32::try_from(self.ids.len()).map_err(|e| e.to_string())?;
            self.ids.push(Arc::from(id));
            types.insert(i, ty);
        }
        for (i, version, position) in frame.moved {
            let id = self.id(i)?;
            let stream_type = match types.remove(&i) {
                Some(t) => t,
                None => {
                    world.streams.get(&id).map(|s| s.stream_type.clone()).ok_or("a frame moves a stream never seen")?
                }
            };
            world.streams.insert(id, Arc::new(StreamAt { stream_type, version, position, state: None }));
        }
        if let Some(tables) = frame.tables {
            world.tables = mem_tables(registry, tables);
        }
        for p in frame.problems {
            world.problems.push_back(p);
        }
        world.touched = frame.touched.map(|i| self.id(i)).transpose()?;
        world.before_last = frame.before;
        self.counts = frame.counts;
        self.world = Some(world.clone());
        Ok(world)
    }

    fn id(&self, i: u32) -> Result<Arc<str>, String> {
        usize::try_from(i)
            .ok()
            .and_then(|i| self.ids.get(i))
            .cloned()
            .ok_or_else(|| format!("a frame names stream #{i}, never introduced"))
    }
}

/// The read models' rows of a frame that holds them (`None`: as in the
/// frame before), alone: what a diff or a find starts from
/// (`super::read`), without the streams the frames before introduce.
///
/// # Errors
/// A frame that does not parse.
pub fn tables_only(registry: &Registry, bytes: &[u8]) -> Result<Option<MemTables>, String> {
    #[derive(Deserialize)]
    struct Tables {
        #[serde(default)]
        tables: Option<Vec<(String, Vec<Vec<Value>>)>>,
    }
    let frame: Tables = serde_json::from_slice(bytes).map_err(|e| format!("a frame does not parse: {e}"))?;
    Ok(frame.tables.map(|t| mem_tables(registry, t)))
}

/// The counts a frame keeps (`counts.rs`), alone.
///
/// # Errors
/// A frame that does not parse.
pub fn counts_only(bytes: &[u8]) -> Result<Option<Counts>, String> {
    #[derive(Deserialize)]
    struct Only {
        #[serde(default, rename = "c")]
        counts: Option<Counts>,
    }
    let frame: Only = serde_json::from_slice(bytes).map_err(|e| format!("a frame does not parse: {e}"))?;
    Ok(frame.counts)
}

/// Rows by table name back into tables (a table this build does not have
/// is left out).
fn mem_tables(registry: &Registry, tables: Vec<(String, Vec<Vec<Value>>)>) -> MemTables {
    let mut out = MemTables::default();
    for (name, rows) in tables {
        let Some(spec) = registry.projections().iter().flat_map(|p| p.tables()).find(|t| t.name == name) else {
            continue; // a read model this build does not have
        };
        for cells in rows {
            let _ = out.put(spec, Row::from_vec(spec, cells.into_iter().map(cell).collect()));
        }
    }
    out
}

/// Every read model's rows, by table name.
fn tables_of(world: &World) -> Vec<(String, Vec<Vec<Value>>)> {
    world
        .tables
        .names()
        .map(|name| {
            (name.to_owned(), world.tables.rows(name).map(|r| r.cells().iter().map(Cell::to_value).collect()).collect())
        })
        .collect()
}

/// A cell back from JSON: integers and text keep their own kinds.
fn cell(v: Value) -> Cell {
    match v {
        Value::Null => Cell::Null,
        Value::String(s) => Cell::text(&s),
        Value::Number(n) if n.is_i64() => n.as_i64().map_or(Cell::Null, Cell::Int),
        other => Cell::json(other),
    }
}
