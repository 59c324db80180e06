//! Hostile input: property tests over the command language and over import
//! files. Parsing returns `Ok` or a one-line `Err`, never panics; ids with
//! quotes, `%`, `_`, unicode and 10 kB lengths round-trip through the store
//! exactly (no LIKE-style matching); import lines of any shape are accepted
//! whole or refused whole, and the store still verifies.
//!
//! `PROPTEST_CASES` sets the cases (default 64 here, to keep CI short).

#[path = "helpers/campaign.rs"]
mod support;

use chronicle::app::{Chronicle, ExecOptions, Mode};
use chronicle::domain::Registry;
use chronicle::domain::registry::MAX_COMMAND_BYTES;
use chronicle::es::store::LogFilter;
use proptest::prelude::*;
use std::cell::{Cell, RefCell};

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64)
}

/// Text drawn from the awkward corners: quotes, SQL wildcards, unicode,
/// control characters, whitespace of all kinds.
fn nasty_text(max: usize) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("'".to_owned()),
        Just("\"".to_owned()),
        Just("%".to_owned()),
        Just("_".to_owned()),
        Just("\\".to_owned()),
        Just("--".to_owned()),
        Just("; DROP TABLE events;".to_owned()),
        Just("\u{0}".to_owned()),
        Just("\u{1b}[2J".to_owned()),
        Just("\r\n".to_owned()),
        Just("\u{200b}".to_owned()),
        Just("\u{202e}".to_owned()),
        Just("é".to_owned()),
        Just("𝄞".to_owned()),
        Just("12.50".to_owned()),
        Just(" ".to_owned()),
        "[a-z0-9-]{1,8}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..max).prop_map(|v| v.concat())
}

/// An id: printable, no whitespace, with quotes, wildcards and unicode.
fn nasty_id() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{1,3}[%_'\"\\\\é𝄞.:/-]{0,4}[a-z0-9]{0,3}",
        Just("%".to_owned()),
        Just("_".to_owned()),
        Just("a%".to_owned()),
        Just("a_c".to_owned()),
        (1usize..3).prop_map(|n| "x".repeat(n * 5_000)),
    ]
}

#[test]
fn the_parser_never_panics() {
    let registry = Registry::builtin();
    let words =
        ["open", "deposit", "withdraw", "transfer", "close", "register", "change-email", "suspend", "grant", "delete"];
    let config = ProptestConfig { cases: cases() * 8, failure_persistence: None, ..ProptestConfig::default() };
    proptest!(config, |(word in prop::sample::select(words.to_vec()), rest in nasty_text(12), raw in nasty_text(6))| {
        for line in [format!("{word} {rest}"), raw.clone(), format!("{word} {raw} {rest}")] {
            match registry.parse(&line) {
                Ok(_) => {}
                Err(e) => prop_assert!(!e.contains('\n') && !e.contains('\u{1b}'), "one clean line: {e:?}"),
            }
        }
    });
}

#[test]
fn lines_over_the_limit_are_refused_with_a_message() {
    let registry = Registry::builtin();
    for line in [
        format!("open acc-1 {}", "A".repeat(MAX_COMMAND_BYTES)),
        format!("deposit acc-1 5 {}", "é".repeat(MAX_COMMAND_BYTES / 2)),
        "x".repeat(10 * MAX_COMMAND_BYTES),
    ] {
        let Err(err) = registry.parse(&line) else { panic!("a line over the limit was accepted") };
        assert!(err.contains("limit is 65536 bytes"), "{err}");
    }
    // Just under the limit is fine.
    assert!(registry.parse(&format!("open acc-1 {}", "A".repeat(MAX_COMMAND_BYTES - 20))).is_ok());
    // Through the binary: exit 1, one line, nothing recorded.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("big.db");
    let out = support::run(&db, &["exec", &format!("open acc-1 {}", "A".repeat(70_000))]);
    assert_eq!(support::code(&out), 1);
    assert_eq!(support::stderr(&out).lines().count(), 1);
}

