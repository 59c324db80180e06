//! The pure state transition: `update(&mut App, Action) -> Option<Effect>`.

mod branch;
mod cell;
mod debug;
mod prompt;
mod tree;

use super::action::{Action, Effect};
use super::app::{App, Correlation, Focus, Message, Mode, Speed, Tone};
use super::text;

/// Applies `action` to `app`; returns what the store must do next, if anything.
#[allow(clippy::too_many_lines)] // one arm per action
pub fn update(app: &mut App, action: Action) -> Option<Effect> {
    match action {
        Action::TogglePlay | Action::ToggleFollow if app.branch.is_some() => branch::frozen(app),
        Action::Step(d) => {
            let to = app.cursor.saturating_add_signed(d);
            seek(app, to)
        }
        Action::First => seek(app, app.first()),
        Action::Last => seek(app, app.head),
        Action::SeekTo(p) => seek(app, p),
        Action::StreamPrev | Action::StreamNext => stream_step(app, matches!(action, Action::StreamNext)),
        Action::TogglePlay => toggle_play(app),
        Action::Faster | Action::Slower => {
            app.speed = match (app.speed, matches!(action, Action::Faster)) {
                (Speed::Slow, true) | (Speed::Live, false) => Speed::Fast,
                (Speed::Fast | Speed::Live, true) => Speed::Live,
                (Speed::Slow | Speed::Fast, false) => Speed::Slow,
            };
            info(app, format!("playback speed: {}", app.speed.label()));
            None
        }
        Action::PlayStep => play_step(app),
        Action::ToggleFollow => {
            app.follow = !app.follow;
            if app.follow {
                app.playing = false;
                info(app, "following the head: new events show up live (f to stop)");
                return seek(app, app.head);
            }
            info(app, "stopped following the head");
            None
        }
        Action::ToggleMouse => {
            app.mouse = !app.mouse;
            let how = if app.mouse { "on: click or drag the timeline" } else { "off: the terminal selects text" };
            info(app, format!("mouse capture {how}"));
            Some(Effect::Mouse(app.mouse))
        }
        Action::FocusNext => {
            app.focus = app.focus.cycle(1);
            None
        }
        Action::FocusPrev => {
            app.focus = app.focus.cycle(-1);
            None
        }
        Action::Up => vertical(app, -1),
        Action::Down => vertical(app, 1),
        Action::Select => select(app),
        Action::NextProjection | Action::PrevProjection => {
            let n = app.projections.len().max(1);
            let d = if matches!(action, Action::NextProjection) { 1 } else { n - 1 };
            app.projection = (app.projection + d) % n;
            app.table_scroll = 0;
            None
        }
        Action::Help => {
            app.mode = Mode::Help;
            app.help_scroll = 0;
            None
        }
        Action::HelpScroll(d) => {
            let max = i64::from(super::view::overlay::help_max_scroll(app));
            let to = (i64::from(app.help_scroll) + i64::from(d)).clamp(0, max);
            app.help_scroll = u16::try_from(to).unwrap_or(0);
            None
        }
        Action::Back if app.debug.busy => Some(debug::cancel(app)),
        Action::Back if app.diffing.is_some() && app.mode == Mode::Normal && app.diff.is_none() => {
            Some(branch::cancel(app))
        }
        Action::Back if branch::takes_back(app) => branch::back(app),
        Action::Submit if app.mode == Mode::Command && app.branch.is_some() => branch::submit(app),
        Action::Back => {
            back(app);
            None
        }
        Action::Quit => {
            app.quit = true;
            app.playing = false;
            None
        }
        Action::Suspend => {
            app.playing = false;
            Some(Effect::Suspend)
        }
        Action::Paste(text) => {
            prompt::paste(app, &text);
            None
        }
        Action::OpenCommand | Action::OpenGoto | Action::OpenFilter => {
            prompt::open(app, &action);
            None
        }
        Action::Edit(r) => {
            prompt::edit(app, r);
            None
        }
        Action::HistoryPrev => {
            prompt::history(app, -1);
            None
        }
        Action::HistoryNext => {
            prompt::history(app, 1);
            None
        }
        Action::Complete => {
            prompt::complete(app);
            None
        }
        Action::Submit => prompt::submit(app),
        Action::Cancel => {
            app.mode = Mode::Normal;
            app.command.candidates.clear();
            None
        }
        Action::OpenWatch | Action::OpenFind => {
            debug::open(app, matches!(action, Action::OpenWatch));
            None
        }
        Action::Debugged(r) => debug::answered(app, r),
        Action::FindNext | Action::FindPrev => {
            if app.debug.last != super::app::Search::Filter {
                return debug::repeat(app, matches!(action, Action::FindNext));
            }
            if app.filter.is_empty() {
                info(app, "no filter: press / and type a stream, type, actor or correlation id");
                return None;
            }
            let forward = matches!(action, Action::FindNext);
            Some(Effect::Find { filter: app.filter.clone(), from: app.cursor, forward })
        }
        Action::FollowCorrelation => {
            let e = app.cursor_event()?;
            let id = e.stored.metadata().correlation_id;
            if id.is_empty() {
                info(app, "this event carries no correlation id");
                return None;
            }
            Some(Effect::Correlation(id))
        }
        Action::Mark
        | Action::OpenDiff
        | Action::ToggleBranch
        | Action::ToggleSkip
        | Action::BranchDiff
        | Action::DiffScroll(_)
        | Action::CloseDiff
        | Action::ExportAnswer(_)
        | Action::Diffed(_)
        | Action::Branched(_)
        | Action::BranchRan(..)
        | Action::BranchLeft(_) => branch::update(app, action),
        Action::OpenTree | Action::TreeRead(_) | Action::TreeMove(_) | Action::TreeJump | Action::TreeClose => {
            tree::update(app, action)
        }
        other => results(app, other),
    }
}

