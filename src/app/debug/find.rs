//! `find`: the first, last or every position at which an expression holds
//! just after the event there, on one stream's state or on a read model
//! (where it holds when any row matches).

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use serde_json::{Map, Value, json};

use super::expr::Expr;
use super::path::{Path, field_names};
use super::steps::{self, projection_steps, stream_steps};
use crate::app::{AppError, Chronicle};
use crate::es::{Cell, Row};

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
    /// Whether any state was searched at all.
    any: bool,
}

impl<'e> Seen<'e> {
    fn new(expr: &'e Expr) -> Self {
        let paths = expr.paths();
        let present = vec![false; paths.len()];
        Self { paths, present, any: false }
    }

    fn observe(&mut self, v: &Value) {
        self.any = true;
        for (p, s) in self.paths.iter().zip(&mut self.present) {
            *s = *s || p.lookup(v).is_some();
        }
    }

    fn all(&self) -> bool {
        self.present.iter().all(|s| *s)
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

/// Keeps the first / last hit, or passes every one on — once every path of
/// the expression has been seen (until then they are held, so a misspelt
/// path is refused before anything is printed).
struct Collect<'f> {
    which: Which,
    kept: Option<Hit>,
    held: Vec<Hit>,
    ready: bool,
    n: u64,
    f: &'f mut dyn FnMut(&Hit) -> Result<(), AppError>,
}

impl<'f> Collect<'f> {
    fn new(which: Which, f: &'f mut dyn FnMut(&Hit) -> Result<(), AppError>) -> Self {
        Self { which, kept: None, held: Vec::new(), ready: false, n: 0, f }
    }

    /// Passes the held hits on once `all_seen`.
    fn release(&mut self, all_seen: bool) -> Result<(), AppError> {
        if all_seen && !self.ready {
            self.ready = true;
            for hit in std::mem::take(&mut self.held) {
                (self.f)(&hit)?;
            }
        }
        Ok(())
    }

    fn hit(&mut self, hit: Hit) -> Result<(), AppError> {
        self.n += 1;
        match self.which {
            Which::All if self.ready => (self.f)(&hit),
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
        if let Some(hit) = &self.kept {
            (self.f)(hit)?;
        }
        Ok(if self.which == Which::All { self.n } else { u64::from(self.kept.is_some()) })
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

/// Reports (through `f`) the positions from `from` on at which `expr` holds
/// on some row of read model `name`. Returns how many were reported.
///
/// # Errors
/// [`AppError::Usage`] for an unknown projection or a path of `expr` no row
/// ever had; store failures; `f`'s and `tick`'s.
pub fn find_projection(
    c: &Chronicle,
    name: &str,
    expr: &Expr,
    from: u64,
    which: Which,
    f: &mut dyn FnMut(&Hit) -> Result<(), AppError>,
    tick: &mut dyn FnMut(u64, u64) -> Result<(), AppError>,
) -> Result<u64, AppError> {
    let main = steps::projection(c, name)?.tables()[0].name;
    let head = c.store().head()?;
    let mut seen = Seen::new(expr);
    let mut out = Collect::new(which, f);
    // Rows that match with no change (before = after): untouched rows keep
    // their answer from one event to the next.
    let mut steady: BTreeSet<Vec<Cell>> = BTreeSet::new();
    let mut first = true;
    let mut example = Value::Null;
    projection_steps(c, name, from.max(1), head, &mut |s| {
        if s.event.position % TICK == 0 {
            tick(s.event.position, head)?;
        }
        if first {
            first = false;
            for row in s.tables.rows(main) {
                let v = row.to_json();
                seen.observe(&v);
                if expr.holds(&v, &v) {
                    steady.insert(row.key_cells().to_vec());
                }
            }
        }
        let mut now: Vec<&Value> = Vec::new();
        for ch in s.changes {
            seen.observe(&ch.after);
            if ch.after.is_null() {
                steady.remove(&ch.key);
                continue;
            }
            example.clone_from(&ch.after);
            if expr.holds(&ch.after, &ch.after) {
                steady.insert(ch.key.clone());
            } else {
                steady.remove(&ch.key);
            }
            if expr.holds(&ch.before, &ch.after) {
                now.push(&ch.after);
            }
        }
        if out.done() {
            return Ok(if seen.all() { ControlFlow::Break(()) } else { ControlFlow::Continue(()) });
        }
        out.release(seen.all())?;
        let touched = |k: &Vec<Cell>| s.changes.iter().any(|ch| &ch.key == k);
        let steady_touched = s.changes.iter().filter(|ch| steady.contains(&ch.key)).count();
        let matches = now.len() + steady.len() - steady_touched;
        if matches > 0 {
            let others = steady.iter().filter(|k| !touched(k));
            let mut rows: Vec<Value> = now.iter().map(|v| (*v).clone()).collect();
            rows.extend(
                others
                    .take(ROWS_SHOWN.saturating_sub(rows.len()))
                    .filter_map(|k| s.tables.row(main, k))
                    .map(Row::to_json),
            );
            rows.truncate(ROWS_SHOWN);
            out.hit(Hit {
                position: s.event.position,
                stream_id: s.event.stream_id.clone(),
                event_type: s.event.event_type.clone(),
                recorded_at: s.event.recorded_at.clone(),
                values: Value::Array(rows),
                matches: u64::try_from(matches).unwrap_or(u64::MAX),
            })?;
        }
        Ok(ControlFlow::Continue(()))
    })?;
    seen.check(&format!("the rows of `{name}`"), &example)?;
    out.finish()
}
