//! `verify`: one pass over the log checking the hash chain, positions and
//! per-stream versions, every event against its aggregate's transition
//! check, every snapshot against the state recomputed from events, and
//! every read model against its replay.

use std::collections::HashMap;

use serde_json::Value;

use rustc_hash::FxHashMap;

use crate::es::{DynState, Event, EventRef, MemTables, TimeTravel};

use digest::{Digest, LedgerRows};
pub use unregistered::Unregistered;

use super::{AppError, Chronicle};

mod chain;
mod digest;
mod models;
mod stored;
mod unregistered;

/// How to repair the streams index (derived from the events).
const REBUILD_INDEX: &str = " (`chronicle rebuild` rebuilds the index from the events)";

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
    /// Read-model snapshots listed (those under today's tables compared).
    pub model_snapshots: u64,
    /// Read models compared.
    pub projections: u64,
    /// Problems, earliest first, at most 50 (empty = all good).
    pub problems: Vec<Problem>,
    /// The stored hash of the last event (lowercase hex), to anchor elsewhere.
    pub head_hash: Option<String>,
    /// Stream types no registered domain knows, by type: their streams were
    /// checked for the chain, positions and versions, and folded generically
    /// (no transition check). Not a problem: named so a reader knows.
    pub unregistered: Vec<Unregistered>,
    /// The format of a foreign log (no hash chain of its own: the one
    /// checked was computed on reading, so only order, gaps, versions and
    /// payloads mean anything); `None` for a chronicle store.
    pub foreign: Option<String>,
    /// A foreign log's own snapshots table and how many it holds (shown by
    /// `state --stream`, never folded from).
    pub foreign_snapshots: Option<(String, u64)>,
}

impl Report {
    fn problem(&mut self, position: Option<u64>, what: String) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(Problem { position, what });
        }
    }

    /// One line saying a foreign log has no hash chain, and one per
    /// unregistered stream type ([`Unregistered::note`]).
    #[must_use]
    pub fn notes(&self) -> Vec<String> {
        let foreign =
            self.foreign.iter().map(|f| format!("no hash chain to check ({} {f} log)", crate::formats::article(f)));
        let snapshots = self.foreign_snapshots.iter().map(|(table, n)| {
            format!(
                "{n} snapshot{} of the tool's own in `{table}`: shown by `state --stream` as stored, not checked; \
                 states are folded from the events",
                if *n == 1 { "" } else { "s" }
            )
        });
        foreign.chain(snapshots).chain(self.unregistered.iter().map(Unregistered::note)).collect()
    }

    /// What the summary says of the hash chain.
    #[must_use]
    pub fn chain_summary(&self) -> &'static str {
        if self.foreign.is_some() { "no hash chain to check" } else { "hash chain intact" }
    }

    /// Whether everything checked out.
    #[must_use]
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Each projection's name and checkpoint.
type Checkpoints = Vec<(&'static str, u64)>;

struct Walk {
    states: FxHashMap<String, Box<dyn DynState>>,
    /// Per stream: (version, state version, state, position).
    snapshots: FxHashMap<String, Vec<(u64, u32, String, u64)>>,
    tables: MemTables,
    digests: HashMap<&'static str, Digest>,
    at_checkpoint: HashMap<&'static str, (MemTables, Digest)>,
    models: models::Models,
}

/// How deep `verify` looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// The hash chain, positions, per-stream versions and the streams index
    /// (reads the log once, in parallel; no folding).
    Chain,
    /// Also every snapshot against the state recomputed from events and
    /// every read model against its replay.
    Full,
}

impl Chronicle {
    /// Verifies the whole store. `progress(done, total)` is called as it goes.
    ///
    /// # Errors
    /// Only when the store cannot be read at all; everything wrong in it is a
    /// [`Problem`] in the report.
    pub fn verify(&self, progress: &mut dyn FnMut(u64, u64)) -> Result<Report, AppError> {
        self.verify_to(Depth::Full, progress)
    }

