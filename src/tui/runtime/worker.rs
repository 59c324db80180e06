//! A background thread that folds the world at the positions asked for, with
//! its own read-only handle on the store. Requests that arrive while it folds
//! are coalesced (only the latest matters); long folds report progress. When
//! idle it builds keyframes ahead of need, so later jumps are quick, then
//! sums up their intervals (so diffs need not read the whole range).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::thread::JoinHandle;

use super::super::TuiError;
use crate::app::cache::KeyframeCache;
use crate::app::timeline::{Frames, Summaries};
use crate::app::{Chronicle, Mode, Timeline, World};

/// Events folded between progress reports (and checks for a newer request).
const STEP: u64 = 25_000;
/// Events built between two writes of the keyframe cache (so a quit
/// while building keeps most of the work).
const SAVE_EVERY: u64 = 200_000;
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
    /// Where keyframes are built to.
    built: Arc<AtomicU64>,
    notices: Receiver<String>,
    /// The timeline's keyframes and interval summaries, shared (diffs).
    shared: (Summaries, Frames),
    _thread: JoinHandle<()>,
}

impl Worker {
    /// Opens a read-only handle on `chron`'s store and starts the thread.
    ///
    /// # Errors
    /// The store cannot be opened.
    pub fn spawn(chron: &Chronicle) -> Result<Self, TuiError> {
        // A foreign log's checks, deferred on open, run on a connection of their own.
        let checker = chron.store().format().is_some().then(|| chron.reconnect(Mode::Read)).transpose()?;
        let chron = chron.reconnect(Mode::Read)?;
        chron.set_cache_kib(CACHE_KIB)?;
        let cache = open_cache(&chron);
        let built = Arc::new(AtomicU64::new(0));
        let (requests, rx) = mpsc::channel::<Request>();
        let (tx, worlds) = mpsc::channel();
        let (say, notices) = mpsc::channel();
        if let Some(checker) = checker {
            let say = say.clone();
            std::thread::Builder::new().name("chronicle-checks".into()).spawn(move || check(&checker, &say))?;
        }
        let shared = Arc::clone(&built);
        let mut timeline = Timeline::new(chron.config());
        let handles = (timeline.summaries(), timeline.frames());
        let thread = std::thread::Builder::new().name("chronicle-fold".into()).spawn(move || {
            // The head's world first (one frame): the rest after the first answer.
            let cache = cache.and_then(|c| restore(c, &chron, &mut timeline, &say, true));
            let pending = cache.is_some();
            let mut fold = Fold { chron: &chron, timeline, cache, built: &shared, saved: 0, pending, say };
            fold.run(&rx, &tx);
        })?;
        Ok(Self { requests, worlds, built, notices, shared: handles, _thread: thread })
    }

    /// Warnings found in the background since the last call (a foreign
    /// log's checks, a cache that could not be used).
    #[must_use]
    pub fn notices(&self) -> Vec<String> {
        self.notices.try_iter().collect()
    }

    /// The folding thread's keyframes and interval summaries (handles that
    /// follow its folds).
    #[must_use]
    pub fn shared(&self) -> (Summaries, Frames) {
        self.shared.clone()
    }

