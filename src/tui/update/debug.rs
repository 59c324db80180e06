//! The debugger's keys: watch a field (`w`), find an expression (`F`), and
//! `n` / `N` repeating whichever search was started last.

use serde_json::Value;
use tui_input::Input;

use super::super::action::{DebugQuery, Effect};
use super::super::app::{App, Focus, Message, Mode, Search, Tone};
use super::super::text;
use super::{cell, info, seek};

/// Opens the watch (`watch`) or find prompt, for the selected stream (a
/// find with the read-model pane focused: for its read model).
pub(super) fn open(app: &mut App, watch: bool) {
    let on_model = app.focus == Focus::Projections && app.model().is_some();
    if watch && on_model {
        let Some((name, key, _)) = cell::selected_row(app) else {
            info(app, "no row to watch: the read model has no row here (scroll with ↑/↓)");
            return;
        };
        app.mode = Mode::Watch;
        let keep = match &app.debug.last {
            Search::WatchRow { model, key: k, path } if *model == name && *k == key => path.clone(),
            _ => String::new(),
        };
        app.debug.watch_input = Input::new(keep);
        return;
    }
    if (watch || !on_model) && app.selected_stream().is_none() {
        info(app, "no stream selected: move to an event or pin a stream first");
        return;
    }
    if watch {
        app.mode = Mode::Watch;
        let keep = match &app.debug.last {
            Search::Watch { path, .. } => path.clone(),
            _ => String::new(),
        };
        app.debug.watch_input = Input::new(keep);
    } else {
        app.mode = Mode::Find;
        let keep = match &app.debug.last {
            Search::Find { expr, .. } => expr.clone(),
            _ => String::new(),
        };
        app.debug.find_input = Input::new(keep);
    }
}

/// Enter on the watch or find prompt: starts searching forward from the cursor.
pub(super) fn submit(app: &mut App) -> Option<Effect> {
    let watch = app.mode == Mode::Watch;
    app.mode = Mode::Normal;
    let line = if watch { app.debug.watch_input.value() } else { app.debug.find_input.value() }.trim().to_owned();
    let model = (app.focus == Focus::Projections).then(|| app.model().map(|m| m.name)).flatten();
    let stream = app.selected_stream().map(str::to_owned);
    if line.is_empty() {
        return None;
    }
    let row = cell::selected_row(app);
    app.debug.last = match (watch, model) {
        (true, Some(_)) => {
            let (model, key, _) = row?;
            Search::WatchRow { model: model.to_owned(), key, path: line }
        }
        (true, None) => Search::Watch { stream: stream?, path: line },
        (false, Some(name)) => Search::Find { on: name.to_owned(), projection: true, expr: line },
        (false, None) => Search::Find { on: stream?, projection: false, expr: line },
    };
    repeat(app, true)
}

/// `n` / `N` on a watch or find: the next / previous change or match.
pub(super) fn repeat(app: &mut App, forward: bool) -> Option<Effect> {
    let (stream, query) = match &app.debug.last {
        Search::Filter => return None,
        Search::Watch { stream, path } => (stream.clone(), DebugQuery::Watch(path.clone())),
        Search::WatchRow { model, key, path } => {
            (model.clone(), DebugQuery::WatchRow { key: key.clone(), path: path.clone() })
        }
        Search::Find { on, projection: false, expr } => (on.clone(), DebugQuery::Find(expr.clone())),
        Search::Find { on, projection: true, expr } => (on.clone(), DebugQuery::FindRows(expr.clone())),
    };
    app.debug.busy = true;
    info(app, format!("{}: searching… (Esc cancels)", text::clean(&app.debug.last.label())));
    Some(Effect::Debug { on: stream, query, from: app.cursor, forward })
}

/// A watch or find answered.
pub(super) fn answered(app: &mut App, r: Result<(u64, String), String>) -> Option<Effect> {
    app.debug.busy = false;
    match r {
        Ok((p, said)) => {
            info(app, format!("{} (n next, N previous)", text::clean(&said)));
            seek(app, p)
        }
        Err(m) => {
            // Caret messages span lines: keep them, the status line shows them.
            app.message = Some(Message { tone: Tone::Error, text: m });
            None
        }
    }
}

/// Esc while a watch or find runs: stops it.
pub(super) fn cancel(app: &mut App) -> Effect {
    app.debug.busy = false;
    info(app, "search cancelled");
    Effect::CancelDebug
}

/// Tab on the watch prompt: completes the dotted path from the keys of the
/// selected stream's state at the cursor (of the watched row's columns on
/// the read-model pane).
pub(super) fn complete(app: &mut App) {
    let on_model = app.focus == Focus::Projections && app.model().is_some();
    let state = if on_model {
        cell::selected_row(app).map(|(_, _, row)| row)
    } else {
        app.selected_stream()
            .and_then(|id| app.world.streams.get(id))
            .and_then(|at| at.state.as_ref().map(|s| s.to_json()))
    };
    let Some(state) = state else {
        return;
    };
    let typed = app.debug.watch_input.value().to_owned();
    let (parent, prefix) = typed.rsplit_once('.').map_or(("", typed.as_str()), |(a, b)| (a, b));
    let mut node = &state;
    for part in parent.split('.').filter(|p| !p.is_empty()) {
        match node.get(part) {
            Some(v) => node = v,
            None => return,
        }
    }
    let Value::Object(map) = node else { return };
    let keys: Vec<&String> = map.keys().filter(|k| k.starts_with(prefix)).collect();
    let Some(first) = keys.first() else {
        info(app, format!("no field starts with `{}`", text::clean(prefix)));
        return;
    };
    let common: String = keys.iter().fold((*first).clone(), |acc, k| {
        acc.chars().zip(k.chars()).take_while(|(a, b)| a == b).map(|(a, _)| a).collect()
    });
    let mut line = if parent.is_empty() { String::new() } else { format!("{parent}.") };
    line.push_str(&common);
    if keys.len() > 1 {
        let shown: Vec<&str> = keys.iter().map(|k| k.as_str()).collect();
        info(app, format!("fields: {}", text::clean(&shown.join(", "))));
    }
    app.debug.watch_input = Input::new(line);
}
