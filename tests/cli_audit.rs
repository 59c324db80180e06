//! The audit trail: tampering behind the program's back is caught by
//! `verify`, which names the first broken position; export/import round-trip
//! byte for byte, are idempotent, and refuse malformed or overlapping files.

#[path = "support.rs"]
mod support;

use support::{Store, write};

const EVENTS: u64 = 200;

/// A demo store with its triggers dropped and `sql` run against it.
fn tampered(sql: &str) -> Store {
    let s = Store::demo(EVENTS);
    s.verify_ok();
    s.drop_triggers();
    s.sql().execute_batch(sql).expect("tamper");
    s
}

/// Asserts `verify` fails and its first line names `position`; returns stderr.
fn first_problem_at(s: &Store, position: u64) -> String {
    let err = s.verify_fails();
    let first = err.lines().next().unwrap_or_default();
    assert!(first.contains(&format!("position {position}:")), "first line should name position {position}:\n{err}");
    // Later lines never name an earlier position.
    for line in err.lines() {
        if let Some(rest) = line.split("position ").nth(1)
            && let Some(p) = rest.split(':').next().and_then(|n| n.parse::<u64>().ok())
        {
            assert!(p >= position, "a problem before {position} reported:\n{err}");
        }
    }
    err
}

#[test]
fn an_untouched_store_verifies() {
    let s = Store::demo(EVENTS);
    let out = s.verify_ok();
    assert!(out.contains(&format!("{EVENTS} events")), "{out}");
    assert!(out.contains("4 read models"), "{out}");
}

#[test]
fn the_database_refuses_updates_and_deletes_of_events() {
    let s = Store::demo(50);
    let c = s.sql();
    let up = c.execute("UPDATE events SET payload = '{}' WHERE position = 5", []).expect_err("UPDATE must be refused");
    assert!(up.to_string().contains("append-only"), "{up}");
    let del = c.execute("DELETE FROM events WHERE position = 5", []).expect_err("DELETE must be refused");
    assert!(del.to_string().contains("append-only"), "{del}");
    drop(c);
    s.verify_ok();
}

#[test]
fn a_changed_payload_is_detected_at_its_position() {
    let s = tampered("UPDATE events SET payload = json_set(payload, '$.owner', 'Mallory') WHERE position = 5;");
    let err = first_problem_at(&s, 5);
    assert!(err.contains("hash does not match"), "{err}");
    assert!(err.contains("events_no_update"), "the dropped triggers are reported too:\n{err}");
}

#[test]
fn a_changed_amount_is_detected_at_its_position() {
    let s = Store::demo(EVENTS);
    let position: u64 = s
        .log(&["--type", "MoneyDeposited", "--from", "120", "--limit", "1"])
        .first()
        .and_then(|e| e["position"].as_u64())
        .expect("a deposit after position 120");
    s.drop_triggers();
    s.sql()
        .execute(
            "UPDATE events SET payload = json_set(payload, '$.amount.value_cents', 99999999) WHERE position = ?1",
            [i64::try_from(position).expect("small")],
        )
        .expect("tamper");
    first_problem_at(&s, position);
}

#[test]
fn changed_metadata_is_detected() {
    let s = tampered("UPDATE events SET metadata = json_set(metadata, '$.actor', 'mallory') WHERE position = 50;");
    let err = first_problem_at(&s, 50);
    assert!(err.contains("hash does not match"), "{err}");
}

#[test]
fn a_changed_timestamp_is_detected() {
    let s = tampered("UPDATE events SET recorded_at = '2001-01-01T00:00:00.000000Z' WHERE position = 77;");
    first_problem_at(&s, 77);
}

#[test]
fn a_changed_event_type_is_detected() {
    let s = Store::demo(EVENTS);
    let position = s
        .log(&["--type", "MoneyDeposited", "--from", "100", "--limit", "1"])
        .first()
        .and_then(|e| e["position"].as_u64())
        .expect("a deposit after position 100");
    s.drop_triggers();
    s.sql()
        .execute(
            "UPDATE events SET event_type = 'MoneyWithdrawn' WHERE position = ?1",
            [i64::try_from(position).expect("small")],
        )
        .expect("tamper");
    first_problem_at(&s, position);
}

#[test]
fn a_deleted_event_is_detected() {
    let s = tampered("DELETE FROM events WHERE position = 50;");
    let err = first_problem_at(&s, 51);
    assert!(err.contains("50"), "{err}");
}

