//! `find`: the first, last or every position at which an expression holds
//! just after the event there, on one stream's state or on a read model
//! (where it holds when any row matches).

use std::ops::ControlFlow;

use serde_json::{Map, Value, json};

use super::expr::Expr;
use super::path::{Path, State, field_names};
use super::steps::stream_steps;
use crate::app::{AppError, Chronicle};

mod projection;

pub use projection::find_projection;

/// Which matches to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// The first one (the default).
    First,
    /// The last one.
    Last,
    /// Every one, oldest first.
    All,
}

/// A search calls its `tick` (position reached, head) about every this many
/// positions: a progress bar, or a caller's cancellation (an error from
/// `tick` stops the search with that error).
pub const TICK: u64 = 256;

/// Matching rows listed per hit at most (`matches` counts them all).
pub const ROWS_SHOWN: usize = 50;

/// A position at which the expression holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The event's position.
    pub position: u64,
    /// The event's stream.
    pub stream_id: String,
    /// The event's type.
    pub event_type: String,
    /// When it was recorded.
    pub recorded_at: String,
    /// On a stream: the value at each path of the expression
    /// (`{"path": value}`); on a read model: the matching rows (at most
    /// [`ROWS_SHOWN`]).
    pub values: Value,
    /// How many rows match (1 on a stream).
    pub matches: u64,
}

impl Hit {
    /// `{"position","stream_id","event_type","recorded_at", …}`: on a
    /// stream `"values"`, on a read model `"projection"`, `"matches"` and
    /// `"rows"`.
    #[must_use]
    pub fn to_json(&self, projection: Option<&str>) -> Value {
        let mut v = json!({
            "position": self.position,
            "stream_id": self.stream_id,
            "event_type": self.event_type,
            "recorded_at": self.recorded_at,
        });
        match projection {
            None => v["values"] = self.values.clone(),
            Some(name) => {
                v["projection"] = json!(name);
                v["matches"] = json!(self.matches);
                v["rows"] = self.values.clone();
            }
        }
        v
    }
}

/// Which of the expression's paths were ever present.
struct Seen<'e> {
    paths: Vec<&'e Path>,
    present: Vec<bool>,
    /// Whether every path was seen (then nothing more is looked up).
    complete: bool,
    /// Whether any state was searched at all.
    any: bool,
}

impl<'e> Seen<'e> {
    fn new(expr: &'e Expr) -> Self {
        let paths = expr.paths();
        let present = vec![false; paths.len()];
        Self { complete: paths.is_empty(), paths, present, any: false }
    }

    fn observe<S: State + ?Sized>(&mut self, v: &S) {
        self.any = true;
        if self.complete {
            return;
        }
        for (p, s) in self.paths.iter().zip(&mut self.present) {
            *s = *s || v.at(p).is_some();
        }
        self.complete = self.present.iter().all(|s| *s);
    }

    fn all(&self) -> bool {
        self.complete
    }

    /// The error for the first path never seen, if any (none when
    /// nothing was searched).
    fn check(&self, place: &str, example: &Value) -> Result<(), AppError> {
        if !self.any {
            return Ok(());
        }
        match self.paths.iter().zip(&self.present).find(|(_, s)| !**s) {
            None => Ok(()),
            Some((p, _)) => Err(AppError::Usage(format!(
                "field `{p}` never exists in {place} at any position searched (its fields: {})",
                field_names(example)
            ))),
        }
    }
}

/// A hit as found, made into a [`Hit`] only when it is reported (a read
/// model's `--last` finds many and reports one).
trait IntoHit {
    fn into_hit(self) -> Hit;
}

impl IntoHit for Hit {
    fn into_hit(self) -> Hit {
        self
    }
}

/// Keeps the first / last hit, or passes every one on — once every path of
/// the expression has been seen (until then they are held, so a misspelt
/// path is refused before anything is printed).
struct Collect<'f, H: IntoHit = Hit> {
    which: Which,
    kept: Option<H>,
    held: Vec<H>,
    ready: bool,
    n: u64,
    f: &'f mut dyn FnMut(&Hit) -> Result<(), AppError>,
}

impl<'f, H: IntoHit> Collect<'f, H> {
    fn new(which: Which, f: &'f mut dyn FnMut(&Hit) -> Result<(), AppError>) -> Self {
        Self { which, kept: None, held: Vec::new(), ready: false, n: 0, f }
    }

    /// Passes the held hits on once `all_seen`.
    fn release(&mut self, all_seen: bool) -> Result<(), AppError> {
        if all_seen && !self.ready {
            self.ready = true;
            for hit in std::mem::take(&mut self.held) {
                (self.f)(&hit.into_hit())?;
            }
        }
        Ok(())
    }

    fn hit(&mut self, hit: H) -> Result<(), AppError> {
        self.n += 1;
        match self.which {
            Which::All if self.ready => (self.f)(&hit.into_hit()),
            Which::All => {
                self.held.push(hit);
                Ok(())
            }
            Which::First if self.kept.is_some() => Ok(()),
            Which::First | Which::Last => {
                self.kept = Some(hit);
                Ok(())
            }
        }
    }

    /// Whether the search can stop once every path has been seen.
    fn done(&self) -> bool {
        self.which == Which::First && self.n > 0
    }

    fn finish(mut self) -> Result<u64, AppError> {
        self.release(true)?;
        let kept = self.kept.take();
        let found = kept.is_some();
        if let Some(hit) = kept {
            (self.f)(&hit.into_hit())?;
        }
        Ok(if self.which == Which::All { self.n } else { u64::from(found) })
    }
}

/// Reports (through `f`) the positions from `from` on at which `expr` holds
/// on the state of `stream_id`. Returns how many were reported.
///
/// # Errors
/// [`AppError::Usage`] for an unknown stream or a path of `expr` the stream
/// never had in the positions searched; store failures; `f`'s and `tick`'s.
pub fn find_stream(
    c: &Chronicle,
    stream_id: &str,
    expr: &Expr,
    from: u64,
    which: Which,
    f: &mut dyn FnMut(&Hit) -> Result<(), AppError>,
    tick: &mut dyn FnMut(u64, u64) -> Result<(), AppError>,
) -> Result<u64, AppError> {
    let head = c.store().head()?;
    let mut seen = Seen::new(expr);
    let mut out = Collect::new(which, f);
    let mut last = Value::Null;
    stream_steps(c, stream_id, from, head, &mut |s| {
        if s.position % TICK == 0 {
            tick(s.position, head)?;
        }
        if out.done() {
            seen.observe(s.after);
            return Ok(if seen.all() { ControlFlow::Break(()) } else { ControlFlow::Continue(()) });
        }
        seen.observe(s.after);
        out.release(seen.all())?;
        if expr.holds(s.before, s.after) {
            let values: Map<String, Value> = seen
                .paths
                .iter()
                .map(|p| (p.as_str().to_owned(), p.lookup(s.after).cloned().unwrap_or(Value::Null)))
                .collect();
            out.hit(Hit {
                position: s.position,
                stream_id: stream_id.to_owned(),
                event_type: s.event_type.to_owned(),
                recorded_at: s.recorded_at.to_owned(),
                values: Value::Object(values),
                matches: 1,
            })?;
        }
        last.clone_from(s.after);
        Ok(ControlFlow::Continue(()))
    })?;
    seen.check(&format!("stream `{}`", crate::domain::ids::shown(stream_id)), &last)?;
    out.finish()
}
