//! The streams list, the selected stream's state and the read models.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, Widget};

use super::super::app::{App, Focus};
use super::super::text;
use super::{json, pane, theme_of};
use crate::es::Cell;

/// Draws the streams list (filtered), with each stream's version at the cursor.
pub fn render_streams(app: &App, area: Rect, buf: &mut Buffer) {
    let t = theme_of(app);
    let streams = app.visible_streams();
    let mut title = vec![Span::raw(format!("Streams ({})", streams.len()))];
    if !app.filter.is_empty() {
        title.push(Span::styled(format!(" /{}", text::clean(&app.filter)), t.matched));
    }
    let block = pane(app, Focus::Streams, Line::from(title));
    let inner = block.inner(area);
    block.render(area, buf);
    let h = usize::from(inner.height);
    let offset = app.stream_row.saturating_sub(h.saturating_sub(1));
    let selected = app.selected_stream();
    let width = usize::from(inner.width);
    let lines: Vec<Line> = streams
        .iter()
        .enumerate()
        .skip(offset)
        .take(h)
        .map(|(i, s)| {
            let at = app.world.streams.get(s.stream_id.as_str());
            let version = at.map_or_else(|| "—".to_owned(), |a| format!("v{}", a.version));
            let is_row = i == app.stream_row && app.focus == Focus::Streams;
            let is_sel = selected == Some(s.stream_id.as_str());
            let marker = match (is_row, is_sel) {
                (true, _) => "▶",
                (false, true) => "•",
                _ => " ",
            };
            let name = text::fit(&text::clean(&s.stream_id), width.saturating_sub(8));
            let body = format!("{marker}{name:<w$} {version:>5}", w = width.saturating_sub(7));
            let style = if is_row {
                t.selected
            } else if is_sel {
                t.changed
            } else if at.is_none() {
                t.muted
            } else {
                ratatui::style::Style::new()
            };
            Line::styled(text::fit(&body, width), style)
        })
        .collect();
    Paragraph::new(lines).render(inner, buf);
}

/// Draws the selected stream's state at the cursor, fields changed by the
/// cursor's event highlighted.
pub fn render_state(app: &App, area: Rect, buf: &mut Buffer) {
    let t = theme_of(app);
    let Some(id) = app.selected_stream() else {
        let block = pane(app, Focus::State, Line::from("State"));
        Paragraph::new("No stream selected.").style(t.muted).block(block).render(area, buf);
        return;
    };
    let shown = text::clean(id);
    let Some(at) = app.world.streams.get(id) else {
        let block = pane(app, Focus::State, Line::from(format!("State · {shown}")));
        let msg = if app.folding() {
            "folding…".to_owned()
        } else {
            format!("{shown} did not exist yet at position {}.", app.cursor)
        };
        Paragraph::new(msg).style(t.muted).block(block).render(area, buf);
        return;
    };
    let pin = if app.pinned.is_some() { " · pinned" } else { "" };
    let title = Line::from(vec![
        Span::raw(format!("State · {shown}")),
        Span::styled(format!(" {} v{} @{}{pin}", text::clean(&at.stream_type), at.version, at.position), t.muted),
    ]);
    let Some(state) = at.state.as_ref().map(|s| s.to_json()) else {
        let block = pane(app, Focus::State, title);
        Paragraph::new("loading…").style(t.muted).block(block).render(area, buf);
        return;
    };
    let changed = match &app.world.before_last {
        Some((sid, before)) if sid == id && at.position == app.world.position => json::changed_keys(before, &state),
        _ => Vec::new(),
    };
    let mut lines = json::lines(&state, t, &|k| changed.iter().any(|c| c == k));
    if !changed.is_empty() {
        lines.insert(0, Line::styled(format!("* changed by event {}", app.world.position), t.changed));
    }
    for p in &app.world.problems {
        lines.push(Line::styled(format!("! {}", text::clean(p)), t.error));
    }
    let block = pane(app, Focus::State, title);
    Paragraph::new(lines).scroll((app.state_scroll, 0)).block(block).render(area, buf);
}

/// Draws the chosen read model as it was at the cursor.
pub fn render_projections(app: &App, area: Rect, buf: &mut Buffer) {
    let t = theme_of(app);
    let Some((name, table)) = app.projections.get(app.projection) else {
        let block = pane(app, Focus::Projections, Line::from("Read models"));
        Paragraph::new("No read models registered.").style(t.muted).block(block).render(area, buf);
        return;
    };
    let total = app.world.tables.len(table);
    let title = Line::from(vec![
        Span::raw(format!("Read model · {name}")),
        Span::styled(format!(" ({total} rows, {}/{}, p/P)", app.projection + 1, app.projections.len()), t.muted),
    ]);
    let block = pane(app, Focus::Projections, title);
    // Only the rows on screen are formatted: tables can hold many thousands.
    let visible = usize::from(block.inner(area).height.saturating_sub(1));
    let rows: Vec<&crate::es::Row> = app.world.tables.rows(table).skip(app.table_scroll).take(visible).collect();
    let Some(first) = app.world.tables.rows(table).next() else {
        Paragraph::new("No rows at this position.").style(t.muted).block(block).render(area, buf);
        return;
    };
    let columns: Vec<&str> = first.spec().columns.iter().map(|c| c.name).collect();
    let hot = app.cursor_event().map(|e| e.stored.stream_id.as_str());
    let mut widths: Vec<usize> = columns.iter().map(|c| c.chars().count()).collect();
    let cells: Vec<(bool, Vec<String>)> = rows
        .iter()
        .map(|r| {
            let is_hot = hot.is_some_and(|h| r.cells().iter().any(|c| c.as_str() == Some(h)));
            let cells: Vec<String> = r
                .cells()
                .iter()
                .map(|c| match c {
                    Cell::Text(s) => text::clean(s),
                    other => text::cell(&other.to_value()),
                })
                .collect();
            (is_hot, cells)
        })
        .collect();
    for (_, row) in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count()).min(28);
        }
    }
    let header =
        Row::new(std::iter::once(" ".to_owned()).chain(columns.iter().map(|c| text::clean(c)))).style(t.header);
    let body = cells.into_iter().map(|(is_hot, row)| {
        let marker = if is_hot { "*" } else { " " };
        let r = Row::new(std::iter::once(marker.to_owned()).chain(row));
        if is_hot { r.style(t.changed) } else { r }
    });
    let constraints = std::iter::once(Constraint::Length(1))
        .chain(widths.iter().map(|w| Constraint::Length(u16::try_from(*w).unwrap_or(28))));
    Table::new(body, constraints).header(header).column_spacing(1).block(block).render(area, buf);
}
