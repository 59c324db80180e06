//! The audit log around the cursor and the selected event's details.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};
use serde_json::Value;

use super::super::app::{App, Focus};
use super::super::text;
use super::columns::{self, Col, Give};
use super::{json, pane, theme_of};
use crate::es::StoredEvent;

/// Draws the audit log: the window around the cursor (filtered), or the
/// events of the correlation being followed.
#[allow(clippy::single_match_else)]
pub fn render_log(app: &App, area: Rect, buf: &mut Buffer) {
    let t = theme_of(app);
    let (title, events): (Line, Vec<&StoredEvent>) = match &app.correlation {
        Some(c) => (
            Line::from(vec![
                Span::raw("Correlation "),
                Span::styled(text::clean(&c.id), t.matched),
                Span::styled(format!(" ({} events, Esc leaves)", c.events.len()), t.muted),
            ]),
            c.events.iter().collect(),
        ),
        None => {
            let mut title = vec![Span::raw("Audit log")];
            let matches = app.matches.as_ref().filter(|m| !app.filter.is_empty() && m.filter == app.filter);
            let events = if let Some(m) = matches {
                let f = text::clean(&app.filter);
                title.push(Span::styled(format!(" /{f} · whole log (n/N)"), t.matched));
                // The matches, and the cursor's own event among them.
                let mut events: Vec<&StoredEvent> = m.events.iter().collect();
                if let Some(e) = app.cursor_event().map(|e| &e.stored)
                    && !app.matches(e)
                {
                    let at = events.partition_point(|x| x.position < e.position);
                    events.insert(at, e);
                }
                events
            } else {
                app.window
                    .events
                    .iter()
                    .map(|e| &e.stored)
                    .filter(|e| e.position == app.cursor || app.matches(e))
                    .collect()
            };
            (Line::from(title), events)
        }
    };
    let block = pane(app, area.width, Focus::Audit, title);
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height < 2 {
        return;
    }
    let w = usize::from(inner.width);
    let rows = usize::from(inner.height - 1);
    let at = events.iter().position(|e| e.position >= app.cursor).unwrap_or(events.len());
    let start = at.saturating_sub(rows / 2).min(events.len().saturating_sub(rows));
    let shown: Vec<(&StoredEvent, [String; 6])> = events
        .iter()
        .skip(start)
        .take(rows)
        .map(|e| {
            let m = e.metadata();
            let cells = [
                e.position.to_string(),
                text::short_time(&e.recorded_at),
                text::clean(&e.stream_id),
                text::clean(&e.event_type),
                text::clean(&m.actor),
                row_payload(&e.payload),
            ];
            (*e, cells)
        })
        .collect();
    // Position and stream are never cut; time, payload, actor, type give way
    // (text cut with `…` first, then dropped whole), in that order.
    let specs = [
        ("pos", Give::Keep, 0, 0),
        ("time", Give::Whole, 5, 0),
        ("stream", Give::Keep, 0, 0),
        ("type", Give::Cut, 2, 12),
        ("actor", Give::Cut, 3, 6),
        ("payload", Give::Cut, 4, 8),
    ];
    let cols: Vec<Col> = specs
        .iter()
        .enumerate()
        .map(|(i, (h, give, rank, least))| {
            Col::new(h, *give, shown.iter().map(|(_, c)| c[i].as_str())).rank(*rank).at_least(*least)
        })
        .collect();
    let widths = columns::widths(&cols, w.saturating_sub(1));
    let right = [true];
    let headers: Vec<&str> = specs.iter().map(|s| s.0).collect();
    buf.set_string(inner.x, inner.y, text::fit(&format!(" {}", columns::row(&headers, &widths, &right)), w), t.header);
    for (i, (e, cells)) in shown.iter().enumerate() {
        let is_cursor = e.position == app.cursor;
        let marker = if is_cursor { "▶" } else { " " };
        let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
        let line = format!("{marker}{}", columns::row(&cells, &widths, &right));
        let style = if is_cursor {
            t.selected
        } else if e.position > app.cursor {
            t.muted
        } else if !app.filter.is_empty() && app.matches(e) {
            t.matched
        } else {
            Style::new()
        };
        let y = inner.y + 1 + u16::try_from(i).unwrap_or(0);
        buf.set_string(inner.x, y, text::fit(&line, w), style);
    }
}

/// Event rows the audit pane shows at the terminal's size.
#[must_use]
pub fn log_rows(app: &App) -> usize {
    let area = super::areas(Rect::new(0, 0, app.size.0, app.size.1)).audit;
    usize::from(area.height.saturating_sub(3)).max(1)
}

