//! The terminal UI: a time machine over one store.
//!
//! Built in the Elm shape:
//! * [`app::App`]: plain-data state (including the cached world and event
//!   window at the cursor, so drawing never touches the store);
//! * [`action::Action`]: everything that can happen; [`keymap`] turns keys and
//!   mouse events into actions, purely;
//! * [`update::update`]: the pure state transition, returning an
//!   [`action::Effect`] when the store must be touched;
//! * [`view`]: draws an `&App`, nothing else;
//! * [`runtime`]: the one module that touches the terminal and the store.

pub mod action;
pub mod app;
pub mod keymap;
pub mod runtime;
pub mod text;
pub mod theme;
pub mod update;
pub mod view;

use std::path::Path;
use std::sync::Arc;

pub use action::{Action, Effect};
pub use app::App;
pub use runtime::Session;

use crate::app::AppError;
use crate::domain::Registry;

/// Why the TUI could not run.
#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    /// The store could not be opened or read.
    #[error("store: {0}")]
    App(#[from] AppError),
    /// The terminal could not be set up, drawn to or read from.
    #[error("terminal: {0}")]
    Io(#[from] std::io::Error),
    /// The background folding thread stopped unexpectedly.
    #[error("the time machine's worker stopped: {0}")]
    Worker(String),
}

/// Opens the store at `db` with the domains of `registry` (an absent file
/// becomes an empty store) and runs
/// the interactive UI until the user quits. Without a terminal it refuses
/// ([`AppError::Usage`], naming the headless commands) after checking the
/// store, and without creating one. The terminal is restored on every
/// exit, panics included.
///
/// # Errors
/// [`TuiError::App`] when the store cannot be opened or read,
/// [`TuiError::Io`] when the terminal fails.
pub fn run(db: &Path, registry: impl Into<Arc<Registry>>) -> Result<(), TuiError> {
    runtime::run(db, registry.into())
}

#[cfg(test)]
mod tests;
