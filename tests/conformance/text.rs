//! Text as given: odd ids round-trip exactly and are found by every read;
//! read-model keys order as the in-memory tables order them (text by
//! bytes, integers by value), whatever the engine's collation.

use chronicle::es::store::LogFilter;
use chronicle::es::{Cell, Column, ColumnKind, ExpectedVersion, MemTables, Row, Rows, TableSpec};

use crate::fixture::{Abort, Fixture, appended, to};

/// Ids an engine must neither trip over nor change: quotes, SQL, spaces,
/// case, non-ASCII, look-alikes, JSON-path and LIKE characters, long.
fn odd_ids() -> Vec<String> {
    let mut ids: Vec<String> = [
        "a'b",
        "x\"; DROP TABLE events; --",
        "with space ",
        "CASE",
        "case",
        "café",
        "cafe\u{301}",
        "$.command_id",
        "50%_off\\",
        "\u{1F600}",
        "tab\there",
    ]
    .map(str::to_owned)
    .into();
    ids.push("l".repeat(1_000));
    ids
}

pub fn odd_ids_round_trip_and_are_found(f: &Fixture) {
    let ids = odd_ids();
    let mut s = f.open();
    for id in &ids {
        let mut b = to(id, ExpectedVersion::NoStream, &[&format!("{id}#1"), &format!("{id}#2")]);
        b.stream_type = format!("T {id}");
        for e in &mut b.events {
            e.event_type = format!("E {id}");
            e.metadata = serde_json::json!({ "correlation_id": id, "command_id": id }).to_string();
        }
        appended(&mut s, vec![b]);
    }
    let mut s = f.open();
    for id in &ids {
        let info = s.stream(id).expect("stream").unwrap_or_else(|| panic!("stream {id:?} is found"));
        assert_eq!(
            (info.stream_id.as_str(), info.stream_type.as_str(), info.version),
            (id.as_str(), &*format!("T {id}"), 2)
        );
        let events = s.stream_events(id, 0, u64::MAX >> 1).expect("stream_events");
        let got: Vec<_> = events.iter().map(|e| (e.event_id.as_str(), e.event_type.as_str())).collect();
        let (one, two, ty) = (format!("{id}#1"), format!("{id}#2"), format!("E {id}"));
        assert_eq!(got, [(one.as_str(), ty.as_str()), (two.as_str(), ty.as_str())], "{id:?}");
        for filter in [
            LogFilter { stream_id: Some(id.clone()), ..LogFilter::default() },
            LogFilter { event_type: Some(ty.clone()), ..LogFilter::default() },
            LogFilter { correlation_id: Some(id.clone()), ..LogFilter::default() },
        ] {
            assert_eq!(s.log(&filter, 100).expect("log").len(), 2, "{filter:?}: exact match, no pattern");
        }
        let first = events[0].position;
        s.write(|tx| {
            assert_eq!(tx.event_position(&one)?, Some(first), "event_position({one:?})");
            assert_eq!(tx.command_events(1, id)?.len(), 2, "command_events({id:?})");
            Ok::<_, Abort>(())
        })
        .expect("write");
    }
    assert_eq!(s.streams().expect("streams").len(), ids.len(), "CASE and case, café and cafe\u{301} are distinct");
    assert!(s.stream("Case").expect("stream").is_none() && s.stream("cafe").expect("stream").is_none());
}

/// A composite key, text then integer (the shape of a per-account ledger).
static KEYED: TableSpec = TableSpec {
    name: "conformance_keyed",
    columns: &[
        Column { name: "name", kind: ColumnKind::Text },
        Column { name: "seq", kind: ColumnKind::Integer },
        Column { name: "note", kind: ColumnKind::Text },
    ],
    key_len: 2,
};

