//! Issue 12 on PostgreSQL: a database with no chronicle store but a
//! Marten-style `mt_events` or a Node-style table (created here by SQL)
//! opens read-only through the same presets: `log`, `state --stream` and
//! `verify` work, `exec` refuses (exit 2), and nothing is created in the
//! database. Without a server each test prints one line and passes.

#[path = "helpers/cli.rs"]
mod support;

#[path = "helpers/pg.rs"]
mod pg;

use pg::Pg;
use serde_json::json;

const RELATIONS: &str = "SELECT count(*) FROM pg_class";

#[test]
fn a_marten_mt_events_table_opens_read_only_and_nothing_is_created() {
    let Some(pg) = Pg::new() else { return };
    pg.sql(
        r#"CREATE TABLE mt_events (seq_id bigint PRIMARY KEY, id uuid NOT NULL, stream_id uuid NOT NULL, version bigint NOT NULL,
             data jsonb NOT NULL, type varchar(500) NOT NULL, timestamp timestamptz NOT NULL DEFAULT now(),
             tenant_id varchar DEFAULT '*DEFAULT*', mt_dotnet_type varchar, correlation_id varchar, causation_id varchar, headers jsonb);
           INSERT INTO mt_events (seq_id, id, stream_id, version, data, type, timestamp, correlation_id, causation_id, headers) VALUES
             (1, gen_random_uuid(), '11111111-1111-1111-1111-111111111111', 1, '{"name":"Tom"}', 'user_registered', '2026-11-29T08:00:00Z', 'c-1', NULL, '{"ip":"10.0.0.1"}'),
             (2, gen_random_uuid(), '22222222-2222-2222-2222-222222222222', 1, '{"name":"Ann"}', 'user_registered', '2026-11-29T08:00:01Z', 'c-2', NULL, NULL),
             (3, gen_random_uuid(), '11111111-1111-1111-1111-111111111111', 2, '{"email":"t@x"}', 'email_changed', '2026-11-29T08:00:02Z', 'c-1', 'e1', NULL);"#,
    );
    let relations = pg.count(RELATIONS);
    let log = pg.log(&[]);
    let got: Vec<_> =
        log.iter().map(|e| (e["position"].clone(), e["version"].clone(), e["event_type"].clone())).collect();
    assert_eq!(
        got,
        [
            (json!(1), json!(1), json!("user_registered")),
            (json!(2), json!(1), json!("user_registered")),
            (json!(3), json!(2), json!("email_changed"))
        ]
    );
    assert_eq!(log[0]["stream_id"], "11111111-1111-1111-1111-111111111111");
    assert_eq!(log[2]["payload"], json!({"email": "t@x"}));
    assert_eq!(log[1]["recorded_at"], "2026-11-29T08:00:01.000000Z");
    assert_eq!(
        (log[2]["metadata"]["correlation_id"].as_str(), log[2]["metadata"]["causation_id"].as_str()),
        (Some("c-1"), Some("e1"))
    );
    assert_eq!(pg.log(&["--stream", "11111111-1111-1111-1111-111111111111"]).len(), 2);
    assert_eq!(pg.state(&["--stream", "11111111-1111-1111-1111-111111111111"])["version"], 2);
    let out = pg.ok(&["verify"]);
    assert!(out.contains("no hash chain to check (a marten log)"), "{out}");
    let line = pg.fails(&["exec", "open acc-1 owner=Ada"], 2);
    assert!(line.contains("marten log") && line.contains("read-only"), "{line}");
    assert_eq!(pg.count(RELATIONS), relations, "nothing created in the database");
    assert_eq!(pg.count("SELECT count(*) FROM pg_namespace WHERE nspname = 'chronicle'"), 0, "no chronicle schema");
}

#[test]
fn a_node_style_table_opens_with_its_metadata_and_version_gaps_are_a_warning() {
    let Some(pg) = Pg::new() else { return };
    pg.sql(
        r#"CREATE TABLE events (id bigserial PRIMARY KEY, aggregate_id text NOT NULL, aggregate_type text NOT NULL,
             event_type text NOT NULL, event_version int, data jsonb NOT NULL, metadata jsonb, version int NOT NULL,
             created_at timestamptz NOT NULL);
           INSERT INTO events (aggregate_id, aggregate_type, event_type, event_version, data, metadata, version, created_at) VALUES
             ('o-1', 'Order', 'OrderPlaced', 1, '{"total":10}', '{"correlationId":"k-1","causationId":"cmd-1","userId":"ada"}', 1, '2026-11-29T10:00:00Z'),
             ('o-2', 'Order', 'OrderPlaced', 1, '{"total":7}', NULL, 1, '2026-11-29T10:00:01Z'),
             ('o-1', 'Order', 'ItemAdded', 2, '{"sku":"A"}', '{"correlationId":"k-1"}', 2, '2026-11-29T10:00:02Z');"#,
    );
    let relations = pg.count(RELATIONS);
    let log = pg.log(&[]);
    assert_eq!(log.len(), 3);
    assert_eq!((log[0]["stream_type"].as_str(), log[2]["schema_version"].as_u64()), (Some("Order"), Some(2)));
    assert_eq!(
        (log[0]["metadata"]["correlation_id"].as_str(), log[0]["metadata"]["actor"].as_str()),
        (Some("k-1"), Some("ada"))
    );
    assert_eq!(pg.log(&["--correlation", "k-1"]).len(), 2);
    let state = pg.state(&["--stream", "o-1", "--at", "1"]);
    assert_eq!(state["version"], 1, "{state}");
    pg.ok(&["verify"]);
    pg.sql("INSERT INTO events (aggregate_id, aggregate_type, event_type, data, version, created_at) VALUES ('o-2', 'Order', 'X', '{}', 5, now())");
    let r = pg.run(&["log", "--json"]);
    r.expect_code(0, "log");
    assert!(r.stderr.contains("position 4: stream o-2 goes from version 1 to 5"), "{}", r.stderr);
    let line = pg.fails(&["exec", "open acc-1 owner=Ada"], 2);
    assert!(line.contains("node log"), "{line}");
    assert_eq!(pg.count(RELATIONS), relations, "nothing created in the database");
}

