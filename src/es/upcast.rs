//! Upcaster chains: stored payloads are never rewritten; they are lifted to
//! the latest schema on read, one version step at a time.

use rustc_hash::FxHashMap as HashMap;

use serde_json::Value;

use super::aggregate::{EventSchema, Violation, rule};
use super::event::{Event, EventRef, StoredEvent};

/// One step `from -> from + 1` for one event type, on the serialized payload.
#[derive(Clone, Copy)]
pub struct Upcaster {
    /// Event type this step applies to.
    pub event_type: &'static str,
    /// Schema version the step reads; it produces `from + 1`.
    pub from: u32,
    /// The transformation; an `Err` names what in the payload was unusable.
    pub step: fn(Value) -> Result<Value, String>,
}

impl std::fmt::Debug for Upcaster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Upcaster({} v{} -> v{})", self.event_type, self.from, self.from + 1)
    }
}

/// Why an event could not be read at the latest schema.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UpcastError {
    /// The stored schema is newer than any upcaster this build knows.
    #[error(
        "event at position {position}: rule schema: {event_type} v{found}: newer than any known schema (latest {latest}): written by a newer chronicle?"
    )]
    TooNew {
        /// Position of the event.
        position: u64,
        /// Its type.
        event_type: String,
        /// Stored schema version.
        found: u32,
        /// Latest version this build knows.
        latest: u32,
    },
    /// Schema version 0: versions start at 1.
    #[error("event at position {position}: rule schema: {event_type} v0: schema versions start at 1")]
    ZeroVersion {
        /// Position of the event.
        position: u64,
        /// Its type.
        event_type: String,
    },
    /// The payload is not JSON, or a step rejected it.
    #[error("event at position {position} ({event_type} v{version}): rule decode: {reason}")]
    BadPayload {
        /// Position of the event.
        position: u64,
        /// Its type.
        event_type: String,
        /// Schema version at which it failed.
        version: u32,
        /// What was wrong.
        reason: String,
    },
    /// The upcast event does not decode into its aggregate's typed event,
    /// or (for an event being recorded) breaks its aggregate's rules.
    #[error("event at position {position} ({stream_id}): {violation}")]
    Refused {
        /// Position of the event.
        position: u64,
        /// Its stream.
        stream_id: String,
        /// The rule and why.
        violation: Violation,
    },
}

impl UpcastError {
    /// The transition-check rule this error breaks (`schema` or `decode`,
    /// or the aggregate's own).
    #[must_use]
    pub fn rule(&self) -> &'static str {
        match self {
            Self::TooNew { .. } | Self::ZeroVersion { .. } => rule::SCHEMA,
            Self::BadPayload { .. } => rule::DECODE,
            Self::Refused { violation, .. } => violation.rule,
        }
    }
}

/// One event type's chain and latest schema version.
#[derive(Debug, Clone)]
struct Known {
    /// Latest schema version (the chain's end, or as declared).
    latest: u32,
    /// Steps `1 -> 2 -> …`, sorted.
    chain: Vec<Upcaster>,
}

/// Every registered chain, and every declared latest schema, by stream type
/// and event type: an event is upcast only on a stream of the type that
/// registered its chain (a `MoneyDeposited` on a stream nobody registered is
/// read as stored).
#[derive(Debug, Default, Clone)]
pub struct Upcasters {
    /// By event type, then by stream type (almost always one).
    steps: HashMap<&'static str, Vec<(&'static str, Known)>>,
}

impl Upcasters {
    /// The chains of the events of streams of `stream_type`; steps of one
    /// event type must form `1 -> 2 -> …` without gaps.
    ///
    /// # Panics
    /// On a gap or duplicate step: that is a programming error in a domain,
    /// caught by the domain's own tests.
    #[must_use]
    pub fn new(stream_type: &'static str, all: impl IntoIterator<Item = Upcaster>) -> Self {
        Self::with_schemas(stream_type, all, [])
    }

