//! The command bus (CQRS write side): parse, load, decide, append with the
//! expected versions, project, all in one `BEGIN IMMEDIATE` transaction.
//!
//! Loading happens under the write lock, so two processes deciding on the
//! same stream are serialised rather than racing; a version conflict can then
//! only come from a writer that does not follow this protocol, and is retried
//! a bounded number of times.

mod cause;
mod command_id;

use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

use serde_json::Value;
use uuid::Uuid;

use crate::domain::{Command, Registry};
use crate::es::{
    DynState, Event, EventData, ExpectedVersion, PendingEvent, StoreError, StoredEvent, StreamAppend, WriteTx,
};

use super::repository::{self, Loaded};
use super::{AppError, Chronicle, Config, projector};

/// How many times a command is retried after a version conflict.
pub const MAX_RETRIES: usize = 8;

/// Who issues a command and how it is recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecOptions {
    /// Who (`metadata.actor`).
    pub actor: String,
    /// Through what (`metadata.source`: `cli`, `tui`, …).
    pub source: String,
    /// The command's id. Given explicitly, it is an idempotency key: the same
    /// id sent again with the same command records nothing and reports the
    /// events of the first time; with another command it is refused (see
    /// [`execute_in`]).
    pub command_id: Option<String>,
    /// Correlation id to join (default: the command id; with a causation
    /// id through [`Chronicle::execute`], the cause's correlation).
    pub correlation_id: Option<String>,
    /// Causation id (default: the command id). Through
    /// [`Chronicle::execute`] it must be the id of a stored event.
    pub causation_id: Option<String>,
    /// Timestamp to record (default: the commit time). For imports and the demo.
    pub recorded_at: Option<String>,
}

impl ExecOptions {
    /// Options for `actor` through `source`.
    #[must_use]
    pub fn new(actor: &str, source: &str) -> Self {
        Self { actor: actor.to_owned(), source: source.to_owned(), ..Self::default() }
    }
}

/// What a command recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The command's id.
    pub command_id: String,
    /// The events recorded (for a duplicate: those recorded the first time).
    pub events: Vec<StoredEvent>,
    /// Whether this command id had been executed before (nothing new recorded).
    pub duplicate: bool,
    /// The recorded events at the latest schema (empty for a duplicate).
    pub upcast: Vec<Event>,
}

/// [`Metadata`](crate::es::Metadata) borrowed, serialised to the same JSON (same fields, same
/// order) without copying its strings first.
#[derive(serde::Serialize)]
struct MetadataRef<'a> {
    correlation_id: &'a str,
    causation_id: &'a str,
    actor: &'a str,
    source: &'a str,
    command_id: &'a str,
}

/// Loaded stream states kept across commands of one batch (the demo).
pub type StateCache = HashMap<String, Loaded>;

fn derived_event_id(command_id: &str, index: usize) -> String {
    Uuid::new_v5(&Uuid::NAMESPACE_OID, format!("chronicle-command:{command_id}:{index}").as_bytes()).to_string()
}

/// Executes `cmd` inside `tx`, without projecting (the caller projects).
///
/// `next_id` supplies the command id and event ids when no explicit command
/// id is given.
///
/// # Errors
/// [`AppError::Usage`] for a malformed command id; [`AppError::Rejected`]
/// when the rules refuse it or its command id was used for another command;
/// conflicts and store failures.
pub fn execute_in(
    tx: &mut WriteTx<'_>,
    registry: &Registry,
    config: Config,
    cmd: &dyn Command,
    opts: &ExecOptions,
    next_id: &mut dyn FnMut() -> String,
    cache: Option<&mut StateCache>,
) -> Result<Outcome, AppError> {
    execute_encoding(tx, registry, config, cmd, opts, next_id, cache, &mut |e| e)
}

