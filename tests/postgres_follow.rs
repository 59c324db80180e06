//! `log --follow` on PostgreSQL outlives its server session: terminated with
//! `pg_terminate_backend` (never a server restart: other tests share the
//! server), it says so on stderr, reconnects and carries on, printing every
//! event once. Without a server the test prints one line and passes.

#[path = "helpers/cli.rs"]
mod support;

#[path = "helpers/pg.rs"]
mod pg;

use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use pg::Pg;

/// Each line `from` yields, sent on a channel by a thread of its own.
fn lines(from: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(from).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// The `position` of a `--json` line.
fn position(line: &str) -> u64 {
    let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    v["position"].as_u64().unwrap_or_else(|| panic!("no position: {line}"))
}

#[test]
fn log_follow_survives_its_session_being_terminated_and_loses_nothing() {
    let Some(pg) = Pg::new() else { return };
    pg.exec("open acc-1 Ada Lovelace");
    let mut child = pg
        .cmd()
        .args(["log", "--follow", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn log --follow");
    let out = lines(child.stdout.take().expect("stdout"));
    let err = lines(child.stderr.take().expect("stderr"));
    let mut seen = vec![position(&out.recv_timeout(Duration::from_secs(20)).expect("the existing event"))];
    pg.exec("deposit acc-1 1 before");
    seen.push(position(&out.recv_timeout(Duration::from_secs(20)).expect("the event appended while following")));

    // Every session on the database but this one: the follower's.
    let terminated: i64 = pg
        .db
        .client()
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
            &[],
        )
        .expect("terminate the follower's session")
        .get(0);
    assert!(terminated >= 1, "no session to terminate");
    let said = (0..300)
        .find_map(|_| err.recv_timeout(Duration::from_millis(100)).ok().filter(|l| l.contains("reconnecting")))
        .expect("log --follow says on stderr that it is reconnecting");
    assert!(said.starts_with("chronicle: "), "{said}");

    // Appended while it is away or just back: printed once each.
    pg.exec("deposit acc-1 2 during");
    pg.exec("deposit acc-1 3 after");
    let deadline = Instant::now() + Duration::from_secs(30);
    while seen.len() < 4 && Instant::now() < deadline {
        if let Ok(line) = out.recv_timeout(Duration::from_millis(200)) {
            seen.push(position(&line));
        }
    }
    // Nothing more comes (no line printed twice).
    let extra = out.recv_timeout(Duration::from_millis(500)).ok();
    let exited = child.try_wait().expect("try_wait");
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(exited, None, "log --follow exited after the session was terminated");
    assert_eq!(seen, [1, 2, 3, 4], "every event once, in order");
    assert_eq!(extra, None, "no line twice");
    let back: Vec<String> = err.try_iter().collect();
    assert!(back.iter().any(|l| l.contains("following again")), "{back:?}");
}
