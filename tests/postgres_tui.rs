//! The time machine on a PostgreSQL database, end to end under tmux: it
//! shows the demo, and follows another process's writes live (woken by
//! LISTEN/NOTIFY, no key pressed).

#[path = "helpers/cli.rs"]
mod support;

#[path = "helpers/pg.rs"]
mod pg;

#[path = "helpers/tmux.rs"]
mod tmux;

use pg::Pg;
use tmux::Tmux;

#[test]
fn the_tui_on_postgres_shows_the_demo_and_moves_through_it() {
    let Some(pg) = Pg::demo(2000) else { return };
    let n = pg.head();
    let last = pg.log(&["--from", &n.to_string()]);
    let stream = last[0]["stream_id"].as_str().expect("stream_id");
    let t = Tmux::start("demo", pg.url());
    // A capture can land mid-frame: wait for the whole frame, not its first line.
    let head = format!("{n}/{n}");
    t.wait_long("the head's full frame", 15, |s| s.contains(&head) && s.contains("Audit log") && s.contains(stream));
    t.keys(&["Home"]);
    t.wait_for(&format!(" 1/{n} "));
    t.keys(&["q"]);
    t.wait_for("EXIT=0");
}

#[test]
fn the_tui_follows_another_processs_exec_without_a_key_press() {
    let Some(pg) = Pg::demo(500) else { return };
    let n = pg.head();
    let t = Tmux::start("follow", pg.url());
    t.wait_for(&format!("{n}/{n}"));
    t.keys(&["f"]);
    t.wait_for("following head");
    pg.exec("open acc-live Live Follower");
    let m = n + 1;
    let head = format!("{m}/{m}");
    t.wait_long("the new event in a full frame", 15, |s| {
        s.contains(&head) && s.lines().any(|l| l.contains("acc-live") && l.contains("AccountOpened"))
    });
    pg.exec("deposit acc-live 5 again");
    t.wait_for(&format!("{}/{}", m + 1, m + 1));
    t.keys(&["q"]);
    t.wait_for("EXIT=0");
}

#[test]
fn the_tui_reconnects_when_its_sessions_are_terminated_and_carries_on() {
    let Some(pg) = Pg::demo(300) else { return };
    let n = pg.head();
    let t = Tmux::start("terminated", pg.url());
    t.wait_for(&format!("{n}/{n}"));
    t.keys(&["f"]);
    t.wait_for("following head");
    let sessions = format!(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
         WHERE datname = '{}' AND application_name = 'chronicle'",
        pg.db.name()
    );
    assert!(pg.count(&sessions) >= 2, "the TUI's session and its follower's were terminated");
    t.wait_for("PostgreSQL connection back");
    pg.exec("open acc-after Back Again");
    let m = n + 1;
    let head = format!("{m}/{m}");
    let screen = t.wait_long("the new event in a full frame", 15, |s| {
        s.contains(&head) && s.lines().any(|l| l.contains("acc-after") && l.contains("AccountOpened"))
    });
    let rows = screen.lines().filter(|l| l.contains("acc-after") && l.contains("AccountOpened")).count();
    assert_eq!(rows, 1, "the new event is in the audit log once:\n{screen}");
    t.keys(&["q"]);
    t.wait_for("EXIT=0");
}
