//! Logs other tools wrote, read through a [`Mapping`]: engine-neutral data
//! saying which table holds the log and which column (or constant, or rule)
//! gives each field chronicle shows. The presets ([`presets`]) are mappings
//! written once; [`recognise`] picks one from a database's tables and
//! columns. Each engine reads the rows a mapping names (SQLite:
//! `crate::sqlite::mapped`, PostgreSQL: `crate::postgres::mapped`) by position
//! ranges for [`ranged::Ranged`], which turns them into chronicle's events;
//! nothing is ever written. A user's own mapping comes from a file
//! ([`mod@file`], `--map`).

pub mod decode;
pub mod file;
pub mod presets;
pub mod ranged;
pub mod snapshots;

/// Where a text field comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A column of the table.
    Column(String),
    /// The same value for every event.
    Constant(String),
    /// The aggregate class of a Python topic in the event type column
    /// (`module:Class.Event` → `Class`).
    TopicClass,
}

/// Where the time an event was recorded comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Timestamp {
    /// A column holding RFC 3339 text (or what SQLite's `datetime` writes).
    Column(String),
    /// A JSON path inside the payload (keys, outermost first).
    Payload(Vec<String>),
    /// None recorded: every event shows the Unix epoch.
    None,
}

/// How payload bytes are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadCodec {
    /// JSON text (or bytes); anything else is shown opaque, with a warning.
    Json,
}

/// Which table of a foreign database holds the log, and where each field is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// The format's name (`eventsourcing`, a preset's, or `mapped`).
    pub format: String,
    /// The table.
    pub table: String,
    /// The column ordering the log: an integer, the position (SQLite's
    /// `rowid` allowed).
    pub position: String,
    /// The stream id column.
    pub stream_id: String,
    /// The stream type.
    pub stream_type: Source,
    /// The version column (1-based within a stream); `None`: numbered
    /// per stream in the log's order.
    pub version: Option<String>,
    /// The event type column.
    pub event_type: String,
    /// The payload schema version (a column, or a constant number).
    pub schema_version: Source,
    /// The payload column.
    pub payload: String,
    /// How payload bytes are read.
    pub codec: PayloadCodec,
    /// The metadata column (JSON), if any.
    pub metadata: Option<String>,
    /// When each event was recorded.
    pub timestamp: Timestamp,
    /// JSON paths in the metadata: correlation id, causation id, actor.
    pub correlation: Option<Vec<String>>,
    /// See `correlation`.
    pub causation: Option<Vec<String>>,
    /// See `correlation`.
    pub actor: Option<Vec<String>>,
    /// A column holding the correlation id (taken when the metadata has none).
    pub correlation_column: Option<String>,
    /// A column holding the causation id (as `correlation_column`).
    pub causation_column: Option<String>,
    /// The tool's own snapshots table next to the log (the same columns as
    /// an `eventsourcing` log: originator id and version, topic, state), if
    /// it has one. Shown as the tool stored them; chronicle's states are
    /// always folded from the events.
    pub snapshots: Option<String>,
}

impl Mapping {
    /// The columns the mapping reads (each must exist in the table).
    #[must_use]
    pub fn columns(&self) -> Vec<&str> {
        let mut out = vec![self.position.as_str(), &self.stream_id, &self.event_type, &self.payload];
        if let Some(v) = &self.version {
            out.push(v);
        }
        for s in [&self.stream_type, &self.schema_version] {
            if let Source::Column(c) = s {
                out.push(c);
            }
        }
        if let Some(m) = &self.metadata {
            out.push(m);
        }
        if let Timestamp::Column(c) = &self.timestamp {
            out.push(c);
        }
        out.extend(self.correlation_column.as_deref());
        out.extend(self.causation_column.as_deref());
        out
    }
}

/// One table of a foreign database: its name and its columns' names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableColumns {
    /// The table's name.
    pub table: String,
    /// Its columns, in order.
    pub columns: Vec<String>,
}

/// `a` or `an` before `word` (a format's name in a message).
#[must_use]
pub fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U']) { "an" } else { "a" }
}

/// Names `--format` takes: `chronicle` (the native store) and the presets.
pub const KNOWN: [&str; 4] = ["chronicle", presets::EVENTSOURCING, presets::NODE, presets::MARTEN];

/// What `--format NAME` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forced {
    /// Chronicle's own store, never a foreign log.
    Chronicle,
    /// Python `eventsourcing`'s stored events.
    EventSourcing,
    /// The Node-style single table.
    Node,
    /// Marten's `mt_events`.
    Marten,
}

