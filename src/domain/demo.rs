//! The built-in demo: deterministic, realistic activity of the `bank` and
//! `users` domains for a given seed (the generic driver writes it through the
//! real command bus), with the first fifth of money and registration events
//! re-encoded at legacy schemas so their upcasters run.
//!
//! It speaks only the command language: it keeps its own small model of
//! balances and user statuses to choose commands that make sense.

use rand::Rng;
use rand::rngs::SmallRng;

use super::seed::{SeedCommand, SeedContext, SeedParam, SeedParams, SeedRun, Seeder};
use super::{bank, users};
use crate::es::EventData;

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
    accounts: Vec<Account>,
    users: Vec<User>,
    next_account: u64,
    next_user: u64,
    /// Commands to issue next (last first), each with whether it is a
    /// follow-up of the command before it.
    queue: Vec<(String, bool)>,
    /// Whether the command [`Model::next`] last returned is a follow-up.
    follows: bool,
}

fn amount(cents: i64) -> String {
    if cents % 100 == 0 { format!("{}", cents / 100) } else { format!("{}.{:02}", cents / 100, cents % 100) }
}

fn pick(rng: &mut SmallRng, xs: &[&'static str]) -> &'static str {
    xs[rng.random_range(0..xs.len())]
}

impl Model {
    fn open(&mut self, rng: &mut SmallRng) -> String {
        self.next_account += 1;
        let id = format!("acc-{}", self.next_account);
        let (f, l) = (pick(rng, FIRST), pick(rng, LAST));
        self.accounts.push(Account { id: id.clone(), balance: 0 });
        format!("open {id} {f} {l}")
    }

    fn register(&mut self, rng: &mut SmallRng) -> String {
        self.next_user += 1;
        let id = format!("u-{}", self.next_user);
        let (first, last) = (pick(rng, FIRST), pick(rng, LAST));
        let email = format!("{}.{}@example.com", first.to_lowercase(), last.to_lowercase().replace(' ', ""));
        self.users.push(User { id: id.clone(), first, last, status: Status::Active, roles: Vec::new(), emails: 0 });
        format!("register {id} {email} {first} {last}")
    }

    /// The next command (queued follow-ups first).
    fn next(&mut self, rng: &mut SmallRng) -> String {
        if let Some((c, follows)) = self.queue.pop() {
            self.follows = follows;
            return c;
        }
        self.follows = false;
        let roll = rng.random_range(0..1000);
        let n = self.accounts.len();
        match roll {
            0..350 if n > 0 => {
                let i = rng.random_range(0..n);
                let cents =
                    if rng.random_bool(0.3) { rng.random_range(1..2000) * 100 } else { rng.random_range(100..150_000) };
                self.accounts[i].balance += cents;
                let d = pick(rng, DESCRIPTIONS);
                format!("deposit {} {} {d}", self.accounts[i].id, amount(cents))
            }
            350..570 if n > 0 => {
                let i = rng.random_range(0..n);
                let bal = self.accounts[i].balance;
                if bal <= 0 {
                    return self.next(rng);
                }
                let cents = rng.random_range(1..=bal.min(80_000));
                self.accounts[i].balance -= cents;
                let d = pick(rng, DESCRIPTIONS);
                format!("withdraw {} {} {d}", self.accounts[i].id, amount(cents))
            }
            570..740 if n > 1 => {
                let (a, b) = (rng.random_range(0..n), rng.random_range(0..n));
                let bal = self.accounts[a].balance;
                if a == b || bal <= 0 {
                    return self.next(rng);
                }
                let cents = rng.random_range(1..=bal.min(50_000));
                self.accounts[a].balance -= cents;
                self.accounts[b].balance += cents;
                let d = pick(rng, DESCRIPTIONS);
                format!("transfer {} {} {} {d}", self.accounts[a].id, self.accounts[b].id, amount(cents))
            }
            740..990 if !self.users.is_empty() => self.user_command(rng),
            990..997 if n > 1 => {
                // Close an account: empty it first, then open a replacement
                // (each a follow-up of the one before: one causation chain).
                let i = rng.random_range(0..n);
                let acc = self.accounts.swap_remove(i);
                let open = self.open(rng);
                self.queue.push((open, true));
                self.queue.push((format!("close {} customer request", acc.id), acc.balance > 0));
                if acc.balance > 0 {
                    return format!("withdraw {} {} closing balance", acc.id, amount(acc.balance));
                }
                self.next(rng)
            }
            997..1000 if self.users.len() > 1 => {
                let i = rng.random_range(0..self.users.len());
                let u = self.users.swap_remove(i);
                let reg = self.register(rng);
                self.queue.push((reg, true));
                format!("delete {} account no longer needed", u.id)
            }
            _ if n == 0 => self.open(rng),
            _ => self.next(rng),
        }
    }

    fn user_command(&mut self, rng: &mut SmallRng) -> String {
        let i = rng.random_range(0..self.users.len());
        let dice = rng.random_range(0..10);
        let role = pick(rng, ROLES);
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

/// The built-in demo over `bank` and `users`: options `accounts` (open at a
/// time) and `users` (registered).
#[derive(Debug, Clone, Copy, Default)]
pub struct BuiltinDemo;

/// `--accounts N`.
const ACCOUNTS: SeedParam = SeedParam { name: "accounts", help: "How many accounts are open at a time", default: 12 };
/// `--users N`.
const USERS: SeedParam = SeedParam { name: "users", help: "How many users to register", default: 8 };
static PARAMS: [SeedParam; 2] = [ACCOUNTS, USERS];

impl Seeder for BuiltinDemo {
    fn params(&self) -> &[SeedParam] {
        &PARAMS
    }

    fn start(&self, params: &SeedParams) -> Result<Box<dyn SeedRun>, String> {
        Ok(Box::new(Run {
            model: Model {
                accounts: Vec::new(),
                users: Vec::new(),
                next_account: 0,
                next_user: 0,
                queue: Vec::new(),
                follows: false,
            },
            setup: Some((params.get(&ACCOUNTS), params.get(&USERS))),
            legacy: None,
        }))
    }
}

struct Run {
    model: Model,
    /// Accounts to open and users to register first (drawn on the first call).
    setup: Option<(u64, u64)>,
    /// The schema the last command's events are stored at, if older.
    legacy: Option<u32>,
}

impl SeedRun for Run {
    fn next(&mut self, ctx: &mut SeedContext) -> SeedCommand {
        if let Some((accounts, users)) = self.setup.take() {
            let rng = ctx.rng();
            let mut setup: Vec<(String, bool)> = (0..accounts).map(|_| (self.model.open(rng), false)).collect();
            setup.extend((0..users).map(|_| (self.model.register(rng), false)));
            setup.reverse();
            self.model.queue = setup;
        }
        let line = self.model.next(ctx.rng());
        let at = ctx.spread_time();
        let actor = pick(ctx.rng(), ACTORS).to_owned();
        // The first fifth at legacy schemas: 70% v1, else v2.
        let early = ctx.written() < ctx.target() / 5;
        self.legacy = early.then(|| if ctx.rng().random_bool(0.7) { 1 } else { 2 });
        SeedCommand { line, actor, recorded_at: Some(at) }
    }

    fn follows_previous(&self) -> bool {
        self.model.follows
    }

    fn encode(&mut self, event: EventData) -> EventData {
        match self.legacy {
            Some(v) => bank::upcast::legacy(&event, v).or_else(|| users::upcast::legacy(&event, v)).unwrap_or(event),
            None => event,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a failed unwrap is the failure report
mod tests {
    use super::*;

    #[test]
    fn declared_options_take_their_defaults_and_given_values() {
        let p = SeedParams::new([("accounts".to_owned(), 3)]);
        assert_eq!((p.get(&ACCOUNTS), p.get(&USERS)), (3, 8));
        assert_eq!(BuiltinDemo.params().iter().map(|p| p.name).collect::<Vec<_>>(), ["accounts", "users"]);
    }

    #[test]
    fn the_first_commands_open_the_accounts_then_register_the_users() {
        let mut run =
            BuiltinDemo.start(&SeedParams::new([("accounts".to_owned(), 2), ("users".to_owned(), 1)])).unwrap();
        let mut ctx = SeedContext::new(1, 100);
        let words: Vec<String> =
            (0..3).map(|_| run.next(&mut ctx).line.split(' ').next().unwrap().to_owned()).collect();
        assert_eq!(words, ["open", "open", "register"]);
    }
}