    /// Verifies the store to `depth`. `progress(done, total)` is called as it goes.
    ///
    /// # Errors
    /// As [`Chronicle::verify`].
    pub fn verify_to(&self, depth: Depth, progress: &mut dyn FnMut(u64, u64)) -> Result<Report, AppError> {
        let mut report = Report::default();
        // SQLite's own check of the file's pages runs on another core while
        // the log is walked; when it finds damage, that alone is reported
        // (damaged pages make everything else unreliable).
        // `--chain` leaves it out: the chain walk reads every page of the log
        // itself (a damaged one fails the walk), and the check's own full
        // pass over the file would double its cost.
        let checker = (depth == Depth::Full).then(|| chain::reader(&self.store));
        let (damage, walked) = std::thread::scope(|scope| {
            let check = checker.map(|checker| {
                scope.spawn(move || match checker.map(|s| s.integrity_check(10)) {
                    Ok(Ok(found)) => found,
                    Ok(Err(e)) => vec![AppError::from(e).to_string()],
                    Err(e) => vec![e.to_string()],
                })
            });
            let walked = self.verify_log(depth, &mut report, progress);
            let damage = check.map(|c| c.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
            (damage.unwrap_or_default(), walked)
        });
        if !damage.is_empty() {
            let mut report = Report::default();
            for d in damage {
                report.problem(None, format!("the SQLite file is damaged: {d}"));
            }
            return Ok(report);
        }
        match walked {
            Ok(()) => {}
            // Values SQLite's check cannot see (text that is not UTF-8, a
            // column of the wrong type) stop the walk: a problem, not an error.
            Err(e) if e.is_damage() => report.problem(None, format!("the log cannot be read to its end: {e}")),
            Err(e) => return Err(e),
        }
        // Problems at a position first (the earliest tampered event leads),
        // then those about the file as a whole.
        report.problems.sort_by_key(|p| (p.position.is_none(), p.position));
        report.problems.truncate(MAX_PROBLEMS);
        Ok(report)
    }

    fn verify_log(
        &self,
        depth: Depth,
        report: &mut Report,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<(), AppError> {
        let head = self.store.head()?;
        report.foreign = self.store.format().map(str::to_owned);
        report.foreign_snapshots = self.store.foreign_snapshots()?;
        // A foreign log has no guards of its own (chronicle never writes it).
        let triggers = if report.foreign.is_some() {
            ["events_no_delete", "events_no_update"].map(String::from).to_vec()
        } else {
            self.store.event_triggers()?
        };
        // Versions are checked below; ties in the ordering column and
        // payloads that are not JSON only the reading saw.
        for f in self.store.findings().into_iter().filter(|f| f.kind != crate::es::backend::FindingKind::Version) {
            report.problem(Some(f.position), f.what);
        }
        for t in ["events_no_delete", "events_no_update"] {
            if !triggers.iter().any(|n| n == t) {
                report.problem(None, format!("append-only trigger {t} is missing: the log can be rewritten"));
            }
        }
        for t in self.store.altered_triggers()? {
            report.problem(None, format!("append-only trigger {t} was altered: the log may be rewritable"));
        }
        let (chain, walk) = match depth {
            Depth::Chain => {
                let segments = chain::segments(&self.store, head, chain::threads_for(head))?;
                (chain::check(segments, head, progress)?, None)
            }
            Depth::Full => {
                // The chain reads the log on other cores while this one folds.
                let threads = chain::threads_for(head).saturating_sub(1).max(1);
                let segments = chain::segments(&self.store, head, threads)?;
                let (chain, walk) = std::thread::scope(|scope| {
                    let chain = scope.spawn(move || chain::check(segments, head, &mut |_, _| {}));
                    let walk = self.fold_log(head, report, progress);
                    (chain.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), walk)
                });
                (chain?, Some(walk?))
            }
        };
        report.problems.extend(chain.problems);
        report.events = head;
        if report.foreign.is_none() {
            report.head_hash = chain.head_hash.as_deref().map(hex::encode);
        }
        report.streams = chain.streams.len() as u64;
        report.unregistered = unregistered::group(&self.registry, &chain.streams);
        self.check_streams(&chain.streams, report)?;
        let snapshots = self.store.snapshots()?;
        report.snapshots = snapshots.len() as u64;
        for s in &snapshots {
            let (stream, version) = (&s.stream_id, s.version);
            match chain.streams.get(stream) {
                None => report.problem(None, format!("snapshot of {stream} v{version} has no stream")),
                // Loading would trust it and skip every event: a forgery.
                Some(seen) if version > seen.version => report.problem(
                    None,
                    format!("snapshot of {stream} v{version} is ahead of its stream, which ends at v{}", seen.version),
                ),
                Some(_) => {}
            }
        }
        if let Some((mut walk, checkpoints)) = walk {
            std::mem::take(&mut walk.models).check(self, report)?;
            self.check_read_models(walk, &checkpoints, head, report)?;
        }
        Ok(())
    }

    /// Folds every event: states for the snapshots, read models for their
    /// tables (compared afterwards).
    fn fold_log(
        &self,
        head: u64,
        report: &mut Report,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<(Walk, Checkpoints), AppError> {
        let mut walk = Walk {
            states: FxHashMap::default(),
            snapshots: FxHashMap::default(),
            tables: MemTables::default(),
            digests: HashMap::new(),
            at_checkpoint: HashMap::new(),
            models: models::Models::listed(self, head, report)?,
        };
        for s in self.store.snapshots()? {
            walk.snapshots.entry(s.stream_id).or_default().push((s.version, s.state_version, s.state, s.position));
        }
        let mut checkpoints = Vec::new();
        for p in self.registry.projections() {
            checkpoints.push((p.name(), self.store.checkpoint(p.name())?));
        }
        for (name, cp) in &checkpoints {
            if *cp == 0 {
                walk.at_checkpoint.insert(name, (MemTables::default(), Digest::default()));
            }
        }
        let mut scratch = Event::default();
        self.store.scan_fold(1, head, |e| {
            self.walk_event(&mut walk, report, e, &mut scratch, &checkpoints);
            if e.position % 10_000 == 0 {
                progress(e.position, head);
            }
            Ok::<_, AppError>(())
        })?;
        progress(head, head);
        Ok((walk, checkpoints))
    }

    fn walk_event(
        &self,
        walk: &mut Walk,
        report: &mut Report,
        e: EventRef<'_>,
        scratch: &mut Event,
        checkpoints: &[(&'static str, u64)],
    ) {
        if !walk.states.contains_key(e.stream_id) {
            walk.states.insert(e.stream_id.to_owned(), self.registry.fresh_state(e.stream_type));
        }
        let Some(state) = walk.states.get_mut(e.stream_id) else { return };
        match self.registry.upcasters().upcast_into(e, scratch) {
            Ok(()) => {
                let ev = &*scratch;
                // The transition check: a stored event its aggregate's rules
                // refuse (or cannot decode) is named by position and rule.
                if let Err(v) = state.check_apply(ev) {
                    report.problem(Some(e.position), format!("{}: {v}", e.stream_id));
                }
                for p in self.registry.projections() {
                    if let TimeTravel::Query { .. } = p.time_travel() {
                        let digest = walk.digests.entry(p.name()).or_default();
                        let mut rows = LedgerRows { mem: &mut walk.tables, ledger: &p.tables()[0], digest };
                        let _ = p.apply(&mut rows, ev);
                    } else {
                        let _ = p.apply(&mut walk.tables, ev);
                    }
                }
            }
            Err(err) => report.problem(Some(e.position), err.to_string()),
        }
        let snapshot = walk.snapshots.get(e.stream_id).and_then(|v| v.iter().find(|s| s.0 == e.version));
        if let Some((_, state_version, stored, position)) = snapshot {
            if *position != e.position {
                report.problem(
                    Some(e.position),
                    format!(
                        "snapshot of {} at version {} claims position {position}, but that version is at {}",
                        e.stream_id, e.version, e.position
                    ),
                );
            }
            let current = state.state_version();
            let stored: Option<Value> = serde_json::from_str(stored).ok();
            // A snapshot of a stream no registered aggregate folds is never
            // used (loads fold such streams from their start): not compared.
            let used = !super::query::is_generic(state.as_ref());
            if used && *state_version == current && stored.as_ref() != Some(&state.to_json()) {
                report.problem(
                    Some(e.position),
                    format!(
                        "snapshot of {} at version {} differs from the state recomputed from events",
                        e.stream_id, e.version
                    ),
                );
            }
        }
        walk.models.passed(e.position, &walk.tables);
        for (name, cp) in checkpoints {
            if *cp == e.position {
                let digest = walk.digests.get(name).copied().unwrap_or_default();
                walk.at_checkpoint.insert(name, (walk.tables.clone(), digest));
            }
        }
    }
}
