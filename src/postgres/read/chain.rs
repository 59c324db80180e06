//! The hash chain's read (`verify --chain`): every field of every event, as
//! one binary `COPY … TO STDOUT` stream per page of positions instead of
//! rows decoded one column at a time. The fields are borrowed straight from
//! the stream's buffer: no allocation per event.
//!
//! In a store of schema version 3 each event's `correlation_id` column comes
//! along and is checked against its (hashed) metadata: a column that says
//! otherwise is damage, as a hash of the wrong length is.
//!
//! The binary COPY format: an 11-byte signature, 32-bit flags and a 32-bit
//! header-extension length (and that many bytes); then per tuple a 16-bit
//! field count (−1 ends the data) and per field a 32-bit length (−1 = NULL)
//! and that many bytes, integers big-endian.

use std::io::BufRead;

use super::super::conn::Conn;
use super::super::error::damaged;
use crate::es::StoreError;
use crate::es::backend::BackendKind;
use crate::es::hash::HashInput;
use crate::es::store::ChainRow;
use crate::postgres::correlation::correlation_id;

/// Positions per `COPY` (each a range of the primary key the planner walks
/// by its index, never a sort of the rest of the log).
const COPY_PAGE: i64 = 100_000;

const SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";

/// The columns, in the order [`tuple`] reads them (then `correlation_id`,
/// where the store has it).
const COLUMNS: &str = "position, event_id, stream_id, stream_type, version, event_type, \
                       schema_version, payload, metadata, recorded_at, hash";

/// Where a stream stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Before the header.
    Header,
    /// Reading tuples.
    Tuples,
    /// After the end marker.
    Done,
}

/// Reads `n` bytes at `*at`, if there are that many.
fn take<'a>(buf: &'a [u8], at: &mut usize, n: usize) -> Option<&'a [u8]> {
    let end = at.checked_add(n)?;
    let out = buf.get(*at..end)?;
    *at = end;
    Some(out)
}

fn be_i32(b: &[u8]) -> i32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(b);
    i32::from_be_bytes(a)
}

/// The header, if `buf` holds all of it: its length.
fn header(buf: &[u8]) -> Result<Option<usize>, StoreError> {
    let mut at = 0;
    let Some(sig) = take(buf, &mut at, 11) else { return Ok(None) };
    if sig != SIGNATURE {
        return Err(damaged("the COPY stream of events", "it does not start with the binary COPY signature"));
    }
    let Some(fixed) = take(buf, &mut at, 8) else { return Ok(None) };
    let ext = usize::try_from(be_i32(&fixed[4..])).map_err(|_| damaged("the COPY stream of events", "bad header"))?;
    Ok(take(buf, &mut at, ext).map(|_| at))
}

/// One field of the tuple at `*at`: `None` when `buf` ends first.
fn field<'a>(buf: &'a [u8], at: &mut usize, position: u64) -> Result<Option<&'a [u8]>, StoreError> {
    let Some(len) = take(buf, at, 4) else { return Ok(None) };
    let Ok(len) = usize::try_from(be_i32(len)) else {
        return Err(damaged(format!("position {position}"), "a column of the event is NULL"));
    };
    Ok(take(buf, at, len))
}

fn int8(b: &[u8], what: &str) -> Result<u64, StoreError> {
    let a: [u8; 8] = b.try_into().map_err(|_| damaged(format!("column {what}"), "not a bigint"))?;
    let n = i64::from_be_bytes(a);
    u64::try_from(n).map_err(|_| damaged(format!("column {what}"), format!("negative value {n}")))
}

fn text<'a>(b: &'a [u8], what: &str, position: u64) -> Result<&'a str, StoreError> {
    std::str::from_utf8(b).map_err(|e| damaged(format!("position {position}"), format!("column {what}: {e}")))
}

/// The correlation id field at `*at` (`Some(None)`: NULL; `None`: `buf`
/// ends first), checked against the event's metadata.
fn correlation(buf: &[u8], at: &mut usize, position: u64, metadata: &str) -> Result<Option<()>, StoreError> {
    let Some(len) = take(buf, at, 4) else { return Ok(None) };
    let stored = match usize::try_from(be_i32(len)) {
        Ok(len) => match take(buf, at, len) {
            Some(b) => Some(text(b, "correlation_id", position)?),
            None => return Ok(None),
        },
        Err(_) => None,
    };
    let said = correlation_id(metadata);
    if stored == said.as_deref() {
        return Ok(Some(()));
    }
    let show = |v: Option<&str>| v.map_or_else(|| "NULL".to_owned(), |v| format!("{v:?}"));
    Err(damaged(
        format!("position {position}"),
        format!(
            "column correlation_id is {}, its metadata's correlation id is {} (the column was altered)",
            show(stored),
            show(said.as_deref())
        ),
    ))
}

