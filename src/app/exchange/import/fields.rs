//! A line's fields as the store takes them: the hash input, the event to
//! append, and the hash as exported.

use super::InLine;
use crate::es::PendingEvent;
use crate::es::hash::HashInput;

/// The fields of a line that enter its hash.
pub(super) fn input(e: &InLine) -> HashInput<'_> {
    HashInput {
        position: e.position,
        event_id: &e.event_id,
        stream_id: &e.stream_id,
        stream_type: &e.stream_type,
        version: e.version,
        event_type: &e.event_type,
        schema_version: e.schema_version,
        payload: e.payload.get(),
        metadata: e.metadata.get(),
        recorded_at: &e.recorded_at,
    }
}

/// The event of line `e`, to append with `metadata` and `recorded_at`.
pub(super) fn pending_event(e: &InLine, metadata: String, recorded_at: Option<String>) -> PendingEvent {
    PendingEvent {
        event_id: e.event_id.clone(),
        event_type: e.event_type.clone(),
        schema_version: e.schema_version,
        payload: e.payload.get().to_owned(),
        metadata,
        recorded_at,
    }
}

/// A line's `hash` field as bytes, if it is 64 lowercase hex digits (as
/// exported).
pub(super) fn parse_hash(text: &str) -> Option<[u8; 32]> {
    fn nibble(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            _ => None,
        }
    }
    let mut h = [0u8; 32];
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    for (out, pair) in h.iter_mut().zip(bytes.chunks_exact(2)) {
        *out = nibble(pair[0])? << 4 | nibble(pair[1])?;
    }
    Some(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_read_as_exported_lowercase_hex_only() {
        let h: [u8; 32] = std::array::from_fn(|i| u8::try_from(i * 7).unwrap());
        let text = hex::encode(h);
        assert_eq!(parse_hash(&text), Some(h));
        for bad in
            [text.to_uppercase(), text[..62].to_owned(), format!("{text}00"), text.replace('a', "g"), String::new()]
        {
            assert_eq!(parse_hash(&bad), None, "{bad}");
        }
    }
}
