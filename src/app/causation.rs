//! The causation tree of one correlation (issue 13, item 5): every event
//! recorded for one original request, arranged by what caused what —
//! command → the events it recorded → the follow-ups they caused.
//!
//! The events are read through the log's correlation filter (the engine
//! selects them; at most [`MAX_EVENTS`] are held), then linked by
//! `metadata.causation_id`: an event whose cause is another event of the set
//! recorded *before* it hangs under that event; one caused by a command
//! (a `metadata.command_id` of the set) hangs under that command's node.
//! Anything else is a root, and marked when its cause is missing from the
//! set or is not earlier than itself (a cycle: causes precede effects in an
//! append-only log, so following parents always ends — no cycle can loop).

use std::collections::{HashMap, HashSet};

use serde_json::{Value, json};

use super::{AppError, Chronicle};
use crate::es::StoredEvent;
use crate::es::store::LogFilter;

/// Events of one correlation read at most (the tree says when it is cut).
pub const MAX_EVENTS: u64 = 1_000;

/// What a node shows of its event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeEvent {
    /// Position in the log.
    pub position: u64,
    /// The event's id.
    pub event_id: String,
    /// Its stream.
    pub stream_id: String,
    /// Its type.
    pub event_type: String,
    /// Who issued the command (empty when unknown).
    pub actor: String,
    /// What caused it (empty when unknown).
    pub causation_id: String,
    /// The command that recorded it (empty when unknown).
    pub command_id: String,
}

/// Why an event is a root although it names a cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orphan {
    /// Its cause is neither an event nor a command of the correlation.
    MissingCause,
    /// Its cause is itself or an event recorded after it (a cycle).
    Cycle,
}

impl Orphan {
    /// A short label (`missing cause`, `cycle`).
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::MissingCause => "missing cause",
            Self::Cycle => "cause recorded later (cycle)",
        }
    }
}

/// What a node stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeKind {
    /// A command (not an event: its id, from the events it caused).
    Command(String),
    /// An event; `Some` when it is a root that names a cause it cannot hang under.
    Event(TreeEvent, Option<Orphan>),
}

impl NodeKind {
    /// One line for people: `command ID`, or `POSITION TYPE STREAM by ACTOR`
    /// (a marked root adds `[missing cause ID]` or `[cause recorded later (cycle): ID]`).
    /// Not sanitised: front ends clean it for their terminal.
    #[must_use]
    pub fn label(&self) -> String {
        match self {
            Self::Command(id) => format!("command {id}"),
            Self::Event(e, orphan) => {
                let actor = if e.actor.is_empty() { String::new() } else { format!(" by {}", e.actor) };
                let mark = orphan.map(|o| format!(" [{}: {}]", o.label(), e.causation_id)).unwrap_or_default();
                format!("{} {} {}{actor}{mark}", e.position, e.event_type, e.stream_id)
            }
        }
    }

    /// The event's position (a command has none).
    #[must_use]
    pub fn position(&self) -> Option<u64> {
        match self {
            Self::Command(_) => None,
            Self::Event(e, _) => Some(e.position),
        }
    }
}

/// One node and what it caused, in position order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The command or event.
    pub kind: NodeKind,
    /// What it caused.
    pub children: Vec<Node>,
}

/// A correlation's causation tree.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tree {
    /// The correlation id.
    pub correlation_id: String,
    /// The roots, in order of their first event's position.
    pub roots: Vec<Node>,
    /// Events in the tree.
    pub events: usize,
    /// Whether the correlation has more than [`MAX_EVENTS`] events (the later ones are left out).
    pub truncated: bool,
}

/// One row of a tree drawn as text: the box-drawing prefix and the node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line<'a> {
    /// Depth (roots: 0).
    pub depth: usize,
    /// `├─ `, `│  └─ `, …: what goes before the node's text.
    pub prefix: String,
    /// The node.
    pub kind: &'a NodeKind,
}

