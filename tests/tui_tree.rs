//! End-to-end under tmux, the real binary on a demo store: the causation
//! tree (`T`, Enter jumps), watching a read-model cell (`w` on the read-model
//! pane, then `n`), and Esc cancelling a long find while keys still answer.

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

/// A demo store of `events` events, the TUI on it at the first event (acc-1's).
fn start(name: &str, dir: &Path, events: u64) -> (PathBuf, Tmux) {
    let db = dir.join("demo.db");
    let n = events.to_string();
    let out = Command::new(BIN).arg("--db").arg(&db).args(["demo", "--no-tui", "--events", &n]).output();
    assert!(out.expect("demo").status.success(), "demo failed");
    let t = Tmux::start(name, db.to_str().expect("utf-8 path"));
    t.wait_for(&format!("/{n}"));
    t.keys(&["Home"]);
    t.wait_for(" 1/");
    (db, t)
}

fn row(e: &Value) -> String {
    format!(
        "{} {} {} by {}",
        e["position"],
        e["event_type"].as_str().unwrap_or(""),
        e["stream_id"].as_str().unwrap_or(""),
        e["metadata"]["actor"].as_str().unwrap_or("")
    )
}

#[test]
fn shift_t_shows_the_causation_tree_and_enter_jumps_to_the_selected_event() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, t) = start("tree", dir.path(), 2_000);
    let log = cli(&db, &["log", "--json"]);
    // A transfer: one command, two events.
    let pair = log
        .windows(2)
        .find(|w| w[0]["metadata"]["correlation_id"] == w[1]["metadata"]["correlation_id"])
        .expect("the demo records a transfer");
    let (first, second) = (&pair[0], &pair[1]);
    let id = first["metadata"]["correlation_id"].as_str().expect("correlation id");
    let command = first["metadata"]["causation_id"].as_str().expect("causation id");
    t.keys(&["g"]);
    t.wait_for("go to");
    t.keys(&["-l", &second["position"].to_string()]);
    t.keys(&["Enter"]);
    t.wait_for(&format!(" {}/", second["position"]));
    t.keys(&["T"]);
    t.wait_for(&format!("Causation · correlation {id} (2 events)"));
    t.wait_for(&format!("  command {command}"));
    t.wait_for(&format!("  ├─ {}", row(first)));
    // The cursor's event is marked (and selected).
    t.wait_for(&format!("▶ └─ {}", row(second)));
    t.keys(&["Up"]);
    t.keys(&["Enter"]);
    t.wait_for(&format!("jumped to {} in correlation {id}", first["position"]));
    let s = t.wait_for(&format!(" {}/", first["position"]));
    assert!(!s.contains("Causation ·"), "Enter closes the tree:\n{s}");
    // Esc closes it too, leaving the cursor where it was.
    t.keys(&["T"]);
    t.wait_for(&format!("▶ ├─ {}", row(first)));
    t.keys(&["Escape"]);
    t.wait_long("the tree to close", 15, |s| {
        !s.contains("Causation ·") && s.contains(&format!(" {}/", first["position"]))
    });
    // The help lists the key.
    t.keys(&["?"]);
    t.wait_for("causation tree of this event's correlation");
}

#[test]
fn w_on_the_read_model_pane_watches_a_cell_of_the_top_row_and_n_walks_its_changes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, t) = start("watchrow", dir.path(), 2_000);
    let changes = cli(
        &db,
        &["blame", "--projection", "account_balances", "--key", "acc-1", "--field", "balance_cents", "--json"],
    );
    assert!(changes.len() > 3, "acc-1's balance changes in the demo");
    let said = |c: &Value| format!("balance_cents: {} → {} at {}", c["before"], c["after"], c["position"]);
    t.keys(&["BTab"]);
    t.wait_for("▶ acc-1");
    t.keys(&["w"]);
    t.wait_for("watch field of the top row of account_balances");
    t.keys(&["-l", "balance_c"]);
    t.keys(&["Tab"]);
    t.wait_for("(Tab completes): balance_cents");
    t.keys(&["Enter"]);
    t.wait_for(&said(&changes[1]));
    t.wait_for(&format!(" {}/", changes[1]["position"]));
    t.keys(&["n"]);
    t.wait_for(&said(&changes[2]));
    t.keys(&["n"]);
    t.wait_for(&said(&changes[3]));
    t.keys(&["N"]);
    t.wait_for(&said(&changes[2]));
}

#[test]
fn esc_cancels_a_long_find_on_a_read_model_and_keys_answer_while_it_runs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_db, t) = start("cancel", dir.path(), 20_000);
    t.keys(&["BTab"]);
    t.keys(&["F"]);
    t.wait_for("find where (account_balances)");
    // Never holds: the search would fold the whole log.
    t.keys(&["-l", "balance_cents < -1 and status = \"nobody\""]);
    t.keys(&["Enter"]);
    t.wait_for("searching… (Esc cancels)");
    // While it runs, the cursor still moves.
    t.keys(&["l"]);
    let s = t.wait_for(" 2/");
    assert!(s.contains("searching…"), "the find is still running:\n{s}");
    t.keys(&["Escape"]);
    t.wait_for("search cancelled");
    // And after it: keys answer, no late answer overwrites the message.
    t.keys(&["l"]);
    let s = t.wait_for(" 3/");
    assert!(s.contains("search cancelled") && !s.contains("no match"), "{s}");
}