pub fn read_model_keys_order_by_bytes_and_by_value(f: &Fixture) {
    let names = ["b", "B", "_x", "a", "é", "e", "Z", "a b", "ab", ""];
    let seqs = [10, -5, 2, 9];
    let rows: Vec<Row> = names
        .iter()
        .flat_map(|n| seqs.iter().map(move |q| Row::new(&KEYED, [Cell::text(n), Cell::Int(*q), Cell::text("·")])))
        .collect();
    let mut s = f.open();
    s.write(|tx| {
        tx.ensure_tables(&[&KEYED])?;
        rows.iter().try_for_each(|r| tx.put(&KEYED, r.clone()))?;
        Ok::<_, Abort>(())
    })
    .expect("rows");
    let keys = |rows: &[Row]| rows.iter().map(|r| (r.text(0).to_owned(), r.int(1))).collect::<Vec<_>>();
    // The order the time machine's in-memory tables keep.
    let mut mem = MemTables::default();
    rows.iter().try_for_each(|r| mem.put(&KEYED, r.clone())).expect("in memory");
    let want: Vec<_> = mem.rows(KEYED.name).map(|r| (r.text(0).to_owned(), r.int(1))).collect();
    let mut sorted = want.clone();
    sorted.sort_by(|x, y| x.0.as_bytes().cmp(y.0.as_bytes()).then(x.1.cmp(&y.1)));
    assert_eq!(want, sorted, "in memory: text by bytes, then integers by value");
    assert_eq!(keys(&s.table_rows(&KEYED, 0, 1_000).expect("table_rows")), want, "the engine orders as memory does");
    let page = keys(&s.table_rows(&KEYED, 13, 5).expect("table_rows"));
    assert_eq!(page, want[13..18], "pages follow the same order");
    let mut scanned = Vec::new();
    s.scan_table(&KEYED, None, &mut |r| {
        scanned.push((r.text(0).to_owned(), r.int(1)));
        Ok(())
    })
    .expect("scan_table");
    assert_eq!(scanned, want);
}

pub fn json_text_any_parser_accepts_is_stored(f: &Fixture) {
    // Valid JSON that a database's own JSON type may refuse or rewrite
    // (`\u0000`, duplicate keys, huge and precise numbers): the log keeps
    // the writer's text, whatever copy an engine makes for its queries.
    let payloads = [
        r#"{"nul":"a\u0000b"}"#,
        r#"{"k":1,"k":2}"#,
        r#"{"big":123456789012345678901234567890,"precise":0.1000000000000000055511151231257827}"#,
        r#"["not", "an", "object"]"#,
        r#""just a string""#,
    ];
    let mut s = f.open();
    for (i, payload) in payloads.iter().enumerate() {
        let mut b = to("j", ExpectedVersion::Any, &[&format!("j{i}")]);
        b.events[0].payload = (*payload).into();
        appended(&mut s, vec![b]);
    }
    let stored: Vec<String> = f.open().read_range(1, 10).expect("read_range").into_iter().map(|e| e.payload).collect();
    assert_eq!(stored, payloads);
}

/// Every kind of cell at its edges.
static CELLS: TableSpec = TableSpec {
    name: "conformance_cells",
    columns: &[
        Column { name: "id", kind: ColumnKind::Integer },
        Column { name: "n", kind: ColumnKind::Integer },
        Column { name: "t", kind: ColumnKind::Text },
        Column { name: "j", kind: ColumnKind::Json },
    ],
    key_len: 1,
};

pub fn read_model_cells_round_trip_exactly(f: &Fixture) {
    let cells: [[Cell; 4]; 6] = [
        [
            Cell::Int(i64::MIN),
            Cell::Int(i64::MAX),
            Cell::text(""),
            Cell::json(serde_json::json!({"b": [1, 2.5, null], "a": "é"})),
        ],
        [Cell::Int(-1), Cell::Int(0), Cell::text(" spaced \u{1F600} 'quoted' "), Cell::json(serde_json::json!("text"))],
        [Cell::Int(0), Cell::Null, Cell::Null, Cell::Null],
        [Cell::Int(1), Cell::Int(-42), Cell::text("NULL"), Cell::json(serde_json::json!([]))],
        [Cell::Int(2), Cell::Int(7), Cell::text("l".repeat(10_000).as_str()), Cell::json(serde_json::json!({}))],
        [Cell::Int(i64::MAX), Cell::Int(i64::MIN), Cell::text("0"), Cell::json(serde_json::json!(1e300))],
    ];
    let rows: Vec<Row> = cells.into_iter().map(|c| Row::new(&CELLS, c)).collect();
    let mut s = f.open();
    s.write(|tx| {
        tx.ensure_tables(&[&CELLS])?;
        rows.iter().try_for_each(|r| tx.put(&CELLS, r.clone()))?;
        Ok::<_, Abort>(())
    })
    .expect("rows");
    let as_values = |rows: &[Row]| -> Vec<Vec<serde_json::Value>> {
        rows.iter().map(|r| r.cells().iter().map(Cell::to_value).collect()).collect()
    };
    let got = f.open().table_rows(&CELLS, 0, 100).expect("table_rows");
    assert_eq!(as_values(&got), as_values(&rows), "every cell as written, in key order");
    // Read back one by one, as a projection does inside a write.
    s.write(|tx| {
        for r in &rows {
            let back = tx.get(&CELLS, r.key_cells())?.expect("the row by its key");
            assert_eq!(as_values(&[back]), as_values(std::slice::from_ref(r)));
        }
        Ok::<_, Abort>(())
    })
    .expect("get");
}
