//! Keys while the causation-tree overlay is open: it takes them all.

use crossterm::event::{KeyCode, KeyEvent};

use super::super::action::Action;

/// Rows per `PgUp` / `PgDn` in the tree.
const PAGE: i64 = 10;

/// What `key` means on the tree overlay.
pub(super) fn key(key: KeyEvent, ctrl: bool) -> Option<Action> {
    if ctrl {
        return None;
    }
    Some(match key.code {
        KeyCode::Up | KeyCode::Char('k') => Action::TreeMove(-1),
        KeyCode::Down | KeyCode::Char('j') => Action::TreeMove(1),
        KeyCode::PageUp => Action::TreeMove(-PAGE),
        KeyCode::PageDown => Action::TreeMove(PAGE),
        KeyCode::Home | KeyCode::Char('g') => Action::TreeMove(i64::MIN),
        KeyCode::End | KeyCode::Char('G') => Action::TreeMove(i64::MAX),
        KeyCode::Enter => Action::TreeJump,
        KeyCode::Esc | KeyCode::Char('q' | 'T') => Action::TreeClose,
        _ => return None,
    })
}