#[test]
fn odd_ids_round_trip_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let c = RefCell::new(
        Chronicle::open(&dir.path().join("ids.db"), Mode::Write, chronicle::domain::Registry::builtin()).unwrap(),
    );
    let opts = ExecOptions::new("prop", "test");
    let opened: RefCell<Vec<String>> = RefCell::new(Vec::new());
    let config = ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() };
    proptest!(config, |(id in nasty_id(), owner in nasty_text(4), desc in nasty_text(4))| {
        let mut c = c.borrow_mut();
        let mut opened = opened.borrow_mut();
        let fresh = !opened.contains(&id);
        match c.execute(&format!("open {id} Owner {owner}"), &opts) {
            Ok(out) => {
                prop_assert!(fresh, "open on an existing id must be refused");
                prop_assert_eq!(&out.events[0].stream_id, &id);
                opened.push(id.clone());
            }
            Err(e) => prop_assert!(!fresh || e.is_rejection(), "{}", e),
        }
        if opened.contains(&id) {
            let before = c.store().stream(&id).unwrap().unwrap().version;
            if c.execute(&format!("deposit {id} 1.25 {desc}"), &opts).is_ok() {
                let s = c.store().stream(&id).unwrap().unwrap();
                prop_assert_eq!(s.version, before + 1);
            }
            // The log filter matches this id exactly, not as a pattern.
            let filter = LogFilter { stream_id: Some(id.clone()), ..LogFilter::default() };
            let events = c.store().log(&filter, 1_000).unwrap();
            prop_assert!(!events.is_empty());
            prop_assert!(events.iter().all(|e| e.stream_id == id), "{} matched other streams", id);
        }
    });
    drop(c.into_inner());
    support::assert_verify_ok(&dir.path().join("ids.db"));
}

/// A valid export to mutate.
fn export_lines() -> Vec<String> {
    let dir = tempfile::tempdir().expect("test helper");
    let db = support::demo_copy(dir.path(), "src.db", 60);
    let out = support::ok(&db, &["export"]);
    String::from_utf8(out.stdout).expect("test helper").lines().map(str::to_owned).collect()
}

#[test]
fn import_of_arbitrary_lines_is_all_or_nothing_and_never_panics() {
    let valid = export_lines();
    let n = valid.len();
    let dir = tempfile::tempdir().unwrap();
    let (accepted, refused) = (Cell::new(0u32), Cell::new(0u32));
    let config = ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() };
    let case = Cell::new(0usize);
    proptest!(config, |(
        keep in 0..=n,
        edits in prop::collection::vec((0..n, 0usize..12, nasty_text(5)), 0..3),
        junk in prop::collection::vec(nasty_text(8), 0..3),
    )| {
        let mut lines: Vec<String> = valid[..keep].to_vec();
        for (at, how, text) in &edits {
            if lines.is_empty() {
                break;
            }
            let i = at % lines.len();
            // A line an earlier edit replaced by junk is replaced again.
            let Ok(mut v @ serde_json::Value::Object(_)) = serde_json::from_str::<serde_json::Value>(&lines[i]) else {
                lines[i] = text.clone();
                continue;
            };
            let fields = ["position", "event_id", "stream_id", "stream_type", "version", "event_type",
                          "schema_version", "payload", "metadata", "recorded_at", "hash"];
            match how {
                0..=10 => v[fields[*how]] = serde_json::Value::String(text.clone()),
                _ => lines[i] = text.clone(),
            }
            if *how <= 10 {
                lines[i] = v.to_string();
            }
        }
        lines.extend(junk.iter().cloned());
        case.set(case.get() + 1);
        let case = case.get();
        let file = dir.path().join(format!("in-{case}.jsonl"));
        support::write_lines(&file, &lines);
        let db = dir.path().join(format!("in-{case}.db"));
        let mut c = Chronicle::open(&db, Mode::Write, chronicle::domain::Registry::builtin()).unwrap();
        let result = c.import(&file, &mut |_, _| {});
        let head = c.store().head().unwrap();
        match result {
            Ok(done) => {
                accepted.set(accepted.get() + 1);
                prop_assert_eq!(head, done.appended);
            }
            Err(e) => {
                refused.set(refused.get() + 1);
                prop_assert_eq!(head, 0, "a refused import recorded events: {}", e);
                prop_assert!(!e.to_string().chars().any(char::is_control), "one clean line: {:?}", e.to_string());
            }
        }
        let report = c.verify(&mut |_, _| {}).unwrap();
        prop_assert!(report.ok(), "{:?}", report.problems);
    });
    eprintln!("import: {} files accepted, {} refused", accepted.get(), refused.get());
}
