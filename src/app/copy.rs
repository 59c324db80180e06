//! `copy`: the log of one store into another, on any two engines, with its
//! hash chain byte-identical (the two exports are identical) and the read
//! models built on the target.
//!
//! The source opens read-only and is exported on a thread; the target
//! imports that export as it is written, through a bounded channel, so the
//! log is never held in memory. Import is the one validating path: every
//! line, version, id and hash link is checked, and the whole copy is one
//! transaction on the target (a failure leaves it as it was, a valid prefix
//! of the source, and running the copy again continues from it).
//!
//! A foreign log (read through a mapping) is copied as new facts instead
//! ([`copy_facts`]): renumbered, chained afresh, its origin in each event's
//! metadata.
//!
//! A target that is not empty must be a prefix of the source: the same
//! hash at its head position (which covers every event before). Anything
//! else is refused before anything is written, naming the first position
//! where the two differ.

use std::ffi::OsStr;
use std::io::{self, BufRead, Read, Write};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use super::exchange::{ImportOptions, Imported};
use super::{AppError, Chronicle, Mode};
use crate::domain::Registry;
use crate::es::{Access, Store, StoreError};

/// Bytes of the export sent to the importer at a time.
const CHUNK: usize = 64 * 1024;

/// Chunks on their way at most (the memory a copy holds is about
/// `CHUNK * IN_FLIGHT`, plus the import's own batch).
const IN_FLIGHT: usize = 16;

const STOPPED: &str = "the copy's export stopped unexpectedly; nothing was copied";

/// What a copy did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Copied {
    /// The target's head before the copy (the prefix it held).
    pub target_before: u64,
    /// Events appended to the target (0: it held the source's log already).
    pub copied: u64,
    /// The target's head after the copy.
    pub head: u64,
    /// The source was a foreign log: its events were copied as new facts,
    /// each with its origin in `metadata.origin`.
    pub as_facts: bool,
}

