//! One-shot figures for every row of issue 4's table, printed against the
//! targets: `cargo bench --bench report` (sizes from `CHRONICLE_BENCH_SIZES`,
//! default `10000,100000`; add `1000000` for the reference store).
//!
//! Where criterion (`cargo bench --bench chronicle`) gives distributions of
//! means, this prints what the targets are stated in: throughput of one full
//! run for the bulk operations, and p50/p99 of individually timed operations
//! for the interactive ones. The TUI rows come from `benches/tui_frame.sh`.
//!
//! `CHRONICLE_REPORT_ONLY=part,part` limits the run to some of: `bulk` (=
//! `size`, `demo`, `import`, `rebuild`, `verify`), `timeline`, `bus`,
//! `writers`, `aggregate`, `debug` (issue 13: `report/debug.rs`),
//! `correlation` (issue 13 item 5: `report/correlation.rs`) — handy
//! under `perf record`; `foreign` (issue 12, `report/foreign.rs`) runs only
//! when named.
//!
//! `CHRONICLE_BENCH_DB=postgres://user@/name?host=/var/run/postgresql` runs
//! the rows on PostgreSQL too (issue 11), beside SQLite's: per size, a
//! database is created, filled by importing the SQLite fixture's export (the
//! import row) and dropped at the end. `CHRONICLE_BENCH_ENGINES=postgres`
//! (or `sqlite`) runs one engine only. `CHRONICLE_BENCH_KEYFRAME_EVERY`
//! and `CHRONICLE_BENCH_MAX_KEYFRAMES` override the timeline's configuration.

// Benches are test code: a failed setup should stop the run loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "report/correlation.rs"]
mod correlation;
#[path = "report/debug.rs"]
mod debug;
#[path = "report/debug_warm.rs"]
mod debug_warm;
#[path = "report/fixture.rs"]
mod fixture;
#[path = "report/foreign.rs"]
mod foreign;
#[path = "report/pg.rs"]
mod pg;
#[path = "report/writers.rs"]
mod writers;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chronicle::app::repository;
use chronicle::app::verify::Depth;
use chronicle::app::{Chronicle, Config, ExecOptions, Mode, Timeline};
use chronicle::domain::Registry;

use common::{Latency, label, latency, ms, rate, thousands};
use fixture::{Engine, Fixture};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc; // as the binary (src/main.rs)

struct Row {
    what: String,
    measured: String,
    target: &'static str,
    verdict: &'static str,
}

fn verdict(ok: bool) -> &'static str {
    if ok { "ok" } else { "MISS" }
}

fn throughput_row(
    rows: &mut Vec<Row>,
    what: String,
    events: u64,
    took: Duration,
    target: f64,
    target_text: &'static str,
) {
    let r = rate(events, took);
    eprintln!("  {what}: {} events in {:.2} s = {} events/s", events, took.as_secs_f64(), thousands(r));
    rows.push(Row {
        what,
        measured: format!("{} ev/s ({events} in {:.2} s)", thousands(r), took.as_secs_f64()),
        target: target_text,
        verdict: if target > 0.0 { verdict(r >= target) } else { "—" },
    });
}

fn latency_row(
    rows: &mut Vec<Row>,
    what: String,
    l: Latency,
    bound: Option<Duration>,
    p99: bool,
    target: &'static str,
) {
    eprintln!("  {what}: n={} p50={} p99={} max={} mean={}", l.n, ms(l.p50), ms(l.p99), ms(l.max), ms(l.mean));
    let checked = if p99 { l.p99 } else { l.p50 };
    rows.push(Row {
        what,
        measured: format!("p50 {} · p99 {} · max {} (n={})", ms(l.p50), ms(l.p99), ms(l.max), l.n),
        target,
        verdict: bound.map_or("—", |b| verdict(checked <= b)),
    });
}

fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let out = f();
    (out, t.elapsed())
}

