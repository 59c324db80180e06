use std::path::PathBuf;
use std::sync::OnceLock;

use proptest::prelude::*;

use crate::app::demo::DemoOptions;
use crate::app::diff::Scope;
use crate::app::{Chronicle, Config, Mode, Timeline};
use crate::domain::Registry;

/// A demo store shared by every case (built once, read only after).
fn store() -> &'static PathBuf {
    static STORE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &STORE
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("demo.db");
            let mut c = Chronicle::open(&path, Mode::Write, Registry::builtin()).unwrap();
            c.demo(DemoOptions { events: 1_500, ..DemoOptions::default() }, &mut |_, _| {}).unwrap();
            (dir, path)
        })
        .1
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(24)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    /// Whatever the keyframe interval (doubling past a small budget) and
    /// however far the timeline got (seeks anywhere, prefetching part of
    /// the log, summing part of it), a diff counted from its summaries is
    /// the diff read from the store.
    #[test]
    fn a_diff_from_the_timelines_summaries_equals_the_diff_read_whole(
        every in 1u64..300,
        max in 2usize..12,
        seeks in proptest::collection::vec(0u64..1_600, 0..6),
        prefetch in 0u64..1_600,
        summed in 0u64..1_600,
        a in 0u64..1_600,
        b in 0u64..1_600,
    ) {
        let c = Chronicle::open(store(), Mode::Read, Registry::builtin()).unwrap();
        let head = c.store().head().unwrap();
        let mut tl = Timeline::new(Config { keyframe_every: every, max_keyframes: max, ..c.config() });
        for p in seeks {
            tl.seek(c.store(), c.registry(), p % (head + 1)).unwrap();
        }
        tl.prefetch(c.store(), c.registry(), prefetch).unwrap();
        // Part of what is built summed, then perhaps more built.
        tl.sum_ahead(c.store(), summed).unwrap();
        tl.prefetch(c.store(), c.registry(), prefetch / 2).unwrap();
        let (a, b) = (a % (head + 1), b % (head + 1));
        let (a, b) = (a.min(b), a.max(b));
        let sums = tl.summaries();
        for scope in [Scope::All, Scope::Projection("account_balances")] {
            let want = c.diff_unless(a, b, scope, [None, None], &|| false).unwrap();
            let got = c.diff_with_summaries((a, b), scope, [None, None], &sums, &|| false).unwrap();
            prop_assert_eq!(&got, &want, "{:?} every {} max {}", scope, every, max);
        }
        let stopped = c.diff_with_summaries((a, b), Scope::All, [None, None], &sums, &|| true);
        prop_assert_eq!(stopped.is_err(), a < b, "a diff told to stop says so");
    }
}
