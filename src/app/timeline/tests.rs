use rand::{Rng, SeedableRng};

use super::*;
use crate::app::demo::DemoOptions;
use crate::app::{Chronicle, Mode};

/// Position, every stream's (id, version, state), every table's rows,
/// and the change at the position.
type Seen = (u64, Vec<(String, u64, Value)>, Vec<Vec<Value>>, Option<(String, Value)>);

/// What a person would see of `w`: lazy states loaded from the store.
fn seen(c: &Chronicle, w: &World) -> Seen {
    let mut w = w.clone();
    c.load_all_states(&mut w).unwrap();
    let streams = w
        .streams
        .iter()
        .map(|(id, s)| (id.to_string(), s.version, s.state.as_ref().map(|s| s.to_json()).unwrap_or_default()))
        .collect();
    let tables = c
        .registry()
        .projections()
        .iter()
        .flat_map(|p| p.tables())
        .map(|t| w.tables.rows(t.name).map(crate::es::Row::to_json).collect())
        .collect();
    (w.position, streams, tables, w.before_last)
}

#[test]
fn keyframed_seeks_equal_a_plain_replay_in_any_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Chronicle::open(&dir.path().join("t.db"), Mode::Write, crate::domain::Registry::builtin()).unwrap();
    c.demo(DemoOptions { events: 1_200, ..DemoOptions::default() }, &mut |_, _| {}).unwrap();
    let head = c.store().head().unwrap();
    let config = Config { keyframe_every: 64, max_keyframes: 8, ..Config::default() };
    let mut t = Timeline::new(config);
    let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
    let mut positions: Vec<u64> = (0..40).map(|_| rng.random_range(0..=head)).collect();
    positions.extend([head, 0, 1, head - 1, head]);
    for p in positions {
        let got = seen(&c, t.seek(c.store(), c.registry(), p).unwrap());
        assert_eq!(got, seen(&c, &c.world_at(p).unwrap()), "state at {p}");
    }
    let (kept, every) = t.keyframes();
    assert!(kept <= 8, "the keyframe budget holds: {kept}");
    assert!(every >= 64);
}

#[test]
fn stepping_back_through_the_recent_worlds_equals_a_replay() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Chronicle::open(&dir.path().join("t.db"), Mode::Write, crate::domain::Registry::builtin()).unwrap();
    c.demo(DemoOptions { events: 700, ..DemoOptions::default() }, &mut |_, _| {}).unwrap();
    let head = c.store().head().unwrap();
    let mut t = Timeline::new(Config { keyframe_every: 100, ..Config::default() });
    t.seek(c.store(), c.registry(), head).unwrap();
    for p in (head - 300..head).rev().step_by(7) {
        let got = seen(&c, t.seek(c.store(), c.registry(), p).unwrap());
        assert_eq!(got, seen(&c, &c.world_at(p).unwrap()), "state and change at {p}");
    }
}

#[test]
fn an_event_that_does_not_decode_is_listed_not_skipped() {
    let registry = Registry::builtin();
    let stored = StoredEvent {
        position: 1,
        event_id: "e-1".into(),
        stream_id: "acc-1".into(),
        stream_type: "BankAccount".into(),
        version: 1,
        event_type: "MoneyDeposited".into(),
        schema_version: 3,
        payload: r#"{"amount":12.5}"#.into(),
        metadata: "{}".into(),
        recorded_at: "2026-01-01T00:00:00Z".into(),
        hash: [0; 32],
    };
    // The lazy world (the time machine's) and the folded one alike.
    for mut w in [World::lazy(), World::default()] {
        w.apply(&registry, &stored, false);
        assert_eq!(w.problems.len(), 1, "{:?}", w.problems);
        assert!(w.problems[0].starts_with("position 1: rule decode: MoneyDeposited v3 payload"), "{:?}", w.problems);
    }
    let fine = StoredEvent { payload: r#"{"amount":{"value_cents":5,"currency":"USD"}}"#.into(), ..stored };
    let mut w = World::lazy();
    w.apply(&registry, &fine, false);
    assert!(w.problems.is_empty(), "{:?}", w.problems);
}

#[test]
fn before_last_holds_the_state_before_the_cursor_event() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Chronicle::open(&dir.path().join("t.db"), Mode::Write, crate::domain::Registry::builtin()).unwrap();
    let opts = crate::app::ExecOptions::new("t", "test");
    c.execute("open acc-1 Ada Lovelace", &opts).unwrap();
    c.execute("deposit acc-1 10", &opts).unwrap();
    let mut t = Timeline::new(Config::default());
    let mut w = t.seek(c.store(), c.registry(), 2).unwrap().clone();
    assert!(w.lazy && w.streams["acc-1"].state.is_none(), "the timeline folds no states");
    c.load_state_into(&mut w, "acc-1").unwrap();
    let (stream, before) = w.before_last.clone().unwrap();
    assert_eq!(stream, "acc-1");
    assert_eq!(before["balance_cents"], 0);
    assert_eq!(w.streams.get("acc-1").unwrap().state.as_ref().unwrap().to_json()["balance_cents"], 1000);
    let mut w = t.seek(c.store(), c.registry(), 1).unwrap().clone();
    c.load_state_into(&mut w, "acc-1").unwrap();
    assert_eq!(w.before_last.clone().unwrap().1, Value::Null, "the first event creates the stream");
}

