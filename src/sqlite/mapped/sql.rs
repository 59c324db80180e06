//! The one query a mapping needs, built from it (the table and column
//! names are the user's: every one quoted).

use crate::formats::{Mapping, Source, Timestamp};

/// An identifier quoted for SQLite (`rowid` stays the row id).
fn quoted(name: &str) -> String {
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

/// `SELECT` of the mapped columns of rows whose ordering column is above
/// `?1`, in order: position, stream id, version, event type, stream type,
/// schema version, payload, metadata, timestamp.
pub(super) fn rows_after(m: &Mapping) -> String {
    let timestamp = match &m.timestamp {
        Timestamp::Column(c) => Some(c.as_str()),
        Timestamp::Payload(_) | Timestamp::None => None,
    };
    let position = quoted(&m.position);
    format!(
        "SELECT {position}, {}, {}, {}, {}, {}, {}, {}, {} FROM {} WHERE {position} > ?1 ORDER BY {position}",
        quoted(&m.stream_id),
        quoted(&m.version),
        quoted(&m.event_type),
        column_or_null(source(&m.stream_type)),
        column_or_null(source(&m.schema_version)),
        quoted(&m.payload),
        column_or_null(m.metadata.as_deref()),
        column_or_null(timestamp),
        quoted(&m.table),
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
