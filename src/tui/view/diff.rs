//! The diff overlay: between the mark and the cursor (`d`), or a what-if
//! branch against the log (`D`). Scrollable; Esc closes.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

use super::super::app::{App, DiffKind, DiffView};
use super::theme_of;

/// The overlay's box on a screen `area`: centred, at most 110 wide, the
/// screen's height less a margin.
fn area_of(area: Rect) -> Rect {
    let [mid] =
        Layout::vertical([Constraint::Length(area.height.saturating_sub(4).max(3))]).flex(Flex::Center).areas(area);
    let w = area.width.saturating_sub(4).clamp(20, 110).min(area.width);
    let [r] = Layout::horizontal([Constraint::Length(w)]).flex(Flex::Center).areas(mid);
    r
}

/// How far `v` scrolls on a terminal of `size` (0 when it fits).
#[must_use]
pub fn max_scroll(v: &DiffView, size: (u16, u16)) -> u16 {
    let r = area_of(Rect::new(0, 0, size.0, size.1));
    let n = u16::try_from(v.lines.len()).unwrap_or(u16::MAX);
    n.saturating_sub(r.height.saturating_sub(2))
}

/// Draws the diff overlay, scrolled; lines wider than the box end in `…`.
pub fn render(app: &App, view: &DiffView, area: Rect, buf: &mut Buffer) {
    let v = view;
    let t = theme_of(app);
    let rect = area_of(area);
    let inner_w = rect.width.saturating_sub(2);
    let lines: Vec<Line> = v
        .lines
        .iter()
        .map(|(kind, text)| {
            let style = match kind {
                DiffKind::Heading => t.header,
                DiffKind::Changed => t.changed,
                DiffKind::Added => t.success,
                DiffKind::Removed => t.error,
                DiffKind::Plain => Style::new(),
            };
            super::fit_line(Line::styled(text.clone(), style), inner_w)
        })
        .collect();
    let max = max_scroll(v, (area.width, area.height));
    let scroll = v.scroll.min(max);
    Clear.render(rect, buf);
    let title = format!(" {} · Esc closes ", super::super::text::clean(&v.title));
    let mut block =
        Block::bordered().border_style(t.border_focus).title(super::fit_line(Line::styled(title, t.title), inner_w));
    if max > 0 {
        let count = lines.len();
        let shown = usize::from(rect.height.saturating_sub(2));
        let top = usize::from(scroll);
        let more = format!(" {}–{} of {count} · ↑↓ PgUp PgDn scroll ", top + 1, (top + shown).min(count));
        block = block.title_bottom(Line::styled(more, t.muted).right_aligned());
    }
    Paragraph::new(lines).scroll((scroll, 0)).block(block).render(rect, buf);
}
