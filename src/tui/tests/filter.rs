//! The filter (`/`) searches the whole log, and says where it jumped.

use crossterm::event::KeyCode;

use super::super::runtime::render_text;
use super::{session, store};
use crate::app::{Chronicle, ExecOptions, Mode};

/// The test store, 1,000 deposits on `acc-1`, then one event of `acc-2`.
fn long_store() -> (tempfile::TempDir, std::path::PathBuf, u64) {
    let (d, db) = store();
    let mut c = Chronicle::open(&db, Mode::Write, crate::domain::Registry::builtin()).unwrap();
    // Fixed ids: the filter matches correlation ids too, and a random one
    // can hold `acc-2` by chance (`…facc-2b…`), which made a stray match.
    for i in 0..1_000 {
        let opts = ExecOptions {
            command_id: Some(format!("long-{i}")),
            correlation_id: Some(format!("long-{i}")),
            ..ExecOptions::new("tester", "test")
        };
        c.execute("deposit acc-1 1", &opts).unwrap();
    }
    let opts = ExecOptions::new("tester", "test");
    c.execute("deposit acc-2 1 far", &opts).unwrap();
    let head = c.store().head().unwrap();
    (d, db, head)
}

#[test]
fn the_filter_shows_and_finds_matches_anywhere_in_the_log() {
    let (_d, db, head) = long_store();
    let mut s = session(&db);
    s.press(KeyCode::Char('g')).unwrap();
    s.type_str("500").unwrap();
    s.press(KeyCode::Enter).unwrap();
    s.press(KeyCode::Char('/')).unwrap();
    s.type_str("acc-2").unwrap();
    s.press(KeyCode::Enter).unwrap();
    // Matches 500 events away on both sides are in the audit pane.
    let screen = render_text(&s.app, 160, 48);
    let audit: Vec<&str> = screen.lines().filter(|l| l.contains("acc-2") && l.contains("Money")).collect();
    assert!(audit.iter().any(|l| l.contains(&format!(" {head} "))), "the last match (at {head}) is shown:\n{screen}");
    assert!(audit.iter().any(|l| l.contains(" 7 ")), "the match at 7 is shown:\n{screen}");
    // n jumps to the far match, and the status says so.
    s.press(KeyCode::Char('n')).unwrap();
    assert_eq!(s.app.cursor, head);
    let said = s.app.message.clone().unwrap().text;
    assert!(said.contains(&format!("jumped to the match at {head}")), "{said}");
    s.press(KeyCode::Char('n')).unwrap();
    assert_eq!(s.app.cursor, head, "nothing after the head");
    let said = s.app.message.clone().unwrap().text;
    assert!(said.contains(&format!("no match after {head}")), "{said}");
    s.press(KeyCode::Char('N')).unwrap();
    assert_eq!(s.app.cursor, 7, "back 1,000 events to the transfer's leg");
    let said = s.app.message.clone().unwrap().text;
    assert!(said.contains("jumped to the match at 7"), "{said}");
}
