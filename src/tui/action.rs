//! Everything that can happen to the UI, and everything the UI asks of the store.

use tui_input::InputRequest;

use crate::app::World;
use crate::es::StoredEvent;

use super::app::{BranchView, DiffView, Matches, Overview, Page, TreeOverlay, Window};

pub use branch::BranchOp;

mod branch;

/// One thing that happened: a key's meaning, a tick, or a result from the store.
#[derive(Debug, Clone)]
pub enum Action {
    /// Move the cursor by this many events (negative: back).
    Step(i64),
    /// Move the cursor to the first event.
    First,
    /// Move the cursor to the head.
    Last,
    /// Move the cursor to this position (clamped).
    SeekTo(u64),
    /// Move to the previous event of the selected stream.
    StreamPrev,
    /// Move to the next event of the selected stream.
    StreamNext,
    /// Start or stop playback.
    TogglePlay,
    /// Play faster (500 ms → 200 ms → live).
    Faster,
    /// Play slower (live → 200 ms → 500 ms).
    Slower,
    /// Playback's clock says: advance one event.
    PlayStep,
    /// Start or stop following the head.
    ToggleFollow,
    /// Turn mouse capture on or off.
    ToggleMouse,
    /// Focus the next pane.
    FocusNext,
    /// Focus the previous pane.
    FocusPrev,
    /// ↑ in the focused pane.
    Up,
    /// ↓ in the focused pane.
    Down,
    /// Enter in the focused pane (streams: pin the stream).
    Select,
    /// Show the next read model.
    NextProjection,
    /// Show the previous read model.
    PrevProjection,
    /// Open the help overlay.
    Help,
    /// Scroll the help overlay by this many lines (negative: up).
    HelpScroll(i32),
    /// Esc in normal mode: close overlays, unpin, clear filter/correlation.
    Back,
    /// Leave the program.
    Quit,
    /// Ctrl-Z: give the terminal back to the shell and stop (`fg` resumes).
    Suspend,
    /// Text pasted (bracketed paste): typed into the open line as one piece.
    Paste(String),
    /// Open the command line.
    OpenCommand,
    /// Open the go-to prompt.
    OpenGoto,
    /// Open the filter prompt.
    OpenFilter,
    /// Edit the line being typed.
    Edit(InputRequest),
    /// Previous history entry (command line).
    HistoryPrev,
    /// Next history entry (command line).
    HistoryNext,
    /// Complete the word under the cursor (command line).
    Complete,
    /// Enter on the line being typed.
    Submit,
    /// Esc on the line being typed.
    Cancel,
    /// Jump to the next event matching the filter.
    FindNext,
    /// Jump to the previous event matching the filter.
    FindPrev,
    /// Open the watch prompt (a field of the selected stream's state).
    OpenWatch,
    /// Open the find prompt (a `--where` expression on the selected stream).
    OpenFind,
    /// A watch or find answered: the position and what the status line says, or why not.
    Debugged(Result<(u64, String), String>),
    /// Show every event sharing the cursor event's correlation id.
    FollowCorrelation,
    /// Mark the cursor's position (again at the mark: clear it).
    Mark,
    /// Open the diff between the mark and the cursor.
    OpenDiff,
    /// Fork a what-if branch at the cursor, or leave the one open.
    ToggleBranch,
    /// In a branch: skip the selected event, or put a skipped one back.
    ToggleSkip,
    /// In a branch: open its diff against the log.
    BranchDiff,
    /// Scroll the diff overlay by this many lines (negative: up).
    DiffScroll(i32),
    /// Close the diff overlay.
    CloseDiff,
    /// The answer to "export branch as JSON Lines?" (y / n).
    ExportAnswer(bool),
    /// A diff was computed (or why not).
    Diffed(Result<Box<DiffView>, String>),
    /// The branch was forked or changed: what it shows now (or why not).
    Branched(Result<Box<BranchView>, String>),
    /// A command ran in the branch: what it did or why it was rejected, what
    /// the branch shows now, and the stream its first event is on.
    BranchRan(Result<String, String>, Box<BranchView>, Option<String>),
    /// The branch was left: the export's path if one was written (or why
    /// the export failed: the branch stays open).
    BranchLeft(Result<Option<String>, String>),
    /// Open the causation tree of the cursor event's correlation.
    OpenTree,
    /// The causation tree was read (the runtime built it).
    TreeRead(Box<TreeOverlay>),
    /// Move the tree overlay's selection by this many rows (negative: up).
    TreeMove(i64),
    /// Enter on the tree overlay: move the cursor to the selected row's event and close it.
    TreeJump,
    /// Close the tree overlay.
    TreeClose,
    /// The terminal was resized.
    Resize(u16, u16),
    /// The store's head is now this (polled).
    HeadChanged(u64),
    /// Whole-log facts were read.
    Overview(Box<Overview>),
    /// The events around a position were read.
    Window(Box<Window>),
    /// The world at a position was folded.
    World(Box<World>),
    /// The background fold has built keyframes up to this position.
    Building(u64),
    /// A command ran: a summary of what it recorded and the new head, or why it was refused.
    Executed(Result<(String, u64), String>),
    /// A search found this position (or nothing, with a message).
    Found(Result<u64, String>),
    /// A page of a queried read model was read.
    Page(Box<Page>),
    /// Matches of the filter around the cursor were read.
    Matches(Box<Matches>),
    /// The events of a correlation were read.
    Correlated(String, Vec<StoredEvent>),
    /// Something failed reading the store; shown, not fatal.
    Failed(String),
}