impl Tree {
    /// Builds the tree of `events` (the correlation's, in position order).
    #[must_use]
    pub fn build(correlation_id: &str, events: &[StoredEvent], truncated: bool) -> Self {
        let items: Vec<TreeEvent> = events.iter().map(tree_event).collect();
        let mut by_id: HashMap<&str, usize> = HashMap::new();
        for (i, e) in items.iter().enumerate() {
            by_id.entry(e.event_id.as_str()).or_insert(i);
        }
        let commands: HashSet<&str> = items.iter().map(|e| e.command_id.as_str()).filter(|c| !c.is_empty()).collect();
        // Each event's parent (an earlier event), or what kind of root it is.
        let mut kids: Vec<Vec<usize>> = vec![Vec::new(); items.len()];
        let mut tops: Vec<Top> = Vec::new();
        let mut command_slot: HashMap<&str, usize> = HashMap::new();
        for (i, e) in items.iter().enumerate() {
            let cause = e.causation_id.as_str();
            match by_id.get(cause) {
                Some(&p) if items[p].position < e.position => kids[p].push(i),
                Some(_) => tops.push(Top::Event(i, Some(Orphan::Cycle))),
                None if cause.is_empty() => tops.push(Top::Event(i, None)),
                None if commands.contains(cause) => {
                    if let Some(&slot) = command_slot.get(cause) {
                        if let Some(Top::Command(_, list)) = tops.get_mut(slot) {
                            list.push(i);
                        }
                    } else {
                        command_slot.insert(cause, tops.len());
                        tops.push(Top::Command(cause.to_owned(), vec![i]));
                    }
                }
                None => tops.push(Top::Event(i, Some(Orphan::MissingCause))),
            }
        }
        // Children have later positions than their parent: built last first,
        // every node's children are ready when it is built (no recursion).
        let mut built: Vec<Option<Node>> = vec![None; items.len()];
        for i in (0..items.len()).rev() {
            let children = kids[i].iter().filter_map(|&k| built[k].take()).collect();
            built[i] = Some(Node { kind: NodeKind::Event(items[i].clone(), None), children });
        }
        let mut take = |i: usize, orphan: Option<Orphan>| {
            built[i].take().map(|mut n| {
                if let NodeKind::Event(_, o) = &mut n.kind {
                    *o = orphan;
                }
                n
            })
        };
        let roots = tops
            .into_iter()
            .filter_map(|t| match t {
                Top::Event(i, orphan) => take(i, orphan),
                Top::Command(id, list) => Some(Node {
                    kind: NodeKind::Command(id),
                    children: list.into_iter().filter_map(|i| take(i, None)).collect(),
                }),
            })
            .collect();
        Self { correlation_id: correlation_id.to_owned(), roots, events: items.len(), truncated }
    }

    /// The tree as text rows, depth first, with box-drawing prefixes.
    #[must_use]
    pub fn lines(&self) -> Vec<Line<'_>> {
        let mut out = Vec::new();
        // (node, prefix of its children, its own prefix, depth)
        let mut stack: Vec<(&Node, String, String, usize)> = Vec::new();
        for n in self.roots.iter().rev() {
            stack.push((n, String::new(), String::new(), 0));
        }
        while let Some((node, inner, own, depth)) = stack.pop() {
            out.push(Line { depth, prefix: own, kind: &node.kind });
            let last = node.children.len().saturating_sub(1);
            for (i, child) in node.children.iter().enumerate().rev() {
                let (branch, cont) = if i == last { ("└─ ", "   ") } else { ("├─ ", "│  ") };
                stack.push((child, format!("{inner}{cont}"), format!("{inner}{branch}"), depth + 1));
            }
        }
        out
    }

    /// `{"correlation_id","events","truncated","roots":[…]}`: each event node
    /// `{"position","event_type","stream_id","actor","event_id","causation_id",
    /// "children"}` (plus `"orphan"` on a marked root), each command node
    /// `{"command_id","children"}`.
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({
            "correlation_id": self.correlation_id,
            "events": self.events,
            "truncated": self.truncated,
            "roots": self.roots.iter().map(Node::to_json).collect::<Vec<_>>(),
        })
    }
}

impl Node {
    /// This node and what it caused as JSON (see [`Tree::to_json`]).
    #[must_use]
    pub fn to_json(&self) -> Value {
        let children: Vec<Value> = self.children.iter().map(Node::to_json).collect();
        match &self.kind {
            NodeKind::Command(id) => json!({ "command_id": id, "children": children }),
            NodeKind::Event(e, orphan) => {
                let mut v = json!({
                    "position": e.position,
                    "event_type": e.event_type,
                    "stream_id": e.stream_id,
                    "actor": e.actor,
                    "event_id": e.event_id,
                    "causation_id": e.causation_id,
                    "children": children,
                });
                if let (Some(o), Some(map)) = (orphan, v.as_object_mut()) {
                    map.insert("orphan".into(), Value::String(o.label().to_owned()));
                }
                v
            }
        }
    }
}

/// A root before it is built.
enum Top {
    /// An event root, maybe marked.
    Event(usize, Option<Orphan>),
    /// A command and the events it caused directly.
    Command(String, Vec<usize>),
}

fn tree_event(e: &StoredEvent) -> TreeEvent {
    let m = e.metadata();
    TreeEvent {
        position: e.position,
        event_id: e.event_id.clone(),
        stream_id: e.stream_id.clone(),
        event_type: e.event_type.clone(),
        actor: m.actor,
        causation_id: m.causation_id,
        command_id: m.command_id,
    }
}

impl Chronicle {
    /// The causation tree of correlation `id` (at most [`MAX_EVENTS`] of its
    /// events, the earliest; an unknown id gives an empty tree).
    ///
    /// # Errors
    /// Store failures.
    pub fn causation_tree(&self, id: &str) -> Result<Tree, AppError> {
        let filter = LogFilter { correlation_id: Some(id.to_owned()), ..LogFilter::default() };
        let mut events = self.store().log(&filter, MAX_EVENTS + 1)?;
        let truncated = events.len() as u64 > MAX_EVENTS;
        events.truncate(usize::try_from(MAX_EVENTS).unwrap_or(usize::MAX));
        Ok(Tree::build(id, &events, truncated))
    }
}

#[cfg(test)]
mod tests;
