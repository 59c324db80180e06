//! A background thread that folds the world at the positions asked for, with
//! its own read-only handle on the store. Requests that arrive while it folds
//! are coalesced (only the latest matters); long folds report progress. When
//! idle it builds keyframes ahead of need, so later jumps are quick.

use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::thread::JoinHandle;

use super::super::TuiError;
use crate::app::{Chronicle, Mode, Timeline, World};

/// Events folded between progress reports (and checks for a newer request).
const STEP: u64 = 25_000;
/// Page cache of the worker's handle, KiB: it scans; a large cache would
/// only end up resident.
const CACHE_KIB: u32 = 2_048;

/// What the thread is asked to do.
#[derive(Debug)]
enum Request {
    /// Fold the world at this position.
    Seek(u64),
    /// Start from this world (read from the store, not folded).
    Seed(Box<World>),
}

/// Handle on the folding thread.
#[derive(Debug)]
pub struct Worker {
    requests: Sender<Request>,
    worlds: Receiver<Result<World, String>>,
    _thread: JoinHandle<()>,
}

impl Worker {
    /// Opens a read-only handle on `chron`'s store and starts the thread.
    ///
    /// # Errors
    /// The store cannot be opened.
    pub fn spawn(chron: &Chronicle) -> Result<Self, TuiError> {
        let chron = chron.reconnect(Mode::Read)?;
        chron.set_cache_kib(CACHE_KIB)?;
        let (requests, rx) = mpsc::channel::<Request>();
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
        self.requests.send(Request::Seek(position)).map_err(|e| TuiError::Worker(e.to_string()))
    }

    /// Hands the thread a world to start from.
    ///
    /// # Errors
    /// The thread has stopped.
    pub fn seed(&self, world: World) -> Result<(), TuiError> {
        self.requests.send(Request::Seed(Box::new(world))).map_err(|e| TuiError::Worker(e.to_string()))
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

/// Takes every request queued: seeds are applied in order, the last seek
/// wins (`target` if there is none).
fn drain(rx: &Receiver<Request>, timeline: &mut Timeline, mut target: Option<u64>) -> Option<u64> {
    while let Ok(r) = rx.try_recv() {
        match r {
            Request::Seek(t) => target = Some(t),
            Request::Seed(w) => timeline.seed(*w),
        }
    }
    target
}

fn fold_loop(chron: &Chronicle, rx: &Receiver<Request>, tx: &Sender<Result<World, String>>) {
    let mut timeline = Timeline::new(chron.config());
    // Building starts after the first request is answered: until then the
    // first frame has the cores.
    let mut prefetched = true;
    loop {
        // Idle: build keyframes until the head, a step at a time, so a
        // request never waits for more than one step.
        let first = if prefetched {
            match rx.recv() {
                Ok(r) => r,
                Err(_) => return,
            }
        } else {
            match rx.try_recv() {
                Ok(r) => r,
                Err(TryRecvError::Disconnected) => return,
                Err(TryRecvError::Empty) => {
                    match timeline.prefetch(chron.store(), chron.registry(), STEP) {
                        Ok(done) => prefetched = done,
                        Err(e) => {
                            tracing::warn!(error = %e, "building keyframes failed");
                            prefetched = true;
                        }
                    }
                    continue;
                }
            }
        };
        let first = match first {
            Request::Seek(t) => Some(t),
            Request::Seed(w) => {
                timeline.seed(*w);
                None
            }
        };
        let Some(mut target) = drain(rx, &mut timeline, first) else { continue };
        loop {
            let from = timeline.start_for(target);
            let to = if target > from + STEP { from + STEP } else { target };
            let sent = match timeline.seek(chron.store(), chron.registry(), to) {
                Ok(w) => tx.send(Ok(w.clone())),
                Err(e) => tx.send(Err(e.to_string())),
            };
            if sent.is_err() {
                return;
            }
            target = drain(rx, &mut timeline, Some(target)).unwrap_or(target);
            if timeline.current().position == target || to == target {
                break;
            }
        }
        // The head may have moved: keep building.
        prefetched = false;
    }
}
