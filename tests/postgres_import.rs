//! An import into an empty PostgreSQL store answers its projections' reads
//! from its own writes (the read-model tables start empty): the rows it
//! builds are those the commands built, those SQLite's import builds, and
//! those a rebuild builds. The demo's dozen accounts are each read back by
//! thousands of events. Without a server each test prints one line and
//! passes (`CHRONICLE_REQUIRE_PG=1` makes that a failure).

#[path = "helpers/cli.rs"]
mod support;

#[path = "helpers/pg.rs"]
mod pg;

use pg::Pg;
use serde_json::Value;
use support::{chronicle, run};

const PROJECTIONS: [&str; 4] = ["account_balances", "transaction_history", "daily_summary", "user_profiles"];

fn sqlite_state(db: &std::path::Path, projection: &str) -> Value {
    let r = run(chronicle().arg("--db").arg(db).args(["state", "--json", "--projection", projection]));
    r.expect_code(0, "state of the file store");
    serde_json::from_str(&r.stdout).expect("state is one JSON object")
}

#[test]
fn an_import_into_an_empty_database_builds_the_rows_the_commands_built() {
    let Some(a) = Pg::demo(3000) else { return };
    let Some((b, sqlite)) = a.imported_copies() else { return };
    for projection in PROJECTIONS {
        let want = a.state(&["--projection", projection]);
        assert_eq!(b.state(&["--projection", projection]), want, "{projection}: PostgreSQL import");
        assert_eq!(sqlite_state(&sqlite, projection), want, "{projection}: SQLite import");
    }
    b.ok(&["rebuild"]);
    for projection in PROJECTIONS {
        assert_eq!(
            b.state(&["--projection", projection]),
            a.state(&["--projection", projection]),
            "{projection}: after a rebuild"
        );
    }
}