#[test]
fn deleting_the_last_event_is_detected_even_with_the_triggers_restored() {
    // Removing the last event leaves a valid chain (the head simply moved
    // back), but the streams index and the read models still remember it.
    let s = tampered(&format!("DELETE FROM events WHERE position = {EVENTS};"));
    s.sql()
        .execute_batch(
            "CREATE TRIGGER events_no_update BEFORE UPDATE ON events
             BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE refused'); END;
             CREATE TRIGGER events_no_delete BEFORE DELETE ON events
             BEGIN SELECT RAISE(ABORT, 'events are append-only: DELETE refused'); END;",
        )
        .expect("restore triggers");
    let err = s.verify_fails();
    assert!(!err.contains("append-only trigger"), "{err}");
    assert!(err.contains(&format!("position {EVENTS}")), "{err}");
}

#[test]
fn a_dropped_trigger_alone_fails_verify() {
    for trigger in ["events_no_update", "events_no_delete"] {
        let s = Store::demo(30);
        s.sql().execute_batch(&format!("DROP TRIGGER {trigger};")).expect("drop trigger");
        let err = s.verify_fails();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(trigger), "{err}");
    }
}

#[test]
fn a_read_model_row_edited_by_hand_fails_verify() {
    let s = Store::demo(EVENTS);
    s.sql()
        .execute("UPDATE account_balances SET balance_cents = balance_cents + 1 WHERE account_id = 'acc-1'", [])
        .expect("edit read model");
    let err = s.verify_fails();
    assert!(err.contains("account_balances") && err.contains("acc-1"), "{err}");
    assert!(!err.contains("hash"), "the log itself is intact:\n{err}");
    // rebuild repairs it.
    s.ok(&["rebuild", "--projection", "account_balances"]);
    s.verify_ok();
}

#[test]
fn an_edited_or_deleted_ledger_row_fails_verify() {
    // transaction_history is verified through a digest of its rows rather
    // than row by row: the edit is still found, and named by table.
    for edit in [
        "UPDATE transaction_history SET amount_cents = amount_cents + 1 WHERE account_id = 'acc-1' AND seq = 2",
        "DELETE FROM transaction_history WHERE account_id = 'acc-2' AND seq = 1",
    ] {
        let s = Store::demo(EVENTS);
        s.sql().execute(edit, []).expect("edit ledger");
        let err = s.verify_fails();
        assert!(err.contains("transaction_history differs from its replay"), "{edit}: {err}");
        s.ok(&["rebuild", "--projection", "transaction_history"]);
        s.verify_ok();
    }
}

#[test]
fn a_deleted_read_model_row_fails_verify() {
    let s = Store::demo(EVENTS);
    s.sql().execute("DELETE FROM user_profiles WHERE user_id = 'u-2'", []).expect("delete row");
    let err = s.verify_fails();
    assert!(err.contains("user_profiles") && err.contains("u-2"), "{err}");
}

#[test]
fn export_import_export_is_byte_identical() {
    let s = Store::demo(EVENTS);
    s.exec("deposit acc-1 12.34 after the demo");
    let first = s.export();
    assert_eq!(first.lines().count() as u64, EVENTS + 1);
    let file = s.file("export.jsonl");
    write(&file, &first);
    let other = Store::new();
    other.ok(&["import", file.to_str().expect("utf-8 path")]);
    assert_eq!(other.export(), first);
    other.verify_ok();
    for p in ["account_balances", "transaction_history", "daily_summary", "user_profiles"] {
        assert_eq!(other.projection(p), s.projection(p), "{p}");
    }
    assert_eq!(other.log(&[]), s.log(&[]));
}

#[test]
fn importing_the_same_export_twice_appends_nothing_the_second_time() {
    let s = Store::demo(100);
    let file = s.file("export.jsonl");
    s.ok(&["export", "--out", file.to_str().expect("utf-8 path")]);
    let other = Store::new();
    other.ok(&["import", file.to_str().expect("utf-8 path")]);
    let once = other.export();
    let r = other.run(&["import", file.to_str().expect("utf-8 path")]);
    r.expect_code(0, "second import");
    assert!(r.stderr.contains("nothing to import"), "{}", r.stderr);
    assert_eq!(other.export(), once);
    // Re-importing into the store it came from is a no-op too.
    s.ok(&["import", file.to_str().expect("utf-8 path")]);
    assert_eq!(s.export(), once);
    // A store that continues the export can import it again as a no-op, then write on.
    other.exec("open acc-new Someone New");
    other.ok(&["import", file.to_str().expect("utf-8 path")]);
    assert_eq!(other.head(), 101);
}

