//! Bring your own domain, through the library's entry points only.
//!
//! This file is written as a user's crate would be: a tiny domain of its own
//! (counters), in a registry, handed to `chronicle::cli::run` by a `main` of
//! a few lines, using only the public API. It runs without the test
//! harness (`harness = false`): with `ENTRY_POINTS_REGISTRY` set, this
//! program *is* that user's binary; without it, it runs the tests below,
//! which drive that binary as a user would (`assert_cmd`-style, real SQLite
//! files in temporary directories).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::missing_panics_doc)]

use std::path::{Path, PathBuf};
use std::process::{Command as Process, ExitCode, Output, Stdio};

use chronicle::domain::seed::rand::Rng;
use chronicle::domain::{
    ArgKind, Command, CommandHelp, Domain, Registry, Rejection, SeedCommand, SeedContext, SeedParam, SeedParams,
    SeedRun, Seeder, Target,
};
use chronicle::es::aggregate::{AggregateKind, EventSchema, Violation, payload};
use chronicle::es::{Aggregate, DynState, Event, EventData, Projection, Upcaster};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------
// The user's domain: counters that are created, then added to.

/// A counter's state.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Counter {
    created: bool,
    value: i64,
}

/// Its events, typed.
enum CounterEvent {
    Created,
    Added(i64),
}

impl Aggregate for Counter {
    const STREAM_TYPE: &'static str = "Counter";
    const STATE_VERSION: u32 = 1;
    const EVENTS: &'static [EventSchema] = &[
        EventSchema { event_type: "CounterCreated", latest: 1 },
        EventSchema { event_type: "CounterAdded", latest: 1 },
    ];
    type Event<'a> = CounterEvent;

    fn decode(event: &Event) -> Result<CounterEvent, Violation> {
        #[derive(Deserialize)]
        struct Added {
            by: i64,
        }
        if event.event_type == "CounterCreated" {
            return Ok(CounterEvent::Created);
        }
        payload::<Added>(event).map(|a| CounterEvent::Added(a.by))
    }

    fn check(&self, stream_id: &str, event: &CounterEvent) -> Result<(), Violation> {
        match event {
            CounterEvent::Created if self.created => Err(Violation::new("exists", format!("{stream_id} exists"))),
            CounterEvent::Added(_) if !self.created => {
                Err(Violation::new("no-counter", format!("{stream_id} was never created")))
            }
            _ => Ok(()),
        }
    }

    fn evolve(&mut self, event: &CounterEvent) {
        match event {
            CounterEvent::Created => self.created = true,
            CounterEvent::Added(by) => self.value += by,
        }
    }
}

#[derive(Debug)]
enum CounterCommand {
    Create(String),
    Add(String, i64),
}

impl Command for CounterCommand {
    fn targets(&self) -> Vec<Target> {
        let (CounterCommand::Create(id) | CounterCommand::Add(id, _)) = self;
        vec![Target { stream_id: id.clone(), stream_type: Counter::STREAM_TYPE }]
    }

    fn decide(&self, states: &[&dyn DynState]) -> Result<Vec<(usize, EventData)>, Rejection> {
        let counter = states[0].as_any().downcast_ref::<Counter>().ok_or_else(|| Rejection("not a counter".into()))?;
        match self {
            CounterCommand::Create(id) if counter.created => Err(Rejection(format!("{id} exists"))),
            CounterCommand::Create(_) => Ok(vec![(0, EventData::new("CounterCreated", 1, json!({})))]),
            CounterCommand::Add(id, _) if !counter.created => Err(Rejection(format!("{id} was never created"))),
            CounterCommand::Add(_, by) => Ok(vec![(0, EventData::new("CounterAdded", 1, json!({ "by": by })))]),
        }
    }
}

static COMMANDS: [CommandHelp; 2] = [
    CommandHelp { word: "create", usage: "create <counter>", args: &[ArgKind::NewId("Counter")] },
    CommandHelp { word: "add", usage: "add <counter> <n>", args: &[ArgKind::StreamId("Counter"), ArgKind::Word] },
];

struct Counters;

