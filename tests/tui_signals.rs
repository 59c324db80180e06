//! The real binary in an interactive shell under tmux (a real pty, job
//! control on): Ctrl-Z and `fg`, `SIGQUIT`, a bracketed paste, and no
//! terminal at all.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_chronicle");

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// An interactive bash in a detached tmux session on its own socket (killed on drop).
struct Shell {
    socket: String,
    _dir: tempfile::TempDir,
    db: PathBuf,
}

impl Shell {
    /// A demo store of 300 events and a shell at its prompt.
    fn start(name: &str) -> Self {
        let ok = Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success());
        assert!(ok, "tmux is required for the TUI terminal tests: install it (apt-get install tmux)");
        let dir = tempfile::tempdir().expect("a temp dir");
        let db = dir.path().join(format!("{name}.db"));
        let out = run(Command::new(BIN).arg("--db").arg(&db).args(["demo", "--no-tui", "--events", "300"]));
        assert!(out.status.success(), "demo: {}", String::from_utf8_lossy(&out.stderr));
        let socket = format!("chronicle-sig-{name}-{}", std::process::id());
        let s = Self { socket, _dir: dir, db };
        let out = run(s.tmux().args(["new-session", "-d", "-x", "120", "-y", "40"]).args([
            "env",
            "PS1=READY$ ",
            "USER=tester",
            "CHRONICLE_ACTOR=grace",
            "bash",
            "--norc",
            "--noprofile",
            "-i",
        ]));
        assert!(out.status.success(), "tmux new-session: {}", String::from_utf8_lossy(&out.stderr));
        s.wait("the shell prompt", |s| s.contains("READY$"));
        s
    }

    fn tmux(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket]);
        c
    }

    fn keys(&self, keys: &[&str]) {
        let out = run(self.tmux().arg("send-keys").args(keys));
        assert!(out.status.success(), "send-keys {keys:?}");
    }

    fn line(&self, s: &str) {
        let out = run(self.tmux().args(["send-keys", "-l", s]));
        assert!(out.status.success(), "send-keys -l {s}");
        self.keys(&["Enter"]);
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&run(self.tmux().args(["capture-pane", "-p"])).stdout).into_owned()
    }

    fn format(&self, f: &str) -> String {
        String::from_utf8_lossy(&run(self.tmux().args(["display-message", "-p", f])).stdout).trim().to_owned()
    }

    /// Polls the screen until `pred` holds, or fails after 20 s showing it.
    fn wait(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            assert!(start.elapsed() < Duration::from_secs(20), "timed out waiting for {what}; screen:\n{s}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Polls a tmux format until it reads `want`.
    fn wait_format(&self, f: &str, want: &str) {
        let start = Instant::now();
        while self.format(f) != want {
            assert!(start.elapsed() < Duration::from_secs(20), "{f} never became {want}; screen:\n{}", self.screen());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Runs chronicle on the store and waits for its first frame at the head.
    fn open_tui(&self) -> u64 {
        self.line(&format!("'{BIN}' --db '{}'", self.db.display()));
        let screen = self.wait("the TUI at the head", |s| {
            s.contains("Audit log") && s.split_whitespace().any(|w| w.split_once('/').is_some_and(|(a, b)| a == b))
        });
        self.wait_format("#{alternate_on}", "1");
        let head = screen
            .split_whitespace()
            .find_map(|w| w.split_once('/').filter(|(a, b)| a == b).and_then(|(a, _)| a.parse().ok()));
        head.expect("the head on screen")
    }

    const MOUSE: &str = "#{mouse_standard_flag}#{mouse_any_flag}#{mouse_button_flag}#{mouse_all_flag}#{mouse_sgr_flag}";

    /// The last exit status, as the shell reports it.
    fn status(&self) -> String {
        self.line("echo STATUS=$?");
        let screen = self.wait("the exit status", |s| s.lines().any(|l| l.starts_with("STATUS=")));
        let line = screen.lines().find(|l| l.starts_with("STATUS=")).unwrap_or_default().to_owned();
        line.trim_start_matches("STATUS=").trim().to_owned()
    }
}

impl Drop for Shell {
    fn drop(&mut self) {
        let _ = self.tmux().arg("kill-server").output();
    }
}

fn pid_of(db: &Path) -> String {
    let out = run(Command::new("pgrep").args(["-f", "--", &format!("--db {}$", db.display())]));
    let s = String::from_utf8_lossy(&out.stdout).into_owned();
    let pids: Vec<&str> = s.split_whitespace().collect();
    assert_eq!(pids.len(), 1, "one chronicle process: {s}");
    pids[0].to_owned()
}

#[test]
fn ctrl_z_gives_the_terminal_back_and_fg_resumes_with_keys_working() {
    let sh = Shell::start("tstp");
    let head = sh.open_tui();
    // Mouse capture on, so suspending must turn it off.
    sh.keys(&["m"]);
    sh.wait_format("#{mouse_any_flag}", "1");
    sh.keys(&["C-z"]);
    sh.wait("the job stopped and the prompt back", |s| s.contains("Stopped") && s.contains("READY$"));
    sh.wait_format("#{alternate_on}", "0");
    assert_eq!(sh.format(Shell::MOUSE), "00000", "mouse reporting is off while suspended");
    let screen = sh.screen();
    assert!(!screen.contains("Audit log"), "the shell's screen is back:\n{screen}");
    sh.line("fg");
    sh.wait_format("#{alternate_on}", "1");
    sh.wait("the TUI redrawn", |s| s.contains("Audit log") && s.contains(&format!("{head}/{head}")));
    sh.wait_format("#{mouse_any_flag}", "1");
    // Raw mode again: one key, no Enter, moves the cursor.
    sh.keys(&["Home"]);
    sh.wait("Home taken at once", |s| s.contains(&format!(" 1/{head} ")));
    sh.keys(&["q"]);
    sh.wait_format("#{alternate_on}", "0");
    assert_eq!(sh.status(), "0");
}

#[test]
fn sigquit_restores_the_terminal_and_exits_131() {
    let sh = Shell::start("quit");
    sh.open_tui();
    sh.keys(&["m"]);
    sh.wait_format("#{mouse_any_flag}", "1");
    let out = run(Command::new("kill").args(["-QUIT", &pid_of(&sh.db)]));
    assert!(out.status.success());
    sh.wait_format("#{alternate_on}", "0");
    assert_eq!(sh.format(Shell::MOUSE), "00000", "mouse reporting is off");
    assert_eq!(sh.status(), "131", "128 + SIGQUIT");
    // The shell reads lines again (canonical mode, echo).
    sh.line("echo typed-back");
    sh.wait("the shell echoing", |s| s.lines().any(|l| l.trim() == "typed-back"));
}

#[test]
fn a_bracketed_paste_of_five_kilobytes_then_enter_runs_the_command() {
    let sh = Shell::start("paste");
    let head = sh.open_tui();
    sh.keys(&[":"]);
    sh.wait("the command line", |s| s.contains("Enter run"));
    // Line breaks in a paste become spaces: the command is one line.
    let pasted = format!("deposit acc-1\n5 {}", "x".repeat(5 * 1024));
    let out = run(sh.tmux().args(["set-buffer", "--", &pasted]));
    assert!(out.status.success(), "set-buffer");
    let out = run(sh.tmux().args(["paste-buffer", "-p"]));
    assert!(out.status.success(), "paste-buffer");
    sh.keys(&["Enter"]);
    let after = head + 1;
    sh.wait("the pasted command recorded", |s| s.contains(&format!("MoneyDeposited acc-1 @{after}")));
    // Recorded as the user ($CHRONICLE_ACTOR here), through the TUI.
    let out = run(Command::new(BIN).arg("--db").arg(&sh.db).args(["log", "--json", "--from", &after.to_string()]));
    let line = String::from_utf8_lossy(&out.stdout).lines().next().unwrap_or_default().to_owned();
    let e: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|_| panic!("log --json: {line}"));
    let meta = &e["metadata"];
    assert_eq!((meta["actor"].as_str(), meta["source"].as_str()), (Some("grace"), Some("tui")), "{e}");
    sh.wait("who commands are recorded as", |s| s.contains("as grace via tui"));
    sh.keys(&["Escape"]);
    // Esc then q at once would read as Alt-q: wait for the line to close.
    sh.wait("the command line closed", |s| s.contains("? help"));
    sh.keys(&["q"]);
    sh.wait_format("#{alternate_on}", "0");
    assert_eq!(sh.status(), "0");
}

#[test]
fn without_a_terminal_the_tui_says_so_and_names_the_headless_commands() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("none.db");
    let out = Command::new(BIN)
        .arg("--db")
        .arg(&db)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("needs a terminal"), "{err}");
    for cmd in ["exec", "log", "state", "verify"] {
        assert!(err.contains(cmd), "names `{cmd}`: {err}");
    }
    assert!(!err.contains("No such device"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(!db.exists(), "no store is created for a UI that cannot run");
}
