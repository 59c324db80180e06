//! Buffered events encoded at once as `COPY … (FORMAT binary)` rows (the
//! columns of `copy_events.sql`), so an event costs no allocation of its own;
//! the few fields an error report needs are read back from the encoding.
//! The correlation id column is computed here from the metadata
//! (`correlation.rs`).

use crate::es::StoreError;
use crate::es::backend::EventRow;
use crate::postgres::correlation::correlation_id;

/// The binary `COPY` header: signature, flags, no extension.
const HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// The end-of-data marker (a tuple of -1 fields).
const TRAILER: &[u8] = &(-1i16).to_be_bytes();

/// Columns per row (see `copy_events.sql`).
const COLUMNS: i16 = 12;

/// Events waiting to be copied, encoded.
#[derive(Default)]
pub struct Rows {
    buf: Vec<u8>,
    /// Where each row starts in `buf`.
    starts: Vec<usize>,
}

/// The fields of an encoded row that identify it.
pub struct Keys<'a> {
    pub position: i64,
    pub event_id: &'a str,
    pub stream_id: &'a str,
    pub version: i64,
}

impl Rows {
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// Appends `e` (a field longer than 2 GiB is refused, as the server would).
    pub fn push(&mut self, e: &EventRow<'_>) -> Result<(), StoreError> {
        let start = self.buf.len();
        let text_len = e.event_id.len()
            + e.stream_id.len()
            + e.stream_type.len()
            + e.event_type.len()
            + e.payload.len()
            + e.metadata.len()
            + e.recorded_at.len();
        self.buf.reserve(2 + 12 * 4 + 8 + 8 + 4 + 32 + text_len + 40);
        self.buf.extend_from_slice(&COLUMNS.to_be_bytes());
        self.int8(super::to_i64(e.position));
        let fields = [e.event_id, e.stream_id, e.stream_type];
        if let Err(err) = fields.iter().try_for_each(|t| self.bytes(t.as_bytes())) {
            self.buf.truncate(start);
            return Err(err);
        }
        self.int8(super::to_i64(e.version));
        let written = self.bytes(e.event_type.as_bytes()).and_then(|()| {
            self.buf.extend_from_slice(&4i32.to_be_bytes());
            self.buf.extend_from_slice(&i32::try_from(e.schema_version).unwrap_or(i32::MAX).to_be_bytes());
            [e.payload, e.metadata, e.recorded_at].iter().try_for_each(|t| self.bytes(t.as_bytes()))?;
            self.bytes(e.hash)?;
            if let Some(id) = correlation_id(e.metadata) {
                self.bytes(id.as_bytes())
            } else {
                self.buf.extend_from_slice(&(-1i32).to_be_bytes()); // NULL
                Ok(())
            }
        });
        if let Err(err) = written {
            self.buf.truncate(start);
            return Err(err);
        }
        self.starts.push(start);
        Ok(())
    }

    fn int8(&mut self, n: i64) {
        self.buf.extend_from_slice(&8i32.to_be_bytes());
        self.buf.extend_from_slice(&n.to_be_bytes());
    }

    fn bytes(&mut self, b: &[u8]) -> Result<(), StoreError> {
        let len = i32::try_from(b.len()).map_err(|_| StoreError::Backend {
            kind: crate::es::backend::BackendKind::Other,
            message: format!("an event field of {} bytes is too large for PostgreSQL", b.len()),
            source: "field longer than 2 GiB".into(),
        })?;
        self.buf.extend_from_slice(&len.to_be_bytes());
        self.buf.extend_from_slice(b);
        Ok(())
    }

    /// The `COPY` data of rows `..end`: header, rows, trailer.
    pub fn data(&self, end: usize) -> [&[u8]; 3] {
        let stop = self.starts.get(end).copied().unwrap_or(self.buf.len());
        [HEADER, &self.buf[..stop], TRAILER]
    }

    /// Row `i`'s identifying fields (None: no such row).
    pub fn keys(&self, i: usize) -> Option<Keys<'_>> {
        let mut at = self.starts.get(i)? + 2;
        let buf = self.buf.as_slice();
        let int8 = |b: &[u8]| Some(i64::from_be_bytes(b.try_into().ok()?));
        let position = int8(field(buf, &mut at)?)?;
        let event_id = std::str::from_utf8(field(buf, &mut at)?).ok()?;
        let stream_id = std::str::from_utf8(field(buf, &mut at)?).ok()?;
        field(buf, &mut at)?; // stream_type
        let version = int8(field(buf, &mut at)?)?;
        Some(Keys { position, event_id, stream_id, version })
    }

    /// An empty buffer with room for as many rows as this one holds.
    pub fn empty_like(&self) -> Self {
        Self { buf: Vec::with_capacity(self.buf.len()), starts: Vec::with_capacity(self.starts.len()) }
    }

    /// Empties the buffer, keeping its allocation.
    pub fn clear(&mut self) {
        self.buf.clear();
        self.starts.clear();
    }
}

/// The field encoded at `*at` in `buf` (moving `at` past it).
fn field<'a>(buf: &'a [u8], at: &mut usize) -> Option<&'a [u8]> {
    let len = usize::try_from(i32::from_be_bytes(buf.get(*at..*at + 4)?.try_into().ok()?)).ok()?;
    let value = buf.get(*at + 4..*at + 4 + len)?;
    *at += 4 + len;
    Some(value)
}
