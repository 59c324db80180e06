//! What the terminal loop polls between keys: the answers of the jobs on
//! threads and of the worker, and the store's head (another process may
//! have appended).

use super::super::super::TuiError;
use super::super::super::action::Action;
use super::super::super::app::{Message, Overview, Tone};
use super::super::super::{text, update};
use super::super::debugger::Job;
use super::super::streams::StreamsJob;
use super::super::tree::TreeJob;
use super::Session;
use super::reconnect::LinkState;

impl Session {
    /// Worlds the background worker has folded since last asked.
    ///
    /// # Errors
    /// The worker failed.
    pub fn poll_worker(&mut self) -> Result<bool, TuiError> {
        if let Some(a) = self.branches.poll(&self.chron) {
            let r = self.dispatch(a);
            self.survive(r)?;
            return Ok(true);
        }
        if let Some(a) = self.tree.as_ref().and_then(TreeJob::answer) {
            self.tree = None;
            let r = self.dispatch(a);
            self.survive(r)?;
            return Ok(true);
        }
        if let Some(a) = self.job.as_ref().and_then(Job::answer) {
            self.job = None;
            let r = self.dispatch(Action::Debugged(a));
            self.survive(r)?;
            return Ok(true);
        }
        if let Some(answer) = self.streams.as_ref().and_then(StreamsJob::answer) {
            self.streams = None;
            let action = match answer {
                Ok(streams) => Action::Overview(Box::new(Overview { streams, ..self.app.overview.clone() })),
                Err(e) => Action::Failed(format!("cannot list the streams: {e}")),
            };
            let r = self.dispatch(action);
            self.survive(r)?;
            return Ok(true);
        }
        let Some(worker) = &self.worker else { return Ok(false) };
        let notices = worker.notices();
        if !notices.is_empty() {
            let text = format!("warning: {}", notices.join(" · "));
            self.app.message = Some(Message { tone: Tone::Error, text: text::clean(&text) });
        }
        let built = worker.built();
        let progressed = self.app.building != Some(built);
        if progressed {
            update::update(&mut self.app, Action::Building(built));
        }
        let latest = worker.latest();
        let Some(world) = self.survive(latest)? else { return Ok(progressed || !notices.is_empty()) };
        let r = self.dispatch(Action::World(Box::new(world)));
        self.survive(r)?;
        Ok(true)
    }

    /// Checks the store's head (another process may have appended).
    ///
    /// # Errors
    /// Store failures.
    pub fn poll_head(&mut self) -> Result<bool, TuiError> {
        let r = self.read_head();
        self.survive(r)
    }

    fn read_head(&mut self) -> Result<bool, TuiError> {
        // With a follower, the store is read only once it saw an append (the
        // head read here, not the follower's: this session appends too), or
        // once the connection is back after a loss.
        let mut reopened = false;
        if let Some(f) = &self.follower {
            let news = f.latest()?;
            match self.track_link(&news)? {
                LinkState::Down => return Ok(true),
                LinkState::Up if news.head.is_none() => return Ok(false),
                LinkState::Up => {}
                LinkState::Reopened => reopened = true,
            }
        }
        let head = self.chron.head()?;
        if head == self.app.head {
            return Ok(reopened);
        }
        self.dispatch(Action::HeadChanged(head))?;
        Ok(true)
    }
}