/// Every line cut with `…` to `width`.
fn fit_all(lines: Vec<Line<'_>>, width: u16) -> Vec<Line<'static>> {
    lines.into_iter().map(|l| super::fit_line(l, width)).collect()
}

/// Bytes of stored payload above which a log row shows the stored text as it
/// is (cut) rather than parsing it each frame.
const ROW_PAYLOAD_BYTES: usize = 4_096;

/// A payload on one row: compact JSON, or for a big one its stored text cut
/// to what a row can show.
fn row_payload(payload: &str) -> String {
    if payload.len() > ROW_PAYLOAD_BYTES {
        let cut = payload.char_indices().nth(ROW_PAYLOAD_BYTES / 4).map_or(payload, |(at, _)| &payload[..at]);
        return text::clean(cut);
    }
    serde_json::from_str::<Value>(payload).map_or_else(|_| text::clean(payload), |v| text::compact(&v))
}

/// Width of a field's name in the detail pane.
const FIELD: usize = 12;

/// `name value` on one line, the value cut with `…` to `width`.
fn field(name: &str, value: &str, width: usize, t: &super::super::theme::Theme) -> Line<'static> {
    let value = text::fit(value, width.saturating_sub(FIELD));
    Line::from(vec![Span::styled(format!("{name:<FIELD$}"), t.json_key), Span::raw(value)])
}

/// A hash shown whole: on as many lines as the width needs.
fn hash_lines(hash: &str, width: usize, t: &super::super::theme::Theme) -> Vec<Line<'static>> {
    let room = width.saturating_sub(FIELD).max(8);
    let chars: Vec<char> = hash.chars().collect();
    chars
        .chunks(room)
        .enumerate()
        .map(|(i, c)| {
            let name = if i == 0 { "hash" } else { "" };
            Line::from(vec![
                Span::styled(format!("{name:<FIELD$}"), t.json_key),
                Span::raw(c.iter().collect::<String>()),
            ])
        })
        .collect()
}

/// Draws the cursor event's details: metadata, hash, and the payload as
/// stored and as upcast (side by side when they differ).
#[allow(clippy::many_single_char_names)]
pub fn render_detail(app: &App, area: Rect, buf: &mut Buffer) {
    let t = theme_of(app);
    let Some(row) = app.cursor_event() else {
        let block = pane(app, area.width, Focus::Audit, Line::from("Event"));
        Paragraph::new("…").style(t.muted).block(block.border_style(t.border)).render(area, buf);
        return;
    };
    let (e, j) = (&row.stored, &row.json);
    let upcast_v = j["schema_version"].as_u64().unwrap_or(u64::from(e.schema_version));
    let title = Line::from(vec![
        Span::raw(format!("Event {} · {}", e.position, text::clean(&e.event_type))),
        Span::styled(
            if upcast_v == u64::from(e.schema_version) {
                format!(" v{upcast_v}")
            } else {
                format!(" v{}→v{upcast_v}", e.schema_version)
            },
            t.muted,
        ),
    ]);
    let title = super::fit_line(title.style(t.title), area.width.saturating_sub(2));
    let block = Block::bordered().border_style(t.border).title(title);
    let inner = block.inner(area);
    block.render(area, buf);
    let m = e.metadata();
    let w = usize::from(inner.width);
    let stream = format!("{} ({}) v{}", text::clean(&e.stream_id), text::clean(&e.stream_type), e.version);
    let actor = format!("{} via {}", text::clean(&m.actor), text::clean(&m.source));
    let mut lines = vec![
        field("stream", &stream, w, t),
        field("recorded", &text::clean(&e.recorded_at), w, t),
        field("actor", &actor, w, t),
        field("command", &text::clean(&m.command_id), w, t),
        field("correlation", &text::clean(&m.correlation_id), w, t),
        field("causation", &text::clean(&m.causation_id), w, t),
        field("event id", &text::clean(&e.event_id), w, t),
    ];
    lines.extend(hash_lines(&e.hash_hex(), w, t));
    if let Some(err) = j.get("upcast_error") {
        lines.push(Line::styled(format!("cannot upcast: {}", text::compact(err)), t.error));
    }
    let top = u16::try_from(lines.len()).unwrap_or(8).min(inner.height);
    let [meta, payload] = Layout::vertical([Constraint::Length(top), Constraint::Fill(1)]).areas(inner);
    Paragraph::new(lines).render(meta, buf);
    let none = |_: &str| false;
    let stored = &j["stored_payload"];
    let upcast = &j["payload"];
    let scroll = (app.detail_scroll, 0);
    if stored == upcast {
        let b = Block::new().borders(Borders::TOP).border_style(t.border).title(format!(" payload v{upcast_v} "));
        let lines = fit_all(json::lines_of(upcast, Some(e.payload.len()), t, &none), payload.width);
        Paragraph::new(lines).scroll(scroll).block(b).render(payload, buf);
    } else {
        let [l, r] = Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas(payload);
        let lb =
            Block::new().borders(Borders::TOP).border_style(t.border).title(format!(" stored v{} ", e.schema_version));
        let rb = Block::new()
            .borders(Borders::TOP | Borders::LEFT)
            .border_style(t.border)
            .title(format!(" upcast v{upcast_v} "));
        let changed = json::changed_keys(stored, upcast);
        let stored_lines = fit_all(json::lines_of(stored, Some(e.payload.len()), t, &none), l.width);
        Paragraph::new(stored_lines).scroll(scroll).block(lb).render(l, buf);
        Paragraph::new(fit_all(json::lines(upcast, t, &|k| changed.iter().any(|c| c == k)), r.width.saturating_sub(1)))
            .scroll(scroll)
            .block(rb)
            .render(r, buf);
    }
}
