//! Inserting one event: the hash-chain link, the row, the stream summary.

use super::super::StoreError;
use super::super::read::StreamInfo;
use crate::es::backend::{EventRow, Writes};
use crate::es::hash::{self, HashInput};

/// A stream's summary as of this transaction; `dirty` until written back
/// (see [`WriteTx::flush_streams`]). Version 0: not written yet.
#[derive(Debug)]
pub(in crate::es::store) struct CachedStream {
    pub(super) info: StreamInfo,
    pub(super) dirty: bool,
}

/// One event to insert, borrowed.
#[derive(Clone, Copy)]
pub(super) struct Put<'a> {
    pub(super) stream_id: &'a str,
    pub(super) stream_type: &'a str,
    pub(super) event_id: &'a str,
    pub(super) event_type: &'a str,
    pub(super) schema_version: u32,
    pub(super) payload: &'a str,
    pub(super) metadata: &'a str,
    pub(super) recorded_at: &'a str,
}

/// Where an inserted event landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link {
    /// Its position.
    pub position: u64,
    /// Its version in its stream.
    pub version: u64,
    /// Its hash-chain link.
    pub hash: [u8; 32],
}

pub(super) fn vanished(stream_id: &str) -> StoreError {
    StoreError::Damaged { what: stream_id.to_owned(), reason: "stream summary vanished".into() }
}

/// Inserts one event after `head` / `last_hash` into `stream` (already checked).
pub(super) fn put(
    w: &mut dyn Writes,
    head: &mut u64,
    last_hash: &mut [u8; 32],
    stream: &mut CachedStream,
    e: Put<'_>,
) -> Result<Link, StoreError> {
    let position = *head + 1;
    let version = stream.info.version + 1;
    let hash = hash::link(
        last_hash,
        HashInput {
            position,
            event_id: e.event_id,
            stream_id: e.stream_id,
            stream_type: e.stream_type,
            version,
            event_type: e.event_type,
            schema_version: e.schema_version,
            payload: e.payload,
            metadata: e.metadata,
            recorded_at: e.recorded_at,
        },
    );
    w.insert_event(&EventRow {
        position,
        event_id: e.event_id,
        stream_id: e.stream_id,
        stream_type: e.stream_type,
        version,
        event_type: e.event_type,
        schema_version: e.schema_version,
        payload: e.payload,
        metadata: e.metadata,
        recorded_at: e.recorded_at,
        hash: &hash,
    })?;
    *head = position;
    *last_hash = hash;
    let info = &mut stream.info;
    if info.version == 0 {
        e.stream_type.clone_into(&mut info.stream_type);
        info.first_position = position;
    }
    info.version = version;
    info.last_position = position;
    stream.dirty = true;
    Ok(Link { position, version, hash })
}
