//! Keeps the persistent read models in step with the log: every projection's
//! rows and checkpoint move in the same transaction, so a crash can never
//! apply an event twice or skip one.
//!
//! Each time the log crosses a multiple of [`model_snapshot_every`], every
//! read model the time machine folds in memory ([`TimeTravel::Fold`]) is
//! also saved as it stands after that event (a read-model snapshot, in the
//! same transaction): a diff, a what-if or a find at a past position then
//! starts from the nearest one instead of folding the log from position 1
//! (`super::models`).

use std::sync::OnceLock;

use crate::domain::Registry;
use crate::es::projection::pack;
use crate::es::{Event, Projection, Row, Rows, TableSpec, TimeTravel, WriteTx};

use super::AppError;

/// Events read per chunk while catching up.
const CHUNK: u64 = 2_000;

/// Read models are saved every this many events unless
/// `CHRONICLE_MODEL_SNAPSHOT_EVERY` says otherwise. 20,000: a past
/// position's read models then cost one snapshot (~440 KB on the demo's
/// 1M store) and a fold of at most 19,999 events (~20 ms), and the 1M store
/// keeps 50 of them (~22 MB); see BENCHMARKS.md.
pub const MODEL_SNAPSHOT_EVERY: u64 = 20_000;

/// How often read models are saved: `CHRONICLE_MODEL_SNAPSHOT_EVERY` when
/// it is a positive integer (read once per process), else
/// [`MODEL_SNAPSHOT_EVERY`].
#[must_use]
pub fn model_snapshot_every() -> u64 {
    static EVERY: OnceLock<u64> = OnceLock::new();
    *EVERY.get_or_init(|| {
        std::env::var("CHRONICLE_MODEL_SNAPSHOT_EVERY")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|&n| n > 0)
            .unwrap_or(MODEL_SNAPSHOT_EVERY)
    })
}

fn specs(registry: &Registry, only: Option<&str>) -> Vec<&'static TableSpec> {
    registry
        .projections()
        .iter()
        .filter(|p| only.is_none_or(|n| n == p.name()))
        .flat_map(|p| p.tables().iter())
        .collect()
}

/// Creates missing read-model tables; a projection whose table had to be
/// (re)created starts again from position 0.
///
/// # Errors
/// Store failures.
pub fn ensure_tables(tx: &mut WriteTx<'_>, registry: &Registry) -> Result<(), AppError> {
    let fresh = tx.ensure_tables(&specs(registry, None))?;
    // A ledger is read by the positions that wrote its rows (a diff's range,
    // the ledger as of a position): indexed by them, as its table is made,
    // and added to a store made before the index was.
    for p in registry.projections() {
        if let (TimeTravel::Query { position_column }, Some(first)) = (p.time_travel(), p.tables().first()) {
            tx.index_positions(first, position_column)?;
        }
    }
    for p in registry.projections() {
        if p.tables().iter().any(|t| fresh.contains(&t.name)) {
            tx.clear_tables(p.tables())?;
            tx.clear_model_snapshots(p.name())?;
            tx.set_checkpoint(p.name(), 0)?;
        }
    }
    Ok(())
}

/// Applies every event after each projection's checkpoint up to the head.
/// `recent` may hold the tail of the log already in memory and upcast (just
/// appended), which is then neither read back nor parsed again.
///
/// # Errors
/// Store failures; an event that cannot be upcast or decoded (named in the
/// error).
pub fn catch_up(tx: &mut WriteTx<'_>, registry: &Registry, recent: &[Event]) -> Result<(), AppError> {
    let head = tx.head();
    let names: Vec<&'static str> = registry.projections().iter().map(|p| p.name()).collect();
    let checkpoints = tx.checkpoints(&names)?;
    let Some(&low) = checkpoints.iter().min() else { return Ok(()) };
    if low >= head {
        return Ok(());
    }
    let in_memory_from = recent.first().map_or(head + 1, |e| e.position);
    let mut next = low + 1;
    while next < in_memory_from.min(head + 1) {
        let to = (next + CHUNK - 1).min(in_memory_from - 1).min(head);
        for stored in tx.read_range(next, to)? {
            let event = registry.upcasters().upcast(&stored)?;
            decodes(registry, &event)?;
            apply_one(tx, registry, &checkpoints, &event)?;
        }
        next = to + 1;
    }
    for event in recent.iter().filter(|e| e.position >= next) {
        apply_one(tx, registry, &checkpoints, event)?;
    }
    for n in names {
        tx.set_checkpoint(n, head)?;
    }
    Ok(())
}

