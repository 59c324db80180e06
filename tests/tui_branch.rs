//! End-to-end: mark / diff (`v`, `d`) and what-if branches (`b`, `x`, `D`,
//! `:` in a branch, leaving with `y` / `n`) in the TUI under tmux, on a demo
//! store, checked against the CLI; the store file is byte-identical after.

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

/// A demo store of 2000 events and its bytes; the TUI on it, working in `dir`.
fn start(name: &str, dir: &Path) -> (PathBuf, Vec<u8>, Tmux) {
    let db = dir.join("demo.db");
    let out = Command::new(BIN).arg("--db").arg(&db).args(["demo", "--no-tui", "--events", "2000"]).output();
    assert!(out.expect("demo").status.success(), "demo failed");
    let bytes = std::fs::read(&db).expect("read the store");
    let t = Tmux::start_in(name, db.to_str().expect("utf-8 path"), Some(dir));
    t.wait_for("/20");
    (db, bytes, t)
}

/// Moves the cursor to `p` with the go-to prompt.
fn go(t: &Tmux, p: u64) {
    t.keys(&["g"]);
    t.wait_for("go to (position");
    t.keys(&["-l", &p.to_string()]);
    t.keys(&["Enter"]);
    t.wait_long(&format!("cursor at {p}"), 15, |s| s.contains(&format!(" {p}/")));
}

/// acc-1's balance changes, oldest first (from `blame`): the first deposit after its opening.
fn deposit(db: &Path) -> Value {
    let changes = cli(db, &["blame", "--stream", "acc-1", "--field", "balance_cents", "--json"]);
    changes
        .into_iter()
        .find(|c| c["before"].as_i64().zip(c["after"].as_i64()).is_some_and(|(b, a)| a > b && b > 0))
        .expect("a deposit onto a funded acc-1")
}

/// Whether the diff overlay's bottom line says it shows its last line
/// (` 40–75 of 75 · ↑↓ PgUp PgDn scroll `).
fn scrolled_to_the_end(screen: &str) -> bool {
    screen.lines().filter(|l| l.contains("PgUp PgDn scroll")).any(|l| {
        let Some((_, range)) = l.split_once('–') else { return false };
        let mut words = range.split_whitespace();
        let (last, of, count) = (words.next(), words.next(), words.next());
        of == Some("of") && last.is_some() && last == count
    })
}

/// Quits and checks the store file is byte-identical.
fn quit_unchanged(t: &Tmux, db: &Path, bytes: &[u8]) {
    t.keys(&["q"]);
    t.wait_for("EXIT=0");
    assert!(std::fs::read(db).expect("read the store") == bytes, "the store file changed");
}

#[test]
fn v_marks_and_d_diffs_the_mark_against_the_cursor() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, bytes, t) = start("markdiff", dir.path());
    let c = deposit(&db);
    let p = c["position"].as_u64().expect("position");
    go(&t, p - 1);
    t.keys(&["v"]);
    t.wait_for(&format!("mark @{}", p - 1));
    go(&t, p);
    t.keys(&["d"]);
    t.wait_for(&format!("diff {} → {p}", p - 1));
    t.wait_for(&format!("balance_cents: {} → {}", c["before"], c["after"]));
    t.wait_for("by actor:");
    t.keys(&["Escape"]);
    t.wait_long("the overlay closed", 15, |s| !s.contains("· Esc closes"));
    // A long diff scrolls: j, PgDn, G; q closes it (not the program).
    t.keys(&["Home"]);
    t.wait_for(" 1/");
    t.keys(&["v"]);
    t.wait_for("mark @1 (move");
    t.keys(&["End"]);
    t.wait_for(" 2000/2000");
    t.keys(&["d"]);
    t.wait_for("diff 1 → 2000 · Esc closes");
    t.wait_for(" 1–");
    t.keys(&["j"]);
    t.wait_for(" 2–");
    t.keys(&["PageDown"]);
    t.wait_long("a page down", 15, |s| !s.contains(" 2–") && !s.contains(" 1–"));
    t.keys(&["G"]);
    t.wait_long("the end", 15, scrolled_to_the_end);
    t.keys(&["q"]);
    t.wait_long("the overlay closed", 15, |s| !s.contains("· Esc closes"));
    go(&t, p);
    // v elsewhere moves the mark; v at the mark clears it; without a mark, d only says how.
    t.keys(&["v"]);
    t.wait_for(&format!("mark @{p} (move"));
    t.keys(&["v"]);
    t.wait_for("mark cleared");
    t.keys(&["d"]);
    t.wait_for("no mark: press v");
    quit_unchanged(&t, &db, &bytes);
}

