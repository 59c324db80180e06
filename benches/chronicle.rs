//! Criterion benchmarks for issue 4: `cargo bench --bench chronicle`.
//!
//! Sizes come from `CHRONICLE_BENCH_SIZES` (default `10000,100000`; add
//! `1000000` for the reference store: generating it takes a minute
//! and each bulk group then runs ten full passes). Fixture stores are made
//! once and cached under `target/bench-stores/`.
//!
//! Criterion reports means and medians; the interactive groups (command bus,
//! timeline) also print p50/p99 of their individually timed iterations.
//! `cargo bench --bench report` prints every row against its target.

// Benches are test code: a failed setup should stop the run loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};

use chronicle::app::repository;
use chronicle::app::{Chronicle, ExecOptions, Mode, Timeline};
use chronicle::domain::Registry;

use common::{label, latency, ms};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc; // as the binary (src/main.rs)

/// Prints p50/p99 of the iterations timed by one benchmark (criterion's own
/// statistics are over sample means).
fn print_percentiles(what: &str, samples: &mut [Duration]) {
    if samples.is_empty() {
        return;
    }
    let l = latency(samples);
    println!("{what}: n={} p50={} p99={} max={}", l.n, ms(l.p50), ms(l.p99), ms(l.max));
}

/// Full passes over a store: ten flat samples, one pass each.
fn bulk_group<'a>(c: &'a mut Criterion, name: &str) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group(name);
    g.sampling_mode(SamplingMode::Flat).sample_size(10).warm_up_time(Duration::from_millis(1));
    g
}

fn bulk_append(c: &mut Criterion) {
    let mut g = bulk_group(c, "bulk_append");
    for n in common::sizes() {
        g.throughput(Throughput::Elements(n));
        g.bench_function(BenchmarkId::new("demo", label(n)), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let dir = common::scratch();
                    total += common::run_demo(&dir.path().join("d.db"), n).1;
                }
                total
            });
        });
        let export = common::demo_export(n);
        g.bench_function(BenchmarkId::new("import", label(n)), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let dir = common::scratch();
                    let mut ch =
                        Chronicle::open(&dir.path().join("i.db"), Mode::Write, chronicle::domain::Registry::builtin())
                            .unwrap();
                    let t = Instant::now();
                    ch.import(&export, &mut |_, _| {}).unwrap();
                    total += t.elapsed();
                }
                total
            });
        });
    }
    g.finish();
}

fn rebuild_and_verify(c: &mut Criterion) {
    let mut g = bulk_group(c, "read_models");
    for n in common::sizes() {
        let (fixture, _) = common::demo_store(n);
        let dir = common::scratch();
        let copy = common::copy_store(&fixture, dir.path());
        let mut ch = Chronicle::open(&copy, Mode::Write, chronicle::domain::Registry::builtin()).unwrap();
        let head = ch.store().head().unwrap();
        g.throughput(Throughput::Elements(head));
        g.bench_function(BenchmarkId::new("rebuild_all", label(n)), |b| {
            b.iter(|| ch.rebuild(None, &mut |_, _| {}).unwrap());
        });
        g.bench_function(BenchmarkId::new("verify", label(n)), |b| {
            b.iter(|| assert!(ch.verify(&mut |_, _| {}).unwrap().ok()));
        });
    }
    g.finish();
}

