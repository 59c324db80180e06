//! Live mode: a thread with its own read-only connection waits for appends
//! by other processes (the engine's `wait_for_append`: polling for SQLite,
//! notifications for PostgreSQL) and hands the UI the new head, so the UI
//! thread never waits on the store for it.

use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::time::Duration;

use super::super::TuiError;
use crate::app::{Chronicle, Mode};

/// Longest single wait: the thread notices the UI has gone within this.
const WAIT: Duration = Duration::from_secs(1);

/// Handle on the following thread (it ends when this is dropped).
#[derive(Debug)]
pub struct Follower {
    heads: Receiver<Result<u64, String>>,
}

impl Follower {
    /// Opens a read-only handle on `chron`'s store and starts following from `head`.
    ///
    /// # Errors
    /// The store cannot be opened, or the thread cannot be started.
    pub fn spawn(chron: &Chronicle, head: u64) -> Result<Self, TuiError> {
        let chron = chron.reconnect(Mode::Read)?;
        let (tx, heads) = mpsc::channel();
        std::thread::Builder::new().name("chronicle-follow".into()).spawn(move || {
            let mut seen = head;
            loop {
                let next = chron.wait_for_append(seen, WAIT).and_then(|()| chron.head());
                let sent = match next {
                    Ok(h) if h == seen => Ok(()),
                    Ok(h) => {
                        seen = h;
                        tx.send(Ok(h))
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e.to_string()));
                        return;
                    }
                };
                if sent.is_err() {
                    return; // the UI is gone
                }
            }
        })?;
        Ok(Self { heads })
    }

    /// The newest head seen since the last call, if it moved.
    ///
    /// # Errors
    /// The store could not be read, or the thread has stopped.
    pub fn latest(&self) -> Result<Option<u64>, TuiError> {
        let mut latest = None;
        loop {
            match self.heads.try_recv() {
                Ok(Ok(h)) => latest = Some(h),
                Ok(Err(e)) => return Err(TuiError::Worker(e)),
                Err(TryRecvError::Empty) => return Ok(latest),
                Err(TryRecvError::Disconnected) => return Err(TuiError::Worker("following thread stopped".into())),
            }
        }
    }
}
