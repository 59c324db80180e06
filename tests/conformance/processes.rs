//! Several writers at once: connections in threads and `chronicle`
//! processes lose nothing, duplicate nothing and leave positions gapless; a
//! follower sees another process's appends.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use chronicle::es::{ExpectedVersion, StoreError};
use serde_json::Value;

use crate::fixture::{Fixture, append, appended, log, to};
use crate::support::{assert_log_contract, assert_verify_ok, code, log_json, run, stderr};

const WRITERS: usize = 4;
const ACCOUNTS: usize = 3;

pub fn concurrent_connections_lose_and_duplicate_nothing(f: &Fixture) {
    const EACH: usize = 25;
    drop(f.open()); // created first: racing first opens are their own check
    std::thread::scope(|scope| {
        for w in 0..WRITERS {
            scope.spawn(move || {
                let mut s = f.open();
                for j in 0..EACH {
                    // Shared streams at their exact version: conflicts happen
                    // and are retried after reading the version again.
                    let stream = format!("s{}", j % ACCOUNTS);
                    let id = format!("w{w}-{j}");
                    loop {
                        let at = s.stream(&stream).expect("stream").map_or(0, |i| i.version);
                        match append(&mut s, vec![to(&stream, ExpectedVersion::Exact(at), &[&id])]) {
                            Ok(out) => break assert_eq!(out.positions.len(), 1),
                            Err(StoreError::Conflict(_)) => {}
                            Err(e) => panic!("writer {w}: {e}"),
                        }
                    }
                }
            });
        }
    });
    let s = f.open();
    let events = log(&s);
    assert_eq!(events.len(), WRITERS * EACH, "nothing lost");
    let mut versions: HashMap<&str, u64> = HashMap::new();
    for (i, (position, stream, version, _)) in events.iter().enumerate() {
        assert_eq!(*position, i as u64 + 1, "gapless positions");
        let v = versions.entry(stream).or_default();
        *v += 1;
        assert_eq!(*version, *v, "contiguous versions of {stream}");
    }
    let mut ids: Vec<&str> = events.iter().map(|e| e.3.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), WRITERS * EACH, "nothing duplicated");
    assert_verify_ok(f.path());
}

/// The commands each writer process runs: deposits of 1.00 to shared
/// accounts, each with its own command id.
fn deposits(w: usize, n: usize) -> impl Iterator<Item = (String, String)> {
    (0..n).map(move |j| (format!("deposit a-{} 1.00 w{w}", (w + j) % ACCOUNTS), format!("w{w}-{j}")))
}

fn open_accounts(f: &Fixture) {
    for a in 0..ACCOUNTS {
        f.ok(&["exec", &format!("open a-{a} Owner {a}")]);
    }
}

pub fn concurrent_writer_processes_lose_and_duplicate_nothing(f: &Fixture) {
    const EACH: usize = 6;
    open_accounts(f);
    std::thread::scope(|scope| {
        for w in 0..WRITERS {
            scope.spawn(move || {
                for (line, id) in deposits(w, EACH) {
                    let args = ["exec", line.as_str(), "--command-id", id.as_str()];
                    let out = run(f.path(), &args);
                    assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
                }
            });
        }
    });
    let events = log_json(f.path());
    assert_log_contract(&events);
    assert_eq!(events.len(), ACCOUNTS + WRITERS * EACH, "nothing lost, nothing duplicated");
    let mut by_command: HashMap<&str, usize> = HashMap::new();
    for e in &events[ACCOUNTS..] {
        *by_command.entry(e["metadata"]["command_id"].as_str().expect("command_id")).or_default() += 1;
    }
    for w in 0..WRITERS {
        for (line, id) in deposits(w, EACH) {
            assert_eq!(by_command.get(id.as_str()), Some(&1), "{id} ({line}) recorded once");
        }
    }
    let mut want = [0_i64; ACCOUNTS];
    (0..WRITERS).flat_map(|w| (0..EACH).map(move |j| (w + j) % ACCOUNTS)).for_each(|a| want[a] += 100);
    let got = crate::support::balances(f.path());
    for (a, cents) in want.iter().enumerate() {
        assert_eq!(got[&format!("a-{a}")], *cents, "a-{a}'s balance is every deposit once");
    }
    assert_verify_ok(f.path());
    assert!(f.ok(&["verify", "--chain"]).starts_with("ok: "));
}

