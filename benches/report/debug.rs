//! The debugger's rows (issue 13 item 6) on the demo store: `blame` and
//! `find` of one stream, `find` on a read model across the whole log,
//! `diff` of two random positions, a what-if branch at a random position
//! and one command in it. Each is timed as the CLI runs it (one open store,
//! no warm caches of our own); the branch is also timed forked from the
//! time machine's world at its position (what the TUI does).
//! The same with the keyframe cache built follow (`report/debug_warm.rs`).
//! `CHRONICLE_REPORT_ONLY=debug` runs these alone.

use std::time::Duration;

use chronicle::app::debug::blame::blame_stream;
use chronicle::app::debug::expr::Expr;
use chronicle::app::debug::find::{Which, find_projection, find_stream};
use chronicle::app::diff::Scope;
use chronicle::app::whatif::Branch;
use chronicle::app::{Chronicle, Mode, Timeline};

use super::common::{self, latency, positions};
use super::fixture::Fixture;
use super::{Row, latency_row, time, timeline_config};

/// `count` bank accounts picked at random (by a fixed seed), with their
/// event counts, and the longest one last.
fn accounts(c: &Chronicle, count: usize) -> Vec<(String, u64)> {
    let mut all: Vec<(String, u64)> = c
        .store()
        .streams()
        .unwrap()
        .into_iter()
        .filter(|s| s.stream_type == "BankAccount")
        .map(|s| (s.stream_id, s.version))
        .collect();
    all.sort();
    let n = all.len() as u64;
    let mut out: Vec<(String, u64)> =
        positions(n, count, 17).into_iter().map(|i| all[usize::try_from(i - 1).unwrap()].clone()).collect();
    if let Some(longest) = all.iter().max_by_key(|(_, v)| *v) {
        out.push(longest.clone());
    }
    out
}

/// Random `(a, b)` with `a < b`.
pub fn pairs(head: u64, count: usize, seed: u64) -> Vec<(u64, u64)> {
    let p = positions(head, count * 2, seed);
    p.chunks(2).map(|w| (w[0].min(w[1]) - 1, w[0].max(w[1]))).collect()
}

const MS: fn(u64) -> Option<Duration> = |n| Some(Duration::from_millis(n));

pub fn debug(rows: &mut Vec<Row>, fx: &Fixture) {
    // `CHRONICLE_REPORT_DEBUG=diff-warm`: the warm whole-store diff rows
    // alone, the cache file kept between runs (for iterating on them).
    // `=diff-cold`: the cold one alone (no cache file).
    let only = std::env::var("CHRONICLE_REPORT_DEBUG").unwrap_or_default();
    if only == "diff-warm" {
        super::debug_warm::diff_warm_only(rows, &fx.open(Mode::Read), &fx.tag());
        return;
    }
    let cache_file = super::debug_warm::fresh_cache_file();
    if only == "diff-cold" {
        let c = fx.open(Mode::Read);
        whole_store_cold(rows, &c, &fx.tag());
        return;
    }
    let c = fx.open(Mode::Read);
    let head = c.store().head().unwrap();
    let tag = fx.tag();
    // `CHRONICLE_BENCH_DEBUG=worlds`: the diffs from the timeline's worlds alone.
    if std::env::var("CHRONICLE_BENCH_DEBUG").is_ok_and(|v| v == "worlds") {
        let mut tl = built_timeline(&c, head);
        from_worlds(rows, &c, &mut tl, Scope::All, &tag);
        from_worlds(rows, &c, &mut tl, Scope::Projection("account_balances"), &tag);
        return;
    }
    let picked = accounts(&c, 20);
    let longest = picked.last().map_or(0, |(_, v)| *v);
    eprintln!("  debug: {} accounts picked (the longest has {longest} events)", picked.len());

    let mut samples = Vec::new();
    for (id, _) in &picked {
        let (n, d) = time(|| blame_stream(&c, id, None, &mut |_| Ok(())).unwrap());
        assert!(n > 0);
        samples.push(d);
    }
    let what = format!("blame --stream, 20 random accounts + the longest ({longest} events) ({tag})");
    latency_row(rows, what, latency(&mut samples), MS(300), true, "≤ 300 ms (p99)");

    let expr = Expr::parse("balance_cents < 0").unwrap();
    let mut samples = Vec::new();
    for (id, _) in &picked {
        let ((), d) = time(|| {
            find_stream(&c, id, &expr, 0, Which::All, &mut |_| Ok(()), &mut |_, _| Ok(())).unwrap();
        });
        samples.push(d);
    }
    let what = format!("find --stream --all 'balance_cents < 0', same accounts ({tag})");
    latency_row(rows, what, latency(&mut samples), MS(300), true, "≤ 300 ms (p99)");

    // A read model across the whole log: --last reads every position.
    let expr = Expr::parse("status = \"closed\" and balance_cents != 0").unwrap();
    let mut samples = Vec::new();
    for _ in 0..2 {
        let ((), d) = time(|| {
            find_projection(&c, "account_balances", &expr, 0, Which::Last, &mut |_| Ok(()), &mut |_, _| Ok(()))
                .unwrap();
        });
        samples.push(d);
    }
    let what = format!("find --projection account_balances --last, across all {} events ({tag})", common::label(head));
    latency_row(rows, what, latency(&mut samples), Some(Duration::from_secs(5)), true, "≤ 5 s");

    // The time machine with every keyframe built (what the TUI holds).
    let mut tl = built_timeline(&c, head);
    diff(rows, &c, &mut tl, &picked, &tag);
    branch(rows, &c, &mut tl, &tag);
    drop(tl);
    super::debug_warm::warm(rows, &c, &tag, &cache_file);
}

