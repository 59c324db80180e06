//! What the panes draw in a what-if branch: the audit log of the branch
//! (the log up to the fork point, skipped events struck through, refused
//! ones marked, then the branch's own events), the selected stream's state
//! in the branch, and the badge in the title.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};
use serde_json::Value;

use super::super::app::{App, BranchView, Focus};
use super::super::text;
use super::columns::{self, Col, Give};
use super::{json, pane, theme_of};

/// The `BRANCH @P` badge (the title of the timeline).
#[must_use]
pub fn badge(app: &App) -> Option<Span<'static>> {
    let b = app.branch.as_ref()?;
    Some(Span::styled(format!(" BRANCH @{} ", b.at), theme_of(app).branch))
}

/// How a row of the branch's audit log reads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Log,
    Skipped,
    Refused,
    Own,
}

/// Draws the branch's audit log around the cursor.
pub fn render_log(app: &App, branch: &BranchView, area: Rect, buf: &mut Buffer) {
    let b = branch;
    let t = theme_of(app);
    let title = Line::from(vec![
        Span::raw("Audit log "),
        Span::styled(format!("BRANCH @{}", b.at), t.branch),
        Span::styled(" (x skips/restores, + branch events)", t.muted),
    ]);
    let block = pane(app, area.width, Focus::Audit, title);
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height < 2 {
        return;
    }
    let rows = rows(app, b);
    let room = usize::from(inner.height - 1);
    let at = rows.iter().position(|r| r.1 != Kind::Own && r.0 >= app.cursor).unwrap_or(rows.len());
    let start = at.saturating_sub(room / 2).min(rows.len().saturating_sub(room));
    let shown = &rows[start.min(rows.len())..(start + room).min(rows.len())];
    let specs = [
        ("pos", Give::Keep, 0, 0),
        ("stream", Give::Keep, 0, 0),
        ("type", Give::Cut, 2, 12),
        ("actor", Give::Cut, 3, 6),
        ("payload", Give::Cut, 4, 8),
    ];
    let cols: Vec<Col> = specs
        .iter()
        .enumerate()
        .map(|(i, (h, give, rank, least))| {
            Col::new(h, *give, shown.iter().map(|r| r.2[i].as_str())).rank(*rank).at_least(*least)
        })
        .collect();
    let width = usize::from(inner.width);
    let widths = columns::widths(&cols, width.saturating_sub(1));
    let right = [true];
    let headers: Vec<&str> = specs.iter().map(|s| s.0).collect();
    buf.set_string(
        inner.x,
        inner.y,
        text::fit(&format!(" {}", columns::row(&headers, &widths, &right)), width),
        t.header,
    );
    for (i, (p, kind, cells)) in shown.iter().enumerate() {
        let is_cursor = *kind != Kind::Own && *p == app.cursor;
        let marker = match (is_cursor, kind) {
            (true, _) => "▶",
            (false, Kind::Skipped) => "x",
            (false, Kind::Refused) => "!",
            (false, Kind::Own) => "+",
            (false, Kind::Log) => " ",
        };
        let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
        let line = format!("{marker}{}", columns::row(&cells, &widths, &right));
        let mut style = match kind {
            Kind::Skipped => t.muted.add_modifier(Modifier::CROSSED_OUT | Modifier::DIM),
            Kind::Refused => t.error.add_modifier(Modifier::CROSSED_OUT),
            Kind::Own | Kind::Log => Style::new(),
        };
        if is_cursor {
            style = style.patch(t.selected);
        }
        let y = inner.y + 1 + u16::try_from(i).unwrap_or(0);
        buf.set_string(inner.x, y, text::fit(&line, width), style);
        if *kind == Kind::Own {
            buf.set_string(inner.x, y, "+", t.branch);
        }
    }
}

