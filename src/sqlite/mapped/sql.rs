//! The queries a mapping needs, built from it (the table and column names
//! are the user's: every one quoted). Each reads the mapped columns through
//! one sub-select, [`view`], as `p` (position), `s` (stream id), `v`
//! (version), `t` (event type), `st` (stream type), `sv` (schema version),
//! `d` (payload), `m` (metadata), `ts` (timestamp),
//! `ci` and `ca` (correlation and causation id columns).

use crate::formats::{Mapping, Source, Timestamp};

/// An identifier quoted for SQLite (`rowid` stays the row id).
pub(super) fn quoted(name: &str) -> String {
    if name.eq_ignore_ascii_case("rowid") {
        return "rowid".to_owned();
    }
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn column_or_null(c: Option<&str>) -> String {
    c.map_or_else(|| "NULL".to_owned(), quoted)
}

fn source(s: &Source) -> Option<&str> {
    match s {
        Source::Column(c) => Some(c),
        Source::Constant(_) | Source::TopicClass => None,
    }
}

/// The mapped columns of the table under chronicle's names (a log without
/// versions numbers each stream's events in order).
fn view(m: &Mapping) -> String {
    let timestamp = match &m.timestamp {
        Timestamp::Column(c) => Some(c.as_str()),
        Timestamp::Payload(_) | Timestamp::None => None,
    };
    let (position, stream) = (quoted(&m.position), quoted(&m.stream_id));
    let version = m
        .version
        .as_deref()
        .map_or_else(|| format!("ROW_NUMBER() OVER (PARTITION BY {stream} ORDER BY {position})"), quoted);
    format!(
        "(SELECT {position} AS p, {stream} AS s, {version} AS v, {} AS t, {} AS st, {} AS sv, {} AS d, {} AS m, {} AS ts, {} AS ci, {} AS ca FROM {})",
        quoted(&m.event_type),
        column_or_null(source(&m.stream_type)),
        column_or_null(source(&m.schema_version)),
        quoted(&m.payload),
        column_or_null(m.metadata.as_deref()),
        column_or_null(timestamp),
        column_or_null(m.correlation_column.as_deref()),
        column_or_null(m.causation_column.as_deref()),
        quoted(&m.table),
    )
}

const COLUMNS: &str = "p, s, v, t, st, sv, d, m, ts, ci, ca";

/// The highest position (0 when empty).
pub(super) fn max_position(m: &Mapping) -> String {
    format!("SELECT coalesce(max({}), 0) FROM {}", quoted(&m.position), quoted(&m.table))
}

/// Rows with `?1 <= p <= ?2` (only stream `?3`, only type `?4`, when not NULL).
pub(super) fn rows(m: &Mapping) -> String {
    format!(
        "SELECT {COLUMNS} FROM {} WHERE p BETWEEN ?1 AND ?2 AND (?3 IS NULL OR s = ?3) AND (?4 IS NULL OR t = ?4) ORDER BY p",
        view(m)
    )
}

/// Stream `?1`'s rows with `v > ?2` and `p <= ?3`, by version.
pub(super) fn stream_rows(m: &Mapping) -> String {
    format!("SELECT {COLUMNS} FROM {} WHERE s = ?1 AND v > ?2 AND p <= ?3 ORDER BY v, p", view(m))
}

/// Per stream (only `?1`, when not NULL): id, type (or an event type), last version, first and last position.
pub(super) fn streams(m: &Mapping) -> String {
    format!(
        "SELECT s, max(coalesce(st, t)), max(v), min(p), max(p) FROM {} WHERE ?1 IS NULL OR s = ?1 GROUP BY s",
        view(m)
    )
}

/// The first position held by more than one row, and how many are.
pub(super) fn first_tie(m: &Mapping) -> String {
    let p = quoted(&m.position);
    format!(
        "SELECT {p}, count(*) OVER () FROM {} GROUP BY {p} HAVING count(*) > 1 ORDER BY {p} LIMIT 1",
        quoted(&m.table)
    )
}

/// The lowest position.
pub(super) fn min_position(m: &Mapping) -> String {
    format!("SELECT min({}) FROM {}", quoted(&m.position), quoted(&m.table))
}

/// The first row whose version does not follow its stream's previous one:
/// position, stream, version, the previous version, how many such rows.
pub(super) fn first_version_gap(m: &Mapping) -> String {
    format!(
        "SELECT p, s, v, coalesce(prev, 0), count(*) OVER () FROM (SELECT p, s, v, LAG(v) OVER (PARTITION BY s ORDER BY p) AS prev FROM {}) WHERE v IS NOT coalesce(prev, 0) + 1 ORDER BY p LIMIT 1",
        view(m)
    )
}

/// The first row whose payload is not JSON: position, stream, version, how many.
pub(super) fn first_not_json(m: &Mapping) -> String {
    format!(
        "SELECT p, s, v, count(*) OVER () FROM {} WHERE NOT json_valid(CAST(d AS TEXT)) ORDER BY p LIMIT 1",
        view(m)
    )
}

/// How many rows the snapshots table `t` holds.
pub(super) fn snapshot_count(t: &str) -> String {
    format!("SELECT count(*) FROM {}", quoted(t))
}

/// Stream `?1`'s snapshot in `t` with the highest version at or below `?2`.
pub(super) fn snapshot(t: &str) -> String {
    format!(
        "SELECT originator_id, originator_version, topic, state FROM {} WHERE originator_id = ?1 AND originator_version <= ?2 ORDER BY originator_version DESC LIMIT 1",
        quoted(t)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_quoted_and_rowid_is_the_row_id() {
        assert_eq!(super::quoted("a\"b"), "\"a\"\"b\"");
        assert_eq!(super::quoted("ROWID"), "rowid");
    }
}
