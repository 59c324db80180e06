//! Shared helpers of the `postgres_*` tests: the real binary on a fresh
//! PostgreSQL database (one per test, dropped afterwards), and a plain
//! session on it for poking at the server the way an operator would.
//!
//! Included with `#[path = "helpers/pg.rs"] mod pg;` next to
//! `#[path = "helpers/cli.rs"] mod support;`, so each file uses only part of it.
#![allow(dead_code, clippy::missing_panics_doc, clippy::must_use_candidate)]

use std::process::Command;
use std::time::{Duration, Instant};

use chronicle::postgres::testing::TestDb;
use serde_json::Value;

use crate::support::{Run, chronicle, json_lines, run};

/// A fresh database and a scratch directory for files.
pub struct Pg {
    /// The database (dropped with its sessions on drop).
    pub db: TestDb,
    /// Files next to the test (exports).
    pub dir: tempfile::TempDir,
}

impl Pg {
    /// A fresh database, or `None` (after one line saying why) without a server.
    pub fn new() -> Option<Self> {
        let db = TestDb::create()?;
        Some(Self { db, dir: tempfile::tempdir().expect("temporary directory") })
    }

    /// A fresh database seeded by `demo --no-tui --events n`.
    pub fn demo(n: u64) -> Option<Self> {
        let pg = Self::new()?;
        pg.ok(&["demo", "--no-tui", "--events", &n.to_string()]);
        Some(pg)
    }

    /// The database's URL (what `--db` takes).
    pub fn url(&self) -> &str {
        self.db.url()
    }

    /// `chronicle --db <url>` with a clean environment.
    pub fn cmd(&self) -> Command {
        let mut c = chronicle();
        c.arg("--db").arg(self.url());
        c
    }

    /// Runs `chronicle --db <url> args…`.
    pub fn run(&self, args: &[&str]) -> Run {
        run(self.cmd().args(args))
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let r = self.run(args);
        r.expect_code(0, &format!("chronicle {args:?}"));
        r.stdout
    }

    /// Runs and asserts a one-line failure with `code`; returns the line.
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        self.run(args).one_line_error(code, &format!("chronicle {args:?}"))
    }

    /// `exec <line>`, asserting success.
    pub fn exec(&self, line: &str) -> String {
        self.ok(&["exec", line])
    }

    /// `log --json` with extra arguments.
    pub fn log(&self, extra: &[&str]) -> Vec<Value> {
        let mut args = vec!["log", "--json"];
        args.extend_from_slice(extra);
        json_lines(&self.ok(&args))
    }

    /// The position of the last event (0 for an empty store).
    pub fn head(&self) -> u64 {
        self.log(&[]).last().map_or(0, |e| e["position"].as_u64().expect("position"))
    }

    /// `export` to stdout.
    pub fn export(&self) -> String {
        self.ok(&["export"])
    }

    /// The store's export imported into a fresh database and into a SQLite
    /// file next to it (`None` without a server).
    pub fn imported_copies(&self) -> Option<(Pg, std::path::PathBuf)> {
        let pg = Pg::new()?;
        let file = self.dir.path().join("export.jsonl");
        std::fs::write(&file, self.export()).expect("write the export");
        let path = file.to_str().expect("UTF-8 path");
        pg.ok(&["import", path]);
        let sqlite = self.dir.path().join("copy.db");
        run(chronicle().arg("--db").arg(&sqlite).args(["import", path])).expect_code(0, "import into a file");
        Some((pg, sqlite))
    }

    /// `state --json` with extra arguments, parsed.
    pub fn state(&self, extra: &[&str]) -> Value {
        let mut args = vec!["state", "--json"];
        args.extend_from_slice(extra);
        let out = self.ok(&args);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("state is not one JSON object ({e}): {out}"))
    }

    /// Runs one statement as the test's own session.
    pub fn sql(&self, sql: &str) {
        self.db.client().batch_execute(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// One number a query returns.
    pub fn count(&self, sql: &str) -> i64 {
        self.db.client().query_one(sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e}")).get(0)
    }

    /// Waits (15 s at most) for a chronicle session of this database that
    /// has written inside an open transaction and now waits on a lock;
    /// returns its backend pid.
    pub fn blocked_writer(&self) -> i32 {
        let sql = format!(
            "SELECT pid FROM pg_stat_activity WHERE datname = '{}' AND application_name = 'chronicle' \
             AND backend_xid IS NOT NULL AND wait_event_type = 'Lock'",
            self.db.name()
        );
        let start = Instant::now();
        let mut client = self.db.client();
        loop {
            if let Some(row) = client.query_opt(&sql, &[]).expect("pg_stat_activity") {
                return row.get(0);
            }
            assert!(start.elapsed() < Duration::from_secs(15), "no chronicle writer blocked mid-transaction");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// A session holding `LOCK TABLE chronicle.checkpoints` in an open
/// transaction: a writer gets as far as its checkpoint (events already
/// written in its transaction) and waits there. Released on drop.
pub struct CheckpointLock {
    client: postgres::Client,
}

impl CheckpointLock {
    /// Takes the lock (the schema must exist).
    pub fn take(pg: &Pg) -> Self {
        let mut client = pg.db.client();
        client.batch_execute("BEGIN; LOCK TABLE chronicle.checkpoints IN EXCLUSIVE MODE").expect("lock checkpoints");
        Self { client }
    }
}

impl Drop for CheckpointLock {
    fn drop(&mut self) {
        let _ = self.client.batch_execute("ROLLBACK");
    }
}

/// The correlation ids of `log`, each once, those with the most events first.
pub fn correlations(log: &[Value]) -> Vec<String> {
    let mut ids: Vec<(usize, String)> = Vec::new();
    for e in log {
        let id = e["metadata"]["correlation_id"].as_str().expect("correlation_id").to_owned();
        match ids.iter_mut().find(|(_, i)| *i == id) {
            Some((n, _)) => *n += 1,
            None => ids.push((1, id)),
        }
    }
    ids.sort_by_key(|(n, _)| std::cmp::Reverse(*n));
    ids.into_iter().map(|(_, id)| id).collect()
}
