//! Issue 13 item 6, speed: `chronicle cache` on chronicle's own store, then
//! `diff`, `whatif` and `find --projection --from` start from the nearest
//! cached keyframe (the log file says so) and print exactly what they print
//! without the cache; a store rewritten under its cache is not read
//! through it.

#[path = "helpers/cli.rs"]
mod support;

use std::path::Path;

use support::{Run, Store, chronicle, run};

/// Runs `chronicle --db <store> [--cache FILE | --no-cache] args…` with a
/// log file in `logs` (debug level) and small keyframe intervals.
fn with(s: &Store, cache: Option<&Path>, logs: &Path, args: &[&str]) -> Run {
    let mut cmd = chronicle();
    cmd.env("CHRONICLE_LOG_DIR", logs).env("CHRONICLE_LOG", "chronicle=debug").env("CHRONICLE_KEYFRAME_EVERY", "40");
    cmd.arg("--db").arg(&s.path);
    match cache {
        Some(c) => cmd.arg("--cache").arg(c),
        None => cmd.arg("--no-cache"),
    };
    run(cmd.args(args))
}

/// How many times the log file says read models came from a cached keyframe.
fn cache_reads(logs: &Path) -> usize {
    std::fs::read_to_string(logs.join("chronicle.log"))
        .unwrap_or_default()
        .matches("read models from a cached keyframe")
        .count()
}

/// Every query answered cold and warm, compared; returns how many warm
/// runs read a keyframe.
fn compare(s: &Store, cache: &Path, logs: &Path, queries: &[Vec<String>]) -> usize {
    let before = cache_reads(logs);
    for q in queries {
        let args: Vec<&str> = q.iter().map(String::as_str).collect();
        let cold = with(s, None, logs, &args);
        let warm = with(s, Some(cache), logs, &args);
        assert_eq!(warm.code, cold.code, "{q:?}: exit status\ncold: {}\nwarm: {}", cold.stderr, warm.stderr);
        assert!(!cold.stdout.trim().is_empty() || cold.code != 0, "{q:?} printed nothing");
        assert_eq!(warm.stdout, cold.stdout, "{q:?}: the cached answer differs from the cold one");
    }
    cache_reads(logs) - before
}

fn queries() -> Vec<Vec<String>> {
    let q = |args: &[&str]| args.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>();
    vec![
        q(&["diff", "37", "530", "--json"]),
        q(&["diff", "120", "121", "--json"]),
        q(&["diff", "80", "600", "--projection", "account_balances", "--json"]),
        q(&["diff", "81", "599", "--json"]),
        q(&["whatif", "--at", "333", "--json"]),
        q(&["whatif", "--at", "401", "--skip", "450", "--replay", "--json"]),
        q(&["whatif", "--at", "250", "--skip", "100", "--json"]),
        q(&["find", "--projection", "account_balances", "--where", "balance_cents > 50000", "--from", "333", "--json"]),
        q(&[
            "find",
            "--projection",
            "account_balances",
            "--where",
            "balance_cents > 1",
            "--from",
            "480",
            "--all",
            "--json",
        ]),
    ]
}

#[test]
fn diff_whatif_and_find_answer_the_same_from_a_built_cache_and_read_it() {
    let s = Store::demo(640);
    let dir = tempfile::tempdir().expect("temporary directory");
    let (cache, logs) = (dir.path().join("store.cache"), dir.path().join("logs"));
    // Without a cache file nothing reads one (and none is created).
    assert_eq!(compare(&s, &cache, &logs, &queries()[..1]), 0);
    assert!(!cache.exists(), "a diff never creates a cache file");

    let built = with(&s, Some(&cache), &logs, &["cache"]);
    built.expect_code(0, "chronicle cache");
    assert!(built.stdout.contains("keyframes up to position 640"), "{}", built.stdout);
    let reads = compare(&s, &cache, &logs, &queries());
    assert!(reads >= 8, "diff, whatif and find read the cached keyframes ({reads} reads)");

    // A log that grew: the keyframes still serve, and agree.
    for line in ["open acc-x Grace Hopper", "deposit acc-x 70000"] {
        s.exec(line);
    }
    let grown = vec![
        vec!["diff".to_owned(), "300".to_owned(), "642".to_owned(), "--json".to_owned()],
        vec!["whatif".to_owned(), "--at".to_owned(), "641".to_owned(), "--json".to_owned()],
    ];
    assert!(compare(&s, &cache, &logs, &grown) >= 2);
}

