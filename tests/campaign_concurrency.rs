//! Concurrency across processes: 8 writer processes × N `exec` commands over
//! 20 accounts (deposits, withdrawals, transfers) while a `log --follow
//! --json` reader runs, and 8 writers queued behind a connection that holds
//! the write lock for a second.
//!
//! `CHRONICLE_CAMPAIGN_COMMANDS` sets N (default 25; 250 locally).

#[path = "helpers/campaign.rs"]
mod support;

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chronicle::app::{Chronicle, ExecOptions, Mode};
use rand::Rng;
use serde_json::Value;
use support::{
    assert_log_contract, assert_transfers_whole, assert_verify_ok, balances, chronicle, code, knob, log_json, rng, run,
    stderr,
};

const ACCOUNTS: usize = 20;
const WRITERS: usize = 8;

fn money(c: i64) -> String {
    format!("{}.{:02}", c / 100, c % 100)
}

/// One command: its line, and its effect on the oracle (`None` = refused).
#[derive(Debug, Clone, Copy)]
enum Op {
    Deposit(usize, i64),
    Withdraw(usize, i64),
    Transfer(usize, usize, i64),
}

impl Op {
    fn line(self) -> String {
        match self {
            Op::Deposit(a, c) => format!("deposit a-{a} {}", money(c)),
            Op::Withdraw(a, c) => format!("withdraw a-{a} {}", money(c)),
            Op::Transfer(a, b, c) => format!("transfer a-{a} a-{b} {}", money(c)),
        }
    }
    fn apply(self, bal: &mut [i64]) -> bool {
        match self {
            Op::Deposit(a, c) => bal[a] += c,
            Op::Withdraw(a, c) if bal[a] >= c => bal[a] -= c,
            Op::Transfer(a, b, c) if bal[a] >= c => {
                bal[a] -= c;
                bal[b] += c;
            }
            _ => return false,
        }
        true
    }
}

fn setup(db: &Path, opening: i64) {
    let mut c = Chronicle::open(db, Mode::Write, chronicle::domain::Registry::builtin()).expect("test helper");
    let opts = ExecOptions::new("setup", "test");
    for a in 0..ACCOUNTS {
        c.execute(&format!("open a-{a} Owner {a}"), &opts).expect("test helper");
        c.execute(&format!("deposit a-{a} {}", money(opening)), &opts).expect("test helper");
    }
}

fn assert_no_busy(args: &[&str], err: &str) {
    let lower = err.to_lowercase();
    assert!(!lower.contains("locked") && !lower.contains("busy"), "{args:?} reached the user as: {err}");
}

