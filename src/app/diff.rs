//! What differs between two positions of the log: the streams created or
//! changed in `(from, to]` with their fields before and after (as dotted
//! JSON paths), the read-model rows added, removed and changed, and the
//! events in between counted by type and actor.
//!
//! Streams touched and the counts come from interval sums (the timeline's,
//! the keyframe cache's or the store's) plus reads of the rest of the range
//! without payloads (`diff/summary.rs`; one stream's events through the
//! stream index); the streams' states at both ends come from the
//! state-at-position code (snapshot plus tail), so a diff never folds the
//! whole log for streams, and many streams are loaded on two connections
//! (`diff/split.rs`). A ledger's rows that differ are the ones written in
//! the range: counted, and read only when shown (`diff/ledgers.rs`).
//! In-memory read models at both ends come from the time machine's worlds
//! when the caller has them ([`Chronicle::diff_with_worlds`]), else from a
//! keyframe (the cache's, or the store's read-model snapshots) and a short
//! fold (`diff/rows.rs`). A front end can stop a diff between pages
//! ([`Chronicle::diff_unless`]). The same shape serves a what-if branch's
//! diff against the real log ([`super::whatif`]).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{AppError, Chronicle};
use crate::es::store::LogFilter;
use crate::es::{Row, StoredEvent};

/// Events read per page through the stream index (a stream-scoped diff).
const PAGE: u64 = 1_000;

/// One field that differs: its dotted path (`balance_cents`,
/// `address.city`; empty for a state that is not an object), and its value
/// on each side (`null` when absent).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Dotted JSON path.
    pub path: String,
    /// Value before (`Null` if absent).
    pub before: Value,
    /// Value after (`Null` if absent).
    pub after: Value,
}

/// A stream created or changed.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamDiff {
    /// Stream id.
    pub stream_id: String,
    /// Stream type.
    pub stream_type: String,
    /// Whether the stream did not exist on the first side.
    pub created: bool,
    /// Its fields that differ, in path order.
    pub changes: Vec<Change>,
}

/// A read model's rows that differ, keyed by their primary key (the key's
/// value, or an array of them for a composite key). Rows added and removed
/// are held as rows and become JSON only when written ([`Row`]'s
/// `Serialize` and `Display` give the text of [`Row::to_json`]); two diffs
/// are equal when their JSON is. A ledger's rows added (one per event of
/// the range) are not held: [`ProjectionDiff::appended`] counts them, and
/// they are read when shown ([`Chronicle::appended_rows`]).
#[derive(Debug, Clone, Default)]
pub struct ProjectionDiff {
    /// Rows only on the second side (of a ledger: at most the first of
    /// them, a preview; see [`Chronicle::preview_appended`]).
    pub added: Vec<Row>,
    /// Rows only on the first side.
    pub removed: Vec<Row>,
    /// `(key, before, after)` of rows on both sides whose values differ.
    pub changed: Vec<(Value, Value, Value)>,
    /// A ledger's rows added, counted, not read.
    pub appended: Option<Appended>,
}

/// A ledger's rows written in `(from, to]`: its first table's rows whose
/// position column is in that range, `count` of them. A ledger only ever
/// gains rows, so these are its whole diff; a diff holds none of them (a
/// diff across a whole log of 1M events would hold a row per event), and a
/// front end reads them in key order when it shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    /// The first side's position.
    pub from: u64,
    /// The second side's position.
    pub to: u64,
    /// How many rows.
    pub count: u64,
}

impl PartialEq for ProjectionDiff {
    fn eq(&self, other: &Self) -> bool {
        let same =
            |a: &[Row], b: &[Row]| a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_json() == y.to_json());
        same(&self.added, &other.added)
            && same(&self.removed, &other.removed)
            && self.changed == other.changed
            && self.appended == other.appended
    }
}

impl ProjectionDiff {
    /// Whether nothing differs.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.added_count() == 0 && self.removed.is_empty() && self.changed.is_empty()
    }

    /// How many rows were added (a ledger's counted, held or not).
    #[must_use]
    pub fn added_count(&self) -> u64 {
        self.appended.map_or(self.added.len() as u64, |a| a.count)
    }
}

/// Everything that differs between two sides.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diff {
    /// First side's position.
    pub from: u64,
    /// Second side's position.
    pub to: u64,
    /// Streams created or changed, by id.
    pub streams: Vec<StreamDiff>,
    /// Read models by name.
    pub projections: BTreeMap<String, ProjectionDiff>,
    /// Events in between by type.
    pub by_type: BTreeMap<String, u64>,
    /// Events in between by actor (`metadata.actor`).
    pub by_actor: BTreeMap<String, u64>,
}

