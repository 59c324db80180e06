//! The README's screenshot is what the TUI draws today: the documented demo
//! store, opened at the documented position and size, drawn with the real
//! `Session` on a `TestBackend`, equals `assets/screen.txt`, and the
//! README's "The time machine" shows that same text. Only the store's path
//! varies (a temp dir here): the screen is drawn with the documented one.
//!
//! To regenerate after a deliberate change of the screen:
//! `CHRONICLE_UPDATE_SCREEN=1 cargo test --test tui_screenshot`.
#![cfg(feature = "tui")]

use std::process::Command;

use chronicle::tui::Session;
use chronicle::tui::runtime::render_text;
use crossterm::event::KeyCode;

const BIN: &str = env!("CARGO_BIN_EXE_chronicle");
const ASSET: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/screen.txt");
const README: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");

/// As documented in the README: `chronicle --db /tmp/d.db demo --seed 42
/// --events 3000 --no-tui`, then `chronicle --db /tmp/d.db`, `g 1234 Enter`
/// in a 160×48 terminal.
const DB_LABEL: &str = "/tmp/d.db";
const POSITION: &str = "1234";
const SIZE: (u16, u16) = (160, 48);

#[test]
fn the_readme_screenshot_is_what_the_tui_draws_at_the_documented_position() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("d.db");
    let out = Command::new(BIN)
        .arg("--db")
        .arg(&db)
        .args(["demo", "--seed", "42", "--events", "3000", "--no-tui"])
        .output()
        .unwrap();
    assert!(out.status.success(), "demo: {}", String::from_utf8_lossy(&out.stderr));
    let mut s = Session::open(&db, chronicle::domain::Registry::builtin()).unwrap();
    DB_LABEL.clone_into(&mut s.app.db_label);
    s.app.no_color = true;
    s.dispatch(chronicle::tui::Action::Resize(SIZE.0, SIZE.1)).unwrap();
    s.start().unwrap();
    s.press(KeyCode::Char('g')).unwrap();
    s.type_str(POSITION).unwrap();
    s.press(KeyCode::Enter).unwrap();
    let drawn = render_text(&s.app, SIZE.0, SIZE.1);
    if std::env::var_os("CHRONICLE_UPDATE_SCREEN").is_some() {
        std::fs::write(ASSET, &drawn).unwrap();
    }
    let asset = std::fs::read_to_string(ASSET).unwrap();
    assert_eq!(drawn, asset, "assets/screen.txt is not what the TUI draws (see this file's doc to regenerate)");
    let readme = std::fs::read_to_string(README).unwrap();
    let section = readme.split("## The time machine").nth(1).expect("the README's time machine section");
    let block = section.split("```text\n").nth(1).and_then(|b| b.split("```").next()).expect("a text block");
    assert_eq!(block, asset, "the README's screenshot differs from assets/screen.txt");
    assert!(section.contains("demo --seed 42 --events 3000 --no-tui"), "the README names the demo command");
}