#[test]
#[allow(clippy::too_many_lines)] // one scenario, read top to bottom
fn eight_writer_processes_lose_nothing_and_a_follower_sees_everything_once() {
    let n = knob("CHRONICLE_CAMPAIGN_COMMANDS", 25);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.db");
    let opening = 20_000; // 200.00: small, so some withdrawals are refused
    setup(&db, opening);

    // The follower: every line it prints, as it prints it.
    let mut follower = chronicle(&db).args(["log", "--follow", "--json"]).stdout(Stdio::piped()).spawn().unwrap();
    let (tx, rx) = mpsc::channel::<String>();
    let stdout = follower.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });

    let started = Instant::now();
    let results: Vec<(String, Op, i32)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..WRITERS)
            .map(|w| {
                let db = &db;
                s.spawn(move || {
                    let mut r = rng(10, w);
                    let mut out = Vec::with_capacity(n);
                    for j in 0..n {
                        let a = r.random_range(0..ACCOUNTS);
                        let cents = r.random_range(1..15_000);
                        let op = match r.random_range(0..3) {
                            0 => Op::Deposit(a, cents),
                            1 => Op::Withdraw(a, cents),
                            _ => Op::Transfer(a, (a + r.random_range(1..ACCOUNTS)) % ACCOUNTS, cents),
                        };
                        let id = format!("w{w}-{j}");
                        let line = op.line();
                        let args = ["exec", line.as_str(), "--command-id", id.as_str()];
                        let o = run(db, &args);
                        let err = stderr(&o);
                        assert_no_busy(&args, &err);
                        match code(&o) {
                            0 => {}
                            1 => assert!(
                                err.contains("insufficient funds") && !matches!(op, Op::Deposit(..)),
                                "{args:?}: {err}"
                            ),
                            other => panic!("{args:?} exited {other}: {err}"),
                        }
                        out.push((id, op, code(&o)));
                    }
                    out
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let elapsed = started.elapsed();

    assert_verify_ok(&db);
    let events = log_json(&db);
    assert_log_contract(&events);
    let transfers = assert_transfers_whole(&events);

    // Each command that exited 0 is in the log once (its events adjacent), a
    // refused one not at all; replaying them in log order on a sequential
    // oracle never overdraws and ends with the read model's balances.
    let mut by_command: HashMap<&str, Vec<u64>> = HashMap::new();
    for e in &events {
        by_command
            .entry(e["metadata"]["command_id"].as_str().unwrap())
            .or_default()
            .push(e["position"].as_u64().unwrap());
    }
    let mut accepted = Vec::new();
    for (id, op, exit) in &results {
        let positions = by_command.get(id.as_str());
        if *exit == 0 {
            let p = positions.unwrap_or_else(|| panic!("{id} ({op:?}) exited 0 but is lost"));
            let legs = if matches!(op, Op::Transfer(..)) { 2 } else { 1 };
            assert_eq!(p.len(), legs, "{id} ({op:?}) recorded {} events", p.len());
            assert!(p.windows(2).all(|w| w[1] == w[0] + 1), "{id}: one transaction, adjacent positions");
            accepted.push((p[0], *op));
        } else {
            assert!(positions.is_none(), "{id} ({op:?}) was refused but recorded {positions:?}");
        }
    }
    assert_eq!(
        events.len(),
        2 * ACCOUNTS + accepted.iter().map(|(_, op)| if matches!(op, Op::Transfer(..)) { 2 } else { 1 }).sum::<usize>(),
        "every event belongs to the setup or an accepted command"
    );
    accepted.sort_by_key(|(p, _)| *p);
    let mut oracle = vec![opening; ACCOUNTS];
    for (p, op) in &accepted {
        assert!(op.apply(&mut oracle), "{op:?} at position {p} overdraws in log order");
    }
    let want: BTreeMap<String, i64> = oracle.iter().enumerate().map(|(a, c)| (format!("a-{a}"), *c)).collect();
    assert_eq!(balances(&db), want, "balances differ from the sequential oracle");

    // The follower saw every event exactly once, in order.
    let mut seen: Vec<Value> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while seen.len() < events.len() && Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            seen.push(serde_json::from_str(&line).expect("follower prints JSON lines"));
        }
    }
    std::thread::sleep(Duration::from_millis(500)); // anything extra would show up now
    while let Ok(line) = rx.try_recv() {
        seen.push(serde_json::from_str(&line).unwrap());
    }
    follower.kill().unwrap();
    follower.wait().unwrap();
    reader.join().unwrap();
    let ids = |v: &[Value]| v.iter().map(|e| (e["position"].as_u64(), e["event_id"].clone())).collect::<Vec<_>>();
    assert_eq!(ids(&seen), ids(&events), "the follower must see every event once, in order");

    let refused = results.iter().filter(|r| r.2 == 1).count();
    eprintln!(
        "{WRITERS} writers x {n} commands: {} accepted ({transfers} transfers), {refused} refused, {} events, \
         follower saw {}; writers took {:.1} s",
        accepted.len(),
        events.len(),
        seen.len(),
        elapsed.as_secs_f64()
    );
}

#[test]
fn writers_queued_behind_a_held_write_lock_never_report_busy() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lock.db");
    setup(&db, 10_000);
    let before = balances(&db);

    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    let started = Instant::now();
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            chronicle(&db)
                .args(["exec", &format!("deposit a-{w} 1.{w:02}"), "--command-id", &format!("held-{w}")])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    // Readers are not blocked by a writer (WAL).
    for args in [&["log", "--limit", "3"][..], &["state", "--stream", "a-0", "--json"], &["verify"]] {
        let out = run(&db, args);
        assert_eq!(code(&out), 0, "{args:?} while the write lock is held: {}", stderr(&out));
    }
    std::thread::sleep(Duration::from_secs(1).saturating_sub(started.elapsed()));
    conn.execute_batch("COMMIT").unwrap();
    drop(conn);
    for (w, child) in writers.into_iter().enumerate() {
        let out = child.wait_with_output().unwrap();
        support::assert_no_panic(&out, &["exec"]);
        assert_no_busy(&["exec"], &stderr(&out));
        assert_eq!(code(&out), 0, "writer {w}: {}", stderr(&out));
    }
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(1), "the writers waited for the lock");
    let after = balances(&db);
    for w in 0..WRITERS {
        let id = format!("a-{w}");
        assert_eq!(after[&id], before[&id] + 100 + i64::try_from(w).unwrap(), "{id}");
    }
    assert_verify_ok(&db);
    eprintln!("{WRITERS} writers behind a 1 s write lock: all exited 0 after {:.2} s", waited.as_secs_f64());
}

#[test]
fn the_same_command_id_from_racing_processes_records_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("idem.db");
    setup(&db, 10_000);
    let head = log_json(&db).len();
    let children: Vec<_> = (0..6)
        .map(|_| {
            chronicle(&db)
                .args(["exec", "transfer a-0 a-1 12.34", "--command-id", "same-id"])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut duplicates = 0;
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        duplicates += usize::from(stderr(&out).contains("executed before"));
    }
    assert_eq!(duplicates, 5, "exactly one of six racing processes records");
    let events = log_json(&db);
    assert_eq!(events.len(), head + 2);
    assert_eq!(balances(&db)["a-0"], 10_000 - 1_234);
    assert_verify_ok(&db);
}
