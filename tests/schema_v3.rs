//! Schema version 3 on PostgreSQL (issue 11): the correlation id is a column
//! of `events`, written with each event. `log --correlation ID` answers the
//! same for a store made by commands (events appended one by one), for the
//! same events imported into an empty store (copied, the index built at
//! commit) and for SQLite; `verify` catches a column altered behind the
//! program's back. Without a server each test prints one line and passes.
//! (A version 1 store migrated: `tests/schema_v2.rs`; version 2 and metadata
//! jsonb refuses: `src/postgres/tests/correlation.rs`.)

#[path = "helpers/pg.rs"]
mod pg;
#[path = "helpers/cli.rs"]
mod support;

use pg::{Pg, correlations};
use support::{chronicle, run};

#[test]
fn correlations_answer_alike_after_commands_after_an_import_and_in_sqlite() {
    let Some(a) = Pg::demo(1_500) else { return };
    let Some((b, sqlite)) = a.imported_copies() else { return };

    let ids = correlations(&a.log(&[]));
    let picked: Vec<&String> = ids.iter().take(3).chain(ids.last()).collect();
    for id in picked {
        for tree in [&[][..], &["--tree"]] {
            let mut args = vec!["log", "--json", "--correlation", id.as_str()];
            args.extend_from_slice(tree);
            let want = a.ok(&args);
            assert!(!want.is_empty(), "{id}");
            assert_eq!(b.ok(&args), want, "{id} {tree:?}: imported");
            let file = run(chronicle().arg("--db").arg(&sqlite).args(&args));
            file.expect_code(0, "log of the file store");
            assert_eq!(file.stdout, want, "{id} {tree:?}: SQLite");
        }
    }
    let unset = "SELECT count(*) FROM chronicle.events WHERE correlation_id IS NULL";
    assert_eq!((a.count(unset), b.count(unset)), (0, 0), "every demo event has its correlation id");
    assert!(b.ok(&["verify"]).starts_with("ok: "));
}

#[test]
fn verify_names_a_correlation_column_altered_behind_the_programs_back() {
    let Some(pg) = Pg::demo(200) else { return };
    assert!(pg.ok(&["verify"]).starts_with("ok: "));
    pg.sql(
        "ALTER TABLE chronicle.events DISABLE TRIGGER events_no_update; \
         UPDATE chronicle.events SET correlation_id = 'forged' WHERE position = 50; \
         ALTER TABLE chronicle.events ENABLE TRIGGER events_no_update",
    );
    for depth in [&["verify"][..], &["verify", "--chain"]] {
        let r = pg.run(depth);
        r.expect_code(1, "verify of an altered column");
        assert!(r.stderr.contains("position 50") && r.stderr.contains("correlation_id"), "{depth:?}: {}", r.stderr);
    }
}
