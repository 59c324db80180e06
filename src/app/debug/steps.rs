//! States stepping event by event: one fold through a stream's events (from
//! its newest snapshot before the start), or through the log for a read
//! model (seeded from its rows just before the start when it has a single
//! table); never a re-fold per position.

use std::ops::ControlFlow;

use rustc_hash::FxHashMap;
use serde_json::Value;

use crate::app::{AppError, Chronicle, repository};
use crate::es::projection::RowsError;
use crate::es::store::StreamReader;
use crate::es::{Cell, Event, Key, MemTables, Projection, Row, Rows, StoreError, TableSpec, TimeTravel};

/// One event of a stream and the stream's state around it.
#[derive(Debug)]
pub struct StreamStep<'a> {
    /// The event's position.
    pub position: u64,
    /// The stream's version after it.
    pub version: u64,
    /// The event's type.
    pub event_type: &'a str,
    /// When it was recorded.
    pub recorded_at: &'a str,
    /// The state just before (`null` before the stream's first event).
    pub before: &'a Value,
    /// The state just after.
    pub after: &'a Value,
}

/// A scan's early stop, or a failure.
enum Stop {
    Done,
    Failed(AppError),
}

impl From<StoreError> for Stop {
    fn from(e: StoreError) -> Self {
        Self::Failed(e.into())
    }
}

impl From<AppError> for Stop {
    fn from(e: AppError) -> Self {
        Self::Failed(e)
    }
}

fn finish(r: Result<(), Stop>) -> Result<(), AppError> {
    match r {
        Ok(()) | Err(Stop::Done) => Ok(()),
        Err(Stop::Failed(e)) => Err(e),
    }
}

/// The type of a stream the store knows.
///
/// # Errors
/// [`AppError::Usage`] for an unknown stream.
pub fn stream_type(c: &Chronicle, stream_id: &str) -> Result<String, AppError> {
    match c.store().stream(stream_id)? {
        Some(info) => Ok(info.stream_type),
        None => Err(AppError::Usage(format!("unknown stream `{}`", crate::domain::ids::shown(stream_id)))),
    }
}

/// Calls `f` for each event of `stream_id` with `from <= position <= to`,
/// with the state before and after it, until `f` breaks.
///
/// # Errors
/// [`AppError::Usage`] for an unknown stream; store failures; an event that
/// cannot be upcast or decoded; `f`'s.
pub fn stream_steps(
    c: &Chronicle,
    stream_id: &str,
    from: u64,
    to: u64,
    f: &mut dyn FnMut(&StreamStep<'_>) -> Result<ControlFlow<()>, AppError>,
) -> Result<(), AppError> {
    let stream_type = stream_type(c, stream_id)?;
    let mut loaded = repository::load(c.store(), c.registry(), stream_id, &stream_type, from.saturating_sub(1))?;
    let mut before = if loaded.version == 0 { Value::Null } else { loaded.state.to_json() };
    let registry = c.registry();
    finish(c.store().scan_stream(stream_id, loaded.version, to, |e| {
        repository::fold_ref(registry, &mut loaded, e)?;
        let after = loaded.state.to_json();
        let step = StreamStep {
            position: e.position,
            version: e.version,
            event_type: e.event_type,
            recorded_at: e.recorded_at,
            before: &before,
            after: &after,
        };
        if f(&step)?.is_break() {
            return Err(Stop::Done);
        }
        before = after;
        Ok(())
    }))
}

/// One row of a read model's main table that an event wrote or deleted.
#[derive(Debug, Clone)]
pub struct RowChange {
    /// The row's key cells.
    pub key: Key,
    /// The row before (`None` when absent).
    pub before: Option<Row>,
    /// The row after (`None` when deleted).
    pub after: Option<Row>,
}

impl RowChange {
    /// The row before as JSON (`null` when absent).
    #[must_use]
    pub fn before_json(&self) -> Value {
        self.before.as_ref().map_or(Value::Null, Row::to_json)
    }

    /// The row after as JSON (`null` when deleted).
    #[must_use]
    pub fn after_json(&self) -> Value {
        self.after.as_ref().map_or(Value::Null, Row::to_json)
    }
}

/// One event of the log and a read model around it.
#[derive(Debug)]
pub struct ProjectionStep<'a> {
    /// The event (upcast).
    pub event: &'a Event,
    /// The rows of the main table it touched, in key order.
    pub changes: &'a [RowChange],
    /// Every table after it.
    pub tables: &'a StepTables,
}

