//! Builds the causation-tree overlay's rows from the application layer's
//! tree (the store is read here, never in `update` or the views).

use super::super::action::Action;
use super::super::app::{TreeOverlay, TreeRow};
use super::super::text;
use crate::app::Chronicle;
use crate::app::causation::NodeKind;

/// Reads correlation `id`'s causation tree: the overlay's rows, or why not.
pub fn read(chron: &Chronicle, id: &str) -> Action {
    let tree = match chron.causation_tree(id) {
        Ok(t) => t,
        Err(e) => return Action::Failed(format!("cannot read the causation tree: {e}")),
    };
    let lines = tree.lines();
    let mut rows: Vec<TreeRow> = lines
        .iter()
        .map(|l| TreeRow {
            prefix: l.prefix.clone(),
            label: text::clean(&l.kind.label()),
            position: l.kind.position(),
            event: matches!(l.kind, NodeKind::Event(..)),
        })
        .collect();
    // A command row jumps to its first event (the row after it).
    for i in (0..rows.len()).rev() {
        if rows[i].position.is_none() {
            rows[i].position = rows.get(i + 1).and_then(|r| r.position);
        }
    }
    Action::TreeRead(Box::new(TreeOverlay {
        correlation: text::clean(id),
        events: tree.events,
        truncated: tree.truncated,
        rows,
        selected: 0,
    }))
}