/// `diff A B` of random positions without a cache file (read models from the
/// store's read-model snapshots, counts from its interval sums).
fn whole_store_cold(rows: &mut Vec<Row>, c: &Chronicle, tag: &str) {
    let head = c.store().head().unwrap();
    let mut samples = Vec::new();
    for (a, b) in pairs(head, 5, 23) {
        let (d, took) = time(|| c.diff(a, b, Scope::All).unwrap());
        eprintln!("    diff {a} {b}: {} streams, {:.0} ms", d.streams.len(), took.as_secs_f64() * 1e3);
        samples.push(took);
    }
    let what = format!(
        "diff A B, random positions, every stream and read model, no cache file (read-model snapshots in the store) ({tag})"
    );
    latency_row(rows, what, latency(&mut samples), MS(200), true, "≤ 200 ms");
}

fn diff(rows: &mut Vec<Row>, c: &Chronicle, tl: &mut Timeline, picked: &[(String, u64)], tag: &str) {
    let head = c.store().head().unwrap();
    whole_store_cold(rows, c, tag);

    from_worlds(rows, c, tl, Scope::All, tag);

    let mut samples = Vec::new();
    for (a, b) in pairs(head, 5, 29) {
        let ((), took) = time(|| {
            c.diff(a, b, Scope::Projection("account_balances")).unwrap();
        });
        samples.push(took);
    }
    let what = format!("diff A B --projection account_balances, random positions, no cache file ({tag})");
    latency_row(rows, what, latency(&mut samples), MS(200), true, "≤ 200 ms");

    from_worlds(rows, c, tl, Scope::Projection("account_balances"), tag);

    let mut samples = Vec::new();
    for ((id, _), (a, b)) in picked.iter().zip(pairs(head, picked.len(), 31)) {
        let ((), took) = time(|| {
            c.diff(a, b, Scope::Stream(id)).unwrap();
        });
        samples.push(took);
    }
    let what = format!("diff A B --stream, random positions, same accounts ({tag})");
    latency_row(rows, what, latency(&mut samples), MS(200), true, "≤ 200 ms");
}

/// The time machine with every keyframe built (what the TUI holds), and
/// what its interval summaries take.
fn built_timeline(c: &Chronicle, head: u64) -> Timeline {
    let before = super::rss();
    let mut tl = Timeline::new(timeline_config(c.config()));
    let ((), took) = time(|| {
        tl.seek(c.store(), c.registry(), head).unwrap();
    });
    // Then the intervals summed up (the TUI's idle work after building).
    let (all, summing) = time(|| tl.sum_ahead(c.store(), u64::MAX).unwrap());
    assert!(all);
    // What the TUI does on its thread for a diff's other end: a shared
    // keyframe plus the events up to it (benches/report: a frame is 16 ms).
    let frames = tl.frames();
    let mut seeks = Vec::new();
    for p in positions(head, 50, 41) {
        let (w, took) = time(|| frames.world_at(c.store(), c.registry(), p, 2_000).unwrap());
        assert!(w.is_some());
        seeks.push(took);
    }
    let l = latency(&mut seeks);
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let seek = format!("n={} p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms", l.n, ms(l.p50), ms(l.p99), ms(l.max));
    let (pieces, events, listed) = tl.summaries().covered();
    let (kept, every) = tl.keyframes();
    eprintln!(
        "  debug: timeline built to {head} in {:.1} s, its intervals summed in {:.2} s: {kept} \
         keyframes every {every}, {pieces} interval summaries over {events} events listing {listed} streams; \
         resident {before} before, {} after; a diff's other end from the shared keyframes: {seek}",
        took.as_secs_f64(),
        summing.as_secs_f64(),
        super::rss()
    );
    tl
}

