//! Headless tests: `update` behaviour and rendered-screen snapshots.

mod branch;
mod debugger;
mod diffjob;
mod filter;
mod input;
mod narrow;
mod robustness;
mod screens;
mod tree;
mod updates;

use std::path::PathBuf;

use tempfile::TempDir;

use super::Session;
use crate::app::{Chronicle, ExecOptions, Mode};

/// The commands of the deterministic store, in order.
pub const SCRIPT: &[&str] = &[
    "open acc-1 Ada Lovelace",
    "open acc-2 Alan Turing",
    "deposit acc-1 100 salary",
    "deposit acc-2 50.25",
    "withdraw acc-1 30 rent",
    "transfer acc-1 acc-2 10 lunch",
    "register u-1 grace@example.com Grace Brewster Hopper",
    "grant u-1 admin",
    "deposit acc-1 7.5 refund",
];

/// A store in a temp dir with [`SCRIPT`] recorded at fixed times and ids.
pub fn store() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("test.db");
    let mut c = Chronicle::open(&db, Mode::Write, crate::domain::Registry::builtin()).unwrap();
    for (i, line) in SCRIPT.iter().enumerate() {
        let opts = ExecOptions {
            actor: "tester".into(),
            source: "test".into(),
            command_id: Some(format!("cmd-{i}")),
            recorded_at: Some(format!("2026-01-01T00:{i:02}:00.000000Z")),
            ..ExecOptions::default()
        };
        c.execute(line, &opts).unwrap();
    }
    (dir, db)
}

/// A headless session on `db`, loaded at the head.
pub fn session(db: &std::path::Path) -> Session {
    let mut s = Session::open(db, crate::domain::Registry::builtin()).unwrap();
    s.set_actor("tester");
    s.app.db_label = "test.db".into();
    s.start().unwrap();
    s
}
