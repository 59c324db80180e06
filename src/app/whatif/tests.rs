use proptest::prelude::*;

use super::*;
use crate::app::demo::DemoOptions;
use crate::app::{ExecOptions, Mode};

fn store() -> (tempfile::TempDir, Chronicle) {
    let dir = tempfile::tempdir().unwrap();
    let c = Chronicle::open(&dir.path().join("w.db"), Mode::Write, crate::domain::Registry::builtin()).unwrap();
    (dir, c)
}

#[test]
fn a_branch_with_nothing_changed_equals_the_log_at_every_fork_point() {
    let (_d, mut c) = store();
    c.demo(DemoOptions { events: 300, ..DemoOptions::default() }, &mut |_, _| {}).unwrap();
    for at in [0, 1, 77, 150, 299, 300] {
        let mut b = Branch::fork(&c, at).unwrap();
        b.replay(&c).unwrap();
        assert!(b.flagged().is_empty(), "at {at}: {:?}", b.flagged());
        let mut d = b.diff_against_main(&c).unwrap();
        b.diff_read_models(&c, &mut d).unwrap();
        assert!(!d.projections.is_empty() && d.is_empty(), "at {at}: {d:?}");
        assert_eq!(d.to, 300);
    }
}

#[test]
fn skipping_an_opening_flags_the_streams_later_events_and_commands_see_the_branch() {
    let (_d, mut c) = store();
    let opts = ExecOptions::new("t", "test");
    for line in ["open acc-1 Ada", "deposit acc-1 50", "open acc-2 Alan", "withdraw acc-1 20"] {
        c.execute(line, &opts).unwrap();
    }
    let mut b = Branch::fork(&c, 3).unwrap();
    b.skip(&c, 1).unwrap();
    assert_eq!(b.flagged().iter().map(|f| f.position).collect::<Vec<_>>(), vec![2]);
    assert_eq!(b.state_of(&c, "acc-1").unwrap(), None);
    let out = b.apply_command(&c, "deposit acc-1 5").unwrap();
    assert!(out.result.is_err(), "{out:?}");
    let out = b.apply_command(&c, "open acc-1 Grace").unwrap();
    assert_eq!(out.result.as_ref().map(Vec::len), Ok(1), "{out:?}");
    assert_eq!(out.to_json()["events"][0]["event_type"], "AccountOpened");
    b.replay(&c).unwrap();
    assert_eq!(b.flagged().iter().map(|f| f.position).collect::<Vec<_>>(), vec![2, 4]);
    let d = b.diff_against_main(&c).unwrap();
    assert_eq!(d.streams.len(), 1, "{d:?}");
    assert_eq!(d.streams[0].stream_id, "acc-1");
    assert!(d.streams[0].changes.iter().any(|ch| ch.path == "owner" && ch.after == "Grace"), "{d:?}");
    assert_eq!(c.store().head().unwrap(), 4, "nothing written");
}

#[test]
fn a_skip_undone_gives_the_log_back() {
    let (_d, mut c) = store();
    let opts = ExecOptions::new("t", "test");
    for line in ["open acc-1 Ada", "deposit acc-1 50", "withdraw acc-1 20", "deposit acc-1 1"] {
        c.execute(line, &opts).unwrap();
    }
    let mut b = Branch::fork(&c, 4).unwrap();
    b.skip(&c, 2).unwrap();
    assert_eq!(b.flagged().len(), 1);
    assert_eq!(b.state_of(&c, "acc-1").unwrap().unwrap()["balance_cents"], 100);
    b.unskip(&c, 2).unwrap();
    assert!(b.flagged().is_empty() && b.skipped().is_empty());
    assert_eq!(b.state_of(&c, "acc-1").unwrap().unwrap()["balance_cents"], 3100);
    assert!(b.diff_against_main(&c).unwrap().is_empty());
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(24)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    /// On random logs, a branch with no skips and no commands equals the
    /// log (replayed or not), and a skip undone gives the log back.
    #[test]
    fn a_branch_left_as_it_is_equals_the_log(
        cmds in proptest::collection::vec((0u8..5, 0u8..3, 1u16..400), 1..30),
        at in 0u64..100,
        skip in 1u64..100,
    ) {
        let (_d, mut c) = store();
        let opts = ExecOptions::new("prop", "test");
        for (k, s, n) in cmds {
            let acc = format!("acc-{s}");
            let line = match k {
                0 => format!("open {acc} Ada"),
                1 | 2 => format!("deposit {acc} {n}"),
                3 => format!("withdraw {acc} {n}"),
                _ => format!("transfer {acc} acc-{} {n}", (s + 1) % 3),
            };
            let _ = c.execute(&line, &opts);
        }
        let head = c.store().head().unwrap();
        let at = at % (head + 1);
        let mut b = Branch::fork(&c, at).unwrap();
        let mut d = b.diff_against_main(&c).unwrap();
        b.diff_read_models(&c, &mut d).unwrap();
        prop_assert!(d.is_empty(), "{:?}", d);
        if head > 0 {
            let skip = 1 + (skip - 1) % head;
            b.skip(&c, skip).unwrap();
            b.unskip(&c, skip).unwrap();
        }
        b.replay(&c).unwrap();
        prop_assert!(b.flagged().is_empty(), "{:?}", b.flagged());
        let mut d = b.diff_against_main(&c).unwrap();
        b.diff_read_models(&c, &mut d).unwrap();
        prop_assert!(d.is_empty(), "{:?}", d);
    }
}

