//! The real binary under tmux (a real terminal that answers cursor
//! queries), driven by keys, read back with `capture-pane`.
//!
//! Included with `#[path = "helpers/tmux.rs"] mod tmux;`.
#![allow(dead_code, clippy::missing_panics_doc, clippy::must_use_candidate)]

use std::process::{Command, Output};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_chronicle");

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// A tmux server on its own socket running `chronicle --db <db>`, killed on drop.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts the TUI on `db` (a file path or a database URL).
    pub fn start(name: &str, db: &str) -> Self {
        Self::start_with(name, db, &[], None)
    }

    /// As [`Tmux::start`], with these environment variables set for the TUI.
    pub fn start_env(name: &str, db: &str, env: &[(&str, &str)]) -> Self {
        Self::start_with(name, db, env, None)
    }

    /// As [`Tmux::start`], with `dir` as the program's working directory.
    pub fn start_in(name: &str, db: &str, dir: Option<&std::path::Path>) -> Self {
        Self::start_with(name, db, &[], dir)
    }

    /// As [`Tmux::start`], with environment variables and a working directory.
    pub fn start_with(name: &str, db: &str, env: &[(&str, &str)], dir: Option<&std::path::Path>) -> Self {
        let ok = Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success());
        assert!(ok, "tmux is required for the TUI end-to-end tests: install it (apt-get install tmux)");
        let socket = format!("chronicle-pg-{name}-{}", std::process::id());
        let shell = format!("env -u CHRONICLE_DB NO_COLOR=1 '{BIN}' --db '{db}'; echo EXIT=$?; sleep 60");
        let t = Self { socket };
        let mut cmd = t.cmd();
        cmd.args(["new-session", "-d", "-x", "160", "-y", "48"]);
        for (k, v) in env {
            cmd.arg("-e").arg(format!("{k}={v}"));
        }
        if let Some(dir) = dir {
            cmd.arg("-c").arg(dir);
        }
        let out = run(cmd.arg(&shell));
        assert!(out.status.success(), "tmux new-session: {}", String::from_utf8_lossy(&out.stderr));
        t
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket]);
        c
    }

    /// Sends keys (tmux names: "Enter", "Home", "q").
    pub fn keys(&self, keys: &[&str]) {
        let out = run(self.cmd().arg("send-keys").args(keys));
        assert!(out.status.success(), "send-keys {keys:?}");
    }

    /// The screen's text now.
    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&run(self.cmd().args(["capture-pane", "-p"])).stdout).into_owned()
    }

    /// Polls the screen until `pred` holds, or fails after `secs` showing it.
    pub fn wait_long(&self, what: &str, secs: u64, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            assert!(start.elapsed() < Duration::from_secs(secs), "timed out waiting for {what}; screen:\n{s}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Polls the screen until it shows `needle` (15 s at most).
    pub fn wait_for(&self, needle: &str) -> String {
        self.wait_long(needle, 15, |s| s.contains(needle))
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().arg("kill-server").output();
    }
}
