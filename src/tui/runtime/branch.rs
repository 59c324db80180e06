//! Mark / diff and the what-if branch, against the store (reading only:
//! a branch never writes to it). The branch lives here, next to the store;
//! the UI gets plain [`BranchView`]s of it.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, TryRecvError};

use super::super::action::{Action, BranchOp};
use super::super::app::{App, BranchEvent, BranchState, BranchView, Refused};
use super::super::text;
use crate::app::timeline::{Frames, Summaries};
use crate::app::whatif::Branch;
use crate::app::{AppError, Chronicle, Mode, Timeline};
use crate::es::MemTables;
use diff::DiffJob;

mod diff;

/// What a command in the branch did (or why it was rejected), what the
/// branch shows now, and the stream of its first event.
type Ran = (Result<String, String>, BranchView, Option<String>);

/// Read models folded again on a thread, with the timeline that folded them.
type Refolded = Result<(MemTables, Timeline), String>;

/// The branch open, if any, and what its export is named after.
#[derive(Debug)]
pub struct Branches {
    branch: Option<Branch>,
    /// The read models folded in memory of the log up to the fork point,
    /// less the events left out (the branch's own are applied on a copy).
    base: MemTables,
    /// The log's read models at the fork point (what `base` is with nothing left out).
    at_fork: MemTables,
    /// Folds the log's worlds before a skipped event (keyframes kept), so a
    /// skip refolds from there, not from the first event.
    timeline: Option<Timeline>,
    /// Read models being folded again on a thread after a skip: the
    /// answer (with the timeline, to keep its keyframes).
    refold: Option<Receiver<Refolded>>,
    /// Whether skips refold and diffs run on a thread (the terminal UI), or here (headless).
    threaded: bool,
    /// The diff running on a thread, if any.
    diff: Option<DiffJob>,
    /// The time machine's interval summaries and keyframes (diffs count
    /// from the former and seek their other end from the latter).
    log_timeline: (Summaries, Frames),
    /// `D` was pressed while a skip folds the read models again: the
    /// branch's diff starts once they are folded.
    diff_after_refold: bool,
    /// The store's file name without extension (`demo` for `demo.db`).
    stem: String,
    /// Where exports are written (the working directory when the UI started).
    dir: PathBuf,
}

