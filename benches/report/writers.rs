//! Issue 11's concurrency row: 8 writer processes (the release binary, one
//! `chronicle exec` per command, each with its own `--command-id`) × 250
//! commands over 20 accounts, on a fresh store. Counted afterwards from
//! `chronicle log --json`: commands that exited 0 but are missing (lost),
//! command ids recorded more than once (duplicated), exits that were
//! neither success nor a domain refusal (errors shown to users), and
//! whether positions run 1..=head without a gap; then `verify --chain`.

use std::collections::HashMap;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use chronicle::app::{Chronicle, ExecOptions, Mode};

use crate::fixture::Engine;
use crate::{Row, verdict};

const ACCOUNTS: u64 = 20;
pub const WRITERS: usize = 8;

/// What the run found.
pub struct Outcome {
    pub commands: usize,
    pub accepted: usize,
    pub refused: usize,
    pub lost: usize,
    pub duplicated: usize,
    pub errors: Vec<String>,
    pub gapless: bool,
    pub chain_ok: bool,
    pub events: usize,
    pub took: Duration,
}

fn chronicle(db: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_chronicle"));
    c.env_remove("CHRONICLE_DB").env("NO_COLOR", "1").arg("--db").arg(db).stdin(Stdio::null());
    c
}

fn run(db: &str, args: &[&str]) -> Output {
    chronicle(db).args(args).output().unwrap()
}

/// The line of command `j` of writer `w` (deterministic: xorshift).
fn line(w: usize, j: usize) -> String {
    let mut x = ((w as u64) << 32 | j as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let (a, cents, kind, other) = (next() % ACCOUNTS, 1 + next() % 15_000, next() % 3, 1 + next() % (ACCOUNTS - 1));
    let money = format!("{}.{:02}", cents / 100, cents % 100);
    match kind {
        0 => format!("deposit a-{a} {money}"),
        1 => format!("withdraw a-{a} {money}"),
        _ => format!("transfer a-{a} a-{} {money}", (a + other) % ACCOUNTS),
    }
}

/// Runs the scenario on the fresh store `db` with `per` commands a writer.
pub fn run_writers(db: &str, per: usize) -> Outcome {
    let mut c = Chronicle::open(db, Mode::Write, chronicle::domain::Registry::builtin()).unwrap();
    let opts = ExecOptions::new("setup", "bench");
    for a in 0..ACCOUNTS {
        c.execute(&format!("open a-{a} Owner {a}"), &opts).unwrap();
        c.execute(&format!("deposit a-{a} 200.00"), &opts).unwrap();
    }
    drop(c);

    let started = Instant::now();
    let results: Vec<(String, i32, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..WRITERS)
            .map(|w| {
                s.spawn(move || {
                    (0..per)
                        .map(|j| {
                            let id = format!("w{w}-{j}");
                            let line = line(w, j);
                            let o = run(db, &["exec", line.as_str(), "--command-id", id.as_str()]);
                            let err = String::from_utf8_lossy(&o.stderr).trim().to_owned();
                            (id, o.status.code().unwrap_or(-1), err)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let took = started.elapsed();

    let log = run(db, &["log", "--json"]);
    assert!(log.status.success(), "log --json: {}", String::from_utf8_lossy(&log.stderr));
    let events: Vec<serde_json::Value> =
        String::from_utf8(log.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let gapless = events.iter().enumerate().all(|(i, e)| e["position"].as_u64() == Some(i as u64 + 1));
    // A command's events share its id; a transfer's two legs are adjacent.
    let mut by_id: HashMap<String, Vec<u64>> = HashMap::new();
    for e in &events {
        if let Some(id) = e["metadata"]["command_id"].as_str() {
            by_id.entry(id.to_owned()).or_default().push(e["position"].as_u64().unwrap());
        }
    }
    let (mut accepted, mut refused, mut lost, mut duplicated, mut errors) = (0, 0, 0, 0, Vec::new());
    for (w, (id, code, err)) in results.iter().enumerate() {
        let legs = if line(w / per, w % per).starts_with("transfer") { 2 } else { 1 };
        let recorded = by_id.get(id).map_or(0, Vec::len);
        match code {
            0 => {
                accepted += 1;
                lost += usize::from(recorded == 0);
                duplicated += usize::from(recorded > legs);
            }
            1 if err.contains("insufficient funds") => {
                refused += 1;
                duplicated += usize::from(recorded > 0);
            }
            _ => errors.push(format!("{id} exited {code}: {err}")),
        }
    }
    let chain_ok = run(db, &["verify", "--chain"]).status.success();
    Outcome {
        commands: results.len(),
        accepted,
        refused,
        lost,
        duplicated,
        errors,
        gapless,
        chain_ok,
        events: events.len(),
        took,
    }
}

/// 8 writer processes × `CHRONICLE_BENCH_WRITER_COMMANDS` (default 250)
/// on a fresh store of `engine`.
pub fn rows(rows: &mut Vec<Row>, engine: Engine, url: Option<&str>) {
    let per = std::env::var("CHRONICLE_BENCH_WRITER_COMMANDS").ok().and_then(|v| v.parse().ok()).unwrap_or(250);
    let dir = crate::common::scratch();
    let pgdb = (engine == Engine::Postgres).then(|| crate::pg::PgDb::create(url.unwrap(), "writers"));
    let db = pgdb
        .as_ref()
        .map_or_else(|| dir.path().join("writers.db").to_str().unwrap().to_owned(), |d| d.url().to_owned());
    let o = run_writers(&db, per);
    let name = if engine == Engine::Sqlite { "SQLite" } else { "PostgreSQL" };
    for e in o.errors.iter().take(5) {
        eprintln!("  error shown: {e}");
    }
    let ok = o.lost == 0 && o.duplicated == 0 && o.errors.is_empty() && o.gapless && o.chain_ok;
    let measured = format!(
        "{} lost · {} duplicated · {} errors shown · positions {} · chain {} ({} commands: {} accepted, {} refused; {} events in {:.1} s = {:.0} commands/s)",
        o.lost,
        o.duplicated,
        o.errors.len(),
        if o.gapless { "gapless" } else { "WITH GAPS" },
        if o.chain_ok { "intact" } else { "BROKEN" },
        o.commands,
        o.accepted,
        o.refused,
        o.events,
        o.took.as_secs_f64(),
        crate::common::rate(o.commands as u64, o.took),
    );
    eprintln!("  writers: {measured}");
    rows.push(Row {
        what: format!("{WRITERS} writer processes × {per} `exec` commands ({name})"),
        measured,
        target: "0 lost, 0 duplicated, 0 errors, gapless",
        verdict: verdict(ok),
    });
}