impl Domain for Counters {
    fn name(&self) -> &'static str {
        "counters"
    }
    fn aggregates(&self) -> Vec<AggregateKind> {
        vec![AggregateKind::of::<Counter>()]
    }
    fn commands(&self) -> &'static [CommandHelp] {
        &COMMANDS
    }
    fn parse(&self, word: &str, args: &[&str]) -> Option<Result<Box<dyn Command>, String>> {
        let parsed = match (word, args) {
            ("create", [id]) => Ok(CounterCommand::Create((*id).to_owned())),
            ("add", [id, n]) => n
                .parse()
                .map(|n| CounterCommand::Add((*id).to_owned(), n))
                .map_err(|_| format!("`{n}` is not a whole number")),
            ("create" | "add", _) => Err("wrong number of arguments".to_owned()),
            _ => return None,
        };
        Some(parsed.map(|c| Box::new(c) as Box<dyn Command>))
    }
    fn upcasters(&self) -> Vec<Upcaster> {
        Vec::new()
    }
    fn projections(&self) -> Vec<Box<dyn Projection>> {
        Vec::new()
    }
}

/// The user's seeder: `--counters N` counters, then random additions.
struct CounterSeeder;

const COUNTERS: SeedParam = SeedParam { name: "counters", help: "How many counters to create", default: 3 };

impl Seeder for CounterSeeder {
    fn params(&self) -> &[SeedParam] {
        std::slice::from_ref(&COUNTERS)
    }
    fn start(&self, params: &SeedParams) -> Result<Box<dyn SeedRun>, String> {
        match params.get(&COUNTERS) {
            0 => Err("--counters must be at least 1".to_owned()),
            n => Ok(Box::new(CounterRun { counters: n, created: 0 })),
        }
    }
}

struct CounterRun {
    counters: u64,
    created: u64,
}

impl SeedRun for CounterRun {
    fn next(&mut self, ctx: &mut SeedContext) -> SeedCommand {
        let line = if self.created < self.counters {
            self.created += 1;
            format!("create c-{}", self.created)
        } else {
            let i = ctx.rng().random_range(1..=self.counters);
            format!("add c-{i} {}", ctx.rng().random_range(1..10))
        };
        SeedCommand { line, actor: "seeder".to_owned(), recorded_at: None }
    }
}

fn counters() -> Registry {
    Registry::new(vec![Box::new(Counters)])
}

// ---------------------------------------------------------------------------
// The user's `main`, and the tests that drive it.

const AS_BINARY: &str = "ENTRY_POINTS_REGISTRY";

