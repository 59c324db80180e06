//! The UI's state: plain data, no handles. Everything a frame needs is cached
//! here by the runtime, so drawing does no SQL.

use tui_input::Input;

use crate::app::World;

pub use branch::{BranchEvent, BranchState, BranchView, DiffKind, DiffView, Diffing, Refused};
pub use debugger::{Debugger, Search};
pub use read::{Correlation, EventRow, Matches, Model, Overview, Page, Window};
pub use tree::{TreeOverlay, TreeRow};

mod branch;
mod debugger;
mod read;
mod tree;
use crate::domain::CommandHelp;
use crate::es::store::StreamInfo;
use crate::es::{Row, StoredEvent};

/// How many events the audit window holds on each side of the cursor.
pub const WINDOW_HALF: u64 = 60;
/// Events per `PgUp` / `PgDn`.
pub const PAGE: u64 = 100;
/// Smallest terminal the main screen is drawn in.
pub const MIN_SIZE: (u16, u16) = (80, 24);
/// Time samples taken across the log for the density strip.
pub const DENSITY_SAMPLES: u64 = 256;

/// Which pane has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    /// The timeline slider.
    #[default]
    Timeline,
    /// The audit log around the cursor.
    Audit,
    /// The list of streams.
    Streams,
    /// The selected stream's state.
    State,
    /// The read models.
    Projections,
}

impl Focus {
    /// Panes in `Tab` order.
    pub const ORDER: [Focus; 5] = [Focus::Timeline, Focus::Audit, Focus::Streams, Focus::State, Focus::Projections];

    /// The pane `delta` steps away in `Tab` order.
    #[must_use]
    pub fn cycle(self, delta: isize) -> Self {
        let n = Self::ORDER.len().cast_signed();
        let i = Self::ORDER.iter().position(|f| *f == self).unwrap_or(0).cast_signed();
        Self::ORDER[(i + delta).rem_euclid(n).cast_unsigned()]
    }
}

/// What the keyboard is typing into, if anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Keys are commands.
    #[default]
    Normal,
    /// The command line (`:`).
    Command,
    /// The go-to prompt (`g`): a position or an RFC 3339 time.
    Goto,
    /// The filter prompt (`/`).
    Filter,
    /// The watch prompt (`w`): a dotted path into the selected stream's state.
    Watch,
    /// The find prompt (`F`): a `--where` expression on the selected stream.
    Find,
    /// The help overlay.
    Help,
}

/// Playback speed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Speed {
    /// One event every 500 ms.
    #[default]
    Slow,
    /// One event every 200 ms.
    Fast,
    /// The original gaps between events, capped.
    Live,
}

impl Speed {
    /// The longest wait in live playback, in milliseconds.
    pub const LIVE_CAP_MS: u64 = 2_000;

    /// A short label.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Speed::Slow => "500ms",
            Speed::Fast => "200ms",
            Speed::Live => "live",
        }
    }
}

/// How a message reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Neutral information.
    Info,
    /// Something was recorded.
    Success,
    /// A rejection or failure.
    Error,
}

/// The message line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// How it reads.
    pub tone: Tone,
    /// The text (already escaped).
    pub text: String,
}

/// The command line: input, history and the last completion candidates.
#[derive(Debug, Clone, Default)]
pub struct CommandLine {
    /// What is typed.
    pub input: Input,
    /// Lines run, oldest first.
    pub history: Vec<String>,
    /// Index into `history` while browsing it with ↑/↓.
    pub browsing: Option<usize>,
    /// Candidates of the last `Tab`, shown under the line.
    pub candidates: Vec<String>,
}

/// The whole UI state.
#[allow(clippy::struct_excessive_bools)] // independent UI flags
#[derive(Debug, Clone, Default)]
pub struct App {
    /// The store's path, for titles.
    pub db_label: String,
    /// The log's head (0 = empty).
    pub head: u64,
    /// The position looked at (0 only when the log is empty).
    pub cursor: u64,
    /// Every aggregate and read model just after the event at `world.position`
    /// (lags `cursor` while the worker folds).
    pub world: World,
    /// Events around the cursor.
    pub window: Window,
    /// Whole-log facts.
    pub overview: Overview,
    /// Keyboard focus.
    pub focus: Focus,
    /// Input mode.
    pub mode: Mode,
    /// A stream chosen in the streams pane; otherwise the state pane shows
    /// the stream of the cursor's event.
    pub pinned: Option<String>,
    /// Selected row in the streams pane (index into the filtered list).
    pub stream_row: usize,
    /// Index of the read model shown.
    pub projection: usize,
    /// The read models.
    pub projections: Vec<Model>,
    /// The rows on screen of a queried read model (see [`Model::queried`]).
    pub page: Option<Page>,
    /// Scroll of the state pane.
    pub state_scroll: u16,
    /// Scroll of the read-model pane (rows).
    pub table_scroll: usize,
    /// Scroll of the help overlay (lines).
    pub help_scroll: u16,
    /// Scroll of the detail pane.
    pub detail_scroll: u16,
    /// Playing (auto-advancing)?
    pub playing: bool,
    /// Playback speed.
    pub speed: Speed,
    /// Following the head.
    pub follow: bool,
    /// Mouse capture on (off by default, so the terminal selects text: `m`
    /// turns it on).
    pub mouse: bool,
    /// Who commands are recorded as (shown in the title).
    pub actor: String,
    /// The command line.
    pub command: CommandLine,
    /// The go-to prompt.
    pub goto: Input,
    /// The filter prompt being typed.
    pub filter_input: Input,
    /// The filter in force (empty = none).
    pub filter: String,
    /// Matches of the filter around the cursor (the audit pane shows them).
    pub matches: Option<Matches>,
    /// The correlation being followed (`c`).
    pub correlation: Option<Correlation>,
    /// The debugger's watch and find (`w`, `F`).
    pub debug: Debugger,
    /// The position marked (`v`): `d` diffs it against the cursor.
    pub mark: Option<u64>,
    /// The what-if branch open (`b`), if any.
    pub branch: Option<BranchView>,
    /// The diff overlay open (`d`, `D`), if any.
    pub diff: Option<DiffView>,
    /// The diff being computed on a thread, if any (Esc cancels it).
    pub diffing: Option<Diffing>,
    /// The causation-tree overlay (`T`), when open.
    pub tree: Option<TreeOverlay>,
    /// The message line.
    pub message: Option<Message>,
    /// Terminal size `(width, height)`.
    pub size: (u16, u16),
    /// The command words of every domain, for completion and help.
    pub commands: Vec<&'static CommandHelp>,
    /// Whether the registry has a seeder (`demo` is offered on an empty store).
    pub seeder: bool,
    /// Draw without colour.
    pub no_color: bool,
    /// Move the cursor to the head once the next overview arrives (after a command).
    pub jump_to_head: bool,
    /// Where keyframes are built to, as the background fold reports it
    /// (`None`: no report, e.g. headless).
    pub building: Option<u64>,
    /// The log is another tool's: its events carry no hash chain.
    pub foreign: bool,
    /// Set when the user quits.
    pub quit: bool,
}

