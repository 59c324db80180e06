//! `chronicle diff` and `chronicle whatif` (issue 13, items 3 and 4): what
//! differs between two positions, and branches that never touch the store.

#[path = "helpers/pg.rs"]
mod pg;
#[path = "helpers/cli.rs"]
mod support;

use serde_json::Value;
use support::Store;

fn json(s: &Store, args: &[&str]) -> Value {
    let out = s.ok(args);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not one JSON object ({e}): {out}"))
}

/// acc-1 opened, 100.00 and 50.00 deposited, 120.00 withdrawn (positions 1–4).
fn account() -> Store {
    let s = Store::new();
    for line in ["open acc-1 Ada Lovelace", "deposit acc-1 100", "deposit acc-1 50", "withdraw acc-1 120"] {
        s.exec(line);
    }
    s
}

#[test]
fn a_diff_on_the_demo_store_has_the_promised_shape_and_counts() {
    let s = Store::demo(400);
    let (from, to) = (5u64, 170u64);
    let d = json(&s, &["diff", "5", "170", "--json"]);
    assert_eq!((d["from"].as_u64(), d["to"].as_u64()), (Some(from), Some(to)), "{d}");
    let by_type: u64 = d["events"]["by_type"].as_object().expect("by_type").values().filter_map(Value::as_u64).sum();
    let by_actor: u64 = d["events"]["by_actor"].as_object().expect("by_actor").values().filter_map(Value::as_u64).sum();
    assert_eq!((by_type, by_actor), (to - from, to - from), "{d}");
    let streams = d["streams"].as_array().expect("streams");
    assert!(!streams.is_empty(), "{d}");
    for st in streams {
        assert!(st["stream_id"].is_string() && st["stream_type"].is_string() && st["created"].is_boolean(), "{st}");
        for ch in st["changes"].as_array().expect("changes") {
            assert!(ch["path"].is_string() && ch.get("before").is_some() && ch.get("after").is_some(), "{ch}");
        }
    }
    // Every stream whose first event lies in (A, B] is listed as created;
    // one that existed before is not.
    let log = s.log(&[]);
    let first =
        |id: &str| log.iter().find(|e| e["stream_id"] == id).and_then(|e| e["position"].as_u64()).expect("first");
    let (mut created, mut existed) = (0, 0);
    for st in streams {
        let p = first(st["stream_id"].as_str().expect("id"));
        assert_eq!(st["created"].as_bool(), Some(p > from), "{st}");
        existed += usize::from(p <= from);
        created += usize::from(p > from);
    }
    assert!(created > 0, "the demo opens streams after 5");
    assert!(existed > 0, "streams opened by 5 change later");
    let projections = d["projections"].as_object().expect("projections");
    for name in ["account_balances", "transaction_history", "daily_summary", "user_profiles"] {
        let p = &projections[name];
        assert!(p["added"].is_array() && p["removed"].is_array() && p["changed"].is_array(), "{name}: {p}");
    }
    let history = projections["transaction_history"]["added"].as_array().expect("added").len();
    let moves =
        ["MoneyDeposited", "MoneyWithdrawn"].iter().filter_map(|t| d["events"]["by_type"][t].as_u64()).sum::<u64>();
    assert_eq!(history as u64, moves, "one history row per deposit or withdrawal: {d}");
    for ch in projections["account_balances"]["changed"].as_array().expect("changed") {
        assert!(ch["key"].is_string() && ch["before"] != ch["after"], "{ch}");
    }
}

#[test]
fn a_diff_names_fields_before_and_after_and_narrows_to_a_stream_or_a_projection() {
    let s = account();
    s.exec("register u-1 ada@example.com Ada Lovelace");
    let d = json(&s, &["diff", "2", "4", "--stream", "acc-1", "--json"]);
    let st = &d["streams"][0];
    assert_eq!((st["stream_id"].as_str(), st["created"].as_bool()), (Some("acc-1"), Some(false)), "{d}");
    let balance =
        st["changes"].as_array().expect("changes").iter().find(|c| c["path"] == "balance_cents").expect("balance");
    assert_eq!((balance["before"].as_u64(), balance["after"].as_u64()), (Some(10_000), Some(3_000)), "{d}");
    assert_eq!(d["projections"], serde_json::json!({}), "a stream's diff shows no read model: {d}");

    let p = json(&s, &["diff", "0", "5", "--projection", "user_profiles", "--json"]);
    assert_eq!(p["streams"], serde_json::json!([]), "{p}");
    assert_eq!(p["projections"]["user_profiles"]["added"][0]["user_id"], "u-1", "{p}");
    assert_eq!(p["projections"].as_object().expect("projections").len(), 1, "{p}");

    let text = s.ok(&["diff", "2", "4"]);
    assert!(text.contains("stream acc-1 (BankAccount)"), "{text}");
    assert!(text.contains("balance_cents: 10000 → 3000"), "{text}");
    assert!(text.contains("2 events (MoneyDeposited 1, MoneyWithdrawn 1)"), "{text}");
    let same = s.ok(&["diff", "3", "3"]);
    assert!(same.contains("no stream or read-model row differs"), "{same}");
}

