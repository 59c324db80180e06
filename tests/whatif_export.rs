//! A what-if branch's export (the TUI's `b` → `y`) is a history `chronicle
//! import` takes: the lines of `chronicle export`, renumbered without the
//! events left out and hash-chained, so a fresh store imports it, `verify`s
//! it, and holds the branch's own events after the fork point.

#![allow(clippy::unwrap_used)] // a test: a failed unwrap is the failure report

#[path = "helpers/cli.rs"]
mod support;

use chronicle::app::whatif::Branch;
use chronicle::app::{Chronicle, Mode};
use chronicle::domain::Registry;
use support::Store;

/// The branch of `s` forked at `at`, with `skip` left out and `commands`
/// decided in it, exported to a file next to the store.
fn export(s: &Store, at: u64, skip: &[u64], commands: &[&str]) -> std::path::PathBuf {
    let c = Chronicle::open(&s.file("store.db"), Mode::Read, Registry::builtin()).unwrap();
    let mut b = Branch::fork(&c, at).unwrap();
    for p in skip {
        b.skip(&c, *p).unwrap();
    }
    for line in commands {
        assert!(b.apply_command(&c, line).unwrap().result.is_ok(), "{line}");
    }
    let path = s.file("branch.jsonl");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    b.export_jsonl(&c, &mut out).unwrap();
    path
}

#[test]
fn a_branch_with_a_command_imports_into_a_fresh_store_and_verifies() {
    let s = Store::new();
    for line in
        ["open acc-1 Ada", "open acc-2 Alan", "deposit acc-1 50", "transfer acc-1 acc-2 20 rent", "withdraw acc-2 5"]
    {
        s.exec(line);
    }
    let p = 4; // the transfer's first leg
    let file = export(&s, p, &[], &["deposit acc-2 7 gift"]);
    let fresh = Store::new();
    fresh.ok(&["import", file.to_str().unwrap()]);
    assert!(fresh.verify_ok().starts_with("ok: 5 events"));
    let log = fresh.log(&[]);
    assert_eq!(log.len(), 5);
    // The log up to the fork point as it is: same ids, hashes and lines.
    let original = s.log(&[]);
    assert_eq!(log[..4], original[..4]);
    let own = &log[4];
    assert_eq!(own["position"], p + 1);
    assert_eq!((own["event_type"].as_str(), own["stream_id"].as_str()), (Some("MoneyDeposited"), Some("acc-2")));
    assert_eq!(own["version"], 2);
    assert_eq!(own["metadata"]["actor"], "whatif");
    assert_ne!(own["event_id"], original[4]["event_id"]);
    let acc2 = fresh.state(&["--stream", "acc-2"]);
    assert_eq!(acc2["state"]["balance_cents"], 700, "{acc2}"); // the fork cut the transfer's deposit leg
}

#[test]
fn events_left_out_are_renumbered_away_and_a_transfer_is_one_command() {
    let s = Store::new();
    for line in ["open acc-1 Ada", "deposit acc-1 50", "deposit acc-1 5", "open acc-2 Alan"] {
        s.exec(line);
    }
    let file = export(&s, 4, &[2], &["transfer acc-1 acc-2 3 rent"]);
    let fresh = Store::new();
    fresh.ok(&["import", file.to_str().unwrap()]);
    fresh.verify_ok();
    let log = fresh.log(&[]);
    let shape: Vec<(u64, &str, u64)> = log
        .iter()
        .map(|e| (e["position"].as_u64().unwrap(), e["stream_id"].as_str().unwrap(), e["version"].as_u64().unwrap()))
        .collect();
    assert_eq!(shape, [(1, "acc-1", 1), (2, "acc-1", 2), (3, "acc-2", 1), (4, "acc-1", 3), (5, "acc-2", 2)]);
    assert_eq!(log[1]["payload"]["amount"]["value_cents"], 500, "the skipped deposit of 50 is gone");
    assert_eq!(log[3]["metadata"]["command_id"], log[4]["metadata"]["command_id"]);
    let tree = fresh.ok(&["log", "--correlation", log[3]["metadata"]["correlation_id"].as_str().unwrap(), "--tree"]);
    assert_eq!(tree.lines().count(), 4, "one command, its two events:\n{tree}");
    assert_eq!(fresh.balance_row("acc-1")["balance_cents"], 200);
}
