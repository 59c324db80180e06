//! Rendered screens, snapshotted with insta (hashes and ids filtered).

use crossterm::event::KeyCode;

use super::super::app::App;
use super::super::runtime::render_text;
use super::{session, store};

pub(super) fn snap(name: &str, screen: &str) {
    insta::with_settings!({filters => vec![
        (r"[0-9a-f]{64}", "[hash]"),
        (r"[0-9a-f]{40,63}…?", "[hash]"),
        (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "[uuid]"),
    ]}, {
        insta::assert_snapshot!(name, screen);
    });
}

#[test]
fn main_screen_at_the_head() {
    let (_d, db) = store();
    let s = session(&db);
    snap("main_at_head", &render_text(&s.app, 160, 48));
}

#[test]
fn main_screen_at_an_earlier_position() {
    let (_d, db) = store();
    let mut s = session(&db);
    s.press(KeyCode::Char('g')).unwrap();
    s.type_str("5").unwrap();
    s.press(KeyCode::Enter).unwrap();
    snap("main_at_5", &render_text(&s.app, 160, 48));
}

#[test]
fn help_overlay() {
    let (_d, db) = store();
    let mut s = session(&db);
    s.press(KeyCode::Char('?')).unwrap();
    snap("help", &render_text(&s.app, 120, 48));
}

#[test]
fn empty_store() {
    let dir = tempfile::tempdir().unwrap();
    let s = session(&dir.path().join("empty.db"));
    snap("empty", &render_text(&s.app, 100, 30));
}

#[test]
fn rejection_message() {
    let (_d, db) = store();
    let mut s = session(&db);
    s.press(KeyCode::Char(':')).unwrap();
    s.type_str("withdraw acc-2 1000").unwrap();
    s.press(KeyCode::Enter).unwrap();
    s.press(KeyCode::Esc).unwrap();
    let screen = render_text(&s.app, 120, 30);
    let line = screen.lines().rev().nth(1).unwrap().to_owned();
    assert!(line.contains("rejected"), "{line}");
    snap("rejection", &screen);
}

#[test]
fn terminal_too_small() {
    let app = App::new("x".into(), 3);
    snap("too_small", &render_text(&app, 60, 20));
}

#[test]
fn control_characters_never_reach_the_screen() {
    let (_d, db) = store();
    let mut s = session(&db);
    s.press(KeyCode::Char(':')).unwrap();
    s.type_str("open acc-\u{1b}[2J Mallory").unwrap();
    s.press(KeyCode::Enter).unwrap();
    let screen = render_text(&s.app, 160, 48);
    assert!(!screen.contains('\u{1b}'), "{screen}");
}

#[test]
fn main_screen_at_80x24() {
    let (_d, db) = store();
    let s = session(&db);
    snap("main_80x24", &render_text(&s.app, 80, 24));
}
