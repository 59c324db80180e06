//! Mark / diff (`v`, `d`) and what-if branches (`b`, `x`, `D`, `:` in a
//! branch): keys, the pure update, and sessions on a real store.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::super::action::{Action, BranchOp, Effect};
use super::super::app::{App, BranchView, DiffView, Mode};
use super::super::runtime::render_text;
use super::super::{keymap, update};
use super::screens::snap;
use super::{session, store};

fn key(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

fn action(app: &App, c: char) -> Option<Action> {
    keymap::key_to_action(app, key(KeyCode::Char(c)))
}

#[test]
fn the_new_keys_map_to_their_actions_and_clash_with_none() {
    let app = App::new("t".into(), 9);
    assert!(matches!(action(&app, 'v'), Some(Action::Mark)));
    assert!(matches!(action(&app, 'd'), Some(Action::OpenDiff)));
    assert!(matches!(action(&app, 'b'), Some(Action::ToggleBranch)));
    assert!(matches!(action(&app, 'x'), Some(Action::ToggleSkip)));
    assert!(matches!(action(&app, 'D'), Some(Action::BranchDiff)));
    // Ctrl-D still pages.
    let ctrl_d = KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL);
    assert!(matches!(keymap::key_to_action(&app, ctrl_d), Some(Action::Step(100))));
    // Typed into a prompt, they are text.
    let mut typing = App::new("t".into(), 9);
    typing.mode = Mode::Command;
    assert!(matches!(action(&typing, 'd'), Some(Action::Edit(_))));
}

#[test]
fn the_diff_overlay_and_the_export_question_take_the_keys() {
    let mut app = App::new("t".into(), 9);
    app.diff = Some(DiffView { title: "x".into(), lines: Vec::new(), scroll: 0 });
    assert!(matches!(keymap::key_to_action(&app, key(KeyCode::Esc)), Some(Action::CloseDiff)));
    assert!(matches!(action(&app, 'q'), Some(Action::CloseDiff)), "q closes the overlay, not the program");
    assert!(matches!(action(&app, 'j'), Some(Action::DiffScroll(1))));
    assert!(action(&app, 'b').is_none(), "other keys wait for the overlay to close");
    app.diff = None;
    app.branch = Some(BranchView { at: 5, leaving: true, ..BranchView::default() });
    assert!(matches!(action(&app, 'y'), Some(Action::ExportAnswer(true))));
    assert!(matches!(action(&app, 'n'), Some(Action::ExportAnswer(false))));
    assert!(matches!(keymap::key_to_action(&app, key(KeyCode::Esc)), Some(Action::Back)));
    assert!(action(&app, 'q').is_none(), "the question is answered first");
}

#[test]
fn mark_then_diff_asks_the_runtime_in_position_order() {
    let mut app = App::new("t".into(), 9);
    app.cursor = 7;
    assert_eq!(update::update(&mut app, Action::OpenDiff), None);
    assert!(app.message.as_ref().is_some_and(|m| m.text.contains("no mark: press v")));
    update::update(&mut app, Action::Mark);
    assert_eq!(app.mark, Some(7));
    assert!(app.message.as_ref().is_some_and(|m| m.text.contains("mark @7")));
    app.cursor = 2;
    let e = update::update(&mut app, Action::OpenDiff);
    assert_eq!(e, Some(Effect::Branch(BranchOp::Diff { from: 2, to: 7 })));
    // v at the mark clears it.
    app.cursor = 7;
    update::update(&mut app, Action::Mark);
    assert_eq!(app.mark, None);
}

#[test]
fn branch_keys_outside_a_branch_only_say_how() {
    let mut app = App::new("t".into(), 9);
    app.cursor = 4;
    assert_eq!(update::update(&mut app, Action::ToggleSkip), None);
    assert!(app.message.as_ref().is_some_and(|m| m.text.contains("press b")));
    assert_eq!(update::update(&mut app, Action::BranchDiff), None);
    assert_eq!(update::update(&mut app, Action::ToggleBranch), Some(Effect::Branch(BranchOp::Fork(4))));
}

#[test]
fn in_a_branch_the_cursor_stays_at_or_before_the_fork_point() {
    let mut app = App::new("t".into(), 9);
    app.cursor = 4;
    app.branch = Some(BranchView { at: 4, ..BranchView::default() });
    update::update(&mut app, Action::Last);
    assert_eq!(app.cursor, 4);
    update::update(&mut app, Action::Step(-2));
    assert_eq!(app.cursor, 2);
    for a in [Action::TogglePlay, Action::ToggleFollow] {
        assert_eq!(update::update(&mut app, a), None);
        assert!(!app.playing && !app.follow);
        assert!(app.message.as_ref().is_some_and(|m| m.text.contains("at or before @4")));
    }
}

