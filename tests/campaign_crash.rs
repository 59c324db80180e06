//! Crash safety: the real binary is `SIGKILL`ed at a random (seeded) moment
//! while it writes (`demo`, `import`, a stream of `exec`, `rebuild`).
//! Afterwards the store opens, `verify` passes (hash chain, versions,
//! snapshots, every read model equal to its replay), the log keeps the
//! storage contract, and every transfer has both legs or neither.
//!
//! `CHRONICLE_CAMPAIGN_TRIALS` (default 8) sets the trials per scenario;
//! `CHRONICLE_CAMPAIGN_SEED` the seed.

#[path = "helpers/campaign.rs"]
mod support;

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::time::Duration;

use chronicle::app::{Chronicle, ExecOptions, Mode};
use rand::Rng;
use support::{
    assert_log_contract, assert_transfers_whole, assert_verify_ok, balances, chronicle, code, demo_copy, kill_after,
    log_json, ok, rng, run, stderr, trials,
};

/// After any crash: the store opens, verifies, and keeps the contract.
fn assert_intact(db: &Path) -> Vec<serde_json::Value> {
    assert_verify_ok(db);
    let events = log_json(db);
    assert_log_contract(&events);
    assert_transfers_whole(&events);
    events
}

#[test]
fn sigkill_during_demo_leaves_a_consistent_store() {
    let dir = tempfile::tempdir().unwrap();
    let (mut killed, mut partial) = (0, 0);
    for trial in 0..trials(8) {
        let mut r = rng(1, trial);
        let db = dir.path().join(format!("demo-{trial}.db"));
        let delay = Duration::from_millis(r.random_range(0..1_900));
        let mut cmd = chronicle(&db);
        cmd.args(["demo", "--no-tui", "--events", "5500", "--seed", &trial.to_string()]);
        killed += usize::from(kill_after(cmd, delay));
        if !db.exists() {
            continue; // killed before the file was created
        }
        let events = assert_intact(&db);
        partial += usize::from(!events.is_empty() && events.len() < 5_500);
    }
    eprintln!("demo: {} trials, {killed} killed mid-run, {partial} left a partial (committed-chunk) demo", trials(8));
}

#[test]
fn sigkill_during_import_is_all_or_nothing_and_a_rerun_completes() {
    let dir = tempfile::tempdir().unwrap();
    let source = demo_copy(dir.path(), "source.db", 1_500);
    let file = dir.path().join("export.jsonl");
    ok(&source, &["export", "--out", file.to_str().unwrap()]);
    let want = log_json(&source);
    let (mut killed, mut empty) = (0, 0);
    for trial in 0..trials(8) {
        let mut r = rng(2, trial);
        let db = dir.path().join(format!("import-{trial}.db"));
        // Half the trials import into a store that already has the schema.
        if r.random_bool(0.5) {
            drop(Chronicle::open(&db, Mode::Write, chronicle::domain::Registry::builtin()).unwrap());
        }
        let mut cmd = chronicle(&db);
        cmd.arg("import").arg(&file);
        killed += usize::from(kill_after(cmd, Duration::from_millis(r.random_range(0..600))));
        if db.exists() {
            let events = assert_intact(&db);
            assert!(events.is_empty() || events.len() == want.len(), "import is one transaction: {}", events.len());
            empty += usize::from(events.is_empty());
        }
        // Rerunning the interrupted import completes it, without duplicates.
        ok(&db, &["import", file.to_str().unwrap()]);
        let events = assert_intact(&db);
        assert_eq!(events.len(), want.len());
        for (a, b) in events.iter().zip(&want) {
            assert_eq!((&a["event_id"], &a["hash"]), (&b["event_id"], &b["hash"]));
        }
        // And once more: nothing new.
        let again = ok(&db, &["import", file.to_str().unwrap()]);
        assert!(stderr(&again).contains("nothing to import"), "{}", stderr(&again));
        assert_eq!(log_json(&db).len(), want.len());
    }
    eprintln!("import: {} trials, {killed} killed mid-run, {empty} left nothing; all reruns complete", trials(8));
}

#[derive(Debug, Clone)]
enum Op {
    Deposit(usize, i64),
    Withdraw(usize, i64),
    Transfer(usize, usize, i64),
}

impl Op {
    fn line(&self) -> String {
        let money = |c: &i64| format!("{}.{:02}", c / 100, c % 100);
        match self {
            Op::Deposit(a, c) => format!("deposit a-{a} {}", money(c)),
            Op::Withdraw(a, c) => format!("withdraw a-{a} {} cash", money(c)),
            Op::Transfer(a, b, c) => format!("transfer a-{a} a-{b} {} rent", money(c)),
        }
    }

