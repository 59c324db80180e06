//! The command line (or message) and the status bar of keys.

use std::fmt::Write as _;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;
use tui_input::Input;

use super::super::app::{App, Focus, Mode, Tone};
use super::super::text;
use super::theme_of;

fn prompt_line(app: &App, label: &str, input: &Input, width: u16) -> Line<'static> {
    let t = theme_of(app);
    let room = usize::from(width).saturating_sub(label.chars().count() + 1).max(1);
    let value = text::clean(input.value());
    let scroll = input.visual_scroll(room);
    let cursor = input.visual_cursor().saturating_sub(scroll);
    let shown: Vec<char> = value.chars().skip(scroll).collect();
    let before: String = shown.iter().take(cursor).collect();
    let at: String = shown.get(cursor).map_or_else(|| " ".to_owned(), char::to_string);
    let after: String = shown.iter().skip(cursor + 1).collect();
    Line::from(vec![
        Span::styled(label.to_owned(), t.key),
        Span::raw(before),
        Span::styled(at, t.selected),
        Span::raw(after),
    ])
}

/// Draws the command line while typing, else the last message.
pub fn render_command(app: &App, area: Rect, buf: &mut Buffer) {
    let t = theme_of(app);
    let line = match app.mode {
        Mode::Command => prompt_line(app, ": ", &app.command.input, area.width),
        Mode::Goto => prompt_line(app, "go to (position or RFC 3339 time): ", &app.goto, area.width),
        Mode::Filter => prompt_line(app, "filter (stream, type, actor, correlation): /", &app.filter_input, area.width),
        Mode::Watch => {
            let label = match app.model().filter(|_| app.focus == Focus::Projections) {
                Some(m) => format!("watch field of the top row of {} (Tab completes): ", text::clean(m.name)),
                None => "watch field (Tab completes): ".to_owned(),
            };
            prompt_line(app, &label, &app.debug.watch_input, area.width)
        }
        Mode::Find => {
            let on = match app.model() {
                Some(m) if app.focus == Focus::Projections => m.name,
                _ => app.selected_stream().unwrap_or(""),
            };
            prompt_line(app, &format!("find where ({}): ", text::clean(on)), &app.debug.find_input, area.width)
        }
        Mode::Normal | Mode::Help => match &app.message {
            Some(m) => {
                let (mark, style) = match m.tone {
                    Tone::Info => ("· ", t.info),
                    Tone::Success => ("✔ ", t.success),
                    Tone::Error => ("✘ ", t.error),
                };
                Line::from(vec![
                    Span::styled(mark, style),
                    Span::styled(text::fit(&m.text, usize::from(area.width) - 2), style),
                ])
            }
            None => Line::styled("Press : to type a command, ? for every key.", t.muted),
        },
    };
    line.render(area, buf);
    if app.mode == Mode::Command
        && let Some(m) = &app.message
        && app.command.candidates.is_empty()
    {
        let (mark, style) = match m.tone {
            Tone::Info => ("·", t.info),
            Tone::Success => ("✔", t.success),
            Tone::Error => ("✘", t.error),
        };
        let text = format!("{mark} {}", text::fit(&m.text, usize::from(area.width / 2).saturating_sub(4)));
        let w = u16::try_from(text.chars().count()).unwrap_or(0);
        buf.set_string(area.right().saturating_sub(w + 1), area.y, text, style);
    }
}

/// The keys that matter in the current mode and pane.
#[must_use]
pub fn hints(app: &App) -> Vec<(&'static str, &'static str)> {
    match app.mode {
        Mode::Command => {
            vec![("Enter", "run"), ("Tab", "complete"), ("↑↓", "history"), ("Esc", "leave")]
        }
        Mode::Goto | Mode::Filter | Mode::Find => vec![("Enter", "apply"), ("Esc", "cancel")],
        Mode::Watch => vec![("Enter", "watch"), ("Tab", "complete"), ("Esc", "cancel")],
        Mode::Help => vec![("↑↓ PgUp/PgDn", "scroll"), ("Esc", "close help"), ("q", "close")],
        Mode::Normal if app.head == 0 => vec![(":", "command"), ("?", "help"), ("q", "quit")],
        Mode::Normal if app.diff.is_some() || app.branch.as_ref().is_some_and(|b| b.leaving) => {
            super::branch::hints(app)
        }
        Mode::Normal => {
            let mut keys = match app.focus {
                Focus::Timeline => vec![("←→", "step"), ("PgUp/PgDn", "±100"), ("Home/End", "ends"), ("g", "go to")],
                Focus::Audit => vec![("↑↓", "step"), ("c", "correlation"), ("n/N", "match")],
                Focus::Streams => vec![("↑↓", "select"), ("Enter", "pin"), ("[ ]", "its events")],
                Focus::State => vec![("↑↓", "scroll"), ("[ ]", "stream events"), ("←→", "step")],
                Focus::Projections => vec![("p/P", "read model"), ("↑↓", "scroll"), ("←→", "step")],
            };
            keys.extend(super::branch::keys(app));
            keys.extend([
                (":", "command"),
                ("/", "filter"),
                ("Tab", "focus"),
                ("Space", "play"),
                ("f", "follow"),
                ("m", "mouse"),
                ("?", "help"),
                ("q", "quit"),
            ]);
            keys
        }
    }
}

/// Draws the status bar: the keys that fit (the least useful give way;
/// `?` help and `q` quit always stay), and on the command line who
/// commands are recorded as.
pub fn render_status(app: &App, area: Rect, buf: &mut Buffer) {
    let t = theme_of(app);
    let width = usize::from(area.width);
    if app.mode == Mode::Command && !app.command.candidates.is_empty() {
        let list = app.command.candidates.iter().map(|c| text::clean(c)).collect::<Vec<_>>().join("  ");
        Line::from(vec![Span::styled("Tab: ", t.key), Span::raw(text::fit(&list, width.saturating_sub(5)))])
            .render(area, buf);
        return;
    }
    let mut keys = hints(app);
    let mut tail =
        if app.mode == Mode::Command { format!(" · as {} via tui", text::clean(&app.actor)) } else { String::new() };
    if app.mode == Mode::Command && app.branch.is_some() {
        " · in the branch: nothing is written".clone_into(&mut tail);
    }
    if let Some(m) = app.mark.filter(|_| app.mode == Mode::Normal) {
        let _ = write!(tail, " mark @{m} ");
    }
    let cost = |(k, what): &(&str, &str)| text::width(k) + text::width(what) + 3;
    let room = width.saturating_sub(text::width(&tail));
    // Drop from the end, keeping the last two (help, quit) when present.
    while keys.iter().map(cost).sum::<usize>() > room && keys.len() > 1 {
        let keep = if keys.len() > 3 && keys.last().is_some_and(|k| k.0 == "q") { 2 } else { 0 };
        keys.remove(keys.len() - 1 - keep);
    }
    let mut spans = Vec::new();
    for (k, what) in keys {
        spans.push(Span::styled(format!(" {k}"), t.key));
        spans.push(Span::styled(format!(" {what} "), t.muted));
    }
    if !tail.is_empty() {
        spans.push(Span::styled(tail, t.info));
    }
    super::fit_line(Line::from(spans), area.width).render(area, buf);
}
