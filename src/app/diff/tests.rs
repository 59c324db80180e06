use std::collections::BTreeMap;
use std::sync::Arc;

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::app::{Config, ExecOptions, Mode};
use crate::domain::Registry;

static SPEC: crate::es::TableSpec = crate::es::TableSpec {
    name: "t",
    columns: &[
        crate::es::Column { name: "id", kind: crate::es::ColumnKind::Integer },
        crate::es::Column { name: "v", kind: crate::es::ColumnKind::Integer },
    ],
    key_len: 1,
};

#[test]
fn rows_differ_by_their_json_and_only_those_are_listed() {
    use crate::es::{Cell, Row};
    let row = |id: i64, v: Cell| Row::new(&SPEC, [Cell::Int(id), v]);
    let before =
        rows::keyed([row(1, Cell::Int(5)), row(2, Cell::Int(7)), row(3, Cell::Int(1)), row(10, Cell::Null)].iter());
    // Row 1: other cells, same JSON (not changed); 2: changed; 3: removed;
    // 4: added; 10: equal.
    let after = rows::keyed(
        [row(1, Cell::json(json!(5))), row(2, Cell::Int(8)), row(4, Cell::Int(0)), row(10, Cell::Null)].iter(),
    );
    let d = rows_diff(before, after);
    assert_eq!(d.added.iter().map(Row::to_json).collect::<Vec<_>>(), vec![json!({"id": 4, "v": 0})]);
    assert_eq!(d.removed.iter().map(Row::to_json).collect::<Vec<_>>(), vec![json!({"id": 3, "v": 1})]);
    assert_eq!(d.changed, vec![(json!(2), json!({"id": 2, "v": 7}), json!({"id": 2, "v": 8}))]);
}

#[test]
fn a_key_text_is_the_text_of_its_json_key() {
    use crate::es::{Cell, Column, ColumnKind, Row, TableSpec};
    static TWO: TableSpec = TableSpec {
        name: "two",
        columns: &[
            Column { name: "a", kind: ColumnKind::Text },
            Column { name: "b", kind: ColumnKind::Integer },
            Column { name: "c", kind: ColumnKind::Integer },
        ],
        key_len: 2,
    };
    let cells = [
        Cell::Null,
        Cell::Int(-42),
        Cell::Int(i64::MAX),
        Cell::text("acc-\"quoted\"\n\u{7}é 🦀"),
        Cell::json(json!({"z": [1, 2.5, null], "a": "x"})),
        Cell::json(json!(1.5)),
    ];
    for a in &cells {
        let one = Row::new(&SPEC, [a.clone(), Cell::Int(1)]);
        assert_eq!(rows::key_text(&one), row_key(&one).to_string());
        for b in &cells {
            let two = Row::new(&TWO, [a.clone(), b.clone(), Cell::Null]);
            assert_eq!(rows::key_text(&two), row_key(&two).to_string());
        }
    }
}

#[test]
fn nested_fields_are_dotted_paths_and_equal_values_are_left_out() {
    let before = json!({"a": 1, "b": {"c": "x", "d": [1]}, "gone": true});
    let after = json!({"a": 1, "b": {"c": "y", "d": [1, 2]}, "new": null, "added": 3});
    let got: Vec<(String, Value, Value)> =
        changes(&before, &after).into_iter().map(|c| (c.path, c.before, c.after)).collect();
    assert_eq!(
        got,
        vec![
            ("added".into(), Value::Null, json!(3)),
            ("b.c".into(), json!("x"), json!("y")),
            ("b.d".into(), json!([1]), json!([1, 2])),
            ("gone".into(), json!(true), Value::Null),
        ]
    );
    assert_eq!(changes(&json!(1), &json!(2))[0].path, "");
}