#[test]
fn a_backwards_or_out_of_range_diff_is_one_line_exit_2() {
    let s = account();
    let line = s.fails(&["diff", "4", "2"], 2);
    assert!(line.contains("4 is after 2"), "{line}");
    let line = s.fails(&["diff", "1", "9"], 2);
    assert!(line.contains("position 9 is beyond the head (4)"), "{line}");
    let line = s.fails(&["diff", "1", "2", "--stream", "nope"], 2);
    assert!(line.contains("unknown stream `nope`"), "{line}");
    let line = s.fails(&["diff", "1", "2", "--projection", "nope"], 2);
    assert!(line.contains("unknown projection `nope`"), "{line}");
    let line = s.fails(&["whatif", "--at", "9"], 2);
    assert!(line.contains("beyond the head"), "{line}");
    let line = s.fails(&["whatif", "--at", "2", "--skip", "0"], 2);
    assert!(line.contains("cannot skip position 0"), "{line}");
}

#[test]
fn a_whatif_with_no_skips_and_no_commands_equals_the_log() {
    let s = Store::demo(300);
    for at in ["0", "150", "300"] {
        let w = json(&s, &["whatif", "--at", at, "--replay", "--json"]);
        assert_eq!(w["flagged"], serde_json::json!([]), "at {at}: {w}");
        assert_eq!(w["diff"]["streams"], serde_json::json!([]), "at {at}: {w}");
        assert_eq!(w["diff"]["to"].as_u64(), Some(300), "at {at}: {w}");
        for (name, p) in w["diff"]["projections"].as_object().expect("projections") {
            let empty = ["added", "removed", "changed"].iter().all(|k| p[k] == serde_json::json!([]));
            assert!(empty, "at {at}: {name} differs: {p}");
        }
    }
    let w = json(&s, &["whatif", "--at", "150", "--json"]);
    assert_eq!((w["diff"]["to"].as_u64(), &w["diff"]["streams"]), (Some(150), &serde_json::json!([])), "{w}");
    let text = s.ok(&["whatif", "--at", "150", "--replay"]);
    assert!(text.contains("no stream or read-model row differs"), "{text}");
}

