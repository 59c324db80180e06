//! chronicle's side of the peer comparison (`benches/peers/run.sh` runs it
//! next to Python `eventsourcing` on the same workload and prints ratios).
//!
//! Workload (sizes from the environment, defaults in brackets):
//! * `open`: `PEERS_ACCOUNTS` [200] accounts, one durable command each;
//! * `deposit_one`: `PEERS_DEPOSITS` [1000] deposits round-robin over them,
//!   one durable command (transaction) each;
//! * `deposit_batch`: as many deposits again in transactions of
//!   `PEERS_BATCH` [100] commands;
//! * `replay`: read every event and fold every aggregate in memory;
//! * `load_snap` / `load_nosnap`: load one aggregate of `PEERS_LONG` [10000]
//!   events, with snapshots every 50 (the default) and without any.
//!
//! Prints one JSON object per row on stdout: `{"row","ops","seconds",
//! "p50_ms","p99_ms"}` (percentiles where each op was timed alone).

// Benches are test code: a failed setup should stop the run loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chronicle::app::repository;
use chronicle::app::{Chronicle, ExecOptions, Mode};
use chronicle::domain::Registry;
use chronicle::es::Store;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc; // as the binary (src/main.rs)

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

fn emit(row: &str, ops: u64, took: Duration, samples: Option<&mut [Duration]>) {
    let (p50, p99) = samples.map_or((None, None), |s| {
        let l = common::latency(s);
        (Some(l.p50.as_secs_f64() * 1e3), Some(l.p99.as_secs_f64() * 1e3))
    });
    let fmt = |x: Option<f64>| x.map_or_else(|| "null".to_owned(), |v| format!("{v:.4}"));
    println!(
        r#"{{"row":"{row}","ops":{ops},"seconds":{:.6},"p50_ms":{},"p99_ms":{}}}"#,
        took.as_secs_f64(),
        fmt(p50),
        fmt(p99)
    );
}

fn one_by_one(c: &mut Chronicle, lines: &[String]) -> (Duration, Vec<Duration>) {
    let opts = ExecOptions::new("bench", "peers");
    let mut samples = Vec::with_capacity(lines.len());
    let start = Instant::now();
    for line in lines {
        let t = Instant::now();
        c.execute(line, &opts).unwrap();
        samples.push(t.elapsed());
    }
    (start.elapsed(), samples)
}

fn main() {
    let accounts = env("PEERS_ACCOUNTS", 200);
    let deposits = env("PEERS_DEPOSITS", 1_000);
    let batch = usize::try_from(env("PEERS_BATCH", 100)).unwrap();
    let long = env("PEERS_LONG", 10_000);
    let dir = common::scratch();
    let path = dir.path().join("peers.db");
    let mut c = Chronicle::open(&path, Mode::Write, chronicle::domain::Registry::builtin()).unwrap();

    let opens: Vec<String> = (0..accounts).map(|i| format!("open a-{i} Owner {i}")).collect();
    let (took, mut s) = one_by_one(&mut c, &opens);
    emit("open", accounts, took, Some(&mut s));

    let deposit = |i: u64| format!("deposit a-{} {}.{:02}", i % accounts, 1 + i % 9, i % 100);
    let lines: Vec<String> = (0..deposits).map(deposit).collect();
    let (took, mut s) = one_by_one(&mut c, &lines);
    emit("deposit_one", deposits, took, Some(&mut s));
    drop(c);

    // Batches: one write transaction per `batch` commands (the bus's
    // `execute_in`, as the demo uses it; `Chronicle` has no batch API).
    let registry = Arc::new(Registry::builtin());
    let mut store = Store::open(&path).unwrap();
    let lines: Vec<String> = (deposits..2 * deposits).map(deposit).collect();
    let start = Instant::now();
    for chunk in lines.chunks(batch) {
        common::execute_batch(&mut store, &registry, chunk);
    }
    emit("deposit_batch", deposits, start.elapsed(), None);
    drop(store);

    // Replay: every event read, upcast and folded into its aggregate.
    let c = Chronicle::open(&path, Mode::Read, chronicle::domain::Registry::builtin()).unwrap();
    let head = c.store().head().unwrap();
    let start = Instant::now();
    let mut event = chronicle::es::Event::default();
    let mut states: rustc_hash::FxHashMap<String, Box<dyn chronicle::es::DynState>> = rustc_hash::FxHashMap::default();
    c.store()
        .scan_fold(1, head, |e| {
            registry.upcasters().upcast_into(e, &mut event).unwrap();
            if let Some(state) = states.get_mut(e.stream_id) {
                state.apply(&event).unwrap();
            } else {
                let mut state = registry.fresh_state(e.stream_type);
                state.apply(&event).unwrap();
                states.insert(e.stream_id.to_owned(), state);
            }
            Ok::<_, chronicle::es::StoreError>(())
        })
        .unwrap();
    assert_eq!(states.len() as u64, accounts);
    emit("replay", head, start.elapsed(), None);
    drop(c);

    // One long aggregate, with and without snapshots.
    let long_path = dir.path().join("long.db");
    common::write_long_stream(&long_path, long);
    let nosnap = dir.path().join("long-nosnap.db");
    std::fs::copy(&long_path, &nosnap).unwrap();
    rusqlite::Connection::open(&nosnap).unwrap().execute("DELETE FROM snapshots", []).unwrap();
    for (row, p) in [("load_snap", &long_path), ("load_nosnap", &nosnap)] {
        let c = Chronicle::open(p, Mode::Read, chronicle::domain::Registry::builtin()).unwrap();
        let head = c.store().head().unwrap();
        let runs = 20;
        let mut samples = Vec::new();
        let start = Instant::now();
        for _ in 0..runs {
            let t = Instant::now();
            let l = repository::load(c.store(), &registry, "acc-1", "BankAccount", head).unwrap();
            samples.push(t.elapsed());
            assert_eq!(l.version, long);
        }
        emit(row, runs, start.elapsed(), Some(&mut samples));
    }
}