/// Something only the runtime can do: it touches the store or the terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Fold the world at this position and read the events around it if
    /// `window` (the cached window does not cover it).
    Seek {
        /// The position.
        position: u64,
        /// Whether to re-read the event window.
        window: bool,
    },
    /// Resolve an RFC 3339 time to a position, then seek there.
    SeekTime(String),
    /// Run a line of the command language at the head.
    Execute(String),
    /// Re-read whole-log facts (streams, time samples, snapshots).
    Reload,
    /// Find the previous/next event of `stream` around the cursor.
    StreamStep {
        /// The stream.
        stream: String,
        /// The cursor.
        from: u64,
        /// Forward (next) or back (previous).
        forward: bool,
    },
    /// Find the previous/next event matching `filter`, from `from` (exclusive).
    Find {
        /// The filter.
        filter: String,
        /// The cursor.
        from: u64,
        /// Direction.
        forward: bool,
    },
    /// Find the next / previous event that changed a field of a stream's
    /// state, or at which an expression holds, from `from` (exclusive), on
    /// a thread; Esc cancels it.
    Debug {
        /// The stream, or the read model's name ([`DebugQuery::FindRows`]).
        on: String,
        /// What to look for.
        query: DebugQuery,
        /// The cursor.
        from: u64,
        /// Direction.
        forward: bool,
    },
    /// Stop the running watch or find.
    CancelDebug,
    /// Diff two positions, or work on the what-if branch.
    Branch(BranchOp),
    /// Read the events sharing this correlation id.
    Correlation(String),
    /// Build the causation tree of this correlation id.
    Tree(String),
    /// Turn mouse capture on or off.
    Mouse(bool),
    /// Restore the terminal and stop the process until it is continued.
    Suspend,
    /// Read the events matching `filter` around `center`: `half` on each
    /// side, searching the whole log.
    Matches {
        /// The filter.
        filter: String,
        /// The cursor.
        center: u64,
        /// Matches wanted on each side.
        half: usize,
    },
    /// Read rows of a queried read model at a position.
    Rows {
        /// The read model.
        name: &'static str,
        /// The position.
        position: u64,
        /// Rows to skip.
        offset: usize,
        /// Rows to read at most.
        limit: usize,
    },
}

/// What a debugger search looks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DebugQuery {
    /// A change of the value at this dotted path.
    Watch(String),
    /// A change of the value at this dotted path of one read-model row (the
    /// read model's name is the effect's `on`).
    WatchRow {
        /// The row's key, one text per key column.
        key: Vec<String>,
        /// The dotted path (a column, or into one).
        path: String,
    },
    /// A position at which this `--where` expression holds on the stream.
    Find(String),
    /// A position at which this `--where` expression holds on some row of the read model.
    FindRows(String),
}