impl App {
    /// A fresh state for a store at `db_label` with `head` events.
    #[must_use]
    pub fn new(db_label: String, head: u64) -> Self {
        Self { db_label, head, cursor: 0, size: (160, 48), ..Self::default() }
    }

    /// The event at the cursor, if the window holds it.
    #[must_use]
    pub fn cursor_event(&self) -> Option<&EventRow> {
        self.window.get(self.cursor)
    }

    /// The stream the state pane shows.
    #[must_use]
    pub fn selected_stream(&self) -> Option<&str> {
        self.pinned.as_deref().or_else(|| self.cursor_event().map(|e| e.stored.stream_id.as_str()))
    }

    /// Whether `e` matches the filter in force (case-insensitive substring
    /// of stream id, event type, actor or correlation id).
    #[must_use]
    pub fn matches(&self, e: &StoredEvent) -> bool {
        matches_filter(&self.filter, e)
    }

    /// Streams passing the filter (id or type), in id order.
    #[must_use]
    pub fn visible_streams(&self) -> Vec<&StreamInfo> {
        let f = self.filter.to_lowercase();
        self.overview
            .streams
            .iter()
            .filter(|s| {
                f.is_empty() || s.stream_id.to_lowercase().contains(&f) || s.stream_type.to_lowercase().contains(&f)
            })
            .collect()
    }

    /// The lowest position the cursor can take.
    #[must_use]
    pub fn first(&self) -> u64 {
        u64::from(self.head > 0)
    }

    /// `p` clamped to `[first, head]` (in a branch: to its fork point).
    #[must_use]
    pub fn clamp(&self, p: u64) -> u64 {
        let last = self.branch.as_ref().map_or(self.head, |b| b.at.min(self.head));
        p.clamp(self.first(), last.max(self.first()))
    }

    /// The read model shown.
    #[must_use]
    pub fn model(&self) -> Option<&Model> {
        self.projections.get(self.projection)
    }

    /// The rows of the shown read model at the cursor, from `table_scroll`,
    /// at most `limit`: from the folded world, or from the page queried for
    /// this position. `None` while a queried page is not there yet.
    #[must_use]
    pub fn model_rows(&self, limit: usize) -> Option<Vec<&Row>> {
        let m = self.model()?;
        if !m.queried {
            return Some(self.tables().rows(m.table.name).skip(self.table_scroll).take(limit).collect());
        }
        let p = self.page.as_ref().filter(|p| p.name == m.name && p.position == self.cursor)?;
        let skip = self.table_scroll.checked_sub(p.offset)?;
        Some(p.rows.iter().skip(skip).take(limit).collect())
    }

    /// How far keyframes are built, in percent of the head, while the
    /// cursor's world waits for them (a fold from the start of a long
    /// log), or while a foreign log's are built in the background.
    #[must_use]
    pub fn building_pct(&self) -> Option<u64> {
        let built = self.building?;
        let waiting = built < self.cursor && self.world.position < self.cursor;
        if !(waiting || (self.foreign && built < self.head)) {
            return None;
        }
        Some(built.max(self.world.position).min(self.head).saturating_mul(100) / self.head.max(1))
    }

    /// The read models folded in memory that the panes show: the branch's
    /// in a what-if branch, else the world's at the cursor.
    #[must_use]
    pub fn tables(&self) -> &crate::es::MemTables {
        self.branch.as_ref().and_then(|b| b.tables.as_ref()).unwrap_or(&self.world.tables)
    }

    /// Whether the cursor's world is still being folded.
    #[must_use]
    pub fn folding(&self) -> bool {
        self.world.position != self.cursor
    }
}

/// Whether `e` matches `filter` (see [`App::matches`]); empty matches all.
#[must_use]
pub fn matches_filter(filter: &str, e: &StoredEvent) -> bool {
    if filter.is_empty() {
        return true;
    }
    let f = filter.to_lowercase();
    let m = e.metadata();
    [e.stream_id.as_str(), e.event_type.as_str(), m.actor.as_str(), m.correlation_id.as_str()]
        .iter()
        .any(|s| s.to_lowercase().contains(&f))
}
