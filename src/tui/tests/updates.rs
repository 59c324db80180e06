//! Every key and command-line behaviour, without a terminal.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::super::action::Action;
use super::super::app::{App, Focus, Mode, Speed};
use super::super::keymap::key_to_action;
use super::super::update::update;
use super::{SCRIPT, session, store};

fn key(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

#[test]
fn opens_at_the_head_with_world_and_window() {
    let (_d, db) = store();
    let s = session(&db);
    let head = s.app.head;
    assert_eq!(head, 10, "transfer records two events");
    assert_eq!((s.app.cursor, s.app.world.position), (head, head));
    assert_eq!(s.app.cursor_event().unwrap().stored.position, head);
    assert_eq!(s.app.selected_stream(), Some("acc-1"));
}

#[test]
fn scrub_keys_move_the_cursor_and_never_the_log() {
    let (_d, db) = store();
    let mut s = session(&db);
    s.press(KeyCode::Home).unwrap();
    assert_eq!(s.app.cursor, 1);
    s.press(KeyCode::Right).unwrap();
    s.press(KeyCode::Char('l')).unwrap();
    assert_eq!(s.app.cursor, 3);
    s.press(KeyCode::Char('h')).unwrap();
    s.press(KeyCode::Left).unwrap();
    s.press(KeyCode::Left).unwrap();
    assert_eq!(s.app.cursor, 1, "clamped at the first event");
    s.press(KeyCode::PageDown).unwrap();
    assert_eq!(s.app.cursor, 10, "clamped at the head");
    s.press(KeyCode::PageUp).unwrap();
    assert_eq!(s.app.cursor, 1);
    s.press(KeyCode::End).unwrap();
    assert_eq!(s.app.cursor, 10);
    assert_eq!(s.chronicle().store().head().unwrap(), 10);
    assert_eq!(s.app.world.position, 10);
}

#[test]
fn goto_takes_a_position_or_a_time() {
    let (_d, db) = store();
    let mut s = session(&db);
    s.press(KeyCode::Char('g')).unwrap();
    assert_eq!(s.app.mode, Mode::Goto);
    s.type_str("4").unwrap();
    s.press(KeyCode::Enter).unwrap();
    assert_eq!((s.app.mode, s.app.cursor, s.app.world.position), (Mode::Normal, 4, 4));
    s.press(KeyCode::Char('g')).unwrap();
    s.type_str("2026-01-01T00:02:30Z").unwrap();
    s.press(KeyCode::Enter).unwrap();
    assert_eq!(s.app.cursor, 3, "last event at or before the time");
    s.press(KeyCode::Char('g')).unwrap();
    s.type_str("yesterday").unwrap();
    s.press(KeyCode::Enter).unwrap();
    assert_eq!(s.app.cursor, 3);
    assert!(s.app.message.as_ref().unwrap().text.contains("neither a position"));
    s.press(KeyCode::Char('g')).unwrap();
    s.press(KeyCode::Esc).unwrap();
    assert_eq!(s.app.mode, Mode::Normal);
}

#[test]
fn stream_keys_walk_the_selected_stream() {
    let (_d, db) = store();
    let mut s = session(&db);
    // Head is "deposit acc-1 7.5" at 10; acc-1's events: 1, 3, 5, 6 (transfer), 10.
    s.press(KeyCode::Char('[')).unwrap();
    assert_eq!(s.app.cursor, 6);
    s.press(KeyCode::Char('[')).unwrap();
    assert_eq!(s.app.cursor, 5);
    s.press(KeyCode::Char(']')).unwrap();
    assert_eq!(s.app.cursor, 6);
}

#[test]
fn play_follow_speed_and_mouse_toggle() {
    let mut app = App::new("x".into(), 10);
    app.cursor = 10;
    assert!(update(&mut app, Action::TogglePlay).is_some(), "at the head, play restarts from the first event");
    assert!(app.playing);
    assert_eq!(app.cursor, 1);
    update(&mut app, Action::PlayStep);
    assert_eq!(app.cursor, 2);
    update(&mut app, Action::Faster);
    assert_eq!(app.speed, Speed::Fast);
    update(&mut app, Action::Faster);
    assert_eq!(app.speed, Speed::Live);
    update(&mut app, Action::Slower);
    update(&mut app, Action::Slower);
    assert_eq!(app.speed, Speed::Slow);
    update(&mut app, Action::TogglePlay);
    assert!(!app.playing);
    update(&mut app, Action::ToggleFollow);
    assert!(app.follow);
    assert_eq!(app.cursor, 10);
    update(&mut app, Action::Step(-1));
    assert!(!app.follow, "moving away from the head stops following");
    let was = app.mouse;
    assert_eq!(update(&mut app, Action::ToggleMouse), Some(super::super::Effect::Mouse(!was)));
}

#[test]
fn keymap_covers_the_documented_keys() {
    let app = App::new("x".into(), 10);
    let cases = [
        (KeyCode::Char('?'), "Help"),
        (KeyCode::F(1), "Help"),
        (KeyCode::Char('q'), "Quit"),
        (KeyCode::Char(':'), "OpenCommand"),
        (KeyCode::Char('i'), "OpenCommand"),
        (KeyCode::Char('/'), "OpenFilter"),
        (KeyCode::Char('g'), "OpenGoto"),
        (KeyCode::Char(' '), "TogglePlay"),
        (KeyCode::Char('+'), "Faster"),
        (KeyCode::Char('-'), "Slower"),
        (KeyCode::Char('f'), "ToggleFollow"),
        (KeyCode::Char('m'), "ToggleMouse"),
        (KeyCode::Tab, "FocusNext"),
        (KeyCode::BackTab, "FocusPrev"),
        (KeyCode::Char('n'), "FindNext"),
        (KeyCode::Char('N'), "FindPrev"),
        (KeyCode::Char('c'), "FollowCorrelation"),
        (KeyCode::Char('['), "StreamPrev"),
        (KeyCode::Char(']'), "StreamNext"),
    ];
    for (code, want) in cases {
        let got = format!("{:?}", key_to_action(&app, key(code)));
        assert_eq!(got, format!("Some({want})"), "{code:?}");
    }
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert!(matches!(key_to_action(&app, ctrl_c), Some(Action::Quit)));
    let mut typing = app.clone();
    typing.mode = Mode::Command;
    assert!(matches!(key_to_action(&typing, key(KeyCode::Char('q'))), Some(Action::Edit(_))));
    assert!(matches!(key_to_action(&typing, ctrl_c), Some(Action::Quit)));
}

#[test]
fn focus_cycles_both_ways() {
    let mut app = App::new("x".into(), 1);
    for _ in 0..Focus::ORDER.len() {
        update(&mut app, Action::FocusNext);
    }
    assert_eq!(app.focus, Focus::Timeline);
    update(&mut app, Action::FocusPrev);
    assert_eq!(app.focus, Focus::Projections);
}

#[test]
fn help_opens_and_closes() {
    let mut app = App::new("x".into(), 1);
    update(&mut app, Action::Help);
    assert_eq!(app.mode, Mode::Help);
    let a = key_to_action(&app, key(KeyCode::Esc)).unwrap();
    update(&mut app, a);
    assert_eq!(app.mode, Mode::Normal);
}

#[test]
fn a_command_is_recorded_once_and_the_cursor_goes_to_the_head() {
    let (_d, db) = store();
    let mut s = session(&db);
    s.press(KeyCode::Home).unwrap();
    s.press(KeyCode::Char(':')).unwrap();
    s.type_str("deposit acc-2 5").unwrap();
    s.press(KeyCode::Enter).unwrap();
    assert_eq!(s.chronicle().store().head().unwrap(), 11);
    assert_eq!((s.app.head, s.app.cursor), (11, 11));
    let m = s.app.message.clone().unwrap();
    assert!(m.text.contains("recorded 1 event") && m.text.contains("MoneyDeposited acc-2 @11"), "{m:?}");
    assert_eq!(s.app.mode, Mode::Command, "the command line stays open");
    s.press(KeyCode::Esc).unwrap();
    assert_eq!(s.app.mode, Mode::Normal);
    assert_eq!(s.app.command.history, vec!["deposit acc-2 5".to_owned()]);
}

#[test]
fn a_rejection_shows_its_reason_and_records_nothing() {
    let (_d, db) = store();
    let mut s = session(&db);
    s.press(KeyCode::Char(':')).unwrap();
    s.type_str("withdraw acc-2 1000").unwrap();
    s.press(KeyCode::Enter).unwrap();
    assert_eq!(s.chronicle().store().head().unwrap(), 10);
    let m = s.app.message.clone().unwrap();
    assert_eq!(m.tone, super::super::app::Tone::Error);
    assert!(m.text.contains("rejected"), "{m:?}");
    s.type_str("frobnicate").unwrap();
    s.press(KeyCode::Enter).unwrap();
    assert!(s.app.message.clone().unwrap().text.contains("unknown command"));
}

#[test]
fn history_and_completion() {
    let (_d, db) = store();
    let mut s = session(&db);
    s.press(KeyCode::Char(':')).unwrap();
    for line in ["deposit acc-1 1", "deposit acc-2 2"] {
        s.type_str(line).unwrap();
        s.press(KeyCode::Enter).unwrap();
    }
    s.press(KeyCode::Up).unwrap();
    assert_eq!(s.app.command.input.value(), "deposit acc-2 2");
    s.press(KeyCode::Up).unwrap();
    assert_eq!(s.app.command.input.value(), "deposit acc-1 1");
    s.press(KeyCode::Down).unwrap();
    s.press(KeyCode::Down).unwrap();
    assert_eq!(s.app.command.input.value(), "");
    s.type_str("dep").unwrap();
    s.press(KeyCode::Tab).unwrap();
    assert_eq!(s.app.command.input.value(), "deposit ");
    s.type_str("acc").unwrap();
    s.press(KeyCode::Tab).unwrap();
    assert_eq!(s.app.command.input.value(), "deposit acc-");
    assert_eq!(s.app.command.candidates, vec!["acc-1".to_owned(), "acc-2".to_owned()]);
    s.type_str("2").unwrap();
    s.press(KeyCode::Tab).unwrap();
    assert_eq!(s.app.command.input.value(), "deposit acc-2 ");
    s.press(KeyCode::Tab).unwrap();
    assert!(s.app.message.clone().unwrap().text.contains("usage: deposit"));
    let _ = SCRIPT;
}

#[test]
fn filter_find_and_correlation() {
    let (_d, db) = store();
    let mut s = session(&db);
    s.press(KeyCode::Char('/')).unwrap();
    s.type_str("acc-2").unwrap();
    s.press(KeyCode::Enter).unwrap();
    assert_eq!(s.app.filter, "acc-2");
    assert_eq!(s.app.visible_streams().len(), 1);
    s.press(KeyCode::Home).unwrap();
    s.press(KeyCode::Char('n')).unwrap();
    assert_eq!(s.app.cursor, 2);
    s.press(KeyCode::Char('n')).unwrap();
    assert_eq!(s.app.cursor, 4);
    s.press(KeyCode::Char('N')).unwrap();
    assert_eq!(s.app.cursor, 2);
    // The transfer's two legs share a correlation id.
    s.press(KeyCode::Char('g')).unwrap();
    s.type_str("6").unwrap();
    s.press(KeyCode::Enter).unwrap();
    s.press(KeyCode::Char('c')).unwrap();
    let c = s.app.correlation.clone().unwrap();
    assert_eq!(c.events.iter().map(|e| e.position).collect::<Vec<_>>(), vec![6, 7]);
    assert_eq!(s.app.focus, Focus::Audit);
    s.press(KeyCode::Down).unwrap();
    assert_eq!(s.app.cursor, 7);
    s.press(KeyCode::Esc).unwrap();
    assert!(s.app.correlation.is_none());
    s.press(KeyCode::Esc).unwrap();
    assert!(s.app.filter.is_empty());
}

#[test]
fn streams_pane_pins_a_stream() {
    let (_d, db) = store();
    let mut s = session(&db);
    s.dispatch(Action::FocusNext).unwrap();
    s.dispatch(Action::FocusNext).unwrap();
    assert_eq!(s.app.focus, Focus::Streams);
    s.press(KeyCode::Down).unwrap();
    s.press(KeyCode::Enter).unwrap();
    assert_eq!(s.app.pinned.as_deref(), Some("acc-2"));
    assert_eq!(s.app.selected_stream(), Some("acc-2"));
    s.press(KeyCode::Esc).unwrap();
    assert_eq!(s.app.selected_stream(), Some("acc-1"));
}

#[test]
fn another_process_appending_shows_up_when_following() {
    let (_d, db) = store();
    let mut s = session(&db);
    s.press(KeyCode::Home).unwrap();
    let mut other =
        crate::app::Chronicle::open(&db, crate::app::Mode::Write, crate::domain::Registry::builtin()).unwrap();
    other.execute("deposit acc-1 5", &crate::app::ExecOptions::new("other", "cli")).unwrap();
    assert!(s.poll_head().unwrap());
    assert_eq!((s.app.head, s.app.cursor), (11, 1), "not following: only the head count changes");
    s.press(KeyCode::Char('f')).unwrap();
    assert_eq!(s.app.cursor, 11);
    other.execute("deposit acc-1 6", &crate::app::ExecOptions::new("other", "cli")).unwrap();
    s.poll_head().unwrap();
    assert_eq!((s.app.head, s.app.cursor, s.app.world.position), (12, 12, 12));
}

#[test]
fn quit_sets_the_flag() {
    let mut app = App::new("x".into(), 0);
    let a = key_to_action(&app, key(KeyCode::Char('q'))).unwrap();
    update(&mut app, a);
    assert!(app.quit);
}