    /// Where keyframes are built to (the background fold's progress).
    #[must_use]
    pub fn built(&self) -> u64 {
        self.built.load(Ordering::Relaxed)
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

/// The keyframe cache of a foreign log; `None` (after one warning line on
/// stderr: the terminal is not set up yet) when it cannot be used, or when
/// there is none.
fn open_cache(chron: &Chronicle) -> Option<KeyframeCache> {
    match KeyframeCache::for_store(chron) {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!("{e}; carrying on without it");
            eprintln!("chronicle: warning: {}; carrying on without it", e.replace(['\n', '\r'], " "));
            None
        }
    }
}

/// Restores `cache`'s keyframes (`head`: the world at its head alone) into
/// `timeline`; a failure is a notice, and no cache.
fn restore(
    mut cache: KeyframeCache,
    chron: &Chronicle,
    timeline: &mut Timeline,
    say: &Sender<String>,
    head: bool,
) -> Option<KeyframeCache> {
    let started = std::time::Instant::now();
    let done = if head { cache.restore_head(chron, timeline).map(usize::from) } else { cache.restore(chron, timeline) };
    match done {
        Ok(n) => {
            tracing::debug!(
                cache = %cache.path().display(),
                worlds = n,
                head,
                up_to = cache.head(),
                ms = started.elapsed().as_secs_f64() * 1e3,
                "keyframe cache restored"
            );
            Some(cache)
        }
        Err(e) => {
            tracing::warn!("{e}; carrying on without it");
            let _ = say.send(format!("{e}; carrying on without it"));
            timeline.reset(chron.config());
            None
        }
    }
}

/// Runs a foreign log's checks (deferred on open) and tells what they find.
fn check(chron: &Chronicle, say: &Sender<String>) {
    let started = std::time::Instant::now();
    match chron.store().check() {
        Ok(found) => {
            tracing::debug!(ms = started.elapsed().as_secs_f64() * 1e3, found = found.len(), "checks run");
            for f in found {
                let line = format!("position {}: {}", f.position, f.what);
                tracing::warn!(db = %chron.store().name(), "{line}");
                let _ = say.send(line);
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "checks failed");
            let _ = say.send(format!("cannot check the log: {e}"));
        }
    }
}

/// The folding thread's state.
struct Fold<'a> {
    chron: &'a Chronicle,
    timeline: Timeline,
    cache: Option<KeyframeCache>,
    built: &'a AtomicU64,
    /// Where keyframes were built to when the cache was last written.
    saved: u64,
    /// The cache's keyframes are still to be restored (all but the head's).
    pending: bool,
    say: Sender<String>,
}

impl Fold<'_> {
    /// Publishes progress, and writes the cache when `done` or when enough
    /// was built since the last write.
    fn progress(&mut self, done: bool) {
        let built = self.timeline.built();
        if let Some(cache) = &mut self.cache
            && built > self.saved
            && (done || built >= self.saved + SAVE_EVERY)
        {
            self.saved = built;
            match cache.save(self.chron, &self.timeline) {
                Ok(n) => tracing::debug!(frames = n, up_to = built, "keyframe cache written"),
                Err(e) => {
                    tracing::warn!("{e}; carrying on without it");
                    self.cache = None;
                }
            }
        }
        // Published once written: "built" on screen means kept too.
        self.built.store(if self.pending { 0 } else { built }, Ordering::Relaxed);
    }

    /// Restores the cache's keyframes, if still to be done.
    fn finish_restore(&mut self) {
        if !std::mem::take(&mut self.pending) {
            return;
        }
        if let Some(cache) = self.cache.take() {
            self.cache = restore(cache, self.chron, &mut self.timeline, &self.say, false);
        }
        self.saved = self.timeline.built();
        self.progress(false);
    }

    fn run(&mut self, rx: &Receiver<Request>, tx: &Sender<Result<World, String>>) {
        self.saved = self.timeline.built();
        fold_loop(self, rx, tx);
    }
}

fn fold_loop(fold: &mut Fold<'_>, rx: &Receiver<Request>, tx: &Sender<Result<World, String>>) {
    let chron = fold.chron;
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
                    // Keyframes first, then the intervals' summaries (diffs).
                    let step = fold
                        .timeline
                        .prefetch(chron.store(), chron.registry(), STEP)
                        .and_then(|built| if built { fold.timeline.sum_ahead(chron.store(), STEP) } else { Ok(false) });
                    match step {
                        Ok(done) => {
                            prefetched = done;
                            fold.progress(done);
                        }
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
                fold.timeline.seed(*w);
                None
            }
        };
        let Some(mut target) = drain(rx, &mut fold.timeline, first) else { continue };
        loop {
            let from = fold.timeline.start_for(target);
            let to = if target > from + STEP { from + STEP } else { target };
            let sent = match fold.timeline.seek(chron.store(), chron.registry(), to) {
                Ok(w) => tx.send(Ok(w.clone())),
                Err(e) => tx.send(Err(e.to_string())),
            };
            if sent.is_err() {
                return;
            }
            fold.progress(false);
            target = drain(rx, &mut fold.timeline, Some(target)).unwrap_or(target);
            if fold.timeline.current().position == target || to == target {
                break;
            }
        }
        // What opening costs: with a keyframe cache, the first answer folds nothing.
        tracing::debug!(position = target, folded = fold.timeline.folded(), "world answered");
        fold.finish_restore();
        // The head may have moved: keep building.
        prefetched = false;
    }
}
