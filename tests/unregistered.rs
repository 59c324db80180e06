//! Issue 10, item 6: events nobody registered. A store holding streams of a
//! type no registered domain knows (here `Widget`) opens everywhere,
//! read-only for those streams: `import` takes them (checking the chain,
//! positions, versions and ids as for every line), `log` lists them, `state
//! --stream` shows their generic state (payloads merged) labelled "no
//! aggregate registered for type Widget", `verify` passes and names them,
//! commands on them are refused (exit 1), `rebuild` works, and the TUI shows
//! them with the same label. An unknown *event type* on a known stream type
//! stays a violation.

#[path = "helpers/export.rs"]
mod export;
#[path = "helpers/cli.rs"]
mod support;

use chronicle::es::hash::GENESIS;
use support::{Store, json_lines, write};

use export::Spec;

/// An export file of `events` from position `first`, chained from `prev`,
/// with correct hashes. Returns the text and the last hash.
fn export_from(first: u64, prev: [u8; 32], events: &[Spec<'_>]) -> (String, [u8; 32]) {
    export::Lines::default().from(first, prev, events)
}

const BANK: &str = "BankAccount";
const WIDGET: &str = "Widget";
const OPEN: Spec<'static> = ("acc-1", BANK, "AccountOpened", 1, r#"{"owner":"Ada Lovelace","currency":"USD"}"#);
const DEPOSIT: Spec<'static> =
    ("acc-1", BANK, "MoneyDeposited", 3, r#"{"amount":{"value_cents":2000,"currency":"USD"},"description":""}"#);

/// Bank events interleaved with two `Widget` streams (one payload not an
/// object), and a `Gadget` stream.
const MIXED: [Spec<'static>; 6] = [
    OPEN,
    ("w-1", WIDGET, "WidgetMade", 1, r#"{"name":"sprocket","size":3}"#),
    DEPOSIT,
    ("w-1", WIDGET, "WidgetResized", 1, r#"{"size":5}"#),
    ("w-2", WIDGET, "WidgetMade", 2, "[1,2]"),
    ("g-1", "Gadget", "GadgetBuilt", 7, r#"{"volts":12}"#),
];

/// An empty store: importing an empty file creates it.
fn empty_store() -> Store {
    let s = Store::new();
    let empty = s.file("empty.jsonl");
    write(&empty, "");
    s.ok(&["import", empty.to_str().expect("utf-8 path")]);
    s
}

/// A store holding [`MIXED`], imported with the real binary; and the file.
fn mixed_store() -> (Store, String) {
    let s = empty_store();
    let (text, _) = export_from(1, GENESIS, &MIXED);
    let file = s.file("mixed.jsonl");
    write(&file, &text);
    s.ok(&["import", file.to_str().expect("utf-8 path")]);
    (s, text)
}

#[test]
fn import_accepts_unregistered_stream_types_and_log_lists_them() {
    let (s, text) = mixed_store();
    assert_eq!(s.export(), text, "export after import is the file, byte for byte");
    let log = s.log(&[]);
    assert_eq!(log.len(), 6);
    assert_eq!(log[1]["stream_type"], WIDGET);
    assert_eq!(log[1]["payload"]["name"], "sprocket");
    assert_eq!(log[4]["payload"], serde_json::json!([1, 2]));
    assert_eq!(log[5]["schema_version"], 7, "an unregistered event's schema version is kept as written");
    let w = s.log(&["--stream", "w-1"]);
    assert_eq!(
        w.iter().map(|e| e["event_type"].as_str().unwrap()).collect::<Vec<_>>(),
        ["WidgetMade", "WidgetResized"]
    );
    let text_log = s.ok(&["log"]);
    assert!(text_log.contains("w-1@2  WidgetResized"), "{text_log}");
    // Importing the same file again appends nothing.
    s.ok(&["import", s.file("mixed.jsonl").to_str().expect("utf-8 path")]);
    assert_eq!(s.export(), text);
}

#[test]
fn import_still_checks_unregistered_lines_chain_versions_ids_and_types() {
    let refused = |text: &str, line: u64, needle: &str| {
        let s = empty_store();
        let file = s.file("bad.jsonl");
        write(&file, text);
        let err = s.fails(&["import", file.to_str().expect("utf-8 path")], 2);
        assert!(err.contains(&format!("line {line}: ")) && err.contains(needle), "line {line}, {needle:?}: {err}");
        assert_eq!(s.export(), "", "a refused import recorded events");
    };
    let (good, _) = export_from(1, GENESIS, &MIXED);
    // An altered payload of a Widget event breaks the chain.
    refused(&good.replace(r#""size":5"#, r#""size":6"#), 4, "hash does not match");
    // A Widget stream skipping a version.
    let (jump, _) = export_from(1, GENESIS, &MIXED[..2]);
    let (rest, _) = export_from(3, GENESIS, &[("w-1", WIDGET, "WidgetResized", 1, "{}")]);
    let rest = rest.replace(r#""version":1"#, r#""version":3"#);
    refused(&format!("{jump}{rest}"), 3, "the next event must be version 2, not 3");
    // One id twice.
    let twice = good.replace("8000-000000000005", "8000-000000000004");
    refused(&twice, 5, "event id");
    // A bank stream continued as a Widget: one stream, one type.
    let (retyped, _) = export_from(1, GENESIS, &[OPEN, ("acc-1", WIDGET, "WidgetMade", 1, "{}")]);
    refused(&retyped, 2, "stream acc-1 is a BankAccount, not a Widget");
}

#[test]
fn an_unknown_event_type_on_a_known_stream_type_stays_a_violation() {
    let s = empty_store();
    let events = [MIXED[1], OPEN, ("acc-1", BANK, "AccountFrozen", 1, "{}")];
    let (text, _) = export_from(1, GENESIS, &events);
    let file = s.file("frozen.jsonl");
    write(&file, &text);
    let err = s.fails(&["import", file.to_str().expect("utf-8 path")], 2);
    assert!(err.contains("line 3: ") && err.contains("rule unknown-event"), "{err}");
    assert!(err.contains("AccountFrozen is not an event of a BankAccount"), "{err}");
    assert_eq!(s.export(), "");
}

#[test]
fn state_of_an_unregistered_stream_is_its_payloads_merged_and_labelled() {
    let (s, _) = mixed_store();
    let v = s.state(&["--stream", "w-1"]);
    assert_eq!(v["generic"], true, "{v}");
    assert_eq!(v["note"], "no aggregate registered for type Widget", "{v}");
    assert_eq!(v["state"], serde_json::json!({"name": "sprocket", "size": 5}), "later fields win");
    assert_eq!((v["version"].as_u64(), v["position"].as_u64()), (Some(2), Some(4)));
    let earlier = s.state(&["--stream", "w-1", "--at", "3"]);
    assert_eq!(earlier["state"], serde_json::json!({"name": "sprocket", "size": 3}), "as of position 3");
    assert_eq!(s.state(&["--stream", "w-2"])["state"], serde_json::json!({"value": [1, 2]}));
    assert_eq!(s.state(&["--stream", "g-1"])["note"], "no aggregate registered for type Gadget");
    let bank = s.state(&["--stream", "acc-1"]);
    assert!(bank.get("generic").is_none() && bank.get("note").is_none(), "unchanged for registered streams: {bank}");
    assert_eq!(bank["state"]["balance_cents"], 2000);
    let text = s.ok(&["state", "--stream", "w-1"]);
    let first = text.lines().next().unwrap_or_default();
    assert!(first.starts_with("note: no aggregate registered for type Widget"), "{text}");
    assert!(!s.ok(&["state", "--stream", "acc-1"]).contains("no aggregate registered"));
    // The whole world at the head includes them.
    let world = s.state(&[]);
    assert_eq!(world["streams"]["w-1"]["state"]["size"], 5, "{world}");
}

#[test]
fn state_of_every_stream_labels_the_unregistered_ones() {
    let (s, _) = mixed_store();
    let world = s.state(&[]);
    let w1 = &world["streams"]["w-1"];
    assert_eq!(
        (&w1["generic"], &w1["note"]),
        (&serde_json::json!(true), &serde_json::json!("no aggregate registered for type Widget")),
        "{world}"
    );
    assert_eq!(world["streams"]["g-1"]["note"], "no aggregate registered for type Gadget", "{world}");
    let bank = &world["streams"]["acc-1"];
    assert!(bank.get("generic").is_none() && bank.get("note").is_none(), "unchanged for registered streams: {bank}");
    assert_eq!(bank["state"]["balance_cents"], 2000);
    let early = s.state(&["--at", "2"]);
    assert_eq!(early["streams"]["w-1"]["note"], "no aggregate registered for type Widget", "as of position 2: {early}");
    assert!(early["streams"].get("g-1").is_none(), "{early}");
    let text = s.ok(&["state"]);
    let notes: Vec<&str> = text.lines().take_while(|l| l.starts_with("note: ")).collect();
    assert_eq!(notes.len(), 2, "one note per unregistered type, first: {text}");
    assert!(notes[0].starts_with("note: no aggregate registered for type Gadget (stream g-1); "), "{text}");
    assert!(notes[1].starts_with("note: no aggregate registered for type Widget (streams w-1, w-2); "), "{text}");
    assert!(text.contains(r#""note": "no aggregate registered for type Widget""#), "{text}");
    assert!(!empty_store().ok(&["state"]).contains("note"), "no note without unregistered streams");
}

#[test]
fn a_stream_type_nobody_registered_is_read_as_stored_whatever_its_event_names() {
    // `ledger` is no registered type; its events are named like the bank's,
    // at versions the bank's upcasters would rewrite (v1) or refuse (v9),
    // with payloads the bank's decoder would refuse.
    const LEDGER: [Spec<'static>; 3] = [
        ("l-1", "ledger", "MoneyDeposited", 1, r#"{"amount":12.5,"memo":"v1 shape"}"#),
        ("l-1", "ledger", "MoneyDeposited", 9, r#"{"amount":"lots"}"#),
        ("l-1", "ledger", "AccountClosed", 1, r#"{"why":7}"#),
    ];
    let s = empty_store();
    let events = [OPEN, LEDGER[0], DEPOSIT, LEDGER[1], LEDGER[2]];
    let (text, _) = export_from(1, GENESIS, &events);
    let file = s.file("ledger.jsonl");
    write(&file, &text);
    s.ok(&["import", file.to_str().expect("utf-8 path")]);
    assert_eq!(s.export(), text, "export after import is the file, byte for byte");
    let v = s.state(&["--stream", "l-1"]);
    assert_eq!(v["note"], "no aggregate registered for type ledger", "{v}");
    assert_eq!(
        v["state"],
        serde_json::json!({"amount": "lots", "memo": "v1 shape", "why": 7}),
        "payloads merged as stored"
    );
    let log = s.log(&["--stream", "l-1"]);
    assert_eq!(log.len(), 3);
    assert_eq!(log[0]["payload"], serde_json::json!({"amount": 12.5, "memo": "v1 shape"}), "not upcast: {}", log[0]);
    assert_eq!((log[0]["schema_version"].as_u64(), log[1]["schema_version"].as_u64()), (Some(1), Some(9)));
    assert!(log.iter().all(|e| e.get("upcast_error").is_none()), "{log:?}");
    // The bank's own stream still gets its upcasters and checks.
    assert_eq!(s.state(&["--stream", "acc-1"])["state"]["balance_cents"], 2000);
    let out = s.verify_ok();
    assert!(out.contains("1 stream (l-1)") && out.contains("type ledger"), "{out}");
    let (old, _) = export_from(1, GENESIS, &[OPEN, ("acc-1", BANK, "MoneyDeposited", 1, r#"{"amount":12.5}"#)]);
    let bank = empty_store();
    let file = bank.file("old.jsonl");
    write(&file, &old);
    bank.ok(&["import", file.to_str().expect("utf-8 path")]);
    assert_eq!(bank.log(&[])[1]["payload"]["amount"]["value_cents"], 1250, "a bank v1 deposit is upcast");
}

#[test]
fn verify_passes_and_names_the_streams_it_could_not_fold() {
    let (s, _) = mixed_store();
    for depth in [&["verify"][..], &["verify", "--chain"]] {
        let out = s.ok(depth);
        assert!(out.starts_with("ok: 6 events in 4 streams"), "{out}");
        let notes: Vec<&str> = out.lines().filter(|l| l.starts_with("note: ")).collect();
        assert_eq!(notes.len(), 2, "one note per unregistered type: {out}");
        assert!(notes[0].contains("1 stream (g-1)") && notes[0].contains("type Gadget"), "{out}");
        assert!(notes[1].contains("2 streams (w-1, w-2)") && notes[1].contains("type Widget"), "{out}");
    }
    // A registered-only store has no such note.
    let plain = empty_store();
    assert!(!plain.verify_ok().contains("note:"));
    // Tampering with an unregistered event is still found.
    s.drop_triggers();
    s.sql().execute("UPDATE events SET payload = '{\"size\":9}' WHERE position = 4", []).expect("tamper");
    let err = s.verify_fails();
    assert!(err.contains("position 4: hash does not match"), "{err}");
}

#[test]
fn commands_on_unregistered_streams_are_refused_and_record_nothing() {
    let (s, text) = mixed_store();
    for line in [
        "deposit w-1 10",
        "open w-1 Ada Lovelace",
        "transfer acc-1 w-1 5",
        "suspend g-1 no reason",
        "register g-1 a@b.c Ada Lovelace",
    ] {
        let err = s.fails(&["exec", line], 1);
        let ty = if line.contains("g-1") { "Gadget" } else { WIDGET };
        let id = if line.contains("g-1") { "g-1" } else { "w-1" };
        assert!(err.contains(&format!("stream {id} is a {ty}, which no registered domain handles")), "{line}: {err}");
        assert_eq!(s.export(), text, "{line}: a refused command recorded events");
    }
    // Registered streams still take commands, next to them.
    let events = json_lines(&s.ok(&["exec", "--json", "deposit acc-1 5"]));
    assert_eq!(events[0]["position"], 7);
    s.verify_ok();
}

#[test]
fn rebuild_and_appends_after_unregistered_streams_work() {
    let (s, _) = mixed_store();
    let before = s.projection("account_balances");
    let r = s.run(&["rebuild"]);
    r.expect_code(0, "rebuild");
    assert_eq!(s.projection("account_balances"), before);
    assert_eq!(before["rows"].as_array().map(Vec::len), Some(1), "only the bank stream has a row: {before}");
    // A file continuing the store (head + 1) with more Widget events.
    let (_, head_hash) = export_from(1, GENESIS, &MIXED);
    let (more, _) = export_from(7, head_hash, &[("w-3", WIDGET, "WidgetMade", 1, r#"{"name":"cog"}"#)]);
    let file = s.file("more.jsonl");
    write(&file, &more);
    s.ok(&["import", file.to_str().expect("utf-8 path")]);
    assert_eq!(s.state(&["--stream", "w-3"])["state"]["name"], "cog");
    let out = s.verify_ok();
    assert!(out.contains("3 streams (w-1, w-2, w-3)"), "{out}");
}

#[test]
fn a_snapshot_of_an_unregistered_stream_is_never_used_nor_held_against_it() {
    let (s, _) = mixed_store();
    // A snapshot row chronicle never writes (no aggregate folds a Widget).
    s.sql()
        .execute(
            "INSERT INTO snapshots (stream_id, version, stream_type, position, state_version, state)
             VALUES ('w-1', 1, 'Widget', 2, 0, '{\"name\":\"forged\"}')",
            [],
        )
        .expect("insert a snapshot");
    assert_eq!(s.state(&["--stream", "w-1"])["state"], serde_json::json!({"name": "sprocket", "size": 5}));
    let out = s.verify_ok();
    assert!(out.contains("1 snapshots"), "{out}");
}

#[cfg(feature = "tui")]
mod tui {
    use chronicle::tui::runtime::render_text;
    use chronicle::tui::{Action, Session};
    use crossterm::event::KeyCode;

    use super::mixed_store;

    const SIZE: (u16, u16) = (140, 40);

    fn goto(s: &mut Session, position: u64) {
        s.press(KeyCode::Char('g')).expect("g opens the go-to prompt");
        s.type_str(&position.to_string()).expect("type the position");
        s.press(KeyCode::Enter).expect("Enter goes there");
        assert_eq!(s.app.cursor, position);
    }

    #[test]
    fn the_tui_shows_unregistered_streams_labelled_and_refuses_commands_on_them() {
        let (store, text) = mixed_store();
        let mut s = Session::open(&store.path, chronicle::domain::Registry::builtin()).unwrap();
        s.app.no_color = true;
        s.dispatch(Action::Resize(SIZE.0, SIZE.1)).unwrap();
        s.start().unwrap();
        assert_eq!(s.app.head, 6);
        // At w-1's second event: its generic state, labelled, in the state pane;
        // the event in the audit log and the timeline.
        goto(&mut s, 4);
        let screen = render_text(&s.app, SIZE.0, SIZE.1);
        if std::env::var_os("SHOW_SCREEN").is_some() {
            eprintln!("{screen}");
        }
        assert!(screen.contains("State · w-1"), "{screen}");
        assert!(screen.contains("no aggregate registered for type Widget"), "{screen}");
        assert!(screen.contains("WidgetResized"), "{screen}");
        assert!(screen.contains("Event 4 · WidgetResized v1"), "the event detail: {screen}");
        assert!(screen.contains("sprocket"), "the merged state shows the first event's field: {screen}");
        assert!(s.app.world.problems.is_empty(), "{:?}", s.app.world.problems);
        // Scrubbing back shows the state as of then.
        s.press(KeyCode::Left).unwrap();
        s.press(KeyCode::Left).unwrap();
        assert_eq!(s.app.cursor, 2);
        let screen = render_text(&s.app, SIZE.0, SIZE.1);
        assert!(screen.contains("WidgetMade") && screen.contains("no aggregate registered"), "{screen}");
        // A bank stream's state carries no such label.
        goto(&mut s, 3);
        let screen = render_text(&s.app, SIZE.0, SIZE.1);
        assert!(screen.contains("State · acc-1") && !screen.contains("no aggregate registered"), "{screen}");
        // A command on a Widget stream is refused with the reason; nothing recorded.
        s.press(KeyCode::Char(':')).unwrap();
        s.type_str("deposit w-1 10").unwrap();
        s.press(KeyCode::Enter).unwrap();
        s.flush().unwrap();
        let message = s.app.message.as_ref().map(|m| m.text.clone()).unwrap_or_default();
        assert!(message.contains("stream w-1 is a Widget, which no registered domain handles"), "{message}");
        drop(s);
        assert_eq!(store.export(), text);
    }
}
