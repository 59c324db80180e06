//! blame and find against a naive fold at every position, on small random
//! logs written through the command bus.
#![allow(clippy::unwrap_used)] // in tests a failed unwrap is the failure report

use proptest::prelude::*;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use super::blame::{blame_row, blame_stream};
use super::expr::Expr;
use super::find::{Which, find_projection, find_stream};
use super::path::Path;
use crate::app::{Chronicle, ExecOptions, Mode};

const STREAM_EXPRS: &[&str] = &[
    "balance_cents < 5000",
    "changed(balance_cents)",
    "closed or balance_cents >= 10000",
    "not changed(transactions) and transactions > 2",
    "changed(closed) or (opened = true and balance_cents = 0)",
];
const ROW_EXPRS: &[&str] = &[
    "status = \"closed\" and balance_cents != 0",
    "balance_cents > 2000",
    "changed(status) or owner = \"Ada Lovelace\"",
    "changed(balance_cents) and balance_cents > 3000",
    "transactions >= 3 or status = \"closed\"",
    "not changed(status)",
];

/// A store with `n` random bank commands on three accounts (rejected ones
/// record nothing).
fn random_log(seed: u64, n: usize) -> (tempfile::TempDir, Chronicle) {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Chronicle::open(&dir.path().join("t.db"), Mode::Write, crate::domain::Registry::builtin()).unwrap();
    let mut rng = SmallRng::seed_from_u64(seed);
    for _ in 0..n {
        let acc = format!("acc-{}", rng.random_range(1..=3));
        let line = match rng.random_range(0..10) {
            0 => format!("open {acc} Ada Lovelace"),
            1..=4 => format!("deposit {acc} {}.{:02}", rng.random_range(1..80), rng.random_range(0..100)),
            5..=8 => format!("withdraw {acc} {}", rng.random_range(1..60)),
            _ => format!("close {acc}"),
        };
        let actor = ["ada", "grace"][rng.random_range(0..2)];
        let _ = c.execute(&line, &ExecOptions::new(actor, "test"));
    }
    (dir, c)
}

/// The stream's state at every position 0..=head (`null` before it exists),
/// each from its own load.
fn states(c: &Chronicle, id: &str, head: u64) -> Vec<Value> {
    (0..=head).map(|p| c.stream_state(id, p).map_or(Value::Null, |v| v.state)).collect()
}

fn stream_of(c: &Chronicle, p: u64) -> String {
    c.store().event(p).unwrap().unwrap().stream_id
}

fn rows(c: &Chronicle, p: u64) -> Vec<Value> {
    c.projection_state("account_balances", p).unwrap().rows
}

fn row_of<'r>(rows: &'r [Value], key: &Value) -> Option<&'r Value> {
    rows.iter().find(|r| &r["account_id"] == key)
}