/// A read model never folds around an event its aggregate cannot decode
/// (the projection would skip it silently): the error names its position.
fn decodes(registry: &Registry, event: &Event) -> Result<(), AppError> {
    registry.decode(event).map_err(|violation| super::repository::refused(event, violation))
}

fn apply_one(tx: &mut WriteTx<'_>, registry: &Registry, checkpoints: &[u64], event: &Event) -> Result<(), AppError> {
    for (p, &cp) in registry.projections().iter().zip(checkpoints) {
        if cp < event.position {
            p.apply(tx as &mut dyn Rows, event)?;
        }
    }
    if event.position.is_multiple_of(model_snapshot_every()) {
        let applied = registry.projections().iter().zip(checkpoints).filter(|(_, cp)| **cp < event.position);
        save_models(tx, applied.map(|(p, _)| p.as_ref()), event.position)?;
        save_sums(tx, event.position)?;
    }
    Ok(())
}

/// Saves the interval just ended at `position` summed up (events by type
/// and actor, streams touched; `super::models::SUMS`), read back through
/// `tx` without payloads.
fn save_sums(tx: &mut WriteTx<'_>, position: u64) -> Result<(), AppError> {
    let after = position.saturating_sub(model_snapshot_every());
    let mut sum = crate::es::store::Summing::default();
    tx.sum_range(after, position, &mut sum)?;
    let body = super::models::sums_body(after, &sum.finish()).map_err(AppError::Usage)?;
    tx.save_model_snapshot(super::models::SUMS, position, super::models::SUMS_TAG, &body)?;
    Ok(())
}

/// Saves each of `projections` that the time machine folds in memory as
/// its rows stand in `tx` (just after the event at `position`).
fn save_models<'a>(
    tx: &mut WriteTx<'_>,
    projections: impl Iterator<Item = &'a dyn Projection>,
    position: u64,
) -> Result<(), AppError> {
    for p in projections.filter(|p| p.time_travel() == TimeTravel::Fold) {
        let rows = p.tables().iter().map(|t| tx.table_rows(t)).collect::<Result<Vec<Vec<Row>>, _>>()?;
        let body = pack::pack(p.tables().iter().zip(&rows).map(|(t, r)| (t, r.as_slice())));
        tx.save_model_snapshot(p.name(), position, &pack::tag(p.tables()), &body)?;
    }
    Ok(())
}

/// Rebuilds one projection (or all) from position 0 inside `tx`.
/// `progress(done, total)` is called between chunks.
///
/// # Errors
/// Store failures, an unknown projection name, an event that cannot be
/// upcast or decoded.
pub fn rebuild(
    tx: &mut WriteTx<'_>,
    registry: &Registry,
    only: Option<&str>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(), AppError> {
    if let Some(name) = only
        && registry.projection(name).is_none()
    {
        let known: Vec<&str> = registry.projections().iter().map(|p| p.name()).collect();
        return Err(AppError::Usage(format!("unknown projection `{name}`: expected one of {}", known.join(", "))));
    }
    let chosen: Vec<_> = registry.projections().iter().filter(|p| only.is_none_or(|n| n == p.name())).collect();
    for p in &chosen {
        tx.clear_tables(p.tables())?;
        tx.clear_model_snapshots(p.name())?;
        tx.set_checkpoint(p.name(), 0)?;
    }
    let head = tx.head();
    let mut next = 1;
    while next <= head {
        let to = (next + CHUNK - 1).min(head);
        // Only what a fold reads, upcast straight from SQLite's rows (the
        // projections then write through `tx`, so the chunk is collected).
        let mut events = Vec::new();
        tx.scan_fold(next, to, |e| {
            let event = registry.upcasters().upcast_ref(e)?;
            decodes(registry, &event)?;
            events.push(event);
            Ok::<_, AppError>(())
        })?;
        for event in &events {
            for p in &chosen {
                p.apply(tx as &mut dyn Rows, event)?;
            }
            if event.position.is_multiple_of(model_snapshot_every()) {
                save_models(tx, chosen.iter().map(AsRef::as_ref), event.position)?;
                save_sums(tx, event.position)?;
            }
        }
        progress(to, head);
        next = to + 1;
    }
    for p in &chosen {
        tx.set_checkpoint(p.name(), head)?;
    }
    Ok(())
}