#[test]
fn a_store_rewritten_under_its_cache_is_not_read_through_it() {
    let s = Store::demo(640);
    let dir = tempfile::tempdir().expect("temporary directory");
    let (cache, logs) = (dir.path().join("store.cache"), dir.path().join("logs"));
    with(&s, Some(&cache), &logs, &["cache"]).expect_code(0, "chronicle cache");
    // Another store of the same length at the same path.
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", s.path.display()));
    }
    s.ok(&["demo", "--no-tui", "--events", "640", "--seed", "7"]);
    assert_eq!(compare(&s, &cache, &logs, &queries()), 0, "the old keyframes are never read");
}

#[test]
fn counts_from_the_cached_keyframes_are_the_counts_of_the_range() {
    let s = Store::demo(640);
    let dir = tempfile::tempdir().expect("temporary directory");
    let (cache, logs) = (dir.path().join("store.cache"), dir.path().join("logs"));
    with(&s, Some(&cache), &logs, &["cache"]).expect_code(0, "chronicle cache");
    let counted = || {
        std::fs::read_to_string(logs.join("chronicle.log"))
            .unwrap_or_default()
            .matches("counts from cached keyframes")
            .count()
    };
    let before = counted();
    // Ends on keyframes (every 40), between them, at 0 and at the head.
    let ends = [(40, 400), (41, 599), (0, 640), (39, 601), (80, 81), (1, 639), (200, 640)];
    let queries: Vec<Vec<String>> = ends
        .iter()
        .map(|(a, b)| {
            let args = ["diff", &a.to_string(), &b.to_string(), "--projection", "account_balances", "--json"];
            args.iter().map(|x| (*x).to_owned()).collect()
        })
        .collect();
    compare(&s, &cache, &logs, &queries);
    assert!(counted() - before >= 5, "the counts came from the cache ({} times)", counted() - before);
}

/// How many times the log file says a diff summed the cached intervals.
fn summed_from_cache(logs: &Path) -> usize {
    std::fs::read_to_string(logs.join("chronicle.log"))
        .unwrap_or_default()
        .matches("streams touched from cached interval sums")
        .count()
}

fn whole_store_diffs(ends: &[(u64, u64)]) -> Vec<Vec<String>> {
    ends.iter().map(|(a, b)| vec!["diff".to_owned(), a.to_string(), b.to_string(), "--json".to_owned()]).collect()
}

#[test]
fn a_whole_store_diff_takes_its_streams_touched_from_the_cache_and_an_older_file_is_not_read() {
    let s = Store::demo(640);
    let dir = tempfile::tempdir().expect("temporary directory");
    let (cache, logs) = (dir.path().join("store.cache"), dir.path().join("logs"));
    with(&s, Some(&cache), &logs, &["cache"]).expect_code(0, "chronicle cache");
    // Ends on keyframes (every 40), between them, at 0 and at the head.
    let ends = [(0, 640), (37, 530), (40, 400), (41, 599), (200, 640), (39, 121)];
    compare(&s, &cache, &logs, &whole_store_diffs(&ends));
    let summed = summed_from_cache(&logs);
    assert!(summed >= ends.len(), "the counts and streams touched came from the cache ({summed} times)");

    // A log that grew past the cached head: the edge read covers the rest.
    for line in ["open acc-y Ada Lovelace", "deposit acc-y 12000", "withdraw acc-y 500"] {
        s.exec(line);
    }
    compare(&s, &cache, &logs, &whole_store_diffs(&[(0, 643), (100, 642), (639, 643)]));
    assert!(summed_from_cache(&logs) >= summed + 2, "a grown log still sums the cached intervals");

    // An interval overlapping others (as a file extended from a timeline
    // that did not restore its frames could hold) is never counted twice.
    let db = rusqlite::Connection::open(&cache).expect("the cache file opens");
    let sql = "INSERT OR REPLACE INTO cache_sums (position, after, sums) SELECT 600, 0, sums FROM cache_sums WHERE position = 600";
    assert_eq!(db.execute(sql, []).expect("an overlapping interval written"), 1);
    drop(db);
    compare(&s, &cache, &logs, &whole_store_diffs(&[(0, 643), (0, 600), (39, 601)]));

    // A file of the previous format (2: frames without interval sums) is
    // never read, for the sums or for the read models.
    let db = rusqlite::Connection::open(&cache).expect("the cache file opens");
    db.execute("UPDATE cache_header SET header = json_set(header, '$.format', 2)", []).expect("header rewritten");
    drop(db);
    let (summed, reads) = (summed_from_cache(&logs), cache_reads(&logs));
    compare(&s, &cache, &logs, &whole_store_diffs(&[(0, 643), (37, 530)]));
    assert_eq!(summed_from_cache(&logs), summed, "an older file's sums are not read");
    assert_eq!(cache_reads(&logs), reads, "an older file's frames are not read");
}
