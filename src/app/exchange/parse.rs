//! The import's lines parsed on a second thread: while the importing thread
//! checks and appends one batch (and waits for the engine), the next is
//! parsed. Results come back in file order, so the first bad line is still
//! the one reported, after every line before it.

use std::io::BufRead;
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use super::{AppError, ReadLine, for_each_line, read_line};
use crate::es::Upcasters;

/// Lines per batch handed to the parser, at most.
const BATCH: usize = 1_024;

/// Bytes of lines per batch, about (a batch of long lines is sent early).
const BATCH_BYTES: usize = 4 * 1024 * 1024;

/// Batches read but not yet checked, at most (bounds memory; both channels
/// hold this many, so neither side blocks the other for good).
const DEPTH: usize = 2;

type Parsed = Vec<(u64, Result<ReadLine, AppError>)>;

/// Calls `f(line_number, read)` for every non-empty line of `reader`, in
/// order, with the line read by [`read_line`] (`path`: its name in
/// messages). A line that cannot be read (too long, not UTF-8) fails after
/// every line before it was given to `f`.
pub(super) fn for_each_read_line(
    reader: &mut dyn BufRead,
    path: &Path,
    upcasters: &Upcasters,
    f: &mut dyn FnMut(u64, Result<ReadLine, AppError>) -> Result<(), AppError>,
) -> Result<(), AppError> {
    std::thread::scope(|scope| {
        let (lines_tx, lines_rx) = sync_channel::<Vec<(u64, String)>>(DEPTH);
        let (parsed_tx, parsed_rx) = sync_channel::<Parsed>(DEPTH);
        scope.spawn(move || parse_batches(&lines_rx, &parsed_tx, upcasters, path));
        let mut pipe = Pipe { lines_tx, parsed_rx, in_flight: 0, batch: Vec::with_capacity(BATCH), bytes: 0 };
        // Whether `f` (not the reader) failed: then nothing more is checked.
        let mut refused = false;
        let read = for_each_line(reader, path, &mut |n, line| {
            pipe.batch.push((n, line.to_owned()));
            pipe.bytes += line.len();
            if pipe.batch.len() >= BATCH || pipe.bytes >= BATCH_BYTES {
                pipe.send(f).inspect_err(|_| refused = true)?;
            }
            Ok(())
        });
        if refused {
            return read;
        }
        pipe.send(f)?;
        while pipe.in_flight > 0 {
            pipe.take(f)?;
        }
        read
    })
}

/// The importing thread's ends of the two channels.
struct Pipe {
    lines_tx: SyncSender<Vec<(u64, String)>>,
    parsed_rx: Receiver<Parsed>,
    /// Batches sent and not yet taken back.
    in_flight: usize,
    /// Lines read, not yet sent, and their bytes.
    batch: Vec<(u64, String)>,
    bytes: usize,
}

impl Pipe {
    /// Sends the lines read (checking the oldest batch first when `DEPTH`
    /// are in flight).
    fn send(
        &mut self,
        f: &mut dyn FnMut(u64, Result<ReadLine, AppError>) -> Result<(), AppError>,
    ) -> Result<(), AppError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        if self.in_flight >= DEPTH {
            self.take(f)?;
        }
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        self.bytes = 0;
        self.lines_tx.send(batch).map_err(|_| stopped())?;
        self.in_flight += 1;
        Ok(())
    }

    /// Checks the oldest batch in flight.
    fn take(
        &mut self,
        f: &mut dyn FnMut(u64, Result<ReadLine, AppError>) -> Result<(), AppError>,
    ) -> Result<(), AppError> {
        let parsed = self.parsed_rx.recv().map_err(|_| stopped())?;
        self.in_flight -= 1;
        parsed.into_iter().try_for_each(|(n, read)| f(n, read))
    }
}

/// The parser thread: batches of lines in, read lines out, until either
/// side hangs up.
fn parse_batches(
    lines: &Receiver<Vec<(u64, String)>>,
    parsed: &SyncSender<Parsed>,
    upcasters: &Upcasters,
    path: &Path,
) {
    for batch in lines {
        let out: Parsed = batch.into_iter().map(|(n, line)| (n, read_line(upcasters, path, n, &line))).collect();
        if parsed.send(out).is_err() {
            return;
        }
    }
}

fn stopped() -> AppError {
    AppError::Io("import: the line parser stopped".into())
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::domain::Registry;

    const GOOD: &str = r#"{"position":1,"event_id":"e-1","stream_id":"acc-1","stream_type":"BankAccount","version":1,"event_type":"MoneyDeposited","schema_version":1,"payload":{"amount":12.5},"metadata":{"actor":"ada"},"recorded_at":"2026-01-01T00:00:00Z","hash":"00"}"#;

    /// A file of good lines, with `bad` bytes as the lines named.
    fn file(lines: u64, bad: &[(u64, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for n in 1..=lines {
            out.extend_from_slice(bad.iter().find(|(at, _)| *at == n).map_or(GOOD.as_bytes(), |(_, b)| b));
            out.push(b'\n');
        }
        out
    }

    /// The lines given to the checker (stopping at the first bad one) and the error.
    fn run(bytes: Vec<u8>) -> (Vec<u64>, Result<(), AppError>) {
        let r = Registry::builtin();
        let mut seen = Vec::new();
        let result =
            for_each_read_line(&mut Cursor::new(bytes), Path::new("f.jsonl"), r.upcasters(), &mut |n, read| {
                seen.push(n);
                read.map(|_| ())
            });
        (seen, result)
    }

    #[test]
    fn every_line_is_checked_once_in_file_order() {
        let (seen, result) = run(file(3 * BATCH as u64 + 5, &[]));
        assert!(result.is_ok());
        assert_eq!(seen, (1..=3 * BATCH as u64 + 5).collect::<Vec<_>>());
    }

    #[test]
    fn the_first_bad_line_is_reported_after_every_line_before_it() {
        // A malformed line in the second batch, an unreadable one later.
        let (seen, result) = run(file(3_000, &[(1_500, b"junk"), (2_500, b"\xff\xfe")]));
        assert_eq!(seen, (1..=1_500).collect::<Vec<_>>());
        assert!(result.unwrap_err().to_string().starts_with("f.jsonl: line 1500: not a stored event"));
        // An unreadable line fails after the lines before it were checked.
        let (seen, result) = run(file(3_000, &[(2_500, b"\xff\xfe")]));
        assert_eq!(seen, (1..=2_499).collect::<Vec<_>>());
        assert_eq!(result.unwrap_err().to_string(), "f.jsonl: line 2500: not UTF-8");
    }
}
