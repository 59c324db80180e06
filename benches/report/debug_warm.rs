//! The debugger's rows again with the keyframe cache built (`chronicle
//! cache` on the store, done here in process and timed once): `diff` (random
//! positions, and 1,000 events apart),
//! `diff --projection`, a what-if branch ready, and `find --projection
//! --from P`, each starting from the nearest cached keyframe (issue 13
//! item 6). The cold rows (`report/debug.rs`) run before the file exists.

use std::path::PathBuf;
use std::time::Duration;

use chronicle::app::cache::{self, Choice, KeyframeCache};
use chronicle::app::debug::expr::Expr;
use chronicle::app::debug::find::{Which, find_projection};
use chronicle::app::diff::Scope;
use chronicle::app::whatif::Branch;
use chronicle::app::{Chronicle, Timeline};

use super::common::{self, latency, positions};
use super::debug::pairs;
use super::{Row, latency_row, time};

const MS: fn(u64) -> Option<Duration> = |n| Some(Duration::from_millis(n));

/// The cache file of the process (the choice is made once), absent.
pub fn fresh_cache_file() -> PathBuf {
    let path = common::stores_dir().join("debug-warm.cache");
    cache::choose(Choice::File(path.clone()));
    let _ = std::fs::remove_file(&path);
    path
}

/// What `chronicle cache` does: every keyframe folded and saved.
fn build(c: &Chronicle) -> (usize, Duration) {
    time(|| {
        let mut k = KeyframeCache::for_any_store(c).unwrap().unwrap();
        let mut tl = Timeline::new(c.config());
        k.restore(c, &mut tl).unwrap();
        while !tl.prefetch(c.store(), c.registry(), 50_000).unwrap() {}
        k.save(c, &tl).unwrap()
    })
}

/// `find --projection --from P` (the first match from P), `cold` runs.
fn find_from(c: &Chronicle, froms: &[u64]) -> Vec<Duration> {
    let expr = Expr::parse("balance_cents > 100000").unwrap();
    froms
        .iter()
        .map(|&from| {
            time(|| {
                find_projection(c, "account_balances", &expr, from, Which::First, &mut |_| Ok(()), &mut |_, _| Ok(()))
                    .unwrap()
            })
            .1
        })
        .collect()
}

/// The whole-store diff rows alone, with a cache file kept between runs
/// (built when absent or stale): `CHRONICLE_REPORT_DEBUG=diff-warm`.
pub fn diff_warm_only(rows: &mut Vec<Row>, c: &Chronicle, tag: &str) {
    let path = common::stores_dir().join("debug-warm-kept.cache");
    cache::choose(Choice::File(path.clone()));
    if c.cached_tables(c.store().head().unwrap()).is_none() {
        let (written, took) = build(c);
        eprintln!("  chronicle cache: {written} frames in {:.1} s", took.as_secs_f64());
    }
    whole_store_diffs(rows, c, tag, true);
}

/// `diff A B` (random positions) and `diff A A+1000`, warm.
fn whole_store_diffs(rows: &mut Vec<Row>, c: &Chronicle, tag: &str, verbose: bool) {
    let head = c.store().head().unwrap();
    let mut samples = Vec::new();
    for (a, b) in pairs(head, 5, 23) {
        let (d, took) = time(|| c.diff(a, b, Scope::All).unwrap());
        if verbose {
            eprintln!("    diff {a} {b}: {} streams, {:.0} ms", d.streams.len(), took.as_secs_f64() * 1e3);
        }
        samples.push(took);
    }
    let what = format!("diff A B, random positions, warm cache ({tag})");
    latency_row(rows, what, latency(&mut samples), MS(200), false, "≤ 200 ms");

    // Nearby positions: what a user comparing two moments of an incident asks.
    let mut samples = Vec::new();
    for at in positions(head, 5, 31) {
        let a = at.min(head.saturating_sub(1_000));
        samples.push(time(|| c.diff(a, a + 1_000, Scope::All).unwrap()).1);
    }
    let what = format!("diff A A+1000, warm cache ({tag})");
    latency_row(rows, what, latency(&mut samples), MS(200), false, "≤ 200 ms");
}

pub fn warm(rows: &mut Vec<Row>, c: &Chronicle, tag: &str, path: &PathBuf) {
    let head = c.store().head().unwrap();
    let froms = positions(head, 3, 41);
    // Cold first (no file yet): one run per position, it folds from 1.
    let mut samples = find_from(c, &froms[..1]);
    let what = format!("find --projection --from P (first match), no cache ({tag})");
    latency_row(rows, what, latency(&mut samples), Some(Duration::from_secs(5)), false, "≤ 5 s");

    let (written, took) = build(c);
    let mb = std::fs::metadata(path).map_or(0, |m| m.len()) / 1_000_000;
    eprintln!("  chronicle cache: {written} frames in {:.1} s, {mb} MB", took.as_secs_f64());
    rows.push(Row {
        what: format!("chronicle cache: build the keyframe cache, once ({tag})"),
        measured: format!("{:.1} s, {written} frames, {mb} MB", took.as_secs_f64()),
        target: "report",
        verdict: "—",
    });

    whole_store_diffs(rows, c, tag, false);

    let mut samples = Vec::new();
    for (a, b) in pairs(head, 5, 29) {
        samples.push(time(|| c.diff(a, b, Scope::Projection("account_balances")).unwrap()).1);
    }
    let what = format!("diff A B --projection account_balances, warm cache ({tag})");
    latency_row(rows, what, latency(&mut samples), MS(200), false, "≤ 200 ms");

    let mut samples = Vec::new();
    for at in positions(head, 5, 37) {
        let ((), took) = time(|| {
            let b = Branch::fork(c, at).unwrap();
            let mut d = b.diff_against_main(c).unwrap();
            b.diff_read_models(c, &mut d).unwrap();
        });
        samples.push(took);
    }
    let what = format!("whatif --at P: branch ready, warm cache ({tag})");
    latency_row(rows, what, latency(&mut samples), MS(100), false, "≤ 100 ms");

    let mut samples = find_from(c, &froms);
    let what = format!("find --projection --from P (first match), warm cache ({tag})");
    latency_row(rows, what, latency(&mut samples), Some(Duration::from_secs(5)), false, "≤ 5 s");
    let _ = std::fs::remove_file(path);
}
