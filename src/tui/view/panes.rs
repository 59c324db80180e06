//! The streams list, the selected stream's state and the read models.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::super::app::{App, Focus};
use super::super::text;
use super::columns::{self, Col, Give};
use super::{json, pane, theme_of};
use crate::es::{Cell, ColumnKind};

/// Draws the streams list (filtered), with each stream's version at the cursor.
pub fn render_streams(app: &App, area: Rect, buf: &mut Buffer) {
    let t = theme_of(app);
    let streams = app.visible_streams();
    let mut title = vec![Span::raw(format!("Streams ({})", streams.len()))];
    if app.branch.is_some() {
        title.push(Span::styled(" of the log, versions @cursor", t.muted));
    }
    if !app.filter.is_empty() {
        title.push(Span::styled(format!(" /{}", text::clean(&app.filter)), t.matched));
    }
    let block = pane(app, area.width, Focus::Streams, Line::from(title));
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
    if let Some(b) = &app.branch {
        return super::branch::render_state(app, b, area, buf);
    }
    let t = theme_of(app);
    let Some(id) = app.selected_stream() else {
        let block = pane(app, area.width, Focus::State, Line::from("State"));
        Paragraph::new("No stream selected.").style(t.muted).block(block).render(area, buf);
        return;
    };
    let shown = text::clean(id);
    let Some(at) = app.world.streams.get(id) else {
        let block = pane(app, area.width, Focus::State, Line::from(format!("State · {shown}")));
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
    // A stream of a type no domain registered shows its generic fold, said so.
    let generic = at.state.as_deref().is_some_and(crate::app::query::is_generic);
    let Some(state) = at.state.as_ref().map(|s| s.to_json()) else {
        let block = pane(app, area.width, Focus::State, title);
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
    if generic {
        let note = crate::app::query::unregistered_note(&at.stream_type);
        lines.insert(0, Line::styled(format!("{} · read-only", text::clean(&note)), t.muted));
    }
    for p in &app.world.problems {
        lines.push(Line::styled(format!("! {}", text::clean(p)), t.error));
    }
    let block = pane(app, area.width, Focus::State, title);
    let lines: Vec<Line> = lines.into_iter().map(|l| super::fit_line(l, area.width.saturating_sub(2))).collect();
    Paragraph::new(lines).scroll((app.state_scroll, 0)).block(block).render(area, buf);
}

/// Data rows the read-model pane shows at the terminal's size.
#[must_use]
pub fn table_rows(app: &App) -> usize {
    let area = super::areas(Rect::new(0, 0, app.size.0, app.size.1)).projections;
    usize::from(area.height.saturating_sub(3)).max(1)
}

/// Draws the chosen read model as it was at the cursor. Ids (the key
/// columns) and numbers are never cut: text columns shrink (cut with `…`),
/// then columns drop from the right, first.
pub fn render_projections(app: &App, area: Rect, buf: &mut Buffer) {
    let t = theme_of(app);
    let Some(model) = app.model() else {
        let block = pane(app, area.width, Focus::Projections, Line::from("Read models"));
        Paragraph::new("No read models registered.").style(t.muted).block(block).render(area, buf);
        return;
    };
    if let Some(b) = app.branch.as_ref().filter(|b| model.queried || b.tables.is_none()) {
        return super::branch::render_unavailable(app, b, model.name, area, buf);
    }
    let visible = usize::from(area.height.saturating_sub(3));
    let rows = app.model_rows(visible);
    let count = if model.queried {
        match app.page.as_ref().filter(|p| p.name == model.name && p.position == app.cursor) {
            Some(p) if p.more || app.table_scroll > 0 => {
                let shown = rows.as_ref().map_or(0, Vec::len);
                let more = if p.more || app.table_scroll + shown < p.offset + p.rows.len() { "+" } else { "" };
                format!("rows {}–{}{more}", app.table_scroll + 1, app.table_scroll + shown)
            }
            Some(p) => format!("{} rows", p.rows.len()),
            None => "reading…".to_owned(),
        }
    } else {
        format!("{} rows", app.tables().len(model.table.name))
    };
    let title = Line::from(vec![
        Span::raw(format!("Read model · {}", model.name)),
        super::branch::badge(app).unwrap_or_default(),
        Span::styled(format!(" ({count}, {}/{}, p/P)", app.projection + 1, app.projections.len()), t.muted),
    ]);
    let block = pane(app, area.width, Focus::Projections, super::fit_line(title, area.width.saturating_sub(4)));
    let inner = block.inner(area);
    block.render(area, buf);
    let waiting = rows.is_none();
    let rows = rows.unwrap_or_default();
    if rows.is_empty() {
        let msg = if waiting {
            "reading…"
        } else if app.table_scroll > 0 {
            "No more rows (↑ scrolls back)."
        } else {
            "No rows at this position."
        };
        Paragraph::new(msg).style(t.muted).render(inner, buf);
        return;
    }
    let spec = model.table;
    let hot = app.cursor_event().map(|e| e.stored.stream_id.as_str());
    let cells: Vec<(bool, Vec<String>)> = rows
        .iter()
        .map(|r| {
            let is_hot = hot.is_some_and(|h| r.cells().iter().any(|c| c.as_str() == Some(h)));
            let cells = r
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
    let cols: Vec<Col> = spec
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let give = if i < spec.key_len {
                Give::Keep
            } else if c.kind == ColumnKind::Text {
                Give::Cut
            } else {
                Give::Whole
            };
            Col::new(&text::clean(c.name), give, cells.iter().map(|(_, r)| r[i].as_str()))
        })
        .collect();
    let right: Vec<bool> = spec.columns.iter().map(|c| c.kind != ColumnKind::Text).collect();
    let width = usize::from(inner.width);
    let widths = columns::widths(&cols, width.saturating_sub(2));
    let headers: Vec<&str> = cols.iter().map(|c| c.header.as_str()).collect();
    let header = format!("  {}", columns::row(&headers, &widths, &[]));
    buf.set_string(inner.x, inner.y, text::fit(&header, width), t.header);
    for (i, (is_hot, row)) in cells.iter().enumerate().take(usize::from(inner.height.saturating_sub(1))) {
        // The top row is the one `w` watches while the pane has focus.
        let marker = if i == 0 && app.focus == Focus::Projections {
            "▶ "
        } else if *is_hot {
            "* "
        } else {
            "  "
        };
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        let line = format!("{marker}{}", columns::row(&cells, &widths, &right));
        let style = if *is_hot { t.changed } else { ratatui::style::Style::new() };
        let y = inner.y + 1 + u16::try_from(i).unwrap_or(0);
        buf.set_string(inner.x, y, text::fit(&line, width), style);
    }
}
