//! The demo generator: deterministic, realistic activity for a given seed,
//! written through the real command bus (so every rule and projection runs),
//! in large transactions, with timestamps spread over 90 days from a fixed
//! 2025-01-01 (the same seed writes the same store on any day) and the first
//! fifth of money and registration events at legacy schemas.
//!
//! It speaks only the command language: it keeps its own small model of
//! balances and user statuses to choose commands that make sense.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use rand::rngs::SmallRng;
use rand::{Rng, RngCore, SeedableRng};

use super::bus::{self, ExecOptions, StateCache};
use super::{AppError, Chronicle, projector};
use crate::es::Event;
#[cfg(test)]
use crate::es::StoredEvent;

const FIRST: &[&str] = &[
    "Ada",
    "Grace",
    "Alan",
    "Barbara",
    "Edsger",
    "Margaret",
    "Donald",
    "Frances",
    "Dennis",
    "Radia",
    "Ken",
    "Hedy",
    "John",
    "Katherine",
    "Linus",
    "Sophie",
    "Tim",
    "Annie",
    "Niklaus",
    "Shafi",
    "Leslie",
    "Joan",
    "Claude",
    "Mary",
    "Guido",
    "Karen",
    "Bjarne",
    "Adele",
    "Robin",
    "Evelyn",
];
const LAST: &[&str] = &[
    "Lovelace",
    "Hopper",
    "Turing",
    "Liskov",
    "Dijkstra",
    "Hamilton",
    "Knuth",
    "Allen",
    "Ritchie",
    "Perlman",
    "Thompson",
    "Lamarr",
    "McCarthy",
    "Johnson",
    "Torvalds",
    "Wilson",
    "Berners-Lee",
    "Easley",
    "Wirth",
    "Goldwasser",
    "Lamport",
    "Clarke",
    "Shannon",
    "Keller",
    "van Rossum",
    "Spärck Jones",
    "Stroustrup",
    "Goldberg",
    "Milner",
    "Boyd Granville",
];
const ACTORS: &[&str] =
    &["teller:ada", "teller:grace", "ops:linus", "system:payroll", "support:margaret", "audit:barbara"];
const ROLES: &[&str] = &["admin", "auditor", "teller", "support", "developer"];
const DESCRIPTIONS: &[&str] =
    &["salary", "rent", "groceries", "coffee", "refund", "invoice 1042", "gift", "utilities", "savings", "books"];