#[test]
fn mark_and_diff_show_the_changes_between_them() {
    let (_d, db) = store();
    let mut s = session(&db);
    s.press(KeyCode::Char('g')).unwrap();
    s.type_str("3").unwrap();
    s.press(KeyCode::Enter).unwrap();
    s.press(KeyCode::Char('v')).unwrap();
    let screen = render_text(&s.app, 160, 48);
    assert!(screen.contains("mark @3"), "{screen}");
    s.press(KeyCode::End).unwrap();
    s.press(KeyCode::Char('d')).unwrap();
    let v = s.app.diff.clone().expect("the diff overlay");
    let text: Vec<&str> = v.lines.iter().map(|l| l.1.as_str()).collect();
    assert!(text.iter().any(|l| l.contains("balance_cents: 10000 → 6750")), "{text:#?}");
    assert!(text.iter().any(|l| l.starts_with("stream u-1") && l.contains("created")), "{text:#?}");
    assert!(text.iter().any(|l| l.contains("by actor: tester")), "{text:#?}");
    snap("diff_overlay", &render_text(&s.app, 120, 40));
    s.press(KeyCode::Esc).unwrap();
    assert!(s.app.diff.is_none());
    assert_eq!(s.app.mark, Some(3), "Esc closes the overlay only");
}

/// A session forked at `at` on the test store.
fn forked(db: &std::path::Path, at: u64) -> super::super::Session {
    let mut s = session(db);
    s.press(KeyCode::Char('g')).unwrap();
    s.type_str(&at.to_string()).unwrap();
    s.press(KeyCode::Enter).unwrap();
    s.press(KeyCode::Char('b')).unwrap();
    assert_eq!(s.app.branch.as_ref().map(|b| b.at), Some(at), "{:?}", s.app.message);
    s
}

fn branch_balance(s: &super::super::Session) -> Option<serde_json::Value> {
    let st = s.app.branch.as_ref()?.state.as_ref()?;
    st.branch.as_ref().map(|v| v["balance_cents"].clone())
}

#[test]
fn skipping_a_deposit_recomputes_the_state_and_read_models_of_the_branch() {
    let (_d, db) = store();
    let before = std::fs::read(&db).unwrap();
    let mut s = forked(&db, 5);
    let screen = render_text(&s.app, 160, 48);
    assert!(screen.contains("BRANCH @5"), "{screen}");
    assert_eq!(branch_balance(&s), Some(serde_json::json!(7000)));
    // Select the deposit at 3 and skip it.
    s.press(KeyCode::Left).unwrap();
    s.press(KeyCode::Left).unwrap();
    assert_eq!(s.app.cursor, 3);
    s.press(KeyCode::Char('x')).unwrap();
    let b = s.app.branch.clone().unwrap();
    assert!(b.skipped.contains(&3));
    assert_eq!(branch_balance(&s), Some(serde_json::json!(0)), "without the deposit the withdrawal is refused");
    assert!(b.refused.iter().any(|r| r.position == 5), "{:?}", b.refused);
    assert!(s.app.message.as_ref().is_some_and(|m| m.text.contains("skipped 3")));
    let rows: Vec<serde_json::Value> = s.app.tables().rows("account_balances").map(crate::es::Row::to_json).collect();
    let acc1 = rows.iter().find(|r| r["account_id"] == "acc-1");
    assert_eq!(acc1.map(|r| r["balance_cents"].clone()), Some(serde_json::json!(0)), "{rows:#?}");
    snap("branch_skipped", &render_text(&s.app, 160, 48));
    // x again puts it back.
    s.press(KeyCode::Char('x')).unwrap();
    assert_eq!(branch_balance(&s), Some(serde_json::json!(7000)));
    drop(s);
    assert_eq!(std::fs::read(&db).unwrap(), before, "a branch writes nothing");
}

