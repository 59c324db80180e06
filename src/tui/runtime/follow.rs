//! Live mode: a thread with its own read-only connection waits for appends
//! by other processes (the engine's `wait_for_append`: polling for SQLite,
//! notifications for PostgreSQL) and hands the UI the new head, so the UI
//! thread never waits on the store for it. When the connection to a server
//! is lost (a restart, a terminated session) it says so, reconnects with
//! backoff, and resumes from the last head it saw.

use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::time::Duration;

use super::super::TuiError;
use crate::app::{AppError, Chronicle, Mode};
use crate::es::{BackendKind, StoreError};

/// Longest single wait: the thread notices the UI has gone within this.
const WAIT: Duration = Duration::from_secs(1);
/// First and longest pause between reconnection attempts.
const BACKOFF: (Duration, Duration) = (Duration::from_millis(100), Duration::from_secs(2));

/// What the thread tells the UI.
#[derive(Debug)]
enum Note {
    /// The head moved to this position.
    Head(u64),
    /// The connection was lost (why); reconnecting.
    Lost(String),
    /// Connected again.
    Resumed,
    /// A failure that reconnecting cannot mend; the thread has stopped.
    Failed(String),
}

/// What happened since the UI last asked.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Followed {
    /// The newest head seen, if it moved.
    pub head: Option<u64>,
    /// The connection was lost (why); the thread is reconnecting.
    pub lost: Option<String>,
    /// The connection is back (after `lost`, possibly in an earlier call).
    pub resumed: bool,
}

/// Handle on the following thread (it ends when this is dropped).
#[derive(Debug)]
pub struct Follower {
    notes: Receiver<Note>,
}

impl Follower {
    /// Opens a read-only handle on `chron`'s store and starts following from `head`.
    ///
    /// # Errors
    /// The store cannot be opened, or the thread cannot be started.
    pub fn spawn(chron: &Chronicle, head: u64) -> Result<Self, TuiError> {
        let follower = chron.reconnect(Mode::Read)?;
        let (tx, notes) = mpsc::channel();
        std::thread::Builder::new().name("chronicle-follow".into()).spawn(move || follow(follower, head, &tx))?;
        Ok(Self { notes })
    }

    /// What happened since the last call.
    ///
    /// # Errors
    /// The store could not be read, or the thread has stopped.
    pub fn latest(&self) -> Result<Followed, TuiError> {
        let mut news = Followed::default();
        loop {
            match self.notes.try_recv() {
                Ok(Note::Head(h)) => news.head = Some(h),
                Ok(Note::Lost(why)) => {
                    news.lost = Some(why);
                    news.resumed = false;
                }
                Ok(Note::Resumed) => news.resumed = true,
                Ok(Note::Failed(e)) => return Err(TuiError::Worker(e)),
                Err(TryRecvError::Empty) => return Ok(news),
                Err(TryRecvError::Disconnected) => return Err(TuiError::Worker("following thread stopped".into())),
            }
        }
    }
}

/// Whether `e` is a lost connection (worth reconnecting for).
#[must_use]
pub fn is_lost(e: &AppError) -> bool {
    matches!(e, AppError::Store(StoreError::Backend { kind: BackendKind::Unreachable | BackendKind::Terminated, .. }))
}

/// A server that is full of sessions may take another one soon.
fn is_busy(e: &AppError) -> bool {
    matches!(e, AppError::Store(StoreError::Backend { kind: BackendKind::Busy, .. }))
}

/// The thread: follows from `seen` until the UI goes away.
fn follow(mut chron: Chronicle, mut seen: u64, tx: &Sender<Note>) {
    loop {
        let next = chron.wait_for_append(seen, WAIT).and_then(|()| chron.head());
        let sent = match next {
            Ok(h) if h == seen => Ok(()),
            Ok(h) => {
                seen = h;
                tx.send(Note::Head(h))
            }
            Err(e) if is_lost(&e) => {
                if tx.send(Note::Lost(e.to_string())).is_err() {
                    return;
                }
                let Some(back) = reconnect(&chron, tx) else { return };
                chron = back;
                // Appends made while away are picked up by the next wait,
                // which returns at once when the head is past `seen`.
                tx.send(Note::Resumed)
            }
            Err(e) => {
                let _ = tx.send(Note::Failed(e.to_string()));
                return;
            }
        };
        if sent.is_err() {
            return; // the UI is gone
        }
    }
}

/// A new connection, tried with backoff until it works; `None` when the
/// UI went away or the store cannot be opened for another reason.
fn reconnect(chron: &Chronicle, tx: &Sender<Note>) -> Option<Chronicle> {
    let mut pause = BACKOFF.0;
    loop {
        std::thread::sleep(pause);
        match chron.reconnect(Mode::Read) {
            Ok(c) => return Some(c),
            Err(e) if is_lost(&e) || is_busy(&e) => {
                tracing::debug!(error = %e, "reconnecting");
                // Probe the channel: stop when the UI has gone.
                if tx.send(Note::Lost(e.to_string())).is_err() {
                    return None;
                }
            }
            Err(e) => {
                let _ = tx.send(Note::Failed(e.to_string()));
                return None;
            }
        }
        pause = (pause * 2).min(BACKOFF.1);
    }
}
