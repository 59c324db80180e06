//! A UI session over one store: the state plus the store, and the effects
//! performed against it. Headless (tests drive it directly); the terminal
//! loop in `runtime` wraps it.

use std::path::Path;
use std::sync::Arc;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

use super::super::action::{Action, Effect};
use super::super::app::{App, Model, Page};
use super::super::{TuiError, keymap, text, update};
use super::branch::Branches;
use super::debugger::Job;
use super::follow::Follower;
use super::streams::StreamsJob;
use super::tree::TreeJob;
use super::worker::Worker;
use crate::app::{Chronicle, Mode, Timeline};
use crate::domain::Registry;
use crate::es::TimeTravel;
use reconnect::Link;

mod effects;
mod poll;
mod reads;
mod reconnect;

/// The state and the store it shows.
#[derive(Debug)]
pub struct Session {
    chron: Chronicle,
    /// Write, or Read for a store that can only be read.
    mode: Mode,
    timeline: Timeline,
    worker: Option<Worker>,
    /// The watch or find running, if any.
    job: Option<Job>,
    /// The causation tree being read, if any.
    tree: Option<TreeJob>,
    /// A foreign log's streams being read in the background, if any.
    streams: Option<StreamsJob>,
    follower: Option<Follower>,
    /// The what-if branch, if one is open.
    branches: Branches,
    link: Link,
    actor: String,
    pending_seek: Option<(u64, bool)>,
    /// Deferred seeks are flushed by [`Session::flush`] only (the terminal
    /// loop batches keys that arrive faster than frames).
    pub batching: bool,
    /// A mouse-capture change the terminal must apply.
    pub pending_mouse: Option<bool>,
    /// Ctrl-Z was pressed: the terminal loop suspends.
    pub pending_suspend: bool,
    /// The UI state.
    pub app: App,
}

impl Session {
    /// Opens the store at `db` for writing with the domains of `registry`
    /// (an absent file becomes an empty store; one that can only be read,
    /// such as a log another tool wrote, opens read-only) and loads the head. Folding happens on this thread until
    /// [`Session::spawn_worker`] is called.
    ///
    /// # Errors
    /// The store cannot be opened or read.
    pub fn open(db: &Path, registry: impl Into<Arc<Registry>>) -> Result<Self, TuiError> {
        let (chron, mode) = reconnect::open_for_session(db, registry.into())?;
        // Interactive reads touch few pages; a large cache would only stay resident.
        chron.set_cache_kib(2_048)?;
        // A foreign log's hashes are computed, not stored: the UI shows none,
        // so reading the events around a position need not walk the log.
        let foreign = chron.store().format().is_some();
        if foreign {
            chron.store().set_chained(false);
        }
        let head = chron.head()?;
        let label = chron.store().name().to_owned();
        let mut app = App::new(if mode == Mode::Read { format!("{label} (read-only)") } else { label }, head);
        app.foreign = foreign;
        app.commands = chron.registry().commands().collect();
        app.seeder = chron.registry().seeder().is_some();
        app.projections = chron
            .registry()
            .projections()
            .iter()
            .filter_map(|p| {
                let queried = matches!(p.time_travel(), TimeTravel::Query { .. });
                p.tables().first().map(|table| Model { name: p.name(), table, queried })
            })
            .collect();
        let timeline = Timeline::new(chron.config());
        let mut branches = Branches::new(db);
        branches.set_timeline(timeline.summaries(), timeline.frames());
        let actor = crate::app::actor::current();
        app.actor.clone_from(&actor);
        Ok(Self {
            chron,
            mode,
            timeline,
            worker: None,
            job: None,
            tree: None,
            streams: None,
            follower: None,
            branches,
            link: Link::default(),
            actor,
            pending_seek: None,
            batching: false,
            pending_mouse: None,
            pending_suspend: false,
            app,
        })
    }

    /// Folds in a background thread from now on (keeps scrubbing smooth on
    /// large logs), and follows appends by other processes in another.
    ///
    /// # Errors
    /// The threads' store handles cannot be opened.
    pub fn spawn_worker(&mut self) -> Result<(), TuiError> {
        let worker = Worker::spawn(&self.chron)?;
        let (sums, frames) = worker.shared();
        self.branches.set_timeline(sums, frames);
        self.worker = Some(worker);
        self.branches.set_threaded(true);
        self.follower = Some(Follower::spawn(&self.chron, self.app.head)?);
        Ok(())
    }

    /// The actor recorded on commands (see [`crate::app::actor::current`]).
    pub fn set_actor(&mut self, actor: &str) {
        actor.clone_into(&mut self.actor);
        actor.clone_into(&mut self.app.actor);
    }

    /// Where a what-if branch is exported (the working directory by default).
    pub fn set_export_dir(&mut self, dir: &Path) {
        self.branches.set_dir(dir);
    }

    /// Whether a causation tree is being read on its thread.
    #[must_use]
    pub fn reading_tree(&self) -> bool {
        self.tree.is_some()
    }

    /// The store.
    #[must_use]
    pub fn chronicle(&self) -> &Chronicle {
        &self.chron
    }