/// Results coming back from the runtime.
fn results(app: &mut App, action: Action) -> Option<Effect> {
    match action {
        Action::Resize(w, h) => app.size = (w, h),
        Action::HeadChanged(h) => {
            app.head = app.head.max(h);
            return Some(Effect::Reload);
        }
        Action::Overview(o) => {
            app.head = app.head.max(o.head);
            app.overview = *o;
            let n = app.visible_streams().len();
            app.stream_row = app.stream_row.min(n.saturating_sub(1));
            if app.follow || app.cursor == 0 || std::mem::take(&mut app.jump_to_head) {
                return seek(app, app.head);
            }
        }
        Action::Window(w) => app.window = *w,
        Action::Page(p) => app.page = Some(*p),
        Action::Matches(m) => app.matches = Some(*m),
        Action::World(w) => app.world = *w,
        Action::Building(b) => app.building = Some(b),
        Action::Executed(Ok((summary, head))) => {
            app.message = Some(Message { tone: Tone::Success, text: summary });
            app.head = app.head.max(head);
            app.jump_to_head = true;
            return Some(Effect::Reload);
        }
        Action::Executed(Err(reason)) => {
            app.message = Some(Message { tone: Tone::Error, text: text::clean(&reason) });
        }
        Action::Found(Ok(p)) => {
            let f = text::clean(&app.filter);
            info(app, format!("`{f}`: jumped to the match at {p} (n next, N previous, Esc clears)"));
            return seek(app, p);
        }
        Action::Found(Err(m)) => info(app, m),
        Action::Correlated(id, events) => {
            info(
                app,
                format!("{} events share correlation {} (↑/↓ walk them, Esc leaves)", events.len(), text::clean(&id)),
            );
            app.correlation = Some(Correlation { id, events });
            app.focus = Focus::Audit;
        }
        Action::Failed(m) => app.message = Some(Message { tone: Tone::Error, text: text::clean(&m) }),
        _ => {}
    }
    None
}

fn info(app: &mut App, text: impl Into<String>) {
    app.message = Some(Message { tone: Tone::Info, text: text.into() });
}

/// Moves the cursor to `p` (clamped). Moving away from the head stops following.
fn seek(app: &mut App, p: u64) -> Option<Effect> {
    let p = app.clamp(p);
    if p != app.head {
        app.follow = false;
    }
    if p == app.cursor && app.world.position == p && app.window.covers(p, 0, app.head) {
        return None;
    }
    app.cursor = p;
    app.detail_scroll = 0;
    let window = !app.window.covers(p, 20, app.head);
    Some(Effect::Seek { position: p, window })
}

fn stream_step(app: &mut App, forward: bool) -> Option<Effect> {
    let Some(stream) = app.selected_stream().map(str::to_owned) else {
        info(app, "no stream selected");
        return None;
    };
    Some(Effect::StreamStep { stream, from: app.cursor, forward })
}

fn toggle_play(app: &mut App) -> Option<Effect> {
    if app.head == 0 {
        return None;
    }
    app.playing = !app.playing;
    if !app.playing {
        info(app, "paused");
        return None;
    }
    app.follow = false;
    info(app, format!("playing at {} (+/- speed, Space pauses)", app.speed.label()));
    if app.cursor >= app.head {
        return seek(app, app.first());
    }
    None
}

