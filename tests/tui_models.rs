//! Every read model the CLI shows at a position, the TUI shows at that
//! position: the rows of the TUI's read-model pane (the real `Session`:
//! keys, update, effects, store) against `chronicle state --at P
//! --projection NAME --json`, for every projection, at several positions.
#![cfg(feature = "tui")]

use std::path::Path;
use std::process::Command;

use chronicle::tui::{Action, Session};
use crossterm::event::KeyCode;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_chronicle");

fn cli_rows(db: &Path, name: &str, at: u64) -> Vec<Value> {
    let out = Command::new(BIN)
        .arg("--db")
        .arg(db)
        .args(["state", "--projection", name, "--json", "--at", &at.to_string()])
        .output()
        .expect("chronicle state runs");
    assert!(out.status.success(), "state: {}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("state --json prints JSON");
    v["rows"].as_array().cloned().expect("rows")
}

/// The rows the TUI's read-model pane shows at the cursor, all of them:
/// walked one row at a time with ↓ in the focused pane, as a user scrolls.
fn tui_rows(s: &mut Session) -> Vec<Value> {
    let mut out = Vec::new();
    loop {
        let row = s.app.model_rows(1).expect("the rows of the shown read model are there").first().map(|r| r.to_json());
        let Some(row) = row else { break };
        out.push(row);
        s.press(KeyCode::Down).expect("↓ in the read-model pane");
    }
    out
}

#[test]
fn every_read_model_in_the_tui_matches_state_at_every_position() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("models.db");
    let out = Command::new(BIN).arg("--db").arg(&db).args(["demo", "--no-tui", "--events", "400"]).output().unwrap();
    assert!(out.status.success(), "demo: {}", String::from_utf8_lossy(&out.stderr));
    let mut s = Session::open(&db, chronicle::domain::Registry::builtin()).unwrap();
    s.dispatch(Action::Resize(100, 30)).unwrap();
    s.start().unwrap();
    let head = s.app.head;
    let names: Vec<&str> = s.app.projections.iter().map(|m| m.name).collect();
    assert!(names.contains(&"transaction_history"), "{names:?}");
    let mut compared = 0;
    for at in [1, 37, 211, head - 1, head] {
        s.press(KeyCode::Char('g')).unwrap();
        s.type_str(&at.to_string()).unwrap();
        s.press(KeyCode::Enter).unwrap();
        assert_eq!((s.app.cursor, s.app.world.position), (at, at));
        for (i, name) in names.iter().enumerate() {
            // The pane shows the i-th read model, scrolled to its top.
            while s.app.projection != i {
                s.press(KeyCode::Char('p')).unwrap();
            }
            s.dispatch(Action::FocusNext).unwrap();
            while s.app.focus != chronicle::tui::app::Focus::Projections {
                s.dispatch(Action::FocusNext).unwrap();
            }
            s.app.table_scroll = 0;
            s.dispatch(Action::Resize(100, 30)).unwrap();
            let want = cli_rows(&db, name, at);
            let got = tui_rows(&mut s);
            assert_eq!(got, want, "{name} at {at}: the TUI's rows differ from `state --at {at} --projection {name}`");
            compared += got.len();
            s.dispatch(Action::FocusNext).unwrap();
        }
    }
    assert!(compared > 500, "too few rows compared: {compared}");
}
