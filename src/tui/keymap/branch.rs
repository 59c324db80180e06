//! Keys while the diff overlay or the branch's export question is open
//! (they take every key), and the new keys of normal mode.

use crossterm::event::{KeyCode, KeyEvent};

use super::super::action::Action;
use super::super::app::{App, Mode};

/// What `key` means when the diff overlay or the export question has the
/// keyboard: `Some(action)` (or `Some(None)`: swallowed); `None` when
/// neither is open.
#[must_use]
pub fn modal(app: &App, key: KeyEvent) -> Option<Option<Action>> {
    if app.mode != Mode::Normal {
        return None;
    }
    if app.branch.as_ref().is_some_and(|b| b.leaving) {
        return Some(match key.code {
            KeyCode::Char('y' | 'Y') => Some(Action::ExportAnswer(true)),
            KeyCode::Char('n' | 'N') => Some(Action::ExportAnswer(false)),
            KeyCode::Esc => Some(Action::Back),
            _ => None,
        });
    }
    app.diff.as_ref()?;
    let page = i32::from(app.size.1.saturating_sub(6)).max(1);
    Some(match key.code {
        KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q' | 'd' | 'D') => Some(Action::CloseDiff),
        KeyCode::Up | KeyCode::Char('k') => Some(Action::DiffScroll(-1)),
        KeyCode::Down | KeyCode::Char('j') => Some(Action::DiffScroll(1)),
        KeyCode::PageUp => Some(Action::DiffScroll(-page)),
        KeyCode::PageDown | KeyCode::Char(' ') => Some(Action::DiffScroll(page)),
        KeyCode::Home | KeyCode::Char('g') => Some(Action::DiffScroll(i32::MIN)),
        KeyCode::End | KeyCode::Char('G') => Some(Action::DiffScroll(i32::MAX)),
        _ => None,
    })
}

/// The mark / diff and branch keys of normal mode.
#[must_use]
pub fn normal(key: KeyEvent) -> Option<Action> {
    Some(match key.code {
        KeyCode::Char('v') => Action::Mark,
        KeyCode::Char('d') => Action::OpenDiff,
        KeyCode::Char('b') => Action::ToggleBranch,
        KeyCode::Char('x') => Action::ToggleSkip,
        KeyCode::Char('D') => Action::BranchDiff,
        _ => return None,
    })
}
