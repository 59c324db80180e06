//! The transition check of events arriving from outside (an import): each
//! one must decode and obey its aggregate's rules given its stream's state
//! as of the store plus the file's earlier lines.

use rustc_hash::FxHashMap as HashMap;
use serde_json::Value;

use crate::app::AppError;
use crate::domain::Registry;
use crate::es::store::StreamReader;
use crate::es::{DynState, Event};

/// An event about to be recorded, upcast.
#[derive(Debug)]
pub struct Incoming<'a> {
    /// Its position (as the file says).
    pub position: u64,
    /// Stream id.
    pub stream_id: &'a str,
    /// Stream type.
    pub stream_type: &'a str,
    /// Version within the stream.
    pub version: u64,
    /// Event type.
    pub event_type: &'a str,
    /// Schema version after upcasting.
    pub schema_version: u32,
    /// Upcast payload (given back by [`Transitions::check`]).
    pub payload: Value,
    /// RFC 3339 time.
    pub recorded_at: &'a str,
}

/// The states of every stream seen so far, folded event by event.
#[derive(Debug, Default)]
pub struct Transitions {
    states: HashMap<String, Box<dyn DynState>>,
    /// Reused across events: only the payload is moved in and out.
    scratch: Event,
}

impl Transitions {
    /// Starts `stream_id` from its aggregate's fresh state without reading
    /// the store: for a stream the store holds no event of (what loading it
    /// would give). A stream seen already, or of a type no domain knows, is
    /// left as it is.
    pub fn start_fresh(&mut self, registry: &Registry, stream_id: &str, stream_type: &str) {
        if registry.kind(stream_type).is_some() && !self.states.contains_key(stream_id) {
            self.states.insert(stream_id.to_owned(), registry.fresh_state(stream_type));
        }
    }

    /// Checks `e` against its stream's state (loaded from `reader` the first
    /// time the stream is seen), folds it, and gives its payload back.
    /// `refuse` turns a refusal's reason into the caller's error (naming the
    /// line). An event of a stream type no domain registered passes as it
    /// is: no aggregate has rules for it (it stays read-only).
    ///
    /// # Errors
    /// `refuse(reason)` for a [`Violation`](crate::es::aggregate::Violation); store failures while loading a
    /// stream.
    pub fn check(
        &mut self,
        reader: &impl StreamReader,
        registry: &Registry,
        e: Incoming<'_>,
        refuse: impl Fn(String) -> AppError,
    ) -> Result<Value, AppError> {
        if registry.kind(e.stream_type).is_none() {
            // No domain knows this stream type: it has no rules to obey. It
            // is kept read-only, as written (its chain, position, version and
            // id are checked by the import like every line's).
            return Ok(e.payload);
        }
        if !self.states.contains_key(e.stream_id) {
            let state = super::load(reader, registry, e.stream_id, e.stream_type, u64::MAX)?.state;
            self.states.insert(e.stream_id.to_owned(), state);
        }
        let Some(state) = self.states.get_mut(e.stream_id) else {
            return Err(AppError::Io(format!("stream {} vanished while importing", e.stream_id)));
        };
        let s = &mut self.scratch;
        s.position = e.position;
        e.stream_id.clone_into(&mut s.stream_id);
        e.stream_type.clone_into(&mut s.stream_type);
        s.version = e.version;
        e.event_type.clone_into(&mut s.event_type);
        s.schema_version = e.schema_version;
        s.payload = e.payload;
        e.recorded_at.clone_into(&mut s.recorded_at);
        let checked = state.check_apply(s);
        let payload = std::mem::take(&mut s.payload);
        checked.map_err(|v| refuse(v.to_string()))?;
        Ok(payload)
    }
}
