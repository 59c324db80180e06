//! Builds the causation-tree overlay's rows from the application layer's
//! tree (the store is read here, never in `update` or the views), on its own
//! thread with its own read-only handle: without an index on correlation
//! ids the engine scans the log for them, and the UI keeps answering keys.

use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::thread::JoinHandle;

use super::super::TuiError;
use super::super::action::Action;
use super::super::app::{TreeOverlay, TreeRow};
use super::super::text;
use crate::app::causation::NodeKind;
use crate::app::{Chronicle, Mode};

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

/// A tree being read on its thread.
#[derive(Debug)]
pub struct TreeJob {
    answer: Receiver<Action>,
    _thread: JoinHandle<()>,
}

impl TreeJob {
    /// Starts reading correlation `id`'s tree.
    ///
    /// # Errors
    /// The store cannot be opened again, or the thread not started.
    pub fn spawn(chron: &Chronicle, id: String) -> Result<Self, TuiError> {
        let chron = chron.reconnect(Mode::Read)?;
        let (tx, answer) = mpsc::channel();
        let thread = std::thread::Builder::new().name("chronicle-tree".into()).spawn(move || {
            // The UI may have gone: nobody to tell.
            let _ = tx.send(read(&chron, &id));
        })?;
        Ok(Self { answer, _thread: thread })
    }

    /// The tree (or why not), once read.
    #[must_use]
    pub fn answer(&self) -> Option<Action> {
        match self.answer.try_recv() {
            Ok(a) => Some(a),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Action::Failed("reading the causation tree stopped".into())),
        }
    }
}
