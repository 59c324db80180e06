//! A session whose server connection is lost (PostgreSQL restarted, a
//! session terminated): the status line says it is reconnecting, store
//! failures while away are not fatal, and once the follower is connected
//! again the session's own connection and its worker are opened anew and
//! the head is read again (the screen shows what the store holds: nothing
//! lost, nothing shown twice).

use super::super::super::app::{Message, Tone};
use super::super::super::{TuiError, text};
use super::super::follow::{Followed, is_lost};
use super::super::worker::Worker;
use super::Session;
use crate::app::{Chronicle, Mode};

/// The status line while the connection is down.
pub const RECONNECTING: &str = "PostgreSQL connection lost — reconnecting…";
/// The status line once it is back.
pub const RECONNECTED: &str = "PostgreSQL connection back — following again";

/// What [`Session::track_link`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// Connected as before.
    Up,
    /// Waiting for the connection to come back (read nothing).
    Down,
    /// Connected again just now (read the head again).
    Reopened,
}

/// Where the session's connections stand.
#[derive(Debug, Default)]
pub struct Link {
    /// The follower says its connection is down (it is retrying).
    follower_down: bool,
    /// The session's own connection must be opened again.
    lost: bool,
}

impl Session {
    /// Takes the follower's news about its connection; the session's own
    /// connection is reopened once the follower's is back.
    ///
    /// # Errors
    /// Reopening failed for another reason than a lost connection.
    pub(super) fn track_link(&mut self, news: &Followed) -> Result<LinkState, TuiError> {
        if let Some(why) = &news.lost {
            if !self.link.lost {
                tracing::warn!(error = %why, "connection lost; reconnecting");
            }
            self.link.lost = true;
            self.link.follower_down = !news.resumed;
        } else if news.resumed {
            self.link.follower_down = false;
        }
        if !self.link.lost {
            return Ok(LinkState::Up);
        }
        if self.link.follower_down {
            self.show(Tone::Error, RECONNECTING);
            return Ok(LinkState::Down);
        }
        match self.reopen() {
            Ok(()) => Ok(LinkState::Reopened),
            Err(TuiError::App(e)) if is_lost(&e) => {
                self.show(Tone::Error, RECONNECTING);
                Ok(LinkState::Down)
            }
            Err(e) => Err(e),
        }
    }

    /// `result`, unless it is a lost connection while following: then the
    /// status line says so and the session reconnects (see [`Self::track_link`]).
    pub(super) fn survive<T: Default>(&mut self, result: Result<T, TuiError>) -> Result<T, TuiError> {
        match result {
            Err(TuiError::App(e)) if self.follower.is_some() && is_lost(&e) => {
                if !self.link.lost {
                    tracing::warn!(error = %e, "connection lost; reconnecting");
                }
                self.link.lost = true;
                self.show(Tone::Error, RECONNECTING);
                Ok(T::default())
            }
            // The worker's connection died with the server's: a new one
            // comes with the session's.
            Err(TuiError::Worker(e)) if self.link.lost => {
                tracing::debug!(error = %e, "worker failed while reconnecting");
                Ok(T::default())
            }
            other => other,
        }
    }

    /// Whether the session is waiting for its connection to come back.
    #[must_use]
    pub fn reconnecting(&self) -> bool {
        self.link.lost
    }

    /// Opens the session's connection and its worker's again.
    fn reopen(&mut self) -> Result<(), TuiError> {
        let chron = self.chron.reconnect(self.mode)?;
        chron.set_cache_kib(2_048)?;
        // As on open: a foreign log's events are read without a computed chain.
        chron.store().set_chained(!self.app.foreign);
        let worker = if self.worker.is_some() {
            let worker = Worker::spawn(&chron)?;
            // As at start: the head's world from the read models, so the
            // new worker does not fold the whole log to show the head.
            if let Some(world) = chron.head_world()? {
                worker.seed(world)?;
            }
            let (sums, frames) = worker.shared();
            self.branches.set_timeline(sums, frames);
            Some(worker)
        } else {
            None
        };
        self.chron = chron;
        if worker.is_some() {
            self.worker = worker;
        }
        self.link = Link::default();
        self.show(Tone::Info, RECONNECTED);
        Ok(())
    }

    fn show(&mut self, tone: Tone, line: &str) {
        self.app.message = Some(Message { tone, text: text::clean(line) });
    }
}

/// Opens `db` for writing, or read-only when it can only be read (a store
/// this user cannot write, a log another tool wrote): the time machine works
/// as ever, and a command is refused with the store's own one-line reason.
pub(super) fn open_for_session(
    db: &std::path::Path,
    registry: std::sync::Arc<crate::domain::Registry>,
) -> Result<(Chronicle, Mode), TuiError> {
    use crate::app::AppError;
    use crate::es::StoreError;
    match Chronicle::open(db, Mode::Write, std::sync::Arc::clone(&registry)) {
        Err(AppError::Store(StoreError::ReadOnly { .. } | StoreError::Foreign { .. })) => {
            Ok((Chronicle::open(db, Mode::Read, registry)?, Mode::Read))
        }
        other => Ok((other?, Mode::Write)),
    }
}
