//! `d` / `D` run their diff on a thread: the pure half (the state says a
//! diff runs, Esc cancels it, an answer for an old pair says so or is
//! dropped) and threaded sessions on a real store.

use crossterm::event::KeyCode;

use super::super::action::{Action, BranchOp, Effect};
use super::super::app::{App, BranchView, DiffView, Diffing};
use super::super::runtime::render_text;
use super::super::update;
use super::{session, store};

fn view(title: &str) -> DiffView {
    DiffView { title: title.into(), lines: Vec::new(), scroll: 0 }
}

fn said(app: &App) -> String {
    app.message.as_ref().map(|m| m.text.clone()).unwrap_or_default()
}

fn marked(mark: u64, cursor: u64) -> App {
    let mut app = App::new("t".into(), 9);
    app.cursor = mark;
    update::update(&mut app, Action::Mark);
    app.cursor = cursor;
    app
}

#[test]
fn d_says_a_diff_runs_and_esc_cancels_it() {
    let mut app = marked(2, 7);
    assert_eq!(update::update(&mut app, Action::OpenDiff), Some(Effect::Branch(BranchOp::Diff { from: 2, to: 7 })));
    assert_eq!(app.diffing, Some(Diffing::Between { from: 2, to: 7 }));
    assert!(said(&app).contains("diffing 2 → 7… (Esc cancels)"), "{}", said(&app));
    // Keys keep moving the cursor meanwhile.
    update::update(&mut app, Action::Step(-1));
    assert_eq!(app.cursor, 6);
    assert_eq!(update::update(&mut app, Action::Back), Some(Effect::Branch(BranchOp::CancelDiff)));
    assert_eq!(app.diffing, None);
    assert!(said(&app).contains("diff cancelled"));
    assert_eq!(app.mark, Some(2), "Esc cancels the diff only");
    // The cancelled diff's answer, should it come, opens nothing.
    update::update(&mut app, Action::Diffed(Ok(Box::new(view("late")))));
    assert!(app.diff.is_none());
    update::update(&mut app, Action::Diffed(Err("late failure".into())));
    assert!(!said(&app).contains("late failure"));
}

#[test]
fn the_answer_opens_the_overlay_and_says_when_the_pair_moved_meanwhile() {
    let mut app = marked(2, 7);
    update::update(&mut app, Action::OpenDiff);
    update::update(&mut app, Action::Diffed(Ok(Box::new(view("diff 2 → 7")))));
    assert_eq!(app.diff.as_ref().map(|d| d.title.as_str()), Some("diff 2 → 7"));
    assert!(said(&app).contains("Esc closes"), "{}", said(&app));
    assert_eq!(app.diffing, None);

    let mut app = marked(2, 7);
    update::update(&mut app, Action::OpenDiff);
    update::update(&mut app, Action::Step(1));
    update::update(&mut app, Action::Diffed(Ok(Box::new(view("diff 2 → 7")))));
    assert!(app.diff.is_some());
    assert!(said(&app).contains("for the old pair 2 → 7"), "{}", said(&app));
}

#[test]
fn d_again_while_one_runs_diffs_the_new_pair() {
    let mut app = marked(2, 7);
    update::update(&mut app, Action::OpenDiff);
    app.cursor = 8;
    assert_eq!(update::update(&mut app, Action::OpenDiff), Some(Effect::Branch(BranchOp::Diff { from: 2, to: 8 })));
    assert_eq!(app.diffing, Some(Diffing::Between { from: 2, to: 8 }));
}

#[test]
fn a_branch_diff_runs_likewise_and_leaving_the_branch_drops_it() {
    let mut app = App::new("t".into(), 9);
    app.cursor = 4;
    app.branch = Some(BranchView { at: 4, ..BranchView::default() });
    assert_eq!(update::update(&mut app, Action::BranchDiff), Some(Effect::Branch(BranchOp::DiffMain)));
    assert_eq!(app.diffing, Some(Diffing::Branch));
    assert!(said(&app).contains("Esc cancels"), "{}", said(&app));
    update::update(&mut app, Action::BranchLeft(Ok(None)));
    assert_eq!(app.diffing, None);
    update::update(&mut app, Action::Diffed(Ok(Box::new(view("branch")))));
    assert!(app.diff.is_none(), "no overlay for a branch that is gone");
}

/// Polls the session's threads until `done` holds.
fn poll_until(s: &mut super::super::Session, done: impl Fn(&App) -> bool) {
    while !done(&s.app) {
        s.poll_worker().unwrap();
        std::thread::yield_now();
    }
}

#[test]
fn a_threaded_session_opens_the_overlay_when_the_diff_arrives() {
    let (_d, db) = store();
    let mut s = session(&db);
    s.spawn_worker().unwrap();
    s.press(KeyCode::Char('g')).unwrap();
    s.type_str("3").unwrap();
    s.press(KeyCode::Enter).unwrap();
    s.press(KeyCode::Char('v')).unwrap();
    s.press(KeyCode::End).unwrap();
    s.press(KeyCode::Char('d')).unwrap();
    poll_until(&mut s, |a| a.diffing.is_none());
    let v = s.app.diff.clone().expect("the diff overlay");
    let text: Vec<&str> = v.lines.iter().map(|l| l.1.as_str()).collect();
    assert!(text.iter().any(|l| l.contains("balance_cents: 10000 → 6750")), "{text:#?}");
    assert!(render_text(&s.app, 160, 48).contains("Esc closes"));
    // And in a branch: D after a skip waits for the refold off the UI thread.
    s.press(KeyCode::Esc).unwrap();
    s.press(KeyCode::Char('b')).unwrap();
    poll_until(&mut s, |a| a.branch.is_some());
    s.press(KeyCode::Char('D')).unwrap();
    poll_until(&mut s, |a| a.diffing.is_none());
    let v = s.app.diff.clone().expect("the branch's diff overlay");
    assert!(v.title.starts_with("branch @"), "{}", v.title);
}