#[test]
fn commands_run_in_the_branch_and_d_shows_its_diff_against_the_log() {
    let (_d, db) = store();
    let mut s = forked(&db, 5);
    let head = s.app.head;
    s.press(KeyCode::Char(':')).unwrap();
    s.type_str("deposit acc-1 5").unwrap();
    s.press(KeyCode::Enter).unwrap();
    s.press(KeyCode::Esc).unwrap();
    let m = s.app.message.clone().unwrap();
    assert!(m.text.contains("in the branch: accepted `deposit acc-1 5`"), "{}", m.text);
    assert_eq!(s.app.branch.as_ref().unwrap().events.len(), 1);
    assert_eq!(branch_balance(&s), Some(serde_json::json!(7500)));
    assert_eq!(s.chronicle().head().unwrap(), head, "nothing was appended to the store");
    // A rejected one says why.
    s.press(KeyCode::Char(':')).unwrap();
    s.type_str("withdraw acc-2 1000").unwrap();
    s.press(KeyCode::Enter).unwrap();
    s.press(KeyCode::Esc).unwrap();
    let m = s.app.message.clone().unwrap();
    assert!(m.text.contains("in the branch: rejected"), "{}", m.text);
    s.press(KeyCode::Char('D')).unwrap();
    let v = s.app.diff.clone().expect("the branch's diff");
    let text: Vec<&str> = v.lines.iter().map(|l| l.1.as_str()).collect();
    assert!(v.title.contains("branch @5"), "{}", v.title);
    assert!(text.iter().any(|l| l.contains("balance_cents: 7000 → 7500")), "{text:#?}");
}