impl Branches {
    /// No branch yet, on the store at `db`.
    #[must_use]
    pub fn new(db: &Path) -> Self {
        let raw = db.file_stem().map_or_else(|| "store".to_owned(), |s| s.to_string_lossy().into_owned());
        let stem: String = raw
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '-' })
            .collect();
        let stem = if stem.is_empty() { "store".to_owned() } else { stem };
        Self {
            branch: None,
            base: MemTables::default(),
            at_fork: MemTables::default(),
            timeline: None,
            refold: None,
            threaded: false,
            diff: None,
            log_timeline: (Summaries::default(), Frames::default()),
            diff_after_refold: false,
            stem,
            dir: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        }
    }

    /// The time machine whose summaries and keyframes diffs use.
    pub fn set_timeline(&mut self, sums: Summaries, frames: Frames) {
        self.log_timeline = (sums, frames);
    }

    /// Skips refold the read models on a thread from now on.
    pub fn set_threaded(&mut self, on: bool) {
        self.threaded = on;
    }

    /// A diff computed on its thread, or the branch's read models folded
    /// again on theirs (what the branch shows now), once they are.
    pub fn poll(&mut self, c: &Chronicle) -> Option<Action> {
        if let Some(a) = self.poll_diff() {
            return Some(a);
        }
        let answer = match self.refold.as_ref()?.try_recv() {
            Ok(a) => a,
            Err(TryRecvError::Empty) => return None,
            Err(TryRecvError::Disconnected) => Err("the branch's folding thread stopped".into()),
        };
        let a = self.finish(c, answer);
        if std::mem::take(&mut self.diff_after_refold) {
            // A spawned diff answers later; one that could not start, now.
            if let Some(Action::Diffed(Err(e))) = self.start_main(c) {
                return Some(Action::Diffed(Err(e)));
            }
        }
        Some(a)
    }

    /// Waits for the read models being folded again, if they are.
    fn settle(&mut self, c: &Chronicle) -> Option<Action> {
        let answer = self.refold.as_ref()?.recv().unwrap_or_else(|_| Err("the branch's folding thread stopped".into()));
        Some(self.finish(c, answer))
    }

    fn finish(&mut self, c: &Chronicle, answer: Refolded) -> Action {
        self.refold = None;
        let r = answer.and_then(|(tables, timeline)| {
            self.base = tables;
            self.timeline = Some(timeline);
            let b = self.branch.as_ref().ok_or("no branch is open")?;
            view(b, &self.base, c, false).map_err(|e| e.to_string())
        });
        Action::Branched(r.map(Box::new))
    }

    /// Exports go to `dir` from now on.
    pub fn set_dir(&mut self, dir: &Path) {
        dir.clone_into(&mut self.dir);
    }

    /// Performs `op` (`app`: the state, whose world at the fork point
    /// saves folding the read models again); what it did, as actions.
    pub fn perform(&mut self, c: &Chronicle, app: &App, op: BranchOp) -> Vec<Action> {
        let started = std::time::Instant::now();
        let what = format!("{op:?}");
        let out = match op {
            BranchOp::Diff { from, to } => self.diff_between(c, app, from, to).into_iter().collect(),
            BranchOp::DiffMain => self.diff_main(c),
            BranchOp::CancelDiff => {
                self.cancel_diff();
                Vec::new()
            }
            op => vec![self.run(c, app, op)],
        };
        tracing::debug!(ms = started.elapsed().as_secs_f64() * 1e3, op = %what, "branch op");
        out
    }

    fn run(&mut self, c: &Chronicle, app: &App, op: BranchOp) -> Action {
        match op {
            BranchOp::Fork(at) => {
                let r = Branch::fork(c, at).and_then(|b| {
                    // The world folded at the fork point has the log's read models there.
                    self.base = if app.world.position == at { app.world.tables.clone() } else { b.log_read_models(c)? };
                    self.at_fork = self.base.clone();
                    self.timeline = Some(Timeline::new(c.config()));
                    let b = self.branch.insert(b);
                    self.refold = None;
                    view(b, &self.base, c, false)
                });
                Action::Branched(r.map(Box::new).map_err(|e| e.to_string()))
            }
            BranchOp::Skip(p) => Action::Branched(self.skip(c, p).map(Box::new).map_err(|e| e.to_string())),
            BranchOp::Execute(line) => match self.execute(c, &line) {
                Ok((said, v, stream)) => Action::BranchRan(said, Box::new(v), stream),
                Err(e) => Action::Branched(Err(e.to_string())),
            },
            BranchOp::Diff { .. } | BranchOp::DiffMain | BranchOp::CancelDiff => {
                Action::Failed(format!("{op:?}: not here"))
            }
            BranchOp::Leave { export } => Action::BranchLeft(self.leave(c, export)),
        }
    }

    fn open(&mut self) -> Result<&mut Branch, AppError> {
        self.branch.as_mut().ok_or_else(|| AppError::Usage("no branch is open".into()))
    }

    fn skip(&mut self, c: &Chronicle, position: u64) -> Result<BranchView, AppError> {
        let b = self.branch.as_mut().ok_or_else(|| AppError::Usage("no branch is open".into()))?;
        if b.skipped().contains(&position) {
            b.unskip(c, position)?;
        } else {
            b.skip(c, position)?;
        }
        // Read models cannot take an event back: fold them again without
        // it, from the log's world just before the first event left out
        // (on a thread in the terminal UI: the first time, that world is
        // folded from the start).
        self.refold = None;
        let Some(q) = b.first_left_out() else {
            self.base = self.at_fork.clone();
            return view(b, &self.base, c, false);
        };
        let mut timeline = self.timeline.take().unwrap_or_else(|| Timeline::new(c.config()));
        if !self.threaded {
            self.base = refold(c, b, &mut timeline, q)?;
            self.timeline = Some(timeline);
            return view(b, &self.base, c, false);
        }
        let chron = c.reconnect(Mode::Read)?;
        let branch = b.clone();
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("chronicle-branch".into())
            .spawn(move || {
                let folded = refold(&chron, &branch, &mut timeline, q).map_err(|e| e.to_string());
                // A newer skip may have replaced this one: nobody to tell.
                let _ = tx.send(folded.map(|t| (t, timeline)));
            })
            .map_err(|e| AppError::Io(e.to_string()))?;
        self.refold = Some(rx);
        view(b, &self.base, c, true)
    }

    fn execute(&mut self, c: &Chronicle, line: &str) -> Result<Ran, AppError> {
        let b = self.open()?;
        let shown = text::clean(line);
        let (said, stream) = match b.apply_command(c, line) {
            Ok(o) => match o.result {
                Ok(events) => {
                    let list: Vec<String> = events
                        .iter()
                        .map(|e| {
                            format!("{} {} @{}", text::clean(&e.event_type), text::clean(&e.stream_id), e.position)
                        })
                        .collect();
                    let stream = events.first().map(|e| e.stream_id.clone());
                    (Ok(format!("in the branch: accepted `{shown}` → {} (nothing written)", list.join(", "))), stream)
                }
                Err(reason) => (Err(format!("in the branch: rejected `{shown}`: {reason}")), None),
            },
            Err(e) => (Err(format!("in the branch: {e}")), None),
        };
        let b = self.branch.as_ref().ok_or_else(|| AppError::Usage("no branch is open".into()))?;
        Ok((said, view(b, &self.base, c, self.refold.is_some())?, stream))
    }

    fn leave(&mut self, c: &Chronicle, export: bool) -> Result<Option<String>, String> {
        let Some(b) = self.branch.as_ref() else { return Ok(None) };
        let path = if export {
            let path = self.dir.join(format!("{}-branch-{}.jsonl", self.stem, b.at()));
            let written = std::fs::File::create(&path).map_err(|e| AppError::Io(e.to_string())).and_then(|f| {
                let mut out = BufWriter::new(f);
                b.export_jsonl(c, &mut out)?;
                out.flush().map_err(|e| AppError::Io(e.to_string()))
            });
            if let Err(e) = written {
                // A half-written export is worse than none.
                let _ = std::fs::remove_file(&path);
                return Err(format!("cannot export the branch to {}: {e}", path.display()));
            }
            Some(path.display().to_string())
        } else {
            None
        };
        self.branch = None;
        self.refold = None;
        // A branch diff running answers into nothing (the UI drops it).
        self.diff_after_refold = false;
        Ok(path)
    }

    /// Loads the selected stream's state in the branch when the branch
    /// pane lacks it (the selection moved, or the branch changed).
    pub fn load_state(&mut self, c: &Chronicle, app: &mut App) {
        let Some(b) = self.branch.as_mut() else { return };
        let Some(id) = app.selected_stream().map(str::to_owned) else { return };
        let Some(v) = app.branch.as_mut() else { return };
        if v.state.as_ref().is_some_and(|s| s.stream == id) {
            return;
        }
        match state(b, c, &id) {
            Ok(s) => v.state = Some(s),
            Err(e) => {
                v.state = Some(BranchState { stream: id.clone(), branch: None, main: None });
                app.message = Some(super::super::app::Message {
                    tone: super::super::app::Tone::Error,
                    text: text::clean(&format!("cannot load {id} in the branch: {e}")),
                });
            }
        }
    }
}