fn timeline(c: &mut Criterion) {
    for n in common::sizes() {
        let (fixture, _) = common::demo_store(n);
        let ch = Chronicle::open(&fixture, Mode::Read, chronicle::domain::Registry::builtin()).unwrap();
        let (store, registry) = (ch.store(), ch.registry());
        let head = store.head().unwrap();

        let mut g = bulk_group(c, "timeline_cold");
        // A fresh timeline: one seek folds everything before the position.
        let mut targets = common::positions(head, 1_000, 3).into_iter().cycle();
        g.bench_function(BenchmarkId::new("jump_fresh_timeline", label(n)), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let mut tl = Timeline::new(ch.config());
                    let pos = targets.next().unwrap();
                    let start = Instant::now();
                    tl.seek(store, registry, pos).unwrap();
                    total += start.elapsed();
                }
                total
            });
        });
        g.finish();

        let mut g = c.benchmark_group("timeline_warm");
        // Warm: one pass to the head first builds every keyframe.
        let mut tl = Timeline::new(ch.config());
        tl.seek(store, registry, head).unwrap();
        let mut targets = common::positions(head, 10_000, 7).into_iter().cycle();
        let mut seen = Vec::new();
        g.bench_function(BenchmarkId::new("jump_random", label(n)), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let pos = targets.next().unwrap();
                    let start = Instant::now();
                    tl.seek(store, registry, pos).unwrap();
                    let took = start.elapsed();
                    seen.push(took);
                    total += took;
                }
                total
            });
        });
        print_percentiles(&format!("timeline_warm/jump_random/{}", label(n)), &mut seen);
        for (name, delta) in [("step_forward", 1_i64), ("step_back", -1)] {
            let mut seen = Vec::new();
            let mut from = common::positions(head - 2, 10_000, 13).into_iter().cycle();
            g.bench_function(BenchmarkId::new(name, label(n)), |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let pos = from.next().unwrap() + 1;
                        tl.seek(store, registry, pos).unwrap();
                        let start = Instant::now();
                        tl.seek(store, registry, pos.checked_add_signed(delta).unwrap()).unwrap();
                        let took = start.elapsed();
                        seen.push(took);
                        total += took;
                    }
                    total
                });
            });
            print_percentiles(&format!("timeline_warm/{name}/{}", label(n)), &mut seen);
        }
        g.finish();
    }
}

fn command_bus(c: &mut Criterion) {
    let mut g = c.benchmark_group("command_bus");
    g.sample_size(20).warm_up_time(Duration::from_millis(200)).measurement_time(Duration::from_secs(2));
    for n in common::sizes() {
        let (fixture, _) = common::demo_store(n);
        let dir = common::scratch();
        let copy = common::copy_store(&fixture, dir.path());
        let mut ch = Chronicle::open(&copy, Mode::Write, chronicle::domain::Registry::builtin()).unwrap();
        let opts = ExecOptions::new("bench", "bench");
        ch.execute("open bench-1 Bench Account", &opts).unwrap();
        let mut seen = Vec::new();
        let mut i = 0u64;
        g.bench_function(BenchmarkId::new("deposit_durable", label(n)), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    i += 1;
                    let line = format!("deposit bench-1 {}.{:02} bench", 1 + i % 7, i % 100);
                    let start = Instant::now();
                    ch.execute(&line, &opts).unwrap();
                    let took = start.elapsed();
                    seen.push(took);
                    total += took;
                }
                total
            });
        });
        print_percentiles(&format!("command_bus/deposit_durable/{}", label(n)), &mut seen);
    }
    g.finish();
}

fn aggregate_load(c: &mut Criterion) {
    let len = common::long_stream_len();
    let registry = Arc::new(Registry::builtin());
    let mut g = c.benchmark_group("aggregate_load");
    g.sample_size(10).warm_up_time(Duration::from_millis(100));
    for (name, path) in [
        ("snapshots", common::long_stream_store(len)),
        ("no_snapshots", common::long_stream_store_without_snapshots(len)),
    ] {
        let ch = Chronicle::open(&path, Mode::Read, chronicle::domain::Registry::builtin()).unwrap();
        let head = ch.store().head().unwrap();
        for (at, max) in [("head", head), ("head-1", head - 1)] {
            g.bench_function(BenchmarkId::new(format!("{name}/{at}"), label(len)), |b| {
                b.iter(|| repository::load(ch.store(), &registry, "acc-1", "BankAccount", max).unwrap());
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bulk_append, rebuild_and_verify, timeline, command_bus, aggregate_load);
criterion_main!(benches);
