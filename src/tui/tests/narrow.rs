//! Real terminal sizes (80×24, 100×30, 160×48): ids and numbers are never
//! cut into other values, cut text shows `…`, the help scrolls to its end.

use crossterm::event::KeyCode;

use super::super::runtime::render_text;
use super::screens::snap;
use super::{session, store};
use crate::app::{Chronicle, ExecOptions, Mode};

/// The test store plus `acc-10`…`acc-14`, one with a seven-digit balance.
fn wide_store() -> (tempfile::TempDir, std::path::PathBuf) {
    let (d, db) = store();
    let mut c = Chronicle::open(&db, Mode::Write, crate::domain::Registry::builtin()).unwrap();
    let lines = [
        "open acc-10 Edsger Wybe Dijkstra-Spärck Jones",
        "open acc-11 Barbara Liskov",
        "open acc-12 Grace Brewster Murray Hopper",
        "open acc-13 Donald Ervin Knuth",
        "open acc-14 Frances Elizabeth Allen",
        "deposit acc-12 41951.51 a very long description of a very large salary payment",
    ];
    for (i, line) in lines.iter().enumerate() {
        let opts = ExecOptions {
            actor: "a-rather-long-actor-name".into(),
            source: "test".into(),
            command_id: Some(format!("wide-{i}")),
            recorded_at: Some(format!("2026-01-01T01:{i:02}:00.000000Z")),
            ..ExecOptions::default()
        };
        c.execute(line, &opts).unwrap();
    }
    (d, db)
}

/// Whole words of `screen` (split on spaces and box lines).
fn words(screen: &str) -> Vec<&str> {
    screen.split(|c: char| c.is_whitespace() || "│┌┐└┘─*•▶".contains(c)).filter(|w| !w.is_empty()).collect()
}

#[test]
fn at_80x24_ids_and_balances_read_whole() {
    let (_d, db) = wide_store();
    let mut s = session(&db);
    // Focus the read models: every id must be there whole, and the big balance.
    for (w, h) in [(80, 24), (100, 30), (160, 48)] {
        s.dispatch(super::super::Action::Resize(w, h)).unwrap();
        let screen = render_text(&s.app, w, h);
        let words = words(&screen);
        for id in ["acc-10", "acc-11", "acc-12", "acc-13", "acc-14"] {
            assert!(words.contains(&id), "{w}×{h}: {id} is not shown whole:\n{screen}");
        }
        assert!(words.contains(&"4195151"), "{w}×{h}: the balance is cut:\n{screen}");
        // No word is a cut-down id or balance (what `acc-1` for `acc-10` was).
        for word in &words {
            assert!(!"4195151".starts_with(word) || *word == "4195151" || word.len() < 3, "{w}×{h}: `{word}`");
        }
        snap(&format!("wide_{w}x{h}"), &screen);
    }
}

#[test]
fn the_cursor_time_never_runs_into_the_end_times() {
    let (_d, db) = wide_store();
    let mut s = session(&db);
    for p in 1..=s.app.head {
        s.press(KeyCode::Char('g')).unwrap();
        s.type_str(&p.to_string()).unwrap();
        s.press(KeyCode::Enter).unwrap();
        let screen = render_text(&s.app, 80, 24);
        let line = screen.lines().find(|l| l.contains('▲')).unwrap();
        // Every time shown is whole and stands apart: `2026-01-01 00:08:00`.
        for w in line.split(|c: char| c.is_whitespace() || c == '│').filter(|w| !w.is_empty()) {
            let b = w.as_bytes();
            let date = b.len() == 10 && b[4] == b'-' && b[7] == b'-';
            let time = b.len() == 8 && b[2] == b':' && b[5] == b':';
            assert!(date || time || w == "▲", "at {p}: `{w}` in {line}");
        }
    }
}

#[test]
fn the_status_bar_fits_and_keeps_help_and_quit() {
    let (_d, db) = store();
    let mut s = session(&db);
    s.dispatch(super::super::Action::Resize(80, 24)).unwrap();
    let screen = render_text(&s.app, 80, 24);
    let status = screen.lines().last().unwrap();
    assert!(status.ends_with("? help  q quit"), "{status}");
}

#[test]
fn the_help_scrolls_to_the_command_language_at_80x24() {
    let (_d, db) = store();
    let mut s = session(&db);
    s.dispatch(super::super::Action::Resize(80, 24)).unwrap();
    s.press(KeyCode::Char('?')).unwrap();
    let top = render_text(&s.app, 80, 24);
    let last = s.app.commands.last().unwrap().usage;
    assert!(!top.contains(last), "the help does not fit 80×24:\n{top}");
    assert!(top.contains("↑↓ PgUp PgDn scroll"), "the help says it scrolls:\n{top}");
    snap("help_80x24_top", &top);
    // j / ↓ / PgDn reach the end, and no further.
    s.press(KeyCode::Char('j')).unwrap();
    assert_eq!(s.app.help_scroll, 1);
    s.press(KeyCode::Down).unwrap();
    assert_eq!(s.app.help_scroll, 2);
    for _ in 0..10 {
        s.press(KeyCode::PageDown).unwrap();
    }
    let end = render_text(&s.app, 80, 24);
    assert!(end.contains(last), "the end of the help is reachable:\n{end}");
    assert!(end.contains("Command language"), "{end}");
    snap("help_80x24_end", &end);
    let max = s.app.help_scroll;
    s.press(KeyCode::Down).unwrap();
    assert_eq!(s.app.help_scroll, max, "no scrolling past the end");
    s.press(KeyCode::Char('k')).unwrap();
    s.press(KeyCode::PageUp).unwrap();
    s.press(KeyCode::Up).unwrap();
    assert_eq!(s.app.help_scroll, max.saturating_sub(1 + 20 + 1));
    s.press(KeyCode::Esc).unwrap();
    assert_eq!(s.app.mode, super::super::app::Mode::Normal);
}
