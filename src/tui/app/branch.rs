//! Mark / diff and what-if branches in the UI: plain data the runtime
//! fills in (the branch itself lives in the runtime, next to the store).

use std::collections::BTreeSet;

use serde_json::Value;

use crate::app::diff::Diff;
use crate::es::MemTables;

/// One of the branch's own events (decided by a command in the branch).
#[derive(Debug, Clone)]
pub struct BranchEvent {
    /// Its position in the branch (after the fork point).
    pub position: u64,
    /// Stream id.
    pub stream_id: String,
    /// Event type.
    pub event_type: String,
    /// The payload, on one line.
    pub payload: String,
}

/// An event of the log the branch refuses (skipping changed what its stream allows).
#[derive(Debug, Clone)]
pub struct Refused {
    /// Its position in the log.
    pub position: u64,
    /// Why the branch refuses it.
    pub reason: String,
}

/// The selected stream as the branch has it at its head.
#[derive(Debug, Clone)]
pub struct BranchState {
    /// The stream.
    pub stream: String,
    /// Its state in the branch (`None`: it does not exist there).
    pub branch: Option<Value>,
    /// Its state in the log at the fork point (`None`: it did not exist).
    pub main: Option<Value>,
}

/// What the UI shows of a what-if branch.
#[derive(Debug, Clone, Default)]
pub struct BranchView {
    /// The fork point.
    pub at: u64,
    /// Positions skipped.
    pub skipped: BTreeSet<u64>,
    /// Events of the log the branch refuses.
    pub refused: Vec<Refused>,
    /// The branch's own events, oldest first.
    pub events: Vec<BranchEvent>,
    /// The selected stream's state in the branch (loaded as it is selected).
    pub state: Option<BranchState>,
    /// The read models folded in memory, as the branch has them (`None`:
    /// they could not be folded; the pane says so).
    pub tables: Option<MemTables>,
    /// Leaving: the "export as JSON Lines? (y/n)" question is open.
    pub leaving: bool,
    /// The read models are being folded again after a skip (on a thread).
    pub folding: bool,
}

impl BranchView {
    /// Whether the log's event at `p` is left out of the branch (skipped or refused).
    #[must_use]
    pub fn left_out(&self, p: u64) -> bool {
        self.skipped.contains(&p) || self.refused.iter().any(|r| r.position == p)
    }

    /// Why the branch refuses the log's event at `p`, if it does.
    #[must_use]
    pub fn refusal(&self, p: u64) -> Option<&str> {
        self.refused.iter().find(|r| r.position == p).map(|r| r.reason.as_str())
    }
}

/// How a line of the diff overlay reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffKind {
    /// A section heading (a stream, a read model, the counts).
    Heading,
    /// A field or row that changed.
    Changed,
    /// A row added.
    Added,
    /// A row removed.
    Removed,
    /// Anything else.
    Plain,
}

/// A diff being computed on a thread (Esc cancels it; the overlay opens
/// when it is done).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Diffing {
    /// Between two positions (the mark and the cursor when `d` was pressed).
    Between {
        /// The earlier position.
        from: u64,
        /// The later position.
        to: u64,
    },
    /// The what-if branch against the log.
    Branch,
}

/// The diff overlay: between the mark and the cursor, or a branch against the log.
#[derive(Debug, Clone)]
pub struct DiffView {
    /// Its title.
    pub title: String,
    /// Its lines.
    pub lines: Vec<(DiffKind, String)>,
    /// How far it is scrolled.
    pub scroll: u16,
}

fn value(v: &Value) -> String {
    super::super::text::clean(&v.to_string())
}

fn counts(m: &std::collections::BTreeMap<String, u64>) -> String {
    let shown: Vec<String> = m.iter().map(|(k, n)| format!("{} {n}", super::super::text::clean(k))).collect();
    shown.join(", ")
}

impl DiffView {
    /// The overlay of `diff`, titled `title`: event counts by type and
    /// actor, each stream with its fields before → after, each read model's
    /// rows added (`+`), removed (`-`) and changed (`~`).
    #[must_use]
    pub fn of(title: String, diff: &Diff) -> Self {
        use DiffKind::{Added, Changed, Heading, Plain, Removed};
        let clean = super::super::text::clean;
        let mut lines = Vec::new();
        let total: u64 = diff.by_type.values().sum();
        if total > 0 {
            let s = if total == 1 { "" } else { "s" };
            lines.push((Heading, format!("{total} event{s}: {}", counts(&diff.by_type))));
            lines.push((Plain, format!("  by actor: {}", counts(&diff.by_actor))));
        }
        for s in &diff.streams {
            let created = if s.created { ", created" } else { "" };
            lines.push((Heading, format!("stream {} ({}{created})", clean(&s.stream_id), clean(&s.stream_type))));
            for ch in &s.changes {
                let path = if ch.path.is_empty() { "(state)".to_owned() } else { clean(&ch.path) };
                lines.push((Changed, format!("  {path}: {} → {}", value(&ch.before), value(&ch.after))));
            }
        }
        for (name, p) in &diff.projections {
            if p.is_empty() {
                continue;
            }
            let head = format!(
                "read model {}: {} added, {} removed, {} changed",
                clean(name),
                p.added_count(),
                p.removed.len(),
                p.changed.len()
            );
            lines.push((Heading, head));
            lines.extend(p.added.iter().map(|r| (Added, format!("  + {}", value(&r.to_json())))));
            // A ledger's rows: the first ones (read by the runtime), then how many more.
            let more = p.added_count().saturating_sub(p.added.len() as u64);
            if more > 0 {
                let name = clean(name);
                let (a, b) = (diff.from, diff.to);
                lines.push((Plain, format!("  … and {more} more (chronicle diff {a} {b} --projection {name})")));
            }
            lines.extend(p.removed.iter().map(|r| (Removed, format!("  - {}", value(&r.to_json())))));
            lines.extend(p.changed.iter().map(|(k, b, a)| {
                // Only the cells that changed: a whole row twice does not fit a line.
                let cells: Vec<String> = crate::app::diff::changes(b, a)
                    .iter()
                    .map(|c| format!("{} {} → {}", clean(&c.path), value(&c.before), value(&c.after)))
                    .collect();
                (Changed, format!("  ~ {}: {}", value(k), cells.join(", ")))
            }));
        }
        if diff.is_empty() {
            lines.push((Plain, "no stream or read-model row differs".to_owned()));
        }
        Self { title, lines, scroll: 0 }
    }
}
