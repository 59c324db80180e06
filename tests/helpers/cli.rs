//! Shared helpers of the integration tests: run the real `chronicle` binary
//! on a store in a temporary directory and read its output.
//!
//! Each test file includes this module with `#[path = "helpers/cli.rs"] mod support;`,
//! so not every helper is used by every file.
#![allow(dead_code, clippy::missing_panics_doc, clippy::must_use_candidate)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_chronicle");

/// A `chronicle` command with a clean environment: no `CHRONICLE_DB`, a fixed actor.
#[must_use]
pub fn chronicle() -> Command {
    let mut c = Command::new(BIN);
    c.env_remove("CHRONICLE_DB")
        .env_remove("CHRONICLE_ACTOR")
        .env("USER", "tester")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    c
}

/// What a finished process printed and returned.
#[derive(Debug)]
pub struct Run {
    /// Exit status (-1 when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Self {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Asserts the process did not panic and exited with `code`.
    pub fn expect_code(&self, code: i32, what: &str) {
        assert!(!self.stderr.contains("panicked"), "{what}: panicked:\n{}", self.stderr);
        assert_eq!(self.code, code, "{what}: exit status\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
    }

    /// Asserts a failure with `code` reported as exactly one line on stderr,
    /// and returns that line.
    pub fn one_line_error(&self, code: i32, what: &str) -> String {
        self.expect_code(code, what);
        let lines: Vec<&str> = self.stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{what}: expected one line on stderr, got:\n{}", self.stderr);
        lines[0].to_owned()
    }
}

/// Runs `cmd` to completion.
pub fn run(cmd: &mut Command) -> Run {
    cmd.output().expect("the chronicle binary runs").into()
}

/// Parses JSON Lines.
#[must_use]
pub fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// A store file (absent until a command creates it) in its own temporary directory.
pub struct Store {
    /// Keeps the directory alive.
    pub dir: tempfile::TempDir,
    /// The store file.
    pub path: PathBuf,
}

impl Store {
    /// A fresh directory; the store file does not exist yet.
    #[must_use]
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("store.db");
        Self { dir, path }
    }

    /// A store seeded by `demo --no-tui --events N`.
    #[must_use]
    pub fn demo(events: u64) -> Self {
        let s = Self::new();
        s.ok(&["demo", "--no-tui", "--events", &events.to_string()]);
        s
    }

    /// A path next to the store.
    #[must_use]
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `chronicle --db <store> args…`.
    pub fn run(&self, args: &[&str]) -> Run {
        run(chronicle().arg("--db").arg(&self.path).args(args))
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let r = self.run(args);
        r.expect_code(0, &format!("chronicle {args:?}"));
        r.stdout
    }

    /// Runs and asserts a one-line failure with `code`; returns the stderr line.
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        self.run(args).one_line_error(code, &format!("chronicle {args:?}"))
    }

    /// `exec <line>`, asserting success; returns stdout.
    pub fn exec(&self, line: &str) -> String {
        self.ok(&["exec", line])
    }

    /// `exec --json <line>`, asserting success; returns the recorded events.
    pub fn exec_json(&self, line: &str) -> Vec<Value> {
        json_lines(&self.ok(&["exec", "--json", line]))
    }

    /// `log --json` with extra arguments.
    pub fn log(&self, extra: &[&str]) -> Vec<Value> {
        let mut args = vec!["log", "--json"];
        args.extend_from_slice(extra);
        json_lines(&self.ok(&args))
    }

    /// `export` to stdout.
    pub fn export(&self) -> String {
        self.ok(&["export"])
    }

    /// The position of the last event (0 for an empty store).
    pub fn head(&self) -> u64 {
        self.log(&[]).last().map_or(0, |e| e["position"].as_u64().expect("position"))
    }

    /// `state --json` with extra arguments, parsed.
    pub fn state(&self, extra: &[&str]) -> Value {
        let mut args = vec!["state", "--json"];
        args.extend_from_slice(extra);
        let out = self.ok(&args);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("state output is not one JSON object ({e}): {out}"))
    }

    /// `state --projection NAME --json`, parsed.
    pub fn projection(&self, name: &str) -> Value {
        self.state(&["--projection", name])
    }

    /// One account's row of `account_balances`.
    pub fn balance_row(&self, account: &str) -> Value {
        let p = self.projection("account_balances");
        p["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["account_id"] == account)
            .cloned()
            .unwrap_or_else(|| panic!("no row for {account} in {p}"))
    }

    /// `verify`, asserting it passes; returns its report line.
    pub fn verify_ok(&self) -> String {
        let out = self.ok(&["verify"]);
        assert!(out.starts_with("ok: "), "verify output: {out}");
        out
    }

    /// `verify`, asserting it fails (exit 1); returns stderr.
    pub fn verify_fails(&self) -> String {
        let r = self.run(&["verify"]);
        r.expect_code(1, "verify");
        assert!(r.stderr.starts_with("chronicle: verify failed: "), "verify stderr: {}", r.stderr);
        r.stderr
    }

    /// The store file's bytes (to check a command left it unchanged).
    #[must_use]
    pub fn bytes(&self) -> Vec<u8> {
        std::fs::read(&self.path).unwrap_or_default()
    }

    /// Opens the file directly, behind the program's back.
    #[must_use]
    pub fn sql(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(&self.path).expect("open the store with rusqlite")
    }

    /// Drops the append-only triggers so events can be tampered with.
    pub fn drop_triggers(&self) {
        self.sql()
            .execute_batch("DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;")
            .expect("drop triggers");
    }
}

impl Default for Store {
    fn default() -> Self {
        Self::new()
    }
}

/// Writes `text` to `path`.
pub fn write(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write file");
}

/// Spawns `cmd` with its standard output piped and read on a thread: the
/// child (to kill) and its output lines as they come.
pub fn spawn_lines(cmd: &mut Command) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    use std::io::{BufRead, BufReader};
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("spawn the child");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}