#[test]
fn a_skip_after_the_replay_equals_the_skip_before_it() {
    let (_d, mut c) = store();
    let opts = ExecOptions::new("t", "test");
    for line in ["open acc-1 Ada", "deposit acc-1 50", "deposit acc-1 30", "withdraw acc-1 60", "deposit acc-1 1"] {
        c.execute(line, &opts).unwrap();
    }
    for skip in [2, 3] {
        let mut before = Branch::fork(&c, 2).unwrap();
        before.apply_command(&c, "deposit acc-1 5").unwrap();
        before.skip(&c, skip).unwrap();
        before.replay(&c).unwrap();
        let mut after = Branch::fork(&c, 2).unwrap();
        after.apply_command(&c, "deposit acc-1 5").unwrap();
        after.replay(&c).unwrap();
        after.skip(&c, skip).unwrap();
        assert_eq!(before.flagged(), after.flagged(), "skip {skip}");
        assert_eq!(before.flagged().iter().map(|f| f.position).collect::<Vec<_>>(), vec![4], "skip {skip}");
        assert_eq!(before.state_of(&c, "acc-1").unwrap(), after.state_of(&c, "acc-1").unwrap(), "skip {skip}");
        after.unskip(&c, skip).unwrap();
        assert!(after.flagged().is_empty(), "skip {skip}: {:?}", after.flagged());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    /// On random logs and random branches (a command, a skip before or
    /// after the fork point, a replay or not), the read models' diff seeded
    /// from the time machine's world at the fork point equals the one
    /// folded from position 1.
    #[test]
    fn read_models_from_the_world_at_the_fork_equal_a_fold_from_the_start(
        cmds in proptest::collection::vec((0u8..5, 0u8..3, 1u16..400), 1..30),
        at in 0u64..100,
        skip in proptest::option::of(1u64..100),
        then in proptest::option::of((0u8..3, 1u16..400)),
        replay in any::<bool>(),
    ) {
        let (_d, mut c) = store();
        let opts = ExecOptions::new("prop", "test");
        for (k, s, n) in cmds {
            let acc = format!("acc-{s}");
            let line = match k {
                0 => format!("open {acc} Ada"),
                1 | 2 => format!("deposit {acc} {n}"),
                3 => format!("withdraw {acc} {n}"),
                _ => format!("transfer {acc} acc-{} {n}", (s + 1) % 3),
            };
            let _ = c.execute(&line, &opts);
        }
        let head = c.store().head().unwrap();
        let at = at % (head + 1);
        let mut b = Branch::fork(&c, at).unwrap();
        if let (Some(skip), true) = (skip, head > 0) {
            b.skip(&c, 1 + (skip - 1) % head).unwrap();
        }
        if let Some((s, n)) = then {
            let _ = b.apply_command(&c, &format!("deposit acc-{s} {n}")).unwrap();
        }
        if replay {
            b.replay(&c).unwrap();
        }
        let mut folded = b.diff_against_main(&c).unwrap();
        b.diff_read_models(&c, &mut folded).unwrap();
        let mut tl = crate::app::Timeline::new(c.config());
        let world = tl.seek(c.store(), c.registry(), at).unwrap();
        let mut seeded = b.diff_against_main(&c).unwrap();
        b.diff_read_models_from(&c, &mut seeded, Some(world)).unwrap();
        prop_assert_eq!(folded, seeded);
    }
}