/// Rows as sorted JSON texts (a hit lists touched rows first).
fn sorted<'v>(rows: impl Iterator<Item = &'v Value>) -> Vec<String> {
    let mut v: Vec<String> = rows.map(Value::to_string).collect();
    v.sort();
    v
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(6)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn blame_and_find_on_streams_equal_a_naive_fold(seed in any::<u64>(), n in 20usize..160, from in 1u64..40) {
        let (_dir, c) = random_log(seed, n);
        let head = c.store().head().unwrap();
        prop_assume!(head > 0);
        for id in ["acc-1", "acc-2", "acc-3"] {
            if c.store().stream(id).unwrap().is_none() {
                continue;
            }
            let s = states(&c, id, head);
            for field in [None, Some("balance_cents"), Some("closed")] {
                let path = field.map(|f| Path::parse(f).unwrap());
                let pick = |v: &Value| if v.is_null() { None } else { path.as_ref().map_or(Some(v.clone()), |p| p.lookup(v).cloned()) };
                let want: Vec<(u64, Option<Value>, Option<Value>)> = (1..=head)
                    .map(|p| (p, pick(&s[usize::try_from(p - 1).unwrap()]), pick(&s[usize::try_from(p).unwrap()])))
                    .filter(|(_, b, a)| b != a)
                    .collect();
                let mut got = Vec::new();
                blame_stream(&c, id, path.as_ref(), &mut |ch| {
                    got.push((ch.position, ch.before.clone(), ch.after.clone()));
                    Ok(())
                }).unwrap();
                prop_assert_eq!(got, want, "blame {} {:?}", id, field);
            }
            for src in STREAM_EXPRS {
                let expr = Expr::parse(src).unwrap();
                let want: Vec<u64> = (from..=head)
                    .filter(|&p| stream_of(&c, p) == id)
                    .filter(|&p| expr.holds(&s[usize::try_from(p - 1).unwrap()], &s[usize::try_from(p).unwrap()]))
                    .collect();
                for which in [Which::All, Which::First, Which::Last] {
                    let mut got = Vec::new();
                    find_stream(&c, id, &expr, from, which, &mut |h| { got.push(h.position); Ok(()) }, &mut |_, _| Ok(())).unwrap();
                    let expected: Vec<u64> = match which {
                        Which::All => want.clone(),
                        Which::First => want.first().copied().into_iter().collect(),
                        Which::Last => want.last().copied().into_iter().collect(),
                    };
                    prop_assert_eq!(got, expected, "find {} `{}` {:?} from {}", id, src, which, from);
                }
            }
        }
    }

    #[test]
    fn blame_and_find_on_a_read_model_equal_a_naive_fold(seed in any::<u64>(), n in 20usize..120, from in 1u64..40) {
        let (_dir, c) = random_log(seed, n);
        let head = c.store().head().unwrap();
        prop_assume!(head > 0);
        let all: Vec<Vec<Value>> = (0..=head).map(|p| rows(&c, p)).collect();
        for src in ROW_EXPRS {
            let expr = Expr::parse(src).unwrap();
            // Every position with its matching rows (all shown: three accounts).
            let want: Vec<(u64, u64, Vec<String>)> = (from..=head)
                .filter_map(|p| {
                    let (before, after) = (&all[usize::try_from(p - 1).unwrap()], &all[usize::try_from(p).unwrap()]);
                    let rows: Vec<&Value> = after
                        .iter()
                        .filter(|r| expr.holds(row_of(before, &r["account_id"]).unwrap_or(&Value::Null), *r))
                        .collect();
                    (!rows.is_empty()).then(|| (p, rows.len() as u64, sorted(rows.into_iter())))
                })
                .collect();
            for which in [Which::All, Which::First, Which::Last] {
                let mut got = Vec::new();
                find_projection(&c, "account_balances", &expr, from, which, &mut |h| {
                    got.push((h.position, h.matches, sorted(h.values.as_array().unwrap().iter())));
                    Ok(())
                }, &mut |_, _| Ok(())).unwrap();
                let expected = match which {
                    Which::All => want.clone(),
                    Which::First => want.first().cloned().into_iter().collect(),
                    Which::Last => want.last().cloned().into_iter().collect(),
                };
                prop_assert_eq!(got, expected, "find `{}` {:?} from {}", src, which, from);
            }
        }
        for id in ["acc-1", "acc-2", "acc-3"] {
            let key = Value::String(id.to_owned());
            if all[usize::try_from(head).unwrap()].iter().all(|r| r["account_id"] != key) {
                continue;
            }
            let at = |p: u64| row_of(&all[usize::try_from(p).unwrap()], &key).and_then(|r| r.get("balance_cents")).cloned();
            let want: Vec<(u64, Option<Value>, Option<Value>)> =
                (1..=head).map(|p| (p, at(p - 1), at(p))).filter(|(_, b, a)| b != a).collect();
            let mut got = Vec::new();
            let field = Path::parse("balance_cents").unwrap();
            blame_row(&c, "account_balances", &[id.to_owned()], Some(&field), &mut |ch| {
                got.push((ch.position, ch.before.clone(), ch.after.clone()));
                Ok(())
            }).unwrap();
            prop_assert_eq!(got, want, "blame row {}", id);
        }
    }
}
