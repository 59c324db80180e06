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
    let t = Tmux::start("demo", pg.url());
    let screen = t.wait_for(&format!("{n}/{n}"));
    assert!(screen.contains("Audit log"), "{screen}");
    let last = pg.log(&["--from", &n.to_string()]);
    let stream = last[0]["stream_id"].as_str().expect("stream_id");
    assert!(screen.contains(stream), "the head's stream {stream} is on screen:\n{screen}");
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
    let screen = t.wait_for(&format!("{m}/{m}"));
    let screen = if screen.contains("acc-live") { screen } else { t.wait_for("acc-live") };
    assert!(screen.contains("AccountOpened"), "{screen}");
    pg.exec("deposit acc-live 5 again");
    t.wait_for(&format!("{}/{}", m + 1, m + 1));
    t.keys(&["q"]);
    t.wait_for("EXIT=0");
}
