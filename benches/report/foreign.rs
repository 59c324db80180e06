//! Issue 12, scale: the time machine on a log another tool wrote (part
//! `foreign`): a Node-style table made by SQL (`benches/foreign_fixture.sql`,
//! `CHRONICLE_BENCH_FOREIGN` events, default 1,000,000), read through the
//! `node` preset. Rows: the first pass that builds keyframes (what a cold
//! open does in the background), writing them to the keyframe cache,
//! restoring them from it (what a warm open does instead), and random jumps
//! on the restored timeline (p99 ≤ 20 ms).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use chronicle::app::cache::KeyframeCache;
use chronicle::app::{Chronicle, Config, Mode, Timeline};
use chronicle::domain::Registry;

use super::common::{self, label, latency, ms, rate, thousands};
use super::{Row, latency_row, time, timeline_config};

/// This thread's time on a CPU so far (schedstat), to tell work from
/// waiting for a core on a loaded machine.
fn on_cpu() -> std::time::Duration {
    let ns = std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse::<u64>().ok()))
        .unwrap_or(0);
    std::time::Duration::from_nanos(ns)
}

/// The fixture: made once by SQL under the bench stores directory.
fn fixture(n: u64) -> PathBuf {
    let path = common::stores_dir().join(format!("foreign-node-{n}.db"));
    if path.exists() {
        return path;
    }
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    let t = Instant::now();
    let db = rusqlite::Connection::open(&tmp).unwrap();
    let sql = include_str!("../foreign_fixture.sql").replace(":n", &n.to_string());
    db.execute_batch(&sql).unwrap();
    drop(db);
    std::fs::rename(&tmp, &path).unwrap();
    eprintln!("  fixture: {n} node-style rows by SQL in {}", ms(t.elapsed()));
    path
}

pub fn rows(rows: &mut Vec<Row>) {
    let n = std::env::var("CHRONICLE_BENCH_FOREIGN")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    let tag = format!("foreign node, {}, SQLite", label(n));
    eprintln!("== {tag}");
    let path = fixture(n);
    let config = timeline_config(Config::default());
    let ch = Chronicle::open_with(&path, Mode::Read, Arc::new(Registry::builtin()), config).unwrap();
    let (store, registry) = (ch.store(), ch.registry());
    let head = store.head().unwrap();

    let mut tl = Timeline::new(ch.config());
    let cpu = on_cpu();
    let ((), d) = time(|| while !tl.prefetch(store, registry, 100_000).unwrap() {});
    let cpu = on_cpu().saturating_sub(cpu);
    let (kf, every) = tl.keyframes();
    rows.push(Row {
        what: format!("first pass 0→head, builds keyframes (cold open, in the background) ({tag})"),
        measured: format!(
            "{} ({} on CPU) = {} ev/s ({kf} keyframes every {every})",
            ms(d),
            ms(cpu),
            thousands(rate(head, d))
        ),
        target: "(one-off)",
        verdict: "—",
    });

    let dir = common::scratch();
    let file = dir.path().join("keyframes.cache");
    let mut cache = KeyframeCache::open(&file, &ch).unwrap();
    let (written, d) = time(|| cache.save(&ch, &tl).unwrap());
    let kib = std::fs::metadata(&file).map_or(0, |m| m.len() / 1024);
    rows.push(Row {
        what: format!("keyframe cache written ({tag})"),
        measured: format!("{} ({written} frames, {kib} KiB)", ms(d)),
        target: "(one-off)",
        verdict: "—",
    });

    // A warm open: the head's world alone first (what the first frame
    // waits for), then every keyframe (what jumps wait for).
    let mut warm = Timeline::new(ch.config());
    let cpu = on_cpu();
    let mut cache = KeyframeCache::open(&file, &ch).unwrap();
    let (found, head_took) = time(|| cache.restore_head(&ch, &mut warm).unwrap());
    assert!(found, "the head's world is cached");
    let head_cpu = on_cpu().saturating_sub(cpu);
    let cpu = on_cpu();
    let (restored, d) = time(|| cache.restore(&ch, &mut warm).unwrap());
    let cpu = on_cpu().saturating_sub(cpu);
    let (kf, every) = warm.keyframes();
    rows.push(Row {
        what: format!("keyframe cache, warm open: the head's world, then every keyframe ({tag})"),
        measured: format!(
            "head {} ({} on CPU), then {} ({} on CPU; {restored} worlds, {kf} keyframes every {every})",
            ms(head_took),
            ms(head_cpu),
            ms(d),
            ms(cpu)
        ),
        target: "(first frame ≤ 1 s)",
        verdict: "—",
    });

    let mut jumps = Vec::new();
    for p in common::positions(head, 1_000, 7) {
        let ((), d) = time(|| {
            let mut w = warm.seek(store, registry, p).unwrap().clone();
            if let Some(id) = w.touched.clone() {
                ch.load_state_into(&mut w, &id).unwrap();
            }
        });
        jumps.push(d);
    }
    latency_row(
        rows,
        format!("jump on restored keyframes, uniform random, + the touched stream's state ({tag})"),
        latency(&mut jumps),
        Some(std::time::Duration::from_millis(20)),
        true,
        "p99 ≤ 20 ms",
    );
}
