//! The audit hash chain: `hash = SHA-256(previous hash ‖ canonical bytes)`.
//!
//! The canonical bytes of an event are its storage-contract fields in a fixed
//! order, each as a little-endian `u64` length followed by its UTF-8 bytes
//! (numbers in decimal). Length prefixes make the encoding unambiguous: no two
//! different events share canonical bytes. The first event chains from 32
//! zero bytes.

use sha2::{Digest, Sha256};

use super::event::StoredEvent;

/// The "previous hash" of position 1.
pub const GENESIS: [u8; 32] = [0; 32];

/// The fields that enter an event's hash, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct HashInput<'a> {
    /// Global position.
    pub position: u64,
    /// Event id.
    pub event_id: &'a str,
    /// Stream id.
    pub stream_id: &'a str,
    /// Stream type.
    pub stream_type: &'a str,
    /// Version in the stream.
    pub version: u64,
    /// Event type.
    pub event_type: &'a str,
    /// Stored schema version.
    pub schema_version: u32,
    /// Stored payload text.
    pub payload: &'a str,
    /// Stored metadata text.
    pub metadata: &'a str,
    /// Stored timestamp.
    pub recorded_at: &'a str,
}

impl<'a> From<&'a StoredEvent> for HashInput<'a> {
    fn from(e: &'a StoredEvent) -> Self {
        Self {
            position: e.position,
            event_id: &e.event_id,
            stream_id: &e.stream_id,
            stream_type: &e.stream_type,
            version: e.version,
            event_type: &e.event_type,
            schema_version: e.schema_version,
            payload: &e.payload,
            metadata: &e.metadata,
            recorded_at: &e.recorded_at,
        }
    }
}

/// The chain link for `event` after `previous`.
#[must_use]
pub fn link(previous: &[u8; 32], event: HashInput<'_>) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(previous);
    let mut field = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    let mut buf = [0u8; 20];
    field(decimal(event.position, &mut buf));
    field(event.event_id.as_bytes());
    field(event.stream_id.as_bytes());
    field(event.stream_type.as_bytes());
    field(decimal(event.version, &mut buf));
    field(event.event_type.as_bytes());
    field(decimal(u64::from(event.schema_version), &mut buf));
    field(event.payload.as_bytes());
    field(event.metadata.as_bytes());
    field(event.recorded_at.as_bytes());
    h.finalize().into()
}

/// `n` in decimal ASCII, written into `buf` (no allocation: the chain is
/// checked millions of times per `verify`).
fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        // `n % 10` is a single digit.
        #[allow(clippy::cast_possible_truncation)]
        let digit = (n % 10) as u8;
        buf[i] = b'0' + digit;
        n /= 10;
        if n == 0 {
            return &buf[i..];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(payload: &str) -> HashInput<'_> {
        HashInput {
            position: 1,
            event_id: "e",
            stream_id: "acc-1",
            stream_type: "BankAccount",
            version: 1,
            event_type: "AccountOpened",
            schema_version: 1,
            payload,
            metadata: "{}",
            recorded_at: "2026-01-01T00:00:00Z",
        }
    }

    #[test]
    fn decimal_matches_display() {
        let mut buf = [0u8; 20];
        for n in [0, 1, 9, 10, 99, 100, 12_345, u64::MAX] {
            assert_eq!(decimal(n, &mut buf), n.to_string().as_bytes());
        }
    }

    #[test]
    fn any_change_changes_the_link() {
        let a = link(&GENESIS, input(r#"{"owner":"Ada"}"#));
        let b = link(&GENESIS, input(r#"{"owner":"Adb"}"#));
        assert_ne!(a, b);
        assert_ne!(link(&a, input("{}")), link(&b, input("{}")), "the chain carries history");
    }

    #[test]
    fn numbers_are_hashed_as_their_decimal_text() {
        let mut buf = [0u8; 20];
        for n in [0, 7, 10, 99, 100, 12_345, u64::from(u32::MAX), u64::MAX] {
            assert_eq!(decimal(n, &mut buf), n.to_string().as_bytes());
        }
    }

    #[test]
    fn field_boundaries_are_unambiguous() {
        let mut x = input("{}");
        x.stream_id = "ab";
        x.stream_type = "c";
        let mut y = input("{}");
        y.stream_id = "a";
        y.stream_type = "bc";
        assert_ne!(link(&GENESIS, x), link(&GENESIS, y));
    }
}
