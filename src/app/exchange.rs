//! Export and import as JSON Lines: one stored event per line, with the
//! storage contract's fields exactly as stored (payload and metadata verbatim,
//! `hash` as lowercase hex), in position order.
//!
//! Import validates the whole file before writing anything, then appends it
//! in one transaction: a malformed line rejects the file, naming the line.

mod facts;
mod import;
mod parse;

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::es::{StoredEvent, Upcasters};

use super::{AppError, Chronicle};
/// Longest accepted line (a stored event), in bytes.
pub const MAX_LINE: usize = 4 * 1024 * 1024;

#[derive(Serialize)]
struct OutLine<'a> {
    position: u64,
    event_id: &'a str,
    stream_id: &'a str,
    stream_type: &'a str,
    version: u64,
    event_type: &'a str,
    schema_version: u32,
    payload: &'a RawValue,
    metadata: &'a RawValue,
    recorded_at: &'a str,
    hash: String,
}

/// One line of an export, owned (it is read on the parser thread and checked
/// on the importing one): payload and metadata kept as the text stored.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InLine {
    position: u64,
    event_id: String,
    stream_id: String,
    stream_type: String,
    version: u64,
    event_type: String,
    schema_version: u32,
    payload: Box<RawValue>,
    metadata: Box<RawValue>,
    recorded_at: String,
    hash: String,
}

/// How an import takes the file's events.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Take the events as new facts, not as this store's history: append
    /// them at the head with new positions and hashes, keeping each one's
    /// id and, in `metadata.imported`, its original position, version, hash
    /// and time.
    pub rechain: bool,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Imported {
    /// Events in the file.
    pub lines: u64,
    /// Events appended (0 when the file was imported before).
    pub appended: u64,
}

fn raw(text: &str) -> Box<RawValue> {
    // Stored text that is not compact one-line JSON is re-encoded as a JSON string.
    if !text.contains(['\n', '\r'])
        && let Ok(r) = RawValue::from_string(text.to_owned())
    {
        return r;
    }
    RawValue::from_string(serde_json::Value::String(text.to_owned()).to_string())
        .unwrap_or_else(|_| RawValue::NULL.to_owned())
}

impl Chronicle {
    /// Writes every event as JSON Lines to `out`, in position order.
    ///
    /// # Errors
    /// Store failures; write failures as [`AppError::Io`].
    pub fn export(&self, out: &mut dyn Write, progress: &mut dyn FnMut(u64, u64)) -> Result<u64, AppError> {
        self.export_from(1, out, progress)
    }

