//! A mapping written once by the user (`--map FILE`): TOML, or JSON when
//! the file's name ends in `.json`. The keys (see the README, "Opening a
//! log you did not write"):
//!
//! ```toml
//! table = "events"             # the table holding the log
//! position = "id"              # the column ordering it (an integer)
//! stream_id = "aggregate_id"
//! stream_type = "aggregate_type"   # or stream_type_constant = "Order"
//! version = "version"          # leave out: numbered per stream in order
//! event_type = "event_type"
//! schema_version = "schema"    # or schema_version_constant = 2 (default 1)
//! payload = "data"
//! metadata = "metadata"        # optional
//! timestamp = "created_at"     # optional
//! correlation = "correlationId"    # JSON paths in the metadata (a.b.c)
//! causation = "causationId"
//! actor = "user.id"
//! ```

use std::path::Path;

use serde::Deserialize;

use super::{Mapping, PayloadCodec, Source, Timestamp};

/// The format name a mapping file gives its log unless it names one.
pub const MAPPED: &str = "mapped";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    name: Option<String>,
    table: String,
    position: String,
    stream_id: String,
    stream_type: Option<String>,
    stream_type_constant: Option<String>,
    version: Option<String>,
    event_type: String,
    schema_version: Option<String>,
    schema_version_constant: Option<u32>,
    payload: String,
    metadata: Option<String>,
    timestamp: Option<String>,
    correlation: Option<String>,
    causation: Option<String>,
    actor: Option<String>,
}

fn path(p: Option<String>) -> Option<Vec<String>> {
    p.map(|p| p.split('.').map(str::to_owned).collect())
}

/// The mapping in `text` (`json`: JSON, else TOML).
///
/// # Errors
/// One line saying what is wrong with it.
pub fn parse(text: &str, json: bool) -> Result<Mapping, String> {
    let f: File = if json {
        serde_json::from_str(text).map_err(|e| e.to_string())?
    } else {
        toml::from_str(text).map_err(|e| e.message().to_owned())?
    };
    let stream_type = match (f.stream_type, f.stream_type_constant) {
        (Some(_), Some(_)) => return Err("give stream_type or stream_type_constant, not both".to_owned()),
        (Some(c), None) => Source::Column(c),
        (None, Some(k)) => Source::Constant(k),
        (None, None) => return Err("missing stream_type (a column) or stream_type_constant".to_owned()),
    };
    let schema_version = match (f.schema_version, f.schema_version_constant) {
        (Some(_), Some(_)) => return Err("give schema_version or schema_version_constant, not both".to_owned()),
        (Some(c), None) => Source::Column(c),
        (None, k) => Source::Constant(k.unwrap_or(1).to_string()),
    };
    if f.metadata.is_none() && (f.correlation.is_some() || f.causation.is_some() || f.actor.is_some()) {
        return Err("correlation, causation and actor are paths in the metadata: name its column (metadata)".to_owned());
    }
    Ok(Mapping {
        format: f.name.unwrap_or_else(|| MAPPED.to_owned()),
        table: f.table,
        position: f.position,
        stream_id: f.stream_id,
        stream_type,
        version: f.version,
        event_type: f.event_type,
        schema_version,
        payload: f.payload,
        codec: PayloadCodec::Json,
        metadata: f.metadata,
        timestamp: f.timestamp.map_or(Timestamp::None, Timestamp::Column),
        correlation: path(f.correlation),
        causation: path(f.causation),
        actor: path(f.actor),
        correlation_column: None,
        causation_column: None,
        snapshots: None,
    })
}

/// The mapping in the file at `file`.
///
/// # Errors
/// One line naming the file and what is wrong with it.
pub fn load(file: &Path) -> Result<Mapping, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read the mapping {}: {e}", file.display()))?;
    let json = file.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
    parse(&text, json).map_err(|e| format!("the mapping {}: {}", file.display(), e.replace(['\n', '\r'], " ").trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOML: &str = r#"
table = "events"
position = "id"
stream_id = "aggregate_id"
stream_type_constant = "Order"
event_type = "kind"
payload = "body"
metadata = "meta"
correlation = "trace.correlation"
"#;

    #[test]
    fn toml_and_json_give_the_same_mapping_and_mistakes_are_one_line() {
        let m = parse(TOML, false).expect("toml");
        assert_eq!(m.stream_type, Source::Constant("Order".to_owned()));
        assert_eq!((m.version.as_deref(), m.format.as_str()), (None, "mapped"));
        assert_eq!(m.schema_version, Source::Constant("1".to_owned()));
        assert_eq!(m.correlation, Some(vec!["trace".to_owned(), "correlation".to_owned()]));
        let json = r#"{"table":"events","position":"id","stream_id":"aggregate_id","stream_type_constant":"Order",
            "event_type":"kind","payload":"body","metadata":"meta","correlation":"trace.correlation"}"#;
        assert_eq!(parse(json, true), Ok(m));
        let err = parse(&TOML.replace("payload", "paylod"), false).unwrap_err();
        assert!(err.contains("paylod"), "{err}");
        let err = parse(&TOML.replace("stream_type_constant = \"Order\"", ""), false).unwrap_err();
        assert!(err.contains("stream_type"), "{err}");
    }
}