fn play_step(app: &mut App) -> Option<Effect> {
    if !app.playing {
        return None;
    }
    if app.cursor >= app.head {
        app.playing = false;
        info(app, "playback reached the head");
        return None;
    }
    seek(app, app.cursor + 1)
}

/// Rows of a queried read model the screen shows but the state lacks: asked
/// after every change (the runtime reads them; the view never does).
#[must_use]
pub fn rows_wanted(app: &App) -> Option<Effect> {
    let m = app.model().filter(|m| m.queried)?;
    if app.head == 0 || app.mode == super::app::Mode::Help {
        return None;
    }
    let limit = super::view::panes::table_rows(app);
    let have = app.page.as_ref().is_some_and(|p| {
        p.name == m.name
            && p.position == app.cursor
            && app.table_scroll >= p.offset
            && (app.table_scroll + limit <= p.offset + p.rows.len() || !p.more)
    });
    (!have).then_some(Effect::Rows { name: m.name, position: app.cursor, offset: app.table_scroll, limit: limit * 2 })
}

/// Matches of the filter the audit pane shows but the state lacks.
#[must_use]
pub fn matches_wanted(app: &App) -> Option<Effect> {
    if app.filter.is_empty() || app.correlation.is_some() || app.head == 0 {
        return None;
    }
    let half = super::view::audit::log_rows(app).div_ceil(2) + 1;
    let have = app.matches.as_ref().is_some_and(|m| m.serve(&app.filter, app.cursor, half, app.head));
    (!have).then(|| Effect::Matches { filter: app.filter.clone(), center: app.cursor, half })
}

/// The wait before the next playback step, in milliseconds.
#[must_use]
pub fn play_delay_ms(app: &App) -> u64 {
    match app.speed {
        Speed::Slow => 500,
        Speed::Fast => 200,
        Speed::Live => {
            let t = |p| app.window.get(p).and_then(|e| text::micros(&e.stored.recorded_at));
            match (t(app.cursor), t(app.cursor + 1)) {
                (Some(a), Some(b)) => u64::try_from((b - a) / 1_000).unwrap_or(0).min(Speed::LIVE_CAP_MS),
                _ => 200,
            }
        }
    }
}

fn vertical(app: &mut App, d: i64) -> Option<Effect> {
    match app.focus {
        Focus::Timeline => update(app, Action::Step(d)),
        Focus::Audit => {
            if let Some(c) = &app.correlation {
                let i = c.events.iter().position(|e| e.position >= app.cursor);
                let j = match (i, d > 0) {
                    (Some(i), true) if c.events[i].position == app.cursor => i + 1,
                    (Some(i), true) => i,
                    (Some(i), false) => i.checked_sub(1)?,
                    (None, true) => return None,
                    (None, false) => c.events.len().checked_sub(1)?,
                };
                let p = c.events.get(j)?.position;
                return seek(app, p);
            }
            update(app, Action::Step(d))
        }
        Focus::Streams => {
            let n = app.visible_streams().len();
            app.stream_row =
                app.stream_row.saturating_add_signed(isize::try_from(d).unwrap_or(0)).min(n.saturating_sub(1));
            None
        }
        Focus::State => {
            app.state_scroll = app.state_scroll.saturating_add_signed(i16::try_from(d).unwrap_or(0));
            None
        }
        Focus::Projections => {
            app.table_scroll = app.table_scroll.saturating_add_signed(isize::try_from(d).unwrap_or(0));
            None
        }
    }
}

fn select(app: &mut App) -> Option<Effect> {
    if app.focus != Focus::Streams {
        return None;
    }
    let id = app.visible_streams().get(app.stream_row).map(|s| s.stream_id.clone())?;
    info(app, format!("pinned {} ([ ] walk its events, Esc unpins)", text::clean(&id)));
    app.pinned = Some(id);
    app.state_scroll = 0;
    None
}

fn back(app: &mut App) {
    if app.mode == Mode::Help {
        app.mode = Mode::Normal;
    } else if app.correlation.take().is_some() {
        info(app, "left the correlation");
    } else if app.pinned.take().is_some() {
        info(app, "unpinned: the state pane follows the cursor");
    } else if !app.filter.is_empty() {
        app.filter.clear();
        info(app, "filter cleared");
    } else if app.debug.last != super::app::Search::Filter {
        let was = text::clean(&app.debug.last.label());
        app.debug.last = super::app::Search::Filter;
        info(app, format!("{was}: cleared"));
    } else {
        app.message = None;
    }
}