#[test]
fn interval_summaries_add_up_to_a_read_of_any_range_as_k_doubles() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Chronicle::open(&dir.path().join("t.db"), Mode::Write, crate::domain::Registry::builtin()).unwrap();
    c.demo(DemoOptions { events: 2_000, ..DemoOptions::default() }, &mut |_, _| {}).unwrap();
    summaries_add_up(&c);
}

#[test]
fn interval_summaries_add_up_on_postgres_too() {
    let Some(db) = crate::postgres::testing::TestDb::create() else { return };
    let mut c = Chronicle::open(db.url(), Mode::Write, crate::domain::Registry::builtin()).unwrap();
    c.demo(DemoOptions { events: 700, ..DemoOptions::default() }, &mut |_, _| {}).unwrap();
    summaries_add_up(&c);
}

/// Interval summaries of a timeline built by seeks here and there, then by
/// prefetching, summed a bit at a time, sum to a read of any range; they
/// merge as K doubles.
fn summaries_add_up(c: &Chronicle) {
    use crate::es::store::Summing;
    let head = c.store().head().unwrap();
    let mut t = Timeline::new(Config { keyframe_every: 16, max_keyframes: 6, ..Config::default() });
    let sums = t.summaries();
    let mut rng = rand::rngs::SmallRng::seed_from_u64(11);
    let read = |a: u64, b: u64| {
        let mut s = Summing::default();
        c.store().sum_range(a, b, &mut s).unwrap();
        s.finish()
    };
    for step in 0..30 {
        if step == 20 {
            t.prefetch(c.store(), c.registry(), head / 2).unwrap();
        }
        if step < 20 {
            t.seek(c.store(), c.registry(), rng.random_range(0..=head)).unwrap();
        }
        // Summed in bits, as an idle front end does between keys.
        t.sum_ahead(c.store(), rng.random_range(0..200)).unwrap();
        let a = rng.random_range(0..=head);
        let b = rng.random_range(a..=head);
        let got = sums.sum(c.store(), (a, b), true, &|| false).unwrap();
        assert_eq!(got, read(a, b), "({a}, {b}] after step {step}");
    }
    while !t.prefetch(c.store(), c.registry(), 500).unwrap() {}
    while !t.sum_ahead(c.store(), 100).unwrap() {}
    let (pieces, events, _) = sums.covered();
    let (kept, every) = t.keyframes();
    assert!(every > 16, "K doubled: {every}");
    assert_eq!(events, head, "every interval built is summed");
    assert!(pieces <= kept + 2, "intervals merge as K doubles: {pieces} for {kept} keyframes");
    assert_eq!(sums.sum(c.store(), (0, head), true, &|| false).unwrap(), read(0, head));
}

#[test]
fn another_thread_seeks_from_the_shared_keyframes_to_the_same_world() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Chronicle::open(&dir.path().join("t.db"), Mode::Write, crate::domain::Registry::builtin()).unwrap();
    c.demo(DemoOptions { events: 900, ..DemoOptions::default() }, &mut |_, _| {}).unwrap();
    let head = c.store().head().unwrap();
    let mut t = Timeline::new(Config { keyframe_every: 32, max_keyframes: 8, ..Config::default() });
    let frames = t.frames();
    // Nothing built yet: only positions within the limit of the first event.
    assert!(frames.world_at(c.store(), c.registry(), 500, 100).unwrap().is_none());
    while !t.prefetch(c.store(), c.registry(), 300).unwrap() {}
    let (_, every) = t.keyframes();
    let mut rng = rand::rngs::SmallRng::seed_from_u64(5);
    for _ in 0..20 {
        let p = rng.random_range(0..=head);
        let w = frames.world_at(c.store(), c.registry(), p, every).unwrap().expect("a keyframe within K");
        assert_eq!(seen(&c, &w), seen(&c, &c.world_at(p).unwrap()), "world at {p}");
    }
    t.reset(Config::default());
    assert!(frames.world_at(c.store(), c.registry(), head, 10).unwrap().is_none(), "a reset empties them");
}
