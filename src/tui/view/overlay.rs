//! Whole-screen states: help, an empty store, a terminal too small.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget, Wrap};

use super::super::app::{App, MIN_SIZE};
use super::super::text;
use super::theme_of;

/// Every key, grouped.
pub const KEYS: &[(&str, &[(&str, &str)])] = &[
    (
        "Time travel",
        &[
            ("← → / h l", "one event back / forward"),
            ("PgUp PgDn", "100 events back / forward"),
            ("Home End", "first event / head"),
            ("g", "go to a position or an RFC 3339 time, then Enter"),
            ("[ ]", "previous / next event of the selected stream"),
            ("Space", "play / pause"),
            ("+ -", "playback speed: 500 ms, 200 ms, live"),
            ("f", "follow the head (new events appear live)"),
            ("m", "mouse capture: click or drag the timeline"),
            ("", "(off by default: the terminal selects text, e.g. a hash to copy)"),
        ],
    ),
    (
        "Panes",
        &[
            ("Tab S-Tab", "focus next / previous pane"),
            ("↑ ↓ / k j", "move or scroll in the focused pane"),
            ("Enter", "streams: pin the stream in the state pane"),
            ("p P", "next / previous read model"),
            ("Esc", "cancel a search; leave correlation, unpin, clear filter"),
        ],
    ),
    (
        "Find",
        &[
            ("/", "filter by stream, type, actor or correlation id"),
            ("n N", "next / previous match of the last search (/, w, F)"),
            ("w", "watch a field of the selected stream (Tab completes)"),
            ("", "then n N: the next / previous event that changed it"),
            ("", "(read-model pane focused: a cell of its top row, ▶)"),
            ("F", "find where an expression holds on the selected stream"),
            ("", "e.g. balance_cents < 0 and closed = false"),
            ("c", "every event sharing this event's correlation"),
            ("T", "causation tree of this event's correlation (Enter jumps)"),
        ],
    ),
    (
        "Diff and what-if",
        &[
            ("v", "mark the cursor's position (v at the mark clears it)"),
            ("d", "diff the mark against the cursor (Esc closes)"),
            ("b", "fork a what-if branch at the cursor; b or Esc leaves"),
            ("", "(leaving offers to export the branch as JSON Lines)"),
            ("x", "in a branch: skip the selected event, or restore it"),
            ("D", "in a branch: diff the branch against the log"),
            ("", "in a branch, : runs commands there (nothing is written)"),
        ],
    ),
    (
        "Commands",
        &[
            (": or i", "command line (Enter runs at the head, Esc leaves)"),
            ("↑ ↓  Tab", "history, complete words and ids"),
            ("paste", "into the line as text (line breaks become spaces)"),
        ],
    ),
    ("General", &[("? F1", "this help"), ("Ctrl-Z", "suspend (fg resumes)"), ("q Ctrl-C", "quit")]),
];

/// The help's lines: every key, then the command language.
fn help_lines(app: &App) -> Vec<Line<'static>> {
    let t = theme_of(app);
    let mut lines = Vec::new();
    for (group, keys) in KEYS {
        lines.push(Line::styled(*group, t.header));
        for (k, what) in *keys {
            lines.push(Line::from(vec![Span::styled(format!("  {k:<12}"), t.key), Span::raw(*what)]));
        }
        lines.push(Line::raw(""));
    }
    lines.push(Line::styled("Command language:", t.header));
    for c in &app.commands {
        lines.push(Line::from(format!("  {}", c.usage)));
    }
    lines
}

/// The help's box on a screen `area`: centred, at most 72 wide.
fn help_area(app: &App, area: Rect) -> Rect {
    let n = help_lines(app).len();
    let h = u16::try_from(n + 2).unwrap_or(u16::MAX).min(area.height);
    let [mid] = Layout::vertical([Constraint::Length(h)]).flex(Flex::Center).areas(area);
    let [r] = Layout::horizontal([Constraint::Length(72.min(area.width))]).flex(Flex::Center).areas(mid);
    r
}

/// How far the help scrolls at the terminal's size (0 when it fits).
#[must_use]
pub fn help_max_scroll(app: &App) -> u16 {
    let r = help_area(app, Rect::new(0, 0, app.size.0, app.size.1));
    let n = u16::try_from(help_lines(app).len()).unwrap_or(u16::MAX);
    n.saturating_sub(r.height.saturating_sub(2))
}

/// Draws the help overlay over the screen, scrolled by `help_scroll`; a
/// help taller than the screen says so in its frame. Lines wider than the
/// box end in `…`.
pub fn help(app: &App, area: Rect, buf: &mut Buffer) {
    let t = theme_of(app);
    let r = help_area(app, area);
    let inner_w = r.width.saturating_sub(2);
    let lines: Vec<Line> = help_lines(app).into_iter().map(|l| super::fit_line(l, inner_w)).collect();
    let n = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let max = n.saturating_sub(r.height.saturating_sub(2));
    let scroll = app.help_scroll.min(max);
    Clear.render(r, buf);
    let mut block = Block::bordered().border_style(t.border_focus).title(Line::styled(" Keys · Esc closes ", t.title));
    if max > 0 {
        let shown = r.height.saturating_sub(2);
        let more = format!(" {}–{} of {n} · ↑↓ PgUp PgDn scroll ", scroll + 1, scroll + shown);
        block = block.title_bottom(Line::styled(more, t.muted).right_aligned());
    }
    Paragraph::new(lines).scroll((scroll, 0)).block(block).render(r, buf);
}

/// Draws the empty-store screen: how to start.
pub fn empty(app: &App, area: Rect, buf: &mut Buffer) {
    let t = theme_of(app);
    let mut lines = vec![
        Line::styled("This store is empty.", t.banner),
        Line::raw(""),
        Line::from(format!("  {}", text::fit(&text::clean(&app.db_label), usize::from(area.width.saturating_sub(6))))),
        Line::raw(""),
        Line::raw("Record the first event: press : and type a command, for example"),
    ];
    for c in app.commands.iter().take(3) {
        lines.push(Line::styled(format!("    {}", c.usage), t.key));
    }
    lines.push(Line::raw(""));
    if app.seeder {
        lines.push(Line::raw("or quit (q) and seed a demo:  chronicle demo"));
    }
    lines.push(Line::raw("Events appended by another process appear here live."));
    let block = Block::bordered().border_style(t.border);
    Paragraph::new(lines).alignment(ratatui::layout::Alignment::Center).block(block).render(area, buf);
}

/// Draws the "terminal too small" message.
pub fn too_small(app: &App, area: Rect, buf: &mut Buffer) {
    let t = theme_of(app);
    let lines = vec![
        Line::styled("Terminal too small", t.banner),
        Line::raw(format!("{}×{}, chronicle needs at least {}×{}.", area.width, area.height, MIN_SIZE.0, MIN_SIZE.1)),
        Line::raw("Enlarge the window, or press q to quit."),
    ];
    Clear.render(area, buf);
    let h = 3.min(area.height);
    let [mid] = Layout::vertical([Constraint::Length(h)]).flex(Flex::Center).areas(area);
    Paragraph::new(lines).alignment(ratatui::layout::Alignment::Center).wrap(Wrap { trim: true }).render(mid, buf);
}
