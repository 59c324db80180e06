//! Keys and mouse events to actions: pure functions of the state and the event.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};
use tui_input::InputRequest;

use super::action::Action;
use super::app::{App, Mode, PAGE};
use super::view;

pub mod branch;
mod tree;

/// What a key means in the current state, if anything.
#[must_use]
pub fn key_to_action(app: &App, key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    if ctrl && key.code == KeyCode::Char('z') {
        return Some(Action::Suspend);
    }
    if let Some(a) = branch::modal(app, key) {
        return a;
    }
    match app.mode {
        Mode::Normal => normal(app, key, ctrl),
        Mode::Help => {
            let page = i32::from(app.size.1.saturating_sub(4)).max(1);
            match key.code {
                KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q' | '?') | KeyCode::F(1) => Some(Action::Back),
                KeyCode::Up | KeyCode::Char('k') => Some(Action::HelpScroll(-1)),
                KeyCode::Down | KeyCode::Char('j') => Some(Action::HelpScroll(1)),
                KeyCode::PageUp => Some(Action::HelpScroll(-page)),
                KeyCode::PageDown | KeyCode::Char(' ') => Some(Action::HelpScroll(page)),
                KeyCode::Home | KeyCode::Char('g') => Some(Action::HelpScroll(i32::MIN)),
                KeyCode::End | KeyCode::Char('G') => Some(Action::HelpScroll(i32::MAX)),
                _ => None,
            }
        }
        Mode::Command | Mode::Goto | Mode::Filter | Mode::Watch | Mode::Find => typing(app.mode, key, ctrl),
    }
}

fn normal(app: &App, key: KeyEvent, ctrl: bool) -> Option<Action> {
    if app.tree.is_some() {
        return tree::key(key, ctrl);
    }
    let page = i64::try_from(PAGE).unwrap_or(100);
    if ctrl {
        return match key.code {
            KeyCode::Char('d') => Some(Action::Step(page)),
            KeyCode::Char('u') => Some(Action::Step(-page)),
            _ => None,
        };
    }
    let _ = app;
    Some(match key.code {
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Char('?') | KeyCode::F(1) => Action::Help,
        KeyCode::Left | KeyCode::Char('h') => Action::Step(-1),
        KeyCode::Right | KeyCode::Char('l') => Action::Step(1),
        KeyCode::PageUp => Action::Step(-page),
        KeyCode::PageDown => Action::Step(page),
        KeyCode::Home => Action::First,
        KeyCode::End | KeyCode::Char('G') => Action::Last,
        KeyCode::Char('g') => Action::OpenGoto,
        KeyCode::Char(':' | 'i') => Action::OpenCommand,
        KeyCode::Char('/') => Action::OpenFilter,
        KeyCode::Char('[') => Action::StreamPrev,
        KeyCode::Char(']') => Action::StreamNext,
        KeyCode::Char(' ') => Action::TogglePlay,
        KeyCode::Char('+' | '=') => Action::Faster,
        KeyCode::Char('-') => Action::Slower,
        KeyCode::Char('f') => Action::ToggleFollow,
        KeyCode::Char('m') => Action::ToggleMouse,
        KeyCode::Tab => Action::FocusNext,
        KeyCode::BackTab => Action::FocusPrev,
        KeyCode::Up | KeyCode::Char('k') => Action::Up,
        KeyCode::Down | KeyCode::Char('j') => Action::Down,
        KeyCode::Enter => Action::Select,
        KeyCode::Char('p') => Action::NextProjection,
        KeyCode::Char('P') => Action::PrevProjection,
        KeyCode::Char('n') => Action::FindNext,
        KeyCode::Char('N') => Action::FindPrev,
        KeyCode::Char('c') => Action::FollowCorrelation,
        KeyCode::Char('T') => Action::OpenTree,
        KeyCode::Char('w') => Action::OpenWatch,
        KeyCode::Char('F') => Action::OpenFind,
        KeyCode::Esc => Action::Back,
        _ => return branch::normal(key),
    })
}

fn typing(mode: Mode, key: KeyEvent, ctrl: bool) -> Option<Action> {
    let edit = |r| Some(Action::Edit(r));
    if ctrl {
        return match key.code {
            KeyCode::Char('a') => edit(InputRequest::GoToStart),
            KeyCode::Char('e') => edit(InputRequest::GoToEnd),
            KeyCode::Char('w') | KeyCode::Backspace => edit(InputRequest::DeletePrevWord),
            KeyCode::Char('u') => edit(InputRequest::DeleteFromStart),
            KeyCode::Char('k') => edit(InputRequest::DeleteTillEnd),
            KeyCode::Left => edit(InputRequest::GoToPrevWord),
            KeyCode::Right => edit(InputRequest::GoToNextWord),
            _ => None,
        };
    }
    match key.code {
        KeyCode::Esc => Some(Action::Cancel),
        KeyCode::Enter => Some(Action::Submit),
        KeyCode::Tab if matches!(mode, Mode::Command | Mode::Watch) => Some(Action::Complete),
        KeyCode::Up if mode == Mode::Command => Some(Action::HistoryPrev),
        KeyCode::Down if mode == Mode::Command => Some(Action::HistoryNext),
        KeyCode::Char(c) => edit(InputRequest::InsertChar(c)),
        KeyCode::Backspace => edit(InputRequest::DeletePrevChar),
        KeyCode::Delete => edit(InputRequest::DeleteNextChar),
        KeyCode::Left => edit(InputRequest::GoToPrevChar),
        KeyCode::Right => edit(InputRequest::GoToNextChar),
        KeyCode::Home => edit(InputRequest::GoToStart),
        KeyCode::End => edit(InputRequest::GoToEnd),
        _ => None,
    }
}

/// What a mouse event means: click or drag on the timeline seeks; the wheel steps.
#[must_use]
pub fn mouse_to_action(app: &App, m: MouseEvent) -> Option<Action> {
    if app.mode != Mode::Normal || app.head == 0 || app.tree.is_some() {
        return None;
    }
    match m.kind {
        MouseEventKind::Down(MouseButton::Left) | MouseEventKind::Drag(MouseButton::Left) => {
            let area = Rect::new(0, 0, app.size.0, app.size.1);
            let track = view::timeline::track(view::areas(area).timeline);
            // The slider row and the density strip above it both respond.
            let hit = Rect { y: track.y.saturating_sub(1), height: 2, ..track };
            if !hit.contains(Position::new(m.column, m.row)) {
                return None;
            }
            let p = view::timeline::column_to_position(app.first(), app.head, m.column - track.x, track.width);
            Some(Action::SeekTo(p))
        }
        MouseEventKind::ScrollUp => Some(Action::Step(-1)),
        MouseEventKind::ScrollDown => Some(Action::Step(1)),
        _ => None,
    }
}
