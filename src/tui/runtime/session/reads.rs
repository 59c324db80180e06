//! What the session reads from the store for an effect: the events
//! around the cursor, the overview, a stream's next / previous event.

use super::super::super::TuiError;
use super::super::super::app::{DENSITY_SAMPLES, EventRow, Overview, WINDOW_HALF, Window};
use super::super::super::text;
use super::super::streams::StreamsJob;
use super::Session;

impl Session {
    pub(super) fn window(&self, center: u64) -> Result<Window, TuiError> {
        let from = center.saturating_sub(WINDOW_HALF).max(1);
        let events = self.chron.events(from, center + WINDOW_HALF)?;
        let events = events.into_iter().map(|e| EventRow { json: self.chron.event_json(&e), stored: e }).collect();
        Ok(Window { center, events })
    }

    pub(super) fn overview(&mut self) -> Result<Overview, TuiError> {
        // With a worker (the terminal's session), a foreign log's streams
        // come in the background: until then the list read before stays.
        let later = self.app.foreign && self.worker.is_some();
        let outline = self.chron.outline_with(DENSITY_SAMPLES, !later)?;
        if later {
            self.streams = Some(StreamsJob::spawn(&self.chron)?);
        }
        let streams = if later { self.app.overview.streams.clone() } else { outline.streams };
        let mut o = Overview { head: outline.head, streams, snapshots: outline.snapshots, ..Overview::default() };
        for (p, time) in outline.times {
            if let Some(t) = text::micros(&time) {
                o.samples.push((p, t));
            }
            if p == 1 {
                o.first_time.clone_from(&time);
            }
            if p == o.head {
                o.last_time = time;
            }
        }
        Ok(o)
    }

    pub(super) fn stream_step(&self, stream: &str, from: u64, forward: bool) -> Result<Result<u64, String>, TuiError> {
        let shown = text::clean(stream);
        let at = self.app.world.streams.get(stream).filter(|_| self.app.world.position == from);
        let version = at.map_or(0, |s| s.version);
        let after = if forward {
            version
        } else {
            let on_it = at.is_some_and(|s| s.position == from);
            let target = if on_it { version.saturating_sub(1) } else { version };
            if target == 0 {
                return Ok(Err(format!("no earlier event of {shown}")));
            }
            target - 1
        };
        let events = self.chron.stream_events_after(stream, after)?;
        Ok(match events.first() {
            Some(e) if forward || e.position < from => Ok(e.position),
            _ if forward => Err(format!("no later event of {shown}")),
            _ => Err(format!("no earlier event of {shown}")),
        })
    }
}
