//! The causation-tree overlay (`T`): the cursor event's correlation drawn as
//! a tree by causation, one row per command or event.

/// One row of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeRow {
    /// Box-drawing before the text (`├─ `, `│  └─ `, …).
    pub prefix: String,
    /// The node's text, already cleaned for the terminal.
    pub label: String,
    /// Where Enter moves the cursor: the event's position (a command's:
    /// its first event's).
    pub position: Option<u64>,
    /// Whether the row is an event (not a command).
    pub event: bool,
}

/// The overlay's contents and selection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TreeOverlay {
    /// The correlation id (cleaned).
    pub correlation: String,
    /// Events in the tree.
    pub events: usize,
    /// Whether the correlation has more events than were read.
    pub truncated: bool,
    /// The rows, depth first.
    pub rows: Vec<TreeRow>,
    /// The selected row.
    pub selected: usize,
}
