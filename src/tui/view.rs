//! Drawing: `impl Widget for &App`. Views read the state and draw; they never
//! touch the store or change anything.

pub mod audit;
pub mod bars;
pub mod branch;
pub mod columns;
pub mod diff;
pub mod json;
pub mod overlay;
pub mod panes;
pub mod timeline;
pub mod tree;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Widget};

use super::app::{App, Focus, MIN_SIZE, Mode};
use super::theme::{self, Theme};

/// The regions of the main screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    /// Timeline slider (top).
    pub timeline: Rect,
    /// Streams list.
    pub streams: Rect,
    /// Selected stream's state.
    pub state: Rect,
    /// Read models.
    pub projections: Rect,
    /// Audit log.
    pub audit: Rect,
    /// Selected event's details.
    pub detail: Rect,
    /// Command line / message.
    pub command: Rect,
    /// Key hints.
    pub status: Rect,
}

/// Splits the screen into the main screen's regions.
#[must_use]
pub fn areas(area: Rect) -> Areas {
    let [timeline, middle, bottom, command, status] = Layout::vertical([
        Constraint::Length(5),
        Constraint::Fill(4),
        Constraint::Fill(5),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let [streams, state, projections] =
        Layout::horizontal([Constraint::Percentage(20), Constraint::Percentage(32), Constraint::Fill(1)]).areas(middle);
    let [audit, detail] = Layout::horizontal([Constraint::Percentage(58), Constraint::Fill(1)]).areas(bottom);
    Areas { timeline, streams, state, projections, audit, detail, command, status }
}

/// A bordered pane `width` wide, its border brighter when focused; its
/// title cut with `…` when it does not fit.
#[must_use]
pub fn pane(app: &App, width: u16, focus: Focus, title: Line<'_>) -> Block<'static> {
    let t = theme_of(app);
    let focused = app.focus == focus && app.mode == Mode::Normal;
    let marker = if focused { "▶ " } else { "" };
    let mut spans = vec![Span::styled(format!(" {marker}"), t.border_focus)];
    spans.extend(title.spans);
    spans.push(Span::raw(" "));
    Block::bordered()
        .border_style(if focused { t.border_focus } else { t.border })
        .title(fit_line(Line::from(spans).style(t.title), width.saturating_sub(2)))
}

/// `line` cut to `width` columns, ending in `…` when cut.
#[must_use]
pub fn fit_line(line: Line<'_>, width: u16) -> Line<'static> {
    let mut room = usize::from(width);
    let style = line.style;
    let mut spans = Vec::new();
    for s in line.spans {
        let w = super::text::width(&s.content);
        if w <= room {
            room -= w;
            spans.push(Span::styled(s.content.into_owned(), s.style));
            continue;
        }
        if room > 0 {
            spans.push(Span::styled(super::text::fit(&s.content, room), s.style));
        } else if let Some(last) = spans.iter_mut().rev().find(|s| !s.content.is_empty()) {
            // No room left for any of this span: the one before ends in `…`.
            let mut text = last.content.to_string();
            text.pop();
            text.push('…');
            last.content = text.into();
        }
        break;
    }
    Line::from(spans).style(style)
}

/// The theme in force for `app`.
#[must_use]
pub fn theme_of(app: &App) -> &'static Theme {
    theme::of(app.no_color)
}

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
            overlay::too_small(self, area, buf);
            return;
        }
        let a = areas(area);
        timeline::render(self, a.timeline, buf);
        if self.head == 0 {
            let body = Rect::new(area.x, a.streams.y, area.width, a.command.y - a.streams.y);
            overlay::empty(self, body, buf);
        } else {
            panes::render_streams(self, a.streams, buf);
            panes::render_state(self, a.state, buf);
            panes::render_projections(self, a.projections, buf);
            match self.branch.as_ref().filter(|_| self.correlation.is_none()) {
                Some(b) => branch::render_log(self, b, a.audit, buf),
                None => audit::render_log(self, a.audit, buf),
            }
            audit::render_detail(self, a.detail, buf);
        }
        bars::render_command(self, a.command, buf);
        bars::render_status(self, a.status, buf);
        if let Some(v) = self.diff.as_ref().filter(|_| self.mode == Mode::Normal) {
            diff::render(self, v, area, buf);
        }
        tree::render(self, area, buf);
        if self.mode == Mode::Help {
            overlay::help(self, area, buf);
        }
    }
}
