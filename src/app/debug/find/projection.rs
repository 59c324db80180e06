//! `find` on a read model: the positions at which some row of its main
//! table matches just after the event there.
//!
//! One fold through the log; per event only the rows it touched are looked
//! at, read in place (never turned into JSON), and the matching rows are
//! kept as a shared ordered map, so "how many rows match" is a count and the
//! rows a hit shows are taken from a snapshot of that map (a copy of
//! pointers) only when the hit is reported: `--last` finds many hits and
//! reports one.

use std::ops::ControlFlow;

use serde_json::Value;

use super::{Collect, Hit, IntoHit, ROWS_SHOWN, Seen, TICK, Which};
use crate::app::debug::expr::Expr;
use crate::app::debug::steps::{self, projection_steps};
use crate::app::{AppError, Chronicle};
use crate::es::{Key, Row};

/// Rows that match with no change (before = after), by key: untouched rows
/// keep their answer from one event to the next.
type Steady = imbl::OrdMap<Key, Row>;

/// A hit on a read model before its rows are listed.
struct Found {
    /// Everything but the rows (`values` is `null`).
    hit: Hit,
    /// The touched rows that match, in key order.
    now: Vec<Row>,
    /// The keys the event touched.
    touched: Vec<Key>,
    /// The matching rows just after the event (shared, not copied).
    steady: Steady,
}

impl IntoHit for Found {
    fn into_hit(self) -> Hit {
        let mut rows: Vec<Value> = self.now.iter().take(ROWS_SHOWN).map(Row::to_json).collect();
        let left = ROWS_SHOWN.saturating_sub(rows.len());
        let others = self.steady.iter().filter(|(k, _)| !self.touched.contains(k));
        rows.extend(others.take(left).map(|(_, r)| r.to_json()));
        Hit { values: Value::Array(rows), ..self.hit }
    }
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
    steps::projection(c, name)?;
    let head = c.store().head()?;
    let mut seen = Seen::new(expr);
    let mut out: Collect<'_, Found> = Collect::new(which, f);
    let reads_before = expr.reads_before();
    let mut steady = Steady::new();
    let mut first = true;
    let mut example: Option<Row> = None;
    let mut now: Vec<Row> = Vec::new();
    projection_steps(c, name, from.max(1), head, &mut |s| {
        if s.event.position % TICK == 0 {
            tick(s.event.position, head)?;
        }
        // The first step seeds the matching rows from every row just after
        // it, so its own changes are already counted there.
        let seeding = first;
        if first {
            first = false;
            for row in s.tables.main_rows() {
                seen.observe(row);
                if expr.holds(row, row) {
                    steady.insert(Key::from(row.key_cells()), row.clone());
                }
            }
        }
        now.clear();
        let mut steady_touched = 0;
        for ch in s.changes {
            seen.observe(&ch.after.as_ref());
            let Some(after) = &ch.after else {
                if !seeding {
                    steady.remove(&ch.key);
                }
                continue;
            };
            example = Some(after.clone());
            let is = expr.holds(after, after);
            if !seeding {
                if is {
                    steady.insert(ch.key.clone(), after.clone());
                } else if ch.before.as_ref().is_some_and(|b| expr.holds(b, b)) {
                    steady.remove(&ch.key);
                }
            }
            steady_touched += usize::from(is);
            let holds = if reads_before { expr.holds(&ch.before.as_ref(), &Some(after)) } else { is };
            if holds {
                now.push(after.clone());
            }
        }
        if out.done() {
            return Ok(if seen.all() { ControlFlow::Break(()) } else { ControlFlow::Continue(()) });
        }
        out.release(seen.all())?;
        let matches = now.len() + steady.len() - steady_touched;
        if matches > 0 {
            out.hit(Found {
                hit: Hit {
                    position: s.event.position,
                    stream_id: s.event.stream_id.clone(),
                    event_type: s.event.event_type.clone(),
                    recorded_at: s.event.recorded_at.clone(),
                    values: Value::Null,
                    matches: u64::try_from(matches).unwrap_or(u64::MAX),
                },
                now: std::mem::take(&mut now),
                touched: s.changes.iter().map(|ch| ch.key.clone()).collect(),
                steady: steady.clone(),
            })?;
        }
        Ok(ControlFlow::Continue(()))
    })?;
    let example = example.as_ref().map_or(Value::Null, Row::to_json);
    seen.check(&format!("the rows of `{name}`"), &example)?;
    out.finish()
}