/// As [`execute_in`], with each decided event passed through `encode`
/// before it is stored (the demo's seeder re-encodes some at legacy schemas;
/// they are folded and projected upcast, as any reader sees them).
#[allow(clippy::too_many_arguments)] // the demo driver's one call; `execute_in` is the public form
pub(crate) fn execute_encoding(
    tx: &mut WriteTx<'_>,
    registry: &Registry,
    config: Config,
    cmd: &dyn Command,
    opts: &ExecOptions,
    next_id: &mut dyn FnMut() -> String,
    mut cache: Option<&mut StateCache>,
    encode: &mut dyn FnMut(EventData) -> EventData,
) -> Result<Outcome, AppError> {
    command_id::check(opts)?;
    let explicit_id = opts.command_id.is_some();
    let command_id = opts.command_id.clone().unwrap_or_else(&mut *next_id);
    if explicit_id && let Some(first) = tx.event_position(&derived_event_id(&command_id, 0))? {
        return command_id::reuse(tx, registry, cmd, command_id, first);
    }

    let targets = cmd.targets();
    let mut loaded = Vec::with_capacity(targets.len());
    for t in &targets {
        let exists = match tx.stream_ref(&t.stream_id)? {
            // A stream of a type no domain registered is read-only.
            Some(info) if registry.kind(&info.stream_type).is_none() => {
                return Err(AppError::Rejected(super::repository::read_only(&t.stream_id, &info.stream_type)));
            }
            Some(info) if info.stream_type != t.stream_type => {
                return Err(AppError::Rejected(format!(
                    "{} is a {}, not a {}",
                    crate::domain::registry::sanitize(&t.stream_id),
                    info.stream_type,
                    t.stream_type
                )));
            }
            Some(_) => true,
            None => false,
        };
        let l = match cache.as_deref_mut().and_then(|c| c.remove(&t.stream_id)) {
            Some(l) => l,
            // A stream without events has nothing to load (and no snapshot
            // that could be used: one is trusted only with its event).
            None if !exists => {
                Loaded { state: registry.fresh_state(t.stream_type), version: 0, position: 0, from_snapshot: None }
            }
            None => repository::load(tx, registry, &t.stream_id, t.stream_type, tx.head())?,
        };
        loaded.push(l);
    }
    let states: Vec<&dyn DynState> = loaded.iter().map(|l| l.state.as_ref()).collect();
    let decided = match cmd.decide(&states) {
        Ok(d) => d,
        Err(r) => {
            if let Some(c) = cache {
                for (t, l) in targets.iter().zip(loaded) {
                    c.insert(t.stream_id.clone(), l);
                }
            }
            return Err(AppError::Rejected(r.0));
        }
    };

    let metadata = serde_json::to_string(&MetadataRef {
        correlation_id: opts.correlation_id.as_deref().unwrap_or(&command_id),
        causation_id: opts.causation_id.as_deref().unwrap_or(&command_id),
        actor: &opts.actor,
        source: &opts.source,
        command_id: &command_id,
    })
    .map_err(|e| AppError::Io(e.to_string()))?;
    let mut appends: Vec<StreamAppend> = Vec::new();
    let mut payloads: Vec<Vec<(u32, Value)>> = Vec::new();
    let mut order: Vec<usize> = Vec::new();
    for (index, (target, data)) in decided.into_iter().enumerate() {
        let data = encode(data);
        let event = PendingEvent {
            event_id: if explicit_id { derived_event_id(&command_id, index) } else { next_id() },
            event_type: data.event_type,
            schema_version: data.schema_version,
            payload: data.payload.to_string(),
            metadata: metadata.clone(),
            recorded_at: opts.recorded_at.clone(),
        };
        let slot = if let Some(slot) = order.iter().position(|&t| t == target) {
            slot
        } else {
            let t = targets.get(target).ok_or_else(|| AppError::Rejected("domain named an unknown target".into()))?;
            order.push(target);
            appends.push(StreamAppend {
                stream_id: t.stream_id.clone(),
                stream_type: t.stream_type.to_owned(),
                expected: ExpectedVersion::Exact(loaded[target].version),
                events: Vec::new(),
            });
            payloads.push(Vec::new());
            order.len() - 1
        };
        appends[slot].events.push(event);
        payloads[slot].push((data.schema_version, data.payload));
    }
    let appended = if explicit_id { tx.append(appends)? } else { tx.append_fresh(appends)? };

    let upcast = fold_appended(tx, registry, config, &targets, loaded, &appended.events, payloads, cache)?;
    Ok(Outcome { command_id, events: appended.events, duplicate: false, upcast })
}