fn main() -> ExitCode {
    match std::env::var(AS_BINARY).as_deref() {
        Ok("seeded") => return chronicle::cli::run(counters().with_seeder(CounterSeeder)),
        Ok("plain") => return chronicle::cli::run(counters()),
        _ => {}
    }
    let tests: [(&str, fn()); 6] = [
        ("every_subcommand_runs_on_a_user_domain", every_subcommand_runs_on_a_user_domain),
        ("the_built_in_words_are_not_there", the_built_in_words_are_not_there),
        ("demo_runs_the_registry_seeder_with_its_own_options", demo_runs_the_registry_seeder_with_its_own_options),
        ("without_a_seeder_demo_says_so", without_a_seeder_demo_says_so),
        ("the_tui_session_speaks_the_user_domain", the_tui_session_speaks_the_user_domain),
        ("the_built_in_binary_keeps_its_demo_options", the_built_in_binary_keeps_its_demo_options),
    ];
    let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let mut failed = Vec::new();
    for (name, test) in tests {
        if !filter.is_empty() && !filter.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        let ok = std::panic::catch_unwind(test).is_ok();
        println!("test {name} ... {}", if ok { "ok" } else { "FAILED" });
        if !ok {
            failed.push(name);
        }
    }
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        println!("failed: {}", failed.join(", "));
        ExitCode::FAILURE
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Self {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    fn expect(self, code: i32, what: &str) -> Self {
        assert!(!self.stderr.contains("panicked"), "{what}: panicked:\n{}", self.stderr);
        assert_eq!(self.code, code, "{what}: exit status\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }
}

/// Runs this program as the user's binary over `registry` (`seeded` or `plain`).
fn user_bin(registry: &str, db: &Path, args: &[&str]) -> Run {
    let mut p = Process::new(std::env::current_exe().unwrap());
    p.env(AS_BINARY, registry)
        .env_remove("CHRONICLE_DB")
        .env("USER", "tester")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .arg("--db")
        .arg(db)
        .args(args);
    p.output().unwrap().into()
}

fn builtin_bin(db: &Path, args: &[&str]) -> Run {
    let mut p = Process::new(env!("CARGO_BIN_EXE_chronicle"));
    p.env_remove("CHRONICLE_DB").env("USER", "tester").stdin(Stdio::null()).arg("--db").arg(db).args(args);
    p.output().unwrap().into()
}

fn temp_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.db");
    (dir, db)
}

fn json_lines(text: &str) -> Vec<Value> {
    text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn every_subcommand_runs_on_a_user_domain() {
    let (dir, db) = temp_db();
    let u = |args: &[&str]| user_bin("plain", &db, args);
    u(&["exec", "create c-1"]).expect(0, "create");
    let added = u(&["exec", "add c-1 5", "--json", "--actor", "ada"]).expect(0, "add");
    let added = json_lines(&added.stdout);
    assert_eq!(added.len(), 1);
    assert_eq!((added[0]["event_type"].as_str(), added[0]["payload"]["by"].as_i64()), (Some("CounterAdded"), Some(5)));
    u(&["exec", "add c-1 2"]).expect(0, "add again");

    // The domain's rules refuse, with its reason; nothing is recorded.
    let refused = u(&["exec", "add c-9 1"]).expect(1, "add to a counter never created");
    assert!(refused.stderr.contains("c-9 was never created"), "{}", refused.stderr);
    let bad = u(&["exec", "add c-1 many"]).expect(1, "a malformed number");
    assert!(bad.stderr.contains("`many` is not a whole number") && bad.stderr.contains("usage: add <counter> <n>"));

    let log = json_lines(&u(&["log", "--json"]).expect(0, "log").stdout);
    let types: Vec<&str> = log.iter().map(|e| e["event_type"].as_str().unwrap()).collect();
    assert_eq!(types, ["CounterCreated", "CounterAdded", "CounterAdded"]);
    assert_eq!(log[1]["metadata"]["actor"], "ada");

    let state = |at: &str| -> Value {
        let out = u(&["state", "--stream", "c-1", "--at", at, "--json"]).expect(0, "state");
        serde_json::from_str(&out.stdout).unwrap()
    };
    assert_eq!(state("3")["state"], json!({"created": true, "value": 7}));
    assert_eq!(state("2")["state"], json!({"created": true, "value": 5}));
    assert_eq!(state("3")["stream_type"], "Counter");

    let verified = u(&["verify"]).expect(0, "verify");
    assert!(verified.stdout.starts_with("ok: 3 events in 1 streams"), "{}", verified.stdout);
    u(&["rebuild"]).expect(0, "rebuild");

    let export = dir.path().join("c.jsonl");
    u(&["export", "--out", export.to_str().unwrap()]).expect(0, "export");
    let copy = dir.path().join("copy.db");
    user_bin("plain", &copy, &["import", export.to_str().unwrap()]).expect(0, "import");
    let again = user_bin("plain", &copy, &["export"]).expect(0, "export of the copy");
    assert_eq!(again.stdout, std::fs::read_to_string(&export).unwrap(), "export → import → export is identical");
    // The copy obeys the same rules.
    user_bin("plain", &copy, &["exec", "create c-1"]).expect(1, "create twice");
}

fn the_built_in_words_are_not_there() {
    let (_dir, db) = temp_db();
    let out = user_bin("plain", &db, &["exec", "open acc-1 Ada Lovelace"]).expect(1, "a bank word");
    assert!(out.stderr.contains("unknown command `open`: expected one of create, add"), "{}", out.stderr);
    let empty = user_bin("plain", &db, &["exec", " "]).expect(1, "an empty command");
    assert!(empty.stderr.contains("such as `create <counter>`"), "{}", empty.stderr);
    let help = user_bin("plain", &db, &["exec", "--help"]).expect(0, "exec --help");
    assert!(!help.stdout.contains("deposit") && !help.stdout.contains("acc-1"), "{}", help.stdout);
}

fn demo_runs_the_registry_seeder_with_its_own_options() {
    let (dir, db) = temp_db();
    let help = user_bin("seeded", &db, &["demo", "--help"]).expect(0, "demo --help");
    assert!(help.stdout.contains("--counters <N>") && help.stdout.contains("How many counters to create [default: 3]"));
    assert!(!help.stdout.contains("--accounts"), "{}", help.stdout);

    user_bin("seeded", &db, &["demo", "--no-tui", "--events", "40", "--counters", "2", "--seed", "9"])
        .expect(0, "demo");
    let log = json_lines(&user_bin("seeded", &db, &["log", "--json"]).expect(0, "log").stdout);
    assert_eq!(log.len(), 40);
    let streams: std::collections::BTreeSet<&str> = log.iter().map(|e| e["stream_id"].as_str().unwrap()).collect();
    assert_eq!(streams.into_iter().collect::<Vec<_>>(), ["c-1", "c-2"]);
    assert!(log.iter().all(|e| e["metadata"]["actor"] == "seeder" && e["metadata"]["source"] == "demo"));
    assert!(log[0]["recorded_at"].as_str().unwrap().starts_with("2025-01-01T"), "{}", log[0]);
    user_bin("seeded", &db, &["verify"]).expect(0, "verify the demo");

    // The same seed writes the same store; another seed another one.
    let export = |db: &Path| user_bin("seeded", db, &["export"]).expect(0, "export").stdout;
    let same = dir.path().join("same.db");
    user_bin("seeded", &same, &["demo", "--no-tui", "--events", "40", "--counters", "2", "--seed", "9"])
        .expect(0, "demo again");
    assert_eq!(export(&db), export(&same));
    let other = dir.path().join("other.db");
    user_bin("seeded", &other, &["demo", "--no-tui", "--events", "40", "--counters", "2", "--seed", "10"])
        .expect(0, "demo, another seed");
    assert_ne!(export(&db), export(&other));

    // Options are the seeder's: the built-in demo's are not, and the
    // seeder's own refusal is a usage error.
    let (_d2, fresh) = temp_db();
    let foreign = user_bin("seeded", &fresh, &["demo", "--no-tui", "--accounts", "3"]).expect(2, "--accounts");
    assert!(foreign.stderr.contains("--accounts"), "{}", foreign.stderr);
    let zero = user_bin("seeded", &fresh, &["demo", "--no-tui", "--counters", "0"]).expect(2, "--counters 0");
    assert!(zero.stderr.contains("--counters must be at least 1"), "{}", zero.stderr);
}

fn without_a_seeder_demo_says_so() {
    let (_dir, db) = temp_db();
    let help = user_bin("plain", &db, &["--help"]).expect(0, "--help");
    assert!(help.stdout.contains("this registry has no seeder"), "{}", help.stdout);
    let out = user_bin("plain", &db, &["demo", "--no-tui"]).expect(2, "demo without a seeder");
    assert!(out.stderr.contains("this registry has no seeder"), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(!db.exists(), "nothing is created");
}

fn the_tui_session_speaks_the_user_domain() {
    #[cfg(feature = "tui")]
    {
        use chronicle::tui::Session;
        use chronicle::tui::runtime::render_text;
        let (_dir, db) = temp_db();
        let mut s = Session::open(&db, counters()).unwrap();
        s.start().unwrap();
        let words: Vec<&str> = s.app.commands.iter().map(|c| c.word).collect();
        assert_eq!(words, ["create", "add"]);
        let screen = render_text(&s.app, 100, 30);
        assert!(screen.contains("create <counter>"), "{screen}");
        assert!(!screen.contains("seed a demo"), "no seeder, no demo offered:\n{screen}");
        let seeded = Session::open(&db, counters().with_seeder(CounterSeeder)).unwrap();
        assert!(seeded.app.seeder);
    }
}

fn the_built_in_binary_keeps_its_demo_options() {
    let (_dir, db) = temp_db();
    builtin_bin(&db, &["demo", "--no-tui", "--events", "60", "--accounts", "2", "--users", "1"]).expect(0, "demo");
    let log = builtin_bin(&db, &["log", "--json"]).expect(0, "log");
    let log = json_lines(&log.stdout);
    let opened = log.iter().filter(|e| e["event_type"] == "AccountOpened").count();
    let registered = log.iter().filter(|e| e["event_type"] == "UserRegistered").count();
    assert!(opened >= 2 && registered >= 1, "{opened} {registered}");
    assert_eq!((log[0]["stream_id"].as_str(), log[2]["stream_id"].as_str()), (Some("acc-1"), Some("u-1")));
}
