//! Command ids: the idempotency key of `exec --command-id`. A well-formed id
//! ([`crate::domain::ids::check_command_id`]) used again with the same
//! command is a duplicate; with another command it is refused.

use crate::domain::{Command, Registry};
use crate::es::{DynState, StoredEvent, WriteTx};

use super::super::repository;
use super::{AppError, ExecOptions, Outcome};

/// Whether `cmd` is the command that recorded `recorded` (the events of
/// its id, the first at position `first`): decided on its targets as they
/// were just before `first`, it records exactly those events (same streams,
/// types and payloads at the latest schema, in the same order). So `deposit
/// acc-1 5` and `deposit  acc-1 5.00` are the same command, `deposit acc-1 7`
/// is another; no text needs to be kept, and ids recorded by any release
/// are judged alike.
fn decides_the_same(
    tx: &mut WriteTx<'_>,
    registry: &Registry,
    cmd: &dyn Command,
    first: u64,
    recorded: &[StoredEvent],
) -> Result<bool, AppError> {
    let targets = cmd.targets();
    let before = first.saturating_sub(1);
    let mut loaded = Vec::with_capacity(targets.len());
    for t in &targets {
        if tx.stream_ref(&t.stream_id)?.is_some_and(|info| info.stream_type != t.stream_type) {
            return Ok(false);
        }
        loaded.push(repository::load(tx, registry, &t.stream_id, t.stream_type, before)?);
    }
    let states: Vec<&dyn DynState> = loaded.iter().map(|l| l.state.as_ref()).collect();
    let Ok(decided) = cmd.decide(&states) else { return Ok(false) };
    // Appended stream by stream, in the order streams first appear.
    let mut order: Vec<usize> = Vec::new();
    for (target, _) in &decided {
        if !order.contains(target) {
            order.push(*target);
        }
    }
    let decided = order.iter().flat_map(|slot| decided.iter().filter(move |(t, _)| t == slot));
    if decided.clone().count() != recorded.len() {
        return Ok(false);
    }
    for ((target, data), stored) in decided.zip(recorded) {
        let event = registry.upcasters().upcast(stored)?;
        let same = targets.get(*target).is_some_and(|t| t.stream_id == stored.stream_id)
            && data.event_type == event.event_type
            && data.schema_version == event.schema_version
            && data.payload == event.payload;
        if !same {
            return Ok(false);
        }
    }
    Ok(true)
}

/// An explicit command id used before: the same command is a duplicate
/// (nothing new, the events of the first time); another command is refused,
/// naming the id and what it recorded.
pub(super) fn reuse(
    tx: &mut WriteTx<'_>,
    registry: &Registry,
    cmd: &dyn Command,
    command_id: String,
    first: u64,
) -> Result<Outcome, AppError> {
    let events = tx.command_events(first, &command_id)?;
    if !decides_the_same(tx, registry, cmd, first, &events)? {
        let what = events.first().map_or_else(String::new, |e| {
            let more = match events.len() {
                1 => String::new(),
                n => format!(" and {} more", n - 1),
            };
            format!(
                " (it recorded {} on {} at position {}{more})",
                crate::domain::ids::shown(&e.event_type),
                crate::domain::ids::shown(&e.stream_id),
                e.position
            )
        });
        return Err(AppError::Rejected(format!(
            "command id `{}` was already used for another command{what}; nothing recorded (give a new command a new id)",
            crate::domain::ids::shown(&command_id),
        )));
    }
    Ok(Outcome { command_id, events, duplicate: true, upcast: Vec::new() })
}

/// The options a person gave: a well-formed command id, an actor a person
/// can read (whichever front end it came from).
pub(super) fn check(opts: &ExecOptions) -> Result<(), AppError> {
    crate::domain::ids::check_visible("actor", &opts.actor).map_err(AppError::Usage)?;
    match &opts.command_id {
        Some(id) => crate::domain::ids::check_command_id(id).map_err(AppError::Usage),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::store;
    use crate::app::{AppError, ExecOptions};

    #[test]
    fn the_same_command_id_records_once() {
        let (_d, mut c) = store();
        let opts = ExecOptions { command_id: Some("cmd-1".into()), ..ExecOptions::new("t", "test") };
        c.execute("open acc-1 Ada", &ExecOptions::new("t", "test")).unwrap();
        let first = c.execute("deposit acc-1 5", &opts).unwrap();
        let again = c.execute("deposit acc-1 5", &opts).unwrap();
        assert!(!first.duplicate && again.duplicate);
        assert_eq!(first.events, again.events);
        assert_eq!(c.store().head().unwrap(), 2);
        for same in ["  deposit   acc-1 5 ", "deposit acc-1 5.00", "deposit acc-1 005"] {
            assert!(c.execute(same, &opts).unwrap().duplicate, "{same}");
        }
        for other in ["deposit acc-1 7", "withdraw acc-1 5", "deposit acc-1 5 salary", "deposit acc-2 5"] {
            let err = c.execute(other, &opts).unwrap_err();
            assert!(err.is_rejection(), "{other}: {err}");
            assert!(
                err.to_string().contains(
                    "command id `cmd-1` was already used for another command (it recorded MoneyDeposited on acc-1 at position 2)"
                ),
                "{err}"
            );
        }
        assert_eq!(c.store().head().unwrap(), 2);
        // Later events on the stream do not change what the id was used for.
        c.execute("withdraw acc-1 5", &ExecOptions::new("t", "test")).unwrap();
        assert!(c.execute("deposit acc-1 5", &opts).unwrap().duplicate);
        let transfer = ExecOptions { command_id: Some("cmd-2".into()), ..ExecOptions::new("t", "test") };
        c.execute("open acc-2 Alan", &ExecOptions::new("t", "test")).unwrap();
        c.execute("deposit acc-1 9", &ExecOptions::new("t", "test")).unwrap();
        assert!(!c.execute("transfer acc-1 acc-2 4 rent", &transfer).unwrap().duplicate);
        assert!(c.execute("transfer acc-1 acc-2 4.00 rent", &transfer).unwrap().duplicate);
        let err = c.execute("transfer acc-1 acc-2 4 books", &transfer).unwrap_err();
        assert!(err.to_string().contains("MoneyWithdrawn on acc-1 at position 6 and 1 more"), "{err}");
    }

    #[test]
    fn malformed_command_ids_are_usage_errors() {
        let (_d, mut c) = store();
        for id in ["", "  ", "a\u{200b}", &"x".repeat(500)] {
            let opts = ExecOptions { command_id: Some(id.to_owned()), ..ExecOptions::new("t", "test") };
            let err = c.execute("open acc-1 Ada", &opts).unwrap_err();
            assert!(matches!(err, AppError::Usage(_)), "{id:?}: {err}");
        }
        assert_eq!(c.store().head().unwrap(), 0);
    }
}
