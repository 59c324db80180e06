//! The hash chain's scan (`verify --chain`): each page of positions comes as
//! one binary `COPY … TO STDOUT` of exactly the fields the hash covers,
//! read whole and then decoded in place (no per-row allocation), so the
//! client hashes with the session free, as every scan's callback runs.

use std::io::Read as _;

use super::conn::{Conn, PAGE, col};
use super::error::damaged;
use crate::es::StoreError;
use crate::es::hash::HashInput;
use crate::es::store::ChainRow;

/// The binary COPY signature, flags and header extension length.
const HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0";

/// Fields per row of `copy_chain.sql`.
const FIELDS: i16 = 11;

impl Conn {
    /// Every event's hashed fields and stored hash with `from <= position <= to`, in order.
    pub fn copy_chain(
        &self,
        from: u64,
        to: u64,
        f: &mut dyn FnMut(ChainRow<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let to = super::conn::to_i64(to);
        let mut from = super::conn::to_i64(from.max(1));
        let mut buf = Vec::new();
        while from <= to {
            let end = from.saturating_add(PAGE - 1).min(to);
            let sql = include_str!("sql/copy_chain.sql")
                .replace("{from}", &from.to_string())
                .replace("{to}", &end.to_string());
            buf.clear();
            let read = self.with(|c| {
                let mut reader = c.copy_out(sql.as_str())?;
                Ok(reader.read_to_end(&mut buf))
            })?;
            read.map_err(|e| self.copy_error(e))?;
            let rows = rows(&buf, f)?;
            if end >= to {
                return Ok(());
            }
            from = if rows == 0 {
                let sql = "SELECT min(position) FROM events WHERE position > $1 AND position <= $2";
                match self.query_opt(sql, &[&end, &to])?.map(|r| col::<Option<i64>>(&r, 0)).transpose()?.flatten() {
                    Some(next) => next,
                    None => return Ok(()),
                }
            } else {
                end.saturating_add(1)
            };
        }
        Ok(())
    }
}

impl Conn {
    /// A failed read of a COPY stream: the client's own error inside, mapped
    /// as every other failure of the session is.
    fn copy_error(&self, e: std::io::Error) -> StoreError {
        match e.into_inner().map(|inner| inner.downcast::<postgres::Error>()) {
            Some(Ok(pg)) => self.error(*pg),
            Some(Err(other)) => damaged("the events' COPY stream", other),
            None => damaged("the events' COPY stream", "read failed"),
        }
    }
}

/// Reads a binary COPY stream.
struct Cursor<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], StoreError> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.buf.len()).ok_or_else(truncated)?;
        let out = &self.buf[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn i16(&mut self) -> Result<i16, StoreError> {
        let b = self.take(2)?;
        Ok(i16::from_be_bytes([b[0], b[1]]))
    }

    fn i32(&mut self) -> Result<i32, StoreError> {
        let b = self.take(4)?;
        Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// One field's bytes (a NULL is damage: every column is NOT NULL).
    fn field(&mut self, what: &str) -> Result<&'a [u8], StoreError> {
        let len = usize::try_from(self.i32()?).map_err(|_| damaged(format!("column {what}"), "NULL"))?;
        self.take(len)
    }

    fn int(&mut self, what: &str) -> Result<u64, StoreError> {
        let b = self.field(what)?;
        let n = <[u8; 8]>::try_from(b).map(i64::from_be_bytes).map_err(|_| damaged(format!("column {what}"), "not a bigint"))?;
        u64::try_from(n).map_err(|_| damaged(format!("column {what}"), format!("negative value {n}")))
    }

    fn text(&mut self, what: &str) -> Result<&'a str, StoreError> {
        std::str::from_utf8(self.field(what)?).map_err(|e| damaged(format!("column {what}"), e))
    }
}

fn truncated() -> StoreError {
    damaged("the events' COPY stream", "truncated")
}

/// Calls `f` for each row of one binary COPY of `copy_chain.sql`; how many rows.
fn rows(buf: &[u8], f: &mut dyn FnMut(ChainRow<'_>) -> Result<(), StoreError>) -> Result<u64, StoreError> {
    let mut c = Cursor { buf, at: 0 };
    if c.take(HEADER.len())? != HEADER {
        return Err(damaged("the events' COPY stream", "no binary COPY header"));
    }
    let _flags = c.i32()?;
    let ext = usize::try_from(c.i32()?).map_err(|_| truncated())?;
    c.take(ext)?;
    let mut n = 0;
    loop {
        match c.i16()? {
            -1 => return Ok(n),
            FIELDS => {}
            other => return Err(damaged("the events' COPY stream", format!("{other} fields in a row"))),
        }
        let position = c.int("position")?;
        let input = HashInput {
            position,
            event_id: c.text("event_id")?,
            stream_id: c.text("stream_id")?,
            stream_type: c.text("stream_type")?,
            version: c.int("version")?,
            event_type: c.text("event_type")?,
            schema_version: {
                let b = c.field("schema_version")?;
                let v = <[u8; 4]>::try_from(b)
                    .map(i32::from_be_bytes)
                    .map_err(|_| damaged("column schema_version", "not an integer"))?;
                u32::try_from(v).map_err(|_| damaged("column schema_version", format!("negative value {v}")))?
            },
            payload: c.text("payload")?,
            metadata: c.text("metadata")?,
            recorded_at: c.text("recorded_at")?,
        };
        let hash = c.field("hash")?;
        f(ChainRow { input, hash })?;
        n += 1;
    }
}
