//! `verify`: one pass over the log checking the hash chain, positions and
//! per-stream versions, every snapshot against the state recomputed from
//! events, and every read model against its replay.

use std::collections::HashMap;

use serde_json::Value;

use crate::es::hash::{self, GENESIS, HashInput};
use crate::es::store::StreamInfo;
use crate::es::{DynState, MemTables, StoreError, TimeTravel};

use digest::{Digest, LedgerRows};

use super::{AppError, Chronicle};

mod digest;

/// Problems listed at most (the first is always the earliest found).
const MAX_PROBLEMS: usize = 50;

/// One thing found wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The position concerned, when there is one.
    pub position: Option<u64>,
    /// What is wrong, for a person.
    pub what: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.position {
            Some(p) => write!(f, "position {p}: {}", self.what),
            None => f.write_str(&self.what),
        }
    }
}

/// What `verify` checked and found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Events walked.
    pub events: u64,
    /// Streams seen.
    pub streams: u64,
    /// Snapshots compared.
    pub snapshots: u64,
    /// Read models compared.
    pub projections: u64,
    /// Problems, earliest first (empty = all good).
    pub problems: Vec<Problem>,
    /// The stored hash of the last event (lowercase hex), to anchor elsewhere.
    pub head_hash: Option<String>,
}

impl Report {
    fn problem(&mut self, position: Option<u64>, what: String) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(Problem { position, what });
        }
    }

    /// Whether everything checked out.
    #[must_use]
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

struct Walk {
    states: HashMap<String, (String, u64, Box<dyn DynState>)>,
    snapshots: HashMap<(String, u64), (u32, String, u64)>,
    tables: MemTables,
    digests: HashMap<&'static str, Digest>,
    at_checkpoint: HashMap<&'static str, (MemTables, Digest)>,
}

impl Chronicle {
    /// Verifies the whole store. `progress(done, total)` is called as it goes.
    ///
    /// # Errors
    /// Only when the store cannot be read at all; everything wrong in it is a
    /// [`Problem`] in the report.
    pub fn verify(&self, progress: &mut dyn FnMut(u64, u64)) -> Result<Report, AppError> {
        let mut report = Report::default();
        // The file itself first: damaged pages make everything after unreliable.
        let damage = match self.store.quick_check(10) {
            Ok(found) => found,
            Err(e) => vec![AppError::from(e).to_string()],
        };
        if !damage.is_empty() {
            for d in damage {
                report.problem(None, format!("the SQLite file is damaged: {d}"));
            }
            return Ok(report);
        }
        match self.verify_log(&mut report, progress) {
            Ok(()) => {}
            // Values SQLite's check cannot see (text that is not UTF-8, a
            // column of the wrong type) stop the walk: a problem, not an error.
            Err(e) if e.is_damage() => report.problem(None, format!("the log cannot be read to its end: {e}")),
            Err(e) => return Err(e),
        }
        // Problems at a position first (the earliest tampered event leads),
        // then those about the file as a whole.
        report.problems.sort_by_key(|p| (p.position.is_none(), p.position));
        Ok(report)
    }

    fn verify_log(&self, report: &mut Report, progress: &mut dyn FnMut(u64, u64)) -> Result<(), AppError> {
        let head = self.store.head()?;
        let triggers = self.store.event_triggers()?;
        for t in ["events_no_delete", "events_no_update"] {
            if !triggers.iter().any(|n| n == t) {
                report.problem(None, format!("append-only trigger {t} is missing: the log can be rewritten"));
            }
        }
        for t in self.store.altered_triggers()? {
            report.problem(None, format!("append-only trigger {t} was altered: the log may be rewritable"));
        }
        let mut walk = Walk {
            states: HashMap::new(),
            snapshots: HashMap::new(),
            tables: MemTables::default(),
            digests: HashMap::new(),
            at_checkpoint: HashMap::new(),
        };
        for s in self.store.snapshots()? {
            walk.snapshots.insert((s.stream_id, s.version), (s.state_version, s.state, s.position));
        }
        report.snapshots = walk.snapshots.len() as u64;
        let mut checkpoints = Vec::new();
        for p in self.registry.projections() {
            checkpoints.push((p.name(), self.store.checkpoint(p.name())?));
        }
        for (name, cp) in &checkpoints {
            if *cp == 0 {
                walk.at_checkpoint.insert(name, (MemTables::default(), Digest::default()));
            }
        }
        let mut prev = GENESIS;
        let mut expected = 1;
        self.store.scan(1, head, |e| {
            if e.position != expected {
                report.problem(Some(e.position), format!("expected position {expected}: positions have a gap"));
                expected = e.position;
            }
            expected += 1;
            if hash::link(&prev, HashInput::from(&e)) != e.hash {
                report.problem(
                    Some(e.position),
                    "hash does not match: the event's content, or the event before it, was changed, removed or reordered"
                        .to_owned(),
                );
            }
            prev = e.hash;
            self.walk_event(&mut walk, report, &e, &checkpoints);
            if e.position % 10_000 == 0 {
                progress(e.position, head);
            }
            Ok::<_, AppError>(())
        })?;
        progress(head, head);
        report.events = head;
        report.head_hash = (head > 0).then(|| hex::encode(prev));
        report.streams = walk.states.len() as u64;
        for (stream, version) in walk.snapshots.keys() {
            match walk.states.get(stream) {
                None => report.problem(None, format!("snapshot of {stream} v{version} has no stream")),
                // Loading would trust it and skip every event: a forgery.
                Some((_, last, _)) if version > last => report.problem(
                    None,
                    format!("snapshot of {stream} v{version} is ahead of its stream, which ends at v{last}"),
                ),
                Some(_) => {}
            }
        }
        self.check_streams(&walk, report)?;
        self.check_read_models(walk, &checkpoints, head, report)?;
        Ok(())
    }