/// A diff of random positions as the TUI runs it: the worlds at both ends
/// sought on the timeline, the counts and streams touched from its interval
/// summaries.
fn from_worlds(rows: &mut Vec<Row>, c: &Chronicle, tl: &mut Timeline, scope: Scope<'_>, tag: &str) {
    let head = c.store().head().unwrap();
    let seed = if scope == Scope::All { 23 } else { 29 };
    // `CHRONICLE_BENCH_SUMMARIES=0`: the counts read from the store (before).
    let plain = std::env::var("CHRONICLE_BENCH_SUMMARIES").is_ok_and(|v| v == "0");
    let mut samples = Vec::new();
    for (a, b) in pairs(head, 5, seed) {
        let ((), took) = time(|| {
            let wa = tl.seek(c.store(), c.registry(), a).unwrap().clone();
            let wb = tl.seek(c.store(), c.registry(), b).unwrap().clone();
            if plain {
                c.diff_with_worlds(a, b, scope, [Some(&wa), Some(&wb)]).unwrap();
            } else {
                let sums = tl.summaries();
                c.diff_with_summaries((a, b), scope, [Some(&wa), Some(&wb)], &sums, &|| false).unwrap();
            }
        });
        samples.push(took);
    }
    let what = if scope == Scope::All {
        format!("diff A B, same positions, read models from the timeline's worlds (keyframes built) ({tag})")
    } else {
        format!("diff A B --projection account_balances, from the timeline's worlds ({tag})")
    };
    latency_row(rows, what, latency(&mut samples), MS(200), true, "≤ 200 ms");
}

/// An account open at `at` (the stream of a recent event there), to
/// deposit to in a branch forked at `at`.
fn account_at(c: &Chronicle, at: u64) -> Option<String> {
    (at.saturating_sub(2_000).max(1)..=at).rev().find_map(|p| {
        let e = c.store().event(p).unwrap()?;
        if e.stream_type != "BankAccount" {
            return None;
        }
        let s = c.state_json_at(&e.stream_id, "BankAccount", at).unwrap()?;
        (s["opened"] == true && s["closed"] == false).then_some(e.stream_id)
    })
}

fn branch(rows: &mut Vec<Row>, c: &Chronicle, tl: &mut Timeline, tag: &str) {
    let head = c.store().head().unwrap();
    // What `whatif --at P` does with nothing else: fork, then the diff
    // against the log (streams and read models).
    let at_points = positions(head, 5, 37);
    let mut samples = Vec::new();
    for &at in &at_points {
        let ((), took) = time(|| {
            let b = Branch::fork(c, at).unwrap();
            let mut d = b.diff_against_main(c).unwrap();
            b.diff_read_models(c, &mut d).unwrap();
        });
        samples.push(took);
    }
    let what = format!("whatif --at P: branch ready (fork + its diff), no cache file ({tag})");
    latency_row(rows, what, latency(&mut samples), MS(100), true, "≤ 100 ms");

    // The TUI's: the time machine's world at P (keyframes built) seeds the
    // branch's read models.
    let mut samples = Vec::new();
    for &at in &at_points {
        let ((), took) = time(|| {
            let world = tl.seek(c.store(), c.registry(), at).unwrap();
            let b = Branch::fork(c, at).unwrap();
            let mut d = b.diff_against_main(c).unwrap();
            b.diff_read_models_from(c, &mut d, Some(world)).unwrap();
        });
        samples.push(took);
    }
    let what = format!("branch ready at P from the timeline's world (keyframes built) ({tag})");
    latency_row(rows, what, latency(&mut samples), MS(100), true, "≤ 100 ms");

    let mut samples = Vec::new();
    for &at in &at_points {
        let Some(id) = account_at(c, at) else { continue };
        let mut b = Branch::fork(c, at).unwrap();
        for i in 0..10 {
            let line = format!("deposit {id} 1.{i:02} bench");
            let (out, took) = time(|| b.apply_command(c, &line).unwrap());
            assert!(out.result.is_ok(), "{line}: {:?}", out.result);
            samples.push(took);
        }
    }
    let what = format!("a command in a branch (deposit), 10 per branch ({tag})");
    latency_row(rows, what, latency(&mut samples), MS(5), true, "≤ 5 ms (p99)");
}
