//! The three prompts: command line (history, completion), go-to and filter.

use tui_input::{Input, InputRequest};

use crate::domain::ArgKind;

use super::super::action::{Action, Effect};
use super::super::app::{App, Message, Mode, Tone};
use super::{info, seek};

/// Opens the prompt `action` names.
pub(super) fn open(app: &mut App, action: &Action) {
    match action {
        Action::OpenCommand => {
            app.mode = Mode::Command;
            app.command.browsing = None;
            app.command.candidates.clear();
        }
        Action::OpenGoto => {
            app.mode = Mode::Goto;
            app.goto = Input::default();
        }
        _ => {
            app.mode = Mode::Filter;
            app.filter_input = Input::new(app.filter.clone());
        }
    }
}

fn input_mut(app: &mut App) -> Option<&mut Input> {
    match app.mode {
        Mode::Command => Some(&mut app.command.input),
        Mode::Goto => Some(&mut app.goto),
        Mode::Filter => Some(&mut app.filter_input),
        Mode::Watch => Some(&mut app.debug.watch_input),
        Mode::Find => Some(&mut app.debug.find_input),
        Mode::Normal | Mode::Help => None,
    }
}

/// Edits the line being typed.
pub(super) fn edit(app: &mut App, r: InputRequest) {
    if app.mode == Mode::Command {
        app.command.browsing = None;
        app.command.candidates.clear();
    }
    if let Some(input) = input_mut(app) {
        input.handle(r);
    }
}

/// A paste: text, typed at the cursor of the open line in one piece (line
/// breaks, tabs and other control characters become spaces, so a paste never
/// submits). Outside a line a paste would be read as keys: it is refused.
pub(super) fn paste(app: &mut App, pasted: &str) {
    if app.mode == Mode::Command {
        app.command.browsing = None;
        app.command.candidates.clear();
    }
    let Some(input) = input_mut(app) else {
        info(app, "paste ignored: press : (command), / (filter) or g (go to) first");
        return;
    };
    let text: String = pasted.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let at = input.cursor();
    let value = input.value();
    let split = value.char_indices().nth(at).map_or(value.len(), |(i, _)| i);
    let mut line = String::with_capacity(value.len() + text.len());
    line.push_str(&value[..split]);
    line.push_str(&text);
    line.push_str(&value[split..]);
    *input = Input::new(line).with_cursor(at + text.chars().count());
}

/// Walks the command history (`-1` older, `1` newer).
pub(super) fn history(app: &mut App, d: isize) {
    let c = &mut app.command;
    if c.history.is_empty() {
        return;
    }
    let last = c.history.len() - 1;
    let next = match (c.browsing, d < 0) {
        (None, true) => Some(last),
        (None, false) => None,
        (Some(i), true) => Some(i.saturating_sub(1)),
        (Some(i), false) => (i < last).then_some(i + 1),
    };
    c.browsing = next;
    c.input = Input::new(next.and_then(|i| c.history.get(i)).cloned().unwrap_or_default());
}

/// Enter on the line being typed.
#[allow(clippy::single_match_else)]
pub(super) fn submit(app: &mut App) -> Option<Effect> {
    match app.mode {
        Mode::Command => {
            // `:` opens this line: one typed again out of habit is not part of the command.
            let line = app.command.input.value().trim().trim_start_matches(':').trim_start().to_owned();
            app.command.input.reset();
            app.command.browsing = None;
            app.command.candidates.clear();
            if line.is_empty() {
                app.mode = Mode::Normal;
                return None;
            }
            if app.command.history.last() != Some(&line) {
                app.command.history.push(line.clone());
            }
            Some(Effect::Execute(line))
        }
        Mode::Goto => {
            app.mode = Mode::Normal;
            let target = app.goto.value().trim().to_owned();
            if target.is_empty() {
                return None;
            }
            if let Ok(p) = target.parse::<u64>() {
                if p > app.head {
                    info(app, format!("position {p} is beyond the head ({}); going to the head", app.head));
                }
                return seek(app, p);
            }
            match chrono::DateTime::parse_from_rfc3339(&target) {
                Ok(t) => Some(Effect::SeekTime(
                    t.with_timezone(&chrono::Utc).to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                )),
                Err(_) => {
                    let shown = super::text::clean(&target);
                    app.message = Some(Message {
                        tone: Tone::Error,
                        text: format!("`{shown}` is neither a position nor an RFC 3339 time (2026-01-01T12:00:00Z)"),
                    });
                    None
                }
            }
        }
        Mode::Filter => {
            app.mode = Mode::Normal;
            app.filter = app.filter_input.value().trim().to_owned();
            app.stream_row = 0;
            app.matches = None;
            if app.filter.is_empty() {
                info(app, "filter cleared");
            } else {
                let f = super::text::clean(&app.filter);
                info(
                    app,
                    format!("filter `{f}`: the audit log shows matches from the whole log; n/N jump, Esc clears"),
                );
            }
            app.debug.last = super::super::app::Search::Filter;
            None
        }
        Mode::Watch | Mode::Find => super::debug::submit(app),
        Mode::Normal | Mode::Help => None,
    }
}

/// Tab on the command line: completes a command word or a known stream id.
#[allow(clippy::single_match_else)]
pub(super) fn complete(app: &mut App) {
    if app.mode == Mode::Watch {
        super::debug::complete(app);
        return;
    }
    let value = app.command.input.value().to_owned();
    let words: Vec<&str> = value.split_whitespace().collect();
    let fresh = value.is_empty() || value.ends_with(char::is_whitespace);
    let index = if fresh { words.len() } else { words.len() - 1 };
    let prefix = if fresh { "" } else { words[index] };
    let candidates: Vec<String> = if index == 0 {
        app.commands.iter().map(|c| c.word).filter(|w| w.starts_with(prefix)).map(str::to_owned).collect()
    } else {
        let help = app.commands.iter().find(|c| c.word == words[0]);
        let kind = help.and_then(|h| h.args.get(index - 1).copied().or_else(|| h.args.last().copied()));
        match kind {
            Some(ArgKind::StreamId(t)) => app
                .overview
                .streams
                .iter()
                .filter(|s| s.stream_type == t && s.stream_id.starts_with(prefix))
                .map(|s| s.stream_id.clone())
                .collect(),
            _ => {
                if let Some(h) = help {
                    info(app, format!("usage: {}", h.usage));
                }
                Vec::new()
            }
        }
    };
    let Some(first) = candidates.first() else {
        app.command.candidates.clear();
        return;
    };
    let common = candidates
        .iter()
        .fold(first.clone(), |acc, c| acc.chars().zip(c.chars()).take_while(|(a, b)| a == b).map(|(a, _)| a).collect());
    let mut line = value[..value.len() - prefix.len()].to_owned();
    line.push_str(&common);
    if candidates.len() == 1 {
        line.push(' ');
        app.command.candidates.clear();
    } else {
        app.command.candidates = candidates;
    }
    app.command.input = Input::new(line);
}
