//! The file's schema checked, not assumed: each of chronicle's tables must
//! have the columns (names, order, declared types) and the indexes of
//! `schema.sql`, read back from an in-memory database built from it, so the
//! expectation can never drift from the schema itself.

use std::sync::OnceLock;

use rusqlite::{Connection, OptionalExtension, Transaction};

use super::migrate::{ADDED, added_after};
use super::{SCHEMA, SCHEMA_VERSION};

/// chronicle's tables: `events` holds the log; the others are derived from
/// it (and from the read models) and can be rebuilt. `model_snapshots` is
/// since version 3.
const TABLES: [&str; 5] = ["events", "streams", "snapshots", "checkpoints", "model_snapshots"];

#[derive(Debug, Clone, PartialEq, Eq)]
struct Column {
    name: String,
    /// Declared type, upper-cased, with `NOT NULL` / `PRIMARY KEY` as declared.
    decl: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Index {
    unique: bool,
    partial: bool,
    columns: Vec<String>,
    name: String,
}

impl Index {
    fn same(&self, other: &Self) -> bool {
        (self.unique, self.partial, &self.columns) == (other.unique, other.partial, &other.columns)
    }

    fn describe(&self) -> String {
        let kind = if self.unique { "unique index" } else { "index" };
        format!("{kind} on ({})", self.columns.join(", "))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Shape {
    columns: Vec<Column>,
    indexes: Vec<Index>,
}

/// One difference from the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Mismatch {
    /// The table concerned (one of chronicle's).
    pub table: &'static str,
    /// What is wrong, for a person.
    pub what: String,
    /// Whether `rebuild` may repair it: the table (or index) holds nothing
    /// that cannot be derived again from the events.
    pub repairable: bool,
}

fn shape(conn: &Connection, table: &str) -> rusqlite::Result<Shape> {
    let mut stmt = conn.prepare("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?1) ORDER BY cid")?;
    let columns = stmt
        .query_map([table], |r| {
            let mut decl = r.get::<_, String>(1)?.to_uppercase();
            if r.get::<_, i64>(2)? != 0 {
                decl.push_str(" NOT NULL");
            }
            if r.get::<_, i64>(3)? != 0 {
                decl.push_str(" PRIMARY KEY");
            }
            Ok(Column { name: r.get(0)?, decl })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut stmt = conn.prepare("SELECT name, \"unique\", partial FROM pragma_index_list(?1)")?;
    let list = stmt
        .query_map([table], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? != 0, r.get::<_, i64>(2)? != 0)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    // With each key column's collation: a unique index under NOCASE would
    // take `ACC-1` and `acc-1` for one id.
    let mut cols = conn.prepare("SELECT name, coll FROM pragma_index_xinfo(?1) WHERE key = 1 ORDER BY seqno")?;
    let mut indexes = Vec::new();
    for (name, unique, partial) in list {
        let mut columns = cols
            .query_map([&name], |r| {
                let column = r.get::<_, Option<String>>(0)?.unwrap_or_else(|| "<expression>".to_owned());
                Ok(match r.get::<_, Option<String>>(1)? {
                    Some(collation) if !collation.eq_ignore_ascii_case("BINARY") => {
                        format!("{column} COLLATE {collation}")
                    }
                    _ => column,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        if columns.iter().any(|c| c.starts_with("<expression>")) {
            columns = vec![expressions(conn, &name)?];
        }
        indexes.push(Index { unique, partial, columns, name });
    }
    indexes.sort();
    Ok(Shape { columns, indexes })
}

/// An expression index's key, as its `CREATE INDEX` spells it (whitespace
/// runs made one space): what is between the table's parentheses. SQLite
/// names no column for an expression, and two expression indexes are the
/// same only if they index the same expression.
fn expressions(conn: &Connection, index: &str) -> rusqlite::Result<String> {
    let sql: Option<String> =
        conn.query_row("SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?1", [index], |r| r.get(0))?;
    let sql = sql.unwrap_or_default();
    let key = match (sql.find('('), sql.rfind(')')) {
        (Some(open), Some(close)) if open < close => &sql[open + 1..close],
        _ => "<expression>",
    };
    Ok(key.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// `schema.sql` as it was at `version` (1 to [`SCHEMA_VERSION`]): the
/// current one without the statements later versions added.
pub(super) fn schema_at(version: i64) -> String {
    added_after(version).filter_map(statement).fold(SCHEMA.to_owned(), |s, sql| s.replace(sql, ""))
}

type Shapes = Result<Vec<(&'static str, Shape)>, String>;

/// The shapes `schema.sql` creates at `version` (1 to [`SCHEMA_VERSION`]);
/// a table of a later version has no columns.
fn expected(version: i64) -> Result<&'static [(&'static str, Shape)], String> {
    // One per version: version 1, then one per step of `ADDED`.
    static EXPECTED: [OnceLock<Shapes>; ADDED.len() + 1] = [const { OnceLock::new() }; ADDED.len() + 1];
    let version = version.clamp(1, SCHEMA_VERSION);
    let slot = usize::try_from(version - 1).ok().and_then(|i| EXPECTED.get(i));
    let slot = slot.ok_or_else(|| format!("the built-in schema has no version {version}"))?;
    let built = slot.get_or_init(|| {
        let build = || -> rusqlite::Result<Vec<(&'static str, Shape)>> {
            // Our own scratch database, never a user's path.
            let conn = Connection::open_in_memory()?;
            conn.execute_batch(&schema_at(version))?;
            TABLES.iter().map(|t| Ok((*t, shape(&conn, t)?))).collect()
        };
        build().map_err(|e| format!("the built-in schema does not load: {e}"))
    });
    built.as_deref().map_err(Clone::clone)
}

fn names(columns: &[Column]) -> Vec<&str> {
    columns.iter().map(|c| c.name.as_str()).collect()
}

fn compare(table: &'static str, want: &Shape, have: &Shape, out: &mut Vec<Mismatch>) {
    let derived = table != "events";
    let mut push = |what: String, repairable: bool| out.push(Mismatch { table, what, repairable });
    if have.columns.is_empty() {
        push(format!("table `{table}` is missing"), derived);
        return;
    }
    let (w, h) = (names(&want.columns), names(&have.columns));
    let mut found = false;
    for extra in h.iter().filter(|n| !w.contains(n)) {
        push(format!("table `{table}` has an extra column `{}`", extra.escape_debug()), derived);
        found = true;
    }
    for missing in w.iter().filter(|n| !h.contains(n)) {
        push(format!("table `{table}` has no column `{missing}`"), derived);
        found = true;
    }
    if !found && w != h {
        let order = h.iter().map(|n| n.escape_debug().to_string()).collect::<Vec<_>>().join(", ");
        push(format!("the columns of table `{table}` are not in chronicle's order (found {order})"), derived);
    }
    for c in &want.columns {
        if let Some(got) = have.columns.iter().find(|g| g.name == c.name)
            && got.decl != c.decl
        {
            push(
                format!(
                    "column `{table}.{}` is declared `{}`, chronicle declares `{}`",
                    c.name,
                    got.decl.escape_debug(),
                    c.decl
                ),
                derived,
            );
        }
    }
    for idx in &want.indexes {
        if !have.indexes.iter().any(|h| h.same(idx)) {
            // A missing plain index only slows reads: recreating it touches no event.
            push(format!("table `{table}` has no {}", idx.describe()), derived || !idx.unique);
        }
    }
    for idx in have.indexes.iter().filter(|h| h.unique && !want.indexes.iter().any(|w| w.same(h))) {
        push(
            format!(
                "table `{table}` has a {} that chronicle did not create (`{}`)",
                idx.describe().escape_debug(),
                idx.name.escape_debug()
            ),
            derived,
        );
    }
}

/// Every difference between the file's tables and `schema.sql`'s at
/// `version` (the file's: 1 to [`SCHEMA_VERSION`]). A table of a later
/// version may be absent (its reads then find nothing); one that is there
/// is checked as the current schema's.
///
/// # Errors
/// The schema cannot be read (damaged file) or the built-in one does not load.
pub(super) fn check(conn: &Connection, version: i64) -> Result<Vec<Mismatch>, String> {
    let mut out = Vec::new();
    for ((table, want), (_, current)) in expected(version)?.iter().zip(expected(SCHEMA_VERSION)?) {
        let have = shape(conn, table).map_err(|e| e.to_string())?;
        if !want.columns.is_empty() {
            compare(table, want, &have, &mut out);
        } else if !have.columns.is_empty() {
            compare(table, current, &have, &mut out);
        }
    }
    Ok(out)
}

/// The `CREATE` statement of `schema.sql` that begins with `head`
/// (tables and indexes hold no `;` inside).
pub(super) fn statement(head: &str) -> Option<&'static str> {
    let start = SCHEMA.find(head)?;
    let end = start + SCHEMA[start..].find(';')? + 1;
    Some(&SCHEMA[start..end])
}

/// A statement of `schema.sql` without the comment lines before it.
fn uncommented(sql: &str) -> String {
    sql.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("--")).collect::<Vec<_>>().join("\n")
}

/// Creates each plain index of `events` that is missing, after dropping an
/// index of the same name that is not the schema's (another expression).
fn recreate_indexes(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    let words = |sql: &str| sql.split_whitespace().collect::<Vec<_>>().join(" ");
    for sql in SCHEMA.split(';').map(uncommented).filter(|s| s.starts_with("CREATE INDEX")) {
        let Some(name) = sql.split_whitespace().nth(2) else { continue };
        let found: Option<Option<String>> = tx
            .query_row("SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?1", [name], |r| r.get(0))
            .optional()?;
        if found.is_some_and(|have| words(have.as_deref().unwrap_or_default()) != words(&sql)) {
            tx.execute_batch(&format!("DROP INDEX \"{name}\""))?;
        }
        tx.execute_batch(&sql.replacen("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1))?;
    }
    Ok(())
}

/// Repairs what `rebuild` may: drops and recreates each derived table that
/// differs (its content is derived again by the caller) and recreates a
/// missing plain index on `events`. Returns the tables recreated empty.
///
/// # Errors
/// Database failures; a mismatch that is not repairable.
pub(super) fn repair(tx: &Transaction<'_>, found: &[Mismatch]) -> Result<Vec<&'static str>, String> {
    if let Some(m) = found.iter().find(|m| !m.repairable) {
        return Err(m.what.clone());
    }
    let mut recreated: Vec<&'static str> = Vec::new();
    let mut indexed = false;
    for m in found {
        if m.table == "events" {
            if !indexed {
                recreate_indexes(tx).map_err(|e| e.to_string())?;
                indexed = true;
            }
        } else if !recreated.contains(&m.table) {
            let create = statement(&format!("CREATE TABLE {} (", m.table))
                .ok_or_else(|| format!("the schema has no table `{}`", m.table))?;
            tx.execute_batch(&format!("DROP TABLE IF EXISTS {}; {create}", m.table)).map_err(|e| e.to_string())?;
            recreated.push(m.table);
        }
    }
    Ok(recreated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_matches_itself_and_an_added_column_does_not() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(SCHEMA).unwrap();
        assert_eq!(check(&conn, SCHEMA_VERSION).unwrap(), Vec::new());
        conn.execute_batch("ALTER TABLE events ADD COLUMN x TEXT").unwrap();
        let found = check(&conn, SCHEMA_VERSION).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].what, "table `events` has an extra column `x`");
        assert!(!found[0].repairable);
    }

    #[test]
    fn a_unique_index_under_another_collation_is_not_chronicles() {
        let conn = Connection::open_in_memory().unwrap();
        let schema =
            SCHEMA.replace("event_id       TEXT    NOT NULL UNIQUE", "event_id TEXT NOT NULL COLLATE NOCASE UNIQUE");
        conn.execute_batch(&schema).unwrap();
        let found: Vec<String> = check(&conn, SCHEMA_VERSION).unwrap().into_iter().map(|m| m.what).collect();
        assert!(found.contains(&"table `events` has no unique index on (event_id)".to_owned()), "{found:?}");
        assert!(
            found.iter().any(|w| w.contains("(event_id COLLATE NOCASE) that chronicle did not create")),
            "{found:?}"
        );
    }

    #[test]
    fn a_dropped_derived_table_is_repaired_empty() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(SCHEMA).unwrap();
        conn.execute_batch("DROP TABLE streams; DROP INDEX events_recorded_at").unwrap();
        let found = check(&conn, SCHEMA_VERSION).unwrap();
        assert_eq!(found.len(), 2, "{found:?}");
        let tx = conn.transaction().unwrap();
        assert_eq!(repair(&tx, &found).unwrap(), vec!["streams"]);
        tx.commit().unwrap();
        assert_eq!(check(&conn, SCHEMA_VERSION).unwrap(), Vec::new());
    }

    #[test]
    fn version_2_is_version_3_without_model_snapshots() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(&schema_at(2)).unwrap();
        assert_eq!(check(&conn, 2).unwrap(), Vec::new());
        let found = check(&conn, 3).unwrap();
        let what: Vec<&str> = found.iter().map(|m| m.what.as_str()).collect();
        assert_eq!(what, ["table `model_snapshots` is missing"]);
        assert!(found[0].repairable, "derived: rebuild recreates it");
    }

    #[test]
    fn a_wrongly_shaped_model_snapshots_table_is_named_and_repaired_empty() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(&SCHEMA.replace("    body       BLOB    NOT NULL,", "    body       TEXT    NOT NULL,"))
            .unwrap();
        let found = check(&conn, SCHEMA_VERSION).unwrap();
        let what: Vec<&str> = found.iter().map(|m| m.what.as_str()).collect();
        assert_eq!(
            what,
            ["column `model_snapshots.body` is declared `TEXT NOT NULL`, chronicle declares `BLOB NOT NULL`"]
        );
        let tx = conn.transaction().unwrap();
        assert_eq!(repair(&tx, &found).unwrap(), vec!["model_snapshots"]);
        tx.commit().unwrap();
        assert_eq!(check(&conn, SCHEMA_VERSION).unwrap(), Vec::new());
    }

    #[test]
    fn version_1_is_version_2_without_the_correlation_index() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(&schema_at(1)).unwrap();
        assert_eq!(check(&conn, 1).unwrap(), Vec::new());
        let found = check(&conn, 2).unwrap();
        let what: Vec<&str> = found.iter().map(|m| m.what.as_str()).collect();
        assert_eq!(
            what,
            [
                "table `events` has no index on (CASE WHEN json_valid(metadata) THEN json_extract(metadata, '$.correlation_id') END)"
            ]
        );
        assert!(found[0].repairable, "a plain index: rebuild recreates it");
        // Another expression under its name is not chronicle's index: the
        // repair replaces it.
        conn.execute_batch("CREATE INDEX events_correlation ON events (json_extract(metadata, '$.actor'))").unwrap();
        let found = check(&conn, 2).unwrap();
        assert_eq!(found.len(), 1);
        let mut conn = conn;
        let tx = conn.transaction().unwrap();
        assert_eq!(repair(&tx, &found).unwrap(), Vec::<&str>::new());
        tx.commit().unwrap();
        assert_eq!(check(&conn, 2).unwrap(), Vec::new());
    }
}