/// Events written per transaction (and projected together).
const BATCH: usize = 10_000;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoOptions {
    /// Events to write (at least).
    pub events: u64,
    /// Accounts open at any time.
    pub accounts: u64,
    /// Registered users.
    pub users: u64,
    /// Random seed: the same seed gives the same store (times from 2025-01-01 on).
    pub seed: u64,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self { events: 2_000, accounts: 12, users: 8, seed: 42 }
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

struct Account {
    id: String,
    balance: i64,
}

#[derive(PartialEq, Eq)]
enum Status {
    Active,
    Suspended,
}

struct User {
    id: String,
    first: &'static str,
    last: &'static str,
    status: Status,
    roles: Vec<&'static str>,
    emails: u32,
}

struct Model {
    rng: SmallRng,
    accounts: Vec<Account>,
    users: Vec<User>,
    next_account: u64,
    next_user: u64,
    queue: Vec<String>,
}

fn amount(cents: i64) -> String {
    if cents % 100 == 0 { format!("{}", cents / 100) } else { format!("{}.{:02}", cents / 100, cents % 100) }
}

impl Model {
    fn pick(&mut self, xs: &[&'static str]) -> &'static str {
        xs[self.rng.random_range(0..xs.len())]
    }

    fn open(&mut self) -> String {
        self.next_account += 1;
        let id = format!("acc-{}", self.next_account);
        let (f, l) = (self.pick(FIRST), self.pick(LAST));
        self.accounts.push(Account { id: id.clone(), balance: 0 });
        format!("open {id} {f} {l}")
    }

    fn register(&mut self) -> String {
        self.next_user += 1;
        let id = format!("u-{}", self.next_user);
        let (first, last) = (self.pick(FIRST), self.pick(LAST));
        let email = format!("{}.{}@example.com", first.to_lowercase(), last.to_lowercase().replace(' ', ""));
        self.users.push(User { id: id.clone(), first, last, status: Status::Active, roles: Vec::new(), emails: 0 });
        format!("register {id} {email} {first} {last}")
    }

    fn description(&mut self) -> &'static str {
        self.pick(DESCRIPTIONS)
    }

    /// The next command (queued follow-ups first).
    fn next(&mut self) -> String {
        if let Some(c) = self.queue.pop() {
            return c;
        }
        let roll = self.rng.random_range(0..1000);
        let n = self.accounts.len();
        match roll {
            0..350 if n > 0 => {
                let i = self.rng.random_range(0..n);
                let cents = if self.rng.random_bool(0.3) {
                    self.rng.random_range(1..2000) * 100
                } else {
                    self.rng.random_range(100..150_000)
                };
                self.accounts[i].balance += cents;
                let d = self.description();
                format!("deposit {} {} {d}", self.accounts[i].id, amount(cents))
            }
            350..570 if n > 0 => {
                let i = self.rng.random_range(0..n);
                let bal = self.accounts[i].balance;
                if bal <= 0 {
                    return self.next();
                }
                let cents = self.rng.random_range(1..=bal.min(80_000));
                self.accounts[i].balance -= cents;
                let d = self.description();
                format!("withdraw {} {} {d}", self.accounts[i].id, amount(cents))
            }
            570..740 if n > 1 => {
                let (a, b) = (self.rng.random_range(0..n), self.rng.random_range(0..n));
                let bal = self.accounts[a].balance;
                if a == b || bal <= 0 {
                    return self.next();
                }
                let cents = self.rng.random_range(1..=bal.min(50_000));
                self.accounts[a].balance -= cents;
                self.accounts[b].balance += cents;
                let d = self.description();
                format!("transfer {} {} {} {d}", self.accounts[a].id, self.accounts[b].id, amount(cents))
            }
            740..990 if !self.users.is_empty() => self.user_command(),
            990..997 if n > 1 => {
                // Close an account: empty it first, then open a replacement.
                let i = self.rng.random_range(0..n);
                let acc = self.accounts.swap_remove(i);
                let open = self.open();
                self.queue.push(open);
                self.queue.push(format!("close {} customer request", acc.id));
                if acc.balance > 0 {
                    return format!("withdraw {} {} closing balance", acc.id, amount(acc.balance));
                }
                self.next()
            }
            997..1000 if self.users.len() > 1 => {
                let i = self.rng.random_range(0..self.users.len());
                let u = self.users.swap_remove(i);
                let reg = self.register();
                self.queue.push(reg);
                format!("delete {} account no longer needed", u.id)
            }
            _ if n == 0 => self.open(),
            _ => self.next(),
        }
    }

    fn user_command(&mut self) -> String {
        let i = self.rng.random_range(0..self.users.len());
        let dice = self.rng.random_range(0..10);
        let role = self.pick(ROLES);
        let u = &mut self.users[i];
        match dice {
            0..3 => {
                u.emails += 1;
                let email = format!(
                    "{}.{}{}@example.org",
                    u.first.to_lowercase(),
                    u.last.to_lowercase().replace(' ', ""),
                    u.emails
                );
                format!("change-email {} {email}", u.id)
            }
            3..5 if u.status == Status::Active => {
                u.status = Status::Suspended;
                format!("suspend {} suspicious login", u.id)
            }
            3..5 => {
                u.status = Status::Active;
                format!("reactivate {}", u.id)
            }
            _ if u.roles.contains(&role) => {
                u.roles.retain(|r| *r != role);
                format!("revoke {} {role}", u.id)
            }
            _ => {
                u.roles.push(role);
                format!("grant {} {role}", u.id)
            }
        }
    }
}

impl Chronicle {
    /// Seeds an empty store with demo activity.
    ///
    /// # Errors
    /// [`AppError::Usage`] if the store already has events; store failures.
    pub fn demo(&mut self, opts: DemoOptions, progress: &mut dyn FnMut(u64, u64)) -> Result<DemoSummary, AppError> {
        let head = self.store.head()?;
        if head > 0 {
            return Err(AppError::Usage(format!(
                "{} already holds {head} events: the demo seeds an empty store (use another --db)",
                self.store.path().display()
            )));
        }
        let mut model = Model {
            rng: SmallRng::seed_from_u64(opts.seed),
            accounts: Vec::new(),
            users: Vec::new(),
            next_account: 0,
            next_user: 0,
            queue: Vec::new(),
        };
        let mut setup: Vec<String> = (0..opts.accounts).map(|_| model.open()).collect();
        setup.extend((0..opts.users).map(|_| model.register()));
        setup.reverse();
        model.queue = setup;

        // A fixed start, not the wall clock: the same seed writes the same
        // store (times, ids, hashes) on any day.
        let start = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).single().unwrap_or_default();
        let span_ms = Duration::days(90).num_milliseconds();
        let target = opts.events.max(1);
        let registry = Arc::clone(&self.registry);
        let config = self.config;
        let mut cache = StateCache::default();
        let (mut written, mut commands) = (0u64, 0u64);
        while written < target {
            self.store.write(|tx| {
                let mut recent: Vec<Event> = Vec::new();
                while written < target && recent.len() < BATCH {
                    let line = model.next();
                    let offset =
                        i64::try_from(u128::from(written) * u128::from(span_ms.unsigned_abs()) / u128::from(target))
                            .unwrap_or(0);
                    let at = start + Duration::milliseconds(offset + model.rng.random_range(0..1000));
                    let ms = u64::try_from(at.timestamp_millis()).unwrap_or(0);
                    let opts = ExecOptions {
                        actor: model.pick(ACTORS).to_owned(),
                        source: "demo".to_owned(),
                        recorded_at: Some(at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
                        legacy: (written < target / 5).then(|| if model.rng.random_bool(0.7) { 1 } else { 2 }),
                        ..ExecOptions::default()
                    };
                    let mut rand_bytes = [0u8; 10];
                    let cmd = registry.parse(&line).map_err(AppError::Parse)?;
                    let rng = &mut model.rng;
                    let mut next_id = || {
                        rng.fill_bytes(&mut rand_bytes);
                        uuid::Builder::from_unix_timestamp_millis(ms, &rand_bytes).into_uuid().to_string()
                    };
                    match bus::execute_in(tx, &registry, config, cmd.as_ref(), &opts, &mut next_id, Some(&mut cache)) {
                        Ok(out) => {
                            written += out.events.len() as u64;
                            commands += 1;
                            recent.extend(out.upcast);
                        }
                        Err(AppError::Rejected(why)) => tracing::debug!(%line, %why, "demo command rejected"),
                        Err(e) => return Err(e),
                    }
                }
                projector::catch_up(tx, &registry, &recent)?;
                Ok::<_, AppError>(())
            })?;
            progress(written, target);
        }
        Ok(DemoSummary { events: written, commands })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Mode;

    fn export(seed: u64) -> (String, u64) {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Chronicle::open(&dir.path().join("d.db"), Mode::Write).unwrap();
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
        let mut c = Chronicle::open(&dir.path().join("d.db"), Mode::Write).unwrap();
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
