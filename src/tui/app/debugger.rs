//! The debugger's state in the UI: a watched field, a find expression, and
//! which search `n` / `N` serve.

use tui_input::Input;

/// The search `n` / `N` repeat: the one started last.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Search {
    /// The filter (`/`).
    #[default]
    Filter,
    /// A watched field of a stream (`w`): its next / previous change.
    Watch {
        /// The stream.
        stream: String,
        /// The dotted path.
        path: String,
    },
    /// A watched cell of a read-model row (`w` on the read-model pane): its
    /// next / previous change.
    WatchRow {
        /// The read model.
        model: String,
        /// The row's key, one text per key column.
        key: Vec<String>,
        /// The dotted path (a column, or into one).
        path: String,
    },
    /// A `--where` expression on a stream, or on a read model's rows (`F`):
    /// its next / previous match.
    Find {
        /// The stream, or the read model's name.
        on: String,
        /// Whether `on` is a read model (it holds when any row matches).
        projection: bool,
        /// The expression.
        expr: String,
    },
}

/// Watch and find prompts, and what runs.
#[derive(Debug, Clone, Default)]
pub struct Debugger {
    /// The watch prompt being typed.
    pub watch_input: Input,
    /// The find prompt being typed.
    pub find_input: Input,
    /// What `n` / `N` repeat.
    pub last: Search,
    /// A watch or find is running (Esc cancels it).
    pub busy: bool,
}

impl Search {
    /// What the status line calls it.
    #[must_use]
    pub fn label(&self) -> String {
        match self {
            Self::Filter => "filter".into(),
            Self::Watch { stream, path } => format!("watch {path} of {stream}"),
            Self::WatchRow { model, key, path } => format!("watch {path} of {model} {}", key.join("/")),
            Self::Find { on, expr, .. } => format!("find `{expr}` in {on}"),
        }
    }
}