    fn walk_event(
        &self,
        walk: &mut Walk,
        report: &mut Report,
        e: &crate::es::StoredEvent,
        checkpoints: &[(&'static str, u64)],
    ) {
        let entry = walk
            .states
            .entry(e.stream_id.clone())
            .or_insert_with(|| (e.stream_type.clone(), 0, self.registry.fresh_state(&e.stream_type)));
        if entry.1 + 1 != e.version {
            report.problem(
                Some(e.position),
                format!("stream {} jumps from version {} to {}", e.stream_id, entry.1, e.version),
            );
        }
        if entry.0 != e.stream_type {
            report.problem(
                Some(e.position),
                format!("stream {} changes type from {} to {}", e.stream_id, entry.0, e.stream_type),
            );
        }
        entry.1 = e.version;
        match self.registry.upcasters().upcast(e) {
            Ok(ev) => {
                entry.2.apply(&ev);
                for p in self.registry.projections() {
                    if let TimeTravel::Query { .. } = p.time_travel() {
                        let digest = walk.digests.entry(p.name()).or_default();
                        let mut rows = LedgerRows { mem: &mut walk.tables, ledger: &p.tables()[0], digest };
                        let _ = p.apply(&mut rows, &ev);
                    } else {
                        let _ = p.apply(&mut walk.tables, &ev);
                    }
                }
            }
            Err(err) => report.problem(Some(e.position), err.to_string()),
        }
        if let Some((state_version, stored, position)) = walk.snapshots.get(&(e.stream_id.clone(), e.version)) {
            if *position != e.position {
                report.problem(
                    Some(e.position),
                    format!(
                        "snapshot of {} at version {} claims position {position}, but that version is at {}",
                        e.stream_id, e.version, e.position
                    ),
                );
            }
            let current = entry.2.state_version();
            let stored: Option<Value> = serde_json::from_str(stored).ok();
            if *state_version == current && stored.as_ref() != Some(&entry.2.to_json()) {
                report.problem(
                    Some(e.position),
                    format!(
                        "snapshot of {} at version {} differs from the state recomputed from events",
                        e.stream_id, e.version
                    ),
                );
            }
        }
        for (name, cp) in checkpoints {
            if *cp == e.position {
                let digest = walk.digests.get(name).copied().unwrap_or_default();
                walk.at_checkpoint.insert(name, (walk.tables.clone(), digest));
            }
        }
    }

    fn check_streams(&self, walk: &Walk, report: &mut Report) -> Result<(), AppError> {
        let listed: HashMap<String, StreamInfo> =
            self.store.streams()?.into_iter().map(|s| (s.stream_id.clone(), s)).collect();
        for (id, (ty, version, _)) in &walk.states {
            match listed.get(id) {
                Some(s) if s.version == *version && &s.stream_type == ty => {}
                Some(s) => report.problem(
                    Some(s.last_position),
                    format!(
                        "streams index says {id} is {} v{}, the log says {ty} v{version}",
                        s.stream_type, s.version
                    ),
                ),
                None => report.problem(None, format!("stream {id} is missing from the streams index")),
            }
        }
        for id in listed.keys().filter(|id| !walk.states.contains_key(*id)) {
            report.problem(None, format!("streams index lists {id}, which has no events"));
        }
        Ok(())
    }

    fn check_read_models(
        &self,
        mut walk: Walk,
        checkpoints: &[(&'static str, u64)],
        head: u64,
        report: &mut Report,
    ) -> Result<(), AppError> {
        for (p, (name, cp)) in self.registry.projections().iter().zip(checkpoints) {
            report.projections += 1;
            if *cp > head {
                report.problem(None, format!("read model {name} claims position {cp}, beyond the head {head}"));
                continue;
            }
            let Some((replay, digest)) = walk.at_checkpoint.remove(name) else { continue };
            for (i, spec) in p.tables().iter().enumerate() {
                if i == 0 && matches!(p.time_travel(), TimeTravel::Query { .. }) {
                    let mut stored = Digest::default();
                    self.store.scan_table(spec, None, &mut |row| {
                        stored.add(spec, &row);
                        Ok(())
                    })?;
                    if stored != digest {
                        report.problem(
                            None,
                            format!(
                                "read model table {} differs from its replay at position {cp}: {} rows stored, {} replayed{}",
                                spec.name,
                                stored.rows,
                                digest.rows,
                                if stored.rows == digest.rows { ", contents differ" } else { "" }
                            ),
                        );
                    }
                    continue;
                }
                let mut expected = replay.rows(spec.name);
                let mut mismatch: Option<String> = None;
                let mut index = 0usize;
                self.store.scan_table(spec, None, &mut |row| {
                    index += 1;
                    if mismatch.is_some() {
                        return Ok(());
                    }
                    match expected.next() {
                        Some(want) if want.same_values(&row) => {}
                        Some(want) => mismatch = Some(format!("row {index} is {row} but replay gives {want}")),
                        None => mismatch = Some(format!("extra row {row}")),
                    }
                    Ok::<_, StoreError>(())
                })?;
                if mismatch.is_none()
                    && let Some(want) = expected.next()
                {
                    mismatch = Some(format!("row {want} is missing"));
                }
                if let Some(m) = mismatch {
                    report.problem(
                        None,
                        format!("read model table {} differs from its replay at position {cp}: {m}", spec.name),
                    );
                }
            }
        }
        Ok(())
    }
}
