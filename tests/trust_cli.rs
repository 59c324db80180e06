//! Issue 9, through the real binary: command ids (item 6), totals a read model
//! cannot hold (item 7), ids a person cannot tell apart (item 8), and the
//! CLI's edges (item 16: closed pipes, unknown streams).

#[path = "helpers/cli.rs"]
mod support;

use std::process::Stdio;

use support::{Store, chronicle};

/// The largest amount the command language takes: `i64::MAX` cents.
const MAX: &str = "92233720368547758.07";

fn opened() -> Store {
    let s = Store::new();
    s.exec("open acc-1 Ada Lovelace");
    s
}

// ---- item 6: command ids ----

#[test]
fn blank_invisible_or_absurd_command_ids_are_usage_errors() {
    let s = opened();
    let long = "x".repeat(500);
    for (id, needle) in [
        ("", "command id is empty"),
        ("   ", "command id is empty"),
        ("\t", "command id is empty"),
        ("id\u{200b}", "U+200B"),
        ("id\u{7}", "control characters"),
        ("a b", "whitespace"),
        (long.as_str(), "limit is 200 bytes"),
    ] {
        let err = s.fails(&["exec", "--command-id", id, "deposit acc-1 5"], 2);
        assert!(err.contains(needle), "{id:?}: {err}");
    }
    // Usage comes before the command is even parsed.
    assert!(s.fails(&["exec", "--command-id", "", "frobnicate"], 2).contains("command id is empty"));
    assert_eq!(s.head(), 1, "nothing recorded");
}

#[test]
fn a_used_command_id_with_another_command_is_refused_naming_the_id() {
    let s = opened();
    let first = s.ok(&["exec", "--json", "--command-id", "pay-7", "deposit acc-1 5"]);
    let before = s.bytes();
    let err = s.fails(&["exec", "--command-id", "pay-7", "deposit acc-1 7"], 1);
    assert!(
        err.contains("command id `pay-7` was already used for another command (it recorded MoneyDeposited on acc-1 at position 2)"),
        "{err}"
    );
    assert!(err.contains("nothing recorded"), "{err}");
    let err = s.fails(&["exec", "--command-id", "pay-7", "withdraw acc-1 5"], 1);
    assert!(err.contains("`pay-7`"), "{err}");
    assert_eq!(s.head(), 2);
    assert_eq!(s.bytes(), before, "a refused reuse leaves the file as it was");
    // The same command (one that decides the same events) stays idempotent,
    // however it is spelled, and whatever happened since.
    s.exec("deposit acc-1 1");
    let r = s.run(&["exec", "--json", "--command-id", "pay-7", "  deposit   acc-1  5.00 "]);
    r.expect_code(0, "the same command again");
    assert!(r.stderr.contains("executed before"), "{}", r.stderr);
    assert_eq!(r.stdout, first);
    assert_eq!(s.head(), 3);
    assert_eq!(s.balance_row("acc-1")["balance_cents"], 600);
    s.verify_ok();
}

#[test]
fn a_command_id_keeps_its_meaning_after_export_and_import() {
    let s = opened();
    s.ok(&["exec", "--command-id", "pay-8", "deposit acc-1 5"]);
    let export = s.export();
    let copy = Store::new();
    let file = copy.file("export.jsonl");
    std::fs::write(&file, &export).unwrap();
    copy.ok(&["import", file.to_str().unwrap()]);
    assert_eq!(copy.export(), export, "byte-identical round trip");
    copy.verify_ok();
    let err = copy.fails(&["exec", "--command-id", "pay-8", "deposit acc-1 9"], 1);
    assert!(err.contains("command id `pay-8` was already used for another command"), "{err}");
    let again = copy.run(&["exec", "--command-id", "pay-8", "deposit acc-1 5"]);
    again.expect_code(0, "the same command in the imported store");
    assert!(again.stderr.contains("executed before"), "{}", again.stderr);
    assert_eq!(copy.head(), 2);
}

// ---- item 7: no silent saturation ----

#[test]
fn a_command_whose_daily_total_would_overflow_is_refused() {
    let s = opened();
    // Deposit, withdraw and deposit the largest amount: the balance stays in
    // range, the day's deposit total would not. (Should the UTC day turn
    // between two commands, the pair is tried again on the new day.)
    let mut refused = None;
    for _ in 0..2 {
        s.exec(&format!("deposit acc-1 {MAX}"));
        s.exec(&format!("withdraw acc-1 {MAX}"));
        let r = s.run(&["exec", &format!("deposit acc-1 {MAX}")]);
        if r.code == 1 {
            refused = Some(r.one_line_error(1, "the overflowing deposit"));
            break;
        }
        r.expect_code(0, "a deposit on a new day");
        s.exec(&format!("withdraw acc-1 {MAX}"));
    }
    let err = refused.expect("the second largest deposit of a day is refused");
    assert!(err.contains("deposit_cents of acc-1 on ") && err.contains("daily_summary"), "{err}");
    assert!(err.contains("nothing recorded"), "{err}");
    let days = s.projection("daily_summary");
    for row in days["rows"].as_array().unwrap() {
        let cents = row["deposit_cents"].as_i64().unwrap();
        assert!(cents > 0, "{row}");
        assert_ne!(row["deposits"], 2, "no day holds two largest deposits: {row}");
    }
    s.verify_ok();
}

