//! End-to-end: the debugger's keys in the TUI under tmux, on a demo store,
//! checked against what the CLI's `blame` and `find` say.

#[path = "helpers/tmux.rs"]
mod tmux;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use tmux::Tmux;

const BIN: &str = env!("CARGO_BIN_EXE_chronicle");

/// Runs the CLI on `db`; its JSON Lines.
fn cli(db: &Path, args: &[&str]) -> Vec<Value> {
    let out = Command::new(BIN).arg("--db").arg(db).args(args).output().expect("run chronicle");
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect()
}

/// A demo store of 2000 events, the TUI on it at the first event (acc-1's).
fn start(name: &str, dir: &Path) -> (PathBuf, Tmux) {
    let db = dir.join("demo.db");
    let out = Command::new(BIN).arg("--db").arg(&db).args(["demo", "--no-tui", "--events", "2000"]).output();
    assert!(out.expect("demo").status.success(), "demo failed");
    let t = Tmux::start(name, db.to_str().expect("utf-8 path"));
    t.wait_for("/20");
    t.keys(&["Home"]);
    t.wait_for(" 1/");
    // The selected stream (what `w` and `F` act on) is the cursor's event's,
    // known once the event at the cursor is read: wait for the state pane.
    t.wait_for("State · acc-1 ");
    (db, t)
}

fn said(c: &Value) -> String {
    format!("balance_cents: {} → {} at {}", c["before"], c["after"], c["position"])
}

#[test]
fn w_watches_a_field_and_n_and_shift_n_walk_its_changes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, t) = start("watch", dir.path());
    let changes = cli(&db, &["blame", "--stream", "acc-1", "--field", "balance_cents", "--json"]);
    t.keys(&["w"]);
    t.wait_for("watch field");
    t.keys(&["-l", "balance_c"]);
    t.keys(&["Tab"]);
    t.wait_for("watch field (Tab completes): balance_cents");
    t.keys(&["Enter"]);
    t.wait_for(&said(&changes[1]));
    t.keys(&["n"]);
    t.wait_for(&said(&changes[2]));
    t.keys(&["N"]);
    t.wait_for(&said(&changes[1]));
    // Esc forgets the watch.
    t.keys(&["Escape"]);
    t.wait_for("cleared");
}

#[test]
fn shift_f_finds_where_an_expression_holds_and_a_bad_one_shows_a_caret() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, t) = start("find", dir.path());
    let hits = cli(&db, &["find", "--stream", "acc-1", "--where", "balance_cents > 200000", "--json"]);
    t.keys(&["F"]);
    t.wait_for("find where");
    t.keys(&["-l", "balance_cents > 200000"]);
    t.keys(&["Enter"]);
    t.wait_for(&format!("`balance_cents > 200000` holds at {}", hits[0]["position"]));
    t.wait_for(&format!(" {}/", hits[0]["position"]));
    t.keys(&["F"]);
    t.wait_for("find where (acc-1): balance_cents > 200000");
    t.keys(&["C-u"]);
    t.keys(&["-l", "balance_cents >"]);
    t.keys(&["Enter"]);
    t.wait_for("bad expression");
    t.wait_for("balance_cents >^");
}

#[test]
fn help_lists_the_debugger_keys() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_db, t) = start("help", dir.path());
    t.keys(&["?"]);
    t.wait_for("watch a field of the selected stream");
    t.wait_for("find where an expression holds");
}

#[test]
fn shift_f_on_the_read_model_pane_finds_a_matching_row() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, t) = start("findrows", dir.path());
    let x = "balance_cents > 500000";
    let hits = cli(&db, &["find", "--projection", "account_balances", "--where", x, "--json"]);
    t.keys(&["BTab"]);
    t.keys(&["F"]);
    t.wait_for("find where (account_balances)");
    t.keys(&["-l", x]);
    t.keys(&["Enter"]);
    t.wait_for(&format!("`{x}` holds at {}", hits[0]["position"]));
    t.wait_for(&format!("account_balances rows matching: {}", hits[0]["matches"]));
}