/// After an append: the events at the latest schema (from the decided values,
/// without parsing the JSON just written), folded into the targets' states,
/// with snapshots taken where due and the states kept in `cache`.
#[allow(clippy::too_many_arguments)] // one call site, each argument a distinct piece of the command
fn fold_appended(
    tx: &mut WriteTx<'_>,
    registry: &Registry,
    config: Config,
    targets: &[crate::domain::Target],
    loaded: Vec<Loaded>,
    stored_events: &[StoredEvent],
    payloads: Vec<Vec<(u32, Value)>>,
    mut cache: Option<&mut StateCache>,
) -> Result<Vec<Event>, AppError> {
    // The stored events are in the order they were given: slot by slot. Fold
    // the decided values (no need to parse the JSON just written).
    let mut upcast = Vec::with_capacity(stored_events.len());
    for (stored, (version, payload)) in stored_events.iter().zip(payloads.into_iter().flatten()) {
        let (schema_version, payload) = registry.upcasters().upcast_value(
            stored.position,
            &stored.stream_type,
            &stored.event_type,
            version,
            payload,
        )?;
        upcast.push(Event {
            position: stored.position,
            stream_id: stored.stream_id.clone(),
            stream_type: stored.stream_type.clone(),
            version: stored.version,
            event_type: stored.event_type.clone(),
            schema_version,
            payload,
            recorded_at: stored.recorded_at.clone(),
        });
    }
    for (i, (t, mut l)) in targets.iter().zip(loaded).enumerate() {
        if targets[..i].iter().any(|u| u.stream_id == t.stream_id) {
            continue; // the same stream named twice: folded once
        }
        let before = l.version;
        for e in upcast.iter().filter(|e| e.stream_id == t.stream_id) {
            // Decided events obey the transition check too (a domain whose
            // decisions and rules disagree is a bug: refuse, never panic).
            l.state.check_apply(e).map_err(|v| {
                AppError::Io(format!("the domain decided an event its own rules refuse ({v}): nothing was recorded"))
            })?;
            l.version = e.version;
            l.position = e.position;
        }
        repository::maybe_snapshot(tx, &t.stream_id, &l, before, config.snapshot_every)?;
        if let Some(c) = cache.as_deref_mut() {
            c.insert(t.stream_id.clone(), l);
        }
    }
    Ok(upcast)
}