pub fn the_same_command_id_from_racing_processes_records_once(f: &Fixture) {
    open_accounts(f);
    let racers: Vec<_> = (0..WRITERS)
        .map(|_| {
            f.cli()
                .args(["exec", "deposit a-0 1.00 race", "--command-id", "same-id"])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn chronicle")
        })
        .collect();
    let mut repeats = 0;
    for child in racers {
        let out = child.wait_with_output().expect("wait");
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        repeats += usize::from(stderr(&out).contains("executed before"));
    }
    assert_eq!(repeats, WRITERS - 1, "exactly one racer records");
    let events = log_json(f.path());
    assert_log_contract(&events);
    assert_eq!(events.len(), ACCOUNTS + 1, "one deposit");
    assert_verify_ok(f.path());
}

pub fn a_follower_sees_another_process_append(f: &Fixture) {
    f.ok(&["exec", "open acc-1 Ada"]);
    let mut child = f
        .cli()
        .args(["log", "--follow", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn log --follow");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let next = |what: &str| -> Value {
        let line = rx.recv_timeout(Duration::from_secs(20)).unwrap_or_else(|_| panic!("log --follow: no {what}"));
        serde_json::from_str(&line).expect("a JSON line")
    };
    assert_eq!(next("existing event")["position"], 1);
    // Another process appends…
    f.ok(&["exec", "deposit acc-1 4.20 tip"]);
    let e = next("event appended by another process");
    assert_eq!((e["position"].as_u64(), e["event_type"].as_str()), (Some(2), Some("MoneyDeposited")));
    // …and another connection through the facade, two streams in one write.
    let mut s = f.open();
    let mut batch = vec![to("t-1", ExpectedVersion::Any, &["f1"]), to("t-2", ExpectedVersion::Any, &["f2"])];
    for b in &mut batch {
        b.events[0].metadata = r#"{"correlation_id":"follow"}"#.into();
    }
    append(&mut s, batch).expect("append");
    let seen: Vec<Value> = (0..2).map(|_| next("event appended through the facade")).collect();
    let seen: Vec<_> = seen.iter().map(|e| (e["position"].as_u64(), e["event_id"].as_str())).collect();
    assert_eq!(seen, [(Some(3), Some("f1")), (Some(4), Some("f2"))], "each once, in order");
    assert!(child.try_wait().expect("try_wait").is_none(), "log --follow exited by itself");
    child.kill().expect("kill log --follow");
    child.wait().expect("wait");
    reader.join().expect("reader thread");
    assert!(rx.try_recv().is_err(), "nothing seen twice");
}

/// Waits on `follower` until its head passes `head` (wake-ups may be
/// spurious); fails after 20 s.
fn wait_past(follower: &chronicle::es::Store, head: u64) -> u64 {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let now = follower.head().expect("head");
        if now > head {
            return now;
        }
        assert!(std::time::Instant::now() < deadline, "no wake-up past {head} within 20 s");
        follower.wait_for_append(head, Duration::from_secs(1)).expect("wait_for_append");
    }
}

pub fn a_waiting_connection_wakes_on_appends_from_another_connection_and_process(f: &Fixture) {
    let mut writer = f.open();
    appended(&mut writer, vec![to("a", ExpectedVersion::Any, &["1"])]);
    let follower = f.open();
    // Nothing appended: the wait returns by itself, nothing changed.
    follower.wait_for_append(1, Duration::from_millis(50)).expect("a wait that times out");
    assert_eq!(follower.head().expect("head"), 1);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            appended(&mut writer, vec![to("a", ExpectedVersion::Exact(1), &["2"])]);
        });
        assert_eq!(wait_past(&follower, 1), 2, "woken by another connection's append");
    });
    std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(Duration::from_millis(100));
            f.ok(&["exec", "open acc-1 Ada"]);
        });
        assert_eq!(wait_past(&follower, 2), 3, "woken by another process's append");
    });
    let e = follower.event(3).expect("event").expect("event 3");
    assert_eq!(e.event_type, "AccountOpened");
}