#[test]
fn leaving_asks_and_y_exports_the_branch_as_json_lines() {
    let (d, db) = store();
    let mut s = forked(&db, 5);
    s.set_export_dir(d.path());
    s.press(KeyCode::Left).unwrap();
    s.press(KeyCode::Left).unwrap();
    s.press(KeyCode::Char('x')).unwrap();
    s.press(KeyCode::Char('b')).unwrap();
    assert!(s.app.message.as_ref().is_some_and(|m| m.text.contains("export branch as JSON Lines? (y/n")));
    // Esc stays.
    s.press(KeyCode::Esc).unwrap();
    assert!(s.app.branch.as_ref().is_some_and(|b| !b.leaving));
    s.press(KeyCode::Esc).unwrap();
    assert!(s.app.branch.as_ref().is_some_and(|b| b.leaving), "Esc with nothing to clear asks to leave");
    s.press(KeyCode::Char('y')).unwrap();
    assert!(s.app.branch.is_none());
    let path = d.path().join("test-branch-5.jsonl");
    let said = s.app.message.clone().unwrap().text;
    assert!(said.contains(&path.display().to_string()), "{said}");
    let lines: Vec<serde_json::Value> =
        std::fs::read_to_string(&path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    // The lines of `chronicle export`: the log's events keep their ids.
    let c = crate::app::Chronicle::open(&db, crate::app::Mode::Read, crate::domain::Registry::builtin()).unwrap();
    let log = c.store().read_range(1, 5).unwrap();
    let from_log: Vec<u64> = lines
        .iter()
        .filter_map(|l| log.iter().find(|e| l["event_id"] == e.event_id.as_str()).map(|e| e.position))
        .collect();
    // 3 skipped; 5 (the withdrawal) refused without it.
    assert_eq!(from_log, vec![1, 2, 4]);
    assert_eq!(lines.iter().map(|l| l["position"].as_u64().unwrap()).collect::<Vec<_>>(), vec![1, 2, 3]);
}

#[test]
fn leaving_with_n_writes_nothing() {
    let (d, db) = store();
    let mut s = forked(&db, 4);
    s.set_export_dir(d.path());
    s.press(KeyCode::Char('b')).unwrap();
    s.press(KeyCode::Char('n')).unwrap();
    assert!(s.app.branch.is_none());
    assert!(s.app.message.as_ref().is_some_and(|m| m.text.contains("not exported")));
    assert!(!d.path().join("test-branch-4.jsonl").exists());
}

#[test]
fn a_fork_and_a_skip_show_the_same_read_models_as_a_fresh_fold_of_the_branch() {
    let (_d, db) = store();
    for at in [10, 6] {
        let mut s = forked(&db, at);
        s.press(KeyCode::Char(':')).unwrap();
        s.type_str("deposit acc-2 1").unwrap();
        s.press(KeyCode::Enter).unwrap();
        // Skip the event before the fork point (its read models refold from the world before it).
        s.press(KeyCode::Esc).unwrap();
        s.press(KeyCode::Left).unwrap();
        s.press(KeyCode::Char('x')).unwrap();
        assert!(s.app.branch.as_ref().is_some_and(|b| b.skipped.contains(&(at - 1))), "{:?}", s.app.message);
        let c = s.chronicle();
        let mut b = crate::app::whatif::Branch::fork(c, at).unwrap();
        b.skip(c, at - 1).unwrap();
        b.apply_command(c, "deposit acc-2 1").unwrap();
        let fresh = b.read_models(c).unwrap();
        for m in s.app.projections.iter().filter(|m| !m.queried) {
            let shown: Vec<_> = s.app.tables().rows(m.table.name).map(crate::es::Row::to_json).collect();
            let want: Vec<_> = fresh.rows(m.table.name).map(crate::es::Row::to_json).collect();
            assert_eq!(shown, want, "{} at {at}", m.name);
        }
    }
}

#[test]
fn a_log_another_tool_wrote_can_be_branched_and_stays_byte_identical() {
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/eventsourcing/store.db");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    std::fs::copy(fixture, &db).unwrap();
    let before = std::fs::read(&db).unwrap();
    let mut s = forked(&db, 4);
    s.set_export_dir(dir.path());
    s.press(KeyCode::Left).unwrap();
    s.press(KeyCode::Char('x')).unwrap();
    assert!(s.app.branch.as_ref().is_some_and(|b| b.skipped.contains(&3)), "{:?}", s.app.message);
    assert!(s.app.branch.as_ref().and_then(|b| b.state.as_ref()).is_some(), "the branch's state pane loads");
    s.press(KeyCode::Char(':')).unwrap();
    s.type_str("deposit acc-1 5").unwrap();
    s.press(KeyCode::Enter).unwrap();
    s.press(KeyCode::Esc).unwrap();
    assert!(s.app.message.as_ref().is_some_and(|m| m.text.contains("in the branch")), "{:?}", s.app.message);
    s.press(KeyCode::Char('b')).unwrap();
    s.press(KeyCode::Char('y')).unwrap();
    assert!(s.app.branch.is_none(), "{:?}", s.app.message);
    let lines = std::fs::read_to_string(dir.path().join("store-branch-4.jsonl")).unwrap();
    assert_eq!(lines.lines().count(), 3, "4 events less the skipped one:\n{lines}");
    drop(s);
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

#[test]
fn d_in_a_branch_says_what_the_cli_whatif_says() {
    let (_d, db) = store();
    let mut s = forked(&db, 7);
    s.press(KeyCode::Left).unwrap();
    s.press(KeyCode::Left).unwrap();
    s.press(KeyCode::Char('x')).unwrap();
    s.press(KeyCode::Char(':')).unwrap();
    s.type_str("deposit acc-2 3").unwrap();
    s.press(KeyCode::Enter).unwrap();
    s.press(KeyCode::Esc).unwrap();
    s.press(KeyCode::Char('D')).unwrap();
    let shown = s.app.diff.clone().expect("the branch's diff");
    let c = s.chronicle();
    let mut b = crate::app::whatif::Branch::fork(c, 7).unwrap();
    b.skip(c, 5).unwrap();
    b.apply_command(c, "deposit acc-2 3").unwrap();
    let mut d = b.diff_against_main(c).unwrap();
    b.diff_read_models(c, &mut d).unwrap();
    let want = DiffView::of(shown.title.clone(), &d);
    assert_eq!(shown.lines, want.lines);
    assert!(shown.lines.iter().any(|l| l.1.contains("read model account_balances")), "{:#?}", shown.lines);
}

#[test]
fn a_ledgers_rows_in_the_diff_overlay_are_a_first_page_then_a_count() {
    let (_d, db) = store();
    let c = crate::app::Chronicle::open(&db, crate::app::Mode::Read, crate::domain::Registry::builtin()).unwrap();
    let head = c.store().head().unwrap();
    let mut d = c.diff(0, head, crate::app::diff::Scope::All).unwrap();
    let total = d.projections["transaction_history"].added_count();
    assert!(total > 2, "the ledger gains rows: {total}");
    c.preview_appended(&mut d, 2).unwrap();
    let view = DiffView::of("diff".into(), &d);
    let text: Vec<&str> = view.lines.iter().map(|l| l.1.as_str()).collect();
    let at = text.iter().position(|l| l.starts_with("read model transaction_history:")).expect("its heading");
    assert_eq!(text[at], format!("read model transaction_history: {total} added, 0 removed, 0 changed"));
    assert!(text[at + 1].starts_with("  + ") && text[at + 2].starts_with("  + "), "{text:#?}");
    let more = format!("  … and {} more (chronicle diff 0 {head} --projection transaction_history)", total - 2);
    assert_eq!(text[at + 3], more);
}
