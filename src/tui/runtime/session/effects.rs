//! The effects the update asks for, performed against the store: seeks,
//! commands, reads for the panes, the jobs on threads, the branch.

use super::super::super::TuiError;
use super::super::super::action::{Action, Effect};
use super::super::super::text;
use super::super::debugger::Job;
use super::super::tree::TreeJob;
use super::Session;
use crate::app::ExecOptions;
use crate::es::store::LogFilter;

/// Events of one correlation shown at most.
const CORRELATION_LIMIT: u64 = 500;

impl Session {
    pub(super) fn perform(&mut self, effect: Effect) -> Result<Vec<Action>, TuiError> {
        Ok(match effect {
            Effect::Seek { position, window } => {
                let w = self.pending_seek.is_some_and(|(_, w)| w) || window;
                self.pending_seek = Some((position, w));
                Vec::new()
            }
            Effect::SeekTime(t) => match self.chron.resolve_position(None, Some(&t)) {
                Ok(p) => vec![Action::SeekTo(p)],
                Err(e) => vec![Action::Failed(e.to_string())],
            },
            Effect::Execute(line) => vec![self.execute(&line)?],
            Effect::Reload => vec![Action::Overview(Box::new(self.overview()?))],
            Effect::StreamStep { stream, from, forward } => {
                vec![Action::Found(self.stream_step(&stream, from, forward)?)]
            }
            Effect::Find { filter, from, forward } => {
                let found = super::super::search::find(&self.chron, &filter, from, forward, self.app.head)?;
                vec![Action::Found(found)]
            }
            Effect::Matches { .. } => {
                self.load_matches()?;
                Vec::new()
            }
            Effect::Correlation(id) => {
                let filter = LogFilter { correlation_id: Some(id.clone()), ..LogFilter::default() };
                vec![Action::Correlated(id, self.chron.log(&filter, CORRELATION_LIMIT)?)]
            }
            // Headless (no loop polls a thread): read here.
            Effect::Tree(id) if self.worker.is_none() => vec![super::super::tree::read(&self.chron, &id)],
            Effect::Tree(id) => {
                self.tree = Some(TreeJob::spawn(&self.chron, id)?);
                Vec::new()
            }
            Effect::Mouse(on) => {
                self.pending_mouse = Some(on);
                Vec::new()
            }
            Effect::Rows { .. } => {
                self.load_rows();
                Vec::new()
            }
            Effect::Suspend => {
                self.pending_suspend = true;
                Vec::new()
            }
            Effect::Debug { on, query, from, forward } => {
                if let Some(old) = self.job.take() {
                    old.cancel();
                }
                let job = Job::spawn(&self.chron, on, query, from, forward)?;
                if self.worker.is_none() {
                    // Headless: no loop polls it.
                    return Ok(vec![Action::Debugged(job.wait())]);
                }
                self.job = Some(job);
                Vec::new()
            }
            Effect::Branch(op) => self.branches.perform(&self.chron, &self.app, op),
            Effect::CancelDebug => {
                if let Some(old) = self.job.take() {
                    old.cancel();
                }
                Vec::new()
            }
        })
    }

    fn execute(&mut self, line: &str) -> Result<Action, TuiError> {
        let opts = ExecOptions::new(&self.actor, "tui");
        Ok(match self.chron.execute(line, &opts) {
            Ok(out) => {
                let head = self.chron.head()?;
                let list: Vec<String> = out
                    .events
                    .iter()
                    .map(|e| format!("{} {} @{}", text::clean(&e.event_type), text::clean(&e.stream_id), e.position))
                    .collect();
                let n = out.events.len();
                let what = if out.duplicate { "already recorded" } else { "recorded" };
                let plural = if n == 1 { "" } else { "s" };
                Action::Executed(Ok((format!("{what} {n} event{plural}: {}", list.join(", ")), head)))
            }
            Err(e) => Action::Executed(Err(e.to_string())),
        })
    }
}
