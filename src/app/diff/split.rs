//! A diff's reads of the store: the touched streams' states at both ends,
//! cut into pieces of [`STREAMS_PER_PIECE`] streams. When many streams are
//! touched, the pieces are shared by the diff's own connection and a
//! second one on a second thread (kept for the next wide diff), each taking
//! the next piece not taken until none is left (the diff's own thread
//! first diffs the read models: a ledger's are counted, not read, see
//! `ledgers.rs`). The results are put back in the pieces' order, so they
//! are the ones one connection reads: states at a position never change.
//! Fewer streams are read on the diff's own connection, in turn.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::PoisonError;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use super::{ProjectionDiff, StreamDiff, cancelled, states::stream_diff};
use crate::app::{AppError, Chronicle, World};
use crate::domain::Registry;
use crate::es::backend::Access;
use crate::es::store::Store;

/// From this many streams touched a diff's reads are shared with a second
/// connection. Below it that saved nothing measurable (the demo's 1M store:
/// reads 10k events apart, ~105 streams, 16-22 ms either way; 20k apart,
/// ~190 streams, 27-34 ms against 29-37; 40k apart 51-54 ms against 53-72).
const TWO_FROM_STREAMS: usize = 200;

/// Streams loaded per piece (fewer under test, so that a small store's
/// streams make several pieces).
const STREAMS_PER_PIECE: usize = if cfg!(test) { 4 } else { 32 };

/// How often the diff's own thread, waiting for the second one, asks its
/// caller whether to give up.
const ASK_WHILE_WAITING: Duration = Duration::from_millis(10);

/// A piece of a diff's reads: the streams touched at these indexes.
type Piece = Range<usize>;

/// What a piece read: the entries of its streams that differ, in order.
type Read = Vec<StreamDiff>;

/// Why a thread stopped before the pieces were all read.
enum Halt {
    /// Its `give_up` said so (the caller's cancel, or the other thread's failure).
    GaveUp,
    /// A read failed.
    Failed(AppError),
}

/// The pieces of a diff's reads and the next one not taken.
struct Work<'a> {
    touched: &'a [(String, String)],
    between: (u64, u64),
    pieces: Vec<Piece>,
    next: AtomicUsize,
}

/// What a diff reads: the streams' entries and the read models' diffs.
pub(super) type StoreReads = (Vec<StreamDiff>, BTreeMap<String, ProjectionDiff>);

impl<'a> Work<'a> {
    /// The pieces: the streams, [`STREAMS_PER_PIECE`] at a time.
    fn new(touched: &'a [(String, String)], between: (u64, u64)) -> Self {
        let chunks = (0..touched.len()).step_by(STREAMS_PER_PIECE);
        let pieces = chunks.map(|i| i..(i + STREAMS_PER_PIECE).min(touched.len())).collect();
        Self { touched, between, pieces, next: AtomicUsize::new(0) }
    }

    /// Reads the pieces not taken yet through `store`, one at a time, until
    /// none is left: each with its index.
    fn take(&self, store: &Store, registry: &Registry, give_up: &dyn Fn() -> bool) -> Result<Vec<(usize, Read)>, Halt> {
        let mut out = Vec::new();
        loop {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            let Some(piece) = self.pieces.get(i) else { return Ok(out) };
            let mut diffs = Vec::new();
            for (id, stream_type) in &self.touched[piece.clone()] {
                if give_up() {
                    return Err(Halt::GaveUp);
                }
                let diff = stream_diff(store, registry, (id, stream_type), self.between);
                diffs.extend(diff.map_err(Halt::Failed)?);
            }
            out.push((i, diffs));
        }
    }

    /// The reads of every piece put back in order (`reads`: each piece once).
    fn assemble(&self, reads: impl IntoIterator<Item = (usize, Read)>) -> Vec<StreamDiff> {
        let mut by_piece: Vec<Option<Read>> = self.pieces.iter().map(|_| None).collect();
        for (i, read) in reads {
            by_piece[i] = Some(read);
        }
        by_piece.into_iter().flatten().flatten().collect()
    }
}

impl Chronicle {
    /// The entries of the streams `touched` (in their order) that differ
    /// between `from` and `to`, and the diffs of the read models `names`,
    /// read on a second connection too when many streams are touched (see
    /// the module's doc); `stop` is asked between streams and pages.
    ///
    /// # Errors
    /// Store failures (the first found); an event that cannot be upcast or
    /// decoded; `cancelled` once `stop` says so.
    pub(super) fn read_streams_and_models(
        &self,
        touched: &[(String, String)],
        names: Vec<String>,
        between: (u64, u64),
        worlds: [Option<&World>; 2],
        stop: &dyn Fn() -> bool,
    ) -> Result<StoreReads, AppError> {
        if touched.len() < TWO_FROM_STREAMS {
            return self.read_in_turn(touched, names, between, worlds, stop);
        }
        self.read_on_two_if_can(touched, names, between, worlds, stop)
    }