fn bulk(rows: &mut Vec<Row>, fx: &Fixture, want: &dyn Fn(&str) -> bool) {
    let head = fx.open(Mode::Read).store().head().unwrap();
    let bytes = fx.bytes();
    #[allow(clippy::cast_precision_loss)]
    let (per_event, megabytes) = (bytes as f64 / head as f64, bytes as f64 / 1e6);
    eprintln!("  store: {head} events, {bytes} bytes, {per_event:.0} bytes/event");
    rows.push(Row {
        what: format!("store size ({})", fx.tag()),
        measured: format!("{per_event:.0} bytes/event ({megabytes:.1} MB for {head} events)"),
        target: "report",
        verdict: "—",
    });

    // Bulk append: the demo (through the command bus, in 10,000-event
    // transactions). Reuse the fixture's generation time when it was just
    // made. SQLite only: PostgreSQL's store is the demo's, imported.
    if want("demo") && fx.engine == Engine::Sqlite {
        let (events, took) = fx.made.unwrap_or_else(|| {
            let dir = common::scratch();
            common::run_demo(&dir.path().join("demo.db"), fx.n)
        });
        throughput_row(rows, format!("bulk append: demo ({})", fx.tag()), events, took, 250_000.0, "≥ 250,000 ev/s");
    }
    if want("import") {
        import(rows, fx);
    }
    if want("rebuild") {
        let (db, _dir) = fx.writable();
        let mut c = Chronicle::open(db.as_str(), Mode::Write, Registry::builtin()).unwrap();
        let (to, took) = time(|| c.rebuild(None, &mut |_, _| {}).unwrap());
        throughput_row(rows, format!("rebuild all read models ({})", fx.tag()), to, took, 300_000.0, "≥ 300,000 ev/s");
    }
    if want("verify") {
        let c = fx.open(Mode::Read);
        let (report, took) = time(|| c.verify_to(Depth::Chain, &mut |_, _| {}).unwrap());
        assert!(report.ok(), "the fixture verifies: {:?}", report.problems);
        let what = format!("verify --chain: hash chain + versions ({})", fx.tag());
        let (target, text) = match fx.engine {
            Engine::Sqlite => (1_000_000.0, "≥ 1,000,000 ev/s"),
            Engine::Postgres => (500_000.0, "≥ 500,000 ev/s"),
        };
        throughput_row(rows, what, head, took, target, text);
        let (report, took) = time(|| c.verify(&mut |_, _| {}).unwrap());
        assert!(report.ok(), "the fixture verifies: {:?}", report.problems);
        let what = format!("verify, full: + snapshots and read models replayed ({})", fx.tag());
        throughput_row(rows, what, head, took, 0.0, "— (the row above is the target's)");
    }
}

fn import(rows: &mut Vec<Row>, fx: &Fixture) {
    // Bulk append: import of the demo's export (PostgreSQL's was the
    // fixture's own making, through COPY).
    let made = fx.made.filter(|_| fx.engine == Engine::Postgres);
    let (imported, took) = made.unwrap_or_else(|| {
        let export = common::demo_export(fx.n);
        let dir = common::scratch();
        let mut c = Chronicle::open(&dir.path().join("import.db"), Mode::Write, Registry::builtin()).unwrap();
        let (imported, took) = time(|| c.import(&export, &mut |_, _| {}).unwrap());
        (imported.appended, took)
    });
    let (target, text) = match fx.engine {
        Engine::Sqlite => (250_000.0, "≥ 250,000 ev/s"),
        Engine::Postgres => (100_000.0, "≥ 100,000 ev/s"),
    };
    throughput_row(rows, format!("bulk append: import ({})", fx.tag()), imported, took, target, text);
}

/// The timeline's configuration, with `CHRONICLE_BENCH_KEYFRAME_EVERY` and
/// `CHRONICLE_BENCH_MAX_KEYFRAMES` overriding the defaults (to see what a
/// denser keyframe interval buys).
fn timeline_config(mut config: Config) -> Config {
    let var = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    if let Some(every) = var("CHRONICLE_BENCH_KEYFRAME_EVERY") {
        config.keyframe_every = every;
    }
    if let Some(max) = var("CHRONICLE_BENCH_MAX_KEYFRAMES") {
        config.max_keyframes = usize::try_from(max).unwrap();
    }
    config
}

/// This process's resident memory (`VmRSS` from /proc), for a rough idea of
/// what the keyframes hold.
fn rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).map(|l| l[6..].trim().to_owned()))
        .unwrap_or_else(|| "?".to_owned())
}