// ---- item 8: ids a person cannot tell apart ----

#[test]
fn ids_with_invisible_or_bidi_characters_are_refused() {
    let s = opened();
    s.exec("register u-1 ada@example.com Ada Lovelace");
    let before = s.bytes();
    for c in ['\u{200b}', '\u{202e}', '\u{feff}', '\u{2060}', '\u{ad}', '\u{200d}', '\u{e0041}'] {
        let code = format!("U+{:04X}", u32::from(c));
        for line in [
            format!("open acc{c}-1 Mallory"),
            format!("deposit acc-1{c} 5"),
            format!("transfer acc-1 acc{c}-1 5"),
            format!("register u{c}-1 m@example.com Mallory"),
            format!("change-email u-1 ada{c}@example.com"),
            format!("grant u-1 ad{c}min"),
        ] {
            let err = s.fails(&["exec", &line], 1);
            assert!(err.contains(&code) && err.contains("invisible"), "{line:?}: {err}");
            assert!(!err.contains(c), "the message shows the character escaped: {err:?}");
        }
    }
    assert_eq!(s.bytes(), before, "nothing recorded");
    // The actor recorded with every event shows what it is too.
    let err = s.fails(&["exec", "--actor", "ada\u{202e}", "deposit acc-1 5"], 2);
    assert!(err.contains("actor") && err.contains("U+202E"), "{err}");
    assert!(s.fails(&["exec", "--actor", "", "deposit acc-1 5"], 2).contains("actor is empty"));
    assert_eq!(s.bytes(), before, "nothing recorded");
    s.ok(&["exec", "--actor", "Ada Lovelace", "deposit acc-1 5"]);
    // Without --actor: $CHRONICLE_ACTOR, else $USER, else $LOGNAME (a blank
    // variable counts as unset), as in the TUI.
    s.ok(&["exec", "deposit acc-1 5"]);
    let exec = |vars: &[(&str, &str)]| {
        let mut cmd = support::chronicle();
        for (k, v) in vars {
            cmd.env(k, v);
        }
        support::run(cmd.arg("--db").arg(&s.path).args(["exec", "deposit acc-1 5"])).expect_code(0, "exec");
    };
    exec(&[("USER", ""), ("LOGNAME", "grace")]);
    exec(&[("CHRONICLE_ACTOR", "auditor:eve"), ("USER", "ada")]);
    let actors: Vec<String> =
        s.log(&["--from", "3"]).iter().map(|e| e["metadata"]["actor"].as_str().unwrap().to_owned()).collect();
    assert_eq!(actors, ["Ada Lovelace", "tester", "grace", "auditor:eve"]);
}

// ---- item 16: the CLI's edges ----

#[test]
fn every_printing_command_ends_quietly_on_a_closed_pipe() {
    let s = Store::demo(300);
    let mut commands: Vec<Vec<&str>> = vec![
        vec!["verify"],
        vec!["verify", "--chain"],
        vec!["export"],
        vec!["log"],
        vec!["log", "--json"],
        vec!["log", "--stream", "acc-1"],
        vec!["state"],
        vec!["state", "--json"],
        vec!["state", "--at", "5"],
        vec!["state", "--stream", "acc-1"],
        vec!["state", "--stream", "acc-1", "--json"],
        vec!["exec", "open acc-pipe Ada"],
        vec!["exec", "--json", "deposit acc-pipe 5"],
    ];
    for p in ["account_balances", "transaction_history", "daily_summary", "user_profiles"] {
        commands.push(vec!["state", "--projection", p]);
        commands.push(vec!["state", "--projection", p, "--json"]);
    }
    for args in &commands {
        let mut child = chronicle()
            .arg("--db")
            .arg(&s.path)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The reader goes away before anything is written (`| head -0`).
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        assert!(!err.contains("panicked") && !err.contains("Broken pipe"), "{args:?}: {err}");
    }
}

#[test]
fn an_unknown_stream_is_a_usage_error_for_log_and_state_alike() {
    let s = opened();
    s.exec("open acc-2 Alan Turing");
    let log = s.fails(&["log", "--stream", "nosuch"], 2);
    let state = s.fails(&["state", "--stream", "nosuch"], 2);
    assert_eq!(log, "chronicle: unknown stream `nosuch` (2 streams; see `chronicle log`)");
    assert_eq!(state, log, "one rule, one message");
    assert!(s.fails(&["log", "--stream", "nosuch", "--json"], 2).contains("unknown stream `nosuch`"));
    assert!(s.fails(&["state", "--stream", "no\u{202e}such", "--at", "1"], 2).contains("no\\u{202e}such"));
    // Filters that match nothing are not errors: no output, exit 0.
    for args in [
        &["log", "--type", "NoSuchEvent"][..],
        &["log", "--correlation", "no-such-correlation"],
        &["log", "--from", "99"],
        &["log", "--stream", "acc-1", "--type", "MoneyDeposited"],
    ] {
        let r = s.run(args);
        r.expect_code(0, &format!("{args:?}"));
        assert_eq!((r.stdout.as_str(), r.stderr.as_str()), ("", ""), "{args:?}");
    }
    assert_eq!(s.log(&["--stream", "acc-2"]).len(), 1);
}