    /// As [`Self::new`], with the latest schema of every event type the
    /// stream type owns: a stored version of such a type that is 0 or above
    /// its latest is an error, whether or not the type has a chain.
    ///
    /// # Panics
    /// As [`Self::new`]; also when a declared latest version is not the end
    /// of the type's chain, or a type is declared twice with two versions.
    #[must_use]
    pub fn with_schemas(
        stream_type: &'static str,
        all: impl IntoIterator<Item = Upcaster>,
        schemas: impl IntoIterator<Item = EventSchema>,
    ) -> Self {
        let mut upcasters = Self::default();
        upcasters.add(stream_type, all, schemas);
        upcasters
    }

    /// Adds the chains and schemas of `stream_type` (see [`Self::with_schemas`]).
    ///
    /// # Panics
    /// As [`Self::with_schemas`]; also when `stream_type` already has a
    /// chain or schema for one of these event types.
    pub fn add(
        &mut self,
        stream_type: &'static str,
        all: impl IntoIterator<Item = Upcaster>,
        schemas: impl IntoIterator<Item = EventSchema>,
    ) {
        let mut steps: HashMap<&'static str, Known> = HashMap::default();
        for u in all {
            steps.entry(u.event_type).or_insert_with(|| Known { latest: 1, chain: Vec::new() }).chain.push(u);
        }
        for (ty, known) in &mut steps {
            known.chain.sort_by_key(|u| u.from);
            for (i, u) in known.chain.iter().enumerate() {
                assert_eq!(u.from as usize, i + 1, "upcaster chain of {ty} must be 1 -> 2 -> … without gaps");
            }
            known.latest = u32::try_from(known.chain.len()).unwrap_or(u32::MAX).saturating_add(1);
        }
        for s in schemas {
            let known = steps.entry(s.event_type).or_insert_with(|| Known { latest: s.latest, chain: Vec::new() });
            assert_eq!(
                known.latest, s.latest,
                "{} declares schema v{}, its upcasters end at v{}",
                s.event_type, s.latest, known.latest
            );
        }
        for (ty, known) in steps {
            let of_type = self.steps.entry(ty).or_default();
            assert!(
                of_type.iter().all(|(st, _)| *st != stream_type),
                "{ty} of {stream_type} has two chains or schemas"
            );
            of_type.push((stream_type, known));
        }
    }

    /// The chain of `event_type` on streams of `stream_type`.
    fn known(&self, stream_type: &str, event_type: &str) -> Option<&Known> {
        self.steps.get(event_type)?.iter().find_map(|(st, known)| (*st == stream_type).then_some(known))
    }

    /// The latest schema version of `event_type` on streams of
    /// `stream_type` (1 when it is not known).
    #[must_use]
    pub fn latest(&self, stream_type: &str, event_type: &str) -> u32 {
        self.known(stream_type, event_type).map_or(1, |k| k.latest)
    }

    /// Whether `event_type` on streams of `stream_type` has a registered
    /// chain or a declared schema.
    #[must_use]
    pub fn knows(&self, stream_type: &str, event_type: &str) -> bool {
        self.known(stream_type, event_type).is_some()
    }

