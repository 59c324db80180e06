//! Mark / diff (`v`, `d`) and what-if branches (`b`, `x`, `D`, `:` in a
//! branch): the pure half. The runtime computes diffs and keeps the branch.

use std::fmt::Write as _;

use super::super::action::{Action, BranchOp, Effect};
use super::super::app::{App, BranchView, Diffing, Message, Mode, Tone};
use super::super::text;
use super::{info, prompt};

/// Applies one of the mark / diff / branch actions.
pub(super) fn update(app: &mut App, action: Action) -> Option<Effect> {
    match action {
        Action::Mark => mark(app),
        Action::OpenDiff => open_diff(app),
        Action::ToggleBranch => toggle(app),
        Action::ToggleSkip => skip(app),
        Action::BranchDiff => {
            if app.branch.is_none() {
                info(app, "D diffs a what-if branch against the log: press b to fork one first");
                return None;
            }
            app.diffing = Some(Diffing::Branch);
            info(app, "diffing the branch against the log… (Esc cancels)");
            Some(Effect::Branch(BranchOp::DiffMain))
        }
        Action::DiffScroll(d) => {
            if let Some(v) = app.diff.as_mut() {
                let max = i64::from(super::super::view::diff::max_scroll(v, app.size));
                let to = (i64::from(v.scroll) + i64::from(d)).clamp(0, max);
                v.scroll = u16::try_from(to).unwrap_or(0);
            }
            None
        }
        Action::CloseDiff => {
            app.diff = None;
            None
        }
        Action::ExportAnswer(export) => Some(Effect::Branch(BranchOp::Leave { export })),
        Action::Diffed(Ok(v)) => {
            diffed(app, *v);
            None
        }
        Action::Diffed(Err(e)) => {
            if app.diffing.take().is_some() {
                error(app, &e);
            }
            None
        }
        Action::Branched(Err(e)) => {
            error(app, &e);
            None
        }
        Action::Branched(Ok(v)) => {
            branched(app, *v);
            None
        }
        Action::BranchRan(said, v, stream) => {
            app.branch = Some(*v);
            match said {
                Ok(s) => app.message = Some(Message { tone: Tone::Success, text: text::clean(&s) }),
                Err(e) => error(app, &e),
            }
            if let Some(id) = stream {
                app.pinned = Some(id);
                app.state_scroll = 0;
            }
            None
        }
        Action::BranchLeft(Ok(path)) => {
            let at = app.branch.take().map_or(0, |b| b.at);
            app.diff = None;
            if app.diffing == Some(Diffing::Branch) {
                // Its answer is dropped when it comes.
                app.diffing = None;
            }
            match path {
                Some(p) => info(app, format!("left the branch @{at}; exported to {}", text::clean(&p))),
                None => info(app, format!("left the branch @{at} (not exported)")),
            }
            None
        }
        Action::BranchLeft(Err(e)) => {
            if let Some(b) = app.branch.as_mut() {
                b.leaving = false;
            }
            error(app, &format!("{e}; the branch stays open (b leaves)"));
            None
        }
        _ => None,
    }
}

fn error(app: &mut App, e: &str) {
    app.message = Some(Message { tone: Tone::Error, text: text::clean(e) });
}

fn mark(app: &mut App) -> Option<Effect> {
    if app.head == 0 {
        info(app, "nothing to mark: the store is empty");
    } else if app.mark == Some(app.cursor) {
        app.mark = None;
        info(app, "mark cleared");
    } else {
        app.mark = Some(app.cursor);
        info(app, format!("mark @{} (move, then d diffs the mark against the cursor; v here clears it)", app.cursor));
    }
    None
}

fn open_diff(app: &mut App) -> Option<Effect> {
    let Some(m) = app.mark else {
        info(app, "no mark: press v to mark a position, move, then d to diff");
        return None;
    };
    let (from, to) = (m.min(app.cursor), m.max(app.cursor));
    app.diffing = Some(Diffing::Between { from, to });
    info(app, format!("diffing {from} → {to}… (Esc cancels)"));
    Some(Effect::Branch(BranchOp::Diff { from, to }))
}

