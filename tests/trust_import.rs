//! Issue 9, items 2–4: import checks every link of the hash chain wherever
//! the file starts, one event id names one event, and a genuine export of
//! more than one import chunk (10,000 events) imports into a non-empty
//! store. Through the real binary on real SQLite files; forged files are
//! made the way an attacker would (hashes recomputed with the public chain
//! function, so only the store's own chain can catch them).

#[path = "helpers/cli.rs"]
mod support;

use chronicle::es::hash::{self, GENESIS, HashInput};
use serde_json::Value;
use support::{Store, json_lines, write};

fn parse(text: &str) -> Vec<Value> {
    json_lines(text)
}

fn text(lines: &[Value]) -> String {
    lines.iter().map(|l| l.to_string() + "\n").collect()
}

fn hash_of(line: &Value) -> [u8; 32] {
    let mut h = [0u8; 32];
    hex::decode_to_slice(line["hash"].as_str().expect("hash"), &mut h).expect("hex hash");
    h
}

/// Recomputes every line's hash as a chain from `prev`: what a forger does.
fn rechain(lines: &mut [Value], mut prev: [u8; 32]) {
    for l in lines {
        let (payload, metadata) = (l["payload"].to_string(), l["metadata"].to_string());
        let s = |k: &str| l[k].as_str().expect("string field").to_owned();
        let n = |k: &str| l[k].as_u64().expect("number field");
        let h = hash::link(
            &prev,
            HashInput {
                position: n("position"),
                event_id: &s("event_id"),
                stream_id: &s("stream_id"),
                stream_type: &s("stream_type"),
                version: n("version"),
                event_type: &s("event_type"),
                schema_version: u32::try_from(n("schema_version")).expect("u32"),
                payload: &payload,
                metadata: &metadata,
                recorded_at: &s("recorded_at"),
            },
        );
        l["hash"] = Value::String(hex::encode(h));
        prev = h;
    }
}

/// Imports `lines` (written to `name`) into `s`, expecting a one-line
/// refusal with exit 2 that records nothing; returns the line.
fn refused(s: &Store, name: &str, lines: &[Value]) -> String {
    let file = s.file(name);
    write(&file, &text(lines));
    let before = s.bytes();
    let line = s.fails(&["import", file.to_str().expect("utf-8 path")], 2);
    assert_eq!(s.bytes(), before, "a refused import changed the store: {line}");
    line
}

fn import_ok(s: &Store, name: &str, lines: &[Value], extra: &[&str]) -> String {
    let file = s.file(name);
    write(&file, &text(lines));
    let mut args = vec!["import"];
    args.extend_from_slice(extra);
    args.push(file.to_str().expect("utf-8 path"));
    let r = s.run(&args);
    r.expect_code(0, &format!("import {name}"));
    r.stderr
}

// ---- item 2: every link, wherever the file starts ----

#[test]
fn an_export_with_positions_shifted_by_1000_is_refused_even_with_every_hash_recomputed() {
    let source = Store::demo(30);
    let mut lines = parse(&source.export());
    for l in &mut lines {
        l["position"] = (l["position"].as_u64().expect("position") + 1000).into();
    }
    let empty = Store::new();
    import_ok(&empty, "nothing.jsonl", &[], &[]);
    let line = refused(&empty, "shifted.jsonl", &lines);
    assert!(line.contains("line 1") && line.contains("position 1001") && line.contains("--rechain"), "{line}");
    // Recomputing the chain does not help: a file must start where the
    // store's chain lets every link be checked.
    rechain(&mut lines, GENESIS);
    let line = refused(&empty, "shifted-rehashed.jsonl", &lines);
    assert!(line.contains("line 1"), "{line}");
    let small = Store::new();
    small.exec("open own-1 Owner");
    let line = refused(&small, "shifted-rehashed.jsonl", &lines);
    assert!(line.contains("line 1") && line.contains("ends at position 1"), "{line}");
    assert_eq!(empty.export(), "");
}

