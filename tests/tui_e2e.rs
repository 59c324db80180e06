//! End-to-end: the real binary under tmux (a real terminal that answers
//! cursor queries), driven by keys, read back with `capture-pane`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_chronicle");

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

fn require_tmux() {
    let ok = Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success());
    assert!(ok, "tmux is required for the TUI end-to-end tests: install it (apt-get install tmux)");
}

/// A tmux server on its own socket, killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(name: &str, db: &Path) -> Self {
        require_tmux();
        let socket = format!("chronicle-e2e-{name}-{}", std::process::id());
        let shell = format!("'{BIN}' --db '{}'; echo EXIT=$?; sleep 60", db.display());
        let t = Self { socket };
        let out = run(t.cmd().args(["new-session", "-d", "-x", "160", "-y", "48", &shell]));
        assert!(out.status.success(), "tmux new-session: {}", String::from_utf8_lossy(&out.stderr));
        t
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket]);
        c
    }

    fn keys(&self, keys: &[&str]) {
        let out = run(self.cmd().arg("send-keys").args(keys));
        assert!(out.status.success(), "send-keys {keys:?}");
    }

    fn text(&self, s: &str) {
        let out = run(self.cmd().args(["send-keys", "-l", s]));
        assert!(out.status.success(), "send-keys -l {s}");
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&run(self.cmd().args(["capture-pane", "-p"])).stdout).into_owned()
    }

    /// Polls the screen until `pred` holds, or fails after 15 s showing it.
    fn wait(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            assert!(start.elapsed() < Duration::from_secs(15), "timed out waiting for {what}; screen:\n{s}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn wait_for(&self, needle: &str) -> String {
        self.wait(needle, |s| s.contains(needle))
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().arg("kill-server").output();
    }
}

/// A demo store of 3000 events (plus what the demo adds); returns its head.
fn demo(dir: &Path) -> (PathBuf, u64) {
    let db = dir.join("demo.db");
    let out = run(Command::new(BIN).args(["--db"]).arg(&db).args(["demo", "--no-tui", "--events", "3000"]));
    assert!(out.status.success(), "demo: {}", String::from_utf8_lossy(&out.stderr));
    let head = head(&db);
    (db, head)
}

fn state_json(db: &Path, at: Option<u64>) -> serde_json::Value {
    let mut c = Command::new(BIN);
    c.arg("--db").arg(db).args(["state", "--projection", "account_balances", "--json"]);
    if let Some(p) = at {
        c.args(["--at", &p.to_string()]);
    }
    let out = run(&mut c);
    assert!(out.status.success(), "state: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("state --json prints JSON")
}

fn head(db: &Path) -> u64 {
    state_json(db, None)["position"].as_u64().expect("position")
}

#[test]
fn scrubbing_shows_the_balances_of_that_moment() {
    let dir = tempfile::tempdir().unwrap();
    let (db, n) = demo(dir.path());
    let t = Tmux::start("scrub", &db);
    t.wait_for(&format!("{n}/{n}"));
    t.keys(&["Home"]);
    t.wait_for(&format!(" 1/{n} "));
    t.keys(&["g"]);
    t.wait_for("go to");
    t.text("1234");
    t.keys(&["Enter"]);
    let rows = state_json(&db, Some(1234))["rows"].as_array().cloned().unwrap();
    // Balances shown in the read-model pane that agree with `state --at 1234`.
    // A frame can be captured half drawn, so wait until the whole screen agrees.
    let agreeing = |screen: &str| -> Option<usize> {
        let mut checked = 0;
        for row in &rows {
            let id = row["account_id"].as_str().unwrap();
            let cents = row["balance_cents"].to_string();
            // The read-model pane's cell for this account: `[*] acc-1  owner  USD  cents …`.
            let line = screen.lines().flat_map(|l| l.split('│')).find(|seg| {
                let seg = seg.trim_start_matches([' ', '*']);
                seg.split_whitespace().next() == Some(id) && seg.contains("USD")
            });
            if let Some(line) = line {
                if !line.contains(&format!(" {cents} ")) {
                    return None;
                }
                checked += 1;
            }
        }
        Some(checked)
    };
    let screen = t.wait(&format!("1234/{n} with the balances of that moment"), |s| {
        s.contains(&format!("1234/{n}")) && !s.contains("folding") && s.contains("Event 1234") && agreeing(s).is_some()
    });
    let checked = agreeing(&screen).unwrap_or(0);
    assert!(checked >= 5, "too few balances visible to compare:\n{screen}");
    t.keys(&["q"]);
    t.wait_for("EXIT=0");
}

#[test]
fn commands_are_recorded_once_and_rejections_record_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (db, n) = demo(dir.path());
    let t = Tmux::start("exec", &db);
    t.wait_for(&format!("{n}/{n}"));
    t.keys(&[":"]);
    t.wait_for("Enter run");
    t.text("deposit acc-1 5");
    t.keys(&["Enter"]);
    let after = n + 1;
    t.wait_for(&format!("{after}/{after}"));
    t.wait_for(&format!("MoneyDeposited acc-1 @{after}"));
    assert_eq!(head(&db), after, "recorded exactly once");
    t.text("withdraw acc-1 99999999");
    t.keys(&["Enter"]);
    t.wait_for("rejected");
    assert_eq!(head(&db), after, "a rejection records nothing");
    t.keys(&["Escape"]);
    t.wait_for("Space play");
    t.keys(&["q"]);
    t.wait_for("EXIT=0");
}

#[test]
fn following_shows_events_from_another_process_and_quit_restores() {
    let dir = tempfile::tempdir().unwrap();
    let (db, n) = demo(dir.path());
    let t = Tmux::start("follow", &db);
    t.wait_for(&format!("{n}/{n}"));
    t.keys(&["f"]);
    t.wait_for("following head");
    let out = run(Command::new(BIN).arg("--db").arg(&db).args(["exec", "deposit acc-1 5"]));
    assert!(out.status.success(), "exec: {}", String::from_utf8_lossy(&out.stderr));
    let m = n + 1;
    t.wait_for(&format!("{m}/{m}"));
    t.keys(&["q"]);
    let screen = t.wait_for("EXIT=0");
    assert!(!screen.contains("Audit log"), "the alternate screen was left:\n{screen}");
}