#[test]
fn b_forks_x_skips_a_deposit_and_y_exports_the_branch_on_leaving() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, bytes, t) = start("skip", dir.path());
    let c = deposit(&db);
    let p = c["position"].as_u64().expect("position");
    go(&t, p);
    t.keys(&["b"]);
    t.wait_for(&format!("BRANCH @{p}"));
    t.wait_for(&format!("\"balance_cents\": {},", c["after"]));
    t.keys(&["x"]);
    t.wait_for(&format!("skipped {p} in the branch"));
    t.wait_for(&format!("\"balance_cents\": {},", c["before"]));
    // The read models fold again without it (on a thread): acc-1's row shows the balance before.
    let before = format!(" {} ", c["before"]);
    t.wait_long("acc-1's row refolded", 30, |s| {
        !s.contains("Folding the branch") && s.lines().any(|l| l.contains(" acc-1 ") && l.contains(&before))
    });
    // The CLI agrees.
    let w = cli(&db, &["whatif", "--at", &p.to_string(), "--skip", &p.to_string(), "--json"]);
    let acc1 = w[0]["diff"]["streams"].as_array().expect("streams").iter().find(|s| s["stream_id"] == "acc-1").cloned();
    let change = acc1
        .and_then(|s| s["changes"].as_array().and_then(|c| c.iter().find(|c| c["path"] == "balance_cents").cloned()));
    assert_eq!(change.map(|c| c["after"].clone()), Some(c["before"].clone()));
    // D: the branch against the log.
    t.keys(&["D"]);
    t.wait_for(&format!("branch @{p} against the log"));
    t.wait_for(&format!("balance_cents: {} → {}", c["after"], c["before"]));
    t.keys(&["Escape"]);
    t.wait_long("the overlay closed", 15, |s| !s.contains("· Esc closes"));
    // Leaving asks; y exports.
    t.keys(&["b"]);
    t.wait_for("export branch as JSON Lines? (y/n");
    t.keys(&["y"]);
    let path = dir.path().join(format!("demo-branch-{p}.jsonl"));
    t.wait_for("exported to");
    t.wait_long("BRANCH gone", 15, |s| !s.contains("BRANCH @"));
    let text = std::fs::read_to_string(&path).expect("the export");
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect();
    assert!(!lines.is_empty());
    // The lines of `chronicle export`: the log's events keep their ids.
    let log = cli(&db, &["log", "--json"]);
    let at = |l: &Value| log.iter().find(|e| e["event_id"] == l["event_id"]).and_then(|e| e["position"].as_u64());
    assert_eq!(u64::try_from(lines.len()).unwrap(), p - 1, "the events up to the fork point less the skipped deposit");
    assert!(lines.iter().all(|l| at(l) != Some(p)), "the skipped deposit is not exported");
    assert!(lines.iter().all(|l| at(l).is_some_and(|q| q < p)));
    quit_unchanged(&t, &db, &bytes);
}

