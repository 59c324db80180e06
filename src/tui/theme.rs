//! Every colour and style of the UI, in one place. [`MONO`] is used under
//! `NO_COLOR`: it keeps only modifiers, so nothing depends on colour.

use ratatui::style::{Color, Modifier, Style};

/// The styles of every element.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    /// Pane borders.
    pub border: Style,
    /// The focused pane's border.
    pub border_focus: Style,
    /// Pane titles.
    pub title: Style,
    /// The selected row (always reversed + bold, and marked with `▶`).
    pub selected: Style,
    /// Fields changed by the cursor's event.
    pub changed: Style,
    /// Secondary text.
    pub muted: Style,
    /// Keys in the status bar and help.
    pub key: Style,
    /// A recorded command.
    pub success: Style,
    /// A rejection or failure.
    pub error: Style,
    /// Neutral messages.
    pub info: Style,
    /// Table headers.
    pub header: Style,
    /// The timeline's played part.
    pub track_done: Style,
    /// The timeline's remaining part.
    pub track_todo: Style,
    /// The cursor on the timeline.
    pub cursor: Style,
    /// Snapshot marks.
    pub snapshot: Style,
    /// The density strip.
    pub density: Style,
    /// JSON keys.
    pub json_key: Style,
    /// JSON strings.
    pub json_str: Style,
    /// JSON numbers, booleans, null.
    pub json_lit: Style,
    /// Events matching the filter.
    pub matched: Style,
    /// The "too small" and empty-store screens.
    pub banner: Style,
    /// The `BRANCH @P` badge of a what-if branch, and its own events.
    pub branch: Style,
}

/// The colour theme.
pub const THEME: Theme = Theme {
    border: Style::new().fg(Color::DarkGray),
    border_focus: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
    title: Style::new().fg(Color::White).add_modifier(Modifier::BOLD),
    selected: Style::new().add_modifier(Modifier::REVERSED).add_modifier(Modifier::BOLD),
    changed: Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
    muted: Style::new().fg(Color::DarkGray),
    key: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
    success: Style::new().fg(Color::Green).add_modifier(Modifier::BOLD),
    error: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
    info: Style::new().fg(Color::Blue),
    header: Style::new().fg(Color::Cyan).add_modifier(Modifier::UNDERLINED),
    track_done: Style::new().fg(Color::Cyan),
    track_todo: Style::new().fg(Color::DarkGray),
    cursor: Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
    snapshot: Style::new().fg(Color::Magenta),
    density: Style::new().fg(Color::Blue),
    json_key: Style::new().fg(Color::Cyan),
    json_str: Style::new().fg(Color::Green),
    json_lit: Style::new().fg(Color::Magenta),
    matched: Style::new().fg(Color::Yellow),
    banner: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
    branch: Style::new().fg(Color::Black).bg(Color::LightMagenta).add_modifier(Modifier::BOLD),
};

/// The `NO_COLOR` theme: modifiers only.
pub const MONO: Theme = Theme {
    border: Style::new(),
    border_focus: Style::new().add_modifier(Modifier::BOLD),
    title: Style::new().add_modifier(Modifier::BOLD),
    selected: Style::new().add_modifier(Modifier::REVERSED).add_modifier(Modifier::BOLD),
    changed: Style::new().add_modifier(Modifier::BOLD).add_modifier(Modifier::UNDERLINED),
    muted: Style::new().add_modifier(Modifier::DIM),
    key: Style::new().add_modifier(Modifier::BOLD),
    success: Style::new().add_modifier(Modifier::BOLD),
    error: Style::new().add_modifier(Modifier::BOLD).add_modifier(Modifier::UNDERLINED),
    info: Style::new(),
    header: Style::new().add_modifier(Modifier::UNDERLINED),
    track_done: Style::new().add_modifier(Modifier::BOLD),
    track_todo: Style::new().add_modifier(Modifier::DIM),
    cursor: Style::new().add_modifier(Modifier::REVERSED),
    snapshot: Style::new(),
    density: Style::new(),
    json_key: Style::new().add_modifier(Modifier::BOLD),
    json_str: Style::new(),
    json_lit: Style::new(),
    matched: Style::new().add_modifier(Modifier::UNDERLINED),
    banner: Style::new().add_modifier(Modifier::BOLD),
    branch: Style::new().add_modifier(Modifier::REVERSED).add_modifier(Modifier::BOLD),
};

/// The theme for `app`.
#[must_use]
pub fn of(no_color: bool) -> &'static Theme {
    if no_color { &MONO } else { &THEME }
}
