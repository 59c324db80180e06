//! Several real processes writing to the same store at once: nothing lost,
//! nothing doubled, versions contiguous, balances exact, the chain intact.

#[path = "helpers/cli.rs"]
mod support;

use std::collections::{BTreeMap, HashMap};

use support::{Store, chronicle, run};

const WORKERS: usize = 6;
const COMMANDS: usize = 40;
const ACCOUNTS: [&str; 3] = ["acc-1", "acc-2", "acc-3"];
const START_CENTS: i64 = 1_000_000;

/// A command line, its effect on balances, and how many events it records.
type Planned = (String, Vec<(&'static str, i64)>, usize);

/// The commands of one worker: deposits, withdrawals and transfers, with
/// amounts that never overdraw (each account starts with 10 000.00).
fn commands(worker: usize) -> Vec<Planned> {
    (0..COMMANDS)
        .map(|i| {
            let a = ACCOUNTS[(worker + i) % 3];
            let b = ACCOUNTS[(worker + i + 1) % 3];
            let cents = i64::try_from(100 + worker * 1000 + i * 7).expect("small");
            let amount = format!("{}.{:02}", cents / 100, cents % 100);
            match i % 4 {
                0 | 1 => (format!("deposit {a} {amount} w{worker}"), vec![(a, cents)], 1),
                2 => (format!("withdraw {a} {amount} w{worker}"), vec![(a, -cents)], 1),
                _ => (format!("transfer {a} {b} {amount} w{worker}"), vec![(a, -cents), (b, cents)], 2),
            }
        })
        .collect()
}

#[test]
fn concurrent_writers_lose_nothing_and_keep_the_store_consistent() {
    let s = Store::new();
    for (i, a) in ACCOUNTS.iter().enumerate() {
        s.exec(&format!("open {a} Owner {i}"));
        s.exec(&format!("deposit {a} {}", START_CENTS / 100));
    }
    let setup_events = 2 * ACCOUNTS.len();

    let mut expected: HashMap<&str, (i64, u64)> = ACCOUNTS.iter().map(|a| (*a, (START_CENTS, 1))).collect();
    let mut expected_events = setup_events;
    for w in 0..WORKERS {
        for (_, effects, events) in commands(w) {
            expected_events += events;
            for (a, cents) in effects {
                let e = expected.get_mut(a).expect("known account");
                e.0 += cents;
                e.1 += 1;
            }
        }
    }

    let path = s.path.clone();
    let workers: Vec<_> = (0..WORKERS)
        .map(|w| {
            let path = path.clone();
            std::thread::spawn(move || {
                for (line, _, events) in commands(w) {
                    let r = run(chronicle().arg("--db").arg(&path).args(["exec", "--json", &line]));
                    r.expect_code(0, &format!("worker {w}: {line}"));
                    assert_eq!(r.stdout.lines().count(), events, "worker {w}: {line}: {}", r.stdout);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker thread");
    }

    let log = s.log(&[]);
    assert_eq!(log.len(), expected_events, "events recorded");
    for (i, e) in log.iter().enumerate() {
        assert_eq!(e["position"].as_u64(), Some(i as u64 + 1), "positions are gapless");
    }
    let mut versions: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for e in &log {
        versions
            .entry(e["stream_id"].as_str().expect("stream").to_owned())
            .or_default()
            .push(e["version"].as_u64().expect("version"));
    }
    for (stream, v) in &versions {
        assert_eq!(*v, (1..=v.len() as u64).collect::<Vec<_>>(), "versions of {stream}");
    }
    // Each transfer's two legs are adjacent and share a correlation id.
    let mut by_corr: HashMap<&str, Vec<u64>> = HashMap::new();
    for e in &log {
        let corr = e["metadata"]["correlation_id"].as_str().expect("correlation id");
        by_corr.entry(corr).or_default().push(e["position"].as_u64().expect("position"));
    }
    let transfers = WORKERS * COMMANDS / 4;
    assert_eq!(by_corr.values().filter(|p| p.len() == 2).count(), transfers);
    assert!(by_corr.values().all(|p| p.len() == 1 || (p.len() == 2 && p[1] == p[0] + 1)));

    for a in ACCOUNTS {
        let row = s.balance_row(a);
        let (cents, transactions) = expected[a];
        assert_eq!(row["balance_cents"], cents, "balance of {a}");
        assert_eq!(row["transactions"], transactions, "transactions of {a}");
        assert_eq!(s.state(&["--stream", a])["state"]["balance_cents"], cents, "aggregate of {a}");
    }
    s.verify_ok();
}

#[test]
fn concurrent_first_writers_create_the_store_once_and_open_the_account_once() {
    let s = Store::new();
    assert!(!s.path.exists());
    let path = s.path.clone();
    let racers: Vec<_> = (0..WORKERS)
        .map(|w| {
            let path = path.clone();
            std::thread::spawn(move || {
                run(chronicle().arg("--db").arg(&path).args(["exec", &format!("open acc-1 Racer {w}")]))
            })
        })
        .collect();
    let results: Vec<_> = racers.into_iter().map(|t| t.join().expect("racer")).collect();
    let winners = results.iter().filter(|r| r.code == 0).count();
    assert_eq!(winners, 1, "{results:?}");
    for r in results.iter().filter(|r| r.code != 0) {
        let line = r.one_line_error(1, "losing racer");
        assert!(line.contains("already exists"), "{line}");
    }
    assert_eq!(s.log(&["--stream", "acc-1"]).len(), 1);
    s.verify_ok();
}
