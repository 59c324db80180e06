//! The demo driver: seeds an empty store with the activity of the
//! registry's [`Seeder`](crate::domain::Seeder), written through the real
//! command bus (so every rule and projection runs) in large transactions.
//! What to write is the seeder's business; the same seed writes the same
//! store (event ids are drawn from the run's generator too).

use std::sync::Arc;

use rand::RngCore;

use super::bus::{self, ExecOptions, StateCache};
use super::{AppError, Chronicle, projector};
use crate::domain::{SeedContext, SeedParams};
use crate::es::Event;
#[cfg(test)]
use crate::es::StoredEvent;

/// Events written per transaction (and projected together).
const BATCH: usize = 10_000;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOptions {
    /// Events to write (at least).
    pub events: u64,
    /// Random seed: the same seed gives the same store.
    pub seed: u64,
    /// The seeder's own options by name (the rest take their defaults).
    pub params: SeedParams,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self { events: 2_000, seed: 42, params: SeedParams::default() }
    }
}

/// What the demo wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoSummary {
    /// Events written.
    pub events: u64,
    /// Commands executed.
    pub commands: u64,
}

/// The message for a registry without a seeder.
pub const NO_SEEDER: &str = "this registry has no seeder: `demo` needs one (see `Registry::with_seeder`)";

impl Chronicle {
    /// Seeds an empty store with the registry's demo activity.
    ///
    /// # Errors
    /// [`AppError::Usage`] if the registry has no seeder, an option is not
    /// one of the seeder's, the seeder refuses the options, or the store
    /// already has events; a command line the registry cannot parse; store
    /// failures.
    pub fn demo(&mut self, opts: DemoOptions, progress: &mut dyn FnMut(u64, u64)) -> Result<DemoSummary, AppError> {
        let DemoOptions { events, seed, params } = opts;
        let registry = Arc::clone(&self.registry);
        let seeder = registry.seeder().ok_or_else(|| AppError::Usage(NO_SEEDER.to_owned()))?;
        if let Some(unknown) = params.names().find(|n| seeder.params().iter().all(|p| p.name != *n)) {
            let known: Vec<&str> = seeder.params().iter().map(|p| p.name).collect();
            return Err(AppError::Usage(format!(
                "the seeder has no option `{}` (it has: {})",
                crate::domain::registry::sanitize(unknown),
                if known.is_empty() { "none".to_owned() } else { known.join(", ") }
            )));
        }
        let head = self.store.head()?;
        if head > 0 {
            return Err(AppError::Usage(format!(
                "{} already holds {head} events: the demo seeds an empty store (use another --db)",
                self.store.path().display()
            )));
        }
        let mut run = seeder.start(&params).map_err(AppError::Usage)?;
        let target = events.max(1);
        let mut ctx = SeedContext::new(seed, target);
        let config = self.config;
        let mut cache = StateCache::default();
        let mut commands = 0u64;
        // The last command's correlation and last event: what a follow-up joins.
        let mut cause: Option<(String, String)> = None;
        while ctx.written() < target {
            self.store.write(|tx| {
                let mut recent: Vec<Event> = Vec::new();
                while ctx.written() < target && recent.len() < BATCH {
                    let seed = run.next(&mut ctx);
                    let at = seed.recorded_at.unwrap_or_else(|| ctx.spread_time());
                    let ms = u64::try_from(at.timestamp_millis()).unwrap_or(0);
                    let (correlation_id, causation_id) = match cause.take() {
                        Some((corr, event)) if run.follows_previous() => (Some(corr), Some(event)),
                        _ => (None, None),
                    };
                    let opts = ExecOptions {
                        actor: seed.actor,
                        source: "demo".to_owned(),
                        correlation_id,
                        causation_id,
                        recorded_at: Some(at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
                        ..ExecOptions::default()
                    };
                    let cmd = registry.parse(&seed.line).map_err(AppError::Parse)?;
                    let mut rand_bytes = [0u8; 10];
                    let rng = ctx.rng();
                    let mut next_id = || {
                        rng.fill_bytes(&mut rand_bytes);
                        uuid::Builder::from_unix_timestamp_millis(ms, &rand_bytes).into_uuid().to_string()
                    };
                    let encode = &mut |e| run.encode(e);
                    match bus::execute_encoding(
                        tx,
                        &registry,
                        config,
                        cmd.as_ref(),
                        &opts,
                        &mut next_id,
                        Some(&mut cache),
                        encode,
                    ) {
                        Ok(out) => {
                            ctx.advance(out.events.len() as u64);
                            commands += 1;
                            recent.extend(out.upcast);
                            if let Some(last) = out.events.last() {
                                let corr = opts.correlation_id.unwrap_or(out.command_id);
                                cause = Some((corr, last.event_id.clone()));
                            }
                        }
                        Err(AppError::Rejected(why)) => {
                            tracing::debug!(line = %seed.line, %why, "demo command rejected");
                        }
                        Err(e) => return Err(e),
                    }
                }
                projector::catch_up(tx, &registry, &recent)?;
                Ok::<_, AppError>(())
            })?;
            progress(ctx.written(), target);
        }
        Ok(DemoSummary { events: ctx.written(), commands })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Mode;

    fn export(seed: u64) -> (String, u64) {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Chronicle::open(&dir.path().join("d.db"), Mode::Write, crate::domain::Registry::builtin()).unwrap();
        let s = c.demo(DemoOptions { events: 400, seed, ..DemoOptions::default() }, &mut |_, _| {}).unwrap();
        let mut out = Vec::new();
        c.export(&mut out, &mut |_, _| {}).unwrap();
        (String::from_utf8(out).unwrap(), s.events)
    }

    #[test]
    fn the_same_seed_writes_the_same_store() {
        let (a, n) = export(7);
        assert!(n >= 400);
        assert_eq!(a, export(7).0);
        assert_ne!(a, export(8).0);
    }

    #[test]
    fn the_first_fifth_is_written_at_legacy_schemas_and_refuses_a_second_run() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Chronicle::open(&dir.path().join("d.db"), Mode::Write, crate::domain::Registry::builtin()).unwrap();
        c.demo(DemoOptions { events: 500, ..DemoOptions::default() }, &mut |_, _| {}).unwrap();
        let events = c.store().read_range(1, 500).unwrap();
        let legacy = |e: &StoredEvent| {
            matches!(e.event_type.as_str(), "MoneyDeposited" | "MoneyWithdrawn") && e.schema_version < 3
                || e.event_type == "UserRegistered" && e.schema_version == 1
        };
        assert!(events[..100].iter().filter(|e| legacy(e)).count() > 20);
        assert_eq!(events[110..].iter().filter(|e| legacy(e)).count(), 0);
        let err = c.demo(DemoOptions::default(), &mut |_, _| {}).unwrap_err();
        assert!(err.to_string().contains("already holds"), "{err}");
    }
}
