//! The diffs of the UI (`d`: mark against cursor, `D`: the branch against
//! the log) on their own thread with their own read-only handle on the
//! store, so keys keep answering while one runs; Esc drops its answer and
//! sets its cancel flag, which the diff checks between pages of its reads.
//! A diff of two positions has the time machine's worlds at both ends (the
//! one on screen, and the other sought from a keyframe here before the
//! thread starts) and counts from its interval summaries: the benchmarked
//! case (`benches/report/debug.rs`, "from the timeline's worlds").

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::thread::JoinHandle;

use super::Branches;
use crate::app::diff::rows::keyed;
use crate::app::diff::{Scope, rows_diff};
use crate::app::timeline::Frames;
use crate::app::{AppError, Chronicle, Mode, World};
use crate::es::TimeTravel;
use crate::tui::action::Action;
use crate::tui::app::{App, DiffView};

/// How many of a ledger's rows added a diff overlay lists (the rest it
/// counts: `chronicle diff A B --projection NAME` prints them all).
const LEDGER_ROWS_SHOWN: usize = 1_000;

/// A diff being computed on its thread.
#[derive(Debug)]
pub struct DiffJob {
    cancel: Arc<AtomicBool>,
    answer: Receiver<Action>,
    _thread: Option<JoinHandle<()>>,
}

impl DiffJob {
    /// Runs `work` on a thread with its own read-only handle on `c`'s store.
    fn spawn<F>(c: &Chronicle, work: F) -> Self
    where
        F: FnOnce(&Chronicle, &dyn Fn() -> bool) -> Result<DiffView, AppError> + Send + 'static,
    {
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&cancel);
        let (tx, answer) = mpsc::channel();
        let started = c.reconnect(Mode::Read).map_err(|e| e.to_string()).and_then(|chron| {
            let said = tx.clone();
            std::thread::Builder::new()
                .name("chronicle-diff".into())
                .spawn(move || {
                    let t = std::time::Instant::now();
                    let stop = || flag.load(Ordering::Relaxed);
                    let r = work(&chron, &stop).map(Box::new).map_err(|e| e.to_string());
                    tracing::debug!(ms = t.elapsed().as_secs_f64() * 1e3, "diff computed");
                    if !flag.load(Ordering::Relaxed) {
                        // The UI may have gone: nobody to tell.
                        let _ = said.send(Action::Diffed(r));
                    }
                })
                .map_err(|e| format!("cannot start the diff: {e}"))
        });
        let thread = match started {
            Ok(t) => Some(t),
            Err(e) => {
                let _ = tx.send(Action::Diffed(Err(e)));
                None
            }
        };
        Self { cancel, answer, _thread: thread }
    }

    /// The answer, once there is one.
    fn answer(&self) -> Option<Action> {
        match self.answer.try_recv() {
            Ok(a) => Some(a),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Action::Diffed(Err("the diff stopped".into()))),
        }
    }
}

/// Events folded at most here (the UI's thread) for the world at a diff's
/// other end: a keyframe interval (K) is 500 up to 1M events, about 3 ms
/// of folding; 2,000 stays within a frame. Further (keyframes not built
/// there yet), the diff's thread reads or folds its read models as
/// without a world.
const FOLD_AT_MOST: u64 = 2_000;

impl Branches {
    /// Diffs `from` against `to`, with the time machine's worlds at both
    /// ends (their read models then need no fold) and its summaries.
    pub(super) fn diff_between(&mut self, c: &Chronicle, app: &App, from: u64, to: u64) -> Option<Action> {
        let (sums, frames) = self.log_timeline.clone();
        let worlds = [from, to].map(|p| world_at(c, app, &frames, p));
        self.start_diff(c, move |c, stop| {
            let [a, b] = &worlds;
            let mut d = c.diff_with_summaries((from, to), Scope::All, [a.as_ref(), b.as_ref()], &sums, stop)?;
            // A ledger's rows added: the first page shown, the rest counted.
            c.preview_appended(&mut d, LEDGER_ROWS_SHOWN)?;
            Ok(DiffView::of(format!("diff {from} → {to}"), &d))
        })
    }

    /// Diffs the branch against the log, once the read models a skip is
    /// folding again are there (on the UI's thread: waits for them).
    pub(super) fn diff_main(&mut self, c: &Chronicle) -> Vec<Action> {
        self.cancel_diff();
        let mut out = Vec::new();
        if self.refold.is_some() {
            if self.threaded {
                self.diff_after_refold = true;
                return out;
            }
            out.extend(self.settle(c));
        }
        out.extend(self.start_main(c));
        out
    }

    /// Starts the branch's diff against the log (the read models folded).
    pub(super) fn start_main(&mut self, c: &Chronicle) -> Option<Action> {
        let Some(b) = self.branch.clone() else {
            return Some(Action::Diffed(Err("no branch is open".into())));
        };
        let (base, at_fork) = (self.base.clone(), self.at_fork.clone());
        self.start_diff(c, move |c, _| {
            let mut d = b.diff_against_main(c)?;
            // Both sides' read models are at hand: the log's at the fork
            // point, and the branch's (no pass over the log, unlike the CLI's).
            let mut branch = base;
            b.apply_own(c, &mut branch)?;
            for p in c.registry().projections().iter().filter(|p| p.time_travel() == TimeTravel::Fold) {
                let Some(table) = p.tables().first().map(|t| t.name) else { continue };
                let rows = rows_diff(keyed(at_fork.rows(table)), keyed(branch.rows(table)));
                d.projections.insert(p.name().to_owned(), rows);
            }
            Ok(DiffView::of(format!("branch @{} against the log at {}", b.at(), d.to), &d))
        })
    }

    /// Runs `work` here (headless), or on a thread whose answer
    /// [`Branches::poll_diff`] brings.
    fn start_diff<F>(&mut self, c: &Chronicle, work: F) -> Option<Action>
    where
        F: FnOnce(&Chronicle, &dyn Fn() -> bool) -> Result<DiffView, AppError> + Send + 'static,
    {
        self.cancel_diff();
        if !self.threaded {
            return Some(Action::Diffed(work(c, &|| false).map(Box::new).map_err(|e| e.to_string())));
        }
        self.diff = Some(DiffJob::spawn(c, work));
        None
    }

    /// Drops the diff running, or waiting for the read models, if any.
    pub(super) fn cancel_diff(&mut self) {
        self.diff_after_refold = false;
        if let Some(job) = self.diff.take() {
            job.cancel.store(true, Ordering::Relaxed);
        }
    }

    /// The diff's answer, once there is one.
    pub(super) fn poll_diff(&mut self) -> Option<Action> {
        let a = self.diff.as_ref()?.answer()?;
        self.diff = None;
        Some(a)
    }
}

/// The world at `p`: the one on screen if it is there, else a keyframe
/// plus the events up to `p` (`None` past [`FOLD_AT_MOST`], or on a store
/// failure: the diff then does without).
fn world_at(c: &Chronicle, app: &App, frames: &Frames, p: u64) -> Option<World> {
    if app.world.position == p {
        return Some(app.world.clone());
    }
    let started = std::time::Instant::now();
    let w = frames.world_at(c.store(), c.registry(), p, FOLD_AT_MOST).unwrap_or_else(|e| {
        tracing::warn!(position = p, error = %e, "cannot seek the diff's other end");
        None
    });
    tracing::debug!(position = p, found = w.is_some(), ms = started.elapsed().as_secs_f64() * 1e3, "diff end sought");
    w
}
