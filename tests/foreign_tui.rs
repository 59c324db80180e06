//! The time machine on a log another tool wrote (Python `eventsourcing`'s
//! SQLite fixture), end to end under tmux: it opens read-only (the title
//! says so), scrubs, shows the generic state, refuses a command with the
//! store's one-line reason, and leaves the file byte-identical.

#[path = "helpers/cli.rs"]
mod support;

#[path = "helpers/tmux.rs"]
mod tmux;

use std::path::Path;

use support::Store;
use tmux::Tmux;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/eventsourcing/store.db");

#[test]
fn a_log_another_tool_wrote_opens_read_only_in_the_tui_and_refuses_commands() {
    let s = Store::new();
    std::fs::copy(FIXTURE, &s.path).expect("copy the fixture");
    let before = std::fs::read(Path::new(FIXTURE)).expect("the fixture");
    let db = s.path.to_str().expect("a UTF-8 path");

    let t = Tmux::start("foreign", db);
    let screen = t.wait_for("no aggregate registered for type Dog");
    assert!(screen.contains("(read-only)") && screen.contains("8/8"), "the title says read-only:\n{screen}");

    t.keys(&["Home"]);
    t.wait_for(" 1/8 ");
    t.keys(&[":"]);
    t.keys(&["-l", "deposit acc-1 5 EUR"]);
    t.keys(&["Enter"]);
    t.wait_for("is an eventsourcing log");
    // The command line stays open on a refusal: leave it, and only then
    // quit (Escape and `q` in quick succession would read as Alt-q).
    t.keys(&["Escape"]);
    t.wait_long("the command line to close", 15, |s| !s.contains("Enter run"));
    t.keys(&["q"]);
    t.wait_for("EXIT=0");

    assert_eq!(std::fs::read(&s.path).expect("the copy"), before, "the file is byte-identical");
    let names: Vec<String> = std::fs::read_dir(s.path.parent().expect("a directory"))
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["store.db"], "nothing created next to the file");
}