/// A read model's tables while stepping through the log: its main table
/// hashed by key (a step looks rows up and never walks them in order), the
/// others in memory as the time machine holds them.
#[derive(Debug)]
pub struct StepTables {
    main: &'static str,
    rows: FxHashMap<Key, Row>,
    others: MemTables,
}

impl StepTables {
    /// From `tables` (a cached keyframe's): its main table's rows are
    /// shared into the hashed table (their copy in `tables` is never read
    /// again: every access to the main table goes to the hashed one).
    fn new(main: &'static str, tables: MemTables) -> Self {
        let rows = tables.rows(main).map(|r| (Key::from(r.key_cells()), r.clone())).collect();
        Self { main, rows, others: tables }
    }

    /// The rows of the main table, in no particular order.
    pub fn main_rows(&self) -> impl Iterator<Item = &Row> {
        self.rows.values()
    }

    /// The row of the main table with `key`.
    #[must_use]
    pub fn main_row(&self, key: &[Cell]) -> Option<&Row> {
        self.rows.get(key)
    }
}

impl Rows for StepTables {
    fn get(&mut self, table: &'static TableSpec, key: &[Cell]) -> Result<Option<Row>, RowsError> {
        if table.name == self.main {
            return Ok(self.rows.get(key).cloned());
        }
        self.others.get(table, key)
    }
    fn put(&mut self, table: &'static TableSpec, row: Row) -> Result<(), RowsError> {
        if table.name == self.main {
            self.rows.insert(Key::from(row.key_cells()), row);
            return Ok(());
        }
        self.others.put(table, row)
    }
    fn delete(&mut self, table: &'static TableSpec, key: &[Cell]) -> Result<(), RowsError> {
        if table.name == self.main {
            self.rows.remove(key);
            return Ok(());
        }
        self.others.delete(table, key)
    }
}

/// A row of the main table an event touched: its key, the row before and
/// the row after (`None`: absent).
type Touched = (Key, Option<Row>, Option<Row>);

/// Rows that record which keys of the main table an event touches, with
/// each one's row before and after (shared cells, not copied).
struct Tracking<'t> {
    tables: &'t mut StepTables,
    main: &'static str,
    /// Usually one key an event: a list beats a map.
    touched: &'t mut Vec<Touched>,
    /// The last row of the main table read: a fold reads a row, then
    /// writes it, so its row before needs no second look-up.
    read: Option<(Key, Option<Row>)>,
}

impl Tracking<'_> {
    fn note(&mut self, table: &'static TableSpec, key: &[Cell], after: Option<&Row>) {
        if table.name != self.main {
            return;
        }
        if let Some(t) = self.touched.iter_mut().find(|t| t.0.parts() == key) {
            t.2 = after.cloned();
            return;
        }
        let before = match self.read.take() {
            Some((k, row)) if k.parts() == key => row,
            _ => self.tables.main_row(key).cloned(),
        };
        self.touched.push((Key::from(key), before, after.cloned()));
    }
}

impl Rows for Tracking<'_> {
    fn get(&mut self, table: &'static TableSpec, key: &[Cell]) -> Result<Option<Row>, RowsError> {
        let row = self.tables.get(table, key)?;
        if table.name == self.main {
            self.read = Some((Key::from(key), row.clone()));
        }
        Ok(row)
    }
    fn put(&mut self, table: &'static TableSpec, row: Row) -> Result<(), RowsError> {
        self.note(table, row.key_cells(), Some(&row));
        self.tables.put(table, row)
    }
    fn delete(&mut self, table: &'static TableSpec, key: &[Cell]) -> Result<(), RowsError> {
        self.note(table, key, None);
        self.tables.delete(table, key)
    }
}

