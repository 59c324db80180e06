//! Terminal safety of the real binary under tmux (a real pty): `SIGTERM`,
//! `SIGHUP`, `SIGINT`, `SIGQUIT` and a panic all leave the terminal restored — canonical mode and
//! echo back (read with `stty -a` in the same pty once chronicle has exited),
//! the alternate screen left and mouse reporting off (asked of tmux).

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_chronicle");

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

fn require_tmux() {
    let ok = Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success());
    assert!(ok, "tmux is required for the TUI terminal tests: install it (apt-get install tmux)");
}

/// Polls `f` every 50 ms until it gives a value, or fails after 20 s.
fn wait<T>(what: &str, mut f: impl FnMut() -> Option<T>, show: impl Fn() -> String) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "timed out waiting for {what}:\n{}", show());
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// chronicle on a demo store in a detached tmux session on its own socket
/// (killed on drop); when chronicle exits, the shell records `stty -a` and
/// its exit status, then sleeps so the pane can still be inspected.
struct Pane {
    socket: String,
    _dir: tempfile::TempDir,
    db: PathBuf,
}

impl Pane {
    fn start(name: &str, env: &str) -> Self {
        require_tmux();
        let dir = tempfile::tempdir().expect("a temp dir");
        let db = dir.path().join(format!("{name}-{}.db", std::process::id()));
        let out = run(Command::new(BIN).arg("--db").arg(&db).args(["demo", "--no-tui", "--events", "300"]));
        assert!(out.status.success(), "demo: {}", String::from_utf8_lossy(&out.stderr));
        let socket = format!("chronicle-term-{name}-{}", std::process::id());
        let p = Self { socket, _dir: dir, db };
        let (db, stty, done) = (p.db.display(), p.file("stty"), p.file("done"));
        let shell = format!(
            "{env} '{BIN}' --db '{db}'; echo $? > '{done}.tmp'; stty -a > '{stty}'; mv '{done}.tmp' '{done}'; sleep 60"
        );
        let out = run(p.tmux().args(["new-session", "-d", "-x", "120", "-y", "40", &shell]));
        assert!(out.status.success(), "tmux new-session: {}", String::from_utf8_lossy(&out.stderr));
        p
    }

    fn file(&self, ext: &str) -> String {
        format!("{}.{ext}", self.db.display())
    }

