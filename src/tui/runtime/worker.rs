//! A background thread that folds the world at the positions asked for, with
//! its own read-only handle on the store. Requests that arrive while it folds
//! are coalesced (only the latest matters); long folds report progress.

use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::thread::JoinHandle;

use super::super::TuiError;
use crate::app::{Chronicle, Config, Mode, Timeline, World};
use crate::domain::Registry;

/// Events folded between progress reports (and checks for a newer request).
const STEP: u64 = 25_000;

/// Handle on the folding thread.
#[derive(Debug)]
pub struct Worker {
    requests: Sender<u64>,
    worlds: Receiver<Result<World, String>>,
    _thread: JoinHandle<()>,
}

impl Worker {
    /// Opens a read-only handle on `path` and starts the thread.
    ///
    /// # Errors
    /// The store cannot be opened.
    pub fn spawn(path: &Path, registry: &Arc<Registry>, config: Config) -> Result<Self, TuiError> {
        let chron = Chronicle::open_with(path, Mode::Read, Arc::clone(registry), config)?;
        let (requests, rx) = mpsc::channel::<u64>();
        let (tx, worlds) = mpsc::channel();
        let thread =
            std::thread::Builder::new().name("chronicle-fold".into()).spawn(move || fold_loop(&chron, &rx, &tx))?;
        Ok(Self { requests, worlds, _thread: thread })
    }

    /// Asks for the world at `position`.
    ///
    /// # Errors
    /// The thread has stopped.
    pub fn request(&self, position: u64) -> Result<(), TuiError> {
        self.requests.send(position).map_err(|e| TuiError::Worker(e.to_string()))
    }

    /// The newest world folded since the last call, if any.
    ///
    /// # Errors
    /// Folding failed, or the thread has stopped.
    pub fn latest(&self) -> Result<Option<World>, TuiError> {
        let mut latest = None;
        loop {
            match self.worlds.try_recv() {
                Ok(Ok(w)) => latest = Some(w),
                Ok(Err(e)) => return Err(TuiError::Worker(e)),
                Err(TryRecvError::Empty) => return Ok(latest),
                Err(TryRecvError::Disconnected) => return Err(TuiError::Worker("folding thread stopped".into())),
            }
        }
    }
}

fn newest(rx: &Receiver<u64>, mut target: u64) -> u64 {
    while let Ok(t) = rx.try_recv() {
        target = t;
    }
    target
}

fn fold_loop(chron: &Chronicle, rx: &Receiver<u64>, tx: &Sender<Result<World, String>>) {
    let mut timeline = Timeline::new(chron.config());
    while let Ok(first) = rx.recv() {
        let mut target = newest(rx, first);
        loop {
            let at = timeline.current().position;
            let to = if target > at + STEP { at + STEP } else { target };
            let sent = match timeline.seek(chron.store(), chron.registry(), to) {
                Ok(w) => tx.send(Ok(w.clone())),
                Err(e) => tx.send(Err(e.to_string())),
            };
            if sent.is_err() {
                return;
            }
            target = newest(rx, target);
            if timeline.current().position == target || to == target {
                break;
            }
        }
    }
}