/// Whether two versions of a row read the same (as JSON would).
fn same_row(a: Option<&Row>, b: Option<&Row>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a.same_values(b),
        _ => false,
    }
}

/// The projection named `name`.
///
/// # Errors
/// [`AppError::Usage`] naming the known ones.
pub fn projection<'c>(c: &'c Chronicle, name: &str) -> Result<&'c dyn Projection, AppError> {
    c.check_projection(name)?;
    c.registry().projection(name).ok_or_else(|| AppError::Usage(format!("unknown projection `{name}`")))
}

/// Calls `f` for each event with `from <= position <= to` and the rows of
/// read model `name` it touched, until `f` breaks. The rows before `from`
/// are read as `state --projection --at` reads them (a single-table read
/// model), or folded from position 1.
///
/// # Errors
/// [`AppError::Usage`] for an unknown projection; store failures; an event
/// that cannot be upcast or decoded; `f`'s.
pub fn projection_steps(
    c: &Chronicle,
    name: &str,
    from: u64,
    to: u64,
    f: &mut dyn FnMut(&ProjectionStep<'_>) -> Result<ControlFlow<()>, AppError>,
) -> Result<(), AppError> {
    let p = projection(c, name)?;
    let main = &p.tables()[0];
    let mut tables = StepTables::new(main.name, MemTables::default());
    let mut start = 1;
    // From the nearest keyframe cached at or before `from` (`chronicle
    // cache`) for a read model folded in memory, else its rows at `from`.
    let cached = if from > 1 && p.time_travel() == TimeTravel::Fold { c.cached_tables(from - 1) } else { None };
    if let Some((at, cached)) = cached {
        tables = StepTables::new(main.name, cached);
        start = at + 1;
    } else if from > 1 && p.tables().len() == 1 {
        c.for_each_projection_row(name, from - 1, &mut |row| Ok(tables.put(main, row)?))?;
        start = from;
    }
    let registry = c.registry();
    let mut changes = Vec::new();
    let mut touched = Vec::new();
    let mut event = Event::default();
    finish(c.store().scan_fold(start, to, |e| {
        registry.upcasters().upcast_into(e, &mut event).map_err(AppError::from)?;
        registry.decode(&event).map_err(|v| repository::refused(&event, v))?;
        touched.clear();
        let mut tracking = Tracking { tables: &mut tables, main: main.name, touched: &mut touched, read: None };
        p.apply(&mut tracking, &event).map_err(AppError::from)?;
        if event.position < from {
            return Ok(());
        }
        changes.clear();
        touched.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for (key, before, after) in touched.drain(..) {
            if !same_row(before.as_ref(), after.as_ref()) {
                changes.push(RowChange { key, before, after });
            }
        }
        if f(&ProjectionStep { event: &event, changes: &changes, tables: &tables })?.is_break() {
            return Err(Stop::Done);
        }
        Ok(())
    }))
}

/// Key cells for `main` from one text per key column (an integer column's
/// text must be an integer).
///
/// # Errors
/// [`AppError::Usage`] for the wrong number of parts or a non-integer.
pub fn key_cells(main: &TableSpec, parts: &[String]) -> Result<Vec<Cell>, AppError> {
    let columns = &main.columns[..main.key_len];
    if parts.len() != columns.len() {
        let names: Vec<&str> = columns.iter().map(|c| c.name).collect();
        return Err(AppError::Usage(format!(
            "table `{}` is keyed by {} ({}): give one --key per column, in that order",
            main.name,
            names.join(", "),
            columns.len()
        )));
    }
    columns
        .iter()
        .zip(parts)
        .map(|(col, part)| match col.kind {
            crate::es::ColumnKind::Integer => part.parse::<i64>().map(Cell::Int).map_err(|_| {
                AppError::Usage(format!(
                    "key column `{}` is an integer, not `{}`",
                    col.name,
                    crate::domain::ids::shown(part)
                ))
            }),
            _ => Ok(Cell::text(part)),
        })
        .collect()
}