fn timeline(rows: &mut Vec<Row>, fx: &Fixture) {
    let ch = fx.open(Mode::Read);
    let (store, registry) = (ch.store(), ch.registry());
    let head = store.head().unwrap();

    // Cold: a fresh timeline (no keyframes yet) seeking a random position
    // folds everything before it, building keyframes as it goes.
    let mut cold = Vec::new();
    for p in common::positions(head, 5, 11) {
        let mut tl = Timeline::new(timeline_config(ch.config()));
        let ((), d) = time(|| {
            tl.seek(store, registry, p).unwrap();
        });
        cold.push(d);
    }
    latency_row(
        rows,
        format!("timeline jump, COLD: fresh timeline, 1 seek ({})", fx.tag()),
        latency(&mut cold),
        None,
        true,
        "(cold: no target)",
    );

    // The warm-up pass: seek to the head once (what the TUI's first End does).
    let mut tl = Timeline::new(timeline_config(ch.config()));
    let ((), d) = time(|| {
        tl.seek(store, registry, head).unwrap();
    });
    let (kf, every) = tl.keyframes();
    eprintln!("  first pass to head: {} ({kf} keyframes every {every}; process RSS now {})", ms(d), rss());
    rows.push(Row {
        what: format!("timeline first pass 0→head, builds keyframes ({})", fx.tag()),
        measured: format!("{} = {} ev/s ({kf} keyframes every {every})", ms(d), thousands(rate(head, d))),
        target: "(one-off)",
        verdict: "—",
    });

    // Warm: random jumps with every keyframe built. What a person sees is
    // ready: every stream's version, every read model, and the state of the
    // stream the cursor's event touched with its state before (the TUI loads
    // just that one: the timeline's worlds fold no states).
    let shown = |tl: &mut Timeline, p: u64| {
        let mut w = tl.seek(store, registry, p).unwrap().clone();
        if let Some(id) = w.touched.clone() {
            ch.load_state_into(&mut w, &id).unwrap();
        }
    };
    let mut jumps = Vec::new();
    for p in common::positions(head, 1_000, 7) {
        let ((), d) = time(|| shown(&mut tl, p));
        jumps.push(d);
    }
    latency_row(
        rows,
        format!("timeline jump, WARM, uniform random, + the touched stream's state ({})", fx.tag()),
        latency(&mut jumps),
        Some(Duration::from_millis(if fx.engine == Engine::Sqlite { 5 } else { 10 })),
        true,
        if fx.engine == Engine::Sqlite { "p99 ≤ 5 ms" } else { "p99 ≤ 10 ms" },
    );

    let (mut fwd, mut back) = (Vec::new(), Vec::new());
    for p in common::positions(head.saturating_sub(2).max(1), 500, 13) {
        let p = p + 1; // 2..=head-1
        tl.seek(store, registry, p).unwrap();
        let ((), d) = time(|| shown(&mut tl, p + 1));
        fwd.push(d);
        tl.seek(store, registry, p).unwrap();
        let ((), d) = time(|| shown(&mut tl, p - 1));
        back.push(d);
    }
    let half_ms = Some(Duration::from_micros(500));
    latency_row(rows, format!("timeline step +1 ({})", fx.tag()), latency(&mut fwd), half_ms, true, "p99 ≤ 0.5 ms");
    latency_row(rows, format!("timeline step −1 ({})", fx.tag()), latency(&mut back), half_ms, true, "p99 ≤ 0.5 ms");
}

fn command_bus(rows: &mut Vec<Row>, fx: &Fixture) {
    let (db, _dir) = fx.writable();
    let mut c = Chronicle::open(db.as_str(), Mode::Write, Registry::builtin()).unwrap();
    let opts = ExecOptions::new("bench", "bench");
    c.execute("open bench-1 Bench Account", &opts).unwrap();
    let mut samples = Vec::new();
    for i in 0..200 {
        let line = if i % 10 == 9 {
            "transfer bench-1 acc-1 0.01 bench".to_owned()
        } else {
            format!("deposit bench-1 {}.{:02} bench", 1 + i % 7, i % 100)
        };
        let (out, d) = time(|| c.execute(&line, &opts));
        if let Err(e) = out {
            assert!(e.is_rejection(), "{e}"); // acc-1 may be closed in the demo
        }
        samples.push(d);
    }
    latency_row(
        rows,
        format!("command bus, durable, in-process ({})", fx.tag()),
        latency(&mut samples),
        Some(Duration::from_millis(if fx.engine == Engine::Sqlite { 2 } else { 3 })),
        false,
        if fx.engine == Engine::Sqlite { "p50 ≤ 2 ms; report p99" } else { "p50 ≤ 3 ms (unix socket); report p99" },
    );
}