#[test]
fn a_command_in_the_branch_is_accepted_and_n_leaves_without_export() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, bytes, t) = start("command", dir.path());
    let head = cli(&db, &["log", "--json"]).len();
    go(&t, 100);
    t.keys(&["b"]);
    t.wait_for("BRANCH @100");
    t.keys(&[":"]);
    t.keys(&["-l", "deposit acc-1 5"]);
    t.keys(&["Enter"]);
    t.wait_for("in the branch: accepted `deposit acc-1 5`");
    t.keys(&["Escape"]);
    t.wait_for("+101 acc-1  MoneyDeposited whatif");
    t.keys(&[":"]);
    t.keys(&["-l", "withdraw acc-1 999999999"]);
    t.keys(&["Enter"]);
    t.wait_for("in the branch: rejected");
    t.keys(&["Escape"]);
    // Esc with nothing else to clear asks to leave (the command pinned acc-1: Esc unpins first).
    t.keys(&["Escape"]);
    t.wait_for("unpinned");
    t.keys(&["Escape"]);
    t.wait_for("export branch as JSON Lines? (y/n");
    t.keys(&["n"]);
    t.wait_for("(not exported)");
    assert!(!dir.path().join("demo-branch-100.jsonl").exists());
    assert_eq!(cli(&db, &["log", "--json"]).len(), head, "nothing was appended");
    quit_unchanged(&t, &db, &bytes);
}

#[test]
fn help_lists_the_diff_and_branch_keys() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_db, _bytes, t) = start("help", dir.path());
    t.keys(&["?"]);
    t.wait_for("mark the cursor's position");
    t.wait_for("fork a what-if branch at the cursor");
    t.wait_for("in a branch: skip the selected event");
    t.wait_for("in a branch: diff the branch against the log");
}

/// On a larger store `d` diffs on its own thread: the status says so, keys
/// keep answering (an answer for a pair that moved says so), and Esc
/// cancels it (its answer never opens).
#[test]
fn d_diffs_off_the_ui_thread_keys_answer_meanwhile_and_esc_cancels() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("big.db");
    let out = Command::new(BIN).arg("--db").arg(&db).args(["demo", "--no-tui", "--events", "20000"]).output();
    assert!(out.expect("demo").status.success(), "demo failed");
    let bytes = std::fs::read(&db).expect("read the store");
    let t = Tmux::start_in("diffjob", db.to_str().expect("utf-8 path"), Some(dir.path()));
    t.wait_for("/20000");
    t.keys(&["Home"]);
    t.wait_for(" 1/");
    t.keys(&["v"]);
    t.wait_for("mark @1 (move");
    go(&t, 19_000);
    // d and l in one send: both are read before the diff can answer.
    t.keys(&["d", "l"]);
    t.wait_long("the diff running and the cursor moved", 30, |s| {
        s.contains("diffing 1 → 19000… (Esc cancels)") && s.contains(" 19001/")
    });
    t.wait_long("the diff of the old pair", 60, |s| {
        s.contains("diff 1 → 19000 · Esc closes") && s.contains("for the old pair 1 → 19000")
    });
    t.keys(&["Escape"]);
    t.wait_long("the overlay closed", 15, |s| !s.contains("· Esc closes"));
    // Esc cancels a diff running; the next one opens, not the cancelled one.
    t.keys(&["d"]);
    t.wait_for("diffing 1 → 19001… (Esc cancels)");
    t.keys(&["Escape"]);
    t.wait_for("diff cancelled");
    t.wait_for(" 19001/");
    t.keys(&["l"]);
    t.wait_for(" 19002/");
    t.keys(&["d"]);
    let s = t.wait_long("the new pair's diff", 60, |s| s.contains("· Esc closes"));
    assert!(s.contains("diff 1 → 19002 · Esc closes"), "the cancelled diff opened:\n{s}");
    assert!(!s.contains("old pair"), "{s}");
    t.keys(&["Escape"]);
    t.wait_long("the overlay closed", 15, |s| !s.contains("· Esc closes"));
    quit_unchanged(&t, &db, &bytes);
}