/// The branch's audit rows the window holds: the log's up to the fork
/// point (skipped and refused marked), then the branch's own events.
fn rows(app: &App, b: &BranchView) -> Vec<(u64, Kind, [String; 5])> {
    let mut rows: Vec<(u64, Kind, [String; 5])> = app
        .window
        .events
        .iter()
        .map(|e| &e.stored)
        .filter(|e| e.position <= b.at)
        .map(|e| {
            let kind = if b.skipped.contains(&e.position) {
                Kind::Skipped
            } else if b.refusal(e.position).is_some() {
                Kind::Refused
            } else {
                Kind::Log
            };
            let payload = b
                .refusal(e.position)
                .map_or_else(|| text::clean(&e.payload), |why| format!("refused: {}", text::clean(why)));
            let cells = [
                e.position.to_string(),
                text::clean(&e.stream_id),
                text::clean(&e.event_type),
                text::clean(&e.metadata().actor),
                payload,
            ];
            (e.position, kind, cells)
        })
        .collect();
    let window_ends = app.window.events.last().is_none_or(|e| e.stored.position >= b.at);
    if window_ends {
        rows.extend(b.events.iter().map(|e| {
            let cells = [
                e.position.to_string(),
                text::clean(&e.stream_id),
                text::clean(&e.event_type),
                crate::app::whatif::BRANCH_ACTOR.to_owned(),
                e.payload.clone(),
            ];
            (e.position, Kind::Own, cells)
        }));
    }
    rows
}

/// Draws the selected stream's state as the branch has it at its head,
/// the fields that differ from the log at the fork point highlighted.
pub fn render_state(app: &App, b: &BranchView, area: Rect, buf: &mut Buffer) {
    let t = theme_of(app);
    let Some(id) = app.selected_stream() else {
        let block = pane(app, area.width, Focus::State, Line::from("State"));
        Paragraph::new("No stream selected.").style(t.muted).block(block).render(area, buf);
        return;
    };
    let shown = text::clean(id);
    let title = Line::from(vec![
        Span::raw(format!("State · {shown} ")),
        Span::styled(format!("BRANCH @{}", b.at), t.branch),
        Span::styled(" head", t.muted),
    ]);
    let block = pane(app, area.width, Focus::State, title);
    let Some(s) = b.state.as_ref().filter(|s| s.stream == id) else {
        Paragraph::new("loading…").style(t.muted).block(block).render(area, buf);
        return;
    };
    let Some(state) = &s.branch else {
        Paragraph::new(format!("{shown} does not exist in the branch.")).style(t.muted).block(block).render(area, buf);
        return;
    };
    let changed = json::changed_keys(s.main.as_ref().unwrap_or(&Value::Null), state);
    let mut lines = json::lines(state, t, &|k| changed.iter().any(|c| c == k));
    if !changed.is_empty() {
        lines.insert(0, Line::styled(format!("* differs from the log at {}", b.at), t.changed));
    }
    let lines: Vec<Line> = lines.into_iter().map(|l| super::fit_line(l, area.width.saturating_sub(2))).collect();
    Paragraph::new(lines).scroll((app.state_scroll, 0)).block(block).render(area, buf);
}

/// Draws the read-model pane for a read model the branch cannot show (a
/// ledger read from the store, or folding failed): says so, never the log's.
pub fn render_unavailable(app: &App, b: &BranchView, name: &str, area: Rect, buf: &mut Buffer) {
    let t = theme_of(app);
    let title = Line::from(vec![
        Span::raw(format!("Read model · {name} ")),
        Span::styled(format!("BRANCH @{}", b.at), t.branch),
        Span::styled(format!(" ({}/{}, p/P)", app.projection + 1, app.projections.len()), t.muted),
    ]);
    let block = pane(app, area.width, Focus::Projections, super::fit_line(title, area.width.saturating_sub(4)));
    let why = if b.folding {
        "Folding the branch's read models without the skipped events…"
    } else if b.tables.is_none() {
        "The branch's read models could not be folded."
    } else {
        "Not shown in a branch: this read model is a ledger read from the store, which the branch never writes. p/P shows the others."
    };
    Paragraph::new(why).style(t.muted).wrap(ratatui::widgets::Wrap { trim: true }).block(block).render(area, buf);
}

/// The status bar's keys while the diff overlay or the export question is open.
#[must_use]
pub fn hints(app: &App) -> Vec<(&'static str, &'static str)> {
    if app.branch.as_ref().is_some_and(|b| b.leaving) {
        return vec![("y", "export as JSON Lines and leave"), ("n", "leave"), ("Esc", "stay in the branch")];
    }
    vec![("↑↓ PgUp/PgDn", "scroll"), ("Esc", "close diff"), ("q", "close")]
}

/// The mark / diff and branch keys the status bar offers in normal mode.
#[must_use]
pub fn keys(app: &App) -> Vec<(&'static str, &'static str)> {
    match (&app.branch, app.mark) {
        (Some(_), _) => vec![("x", "skip event"), ("D", "diff vs log"), ("b", "leave branch")],
        (None, Some(_)) => vec![("d", "diff mark↔cursor"), ("b", "branch")],
        (None, None) => Vec::new(),
    }
}