fn aggregate(rows: &mut Vec<Row>) {
    let len = common::long_stream_len();
    let registry = Arc::new(Registry::builtin());
    for (name, path) in [
        ("snapshots on", common::long_stream_store(len)),
        ("snapshots table emptied", common::long_stream_store_without_snapshots(len)),
    ] {
        let c = Chronicle::open(&path, Mode::Read, Registry::builtin()).unwrap();
        let head = c.store().head().unwrap();
        let past = if name.starts_with("snapshots on") { ", 49 events past the snapshot" } else { "" };
        for (at, max_position) in [("head".to_owned(), head), (format!("head−1{past}"), head - 1)] {
            let runs = if name.starts_with("snapshots on") { 200 } else { 5 };
            let mut samples = Vec::new();
            for _ in 0..runs {
                let (l, d) =
                    time(|| repository::load(c.store(), &registry, "acc-1", "BankAccount", max_position).unwrap());
                assert_eq!(l.position, max_position);
                samples.push(d);
            }
            let bound = name.starts_with("snapshots on").then_some(Duration::from_millis(1));
            latency_row(
                rows,
                format!("load 1 aggregate of {} events, {name}, at {at}", label(len)),
                latency(&mut samples),
                bound,
                false,
                "≤ 1 ms (snapshots on)",
            );
        }
    }
}

fn print(rows: &[Row]) {
    println!();
    println!("| what | measured | target | |");
    println!("|---|---|---|---|");
    for r in rows {
        println!("| {} | {} | {} | {} |", r.what, r.measured, r.target, r.verdict);
    }
}

fn main() {
    let only = std::env::var("CHRONICLE_REPORT_ONLY").unwrap_or_default();
    let want = |part: &str| only.is_empty() || only.split(',').any(|p| p == part);
    let pg_url = pg::bench_url();
    let engines_var = std::env::var("CHRONICLE_BENCH_ENGINES").unwrap_or_default();
    let mut engines = Vec::new();
    for (engine, name) in [(Engine::Sqlite, "sqlite"), (Engine::Postgres, "postgres")] {
        let chosen = engines_var.is_empty() || engines_var.split(',').any(|e| e == name);
        if chosen && (engine == Engine::Sqlite || pg_url.is_some()) {
            engines.push(engine);
        }
    }
    let mut rows = Vec::new();
    eprintln!("fixtures under {} ({})", common::stores_dir().display(), common::fixture_version());
    let per_size = ["bulk", "size", "demo", "import", "rebuild", "verify", "timeline", "bus", "debug", "correlation"]
        .iter()
        .any(|p| want(p));
    for n in common::sizes().into_iter().filter(|_| per_size) {
        for &engine in &engines {
            let fx = match engine {
                Engine::Sqlite => Fixture::sqlite(n),
                Engine::Postgres => Fixture::postgres(n, pg_url.as_deref().unwrap()),
            };
            eprintln!("== {}", fx.tag());
            if ["bulk", "size", "demo", "import", "rebuild", "verify"].iter().any(|p| want(p)) {
                let bulk_part = |p: &str| want("bulk") || want(p);
                bulk(&mut rows, &fx, &bulk_part);
            }
            if want("timeline") {
                timeline(&mut rows, &fx);
            }
            if want("debug") {
                debug::debug(&mut rows, &fx);
            }
            if want("correlation") {
                correlation::rows(&mut rows, &fx);
            }
            if want("bus") {
                command_bus(&mut rows, &fx); // last: on PostgreSQL it writes to the fixture
            }
        }
    }
    if want("writers") {
        for &engine in &engines {
            eprintln!("== writer processes");
            writers::rows(&mut rows, engine, pg_url.as_deref());
        }
    }
    if want("aggregate") {
        eprintln!("== aggregate load");
        aggregate(&mut rows);
    }
    if only.split(',').any(|p| p == "foreign") {
        foreign::rows(&mut rows);
    }
    print(&rows);
}