/// Copies the log of the store `from` names into the store `to` names (any
/// two `--db` values), then builds the target's read models. `progress`
/// gets (events copied, events to copy).
///
/// # Errors
/// The source's open errors (a missing source is [`StoreError::NotFound`]);
/// [`AppError::Usage`] for a target that is not empty and not a prefix of
/// the source, naming the first differing position (nothing is written);
/// store and import failures (nothing is written either).
pub fn copy(
    from: &OsStr,
    to: &OsStr,
    registry: &Arc<Registry>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Copied, AppError> {
    let from_name = crate::engines::redacted(&from.to_string_lossy());
    let to_name = crate::engines::redacted(&to.to_string_lossy());
    let source = Chronicle::open(from, Mode::Read, Arc::clone(registry))?;
    if source.store().format().is_some() {
        return copy_facts(source, &from_name, to, registry, progress);
    }
    let source_head = source.store().head()?;
    let target_before = match crate::engines::open_os(to, Access::Read) {
        Ok(target) => {
            let target_head = target.head()?;
            if let Some(p) = first_difference(source.store(), &target, source_head, target_head)? {
                return Err(AppError::Usage(not_a_prefix(&from_name, &to_name, source_head, target_head, p)));
            }
            target_head
        }
        Err(StoreError::NotFound { .. }) => 0,
        Err(e) => return Err(e.into()),
    };
    if target_before == source_head {
        return Ok(Copied { target_before, copied: 0, head: source_head, as_facts: false });
    }
    let mut target = Chronicle::open(to, Mode::Write, Arc::clone(registry))?;
    let total = source_head - target_before;
    progress(0, total);
    let done = transfer(source, Export::From(target_before + 1), &mut target, &from_name, total, progress)?;
    Ok(Copied { target_before, copied: done.appended, head: target.store().head()?, as_facts: false })
}

/// What the copy's exporter writes.
#[derive(Clone, Copy)]
enum Export {
    /// The log as it is, from this position on.
    From(u64),
    /// A foreign log as new facts ([`Chronicle::export_as_facts`]) from
    /// this one on, the target holding this hash at the one before.
    Facts(u64, Option<[u8; 32]>),
}

/// A foreign log into a chronicle store: its events as new facts, chained
/// afresh, each keeping its id, stream, version and time, with its origin
/// (format, position, id, time) in `metadata.origin`. The same log copied
/// again appends nothing; copied after it grew, only its new events.
fn copy_facts(
    source: Chronicle,
    from_name: &str,
    to: &OsStr,
    registry: &Arc<Registry>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Copied, AppError> {
    let (target_before, prefix) = match crate::engines::open_os(to, Access::Read) {
        Ok(target) => {
            let head = target.head()?;
            (head, target.event(head)?.map(|e| e.hash))
        }
        Err(StoreError::NotFound { .. }) => (0, None),
        Err(e) => return Err(e.into()),
    };
    let total = source.store().head()?;
    let mut target = Chronicle::open(to, Mode::Write, Arc::clone(registry))?;
    progress(0, total);
    let export = Export::Facts(target_before + 1, prefix);
    let done = transfer(source, export, &mut target, from_name, total, progress)?;
    Ok(Copied { target_before, copied: done.appended, head: target.store().head()?, as_facts: true })
}

/// Exports `source` on a thread and imports it into `target` as it is
/// written (see the module).
fn transfer(
    source: Chronicle,
    export: Export,
    target: &mut Chronicle,
    from_name: &str,
    total: u64,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Imported, AppError> {
    let (sender, receiver) = sync_channel(IN_FLIGHT);
    let target_name = crate::engines::redacted(target.store().name());
    let export_thread = std::thread::Builder::new()
        .name("chronicle-copy-export".to_owned())
        .spawn(move || {
            let mut out = ChunkWriter { sender, buf: Vec::with_capacity(CHUNK) };
            let result = match export {
                Export::From(from) => source.export_from(from, &mut out, &mut |_, _| {}),
                Export::Facts(from, prefix) => source.export_as_facts(from, prefix, &target_name, &mut out),
            };
            out.end(result.as_ref().map(|_| ()).map_err(ToString::to_string));
            result
        })
        .map_err(|e| AppError::Io(format!("cannot start the copy: {e}")))?;
    let mut reader = ChunkReader { receiver, chunk: Vec::new(), at: 0, ended: false };
    let imported = target.import_from(&mut reader, from_name, 0, ImportOptions::default(), &mut |done, _| {
        progress(done, total.max(done));
    });
    // A failed import drops its end: an exporter waiting to send stops.
    drop(reader);
    let exported = export_thread.join().map_err(|_| AppError::Io(STOPPED.to_owned()))?;
    match exported {
        // The source failed (unreachable, damaged): that, not the import's
        // "cannot read", is the cause.
        Err(e) if !matches!(e, AppError::OutputClosed) => Err(e),
        // Only a refusing importer stops reading before the end.
        Err(_) if imported.is_ok() => Err(AppError::Io(STOPPED.to_owned())),
        _ => imported,
    }
}

/// The one line refusing a target that is not a prefix of the source.
fn not_a_prefix(from: &str, to: &str, source_head: u64, target_head: u64, position: u64) -> String {
    let why = if position > source_head {
        format!("it holds {target_head} events, the source only {source_head}")
    } else {
        format!("their events differ at position {position}")
    };
    format!(
        "{to} is not empty and not a prefix of {from}: {why} (first differing position {position}); nothing was copied"
    )
}

/// The first position at which `target` is not a prefix of `source`, or
/// `None` when it is one. Equal hashes at a position mean equal logs up to
/// it (each hash covers the one before), so a binary search finds it.
fn first_difference(
    source: &Store,
    target: &Store,
    source_head: u64,
    target_head: u64,
) -> Result<Option<u64>, StoreError> {
    let common = source_head.min(target_head);
    if common == 0 || same_at(source, target, common)? {
        return Ok((target_head > source_head).then_some(common + 1));
    }
    // Equal at `lo` (0: nothing before), different at `hi`.
    let (mut lo, mut hi) = (0, common);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if same_at(source, target, mid)? {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(Some(hi))
}

/// Whether both stores hold the same event (the same hash) at `position`.
fn same_at(source: &Store, target: &Store, position: u64) -> Result<bool, StoreError> {
    let a = source.event(position)?.map(|e| e.hash);
    let b = target.event(position)?.map(|e| e.hash);
    Ok(a.is_some() && a == b)
}

/// A piece of the export on its way to the importer.
enum Piece {
    Data(Vec<u8>),
    /// The export ended: complete, or failed (why).
    End(Result<(), String>),
}

/// The exporter's end: the export in chunks of about [`CHUNK`] bytes.
struct ChunkWriter {
    sender: SyncSender<Piece>,
    buf: Vec<u8>,
}

impl ChunkWriter {
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let full = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        // The importer gone (it refused a line): the export stops quietly.
        self.sender.send(Piece::Data(full)).map_err(|_| io::Error::from(io::ErrorKind::BrokenPipe))
    }

    /// Says how the export ended (after its last chunk).
    fn end(self, how: Result<(), String>) {
        // An importer gone has its own error to report.
        let _ = self.sender.send(Piece::End(how));
    }
}

impl Write for ChunkWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

/// The importer's end. It ends only when the exporter said it ended well:
/// a failed or vanished export is a read error, which refuses the import.
struct ChunkReader {
    receiver: Receiver<Piece>,
    chunk: Vec<u8>,
    at: usize,
    ended: bool,
}

impl BufRead for ChunkReader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.at >= self.chunk.len() && !self.ended {
            match self.receiver.recv() {
                Ok(Piece::Data(data)) => {
                    self.chunk = data;
                    self.at = 0;
                }
                Ok(Piece::End(Ok(()))) => self.ended = true,
                Ok(Piece::End(Err(why))) => return Err(io::Error::other(why)),
                Err(_) => return Err(io::Error::other("the export stopped before its end")),
            }
        }
        Ok(&self.chunk[self.at..])
    }

    fn consume(&mut self, n: usize) {
        self.at = (self.at + n).min(self.chunk.len());
    }
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pipe() -> (ChunkWriter, ChunkReader) {
        let (sender, receiver) = sync_channel(IN_FLIGHT);
        (ChunkWriter { sender, buf: Vec::new() }, ChunkReader { receiver, chunk: Vec::new(), at: 0, ended: false })
    }

    #[test]
    fn the_reader_ends_only_when_the_export_ended_well() {
        let (mut w, mut r) = pipe();
        w.write_all(b"one\ntwo\n").expect("write");
        w.flush().expect("flush");
        w.end(Ok(()));
        let mut text = String::new();
        r.read_to_string(&mut text).expect("a complete export reads to its end");
        assert_eq!(text, "one\ntwo\n");

        let (mut w, mut r) = pipe();
        w.write_all(b"one\n").expect("write");
        w.flush().expect("flush");
        w.end(Err("the server went away".to_owned()));
        let err = r.read_to_string(&mut String::new()).expect_err("a failed export is a read error");
        assert!(err.to_string().contains("the server went away"), "{err}");

        let (mut w, mut r) = pipe();
        w.write_all(b"one\n").expect("write");
        drop(w);
        assert!(r.read_to_string(&mut String::new()).is_err(), "an export that vanished is not an end");
    }

    #[test]
    fn the_writer_stops_when_the_reader_is_gone() {
        let (mut w, r) = pipe();
        drop(r);
        let err = w.write_all(&vec![b'x'; CHUNK]).expect_err("nobody reads");
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    }
}
