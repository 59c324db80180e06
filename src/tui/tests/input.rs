//! What is typed or pasted into the command line, and who it is recorded as.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

use super::super::action::{Action, Effect};
use super::super::app::{App, Mode};
use super::super::keymap::key_to_action;
use super::super::update::update;
use super::{session, store};

#[test]
fn a_paste_is_text_in_the_line_and_the_next_enter_runs_it() {
    let mut app = App::new("x".into(), 0);
    update(&mut app, Action::OpenCommand);
    update(&mut app, Action::Paste("deposit acc-1\n5\r\n\tnote".into()));
    assert_eq!(app.command.input.value(), "deposit acc-1 5   note", "line breaks and tabs become spaces");
    assert_eq!(app.mode, Mode::Command, "a paste never submits");
    // Pasted in the middle of what is typed, at the cursor.
    app.command.input = tui_input::Input::new("ab".into()).with_cursor(1);
    update(&mut app, Action::Paste("XY".into()));
    assert_eq!((app.command.input.value(), app.command.input.cursor()), ("aXYb", 3));
    // Outside a line, a paste is not read as keys.
    let mut normal = App::new("x".into(), 3);
    assert_eq!(update(&mut normal, Action::Paste("q:G".into())), None);
    assert!(!normal.quit && normal.mode == Mode::Normal);
    assert!(normal.message.as_ref().is_some_and(|m| m.text.contains("paste ignored")));
}

#[test]
fn a_five_kilobyte_paste_then_enter_runs_the_command() {
    let (_d, db) = store();
    let mut s = session(&db);
    let head = s.app.head;
    s.press(KeyCode::Char(':')).unwrap();
    let pasted = format!("deposit acc-1 5 {}", "x".repeat(5 * 1024));
    s.handle_event(&Event::Paste(pasted.clone())).unwrap();
    assert_eq!(s.app.command.input.value(), pasted);
    s.press(KeyCode::Enter).unwrap();
    assert_eq!(s.chronicle().store().head().unwrap(), head + 1, "Enter after the paste runs it");
}

#[test]
fn a_leading_colon_on_the_open_line_is_ignored() {
    let (_d, db) = store();
    let mut s = session(&db);
    let head = s.app.head;
    s.press(KeyCode::Char(':')).unwrap();
    s.type_str("deposit acc-1 1").unwrap();
    s.press(KeyCode::Enter).unwrap();
    assert_eq!(s.app.mode, Mode::Command, "the line stays open after a command");
    // Out of habit the user types `:` again.
    s.type_str(":withdraw acc-1 1").unwrap();
    s.press(KeyCode::Enter).unwrap();
    let m = s.app.message.clone().unwrap();
    assert!(!m.text.contains("unknown command"), "{}", m.text);
    assert_eq!(s.chronicle().store().head().unwrap(), head + 2);
    assert_eq!(s.app.command.history.last().map(String::as_str), Some("withdraw acc-1 1"));
}

#[test]
fn events_from_the_tui_record_the_user_with_source_tui() {
    let (_d, db) = store();
    let mut s = session(&db);
    s.set_actor("grace");
    s.press(KeyCode::Char(':')).unwrap();
    s.type_str("deposit acc-1 1").unwrap();
    s.press(KeyCode::Enter).unwrap();
    let head = s.chronicle().store().head().unwrap();
    let e = s.chronicle().store().event(head).unwrap().unwrap();
    let m = e.metadata();
    assert_eq!((m.actor.as_str(), m.source.as_str()), ("grace", "tui"));
    // The command line says who is writing.
    let screen = super::super::runtime::render_text(&s.app, 120, 30);
    assert!(screen.contains("as grace"), "{screen}");
}

#[test]
fn ctrl_z_suspends_in_every_mode() {
    let mut app = App::new("x".into(), 3);
    let z = KeyEvent::new(KeyCode::Char('z'), KeyModifiers::CONTROL);
    for mode in [Mode::Normal, Mode::Command, Mode::Help, Mode::Filter] {
        app.mode = mode;
        let a = key_to_action(&app, z).unwrap();
        assert!(matches!(a, Action::Suspend), "{mode:?}");
        assert_eq!(update(&mut app, a), Some(Effect::Suspend));
    }
}

#[test]
fn mouse_capture_is_off_until_m() {
    let mut app = App::new("x".into(), 3);
    assert!(!app.mouse, "off by default: the terminal selects text");
    assert_eq!(update(&mut app, Action::ToggleMouse), Some(Effect::Mouse(true)));
}