    /// Applies to the oracle; `false` (and no change) if the rules refuse it.
    fn apply(&self, bal: &mut [i64]) -> bool {
        match *self {
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

    fn random(r: &mut impl Rng, accounts: usize) -> Op {
        let a = r.random_range(0..accounts);
        let cents = r.random_range(1..40_000);
        match r.random_range(0..3) {
            0 => Op::Deposit(a, cents),
            1 => Op::Withdraw(a, cents),
            _ => Op::Transfer(a, (a + r.random_range(1..accounts)) % accounts, cents),
        }
    }
}

/// Opens `n` accounts a-0… with 1,000.00 each, through the library.
fn open_accounts(db: &Path, n: usize) -> Vec<i64> {
    let mut c = Chronicle::open(db, Mode::Write, chronicle::domain::Registry::builtin()).expect("test helper");
    let opts = ExecOptions::new("setup", "test");
    for a in 0..n {
        c.execute(&format!("open a-{a} Owner {a}"), &opts).expect("test helper");
        c.execute(&format!("deposit a-{a} 1000"), &opts).expect("test helper");
    }
    vec![100_000; n]
}

#[test]
fn sigkill_in_a_stream_of_exec_commands_loses_nothing_committed() {
    let dir = tempfile::tempdir().unwrap();
    let (mut issued, mut killed, mut landed, mut retried) = (0, 0, 0, 0);
    for trial in 0..trials(8) {
        let mut r = rng(3, trial);
        let db = dir.path().join(format!("exec-{trial}.db"));
        let mut oracle = open_accounts(&db, 4);
        let mut outcomes = Vec::new(); // (command id, op, exit of the last attempt)
        for k in 0..12 {
            let op = Op::random(&mut r, 4);
            let id = format!("t{trial}-c{k}");
            let line = op.line();
            let args = ["exec", line.as_str(), "--command-id", id.as_str()];
            issued += 1;
            if r.random_bool(0.35) {
                let mut cmd = chronicle(&db);
                cmd.args(args);
                let was_killed = kill_after(cmd, Duration::from_millis(r.random_range(0..60)));
                killed += usize::from(was_killed);
                // The client retries with the same command id: exactly once.
                let out = run(&db, &args);
                assert!(matches!(code(&out), 0 | 1), "{args:?}: {}", stderr(&out));
                if stderr(&out).contains("executed before") {
                    landed += usize::from(was_killed);
                } else {
                    retried += usize::from(was_killed && code(&out) == 0);
                }
                outcomes.push((id, op, code(&out)));
            } else {
                let out = run(&db, &args);
                assert!(matches!(code(&out), 0 | 1), "{args:?}: {}", stderr(&out));
                if code(&out) == 1 {
                    assert!(stderr(&out).contains("insufficient funds"), "{args:?}: {}", stderr(&out));
                }
                outcomes.push((id, op, code(&out)));
            }
        }
        let events = assert_intact(&db);
        let recorded: HashSet<&str> = events.iter().filter_map(|e| e["metadata"]["command_id"].as_str()).collect();
        for (id, op, exit) in &outcomes {
            let was = recorded.contains(id.as_str());
            if *exit == 0 {
                assert!(was, "{id} ({op:?}) exited 0 but is not in the log");
            } else {
                assert!(!was, "{id} ({op:?}) was rejected but recorded something");
            }
            if was {
                assert!(op.apply(&mut oracle), "{id} ({op:?}) was recorded although the oracle refuses it");
            }
        }
        let want: BTreeMap<String, i64> = oracle.iter().enumerate().map(|(a, c)| (format!("a-{a}"), *c)).collect();
        assert_eq!(balances(&db), want, "trial {trial}: balances differ from the sequential oracle");
    }
    eprintln!(
        "exec stream: {issued} commands, {killed} killed mid-run: {landed} had committed (the retry recorded \
         nothing), {retried} had not (the retry recorded them)"
    );
}

#[test]
fn sigkill_during_rebuild_keeps_read_models_equal_to_their_replay() {
    let dir = tempfile::tempdir().unwrap();
    let mut killed = 0;
    for trial in 0..trials(8) {
        let mut r = rng(4, trial);
        let db = demo_copy(dir.path(), &format!("rebuild-{trial}.db"), 3_000);
        let before = support::balances(&db);
        let mut cmd = chronicle(&db);
        cmd.arg("rebuild");
        if r.random_bool(0.3) {
            cmd.args(["--projection", "account_balances"]);
        }
        killed += usize::from(kill_after(cmd, Duration::from_millis(r.random_range(0..500))));
        let events = assert_intact(&db);
        assert_eq!(events.len(), 3_000);
        assert_eq!(balances(&db), before);
    }
    eprintln!("rebuild: {} trials, {killed} killed mid-run", trials(8));
}