#[test]
fn a_mapping_file_reads_a_table_in_another_schema_and_a_missing_column_is_one_line() {
    let Some(pg) = Pg::new() else { return };
    pg.sql(
        r#"CREATE SCHEMA billing;
           CREATE TABLE billing.journal (seq bigint NOT NULL, entity uuid NOT NULL, kind text, body jsonb, at timestamptz);
           INSERT INTO billing.journal VALUES
             (5, '11111111-1111-1111-1111-111111111111', 'Opened', '{"a":1}', '2026-01-01T00:00:00Z'),
             (5, '22222222-2222-2222-2222-222222222222', 'Opened', '{"a":2}', '2026-01-01T00:00:01Z'),
             (9, '11111111-1111-1111-1111-111111111111', 'Moved', '{"a":3}', '2026-01-01T00:00:02Z');"#,
    );
    let relations = pg.count(RELATIONS);
    let map = pg.dir.path().join("map.toml");
    let text = "table = \"journal\"\nposition = \"seq\"\nstream_id = \"entity\"\nstream_type_constant = \"Ledger\"\n\
                event_type = \"kind\"\npayload = \"body\"\ntimestamp = \"at\"\n";
    support::write(&map, text);
    let url = format!("{}?schema=billing", pg.url());
    let r = support::run(support::chronicle().arg("--db").arg(&url).arg("--map").arg(&map).args(["log", "--json"]));
    r.expect_code(0, "log --map");
    let log = support::json_lines(&r.stdout);
    let got: Vec<_> = log.iter().map(|e| (e["position"].as_u64(), e["version"].as_u64())).collect();
    assert_eq!(got, [(Some(5), Some(1)), (Some(5), Some(1)), (Some(9), Some(2))], "numbered per stream in order");
    assert!(r.stderr.contains("position 5: the ordering column `seq` repeats the value 5"), "{}", r.stderr);
    support::write(&map, &text.replace("\"body\"", "\"bodies\""));
    let r = support::run(support::chronicle().arg("--db").arg(&url).arg("--map").arg(&map).args(["log"]));
    let line = r.one_line_error(2, "a missing column");
    assert!(line.contains("`journal.bodies`"), "{line}");
    assert_eq!(pg.count(RELATIONS), relations, "nothing created in the database");
}

#[test]
fn log_follow_on_a_node_style_table_shows_a_row_another_program_inserts() {
    use std::time::Duration;

    let Some(pg) = Pg::new() else { return };
    pg.sql(
        r#"CREATE TABLE events (id serial PRIMARY KEY, aggregate_id text NOT NULL, aggregate_type text NOT NULL,
             event_type text NOT NULL, data jsonb NOT NULL, metadata jsonb, version int NOT NULL,
             created_at timestamptz NOT NULL);
           INSERT INTO events (aggregate_id, aggregate_type, event_type, data, metadata, version, created_at) VALUES
             ('o-1', 'Order', 'OrderPlaced', '{"total":10}', '{"userId":"ada"}', 1, '2026-11-29T10:00:00Z');"#,
    );
    let relations = pg.count(RELATIONS);
    let (mut child, rx) = support::spawn_lines(pg.cmd().args(["log", "--follow", "--json"]));
    // Generous: this checks that the row comes, not how fast (see the benches).
    let wait = Duration::from_secs(20);
    let first: serde_json::Value =
        serde_json::from_str(&rx.recv_timeout(wait).expect("the existing row")).expect("JSON");
    assert_eq!(first["event_type"], "OrderPlaced");
    pg.sql(
        r#"INSERT INTO events (aggregate_id, aggregate_type, event_type, data, metadata, version, created_at) VALUES
             ('o-1', 'Order', 'ItemAdded', '{"sku":"A"}', '{"userId":"bob"}', 2, '2026-11-29T10:00:05Z');"#,
    );
    let line = rx.recv_timeout(wait);
    child.kill().expect("stop the follower");
    child.wait().expect("reap");
    let next: serde_json::Value = serde_json::from_str(&line.expect("the inserted row is shown")).expect("JSON");
    assert_eq!((next["position"].as_u64(), next["event_type"].as_str()), (Some(2), Some("ItemAdded")));
    assert_eq!(next["metadata"]["actor"], "bob");
    assert_eq!(pg.count(RELATIONS), relations, "following created nothing in the database");
}