#[test]
fn a_file_that_continues_the_store_has_every_link_checked_from_the_head() {
    let source = Store::demo(40);
    let all = parse(&source.export());
    let store = Store::new();
    import_ok(&store, "first.jsonl", &all[..10], &[]);

    // An altered payload in the continuation, hashes left alone.
    let mut tail = all[10..].to_vec();
    let before = tail[20]["payload"].to_string();
    tail[20]["payload"]["tampered"] = true.into();
    assert_ne!(tail[20]["payload"].to_string(), before);
    let line = refused(&store, "altered-tail.jsonl", &tail);
    assert!(line.contains("line 21") && line.contains("hash"), "{line}");

    // The whole continuation re-hashed by a forger, but not from this
    // store's head: its first link is wrong.
    rechain(&mut tail, GENESIS);
    let line = refused(&store, "forged-tail.jsonl", &tail);
    assert!(line.contains("line 1") && line.contains("hash"), "{line}");

    // Positions with a gap, or repeated, are refused naming the line.
    let mut gap = all[10..].to_vec();
    gap.remove(5);
    assert!(refused(&store, "gap.jsonl", &gap).contains("line 6"));
    let mut repeated = all[10..].to_vec();
    repeated.insert(3, repeated[2].clone());
    assert!(refused(&store, "repeated.jsonl", &repeated).contains("line 4"));

    // Hashes are lowercase hex, as exported.
    let mut upper = all[10..].to_vec();
    upper[0]["hash"] = upper[0]["hash"].as_str().expect("hash").to_uppercase().into();
    let line = refused(&store, "upper.jsonl", &upper);
    assert!(line.contains("line 1") && line.contains("lowercase"), "{line}");

    // The genuine continuation imports, and the stores are then the same.
    import_ok(&store, "tail.jsonl", &all[10..], &[]);
    assert_eq!(store.export(), source.export());
    store.verify_ok();
}

#[test]
fn a_correct_hash_does_not_let_a_stream_continue_at_a_clashing_version() {
    let source = Store::demo(30);
    let all = parse(&source.export());
    let store = Store::new();
    import_ok(&store, "first.jsonl", &all[..20], &[]);
    let mut tail = all[20..].to_vec();
    let v = tail[0]["version"].as_u64().expect("version");
    tail[0]["version"] = (v + 5).into();
    rechain(&mut tail, hash_of(&all[19]));
    let line = refused(&store, "version.jsonl", &tail);
    assert!(line.contains("line 1") && line.contains(&format!("version {v}")), "{line}");
}

#[test]
fn rechain_appends_foreign_events_as_new_ones_and_keeps_where_they_came_from() {
    let source = Store::demo(30);
    let export = source.export();
    let lines = parse(&export);
    let store = Store::new();
    store.exec("open own-1 Owner");
    // As this store's history it is refused: position 1 is another event.
    let line = refused(&store, "foreign.jsonl", &lines);
    assert!(line.contains("line 1") && line.contains("--rechain"), "{line}");

    let err = import_ok(&store, "foreign.jsonl", &lines, &["--rechain"]);
    assert!(err.contains("re-chained 30 events") && err.contains("metadata.imported"), "{err}");
    store.verify_ok();
    let log = store.log(&[]);
    assert_eq!(log.len(), 31);
    for (stored, original) in log[1..].iter().zip(&lines) {
        assert_eq!(stored["position"].as_u64().expect("position"), original["position"].as_u64().expect("p") + 1);
        assert_eq!(stored["event_id"], original["event_id"], "the event id is kept");
        assert_eq!(stored["stored_payload"], original["payload"], "the payload is kept as written");
        let imported = &stored["metadata"]["imported"];
        assert_eq!(imported["position"], original["position"]);
        assert_eq!(imported["hash"], original["hash"]);
        assert_eq!(imported["version"], original["version"]);
        assert_eq!(imported["recorded_at"], original["recorded_at"]);
        assert_eq!(stored["metadata"]["actor"], original["metadata"]["actor"]);
        assert_ne!(stored["hash"], original["hash"]);
    }
    // The same file again: the same events, nothing new.
    let err = import_ok(&store, "foreign.jsonl", &lines, &["--rechain"]);
    assert!(err.contains("nothing to import"), "{err}");
    assert_eq!(store.log(&[]).len(), 31);
    // A file altered inside is refused even when re-chaining.
    let mut altered = lines.clone();
    altered[4]["payload"]["tampered"] = true.into();
    altered[4]["event_id"] = "fresh-id".into();
    let file = store.file("altered.jsonl");
    write(&file, &text(&altered[3..]));
    let line = store.fails(&["import", "--rechain", file.to_str().expect("utf-8 path")], 2);
    assert!(line.contains("line 2") && line.contains("hash"), "{line}");
    // An id the store holds with other content is a clash.
    let mut clash = lines[..1].to_vec();
    clash[0]["payload"]["owner"] = "Someone Else".into();
    rechain(&mut clash, GENESIS);
    write(&file, &text(&clash));
    let line = store.fails(&["import", "--rechain", file.to_str().expect("utf-8 path")], 2);
    let id = clash[0]["event_id"].as_str().expect("id");
    assert!(line.contains(id) && line.contains("position 2") && line.contains("payload"), "{line}");
    assert_eq!(store.log(&[]).len(), 31);
}

