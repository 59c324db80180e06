//! The debugger's keys: watch a field (`w`), find an expression (`F`), `n` /
//! `N` on whichever search was last, Esc cancelling a running one.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::super::action::{Action, DebugQuery, Effect};
use super::super::app::{App, Focus, Mode, Search, Tone};
use super::super::runtime::render_text;
use super::super::{keymap, update};
use super::{session, store};

fn key(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

#[test]
fn w_and_f_open_their_prompts_and_tab_completes_a_watch() {
    let app = App::new("t".into(), 9);
    assert!(matches!(keymap::key_to_action(&app, key(KeyCode::Char('w'))), Some(Action::OpenWatch)));
    assert!(matches!(keymap::key_to_action(&app, key(KeyCode::Char('F'))), Some(Action::OpenFind)));
    let mut typing = App::new("t".into(), 9);
    typing.mode = Mode::Watch;
    assert!(matches!(keymap::key_to_action(&typing, key(KeyCode::Tab)), Some(Action::Complete)));
    assert!(matches!(keymap::key_to_action(&typing, key(KeyCode::Char('n'))), Some(Action::Edit(_))));
}

#[test]
fn n_repeats_the_last_search_and_esc_cancels_a_running_one() {
    let mut app = App::new("t".into(), 9);
    app.cursor = 4;
    app.debug.last = Search::Watch { stream: "acc-1".into(), path: "balance_cents".into() };
    let e = update::update(&mut app, Action::FindPrev);
    assert_eq!(
        e,
        Some(Effect::Debug {
            on: "acc-1".into(),
            query: DebugQuery::Watch("balance_cents".into()),
            from: 4,
            forward: false
        })
    );
    assert!(app.debug.busy);
    assert_eq!(update::update(&mut app, Action::Back), Some(Effect::CancelDebug));
    assert!(!app.debug.busy);
    assert!(app.message.as_ref().is_some_and(|m| m.text.contains("cancelled")));
    // An answer after the search is over moves the cursor and says before → after.
    let e = update::update(&mut app, Action::Debugged(Ok((6, "balance_cents: 7000 → 6000 at 6".into()))));
    assert!(matches!(e, Some(Effect::Seek { position: 6, .. })));
    // Esc with nothing else to clear forgets the watch: n is the filter's again.
    app.message = None;
    update::update(&mut app, Action::Back);
    assert_eq!(app.debug.last, Search::Filter);
}

#[test]
fn watching_a_field_walks_its_changes_and_says_before_and_after() {
    let (_d, db) = store();
    let mut s = session(&db);
    s.press(KeyCode::Home).unwrap();
    assert_eq!(s.app.cursor, 1);
    s.press(KeyCode::Char('w')).unwrap();
    assert_eq!(s.app.mode, Mode::Watch);
    s.type_str("bal").unwrap();
    s.press(KeyCode::Tab).unwrap();
    assert_eq!(s.app.debug.watch_input.value(), "balance_cents");
    s.press(KeyCode::Enter).unwrap();
    assert_eq!(s.app.cursor, 3, "the deposit at 3 is the first change after 1");
    let screen = render_text(&s.app, 160, 48);
    assert!(screen.contains("balance_cents: 0 → 10000 at 3"), "the status line says before → after:\n{screen}");
    s.press(KeyCode::Char('n')).unwrap();
    assert_eq!(s.app.cursor, 5);
    s.press(KeyCode::Char('n')).unwrap();
    assert_eq!(s.app.cursor, 6, "the transfer out of acc-1");
    s.press(KeyCode::Char('N')).unwrap();
    assert_eq!(s.app.cursor, 5);
}

#[test]
fn find_jumps_to_the_first_match_after_the_cursor() {
    let (_d, db) = store();
    let mut s = session(&db);
    s.press(KeyCode::Home).unwrap();
    s.press(KeyCode::Char('F')).unwrap();
    assert_eq!(s.app.mode, Mode::Find);
    s.type_str("balance_cents < 7000").unwrap();
    s.press(KeyCode::Enter).unwrap();
    assert_eq!(s.app.cursor, 6, "70.00 after the withdrawal, 60.00 after the transfer");
    assert!(s.app.message.as_ref().is_some_and(|m| m.text.contains("holds at 6")));
    s.press(KeyCode::Char('n')).unwrap();
    let last = s.app.head;
    assert_eq!(s.app.cursor, last, "67.50 after the refund at the head");
    s.press(KeyCode::Char('n')).unwrap();
    assert_eq!(s.app.cursor, last, "no later match: the cursor stays");
    assert!(s.app.message.as_ref().is_some_and(|m| m.text.contains(&format!("no match after {last}"))));
    s.press(KeyCode::Char('N')).unwrap();
    assert_eq!(s.app.cursor, 6);
}

#[test]
fn a_bad_expression_shows_a_caret_in_the_status_line() {
    let (_d, db) = store();
    let mut s = session(&db);
    s.press(KeyCode::Home).unwrap();
    s.press(KeyCode::Char('F')).unwrap();
    s.type_str("balance_cents < and").unwrap();
    s.press(KeyCode::Enter).unwrap();
    assert_eq!(s.app.cursor, 1);
    let m = s.app.message.clone().unwrap();
    assert_eq!(m.tone, Tone::Error);
    let screen = render_text(&s.app, 160, 48);
    assert!(screen.contains("bad expression") && screen.contains("balance_cents < ^and"), "{screen}");
}

#[test]
fn find_with_the_read_model_pane_focused_searches_its_rows() {
    let (_d, db) = store();
    let mut s = session(&db);
    s.press(KeyCode::Home).unwrap();
    s.app.focus = Focus::Projections;
    let name = s.app.model().expect("a read model").name;
    assert_eq!(name, "account_balances");
    s.press(KeyCode::Char('F')).unwrap();
    let screen = render_text(&s.app, 160, 48);
    assert!(screen.contains("find where (account_balances):"), "{screen}");
    s.type_str("balance_cents >= 10000").unwrap();
    s.press(KeyCode::Enter).unwrap();
    assert_eq!(s.app.cursor, 3, "acc-1's deposit of 100.00");
    let said = s.app.message.clone().unwrap().text;
    assert!(said.contains("holds at 3") && said.contains("account_balances rows matching: 1"), "{said}");
}