/// A diff computed: opens the overlay, unless it was cancelled (or the
/// branch it is of was left); says so when the mark or the cursor moved
/// while it ran.
fn diffed(app: &mut App, v: super::super::app::DiffView) {
    let Some(was) = app.diffing.take() else { return };
    match was {
        Diffing::Between { from, to } => {
            let now = app.mark.map(|m| (m.min(app.cursor), m.max(app.cursor)));
            if now == Some((from, to)) {
                info(app, "diff: ↑↓ PgUp PgDn scroll, Esc closes");
            } else {
                info(
                    app,
                    format!(
                        "this diff is for the old pair {from} → {to} (the mark or cursor moved since; d diffs the new one)"
                    ),
                );
            }
        }
        Diffing::Branch if app.branch.is_none() => return,
        Diffing::Branch => info(app, "diff: ↑↓ PgUp PgDn scroll, Esc closes"),
    }
    app.diff = Some(v);
}

/// Esc while a diff is computed: stops it.
pub(super) fn cancel(app: &mut App) -> Effect {
    app.diffing = None;
    info(app, "diff cancelled");
    Effect::Branch(BranchOp::CancelDiff)
}

fn toggle(app: &mut App) -> Option<Effect> {
    if let Some(b) = app.branch.as_mut() {
        b.leaving = true;
        info(app, "leave the branch: export branch as JSON Lines? (y/n, Esc stays)");
        return None;
    }
    if app.head == 0 {
        info(app, "nothing to branch: the store is empty");
        return None;
    }
    app.playing = false;
    app.follow = false;
    info(app, format!("forking a branch at {}…", app.cursor));
    Some(Effect::Branch(BranchOp::Fork(app.cursor)))
}

fn skip(app: &mut App) -> Option<Effect> {
    if app.branch.is_none() {
        info(app, "x skips an event in a what-if branch: press b to fork one first");
        return None;
    }
    if app.cursor_event().is_none() {
        info(app, "no event selected");
        return None;
    }
    Some(Effect::Branch(BranchOp::Skip(app.cursor)))
}

/// A branch opened, or changed by a skip: says what changed.
fn branched(app: &mut App, v: BranchView) {
    let said = match app.branch.take() {
        None => format!(
            "BRANCH @{}: : runs commands in the branch, x skips the selected event, D diffs against the log, b leaves",
            v.at
        ),
        // The read models folded again: the message stays.
        Some(old) if old.skipped == v.skipped && old.folding && !v.folding => {
            let leaving = old.leaving;
            app.branch = Some(BranchView { leaving, ..v });
            return;
        }
        Some(old) => {
            let skipped: Vec<u64> = v.skipped.difference(&old.skipped).copied().collect();
            let back: Vec<u64> = old.skipped.difference(&v.skipped).copied().collect();
            let mut s = match (skipped.first(), back.first()) {
                (Some(p), _) => format!("skipped {p} in the branch (x puts it back)"),
                (None, Some(p)) => format!("put {p} back in the branch"),
                _ => "branch unchanged".to_owned(),
            };
            if let Some(r) = v.refused.first() {
                let n = v.refused.len();
                let _ = write!(
                    s,
                    "; the branch refuses {n} later event{}: {} ({})",
                    if n == 1 { "" } else { "s" },
                    r.position,
                    r.reason
                );
            }
            s
        }
    };
    app.branch = Some(v);
    info(app, said);
}

/// Space or `f` in a branch: the cursor stays at or before the fork point.
pub(super) fn frozen(app: &mut App) -> Option<Effect> {
    let at = app.branch.as_ref().map_or(0, |b| b.at);
    info(app, format!("in a branch the cursor stays at or before @{at}: no playback or follow (b leaves)"));
    None
}

/// Enter on the command line in a branch: the line is decided in the branch.
pub(super) fn submit(app: &mut App) -> Option<Effect> {
    match prompt::submit(app) {
        Some(Effect::Execute(line)) => Some(Effect::Branch(BranchOp::Execute(line))),
        other => other,
    }
}

/// Whether Esc is the diff overlay's, the export question's, or leaves the
/// branch (when nothing else is there to clear).
pub(super) fn takes_back(app: &App) -> bool {
    let idle = app.correlation.is_none() && app.pinned.is_none() && app.filter.is_empty();
    app.mode == Mode::Normal && (app.diff.is_some() || app.branch.as_ref().is_some_and(|b| b.leaving || idle))
}

/// Esc: closes the diff overlay, answers the export question with "stay",
/// or asks whether to export the branch before leaving it.
pub(super) fn back(app: &mut App) -> Option<Effect> {
    if app.diff.take().is_some() {
        return None;
    }
    match app.branch.as_mut() {
        Some(b) if b.leaving => {
            b.leaving = false;
            info(app, "still in the branch");
            None
        }
        Some(_) => toggle(app),
        None => None,
    }
}