    fn tmux(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket]);
        c
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&run(self.tmux().args(["capture-pane", "-p"])).stdout).into_owned()
    }

    fn format(&self, f: &str) -> String {
        let out = run(self.tmux().args(["display-message", "-p", f]));
        assert!(out.status.success(), "display {f}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Waits until the TUI shows its first frame at the head (`N/N`).
    fn wait_for_tui(&self) {
        self.wait_for_frame();
        // Captured from here on, so the restore must turn it off.
        let out = run(self.tmux().args(["send-keys", "m"]));
        assert!(out.status.success());
        wait("mouse capture on", || (self.format("#{mouse_any_flag}") == "1").then_some(()), || self.screen());
    }

    /// Waits for the first frame (no key pressed).
    fn wait_for_frame(&self) {
        wait(
            "the TUI at the head",
            || {
                let s = self.screen();
                let at_head =
                    s.split_whitespace().any(|w| w.split_once('/').is_some_and(|(a, b)| a == b && a.len() > 2));
                (at_head && s.contains("Audit log")).then_some(())
            },
            || self.screen(),
        );
        assert_eq!(self.format("#{alternate_on}"), "1", "the TUI runs on the alternate screen");
        assert_eq!(self.format("#{mouse_any_flag}"), "0", "mouse capture is off by default (text can be selected)");
    }

    /// The chronicle process (the one whose command line names this db).
    fn pid(&self) -> String {
        let db = self.db.display().to_string();
        wait(
            "the chronicle pid",
            || {
                let out = run(Command::new("pgrep").args(["-f", "--", &format!("--db {db}$")]));
                let s = String::from_utf8_lossy(&out.stdout);
                let pids: Vec<&str> = s.split_whitespace().collect();
                (pids.len() == 1).then(|| pids[0].to_owned())
            },
            || self.screen(),
        )
    }

    fn kill(&self, sig: &str) {
        let pid = self.pid();
        let out = run(Command::new("kill").args([&format!("-{sig}"), &pid]));
        assert!(out.status.success(), "kill -{sig} {pid}");
    }

    /// Waits for chronicle to exit; returns its exit status and `stty -a`.
    fn wait_exit(&self) -> (String, String) {
        let done = self.file("done");
        let status = wait("chronicle to exit", || std::fs::read_to_string(&done).ok(), || self.screen());
        let stty = std::fs::read_to_string(self.file("stty")).expect("stty -a was recorded");
        (status.trim().to_owned(), stty)
    }

    /// The terminal as chronicle left it is as a shell wants it.
    fn assert_restored(&self, stty: &str) {
        let flags: Vec<&str> = stty.split_whitespace().collect();
        for flag in ["icanon", "echo", "isig", "icrnl", "opost"] {
            assert!(flags.contains(&flag), "`{flag}` is not set again:\n{stty}");
            assert!(!flags.contains(&format!("-{flag}").as_str()), "`-{flag}` is left:\n{stty}");
        }
        assert_eq!(self.format("#{alternate_on}"), "0", "the alternate screen is left");
        let mouse = "#{mouse_standard_flag}#{mouse_any_flag}#{mouse_button_flag}#{mouse_all_flag}#{mouse_sgr_flag}";
        assert_eq!(self.format(mouse), "00000", "mouse reporting is off");
        let screen = self.screen();
        assert!(!screen.contains("Audit log"), "the TUI is no longer shown:\n{screen}");
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = self.tmux().arg("kill-server").output();
    }
}

fn signal_restores(name: &str, sig: &str, status_wanted: &str) {
    let p = Pane::start(name, "");
    p.wait_for_tui();
    p.kill(sig);
    let (status, stty) = p.wait_exit();
    p.assert_restored(&stty);
    assert_eq!(status, status_wanted, "chronicle exits with 128 + signal after {sig}");
}

#[test]
fn sigterm_restores_the_terminal_and_exits() {
    signal_restores("term", "TERM", "143");
}

#[test]
fn sighup_restores_the_terminal_and_exits() {
    signal_restores("hup", "HUP", "129");
}

#[test]
fn sigint_restores_the_terminal_and_exits() {
    signal_restores("int", "INT", "130");
}

#[test]
fn sigquit_restores_the_terminal_and_exits() {
    signal_restores("quit", "QUIT", "131");
}

#[test]
fn closing_the_terminal_ends_the_process() {
    let p = Pane::start("close", "");
    p.wait_for_tui();
    let pid = p.pid();
    // The pty goes away for real (SIGHUP from the kernel, then EIO on the tty).
    let out = run(p.tmux().arg("kill-server"));
    assert!(out.status.success());
    // Gone, or a zombie nobody reaps (a container's init may not).
    let gone = || {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map_or(true, |s| s.rsplit_once(") ").is_some_and(|(_, rest)| rest.starts_with('Z')))
    };
    wait("chronicle to exit after its terminal closed", || gone().then_some(()), || format!("pid {pid} still runs"));
}

#[test]
fn a_panic_restores_the_terminal() {
    // Test hook of the runtime: with CHRONICLE_TEST_PANIC=1 the first key panics.
    let p = Pane::start("panic", "CHRONICLE_TEST_PANIC=1");
    p.wait_for_frame();
    let out = run(p.tmux().args(["send-keys", "j"]));
    assert!(out.status.success());
    let (status, stty) = p.wait_exit();
    p.assert_restored(&stty);
    assert_eq!(status, "101", "a panic exits with 101");
}