fn state(b: &mut Branch, c: &Chronicle, id: &str) -> Result<BranchState, AppError> {
    let branch = b.state_of(c, id)?;
    let main = match c.store().stream(id)? {
        Some(info) => c.state_json_at(id, &info.stream_type, b.at())?,
        None => None,
    };
    Ok(BranchState { stream: id.to_owned(), branch, main })
}

/// The log's read models at the fork point less the events left out,
/// folded from the world just before `q` (the first left out).
fn refold(c: &Chronicle, b: &Branch, timeline: &mut Timeline, q: u64) -> Result<MemTables, AppError> {
    let mut tables = timeline.seek(c.store(), c.registry(), q - 1)?.tables.clone();
    b.fold_log_into(c, &mut tables, q)?;
    Ok(tables)
}

/// What the UI shows of `b`, on `base` (the log's read models at the
/// fork point less the events left out; none while `folding` them again);
/// the selected stream's state is loaded apart.
fn view(b: &Branch, base: &MemTables, c: &Chronicle, folding: bool) -> Result<BranchView, AppError> {
    let tables = if folding {
        None
    } else {
        let mut tables = base.clone();
        b.apply_own(c, &mut tables)?;
        Some(tables)
    };
    let events = b
        .events()
        .iter()
        .map(|e| BranchEvent {
            position: e.position,
            stream_id: e.stream_id.clone(),
            event_type: e.event_type.clone(),
            payload: text::compact(&e.payload),
        })
        .collect();
    let refused = b.flagged().iter().map(|f| Refused { position: f.position, reason: f.reason.clone() }).collect();
    Ok(BranchView {
        at: b.at(),
        skipped: b.skipped().clone(),
        refused,
        events,
        state: None,
        tables,
        leaving: false,
        folding,
    })
}
