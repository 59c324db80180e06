//! The causation tree (`T`) and watching a read-model cell (`w` on the
//! read-model pane), headless on the deterministic store.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::super::action::Action;
use super::super::app::{App, Focus, Mode, Search, TreeOverlay};
use super::super::keymap;
use super::super::runtime::render_text;
use super::{session, store};

#[test]
fn the_tree_overlay_takes_the_keys_while_open() {
    let mut app = App::new("t".into(), 9);
    let key = |c| KeyEvent::new(c, KeyModifiers::NONE);
    assert!(matches!(keymap::key_to_action(&app, key(KeyCode::Char('T'))), Some(Action::OpenTree)));
    app.tree = Some(TreeOverlay::default());
    for (code, want) in [
        (KeyCode::Char('q'), "TreeClose"),
        (KeyCode::Esc, "TreeClose"),
        (KeyCode::Enter, "TreeJump"),
        (KeyCode::Up, "TreeMove(-1)"),
        (KeyCode::Char('j'), "TreeMove(1)"),
    ] {
        let got = keymap::key_to_action(&app, key(code)).map(|a| format!("{a:?}"));
        assert_eq!(got.as_deref(), Some(want), "{code:?}");
    }
    assert!(keymap::key_to_action(&app, key(KeyCode::Char('l'))).is_none(), "the overlay swallows other keys");
}

#[test]
fn t_shows_the_transfer_as_a_command_with_its_two_events_and_enter_jumps() {
    let (_d, db) = store();
    let mut s = session(&db);
    // The transfer (cmd-5) recorded 6 (out of acc-1) and 7 (into acc-2).
    s.dispatch(Action::SeekTo(7)).unwrap();
    s.press(KeyCode::Char('T')).unwrap();
    let tree = s.app.tree.clone().expect("the tree is open");
    let rows: Vec<String> = tree.rows.iter().map(|r| format!("{}{}", r.prefix, r.label)).collect();
    assert_eq!(rows, ["command cmd-5", "├─ 6 MoneyWithdrawn acc-1 by tester", "└─ 7 MoneyDeposited acc-2 by tester"]);
    assert_eq!(tree.selected, 2, "the cursor's event is selected");
    let screen = render_text(&s.app, 160, 48);
    assert!(screen.contains("Causation · correlation cmd-5 (2 events)"), "{screen}");
    assert!(screen.contains("▶ └─ 7 MoneyDeposited acc-2 by tester"), "{screen}");
    s.press(KeyCode::Up).unwrap();
    s.press(KeyCode::Enter).unwrap();
    assert_eq!(s.app.cursor, 6);
    assert!(s.app.tree.is_none(), "Enter closes the tree");
    // A command row jumps to its first event; Esc closes without moving.
    s.press(KeyCode::Char('T')).unwrap();
    s.press(KeyCode::Home).unwrap();
    assert_eq!(s.app.tree.as_ref().map(|t| t.selected), Some(0));
    s.press(KeyCode::Esc).unwrap();
    assert!(s.app.tree.is_none());
    assert_eq!(s.app.cursor, 6);
    s.dispatch(Action::SeekTo(9)).unwrap();
    s.press(KeyCode::Char('T')).unwrap();
    s.press(KeyCode::Up).unwrap();
    s.press(KeyCode::Enter).unwrap();
    assert_eq!(s.app.cursor, 9, "cmd-7's only event");
}

#[test]
fn w_on_the_read_model_pane_watches_a_cell_of_its_top_row() {
    let (_d, db) = store();
    let mut s = session(&db);
    s.press(KeyCode::Home).unwrap();
    s.app.focus = Focus::Projections;
    let screen = render_text(&s.app, 160, 48);
    assert!(screen.contains("▶ acc-1"), "the top row is marked:\n{screen}");
    s.press(KeyCode::Char('w')).unwrap();
    assert_eq!(s.app.mode, Mode::Watch);
    let screen = render_text(&s.app, 160, 48);
    assert!(screen.contains("watch field of the top row of account_balances"), "{screen}");
    s.type_str("bal").unwrap();
    s.press(KeyCode::Tab).unwrap();
    assert_eq!(s.app.debug.watch_input.value(), "balance_cents", "Tab completes the columns");
    s.press(KeyCode::Enter).unwrap();
    assert_eq!(
        s.app.debug.last,
        Search::WatchRow { model: "account_balances".into(), key: vec!["acc-1".into()], path: "balance_cents".into() }
    );
    assert_eq!(s.app.cursor, 3);
    let said = s.app.message.clone().unwrap().text;
    assert!(said.contains("balance_cents: 0 → 10000 at 3"), "{said}");
    s.press(KeyCode::Char('n')).unwrap();
    assert_eq!(s.app.cursor, 5);
    s.press(KeyCode::Char('n')).unwrap();
    assert_eq!(s.app.cursor, 6, "the transfer out of acc-1");
    s.press(KeyCode::Char('N')).unwrap();
    assert_eq!(s.app.cursor, 5);
    // A column the row never has is named as such.
    s.press(KeyCode::Char('w')).unwrap();
    s.type_str(".x").unwrap();
    s.press(KeyCode::Enter).unwrap();
    let said = s.app.message.clone().unwrap().text;
    assert!(said.contains("never exists"), "{said}");
}
