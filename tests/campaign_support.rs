//! Shared helpers for the `campaign_*` tests (issue 5: "Nothing lost, nothing
//! forged"): running the real binary, reading its log, checking the
//! invariants every scenario ends with.
//!
//! Included with `#[path = "campaign_support.rs"] mod support;`, so each test
//! file uses only part of it.
#![allow(dead_code, clippy::missing_panics_doc, clippy::must_use_candidate)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rand::SeedableRng;
use rand::rngs::SmallRng;
use serde_json::Value;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_chronicle");

/// Trials per scenario: `CHRONICLE_CAMPAIGN_TRIALS`, else `default` (what CI runs).
#[must_use]
pub fn trials(default: usize) -> usize {
    std::env::var("CHRONICLE_CAMPAIGN_TRIALS").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A size knob: `var`, else `default`.
#[must_use]
pub fn knob(var: &str, default: usize) -> usize {
    std::env::var(var).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The base seed: `CHRONICLE_CAMPAIGN_SEED`, else a fixed one (CI is reproducible).
#[must_use]
pub fn base_seed() -> u64 {
    std::env::var("CHRONICLE_CAMPAIGN_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x5EED_C4A0)
}

/// A seeded generator for trial `trial` of scenario `salt`.
#[must_use]
pub fn rng(salt: u64, trial: usize) -> SmallRng {
    SmallRng::seed_from_u64(base_seed() ^ salt.rotate_left(17) ^ (trial as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// A command on `db`, with no inherited `CHRONICLE_DB` and no stdin.
#[must_use]
pub fn chronicle(db: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.env_remove("CHRONICLE_DB").env("NO_COLOR", "1").arg("--db").arg(db).stdin(Stdio::null());
    c
}

/// Runs `chronicle --db db args…` to completion. Panics (fails the test) if
/// the binary panicked.
pub fn run(db: &Path, args: &[&str]) -> Output {
    let out = chronicle(db).args(args).output().expect("run chronicle");
    assert_no_panic(&out, args);
    out
}

/// Fails when stderr shows a Rust panic.
pub fn assert_no_panic(out: &Output, args: &[&str]) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "chronicle {args:?} panicked: {err}");
    assert!(out.status.code().is_some(), "chronicle {args:?} died by a signal: {:?}\n{err}", out.status);
}

/// Exit code (a signal death is a failure).
#[must_use]
pub fn code(out: &Output) -> i32 {
    out.status.code().expect("exited normally")
}

/// stderr as text.
#[must_use]
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs and requires exit 0.
pub fn ok(db: &Path, args: &[&str]) -> Output {
    let out = run(db, args);
    assert_eq!(code(&out), 0, "chronicle {args:?}: {}", stderr(&out));
    out
}

/// `verify` must pass.
pub fn assert_verify_ok(db: &Path) {
    let out = run(db, &["verify"]);
    assert_eq!(code(&out), 0, "verify failed on {}: {}", db.display(), stderr(&out));
}

/// Every event of `log --json`.
#[must_use]
pub fn log_json(db: &Path) -> Vec<Value> {
    let out = ok(db, &["log", "--json"]);
    String::from_utf8(out.stdout)
        .expect("utf-8 log")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// The storage contract on a log: positions 1..=n gapless, per-stream
/// versions 1.. contiguous, event ids unique.
pub fn assert_log_contract(events: &[Value]) {
    let mut versions: HashMap<&str, u64> = HashMap::new();
    let mut ids = HashSet::new();
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["position"].as_u64(), Some(i as u64 + 1), "positions must be gapless: {e}");
        let stream = e["stream_id"].as_str().expect("stream_id");
        let v = versions.entry(stream).or_default();
        *v += 1;
        assert_eq!(e["version"].as_u64(), Some(*v), "versions of {stream} must be contiguous: {e}");
        assert!(ids.insert(e["event_id"].as_str().expect("event_id")), "duplicate event id: {e}");
    }
}

/// Every transfer is whole: each event whose description says it is a
/// transfer leg shares its correlation id with exactly its other leg.
/// Returns the number of whole transfers seen.
pub fn assert_transfers_whole(events: &[Value]) -> usize {
    let mut groups: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
    for e in events {
        groups.entry(e["metadata"]["correlation_id"].as_str().expect("correlation_id")).or_default().push(e);
    }
    let is_leg = |e: &Value| e["payload"]["description"].as_str().is_some_and(|d| d.starts_with("transfer "));
    let mut whole = 0;
    for (corr, group) in groups {
        if !group.iter().any(|e| is_leg(e)) {
            continue;
        }
        assert_eq!(group.len(), 2, "transfer {corr} must have both legs or neither: {group:?}");
        let (out, into) = (group[0], group[1]);
        assert_eq!(out["event_type"], "MoneyWithdrawn", "{group:?}");
        assert_eq!(into["event_type"], "MoneyDeposited", "{group:?}");
        assert_eq!(out["payload"]["amount"], into["payload"]["amount"], "{group:?}");
        let (from, to) = (out["stream_id"].as_str().expect("id"), into["stream_id"].as_str().expect("id"));
        let desc = |e: &Value| e["payload"]["description"].as_str().unwrap_or_default().to_owned();
        assert!(desc(out).starts_with(&format!("transfer to {to}")), "{group:?}");
        assert!(desc(into).starts_with(&format!("transfer from {from}")), "{group:?}");
        assert_eq!(into["position"].as_u64(), out["position"].as_u64().map(|p| p + 1), "legs are adjacent: {group:?}");
        whole += 1;
    }
    whole
}

/// Balances in cents per account from `state --projection account_balances --json`.
#[must_use]
pub fn balances(db: &Path) -> BTreeMap<String, i64> {
    let out = ok(db, &["state", "--projection", "account_balances", "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("state JSON");
    v["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| (r["account_id"].as_str().expect("id").to_owned(), r["balance_cents"].as_i64().expect("cents")))
        .collect()
}

/// A store seeded by `demo --no-tui --events events --seed 7`, built once per
/// test binary and copied into `dir` as `name`.
pub fn demo_copy(dir: &Path, name: &str, events: u64) -> PathBuf {
    static TEMPLATES: OnceLock<std::sync::Mutex<HashMap<u64, (tempfile::TempDir, PathBuf)>>> = OnceLock::new();
    let mut map = TEMPLATES.get_or_init(Default::default).lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let (_, template) = map.entry(events).or_insert_with(|| {
        let d = tempfile::tempdir().expect("tempdir");
        let p = d.path().join("template.db");
        ok(&p, &["demo", "--no-tui", "--events", &events.to_string(), "--seed", "7"]);
        (d, p)
    });
    let dest = dir.join(name);
    std::fs::copy(&*template, &dest).expect("copy template");
    for ext in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{ext}", template.display()));
        if side.exists() {
            std::fs::copy(&side, format!("{}{ext}", dest.display())).expect("copy side file");
        }
    }
    dest
}

/// Spawns `cmd`, lets it run for `delay`, then SIGKILLs it (if still running).
/// Returns whether it was killed before finishing on its own.
pub fn kill_after(mut cmd: Command, delay: Duration) -> bool {
    let mut child: Child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("spawn");
    let started = Instant::now();
    while started.elapsed() < delay {
        if child.try_wait().expect("try_wait").is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1).min(delay.saturating_sub(started.elapsed())));
    }
    let finished = child.try_wait().expect("try_wait").is_some();
    let _ = child.kill();
    let _ = child.wait();
    !finished
}

/// Lines of a file at `path` (test fixtures).
pub fn write_lines(path: &Path, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(path, text).expect("write fixture");
}
