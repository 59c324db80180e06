//! Shared by the bench targets: fixture stores cached under
//! `target/bench-stores/`, the sizes to run, and latency percentiles.
//!
//! Fixtures are keyed by size and [`fixture_version`]; delete
//! `target/bench-stores/` (or bump [`FIXTURE_VERSION`]) to regenerate them.

#![allow(dead_code)] // each bench target uses a different subset

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chronicle::app::bus::{self, ExecOptions, StateCache};
use chronicle::app::demo::DemoOptions;
use chronicle::app::{AppError, Chronicle, Config, Mode, projector};
use chronicle::domain::Registry;
use chronicle::es::{Event, Store};

/// Bump when the demo generator or the bench fixtures change shape.
pub const FIXTURE_VERSION: &str = "f3";

/// The cache key's version part: ours and the store schema's.
#[must_use]
pub fn fixture_version() -> String {
    format!("{FIXTURE_VERSION}-schema{}", chronicle::sqlite::SCHEMA_VERSION)
}

/// Sizes (events) to run: `CHRONICLE_BENCH_SIZES=10000,100000` by default;
/// add `1000000` explicitly (a 1M demo store takes a while to generate).
#[must_use]
pub fn sizes() -> Vec<u64> {
    let raw = std::env::var("CHRONICLE_BENCH_SIZES").unwrap_or_else(|_| "10000,100000".to_owned());
    raw.split(',').filter_map(|s| s.trim().replace('_', "").parse().ok()).collect()
}

/// Events in the long aggregate (`CHRONICLE_BENCH_LONG`, default 100,000).
#[must_use]
pub fn long_stream_len() -> u64 {
    std::env::var("CHRONICLE_BENCH_LONG").ok().and_then(|s| s.replace('_', "").parse().ok()).unwrap_or(100_000)
}

/// `target/bench-stores/` (honours `CARGO_TARGET_DIR`).
#[must_use]
pub fn stores_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"), PathBuf::from);
    let dir = target.join("bench-stores");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A scratch directory under [`stores_dir`], removed on drop.
#[must_use]
pub fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("scratch-").tempdir_in(stores_dir()).unwrap()
}

/// Human-readable count: 10k, 100k, 1M.
#[must_use]
pub fn label(n: u64) -> String {
    if n >= 1_000_000 && n.is_multiple_of(1_000_000) {
        format!("{}M", n / 1_000_000)
    } else if n >= 1_000 && n.is_multiple_of(1_000) {
        format!("{}k", n / 1_000)
    } else {
        n.to_string()
    }
}

/// The demo options of `chronicle demo --no-tui --events N` (CLI defaults).
#[must_use]
pub fn demo_options(events: u64) -> DemoOptions {
    DemoOptions { events, ..DemoOptions::default() }
}

/// Seeds a fresh store at `path` with the demo; returns (events, time).
pub fn run_demo(path: &Path, events: u64) -> (u64, Duration) {
    let mut c = Chronicle::open(path, Mode::Write, chronicle::domain::Registry::builtin()).unwrap();
    let t = Instant::now();
    let s = c.demo(demo_options(events), &mut |_, _| {}).unwrap();
    (s.events, t.elapsed())
}

fn cached(name: &str, make: impl FnOnce(&Path)) -> PathBuf {
    let path = stores_dir().join(format!("{name}-{}.db", fixture_version()));
    if !path.exists() {
        let tmp = path.with_extension("tmp.db");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", tmp.display()));
        }
        make(&tmp);
        // Every connection is closed: the WAL is checkpointed into the file.
        std::fs::rename(&tmp, &path).unwrap();
    }
    path
}

/// The store of `chronicle demo --no-tui --events n`, generated once.
/// Returns its path and, when it was generated now, how long the demo took.
pub fn demo_store(n: u64) -> (PathBuf, Option<(u64, Duration)>) {
    let mut made = None;
    let path = cached(&format!("demo-{n}"), |p| {
        eprintln!("bench fixture: generating a demo store of {} events…", label(n));
        made = Some(run_demo(p, n));
    });
    (path, made)
}

/// A JSON Lines export of [`demo_store`]`(n)`, generated once.
pub fn demo_export(n: u64) -> PathBuf {
    let (store, _) = demo_store(n);
    let path = stores_dir().join(format!("demo-{n}-{}.jsonl", fixture_version()));
    if !path.exists() {
        let c = Chronicle::open(&store, Mode::Read, chronicle::domain::Registry::builtin()).unwrap();
        let tmp = path.with_extension("tmp");
        let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp).unwrap());
        c.export(&mut out, &mut |_, _| {}).unwrap();
        drop(out);
        std::fs::rename(&tmp, &path).unwrap();
    }
    path
}

