//! Every command of the real binary on a PostgreSQL database (`--db
//! postgres://…`, or `$CHRONICLE_DB`): the same contract as on a file.
//! Without a server each test prints one line and passes (CI sets
//! `CHRONICLE_REQUIRE_PG=1`, which makes that a failure).

#[path = "helpers/cli.rs"]
mod support;

#[path = "helpers/pg.rs"]
mod pg;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use pg::Pg;
use support::{chronicle, run};

#[test]
fn demo_then_log_filters_state_and_verify_on_postgres() {
    let Some(pg) = Pg::demo(2000) else { return };
    let all = pg.log(&[]);
    assert!(all.len() >= 2000, "demo wrote {} events", all.len());
    let positions: Vec<u64> = all.iter().map(|e| e["position"].as_u64().expect("position")).collect();
    assert_eq!(positions, (1..=all.len() as u64).collect::<Vec<_>>(), "positions are gapless from 1");

    let stream = all[10]["stream_id"].as_str().expect("stream_id").to_owned();
    let of_stream = pg.log(&["--stream", &stream]);
    assert!(!of_stream.is_empty() && of_stream.iter().all(|e| e["stream_id"] == stream.as_str()));
    assert_eq!(of_stream.len(), all.iter().filter(|e| e["stream_id"] == stream.as_str()).count());

    let deposits = pg.log(&["--type", "MoneyDeposited"]);
    assert!(!deposits.is_empty() && deposits.iter().all(|e| e["event_type"] == "MoneyDeposited"));
    assert_eq!(deposits.len(), all.iter().filter(|e| e["event_type"] == "MoneyDeposited").count());

    let correlation = all[50]["metadata"]["correlation_id"].as_str().expect("correlation").to_owned();
    let correlated = pg.log(&["--correlation", &correlation]);
    assert!(
        !correlated.is_empty() && correlated.iter().all(|e| e["metadata"]["correlation_id"] == correlation.as_str())
    );

    let page = pg.log(&["--from", "100", "--limit", "5"]);
    let page: Vec<u64> = page.iter().map(|e| e["position"].as_u64().expect("position")).collect();
    assert_eq!(page, vec![100, 101, 102, 103, 104]);

    // Time travel: the state at 100 is the state of the first 100 events.
    let at = pg.state(&["--at", "100"]);
    assert_eq!(at["position"], 100);
    let head = pg.state(&[]);
    assert_eq!(head["position"].as_u64(), Some(all.len() as u64));
    assert_ne!(at["streams"], head["streams"], "the past differs from the present");

    let balances = pg.state(&["--projection", "account_balances"]);
    let rows = balances["rows"].as_array().expect("rows");
    assert!(!rows.is_empty(), "{balances}");
    let balances_at = pg.state(&["--projection", "account_balances", "--at", "100"]);
    assert_eq!(balances_at["position"], 100);
    assert_ne!(balances_at["rows"], balances["rows"]);

    let verify = pg.ok(&["verify"]);
    assert!(verify.starts_with("ok: ") && verify.contains("hash chain intact"), "{verify}");
    let chain = pg.ok(&["verify", "--chain"]);
    assert!(chain.starts_with("ok: "), "{chain}");

    // rebuild: the read models come back identical.
    pg.ok(&["rebuild"]);
    assert_eq!(pg.state(&["--projection", "account_balances"])["rows"], balances["rows"]);
    assert!(pg.ok(&["verify"]).starts_with("ok: "));
}

#[test]
fn exec_records_an_accepted_command_and_rejects_with_exit_1() {
    let Some(pg) = Pg::new() else { return };
    let out = pg.exec("open acc-1 Ada Lovelace");
    assert!(out.contains("acc-1@1") && out.contains("AccountOpened"), "{out}");
    pg.exec("deposit acc-1 12.50 salary");
    let line = pg.fails(&["exec", "withdraw acc-1 100 rent"], 1);
    assert!(line.starts_with("chronicle: rejected: "), "{line}");
    let line = pg.fails(&["exec", "deposit acc-9 5 nowhere"], 1);
    assert!(line.contains("acc-9"), "{line}");
    assert_eq!(pg.head(), 2, "rejections record nothing");
    let balances = pg.state(&["--projection", "account_balances"]);
    assert_eq!(balances["rows"][0]["balance_cents"], 1250, "{balances}");
}

#[test]
fn chronicle_db_in_the_environment_selects_the_database() {
    let Some(pg) = Pg::new() else { return };
    let r = run(chronicle().env("CHRONICLE_DB", pg.url()).args(["exec", "open acc-1 Ada Lovelace"]));
    r.expect_code(0, "exec with $CHRONICLE_DB");
    let r = run(chronicle().env("CHRONICLE_DB", pg.url()).args(["log", "--json"]));
    r.expect_code(0, "log with $CHRONICLE_DB");
    assert!(r.stdout.contains("\"acc-1\""), "{}", r.stdout);
    assert_eq!(pg.head(), 1, "the event is in the database, not in a file");
}

#[test]
fn export_then_import_into_another_database_is_byte_identical() {
    let Some(a) = Pg::demo(2000) else { return };
    let Some(b) = Pg::new() else { return };
    let exported = a.export();
    assert!(exported.lines().count() >= 2000);
    let file = a.dir.path().join("export.jsonl");
    std::fs::write(&file, &exported).expect("write the export");
    b.ok(&["import", file.to_str().expect("UTF-8 path")]);
    assert!(b.export() == exported, "the second database's export differs from the first's");
    assert!(b.ok(&["verify"]).starts_with("ok: "));
    assert_eq!(
        b.state(&["--projection", "account_balances"])["rows"],
        a.state(&["--projection", "account_balances"])["rows"],
        "import builds the same read models"
    );
    // And to a file store and back: the engines agree byte for byte.
    let sqlite = a.dir.path().join("copy.db");
    let r = run(chronicle().arg("--db").arg(&sqlite).args(["import", file.to_str().expect("UTF-8 path")]));
    r.expect_code(0, "import into a file");
    let r = run(chronicle().arg("--db").arg(&sqlite).arg("export"));
    r.expect_code(0, "export from a file");
    assert!(r.stdout == exported, "SQLite's export of the same history differs");
}

#[test]
fn log_follow_prints_another_processs_exec_within_a_second() {
    let Some(pg) = Pg::new() else { return };
    pg.exec("open acc-1 Ada Lovelace");
    let mut child =
        pg.cmd().args(["log", "--follow", "--json"]).stdout(Stdio::piped()).spawn().expect("spawn log --follow");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let first = lines.recv_timeout(Duration::from_secs(10)).expect("the existing event");
    assert!(first.contains("\"acc-1\""), "{first}");
    // Following has begun (the existing event is out); another process writes.
    std::thread::sleep(Duration::from_millis(300));
    pg.exec("deposit acc-1 7 tip");
    let next = lines.recv_timeout(Duration::from_secs(1));
    let _ = child.kill();
    let _ = child.wait();
    let next = next.expect("log --follow printed the new event within 1 s");
    assert!(next.contains("MoneyDeposited") && next.contains("\"position\":2"), "{next}");
}
