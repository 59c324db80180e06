//! Faults on PostgreSQL (issue 11, item 4): a server that cannot be
//! reached or refuses, a database shared with other tables, a writer's
//! session terminated or its process killed mid-transaction.

#[path = "helpers/cli.rs"]
mod support;

#[path = "helpers/pg.rs"]
mod pg;

use pg::{CheckpointLock, Pg};
use support::{chronicle, run};

/// `chronicle --db url log` fails with one line and exit 2; returns the line.
fn cannot_open(url: &str) -> String {
    let r = run(chronicle().arg("--db").arg(url).arg("log"));
    r.one_line_error(2, &format!("log on {url}"))
}

#[test]
fn an_unreachable_server_is_one_line_and_exit_2() {
    let line = cannot_open("postgres://postgres@127.0.0.1:1/test");
    assert!(line.contains("127.0.0.1:1") && line.contains("cannot connect"), "{line}");
    let line = cannot_open("postgres://postgres@no-such-host.invalid:5432/test");
    assert!(line.contains("no-such-host.invalid"), "{line}");
}

#[test]
fn a_role_the_server_does_not_know_is_one_line_and_exit_2() {
    let Some(pg) = Pg::new() else { return };
    let url = pg.url().replacen("postgres@", "nobody_here:secret@", 1);
    assert_ne!(url, pg.url(), "the test URL names the postgres role");
    let line = cannot_open(&url);
    assert!(line.contains("nobody_here") && line.contains("refused"), "{line}");
    assert!(!line.contains("secret"), "the password is never printed: {line}");
}

#[test]
fn a_missing_database_is_one_line_and_exit_2() {
    let Some(pg) = Pg::new() else { return };
    let url = pg.url().replace(pg.db.name(), "chronicle_no_such_database");
    let line = cannot_open(&url);
    assert!(line.contains("chronicle_no_such_database") && line.contains("does not exist"), "{line}");
}

#[test]
fn a_shared_database_keeps_its_other_tables_untouched() {
    let Some(pg) = Pg::new() else { return };
    pg.sql(
        "CREATE TABLE public.accounts (id int PRIMARY KEY, owner text NOT NULL); \
         INSERT INTO public.accounts VALUES (1, 'someone else''s row'), (2, 'another')",
    );
    pg.exec("open acc-1 Ada Lovelace");
    pg.exec("deposit acc-1 5 first");
    pg.ok(&["rebuild"]);
    assert!(pg.ok(&["verify"]).starts_with("ok: "));
    assert_eq!(pg.count("SELECT count(*) FROM public.accounts"), 2);
    assert_eq!(pg.count("SELECT count(*) FROM public.accounts WHERE id = 1 AND owner = 'someone else''s row'"), 1);
    let public = pg.count("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'");
    assert_eq!(public, 1, "chronicle created nothing in public");
    let columns = pg.count("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public'");
    assert_eq!(columns, 2, "the other table's columns are unchanged");
    let ours = pg.count("SELECT count(*) FROM pg_tables WHERE schemaname = 'chronicle' AND tablename = 'events'");
    assert_eq!(ours, 1, "chronicle keeps its events in its own schema");
}

/// An empty store (its schema created) and a 2000-event export to import.
fn store_and_export() -> Option<(Pg, std::path::PathBuf)> {
    let source = Pg::demo(2000)?;
    let target = Pg::new()?;
    let file = target.dir.path().join("big.jsonl");
    std::fs::write(&file, source.export()).expect("write the export");
    target.ok(&["rebuild"]); // creates the (empty) schema
    Some((target, file))
}

#[test]
fn a_writer_whose_session_is_terminated_says_so_in_one_line_and_writes_nothing() {
    let Some((pg, file)) = store_and_export() else { return };
    let lock = CheckpointLock::take(&pg);
    let mut import = pg.cmd();
    import.arg("import").arg(&file).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let child = import.spawn().expect("spawn import");
    let pid = pg.blocked_writer();
    assert_eq!(pg.count(&format!("SELECT pg_terminate_backend({pid})::int::bigint")), 1);
    let out = child.wait_with_output().expect("import finishes");
    drop(lock);
    let r = support::Run::from(out);
    let line = r.one_line_error(2, "import whose session was terminated");
    assert!(line.contains("connection to PostgreSQL was lost") && line.contains("nothing was committed"), "{line}");
    assert_eq!(pg.head(), 0, "nothing of the import was written");
    assert_eq!(pg.count("SELECT count(*) FROM chronicle.events"), 0);
    // The store is fine for the next writer.
    pg.ok(&["import", file.to_str().expect("UTF-8 path")]);
    assert!(pg.head() >= 2000);
    assert!(pg.ok(&["verify"]).starts_with("ok: "));
}

#[test]
fn a_writer_killed_mid_transaction_writes_nothing_and_the_next_writer_is_fine() {
    let Some((pg, file)) = store_and_export() else { return };
    let lock = CheckpointLock::take(&pg);
    let mut child = pg.cmd().arg("import").arg(&file).spawn().expect("spawn import");
    let pid = pg.blocked_writer();
    let killed = std::process::Command::new("kill").args(["-KILL", &child.id().to_string()]).status();
    assert!(killed.expect("kill runs").success());
    let _ = child.wait();
    drop(lock);
    // The server notices the dead client and rolls its transaction back.
    let start = std::time::Instant::now();
    while pg.count(&format!("SELECT count(*) FROM pg_stat_activity WHERE pid = {pid}")) > 0 {
        assert!(start.elapsed() < std::time::Duration::from_secs(15), "the killed writer's session lingers");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(pg.count("SELECT count(*) FROM chronicle.events"), 0, "all or nothing");
    pg.exec("open acc-1 Ada Lovelace");
    assert_eq!(pg.head(), 1, "the next writer starts at position 1");
    assert!(pg.ok(&["verify"]).starts_with("ok: "));
}