#[test]
fn a_malformed_line_rejects_the_whole_file_naming_the_line() {
    let s = Store::demo(20);
    let export = s.export();
    let mut lines: Vec<String> = export.lines().map(str::to_owned).collect();
    let cut = lines[2].len() / 2;
    lines[2].truncate(cut);
    let file = s.file("broken.jsonl");
    write(&file, &(lines.join("\n") + "\n"));
    let other = Store::new();
    let line = other.fails(&["import", file.to_str().expect("utf-8 path")], 2);
    assert!(line.contains("line 3"), "{line}");
    assert_eq!(other.export(), "", "a rejected import recorded events");
}

#[test]
fn an_altered_export_is_rejected_naming_the_line() {
    let s = Store::demo(20);
    let export = s.export();
    let altered = export.replacen("\"currency\":\"USD\"", "\"currency\":\"EUR\"", 1);
    assert_ne!(altered, export);
    let n = altered.lines().position(|l| l.contains("EUR")).expect("altered line") + 1;
    let file = s.file("altered.jsonl");
    write(&file, &altered);
    let other = Store::new();
    let line = other.fails(&["import", file.to_str().expect("utf-8 path")], 2);
    assert!(line.contains(&format!("line {n}")) && line.contains("hash"), "{line}");
    assert_eq!(other.export(), "");
}

#[test]
fn bad_lines_of_every_kind_are_rejected() {
    let s = Store::demo(10);
    let export = s.export();
    let lines: Vec<&str> = export.lines().collect();
    let cases: Vec<(String, &str)> = vec![
        (format!("{}\n{}\n", lines[0], lines[2]), "line 2"),
        (format!("{}\n{}\n", lines[0], lines[0]), "line 2"),
        (format!("{}\nnot json at all\n", lines[0]), "line 2"),
        (format!("{}\n{{}}\n", lines[0]), "line 2"),
        (format!("{}\n", lines[0].replace("\"position\":1", "\"position\":1,\"extra\":true")), "line 1"),
        (format!("{}\n", lines[0].replace("\"version\":1", "\"version\":2")), "line 1"),
    ];
    let other = Store::new();
    for (i, (text, reason)) in cases.iter().enumerate() {
        let file = s.file(&format!("bad{i}.jsonl"));
        write(&file, text);
        let line = other.fails(&["import", file.to_str().expect("utf-8 path")], 2);
        assert!(line.contains(reason), "case {i}: expected `{reason}` in: {line}");
    }
    assert_eq!(other.export(), "");
}

#[test]
fn a_partly_overlapping_import_is_refused() {
    let s = Store::demo(30);
    let export = s.export();
    let lines: Vec<&str> = export.lines().collect();
    let head_file = s.file("first-half.jsonl");
    write(&head_file, &(lines[..15].join("\n") + "\n"));
    let all_file = s.file("all.jsonl");
    write(&all_file, &export);
    let other = Store::new();
    other.ok(&["import", head_file.to_str().expect("utf-8 path")]);
    let half = other.export();
    assert_eq!(half.lines().count(), 15);
    let line = other.fails(&["import", all_file.to_str().expect("utf-8 path")], 2);
    assert!(line.contains("already stored"), "{line}");
    assert_eq!(other.export(), half, "a refused import recorded events");
    // The rest alone continues the store.
    let tail_file = s.file("second-half.jsonl");
    write(&tail_file, &(lines[15..].join("\n") + "\n"));
    other.ok(&["import", tail_file.to_str().expect("utf-8 path")]);
    assert_eq!(other.export(), export);
    other.verify_ok();
}

#[test]
fn an_import_that_does_not_continue_the_store_is_refused() {
    let s = Store::demo(10);
    let file = s.file("export.jsonl");
    write(&file, &s.export());
    let other = Store::new();
    other.exec("open acc-1 Somebody Else");
    let before = other.export();
    let line = other.fails(&["import", file.to_str().expect("utf-8 path")], 2);
    assert!(line.contains("line 1"), "{line}");
    assert_eq!(other.export(), before);
}

#[test]
fn verify_prints_the_head_to_anchor_elsewhere() {
    let s = Store::demo(EVENTS);
    let out = s.verify_ok();
    let last = s.log(&[]).pop().expect("events");
    let line = format!("head: position {} hash {}", last["position"], last["hash"].as_str().expect("hash"));
    assert!(out.lines().any(|l| l == line), "expected `{line}` in:\n{out}");
}
