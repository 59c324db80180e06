use super::*;
use crate::app::demo::DemoOptions;
use crate::app::{Chronicle, Mode};
use crate::es::MemTables;

#[test]
fn read_models_at_earlier_positions_equal_a_fold_of_that_projection() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Chronicle::open(&dir.path().join("q.db"), Mode::Write, crate::domain::Registry::builtin()).unwrap();
    c.demo(DemoOptions { events: 600, ..DemoOptions::default() }, &mut |_, _| {}).unwrap();
    for name in ["transaction_history", "account_balances", "daily_summary", "user_profiles"] {
        let p = c.registry().projection(name).unwrap();
        for position in [0, 1, 137, 420, 600] {
            let got = c.projection_rows(name, position, None, 0, 1_000_000).unwrap();
            let mut tables = MemTables::default();
            for e in c.store().read_range(1, position).unwrap() {
                p.apply(&mut tables, &c.registry().upcasters().upcast(&e).unwrap()).unwrap();
            }
            let want: Vec<Row> = tables.rows(p.tables()[0].name).cloned().collect();
            assert_eq!(got, want, "{name} at {position}");
        }
    }
    let page = c.projection_rows("transaction_history", 300, None, 5, 3).unwrap();
    assert_eq!(page.len(), 3);
    assert!(c.projection_rows("nope", 1, None, 0, 1).unwrap_err().to_string().contains("unknown projection"));
}

#[test]
fn the_head_world_read_from_the_store_equals_the_fold() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let mut c = Chronicle::open(&db, Mode::Write, crate::domain::Registry::builtin()).unwrap();
    c.demo(DemoOptions { events: 900, ..DemoOptions::default() }, &mut |_, _| {}).unwrap();
    let head = c.store().head().unwrap();
    let seeded = c.head_world().unwrap().expect("read models are at the head");
    let folded = c.world_at(head).unwrap();
    assert!(seeded.lazy && !folded.lazy);
    assert_eq!(seeded.position, head);
    assert_eq!(seeded.touched, folded.touched, "the stream of the head's event");
    for p in c.registry().projections() {
        for t in p.tables().iter().filter(|_| p.time_travel() == TimeTravel::Fold) {
            let got: Vec<&Row> = seeded.tables.rows(t.name).collect();
            let want: Vec<&Row> = folded.tables.rows(t.name).collect();
            assert_eq!(got, want, "table {}", t.name);
        }
    }
    assert_eq!(seeded.streams.len(), folded.streams.len());
    for (id, f) in &folded.streams {
        let s = &seeded.streams[id];
        let id: &str = id;
        assert_eq!((s.version, s.position, &s.stream_type), (f.version, f.position, &f.stream_type), "{id}");
        assert!(s.state.is_none(), "states are loaded on demand");
        let loaded = c.stream_state(id, head).unwrap();
        assert_eq!(loaded.state, f.state.as_ref().unwrap().to_json(), "state of {id}");
    }
    // A read model behind the head: no seeded world.
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("UPDATE checkpoints SET position = position - 1 WHERE projection = 'account_balances'", [])
        .unwrap();
    assert!(
        Chronicle::open(&db, Mode::Read, crate::domain::Registry::builtin()).unwrap().head_world().unwrap().is_none()
    );
}
