//! The audit log around the cursor and the selected event's details.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};
use serde_json::Value;

use super::super::app::{App, Focus};
use super::super::text;
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
            if !app.filter.is_empty() {
                title.push(Span::styled(format!(" /{} (n/N)", text::clean(&app.filter)), t.matched));
            }
            let events = app
                .window
                .events
                .iter()
                .map(|e| &e.stored)
                .filter(|e| e.position == app.cursor || app.matches(e))
                .collect();
            (Line::from(title), events)
        }
    };
    let block = pane(app, Focus::Audit, title);
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height < 2 {
        return;
    }
    let w = usize::from(inner.width);
    let head = format!(" {:>7} {:<19} {:<14} {:<17} {:<10} payload", "pos", "time", "stream", "type", "actor");
    buf.set_string(inner.x, inner.y, text::fit(&head, w), t.header);
    let rows = usize::from(inner.height - 1);
    let at = events.iter().position(|e| e.position >= app.cursor).unwrap_or(events.len());
    let start = at.saturating_sub(rows / 2).min(events.len().saturating_sub(rows));
    for (i, e) in events.iter().skip(start).take(rows).enumerate() {
        let m = e.metadata();
        let is_cursor = e.position == app.cursor;
        let marker = if is_cursor { "▶" } else { " " };
        let payload = row_payload(&e.payload);
        let line = format!(
            "{marker}{:>7} {:<19} {:<14} {:<17} {:<10} {}",
            e.position,
            text::short_time(&e.recorded_at),
            text::fit(&text::clean(&e.stream_id), 14),
            text::fit(&text::clean(&e.event_type), 17),
            text::fit(&text::clean(&m.actor), 10),
            payload
        );
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

fn field(name: &str, value: String, t: &super::super::theme::Theme) -> Line<'static> {
    Line::from(vec![Span::styled(format!("{name:<12}"), t.json_key), Span::raw(value)])
}

/// Draws the cursor event's details: metadata, hash, and the payload as
/// stored and as upcast (side by side when they differ).
#[allow(clippy::many_single_char_names)]
pub fn render_detail(app: &App, area: Rect, buf: &mut Buffer) {
    let t = theme_of(app);
    let Some(row) = app.cursor_event() else {
        let block = pane(app, Focus::Audit, Line::from("Event"));
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
    let block = Block::bordered().border_style(t.border).title(title.style(t.title));
    let inner = block.inner(area);
    block.render(area, buf);
    let m = e.metadata();
    let mut lines = vec![
        field("stream", format!("{} ({}) v{}", text::clean(&e.stream_id), text::clean(&e.stream_type), e.version), t),
        field("recorded", text::clean(&e.recorded_at), t),
        field("actor", format!("{} via {}", text::clean(&m.actor), text::clean(&m.source)), t),
        field("command", text::clean(&m.command_id), t),
        field("correlation", text::clean(&m.correlation_id), t),
        field("causation", text::clean(&m.causation_id), t),
        field("event id", text::clean(&e.event_id), t),
        field("hash", e.hash_hex(), t),
    ];
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
        let lines = json::lines_of(upcast, Some(e.payload.len()), t, &none);
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
        Paragraph::new(json::lines_of(stored, Some(e.payload.len()), t, &none)).scroll(scroll).block(lb).render(l, buf);
        Paragraph::new(json::lines(upcast, t, &|k| changed.iter().any(|c| c == k)))
            .scroll(scroll)
            .block(rb)
            .render(r, buf);
    }
}
