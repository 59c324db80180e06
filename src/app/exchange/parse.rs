//! The import's lines parsed on a second thread: while the importing thread
//! checks and appends one batch (and waits for the engine), the next is
//! parsed. Results come back in file order, so the first bad line is still
//! the one reported, after every line before it.

use std::io::BufRead;
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use super::{AppError, ReadLine, for_each_line, read_line};
use crate::es::Upcasters;

/// Lines per batch handed to the parser.
const BATCH: usize = 1_024;

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
        let mut pipe = Pipe { lines_tx, parsed_rx, in_flight: 0, batch: Vec::with_capacity(BATCH) };
        // Whether `f` (not the reader) failed: then nothing more is checked.
        let mut refused = false;
        let read = for_each_line(reader, path, &mut |n, line| {
            pipe.batch.push((n, line.to_owned()));
            if pipe.batch.len() >= BATCH {
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
    /// Lines read, not yet sent.
    batch: Vec<(u64, String)>,
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
