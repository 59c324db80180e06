//! Seeding: how a registry fills an empty store with demo activity.
//!
//! A [`Seeder`] belongs to the domains it speaks for (the built-in one is
//! [`crate::domain::demo::BuiltinDemo`]); the generic driver
//! (`Chronicle::demo`, `chronicle demo`) asks it for one command at a time
//! and executes them through the real command bus in large transactions, so
//! every rule and read model runs. The driver owns the random number
//! generator ([`SeedContext::rng`]) and draws event ids from it too: the same
//! seed writes the same store, ids and hashes included.
//!
//! A seeder declares its own options ([`Seeder::params`]); the CLI shows each
//! as `demo --NAME N`.

pub use chrono;
use chrono::{DateTime, Duration, TimeZone, Utc};
pub use rand;
use rand::Rng;
use rand::rngs::SmallRng;

use crate::es::EventData;

/// An option of a seeder: a whole number with a default (`--accounts 12`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedParam {
    /// Its name, as the CLI option (`accounts` → `--accounts`). The
    /// driver's own names (`events`, `seed`, `no-tui`, `db`, `help`,
    /// `version`) are not offered on the command line.
    pub name: &'static str,
    /// One line for `demo --help`.
    pub help: &'static str,
    /// The value when not given.
    pub default: u64,
}

/// The values of a seeder's options for one run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedParams {
    values: Vec<(String, u64)>,
}

impl SeedParams {
    /// Values given by name; the rest take their defaults.
    #[must_use]
    pub fn new(values: impl IntoIterator<Item = (String, u64)>) -> Self {
        Self { values: values.into_iter().collect() }
    }

    /// The value of `param`: given, else its default.
    #[must_use]
    pub fn get(&self, param: &SeedParam) -> u64 {
        self.values.iter().rev().find(|(n, _)| n == param.name).map_or(param.default, |(_, v)| *v)
    }

    /// The names given.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.values.iter().map(|(n, _)| n.as_str())
    }
}

/// One command for the driver to execute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedCommand {
    /// A line of the registry's command language.
    pub line: String,
    /// Who issues it (`metadata.actor`).
    pub actor: String,
    /// When it is recorded; `None`: [`SeedContext::spread_time`].
    pub recorded_at: Option<DateTime<Utc>>,
}

/// What the driver offers a seeder while it generates: the run's random
/// number generator and how far the run has come.
#[derive(Debug)]
pub struct SeedContext {
    rng: SmallRng,
    written: u64,
    target: u64,
}

impl SeedContext {
    /// A context for a run of `target` events from `seed`.
    #[must_use]
    pub fn new(seed: u64, target: u64) -> Self {
        Self { rng: rand::SeedableRng::seed_from_u64(seed), written: 0, target: target.max(1) }
    }

    /// The run's generator (seeded from `--seed`).
    pub fn rng(&mut self) -> &mut SmallRng {
        &mut self.rng
    }

    /// Events written so far.
    #[must_use]
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Events the run writes (at least).
    #[must_use]
    pub fn target(&self) -> u64 {
        self.target
    }

    /// Counts `n` more events written (the driver calls this).
    pub fn advance(&mut self, n: u64) {
        self.written += n;
    }

    /// The default recording time: the run spread evenly over 90 days from
    /// 2025-01-01 (never the wall clock, so a seed writes the same store on
    /// any day), plus up to a second of jitter drawn from [`Self::rng`].
    pub fn spread_time(&mut self) -> DateTime<Utc> {
        let start: DateTime<Utc> = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).single().unwrap_or_default();
        let span_ms = Duration::days(90).num_milliseconds();
        let offset =
            i64::try_from(u128::from(self.written) * u128::from(span_ms.unsigned_abs()) / u128::from(self.target))
                .unwrap_or(0);
        start + Duration::milliseconds(offset + self.rng.random_range(0..1000))
    }
}

/// A seeder: the demo activity of a registry's domains.
pub trait Seeder: Send + Sync {
    /// Its options (shown by `demo --help` as `--NAME N`).
    fn params(&self) -> &[SeedParam] {
        &[]
    }

    /// Starts one run with these option values.
    ///
    /// # Errors
    /// A one-line reason when the values cannot make a run (e.g. zero accounts).
    fn start(&self, params: &SeedParams) -> Result<Box<dyn SeedRun>, String>;
}

/// One run of a seeder: its own model of what exists, to choose commands
/// that make sense.
pub trait SeedRun {
    /// The next command. A command the rules reject is skipped (the driver
    /// logs it), so a model that drifts from the store costs only time.
    fn next(&mut self, ctx: &mut SeedContext) -> SeedCommand;

    /// Whether the command [`Self::next`] just returned is a follow-up of
    /// the one before it (issued because of what that one recorded, as a
    /// process manager would): the driver records it in the same
    /// correlation, caused by the previous command's last event, so
    /// `log --correlation ID --tree` shows the chain. A follow-up of a
    /// rejected command starts its own correlation. The default: none is.
    fn follows_previous(&self) -> bool {
        false
    }

    /// An event the last command decided (at its latest schema), as it is to
    /// be stored: the seeder may re-encode it at an older schema version so
    /// the store holds legacy events for the upcasters to read. The default
    /// stores it as decided.
    fn encode(&mut self, event: EventData) -> EventData {
        event
    }
}