#[test]
fn skipping_a_deposit_flags_the_later_withdrawal_it_paid_for() {
    let s = account();
    let w = json(&s, &["whatif", "--at", "2", "--skip", "2", "--replay", "--json"]);
    let flagged = w["flagged"].as_array().expect("flagged");
    assert_eq!(flagged.len(), 1, "{w}");
    assert_eq!((flagged[0]["position"].as_u64(), flagged[0]["event_type"].as_str()), (Some(4), Some("MoneyWithdrawn")));
    assert!(flagged[0]["reason"].as_str().expect("reason").contains("exceeds the balance"), "{w}");
    let balance = w["diff"]["streams"][0]["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| c["path"] == "balance_cents")
        .cloned()
        .expect("balance differs");
    assert_eq!((balance["before"].as_u64(), balance["after"].as_u64()), (Some(3_000), Some(5_000)), "{w}");
    let row = &w["diff"]["projections"]["account_balances"]["changed"][0];
    assert_eq!((row["key"].as_str(), row["after"]["balance_cents"].as_u64()), (Some("acc-1"), Some(5_000)), "{w}");
    let text = s.ok(&["whatif", "--at", "2", "--skip", "2", "--replay"]);
    assert!(text.contains("flagged: 4 acc-1 MoneyWithdrawn: "), "{text}");
    // Without the skip, the same replay refuses nothing.
    let w = json(&s, &["whatif", "--at", "2", "--replay", "--json"]);
    assert_eq!(w["flagged"], serde_json::json!([]), "{w}");
}

#[test]
fn then_commands_are_decided_against_the_branch_and_a_rejection_says_why() {
    let s = account();
    let w = json(&s, &["whatif", "--at", "4", "--then", "withdraw acc-1 1000", "--then", "deposit acc-1 5", "--json"]);
    let cmds = w["commands"].as_array().expect("commands");
    assert_eq!(cmds[0]["command"], "withdraw acc-1 1000", "{w}");
    assert_eq!(cmds[0]["accepted"], false, "{w}");
    assert!(cmds[0]["reason"].as_str().expect("reason").contains("insufficient funds"), "{w}");
    assert_eq!(cmds[1]["accepted"], true, "{w}");
    assert_eq!(cmds[1]["events"][0]["event_type"], "MoneyDeposited", "{w}");
    assert_eq!(w["diff"]["events"]["by_type"]["MoneyDeposited"].as_u64(), Some(1), "{w}");
    // The skipped deposit makes a withdrawal of 100 impossible in the branch
    // even though the log allowed it.
    let w = json(&s, &["whatif", "--at", "3", "--skip", "3", "--then", "withdraw acc-1 100.01", "--json"]);
    assert_eq!(w["commands"][0]["accepted"], false, "{w}");
    let text = s.ok(&["whatif", "--at", "4", "--then", "withdraw acc-1 1000"]);
    assert!(text.contains("rejected: withdraw acc-1 1000: insufficient funds"), "{text}");
    assert_eq!(s.head(), 4, "nothing recorded");
}

#[test]
fn the_store_file_is_byte_identical_after_diff_and_whatif() {
    let s = Store::demo(300);
    let before = s.bytes();
    let digest = |b: &[u8]| {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        b.hash(&mut h);
        h.finish()
    };
    s.ok(&["whatif", "--at", "100", "--skip", "40", "--skip", "120", "--then", "open acc-77 Zed", "--replay"]);
    s.ok(&[
        "whatif",
        "--at",
        "300",
        "--then",
        "deposit acc-1 5",
        "--then",
        "register u-77 z@example.com Zed",
        "--json",
    ]);
    s.ok(&["diff", "0", "300", "--json"]);
    assert_eq!(digest(&s.bytes()), digest(&before), "the store file changed");
    assert_eq!(s.head(), 300);
}

#[test]
fn a_missing_or_foreign_file_is_refused_and_left_alone() {
    let s = Store::new();
    for args in [&["diff", "0", "0"][..], &["whatif", "--at", "0"]] {
        let line = s.fails(args, 2);
        assert!(line.starts_with("chronicle: "), "{args:?}: {line}");
        assert!(!s.path.exists(), "{args:?} created the store");
    }
    std::fs::write(&s.path, "not a store, just text\n").expect("write");
    let before = s.bytes();
    for args in [&["diff", "0", "0"][..], &["whatif", "--at", "0", "--replay"]] {
        let line = s.fails(args, 2);
        assert!(line.starts_with("chronicle: "), "{args:?}: {line}");
        assert_eq!(s.bytes(), before, "{args:?} changed the file");
    }
}

#[test]
fn diff_and_whatif_run_on_postgresql_and_write_nothing() {
    let Some(pg) = pg::Pg::demo(300) else { return };
    let before = pg.export();
    let d: Value = serde_json::from_str(&pg.ok(&["diff", "5", "170", "--json"])).expect("one JSON object");
    let counted: u64 = d["events"]["by_type"].as_object().expect("by_type").values().filter_map(Value::as_u64).sum();
    assert_eq!(counted, 165, "{d}");
    let w: Value =
        serde_json::from_str(&pg.ok(&["whatif", "--at", "150", "--replay", "--then", "open acc-99 Zed", "--json"]))
            .expect("one JSON object");
    assert_eq!(w["commands"][0]["accepted"], true, "{w}");
    let streams = w["diff"]["streams"].as_array().expect("streams");
    assert_eq!((streams.len(), streams[0]["stream_id"].as_str()), (1, Some("acc-99")), "{w}");
    assert_eq!(pg.export(), before, "the log changed");
}

#[test]
fn a_diff_lists_every_ledger_row_written_in_its_range_in_key_order() {
    let s = Store::demo(600);
    let rows_at = |p: u64| -> Vec<Value> {
        let at = json(&s, &["state", "--projection", "transaction_history", "--at", &p.to_string(), "--json"]);
        at["rows"].as_array().expect("rows").clone()
    };
    let (before, after) = (rows_at(100), rows_at(500));
    let mut want: Vec<Value> = after.into_iter().filter(|r| !before.contains(r)).collect();
    want.sort_by_key(|r| (r["account_id"].as_str().map(str::to_owned), r["seq"].as_i64()));
    assert!(want.len() > 100, "the ledger gains rows: {}", want.len());
    // JSON: every row, in key order (by account, then by its sequence number).
    let d = json(&s, &["diff", "100", "500", "--json"]);
    assert_eq!(d["projections"]["transaction_history"]["added"].as_array(), Some(&want));
    // Text: the count, then a line per row, the same rows.
    let text = s.ok(&["diff", "100", "500"]);
    let head = format!("projection transaction_history: {} added, 0 removed, 0 changed", want.len());
    let at = text.lines().position(|l| l == head).unwrap_or_else(|| panic!("{head}\n{text}"));
    let listed: Vec<Value> = text
        .lines()
        .skip(at + 1)
        .take_while(|l| l.starts_with("  + "))
        .map(|l| serde_json::from_str(&l[4..]).expect("a row as JSON"))
        .collect();
    assert_eq!(listed, want);
    // Cut short by a reader that stops early: no error, no panic.
    let mut cmd = support::chronicle();
    let mut child = cmd
        .arg("--db")
        .arg(&s.path)
        .args(["diff", "0", "600"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("chronicle runs");
    drop(child.stdout.take());
    let status = child.wait().expect("it ends");
    assert!(status.success(), "a closed pipe ends the listing quietly: {status:?}");
}
