//! What the runtime does for mark / diff and what-if branches.

/// Work on the store (reading only) for a diff or the what-if branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BranchOp {
    /// Diff the log between two positions.
    Diff {
        /// The earlier position.
        from: u64,
        /// The later position.
        to: u64,
    },
    /// Fork a branch at this position.
    Fork(u64),
    /// Skip the event at this position in the branch, or put it back.
    Skip(u64),
    /// Decide a line of the command language in the branch.
    Execute(String),
    /// Diff the branch against the log.
    DiffMain,
    /// Stop the diff being computed (its answer is dropped).
    CancelDiff,
    /// Drop the branch, first writing it as JSON Lines if `export`.
    Leave {
        /// Write the export first.
        export: bool,
    },
}