impl Diff {
    /// `{"from","to","streams":[{"stream_id","stream_type","created","changes":[{"path","before","after"}]}],
    /// "projections":{NAME:{"added","removed","changed":[{"key","before","after"}]}},
    /// "events":{"by_type","by_actor"}}`.
    #[must_use]
    pub fn to_json(&self) -> Value {
        let streams: Vec<Value> = self
            .streams
            .iter()
            .map(|s| {
                json!({
                    "stream_id": s.stream_id,
                    "stream_type": s.stream_type,
                    "created": s.created,
                    "changes": s.changes.iter().map(|c| json!({"path": c.path, "before": c.before, "after": c.after})).collect::<Vec<_>>(),
                })
            })
            .collect();
        let projections: Map<String, Value> = self
            .projections
            .iter()
            .map(|(name, p)| {
                let changed: Vec<Value> =
                    p.changed.iter().map(|(k, b, a)| json!({"key": k, "before": b, "after": a})).collect();
                let json = |rows: &[Row]| rows.iter().map(Row::to_json).collect::<Vec<_>>();
                (name.clone(), json!({"added": json(&p.added), "removed": json(&p.removed), "changed": changed}))
            })
            .collect();
        json!({
            "from": self.from,
            "to": self.to,
            "streams": streams,
            "projections": projections,
            "events": {"by_type": self.by_type, "by_actor": self.by_actor},
        })
    }

    /// Whether no stream and no row differs.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.streams.is_empty() && self.projections.values().all(ProjectionDiff::is_empty)
    }
}

