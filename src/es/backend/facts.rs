//! What an engine reports about a store beside its events: a foreign
//! tool's snapshots, problems found in a foreign log, the append-only guards.

/// A foreign tool's own snapshot of one stream, as it stored it: opaque to
/// chronicle's domains (its shape is the tool's aggregate, not a fold of the
/// payloads), so it is shown, never folded from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignSnapshot {
    /// The stream.
    pub stream_id: String,
    /// The stream's version the snapshot holds the state of.
    pub version: u64,
    /// What the tool calls it (`eventsourcing`: the snapshot's topic).
    pub kind: String,
    /// The state: JSON text, or `{"opaque_hex": …}` for bytes that are not
    /// JSON (compressed or encrypted).
    pub state: String,
    /// Whether the state was not JSON.
    pub opaque: bool,
}

/// Something wrong in a foreign log that does not stop it being shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The first position concerned.
    pub position: u64,
    /// What kind of thing is wrong.
    pub kind: FindingKind,
    /// What is wrong, for a person (one line).
    pub what: String,
}

/// What a [`Finding`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingKind {
    /// A payload that is not JSON (shown opaque).
    Payload,
    /// A stream's versions with a gap or a duplicate.
    Version,
    /// The ordering column with ties, or not a positive integer.
    Position,
}

/// The append-only guards of the `events` table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Guards {
    /// Names of the guards present.
    pub present: Vec<String>,
    /// Names of guards present but no longer as the schema writes them.
    pub altered: Vec<String>,
}