    /// As [`Chronicle::read_streams_and_models`], on two connections when
    /// a second one can be had.
    fn read_on_two_if_can(
        &self,
        touched: &[(String, String)],
        names: Vec<String>,
        (from, to): (u64, u64),
        worlds: [Option<&World>; 2],
        stop: &dyn Fn() -> bool,
    ) -> Result<StoreReads, AppError> {
        let between = (from, to);
        let spare = self.spare.lock().unwrap_or_else(PoisonError::into_inner).take();
        let other = match spare.map_or_else(|| self.store.reconnect(Access::Read), Ok) {
            Ok(other) => other,
            Err(e) => {
                tracing::debug!("diff read on one connection (no second one: {e})");
                return self.read_in_turn(touched, names, between, worlds, stop);
            }
        };
        let work = Work::new(touched, between);
        tracing::debug!(streams = touched.len(), pieces = work.pieces.len(), from, to, "diff read on two connections");
        self.read_on_two(&work, other, names, worlds, stop)
    }

    /// As [`Chronicle::read_streams_and_models`] on the diff's own
    /// connection alone: the streams, then the read models.
    fn read_in_turn(
        &self,
        touched: &[(String, String)],
        names: Vec<String>,
        between: (u64, u64),
        worlds: [Option<&World>; 2],
        stop: &dyn Fn() -> bool,
    ) -> Result<StoreReads, AppError> {
        let work = Work::new(touched, between);
        let reads = match work.take(&self.store, &self.registry, stop) {
            Ok(reads) => reads,
            Err(Halt::GaveUp) => return Err(cancelled()),
            Err(Halt::Failed(e)) => return Err(e),
        };
        Ok((work.assemble(reads), self.projection_diffs(names, between, worlds, stop)?))
    }

    /// The pieces of `work` taken by this thread and by a second one on
    /// `other`, this one diffing the read models `rest` first.
    fn read_on_two(
        &self,
        work: &Work<'_>,
        other: Store,
        rest: Vec<String>,
        worlds: [Option<&World>; 2],
        stop: &dyn Fn() -> bool,
    ) -> Result<StoreReads, AppError> {
        // `stop` is not `Sync`: this thread asks it and tells the other.
        let (stopped, failed) = (AtomicBool::new(false), AtomicBool::new(false));
        let give_up = || {
            if stop() {
                stopped.store(true, Ordering::Relaxed);
            }
            stopped.load(Ordering::Relaxed) || failed.load(Ordering::Relaxed)
        };
        let registry: &Registry = &self.registry;
        std::thread::scope(|s| {
            let (tx, rx) = mpsc::channel();
            let (stopped, failed) = (&stopped, &failed);
            let handle = s.spawn(move || {
                let read =
                    work.take(&other, registry, &|| stopped.load(Ordering::Relaxed) || failed.load(Ordering::Relaxed));
                if matches!(read, Err(Halt::Failed(_))) {
                    failed.store(true, Ordering::Relaxed);
                }
                // The receiver waits for this unless it failed first.
                let _ = tx.send(read);
                other
            });
            let mine = match self.projection_diffs(rest, work.between, worlds, &give_up) {
                Ok(models) => work.take(&self.store, registry, &give_up).map(|reads| (models, reads)),
                Err(_) if give_up() => Err(Halt::GaveUp),
                Err(e) => Err(Halt::Failed(e)),
            };
            if matches!(mine, Err(Halt::Failed(_))) {
                failed.store(true, Ordering::Relaxed);
            }
            let theirs = loop {
                match rx.recv_timeout(ASK_WHILE_WAITING) {
                    Ok(read) => break read,
                    Err(RecvTimeoutError::Timeout) => {
                        give_up();
                    }
                    // It panicked: so does this thread, with its payload.
                    Err(RecvTimeoutError::Disconnected) => break Err(Halt::GaveUp),
                }
            };
            // Its connection is kept for the next wide diff (its page cache
            // warm); a panic there is this thread's, with its payload.
            match handle.join() {
                Ok(other) => *self.spare.lock().unwrap_or_else(PoisonError::into_inner) = Some(other),
                Err(payload) => std::panic::resume_unwind(payload),
            }
            if stopped.load(Ordering::Relaxed) {
                return Err(cancelled());
            }
            match (mine, theirs) {
                (Ok((models, mine)), Ok(theirs)) => Ok((work.assemble(mine.into_iter().chain(theirs)), models)),
                (Err(Halt::Failed(e)), _) | (_, Err(Halt::Failed(e))) => Err(e),
                // Gave up with nothing failed: only `stop` makes that.
                _ => Err(cancelled()),
            }
        })
    }
}

#[cfg(test)]
mod tests;