impl Chronicle {
    /// Parses and executes one line of the command language at the head,
    /// updating the read models in the same transaction.
    ///
    /// # Errors
    /// [`AppError::Parse`] / [`AppError::Rejected`] (nothing recorded),
    /// [`AppError::Usage`] for a malformed id or a causation id no event
    /// has (see [`ExecOptions::causation_id`]),
    /// [`AppError::Conflict`] after [`MAX_RETRIES`], store failures.
    pub fn execute(&mut self, line: &str, opts: &ExecOptions) -> Result<Outcome, AppError> {
        command_id::check(opts)?;
        cause::check(opts)?;
        let cmd = self.registry.parse(line).map_err(AppError::Parse)?;
        let registry = Arc::clone(&self.registry);
        let config = self.config;
        let mut attempt = 0;
        loop {
            let result = self.store.write(|tx| {
                let resolved = cause::resolve(tx, opts)?;
                let opts = resolved.as_ref().unwrap_or(opts);
                let out =
                    execute_in(tx, &registry, config, cmd.as_ref(), opts, &mut || Uuid::now_v7().to_string(), None)?;
                projector::catch_up(tx, &registry, &out.upcast)?;
                Ok::<_, AppError>(out)
            });
            match result {
                Err(AppError::Conflict(c)) if attempt < MAX_RETRIES => {
                    attempt += 1;
                    tracing::debug!(%c, attempt, "retrying after a version conflict");
                    std::thread::sleep(std::time::Duration::from_millis(2 << attempt.min(6)));
                }
                Err(AppError::Store(StoreError::Rows(e))) if e.out_of_range_reason().is_some() => {
                    let reason = e.out_of_range_reason().unwrap_or_default();
                    return Err(AppError::Rejected(format!(
                        "a read model cannot hold the result: {reason}; nothing recorded"
                    )));
                }
                other => return other,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Mode;

    pub(super) fn store() -> (tempfile::TempDir, Chronicle) {
        let dir = tempfile::tempdir().unwrap();
        let c = Chronicle::open(&dir.path().join("t.db"), Mode::Write, crate::domain::Registry::builtin()).unwrap();
        (dir, c)
    }

    #[test]
    fn borrowed_metadata_serialises_as_metadata() {
        let m = crate::es::Metadata {
            correlation_id: "c".into(),
            causation_id: "d".into(),
            actor: "a\"b".into(),
            source: "s".into(),
            command_id: "x".into(),
        };
        let r = MetadataRef { correlation_id: "c", causation_id: "d", actor: "a\"b", source: "s", command_id: "x" };
        assert_eq!(serde_json::to_string(&m).unwrap(), serde_json::to_string(&r).unwrap());
    }

    #[test]
    fn a_rejected_command_records_nothing() {
        let (_d, mut c) = store();
        let opts = ExecOptions::new("t", "test");
        c.execute("open acc-1 Ada", &opts).unwrap();
        let err = c.execute("withdraw acc-1 5", &opts).unwrap_err();
        assert!(err.is_rejection(), "{err}");
        assert!(c.execute("deposit acc-1 1.234", &opts).unwrap_err().is_rejection());
        assert_eq!(c.store().head().unwrap(), 1);
    }

    #[test]
    fn a_command_that_would_overflow_a_read_model_is_refused() {
        let (_d, mut c) = store();
        let opts = ExecOptions::new("t", "test");
        let max = "92233720368547758.07"; // i64::MAX cents
        c.execute("open acc-1 Ada", &opts).unwrap();
        c.execute(&format!("deposit acc-1 {max}"), &opts).unwrap();
        c.execute(&format!("withdraw acc-1 {max}"), &opts).unwrap();
        let err = c.execute(&format!("deposit acc-1 {max}"), &opts).unwrap_err();
        assert!(err.is_rejection(), "{err}");
        assert!(err.to_string().contains("deposit_cents of acc-1 on "), "{err}");
        assert_eq!(c.store().head().unwrap(), 3);
    }

    #[test]
    fn a_stream_of_another_type_is_refused() {
        let (_d, mut c) = store();
        let opts = ExecOptions::new("t", "test");
        c.execute("register u-1 ada@example.com Ada Lovelace", &opts).unwrap();
        let err = c.execute("deposit u-1 5", &opts).unwrap_err();
        assert!(err.to_string().contains("u-1 is a User, not a BankAccount"), "{err}");
    }

    #[test]
    fn transfers_share_one_correlation_and_snapshots_follow_the_interval() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config { snapshot_every: 3, ..Config::default() };
        let registry = std::sync::Arc::new(Registry::builtin());
        let mut c = Chronicle::open_with(&dir.path().join("t.db"), Mode::Write, registry, config).unwrap();
        let opts = ExecOptions::new("t", "test");
        c.execute("open acc-1 Ada", &opts).unwrap();
        c.execute("open acc-2 Alan", &opts).unwrap();
        c.execute("deposit acc-1 50", &opts).unwrap();
        let out = c.execute("transfer acc-1 acc-2 20 rent", &opts).unwrap();
        assert_eq!(out.events.len(), 2);
        let (a, b) = (out.events[0].metadata(), out.events[1].metadata());
        assert_eq!(a.correlation_id, b.correlation_id);
        assert_ne!(out.events[0].stream_id, out.events[1].stream_id);
        let snaps = c.store().snapshots().unwrap();
        assert_eq!(snaps.iter().map(|s| (s.stream_id.as_str(), s.version)).collect::<Vec<_>>(), vec![("acc-1", 3)]);
        let state = c.stream_state("acc-1", c.store().head().unwrap()).unwrap();
        assert_eq!(state.state["balance_cents"], 3000);
    }
}