/// What a diff covers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Scope<'a> {
    /// Every stream and every read model.
    #[default]
    All,
    /// One stream (and the events of it).
    Stream(&'a str),
    /// One read model (and every event).
    Projection(&'a str),
}

/// The fields of `before` and `after` that differ, as dotted paths: objects
/// are compared key by key (recursively), anything else as a whole value.
#[must_use]
pub fn changes(before: &Value, after: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    walk("", before, after, &mut out);
    out
}

fn walk(path: &str, before: &Value, after: &Value, out: &mut Vec<Change>) {
    match (before, after) {
        (Value::Object(b), Value::Object(a)) => {
            let keys: std::collections::BTreeSet<&String> = b.keys().chain(a.keys()).collect();
            for k in keys {
                let sub = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                walk(&sub, b.get(k).unwrap_or(&Value::Null), a.get(k).unwrap_or(&Value::Null), out);
            }
        }
        (Value::Object(b), Value::Null) => {
            for (k, v) in b {
                let sub = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                walk(&sub, v, &Value::Null, out);
            }
        }
        (Value::Null, Value::Object(a)) => {
            for (k, v) in a {
                let sub = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                walk(&sub, &Value::Null, v, out);
            }
        }
        _ if before != after => {
            out.push(Change { path: path.to_owned(), before: before.clone(), after: after.clone() });
        }
        _ => {}
    }
}

impl Chronicle {
    /// What differs between `from` and `to` (see the module's doc), the
    /// read models' rows from the keyframe cache when there is one
    /// ([`Chronicle::cached_world`]).
    ///
    /// # Errors
    /// [`AppError::Usage`] when `from > to`, `to` is beyond the head, or the
    /// scope names an unknown stream or projection; store failures.
    pub fn diff(&self, from: u64, to: u64, scope: Scope<'_>) -> Result<Diff, AppError> {
        // Read models at both ends from the keyframe cache when one was
        // built (`chronicle cache`), else folded (see `diff/rows.rs`).
        let cached = |p: u64| {
            let needed = !matches!(scope, Scope::Stream(_)) && from < to && p <= to;
            if needed { self.cached_world(p) } else { None }
        };
        let (a, b) = (cached(from), cached(to));
        self.diff_with_worlds(from, to, scope, [a.as_ref(), b.as_ref()])
    }

    /// As [`Chronicle::diff`], taking the in-memory read models at `from`
    /// and at `to` from the time machine's worlds there (`worlds[0]`,
    /// `worlds[1]`: a world at another position, or one with fold problems,
    /// is not used), so a front end with keyframes never folds the log from
    /// position 1 for them.
    ///
    /// # Errors
    /// As [`Chronicle::diff`].
    pub fn diff_with_worlds(
        &self,
        from: u64,
        to: u64,
        scope: Scope<'_>,
        worlds: [Option<&super::World>; 2],
    ) -> Result<Diff, AppError> {
        self.diff_unless(from, to, scope, worlds, &|| false)
    }

    /// As [`Chronicle::diff_with_worlds`], asking `stop` between pages of
    /// its reads whether to give up (a front end's cancel).
    ///
    /// # Errors
    /// As [`Chronicle::diff`]; [`AppError::Usage`] `diff cancelled` once
    /// `stop` says so.
    pub fn diff_unless(
        &self,
        from: u64,
        to: u64,
        scope: Scope<'_>,
        worlds: [Option<&super::World>; 2],
        stop: &dyn Fn() -> bool,
    ) -> Result<Diff, AppError> {
        self.diff_summing(from, to, scope, worlds, None, stop)
    }

    /// As [`Chronicle::diff_unless`], the counts and streams touched from
    /// the timeline's interval summaries when given (`diff/summary.rs`).
    fn diff_summing(
        &self,
        from: u64,
        to: u64,
        scope: Scope<'_>,
        worlds: [Option<&super::World>; 2],
        sums: Option<&super::timeline::Summaries>,
        stop: &dyn Fn() -> bool,
    ) -> Result<Diff, AppError> {
        let head = self.store.head()?;
        if from > to {
            return Err(AppError::Usage(format!("diff goes forward: {from} is after {to}")));
        }
        if to > head {
            return Err(AppError::Usage(format!("position {to} is beyond the head ({head})")));
        }
        match scope {
            Scope::Stream(id) if self.store.stream(id)?.is_none() => {
                return Err(AppError::Usage(format!("unknown stream `{}`", crate::domain::ids::shown(id))));
            }
            Scope::Projection(name) => self.check_projection(name)?,
            _ => {}
        }
        let mut diff = Diff { from, to, ..Diff::default() };
        // Streams touched in (from, to], by id, with their type.
        let mut touched: BTreeMap<String, String> = BTreeMap::new();
        if from < to && matches!(scope, Scope::Stream(_)) {
            self.events_between(from, to, scope, PAGE, &mut |e| {
                *diff.by_type.entry(e.event_type.clone()).or_default() += 1;
                *diff.by_actor.entry(e.metadata().actor).or_default() += 1;
                if !touched.contains_key(&e.stream_id) {
                    touched.insert(e.stream_id.clone(), e.stream_type.clone());
                }
            })?;
        } else if sums.is_none()
            && let Some(counts) = self.cached_counts_for(from, to, scope)
        {
            // A read model's diff: counts from the keyframe cache.
            (diff.by_type, diff.by_actor) = counts;
        } else if from < to {
            // The whole range, without payloads: counts and streams touched.
            let sum = self.summarize((from, to), scope, sums, stop)?;
            (diff.by_type, diff.by_actor, touched) = (sum.by_type, sum.by_actor, sum.streams);
        }
        let names: Vec<String> = match scope {
            Scope::All => self.registry.projections().iter().map(|p| p.name().to_owned()).collect(),
            Scope::Projection(name) => vec![name.to_owned()],
            Scope::Stream(_) => Vec::new(),
        };
        // Streams touched by id (a projection's diff has none).
        let touched: Vec<(String, String)> = match scope {
            Scope::Projection(_) => Vec::new(),
            _ => touched.into_iter().collect(),
        };
        (diff.streams, diff.projections) = self.read_streams_and_models(&touched, names, (from, to), worlds, stop)?;
        Ok(diff)
    }

    /// Calls `f` for each event in `(from, to]` the scope covers: one
    /// stream's through the stream index, a page at a time (never a scan of
    /// the range for one stream), else every event of the range.
    fn events_between(
        &self,
        from: u64,
        to: u64,
        scope: Scope<'_>,
        page_size: u64,
        f: &mut dyn FnMut(&StoredEvent),
    ) -> Result<(), AppError> {
        let Scope::Stream(id) = scope else {
            return self.store.scan(from + 1, to, |e| {
                f(&e);
                Ok::<_, AppError>(())
            });
        };
        let mut filter = LogFilter { stream_id: Some(id.to_owned()), to: Some(to), ..LogFilter::default() };
        let mut next = from + 1;
        while next <= to {
            filter.from = Some(next);
            let page = self.store.log(&filter, page_size)?;
            page.iter().for_each(&mut *f);
            match page.last() {
                Some(last) if page.len() as u64 == page_size => next = last.position + 1,
                _ => break,
            }
        }
        Ok(())
    }

    /// The counts of `(from, to]` from the keyframe cache when the scope
    /// needs no streams touched (one read model).
    fn cached_counts_for(&self, from: u64, to: u64, scope: Scope<'_>) -> Option<super::cache::read::CountsBetween> {
        if matches!(scope, Scope::Projection(_)) && from < to { self.cached_counts(from, to) } else { None }
    }

    /// A read model's rows at `position`, by key text.
    ///
    /// # Errors
    /// Store failures.
    pub fn keyed_rows(&self, name: &str, position: u64) -> Result<rows::Keyed, AppError> {
        let mut rows = BTreeMap::new();
        self.for_each_projection_row(name, position, &mut |row| {
            rows.insert(rows::key_text(&row), row);
            Ok(())
        })?;
        Ok(rows)
    }
}

/// What a cancelled diff returns.
fn cancelled() -> AppError {
    AppError::Usage("diff cancelled".into())
}

mod json;
pub use json::Shown;
mod ledgers;
pub(crate) mod rows;
pub use rows::{row_key, rows_diff};
mod split;
mod states;
mod summary;

#[cfg(test)]
mod tests;
