//! Hand-written export files with a correct hash chain (the library's own
//! hash function), for tests that import events no command could record.
//!
//! Included with `#[path = "helpers/export.rs"] mod export;`.
#![allow(dead_code, clippy::missing_panics_doc, clippy::must_use_candidate)]

use std::fmt::Write as _;

use chronicle::es::hash::{GENESIS, HashInput, link};

/// One event of a file: (stream, stream type, event type, schema version, payload text).
pub type Spec<'a> = (&'a str, &'a str, &'a str, u32, &'a str);

/// Metadata of every line unless a test gives its own.
pub const META: &str =
    r#"{"correlation_id":"c","causation_id":"c","actor":"importer","source":"import","command_id":"c"}"#;

/// How the lines are written: their metadata and the day they are recorded on.
#[derive(Debug, Clone, Copy)]
pub struct Lines<'a> {
    /// The metadata JSON text of every line.
    pub metadata: &'a str,
    /// `YYYY-MM-DD` of every line's `recorded_at` (seconds follow the position).
    pub day: &'a str,
}

impl Default for Lines<'_> {
    fn default() -> Self {
        Self { metadata: META, day: "2026-01-01" }
    }
}

impl Lines<'_> {
    /// An export of `events` from position 1, chained from genesis.
    pub fn file(self, events: &[Spec<'_>]) -> String {
        self.from(1, GENESIS, events).0
    }

    /// An export of `events` from position `first`, chained from `prev`
    /// (versions from 1 for each stream). Returns the text and the last hash.
    pub fn from(self, first: u64, mut prev: [u8; 32], events: &[Spec<'_>]) -> (String, [u8; 32]) {
        let mut versions = std::collections::HashMap::new();
        let mut out = String::new();
        let metadata = self.metadata;
        for (i, (stream, stream_type, event_type, schema_version, payload)) in events.iter().enumerate() {
            let position = first + i as u64;
            let version = versions.entry(*stream).or_insert(0u64);
            *version += 1;
            let event_id = format!("00000000-0000-4000-8000-{position:012}");
            let recorded_at = format!("{}T00:00:{:02}.000000Z", self.day, position % 60);
            let hash = link(
                &prev,
                HashInput {
                    position,
                    event_id: &event_id,
                    stream_id: stream,
                    stream_type,
                    version: *version,
                    event_type,
                    schema_version: *schema_version,
                    payload,
                    metadata,
                    recorded_at: &recorded_at,
                },
            );
            prev = hash;
            writeln!(
                out,
                r#"{{"position":{position},"event_id":"{event_id}","stream_id":"{stream}","stream_type":"{stream_type}","version":{version},"event_type":"{event_type}","schema_version":{schema_version},"payload":{payload},"metadata":{metadata},"recorded_at":"{recorded_at}","hash":"{}"}}"#,
                hex::encode(hash)
            )
            .expect("write to a String");
        }
        (out, prev)
    }
}