    /// Loads everything for the first frame.
    ///
    /// # Errors
    /// Store failures.
    pub fn start(&mut self) -> Result<(), TuiError> {
        // The head's world comes from the read models and the streams index
        // (no fold, whatever the log's length); states load as shown.
        let t = std::time::Instant::now();
        let seeded = self.chron.head_world()?;
        tracing::debug!(ms = t.elapsed().as_secs_f64() * 1e3, seeded = seeded.is_some(), "head world read");
        if let Some(world) = seeded {
            if let Some(worker) = &self.worker {
                // Shown now; the worker starts from it too (one copy, shared).
                worker.seed(world.clone())?;
                self.dispatch(Action::World(Box::new(world)))?;
            } else {
                self.timeline.seed(world);
            }
        }
        let head = self.app.head;
        self.dispatch(Action::HeadChanged(head))
    }

    /// Runs `action` through `update`, performing effects until quiet.
    ///
    /// # Errors
    /// Store failures that make the UI unusable (most are shown instead).
    pub fn dispatch(&mut self, action: Action) -> Result<(), TuiError> {
        let mut queue = vec![action];
        while let Some(a) = queue.pop() {
            if let Some(effect) = update::update(&mut self.app, a) {
                let mut next = self.perform(effect)?;
                next.reverse();
                queue.extend(next);
            }
        }
        if !self.batching {
            self.flush()?;
        }
        self.load_shown_state();
        self.branches.load_state(&self.chron, &mut self.app);
        self.load_matches()?;
        self.load_rows();
        Ok(())
    }

    /// Reads the filter's matches around the cursor the audit pane needs, if any.
    fn load_matches(&mut self) -> Result<(), TuiError> {
        if self.batching || self.pending_seek.is_some() {
            return Ok(());
        }
        let Some(Effect::Matches { filter, center, half }) = update::matches_wanted(&self.app) else {
            return Ok(());
        };
        let m = super::search::around(&self.chron, &filter, center, half, self.app.head)?;
        update::update(&mut self.app, Action::Matches(Box::new(m)));
        Ok(())
    }

    /// Reads the rows of a queried read model the screen needs, if any.
    fn load_rows(&mut self) {
        if self.batching || self.pending_seek.is_some() {
            return;
        }
        let Some(Effect::Rows { name, position, offset, limit }) = update::rows_wanted(&self.app) else {
            return;
        };
        let action =
            match self.chron.projection_rows(name, position, Some(&self.app.world), offset as u64, limit as u64 + 1) {
                Ok(mut rows) => {
                    let more = rows.len() > limit;
                    rows.truncate(limit);
                    Action::Page(Box::new(Page { name, position, offset, rows, more }))
                }
                Err(e) => Action::Failed(format!("cannot read {name}: {e}")),
            };
        update::update(&mut self.app, action);
    }

    /// The timeline's worlds are lazy (no stream states): load the one on screen.
    fn load_shown_state(&mut self) {
        let Some(id) = self.app.selected_stream().map(str::to_owned) else { return };
        if self.app.world.streams.get(id.as_str()).is_none_or(|s| s.state.is_some()) {
            return;
        }
        if let Err(e) = self.chron.load_state_into(&mut self.app.world, &id) {
            let why = format!("cannot load {}: {e}", text::clean(&id));
            if !self.app.world.problems.contains(&why) {
                self.app.world.problems.push_back(why);
            }
        }
    }

    /// Performs the deferred seek, if any.
    ///
    /// # Errors
    /// Store failures.
    pub fn flush(&mut self) -> Result<(), TuiError> {
        let r = self.flush_seek();
        self.survive(r)
    }

    fn flush_seek(&mut self) -> Result<(), TuiError> {
        let Some((position, window)) = self.pending_seek.take() else { return Ok(()) };
        let was = self.batching;
        self.batching = true;
        if window {
            let w = self.window(position)?;
            self.dispatch(Action::Window(Box::new(w)))?;
        }
        if let Some(worker) = &self.worker {
            worker.request(position)?;
        } else {
            let world = self.timeline.seek(self.chron.store(), self.chron.registry(), position)?.clone();
            self.dispatch(Action::World(Box::new(world)))?;
        }
        self.batching = was;
        if !was {
            self.load_matches()?;
            self.load_rows();
        }
        Ok(())
    }

    /// Feeds one terminal event.
    ///
    /// # Errors
    /// Store failures.
    pub fn handle_event(&mut self, ev: &Event) -> Result<(), TuiError> {
        let action = match ev {
            Event::Key(k) => keymap::key_to_action(&self.app, *k),
            Event::Mouse(m) => keymap::mouse_to_action(&self.app, *m),
            Event::Resize(w, h) => Some(Action::Resize(*w, *h)),
            Event::Paste(text) => Some(Action::Paste(text.clone())),
            _ => None,
        };
        let r = match action {
            Some(a) => self.dispatch(a),
            None => Ok(()),
        };
        self.survive(r)
    }

    /// Presses one key (tests and scripted use).
    ///
    /// # Errors
    /// Store failures.
    pub fn press(&mut self, code: KeyCode) -> Result<(), TuiError> {
        self.handle_event(&Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    }

    /// Types `s` key by key.
    ///
    /// # Errors
    /// Store failures.
    pub fn type_str(&mut self, s: &str) -> Result<(), TuiError> {
        s.chars().try_for_each(|c| self.press(KeyCode::Char(c)))
    }
}