    /// Lifts `payload`, an `event_type` on a stream of `stream_type` written
    /// at `version`, to the latest schema (as it is for a type without a chain).
    ///
    /// # Errors
    /// [`UpcastError::TooNew`] when `version` is beyond the latest known,
    /// [`UpcastError::ZeroVersion`] for version 0 of a known type,
    /// [`UpcastError::BadPayload`] when a step rejects the payload.
    pub fn upcast_value(
        &self,
        position: u64,
        stream_type: &str,
        event_type: &str,
        version: u32,
        mut payload: Value,
    ) -> Result<(u32, Value), UpcastError> {
        // One lookup per event: this runs for every event every fold reads.
        let Some(Known { latest, chain }) = self.known(stream_type, event_type) else {
            return Ok((version, payload));
        };
        let latest = *latest;
        if version == 0 {
            return Err(UpcastError::ZeroVersion { position, event_type: event_type.to_owned() });
        }
        if version >= latest {
            if version > latest {
                return Err(UpcastError::TooNew {
                    position,
                    event_type: event_type.to_owned(),
                    found: version,
                    latest,
                });
            }
            return Ok((version, payload));
        }
        let mut v = version;
        for step in chain.iter().skip(v as usize - 1) {
            payload = (step.step)(payload).map_err(|reason| UpcastError::BadPayload {
                position,
                event_type: event_type.to_owned(),
                version: v,
                reason,
            })?;
            v = step.from + 1;
        }
        Ok((v, payload))
    }

    /// Reads a stored event at the latest schema.
    ///
    /// # Errors
    /// As [`Self::upcast_value`]; also when the stored payload is not JSON.
    pub fn upcast(&self, e: &StoredEvent) -> Result<Event, UpcastError> {
        self.upcast_ref(e.fold_ref())
    }

    /// As [`Self::upcast`], from borrowed fields (a scan's row).
    ///
    /// # Errors
    /// As [`Self::upcast`].
    pub fn upcast_ref(&self, e: EventRef<'_>) -> Result<Event, UpcastError> {
        let (schema_version, payload) =
            self.payload(e.position, e.stream_type, e.event_type, e.schema_version, e.payload)?;
        Ok(Event {
            position: e.position,
            stream_id: e.stream_id.to_owned(),
            stream_type: e.stream_type.to_owned(),
            version: e.version,
            event_type: e.event_type.to_owned(),
            schema_version,
            payload,
            recorded_at: e.recorded_at.to_owned(),
        })
    }

    /// As [`Self::upcast_ref`], into `out`, reusing its strings' buffers: a
    /// fold holding one `Event` across a scan allocates only the payload.
    /// `out` is left as it was on error.
    ///
    /// # Errors
    /// As [`Self::upcast`].
    pub fn upcast_into(&self, e: EventRef<'_>, out: &mut Event) -> Result<(), UpcastError> {
        let (schema_version, payload) =
            self.payload(e.position, e.stream_type, e.event_type, e.schema_version, e.payload)?;
        out.position = e.position;
        e.stream_id.clone_into(&mut out.stream_id);
        e.stream_type.clone_into(&mut out.stream_type);
        out.version = e.version;
        e.event_type.clone_into(&mut out.event_type);
        out.schema_version = schema_version;
        out.payload = payload;
        e.recorded_at.clone_into(&mut out.recorded_at);
        Ok(())
    }

    /// As [`Self::upcast`], moving the stored event's text instead of
    /// copying it.
    ///
    /// # Errors
    /// As [`Self::upcast`].
    pub fn upcast_owned(&self, e: StoredEvent) -> Result<Event, UpcastError> {
        let (schema_version, payload) =
            self.payload(e.position, &e.stream_type, &e.event_type, e.schema_version, &e.payload)?;
        Ok(Event {
            position: e.position,
            stream_id: e.stream_id,
            stream_type: e.stream_type,
            version: e.version,
            event_type: e.event_type,
            schema_version,
            payload,
            recorded_at: e.recorded_at,
        })
    }

    /// Parses `text` and lifts it to the latest schema.
    fn payload(
        &self,
        position: u64,
        stream_type: &str,
        event_type: &str,
        version: u32,
        text: &str,
    ) -> Result<(u32, Value), UpcastError> {
        let payload: Value = serde_json::from_str(text).map_err(|err| UpcastError::BadPayload {
            position,
            event_type: event_type.to_owned(),
            version,
            reason: format!("payload is not JSON: {err}"),
        })?;
        self.upcast_value(position, stream_type, event_type, version, payload)
    }
}

#[cfg(test)]
mod tests;