// ---- item 3: one id, one event ----

#[test]
fn an_event_id_stored_with_other_content_is_a_conflict_not_already_stored() {
    let source = Store::demo(20);
    let all = parse(&source.export());
    let store = Store::new();
    import_ok(&store, "all.jsonl", &all, &[]);

    // A continuation reusing a stored id, its hash correct from the head.
    let mut reuse = vec![all[19].clone()];
    reuse[0]["position"] = 21.into();
    reuse[0]["event_id"] = all[2]["event_id"].clone();
    reuse[0]["version"] = (all[19]["version"].as_u64().expect("version") + 1).into();
    rechain(&mut reuse, hash_of(&all[19]));
    let line = refused(&store, "reuse.jsonl", &reuse);
    let id = all[2]["event_id"].as_str().expect("id");
    assert!(line.contains("line 1") && line.contains(id) && line.contains("position 3"), "{line}");

    // The store's own history forged from position 1: the same ids, one
    // payload changed, every hash recomputed.
    let mut forged = all.clone();
    forged[6]["metadata"]["actor"] = "mallory".into();
    rechain(&mut forged, GENESIS);
    let line = refused(&store, "forged.jsonl", &forged);
    let id = all[6]["event_id"].as_str().expect("id");
    assert!(line.contains("line 7") && line.contains(id) && line.contains("metadata"), "{line}");

    // Only the identical events are idempotent.
    let err = import_ok(&store, "all.jsonl", &all, &[]);
    assert!(err.contains("nothing to import"), "{err}");
    store.verify_ok();
}

// ---- item 4: more than one chunk into a non-empty store ----

#[test]
fn a_genuine_export_of_more_than_10000_events_imports_into_a_non_empty_store() {
    let source = Store::new();
    source.ok(&["demo", "--no-tui", "--events", "12000", "--seed", "1"]);
    let export = source.export();
    let all = parse(&export);
    assert_eq!(all.len(), 12_000);

    // A store holding the first 500 events takes the other 11,500, checked
    // link by link from its head across the 10,000-event chunk.
    let store = Store::new();
    import_ok(&store, "first.jsonl", &all[..500], &[]);
    let mut altered = all[500..].to_vec();
    altered[10_499]["recorded_at"] = "2020-01-01T00:00:00Z".into();
    let line = refused(&store, "altered.jsonl", &altered);
    assert!(line.contains("line 10500") && line.contains("hash"), "{line}");
    import_ok(&store, "rest.jsonl", &all[500..], &[]);
    assert_eq!(store.export(), export);

    // Into a store with events of its own, as new facts.
    let other = Store::new();
    other.exec("open own-1 Owner");
    let err = import_ok(&other, "all.jsonl", &all, &["--rechain"]);
    assert!(err.contains("re-chained 12000 events"), "{err}");
    let out = other.verify_ok();
    assert!(out.contains("12001 events"), "{out}");
}
