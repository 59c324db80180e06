//! Correctness at scale (issue 4): on a 100,000-event store, the world at
//! 200 random positions from the keyframed timeline, sought in random order,
//! equals a plain replay from position 0. Sizes:
//! `CHRONICLE_SCALE_EVENTS` (default 100000), `CHRONICLE_SCALE_POSITIONS`
//! (default 200), `CHRONICLE_SCALE_SEED`.

use std::collections::BTreeMap;

use chronicle::app::demo::DemoOptions;
use chronicle::app::{Chronicle, Config, Mode, Timeline, World};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::Value;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Every table's rows, as JSON.
fn tables(c: &Chronicle, w: &World) -> Vec<(String, Vec<Value>)> {
    c.registry()
        .projections()
        .iter()
        .flat_map(|p| p.tables())
        .map(|t| (t.name.to_owned(), w.tables.rows(t.name).map(chronicle::es::Row::to_json).collect()))
        .collect()
}

#[test]
fn the_keyframed_timeline_equals_a_plain_replay_at_random_positions() {
    let events = env("CHRONICLE_SCALE_EVENTS", 100_000);
    let count = env("CHRONICLE_SCALE_POSITIONS", 200);
    let mut rng = rand::rngs::SmallRng::seed_from_u64(env("CHRONICLE_SCALE_SEED", 4));
    let dir = tempfile::tempdir().unwrap();
    let mut c =
        Chronicle::open(&dir.path().join("scale.db"), Mode::Write, chronicle::domain::Registry::builtin()).unwrap();
    c.demo(DemoOptions { events, ..DemoOptions::default() }, &mut |_, _| {}).unwrap();
    let head = c.store().head().unwrap();
    assert!(head >= events);

    let mut positions: Vec<u64> = (0..count).map(|_| rng.random_range(0..=head)).collect();
    positions.extend([0, 1, head]);

    // The plain replay: one pass from position 0, every state folded, the
    // world kept at each chosen position (copies share structure).
    let mut wanted: BTreeMap<u64, World> = BTreeMap::new();
    let mut plain = World::default();
    wanted.insert(0, plain.clone());
    let marks: std::collections::BTreeSet<u64> = positions.iter().copied().collect();
    c.store()
        .scan(1, head, |e| {
            plain.apply(c.registry(), &e, marks.contains(&e.position));
            if marks.contains(&e.position) {
                wanted.insert(e.position, plain.clone());
            }
            Ok::<_, chronicle::app::AppError>(())
        })
        .unwrap();

    // The timeline, with its default settings, sought in random order.
    positions.shuffle(&mut rng);
    let mut timeline = Timeline::new(Config::default());
    for p in positions {
        let want = &wanted[&p];
        let mut got = timeline.seek(c.store(), c.registry(), p).unwrap().clone();
        assert_eq!(got.position, p);
        assert_eq!(got.touched, want.touched, "the stream of the event at {p}");
        let versions =
            |w: &World| w.streams.iter().map(|(id, s)| (id.to_string(), s.version, s.position)).collect::<Vec<_>>();
        assert_eq!(versions(&got), versions(want), "stream versions at {p}");
        assert_eq!(tables(&c, &got), tables(&c, want), "read models at {p}");
        // States are loaded on demand: the stream the event at p touched
        // (with its state before), plus a few others.
        let ids: Vec<String> = want.streams.keys().map(ToString::to_string).collect();
        let mut check: Vec<String> = want.before_last.iter().map(|(id, _)| id.clone()).collect();
        if !ids.is_empty() {
            check.extend((0..4).map(|_| ids[rng.random_range(0..ids.len())].clone()));
        }
        for id in &check {
            c.load_state_into(&mut got, id).unwrap();
            let state = |w: &World| w.streams[id.as_str()].state.as_ref().map(|s| s.to_json());
            assert_eq!(state(&got), state(want), "state of {id} at {p}");
        }
        assert_eq!(got.before_last, want.before_last, "the change made by the event at {p}");
    }
}