/// One of a few commands on a few streams; many are rejected (fine: the
/// log holds what was accepted).
fn command(kind: u8, stream: u8, amount: u16) -> String {
    let acc = format!("acc-{}", stream % 3);
    let user = format!("u-{}", stream % 2);
    match kind % 7 {
        0 => format!("open {acc} Ada"),
        1 | 2 => format!("deposit {acc} {}", amount % 500 + 1),
        3 => format!("withdraw {acc} {}", amount % 300 + 1),
        4 => format!("register {user} {user}@example.com Ada"),
        5 => format!("grant {user} admin"),
        _ => format!("close {acc}"),
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(24)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    /// The diff between any two positions equals comparing the naive
    /// fold of the whole world at each (states and read-model rows), and
    /// its events by type add up to B − A.
    #[test]
    fn diff_equals_naive_states_before_and_after(
        cmds in proptest::collection::vec((0u8..7, 0u8..6, 0u16..1000), 1..40),
        a in 0u64..1000,
        b in 0u64..1000,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let config = Config { snapshot_every: 3, ..Config::default() };
        let mut c = Chronicle::open_with(&dir.path().join("d.db"), Mode::Write, Arc::new(Registry::builtin()), config).unwrap();
        let opts = ExecOptions::new("prop", "test");
        for (k, s, n) in cmds {
            let _ = c.execute(&command(k, s, n), &opts);
        }
        let head = c.store().head().unwrap();
        let (a, b) = (a % (head + 1), b % (head + 1));
        let (a, b) = (a.min(b), a.max(b));
        let d = c.diff(a, b, Scope::All).unwrap();
        prop_assert_eq!(d.by_type.values().sum::<u64>(), b - a);
        prop_assert_eq!(d.by_actor.values().sum::<u64>(), b - a);
        // The counts (read without payloads) are those of every event read whole.
        let (mut by_type, mut by_actor) = (BTreeMap::new(), BTreeMap::new());
        c.store().scan(a + 1, b, |e| {
            *by_type.entry(e.event_type.clone()).or_default() += 1;
            *by_actor.entry(e.metadata().actor).or_default() += 1;
            Ok::<_, AppError>(())
        }).unwrap();
        prop_assert_eq!((&d.by_type, &d.by_actor), (&by_type, &by_actor));
        // A ledger's rows gained in (a, b] are its whole diff: counted, and
        // read when shown, the rows that comparing its rows read whole at
        // both ends finds (in key order).
        for (name, p) in &d.projections {
            if a < b && c.registry().projection(name).unwrap().time_travel() != crate::es::TimeTravel::Fold {
                let whole = rows_diff(c.keyed_rows(name, a).unwrap(), c.keyed_rows(name, b).unwrap());
                prop_assert!(whole.removed.is_empty() && whole.changed.is_empty(), "{}", name);
                let appended = p.appended.unwrap();
                prop_assert_eq!(appended.count, whole.added.len() as u64, "{}", name);
                let mut shown = Vec::new();
                c.appended_rows(name, &appended, &mut |row| { shown.push(row); Ok(true) }).unwrap();
                let mut want = whole.added.clone();
                want.sort_by(|x, y| x.key_cells().cmp(y.key_cells()));
                prop_assert_eq!(&shown, &want, "{}", name);
                let mut previewed = d.clone();
                c.preview_appended(&mut previewed, 2).unwrap();
                prop_assert_eq!(&previewed.projections[name].added[..], &want[..want.len().min(2)], "{}", name);
            }
        }
        // Written straight from its fields, the same text as its JSON value.
        prop_assert_eq!(serde_json::to_string(&d).unwrap(), d.to_json().to_string());
        // A diff told to stop says so.
        let stopped = c.diff_unless(a, b, Scope::All, [None, None], &|| true);
        prop_assert_eq!(stopped.is_err(), a < b);
        // The time machine's worlds at both ends give the same diff.
        let mut tl = crate::app::Timeline::new(c.config());
        let ta = tl.seek(c.store(), c.registry(), a).unwrap().clone();
        let tb = tl.seek(c.store(), c.registry(), b).unwrap().clone();
        prop_assert_eq!(&c.diff_with_worlds(a, b, Scope::All, [Some(&ta), Some(&tb)]).unwrap(), &d);
        prop_assert_eq!(&c.diff_with_worlds(a, b, Scope::All, [Some(&tb), None]).unwrap(), &d, "a world elsewhere is not used");
        let (wa, wb) = (c.world_json(a).unwrap(), c.world_json(b).unwrap());
        let mut want = Vec::new();
        for (id, s) in wb["streams"].as_object().unwrap() {
            let before = &wa["streams"][id]["state"];
            let after = &s["state"];
            if before != after {
                want.push((id.clone(), before.is_null(), changes(before, after)));
            }
        }
        let got: Vec<_> = d.streams.iter().map(|s| (s.stream_id.clone(), s.created, s.changes.clone())).collect();
        prop_assert_eq!(&got, &want);
        // One stream's diff: its entry of the whole diff, and its own
        // events in (a, b] (read through the stream index, in pages).
        for id in wb["streams"].as_object().unwrap().keys() {
            let mut naive: BTreeMap<String, u64> = BTreeMap::new();
            c.store().scan(a + 1, b, |e| {
                if &e.stream_id == id {
                    *naive.entry(e.event_type).or_default() += 1;
                }
                Ok::<_, AppError>(())
            }).unwrap();
            let one = c.diff(a, b, Scope::Stream(id)).unwrap();
            prop_assert_eq!(&one.by_type, &naive, "{}", id);
            let mut paged: BTreeMap<String, u64> = BTreeMap::new();
            c.events_between(a, b, Scope::Stream(id), 2, &mut |e| *paged.entry(e.event_type.clone()).or_default() += 1).unwrap();
            prop_assert_eq!(&paged, &naive, "{} in pages of 2", id);
            let whole: Vec<_> = got.iter().filter(|s| &s.0 == id).cloned().collect();
            let one: Vec<_> = one.streams.iter().map(|s| (s.stream_id.clone(), s.created, s.changes.clone())).collect();
            prop_assert_eq!(one, whole, "{}", id);
        }
        // Every read model's rows, a ledger's read whole.
        let mut whole = d.clone();
        c.preview_appended(&mut whole, usize::MAX).unwrap();
        for (name, p) in &whole.projections {
            let spec = &c.registry().projection(name).unwrap().tables()[0];
            let keyed = |w: &Value| -> BTreeMap<String, Value> {
                w["projections"][name].as_array().unwrap().iter().map(|r| {
                    let key: Vec<&Value> = spec.columns[..spec.key_len].iter().map(|col| &r[col.name]).collect();
                    (json!(key).to_string(), r.clone())
                }).collect()
            };
            let (ra, rb) = (keyed(&wa), keyed(&wb));
            let added: Vec<&Value> = rb.iter().filter(|(k, _)| !ra.contains_key(*k)).map(|(_, r)| r).collect();
            let removed: Vec<&Value> = ra.iter().filter(|(k, _)| !rb.contains_key(*k)).map(|(_, r)| r).collect();
            let changed: Vec<(&Value, &Value)> = rb.iter().filter_map(|(k, r)| ra.get(k).filter(|o| *o != r).map(|o| (o, r))).collect();
            let got_added: Vec<Value> = p.added.iter().map(crate::es::Row::to_json).collect();
            let mut got_added: Vec<&Value> = got_added.iter().collect();
            let mut want_added = added;
            got_added.sort_by_key(ToString::to_string);
            want_added.sort_by_key(ToString::to_string);
            prop_assert_eq!(got_added, want_added, "{}", name);
            prop_assert_eq!(p.removed.len(), removed.len(), "{}", name);
            let mut got_removed: Vec<Value> = p.removed.iter().map(crate::es::Row::to_json).collect();
            let mut want_removed: Vec<Value> = removed.into_iter().cloned().collect();
            got_removed.sort_by_key(ToString::to_string);
            want_removed.sort_by_key(ToString::to_string);
            prop_assert_eq!(got_removed, want_removed, "{}", name);
            let mut got_changed: Vec<(&Value, &Value)> = p.changed.iter().map(|(_, b, a)| (b, a)).collect();
            let mut want_changed = changed;
            got_changed.sort_by_key(|v| v.0.to_string());
            want_changed.sort_by_key(|v| v.0.to_string());
            prop_assert_eq!(got_changed, want_changed, "{}", name);
        }
    }
}
