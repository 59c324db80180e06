//! The causation-tree overlay (`T`): the rows, the selected one highlighted
//! and kept in view, the cursor's event marked.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Widget};

use super::super::app::{App, TreeOverlay};
use super::super::text;
use super::theme_of;

/// The overlay's box on a screen `area`: centred, at most 100 wide.
fn tree_area(tree: &TreeOverlay, area: Rect) -> Rect {
    let h = u16::try_from(tree.rows.len() + 2).unwrap_or(u16::MAX).clamp(5, area.height.saturating_sub(4).max(5));
    let [mid] = Layout::vertical([Constraint::Length(h.min(area.height))]).flex(Flex::Center).areas(area);
    let [r] =
        Layout::horizontal([Constraint::Length(100.min(area.width.saturating_sub(4)))]).flex(Flex::Center).areas(mid);
    r
}

/// Draws the tree overlay over the screen, if open.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let Some(tree) = &app.tree else { return };
    let t = theme_of(app);
    let r = tree_area(tree, area);
    Clear.render(r, buf);
    let cut = if tree.truncated { ", the first" } else { "" };
    let title = format!(
        " Causation · correlation {} ({} event{}{cut}) ",
        tree.correlation,
        tree.events,
        if tree.events == 1 { "" } else { "s" }
    );
    let block = Block::bordered()
        .border_style(t.border_focus)
        .title(super::fit_line(Line::styled(title, t.title), r.width.saturating_sub(2)))
        .title_bottom(Line::styled(" ↑↓ select · Enter jumps · Esc closes ", t.muted).right_aligned());
    let inner = block.inner(r);
    block.render(r, buf);
    if tree.rows.is_empty() {
        buf.set_string(inner.x, inner.y, "No events.", t.muted);
        return;
    }
    let height = usize::from(inner.height);
    let top = (tree.selected + 1).saturating_sub(height);
    let width = usize::from(inner.width);
    for (i, row) in tree.rows.iter().enumerate().skip(top).take(height) {
        let here = row.event && row.position == Some(app.cursor);
        let marker = if here { "▶ " } else { "  " };
        let line = text::fit(&format!("{marker}{}{}", row.prefix, row.label), width);
        let style = if i == tree.selected {
            t.selected
        } else if row.event {
            ratatui::style::Style::new()
        } else {
            t.key
        };
        let y = inner.y + u16::try_from(i - top).unwrap_or(0);
        buf.set_stringn(inner.x, y, format!("{line:<width$}"), width, style);
    }
}