impl Forced {
    /// The format `name` names.
    ///
    /// # Errors
    /// One line listing the known names, for an unknown one.
    pub fn parse(name: &str) -> Result<Self, String> {
        match name.trim().to_ascii_lowercase().as_str() {
            "chronicle" => Ok(Self::Chronicle),
            presets::EVENTSOURCING => Ok(Self::EventSourcing),
            presets::NODE => Ok(Self::Node),
            presets::MARTEN => Ok(Self::Marten),
            _ => Err(format!("unknown format `{}`: the known formats are {}", name.escape_debug(), KNOWN.join(", "))),
        }
    }

    /// The format's name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Chronicle => "chronicle",
            Self::EventSourcing => presets::EVENTSOURCING,
            Self::Node => presets::NODE,
            Self::Marten => presets::MARTEN,
        }
    }
}

/// The mapping for a database with `tables`, recognised from their columns
/// (`forced`: only that format's; `rowid_ok`: the engine has SQLite's
/// `rowid`). `None` when no preset fits.
#[must_use]
pub fn recognise(tables: &[TableColumns], forced: Option<Forced>, rowid_ok: bool) -> Option<Mapping> {
    match forced {
        Some(Forced::Chronicle) => None,
        Some(Forced::EventSourcing) => presets::eventsourcing(tables, rowid_ok),
        Some(Forced::Node) => presets::node(tables, rowid_ok),
        Some(Forced::Marten) => presets::marten(tables),
        None => presets::eventsourcing(tables, rowid_ok)
            .or_else(|| presets::marten(tables))
            .or_else(|| presets::node(tables, rowid_ok)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str, columns: &[&str]) -> TableColumns {
        TableColumns { table: name.to_owned(), columns: columns.iter().map(|c| (*c).to_owned()).collect() }
    }

    #[test]
    fn an_eventsourcing_table_is_recognised_by_its_columns_and_others_are_not() {
        let es = ["originator_id", "originator_version", "topic", "state"];
        let m =
            recognise(&[table("stored_snapshots", &es), table("stored_events", &es)], None, true).expect("recognised");
        assert_eq!((m.format.as_str(), m.table.as_str()), ("eventsourcing", "stored_events"));
        assert_eq!((m.position.as_str(), m.snapshots.as_deref()), ("rowid", Some("stored_snapshots")));
        let m = recognise(&[table("kennel_events", &es)], None, true).expect("an application-named table");
        assert_eq!((m.table.as_str(), m.snapshots), ("kennel_events", None));
        // PostgreSQL: no row id, the notification id column orders the log.
        let pg = ["originator_id", "originator_version", "topic", "state", "notification_id"];
        let m = recognise(&[table("kennel_events", &pg), table("kennel_snapshots", &es)], None, false).expect("pg");
        assert_eq!((m.position.as_str(), m.snapshots.as_deref()), ("notification_id", Some("kennel_snapshots")));
        assert_eq!(recognise(&[table("kennel_events", &es)], None, false), None, "nothing orders it");
        assert_eq!(recognise(&[table("stored_events", &["originator_id", "topic"])], None, true), None);
        assert_eq!(recognise(&[table("stored_events", &es)], Some(Forced::Chronicle), true), None);
    }

    #[test]
    fn node_and_marten_tables_are_recognised_by_their_columns() {
        let node =
            ["id", "aggregate_id", "aggregate_type", "event_type", "event_data", "metadata", "revision", "created_at"];
        let m = recognise(&[table("domain_events", &node)], None, false).expect("node");
        assert_eq!((m.format.as_str(), m.position.as_str(), m.payload.as_str()), ("node", "id", "event_data"));
        assert_eq!(m.version.as_deref(), Some("revision"));
        assert_eq!(recognise(&[table("domain_events", &node[1..])], None, false), None, "no ordering column");
        assert_eq!(
            recognise(&[table("domain_events", &node[1..])], None, true).map(|m| m.position),
            Some("rowid".to_owned())
        );
        let mt = ["seq_id", "id", "stream_id", "version", "data", "type", "timestamp", "correlation_id", "headers"];
        let m =
            recognise(&[table("mt_events", &mt), table("mt_streams", &["id", "type"])], None, false).expect("marten");
        assert_eq!((m.format.as_str(), m.metadata.as_deref()), ("marten", Some("headers")));
        assert_eq!((m.correlation_column.as_deref(), m.causation_column.as_deref()), (Some("correlation_id"), None));
        assert_eq!(recognise(&[table("mt_events", &mt)], Some(Forced::Node), true), None);
    }

    #[test]
    fn an_unknown_format_names_the_known_ones() {
        assert_eq!(Forced::parse("EventSourcing"), Ok(Forced::EventSourcing));
        let err = Forced::parse("axon").unwrap_err();
        assert!(err.contains("`axon`") && err.contains("chronicle, eventsourcing, node, marten"), "{err}");
    }
}