    /// As [`Chronicle::export`], from position `from` on (the events after
    /// a prefix the reader holds already). `progress` counts from `from`.
    ///
    /// # Errors
    /// As [`Chronicle::export`].
    pub fn export_from(
        &self,
        from: u64,
        out: &mut dyn Write,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<u64, AppError> {
        let from = from.max(1);
        let head = self.store.head()?;
        let total = (head + 1).saturating_sub(from);
        let mut n = 0;
        if total == 0 {
            out.flush().map_err(|err| write_error(&err))?;
            progress(0, 0);
            return Ok(0);
        }
        self.store.scan(from, head, |e: StoredEvent| {
            write_event(out, &e)?;
            n += 1;
            if n % 10_000 == 0 {
                progress(n, total);
            }
            Ok::<_, AppError>(())
        })?;
        out.flush().map_err(|err| write_error(&err))?;
        progress(n, total);
        Ok(n)
    }
}

/// One event as one line of an export (the what-if branch export writes
/// its lines with it too, so `import` reads both).
pub(crate) fn write_event(out: &mut dyn Write, e: &StoredEvent) -> Result<(), AppError> {
    let payload = raw(&e.payload);
    let metadata = raw(&e.metadata);
    let line = OutLine {
        position: e.position,
        event_id: &e.event_id,
        stream_id: &e.stream_id,
        stream_type: &e.stream_type,
        version: e.version,
        event_type: &e.event_type,
        schema_version: e.schema_version,
        payload: &payload,
        metadata: &metadata,
        recorded_at: &e.recorded_at,
        hash: e.hash_hex(),
    };
    serde_json::to_writer(&mut *out, &line).map_err(|err| match err.io_error_kind() {
        Some(std::io::ErrorKind::BrokenPipe) => AppError::OutputClosed,
        _ => AppError::Io(format!("export: {err}")),
    })?;
    out.write_all(b"\n").map_err(|err| write_error(&err))
}

/// A failed write of the export: a closed pipe ends it quietly.
fn write_error(err: &std::io::Error) -> AppError {
    if err.kind() == std::io::ErrorKind::BrokenPipe {
        AppError::OutputClosed
    } else {
        AppError::Io(format!("export: {err}"))
    }
}

/// The error for line `n` of `path`. `why` may quote the file (ids, types):
/// control characters are escaped so the message stays one line and cannot
/// drive the terminal.
fn bad_line(path: &Path, n: u64, why: &str) -> AppError {
    let why: String =
        why.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect();
    AppError::BadInput(format!("{}: line {n}: {why}", path.display()))
}

/// One line of an export, read: the stored event and its payload upcast.
struct ReadLine {
    event: InLine,
    /// The line's length in bytes, with its line break.
    len: u64,
    /// Schema version and payload after upcasting.
    upcast: (u32, serde_json::Value),
}

/// Everything about one line that needs no context: a stored event's fields,
/// non-empty names, an RFC 3339 time, and a payload the upcasters can read.
fn read_line(upcasters: &Upcasters, path: &Path, n: u64, line: &str) -> Result<ReadLine, AppError> {
    let bad = |why: String| bad_line(path, n, &why);
    let e: InLine = serde_json::from_str(line).map_err(|err| bad(format!("not a stored event: {err}")))?;
    if e.event_id.is_empty() || e.stream_id.is_empty() || e.stream_type.is_empty() || e.event_type.is_empty() {
        return Err(bad("event_id, stream_id, stream_type and event_type must not be empty".into()));
    }
    if chrono::DateTime::parse_from_rfc3339(&e.recorded_at).is_err() {
        return Err(bad(format!("recorded_at {:?} is not an RFC 3339 time", e.recorded_at)));
    }
    let payload = serde_json::from_str(e.payload.get()).map_err(|err| bad(err.to_string()))?;
    let upcast = upcasters
        .upcast_value(e.position, &e.stream_type, &e.event_type, e.schema_version, payload)
        .map_err(|err| bad(err.to_string()))?;
    Ok(ReadLine { event: e, len: line.len() as u64 + 1, upcast })
}

/// Opens the export at `path` to read.
fn open_file(path: &Path) -> Result<BufReader<File>, AppError> {
    let file = File::open(path).map_err(|e| AppError::BadInput(format!("cannot read {}: {e}", path.display())))?;
    Ok(BufReader::new(file))
}

/// Calls `f(line_number, line)` for every non-empty line `reader` gives
/// (`path`: its name in messages).
fn for_each_line(
    reader: &mut dyn BufRead,
    path: &Path,
    f: &mut dyn FnMut(u64, &str) -> Result<(), AppError>,
) -> Result<(), AppError> {
    let mut buf = Vec::new();
    let mut n = 0u64;
    loop {
        buf.clear();
        let read = (&mut *reader)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|e| AppError::BadInput(format!("cannot read {}: {e}", path.display())))?;
        if read == 0 {
            return Ok(());
        }
        n += 1;
        if buf.len() > MAX_LINE {
            return Err(AppError::BadInput(format!("{}: line {n}: longer than {MAX_LINE} bytes", path.display())));
        }
        let line = std::str::from_utf8(&buf)
            .map_err(|_| AppError::BadInput(format!("{}: line {n}: not UTF-8", path.display())))?
            .trim_end_matches(['\n', '\r']);
        if !line.trim().is_empty() {
            f(n, line)?;
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::Registry;

    const GOOD: &str = r#"{"position":1,"event_id":"e-1","stream_id":"acc-1","stream_type":"BankAccount","version":1,"event_type":"MoneyDeposited","schema_version":1,"payload":{"amount":12.5},"metadata":{"actor":"ada"},"recorded_at":"2026-01-01T00:00:00Z","hash":"00"}"#;

    fn cases() -> u32 {
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256)
    }

    #[test]
    fn a_good_line_reads() {
        let r = Registry::builtin();
        let e = read_line(r.upcasters(), Path::new("f"), 1, GOOD).unwrap();
        assert_eq!((e.event.position, e.event.payload.get()), (1, r#"{"amount":12.5}"#));
        assert_eq!(e.upcast.0, 3);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

        /// The import line reader on mutated stored events and on junk: an
        /// event or a one-line error, never a panic.
        #[test]
        fn the_line_reader_never_panics(cut in 0usize..400, at in 0usize..400, insert in "\\PC{0,6}", junk in "\\PC{0,40}") {
            let r = Registry::builtin();
            let mut mutated: String = GOOD.chars().take(cut.max(at)).collect();
            let split = mutated.char_indices().nth(at.min(cut)).map_or(mutated.len(), |(i, _)| i);
            mutated.insert_str(split, &insert);
            mutated.extend(GOOD.chars().skip(cut.max(at) + 1));
            for line in [mutated.as_str(), junk.as_str()] {
                if let Err(e) = read_line(r.upcasters(), Path::new("f.jsonl"), 7, line) {
                    let msg = e.to_string();
                    prop_assert!(msg.starts_with("f.jsonl: line 7: ") && !msg.contains('\n'), "{msg}");
                }
            }
        }
    }
}