/// Runs command `lines` in one write transaction through the command bus
/// (as the demo does: states kept across the batch, read models projected
/// at the end). Returns the events written.
pub fn execute_batch(store: &mut Store, registry: &Arc<Registry>, lines: &[String]) -> u64 {
    let config = Config::default();
    let opts = ExecOptions::new("bench", "bench");
    let mut cache = StateCache::default();
    store
        .write(|tx| {
            let mut recent: Vec<Event> = Vec::new();
            for line in lines {
                let cmd = registry.parse(line).map_err(AppError::Parse)?;
                let mut next_id = || uuid::Uuid::now_v7().to_string();
                let out = bus::execute_in(tx, registry, config, cmd.as_ref(), &opts, &mut next_id, Some(&mut cache))?;
                recent.extend(out.upcast);
            }
            let n = recent.len() as u64;
            projector::catch_up(tx, registry, &recent)?;
            Ok::<_, AppError>(n)
        })
        .unwrap()
}

/// Writes one account (`acc-1`) with `n` events (open + deposits) into a
/// fresh store at `path`, in transactions of 10,000 commands, with the
/// default snapshot interval (50).
pub fn write_long_stream(path: &Path, n: u64) {
    drop(Chronicle::open(path, Mode::Write, chronicle::domain::Registry::builtin()).unwrap()); // schema + read-model tables
    let registry = Arc::new(Registry::builtin());
    let mut store = Store::open(path).unwrap();
    let mut lines = vec!["open acc-1 Ada Lovelace".to_owned()];
    lines.extend((1..n).map(|i| format!("deposit acc-1 {}.{:02} salary", 1 + i % 50, i % 100)));
    for chunk in lines.chunks(10_000) {
        execute_batch(&mut store, &registry, chunk);
    }
}

/// One account with `n` events and snapshots every 50 (the default), generated once.
pub fn long_stream_store(n: u64) -> PathBuf {
    cached(&format!("long-{n}"), |p| {
        eprintln!("bench fixture: generating one account of {} events…", label(n));
        write_long_stream(p, n);
    })
}

/// [`long_stream_store`]`(n)` with its snapshots table emptied.
pub fn long_stream_store_without_snapshots(n: u64) -> PathBuf {
    let with = long_stream_store(n);
    cached(&format!("long-{n}-nosnap"), |p| {
        std::fs::copy(&with, p).unwrap();
        let conn = rusqlite::Connection::open(p).unwrap();
        conn.execute("DELETE FROM snapshots", []).unwrap();
    })
}

/// Copies a (closed, checkpointed) store file into `dir`.
pub fn copy_store(from: &Path, dir: &Path) -> PathBuf {
    let to = dir.join(from.file_name().unwrap());
    std::fs::copy(from, &to).unwrap();
    to
}

/// Latency summary of individually timed operations.
#[derive(Debug, Clone, Copy)]
pub struct Latency {
    pub n: usize,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
    pub mean: Duration,
}

/// Percentiles (nearest rank) of `samples`.
#[must_use]
pub fn latency(samples: &mut [Duration]) -> Latency {
    assert!(!samples.is_empty(), "no samples");
    samples.sort_unstable();
    let rank = |q: f64| {
        // Nearest rank: ceil(q * n) - 1, clamped.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
        let i = ((q * samples.len() as f64).ceil() as usize).saturating_sub(1);
        samples[i.min(samples.len() - 1)]
    };
    let total: Duration = samples.iter().sum();
    Latency {
        n: samples.len(),
        p50: rank(0.50),
        p99: rank(0.99),
        max: samples[samples.len() - 1],
        mean: total / u32::try_from(samples.len()).unwrap(),
    }
}

/// Milliseconds with three decimals.
#[must_use]
pub fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

/// Events per second.
#[must_use]
#[allow(clippy::cast_precision_loss)]
pub fn rate(events: u64, d: Duration) -> f64 {
    events as f64 / d.as_secs_f64()
}

/// `12345.6` as `12,346`.
#[must_use]
pub fn thousands(x: f64) -> String {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let s = (x.round() as u64).to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Deterministic positions in `1..=head` (xorshift; no extra dependency on
/// `rand`'s API).
pub fn positions(head: u64, count: usize, seed: u64) -> Vec<u64> {
    let mut x = seed | 1;
    (0..count)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            1 + x % head
        })
        .collect()
}