/// The tuple at `*at` as a chain row (`None`: `buf` ends inside it); with
/// `checked`, it ends with the correlation id column, checked.
fn tuple<'a>(buf: &'a [u8], at: &mut usize, checked: bool) -> Result<Option<ChainRow<'a>>, StoreError> {
    let mut fields: [&'a [u8]; 11] = [&[]; 11];
    let mut position = 0;
    for (i, slot) in fields.iter_mut().enumerate() {
        let Some(f) = field(buf, at, position)? else { return Ok(None) };
        if i == 0 {
            position = int8(f, "position")?;
        }
        *slot = f;
    }
    let [
        _,
        event_id,
        stream_id,
        stream_type,
        version,
        event_type,
        schema_version,
        payload,
        metadata,
        recorded_at,
        hash,
    ] = fields;
    let sv: [u8; 4] = schema_version.try_into().map_err(|_| damaged("column schema_version", "not an integer"))?;
    let sv = i32::from_be_bytes(sv);
    let schema_version =
        u32::try_from(sv).map_err(|_| damaged("column schema_version", format!("negative value {sv}")))?;
    let metadata = text(metadata, "metadata", position)?;
    if checked && correlation(buf, at, position, metadata)?.is_none() {
        return Ok(None);
    }
    Ok(Some(ChainRow {
        input: HashInput {
            position,
            event_id: text(event_id, "event_id", position)?,
            stream_id: text(stream_id, "stream_id", position)?,
            stream_type: text(stream_type, "stream_type", position)?,
            version: int8(version, "version")?,
            event_type: text(event_type, "event_type", position)?,
            schema_version,
            payload: text(payload, "payload", position)?,
            metadata,
            recorded_at: text(recorded_at, "recorded_at", position)?,
        },
        hash,
    }))
}

/// Hands every complete tuple of `buf` to `f`; the bytes used.
fn parse(
    buf: &[u8],
    stage: &mut Stage,
    rows: &mut u64,
    checked: bool,
    f: &mut dyn FnMut(ChainRow<'_>) -> Result<(), StoreError>,
) -> Result<usize, StoreError> {
    let want = if checked { 12 } else { 11 };
    let mut used = 0;
    if *stage == Stage::Header {
        let Some(n) = header(buf)? else { return Ok(0) };
        used = n;
        *stage = Stage::Tuples;
    }
    while *stage == Stage::Tuples {
        let mut at = used;
        let Some(count) = take(buf, &mut at, 2) else { break };
        match i16::from_be_bytes([count[0], count[1]]) {
            -1 => *stage = Stage::Done,
            n if n == want => {
                let Some(row) = tuple(buf, &mut at, checked)? else { break };
                *rows += 1;
                f(row)?;
            }
            n => return Err(damaged("the COPY stream of events", format!("a tuple of {n} fields, expected {want}"))),
        }
        used = at;
    }
    Ok(used)
}

impl Conn {
    /// The events at positions `from..=to` (one `COPY` of `sql`), each
    /// handed to `f` as it arrives; how many there were. `f` runs while
    /// the session streams: it must not read through this session.
    fn copy_chain_page(
        &self,
        (from, to): (i64, i64),
        checked: bool,
        f: &mut dyn FnMut(ChainRow<'_>) -> Result<(), StoreError>,
    ) -> Result<u64, StoreError> {
        let more = if checked { ", correlation_id" } else { "" };
        let sql = format!(
            "COPY (SELECT {COLUMNS}{more} FROM events WHERE position >= {from} AND position <= {to} \
             ORDER BY position) TO STDOUT (FORMAT binary)"
        );
        let (mut stage, mut rows) = (Stage::Header, 0u64);
        let mut pending: Vec<u8> = Vec::new();
        self.with_copy_out(&sql, &mut |reader| {
            loop {
                let chunk = reader.fill_buf().map_err(|e| copy_error(self, e))?;
                if chunk.is_empty() {
                    break;
                }
                let n = chunk.len();
                // Whole tuples straight from the message; a tuple split
                // across messages is put together in `pending`.
                if pending.is_empty() {
                    let used = parse(chunk, &mut stage, &mut rows, checked, &mut *f)?;
                    pending.extend_from_slice(&chunk[used..]);
                } else {
                    pending.extend_from_slice(chunk);
                    let used = parse(&pending, &mut stage, &mut rows, checked, &mut *f)?;
                    pending.drain(..used);
                }
                reader.consume(n);
            }
            Ok(())
        })?;
        if stage != Stage::Done {
            return Err(damaged("the COPY stream of events", "it ended inside a tuple"));
        }
        Ok(rows)
    }

    /// Every event of `from..=to` in position order, as [`Conn::pages`]
    /// reads them (a missing page jumps to the next stored position), each
    /// page one binary `COPY`.
    pub fn scan_chain(
        &self,
        from: u64,
        to: u64,
        f: &mut dyn FnMut(ChainRow<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        // A page of 100,000 events sorted would go to disk.
        self.in_key_order(&mut || self.copy_pages(from, to, COPY_PAGE, f))
    }

    /// [`Conn::scan_chain`] by `COPY`s of `page` positions.
    pub(in crate::postgres) fn copy_pages(
        &self,
        from: u64,
        to: u64,
        page: i64,
        f: &mut dyn FnMut(ChainRow<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let checked = self.correlation_version()? >= 3;
        self.walk_pages(from, to, page, &mut |from, end| Ok(self.copy_chain_page((from, end), checked, f)? > 0))
    }
}

/// An error of the COPY stream: the server's (inside the I/O error the
/// reader makes of it) as any other of its errors, else the stream's own.
fn copy_error(conn: &Conn, e: std::io::Error) -> StoreError {
    match e.into_inner().map(<dyn std::error::Error + Send + Sync>::downcast::<postgres::Error>) {
        Some(Ok(pg)) => conn.error(*pg),
        Some(Err(other)) => StoreError::Backend {
            kind: BackendKind::Unreachable,
            message: format!("the connection to PostgreSQL was lost: {other}"),
            source: other,
        },
        None => StoreError::Backend {
            kind: BackendKind::Unreachable,
            message: "the connection to PostgreSQL was lost".to_owned(),
            source: "COPY stream".into(),
        },
    }
}
