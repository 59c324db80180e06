//! The causation-tree overlay (`T`): open it on the cursor event's
//! correlation, move in it, Enter jumps to the selected event.

use super::super::action::{Action, Effect};
use super::super::app::App;
use super::{info, seek};

/// Applies a tree action.
pub(super) fn update(app: &mut App, action: Action) -> Option<Effect> {
    match action {
        Action::OpenTree => {
            let Some(e) = app.cursor_event() else {
                info(app, "no event at the cursor");
                return None;
            };
            let id = e.stored.metadata().correlation_id;
            if id.is_empty() {
                info(app, "this event carries no correlation id: it has no causation tree");
                return None;
            }
            info(app, "reading the causation tree…");
            Some(Effect::Tree(id))
        }
        Action::TreeRead(mut tree) => {
            let at = app.cursor;
            tree.selected = tree.rows.iter().position(|r| r.event && r.position == Some(at)).unwrap_or(0);
            let cut = if tree.truncated { " (only the first shown)" } else { "" };
            info(
                app,
                format!(
                    "correlation {}: {} event{}{cut} (↑/↓ select, Enter jumps, Esc closes)",
                    tree.correlation,
                    tree.events,
                    if tree.events == 1 { "" } else { "s" }
                ),
            );
            app.tree = Some(*tree);
            None
        }
        Action::TreeMove(d) => {
            let t = app.tree.as_mut()?;
            let last = t.rows.len().saturating_sub(1);
            let i = i64::try_from(t.selected).unwrap_or(0).saturating_add(d);
            t.selected = usize::try_from(i.max(0)).unwrap_or(0).min(last);
            None
        }
        Action::TreeJump => {
            let t = app.tree.take()?;
            let p = t.rows.get(t.selected).and_then(|r| r.position)?;
            info(app, format!("jumped to {p} in correlation {} (T reopens the tree)", t.correlation));
            seek(app, p)
        }
        Action::TreeClose => {
            app.tree = None;
            None
        }
        _ => None,
    }
}
