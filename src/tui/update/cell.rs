//! Watching a read-model cell (`w` with the read-model pane focused): the
//! pane's top row is the one watched (marked `▶`), its columns are what Tab
//! completes, and `n` / `N` walk the changes of the cell through
//! [`crate::app::debug::blame::blame_row`] on the runtime's thread.

use serde_json::Value;

use super::super::app::{App, Focus};
use crate::es::Cell;

/// With the read-model pane focused: the read model shown and its top
/// row's key (one text per key column), and the row as JSON.
pub(super) fn selected_row(app: &App) -> Option<(&'static str, Vec<String>, Value)> {
    if app.focus != Focus::Projections {
        return None;
    }
    let m = app.model()?;
    let row = app.model_rows(1)?.into_iter().next()?;
    let key = row.key_cells().iter().map(key_text).collect();
    Some((m.name, key, row.to_json()))
}

/// A key cell as `blame_row` takes it back (an integer's digits, a text as is).
fn key_text(c: &Cell) -> String {
    match c {
        Cell::Text(s) => s.to_string(),
        Cell::Int(i) => i.to_string(),
        other => other.to_value().to_string(),
    }
}
