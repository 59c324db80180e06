//! The queries a mapping needs on PostgreSQL, built from it (the names are
//! the user's: every one quoted; the table qualified by its schema). As in
//! SQLite's reader, one sub-select names the mapped columns `p s v t st sv
//! d m ts ci ca`, cast to what the reader takes (positions and versions
//! `bigint`, ids and JSON `text`, times RFC 3339 UTC).

use crate::formats::{Mapping, Source, Timestamp};

use super::super::connect::quote;

/// The column types the reader must know: whether the payload is `bytea`.
#[derive(Debug, Clone, Default)]
pub struct Types {
    /// The payload column is `bytea`.
    pub payload_bytes: bool,
}

fn text(c: Option<&str>) -> String {
    c.map_or_else(|| "NULL::text".to_owned(), |c| format!("({})::text", quote(c)))
}

fn source(s: &Source) -> Option<&str> {
    match s {
        Source::Column(c) => Some(c),
        Source::Constant(_) | Source::TopicClass => None,
    }
}

fn table(schema: &str, m: &Mapping) -> String {
    format!("{}.{}", quote(schema), quote(&m.table))
}

fn view(schema: &str, m: &Mapping, types: &Types) -> String {
    let (position, stream) = (quote(&m.position), quote(&m.stream_id));
    let version = m.version.as_deref().map_or_else(
        || format!("ROW_NUMBER() OVER (PARTITION BY {stream} ORDER BY {position})"),
        |v| format!("({})::bigint", quote(v)),
    );
    let schema_version =
        source(&m.schema_version).map_or_else(|| "NULL::bigint".to_owned(), |c| format!("({})::bigint", quote(c)));
    let payload = if types.payload_bytes { quote(&m.payload) } else { text(Some(&m.payload)) };
    let ts = match &m.timestamp {
        Timestamp::Column(c) => {
            format!("to_char(({})::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')", quote(c))
        }
        Timestamp::Payload(_) | Timestamp::None => "NULL::text".to_owned(),
    };
    format!(
        "(SELECT {position} AS rp, ({position})::bigint AS p, ({stream})::text AS s, {version} AS v, {} AS t, {} AS st, {schema_version} AS sv, {payload} AS d, {} AS m, {ts} AS ts, {} AS ci, {} AS ca FROM {}) AS x",
        text(Some(&m.event_type)),
        text(source(&m.stream_type)),
        text(m.metadata.as_deref()),
        text(m.correlation_column.as_deref()),
        text(m.causation_column.as_deref()),
        table(schema, m),
    )
}

const COLUMNS: &str = "p, s, v, t, st, sv, d, m, ts, ci, ca";

/// The highest position (0 when empty).
pub fn max_position(schema: &str, m: &Mapping) -> String {
    format!("SELECT coalesce(max({})::bigint, 0) FROM {}", quote(&m.position), table(schema, m))
}

/// A page of rows with `$1 <= p <= $2` (only stream `$3`, only type `$4`),
/// at most `$5`. It filters and orders on the ordering column itself (`rp`),
/// not its `bigint` cast: a cast of an `integer` column hides the column's
/// index, and every page would sort the whole table.
pub fn rows(schema: &str, m: &Mapping, types: &Types) -> String {
    format!(
        "SELECT {COLUMNS} FROM {} WHERE rp BETWEEN $1::bigint AND $2::bigint AND ($3::text IS NULL OR s = $3::text) AND ($4::text IS NULL OR t = $4::text) ORDER BY rp LIMIT $5",
        view(schema, m, types)
    )
}

/// Stream `$1`'s rows with `v > $2` and `p <= $3`, by version.
pub fn stream_rows(schema: &str, m: &Mapping, types: &Types) -> String {
    format!("SELECT {COLUMNS} FROM {} WHERE s = $1::text AND v > $2 AND p <= $3 ORDER BY v, p", view(schema, m, types))
}

/// Per stream (only `$1`): id, type (or an event type), last version, first and last position.
pub fn streams(schema: &str, m: &Mapping, types: &Types) -> String {
    format!(
        "SELECT s, max(coalesce(st, t)), max(v)::bigint, min(p), max(p) FROM {} WHERE $1::text IS NULL OR s = $1::text GROUP BY s",
        view(schema, m, types)
    )
}

/// The first position held by more than one row, and how many are.
pub fn first_tie(schema: &str, m: &Mapping) -> String {
    let p = quote(&m.position);
    format!(
        "SELECT ({p})::bigint, count(*) OVER () FROM {} GROUP BY {p} HAVING count(*) > 1 ORDER BY {p} LIMIT 1",
        table(schema, m)
    )
}

/// The lowest position.
pub fn min_position(schema: &str, m: &Mapping) -> String {
    format!("SELECT min({})::bigint FROM {}", quote(&m.position), table(schema, m))
}

/// The first row whose version does not follow its stream's previous one.
pub fn first_version_gap(schema: &str, m: &Mapping, types: &Types) -> String {
    format!(
        "SELECT p, s, v, coalesce(prev, 0), count(*) OVER () FROM (SELECT p, s, v, LAG(v) OVER (PARTITION BY s ORDER BY p) AS prev FROM {}) AS y WHERE v IS DISTINCT FROM coalesce(prev, 0) + 1 ORDER BY p LIMIT 1",
        view(schema, m, types)
    )
}

/// How many rows the snapshots table `t` holds.
pub fn snapshot_count(schema: &str, t: &str) -> String {
    format!("SELECT count(*) FROM {}.{}", quote(schema), quote(t))
}

/// Stream `$1`'s snapshot in `t` with the highest version at or below `$2`.
pub fn snapshot(schema: &str, t: &str) -> String {
    format!(
        "SELECT (originator_id)::text, (originator_version)::bigint, (topic)::text, state FROM {}.{} WHERE (originator_id)::text = $1::text AND originator_version <= $2 ORDER BY originator_version DESC LIMIT 1",
        quote(schema),
        quote(t)
    )
}

/// The first row whose payload does not begin as JSON does (a cheap test
/// that compressed or encrypted bytes fail): position, stream, version, how
/// many such rows.
pub fn first_not_json(schema: &str, m: &Mapping, types: &Types) -> String {
    let starts_as_json = if types.payload_bytes {
        "length(d) > 0 AND get_byte(d, 0) IN (9, 10, 13, 32, 34, 45, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 91, 102, 110, 116, 123)"
    } else {
        "d ~ '^\\s*[[{\"0-9tfn-]'"
    };
    format!(
        "SELECT p, s, v, count(*) OVER () FROM {} WHERE d IS NULL OR NOT ({starts_as_json}) ORDER BY p LIMIT 1",
        view(schema, m, types)
    )
}
