//! The hash chain, gapless positions and per-stream versions: the part of
//! `verify` that only reads the log. Each link only depends on the stored
//! hash before it, so the log is split into segments checked in parallel
//! (one read-only connection each) and the per-stream versions are joined
//! at the seams.

use std::sync::atomic::{AtomicU64, Ordering};

use rustc_hash::FxHashMap;

use super::Problem;
use crate::app::AppError;
use crate::es::hash::{self, GENESIS};
use crate::es::store::ChainRow;
use crate::es::{Access, Store};

/// Below this many events per extra thread, one thread is quicker than
/// opening another connection.
const MIN_SEGMENT: u64 = 20_000;
/// Events between progress reports.
const STEP: u64 = 10_000;

/// One stream as the chain saw it.
#[derive(Debug, Clone)]
pub(super) struct Seen {
    /// Its type (as first seen).
    pub stream_type: String,
    /// Version of its first event seen (in a segment).
    first_version: u64,
    /// Position of that event.
    first_position: u64,
    /// Version of its last event seen.
    pub version: u64,
}

/// What the chain walk found.
#[derive(Debug, Default)]
pub(super) struct Chain {
    /// Problems, in position order within each segment.
    pub problems: Vec<Problem>,
    /// Every stream with its type and last version.
    pub streams: FxHashMap<String, Seen>,
    /// The stored hash of the last event.
    pub head_hash: Option<Vec<u8>>,
    /// The position expected after the segments joined so far.
    next: Option<u64>,
}

/// How many threads `check` would use on this machine for `events`.
#[must_use]
pub(super) fn threads_for(events: u64) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).min(8);
    let by_size = usize::try_from(events / MIN_SEGMENT).unwrap_or(usize::MAX).max(1);
    cores.min(by_size)
}

/// A connection and the positions it checks (inclusive).
pub(super) type Part = (Store, (u64, u64));

/// One connection per segment of positions `1..=head` (about `threads`),
/// opened on this thread from `store`.
///
/// # Errors
/// A connection cannot be opened.
pub(super) fn segments(store: &Store, head: u64, threads: usize) -> Result<Vec<Part>, AppError> {
    let threads = u64::try_from(threads.max(1)).unwrap_or(1);
    let per = head.div_ceil(threads).max(1);
    (0..threads)
        .map(|i| (i * per + 1, ((i + 1) * per).min(head)))
        .filter(|(a, b)| a <= b)
        .map(|bounds| Ok((reader(store)?, bounds)))
        .collect()
}

/// Checks positions `1..=head`, each segment through its own connection (see
/// [`segments`]); `progress(done, head)` is called from this thread.
///
/// # Errors
/// The log cannot be read.
pub(super) fn check(segments: Vec<Part>, head: u64, progress: &mut dyn FnMut(u64, u64)) -> Result<Chain, AppError> {
    let done = AtomicU64::new(0);
    let mut segments = segments.into_iter();
    let first = segments.next();
    let segments = std::thread::scope(|scope| {
        let mut handles = Vec::new();
        for (store, (from, to)) in segments {
            let done = &done;
            handles.push(scope.spawn(move || segment(&store, from, to, done, &mut || {})));
        }
        let mut results = Vec::new();
        if let Some((store, (from, to))) = first {
            results.push(segment(&store, from, to, &done, &mut || progress(done.load(Ordering::Relaxed), head)));
        }
        for h in handles {
            results.push(h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        }
        results
    });
    let mut chain = Chain::default();
    for seg in segments {
        join(&mut chain, seg?);
    }
    progress(head, head);
    Ok(chain)
}

/// A handle for one scanning thread: a sequential scan gains nothing from
/// a large page cache.
pub(super) fn reader(store: &Store) -> Result<Store, AppError> {
    let store = store.reconnect(Access::Read)?;
    store.set_cache_kib(2_048)?;
    Ok(store)
}

/// One segment's findings.
#[derive(Debug, Default)]
struct Segment {
    problems: Vec<Problem>,
    streams: FxHashMap<String, Seen>,
    last_hash: Option<Vec<u8>>,
    /// Position of its first event (a gap before it is found at the seam).
    first: Option<u64>,
    /// The position expected after its last event.
    next: Option<u64>,
}

fn segment(store: &Store, from: u64, to: u64, done: &AtomicU64, tick: &mut dyn FnMut()) -> Result<Segment, AppError> {
    let mut seg = Segment::default();
    let mut prev: [u8; 32] = match store.hash_before(from)? {
        None => GENESIS,
        // A malformed hash was reported where it is stored; chain on zeros.
        Some(h) => h.try_into().unwrap_or(GENESIS),
    };
    // Only the first segment knows which position comes first; the others
    // learn it at the seam (see `join`).
    let mut expected = (from == 1).then_some(1);
    // A foreign log's ordering column promises order, not gapless positions.
    let gapless = store.format().is_none();
    let mut count = 0u64;
    store.scan_chain(from, to, |row: ChainRow<'_>| {
        let e = row.input;
        match expected {
            Some(x) if gapless && x != e.position => {
                seg.problem(e.position, format!("expected position {x}: positions have a gap"));
            }
            Some(_) => {}
            None => seg.first = Some(e.position),
        }
        expected = Some(e.position + 1);
        if hash::link(&prev, e) != row.hash {
            seg.problem(
                e.position,
                "hash does not match: the event's content, or the event before it, was changed, removed or reordered"
                    .to_owned(),
            );
        }
        prev = row.hash.try_into().unwrap_or(GENESIS);
        seg.version(e.stream_id, e.stream_type, e.version, e.position);
        count += 1;
        if count.is_multiple_of(STEP) {
            done.fetch_add(STEP, Ordering::Relaxed);
            tick();
        }
        if e.position == to {
            seg.last_hash = Some(row.hash.to_vec());
        }
        Ok::<_, AppError>(())
    })?;
    seg.next = expected.filter(|_| gapless);
    Ok(seg)
}

impl Segment {
    fn problem(&mut self, position: u64, what: String) {
        if self.problems.len() < super::MAX_PROBLEMS {
            self.problems.push(Problem { position: Some(position), what });
        }
    }

    fn version(&mut self, stream_id: &str, stream_type: &str, version: u64, position: u64) {
        let Some(s) = self.streams.get_mut(stream_id) else {
            let seen =
                Seen { stream_type: stream_type.to_owned(), first_version: version, first_position: position, version };
            self.streams.insert(stream_id.to_owned(), seen);
            return;
        };
        // One lookup per event (this runs for every event of the log).
        let jump = (s.version + 1 != version)
            .then(|| format!("stream {stream_id} jumps from version {} to {version}", s.version));
        let retyped = (s.stream_type != stream_type)
            .then(|| format!("stream {stream_id} changes type from {} to {stream_type}", s.stream_type));
        s.version = version;
        for what in jump.into_iter().chain(retyped) {
            self.problem(position, what);
        }
    }
}

/// Adds a later segment: its streams continue those seen before it.
fn join(chain: &mut Chain, seg: Segment) {
    if let (Some(first), Some(want)) = (seg.first, chain.next)
        && first != want
    {
        chain
            .problems
            .push(Problem { position: Some(first), what: format!("expected position {want}: positions have a gap") });
    }
    chain.next = seg.next.or(chain.next);
    chain.problems.extend(seg.problems);
    for (id, s) in seg.streams {
        match chain.streams.get_mut(&id) {
            None => {
                if s.first_version != 1 {
                    let what = format!("stream {id} jumps from version 0 to {}", s.first_version);
                    chain.problems.push(Problem { position: Some(s.first_position), what });
                }
                chain.streams.insert(id, s);
            }
            Some(known) => {
                if known.version + 1 != s.first_version {
                    let what = format!("stream {id} jumps from version {} to {}", known.version, s.first_version);
                    chain.problems.push(Problem { position: Some(s.first_position), what });
                }
                if known.stream_type != s.stream_type {
                    let what = format!("stream {id} changes type from {} to {}", known.stream_type, s.stream_type);
                    chain.problems.push(Problem { position: Some(s.first_position), what });
                }
                known.version = s.version;
            }
        }
    }
    if seg.last_hash.is_some() {
        chain.head_hash = seg.last_hash;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::demo::DemoOptions;
    use crate::app::{Chronicle, Mode};

    /// Problems, streams with versions, and the head hash.
    type Found = (Vec<String>, Vec<(String, u64)>, Option<Vec<u8>>);

    fn problems(path: &std::path::Path, head: u64, threads: usize) -> Found {
        let store = Store::open_existing(path).unwrap();
        let chain = check(segments(&store, head, threads).unwrap(), head, &mut |_, _| {}).unwrap();
        let mut p: Vec<String> = chain.problems.iter().map(ToString::to_string).collect();
        p.sort();
        let mut s: Vec<(String, u64)> = chain.streams.iter().map(|(id, s)| (id.clone(), s.version)).collect();
        s.sort();
        (p, s, chain.head_hash)
    }

    /// Splitting the log into segments finds exactly what one walk finds,
    /// also when the damage sits on a seam between segments.
    #[test]
    fn segments_find_what_one_walk_finds() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("t.db");
        let mut c = Chronicle::open(&db, Mode::Write, crate::domain::Registry::builtin()).unwrap();
        c.demo(DemoOptions { events: 600, ..DemoOptions::default() }, &mut |_, _| {}).unwrap();
        let head = c.store().head().unwrap();
        drop(c);
        let clean = problems(&db, head, 1);
        assert!(clean.0.is_empty(), "{:?}", clean.0);
        assert!(clean.2.is_some());
        for threads in 2..=5 {
            assert_eq!(problems(&db, head, threads), clean, "{threads} threads on a clean log");
        }
        // Seams at 3 threads: 201 and 401. Edit the first event of a segment,
        // delete the last one of another, and move a version across a seam.
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;
             UPDATE events SET payload = '{}' WHERE position = 201;
             DELETE FROM events WHERE position = 400;
             UPDATE events SET version = version + 1000 WHERE position = 402;",
        )
        .unwrap();
        drop(conn);
        let tampered = problems(&db, head, 1);
        assert!(tampered.0.iter().any(|p| p.starts_with("position 201: hash does not match")), "{:?}", tampered.0);
        assert!(tampered.0.iter().any(|p| p.starts_with("position 401: expected position 400")), "{:?}", tampered.0);
        assert!(tampered.0.iter().any(|p| p.contains("jumps from version")), "{:?}", tampered.0);
        for threads in 2..=5 {
            assert_eq!(problems(&db, head, threads), tampered, "{threads} threads on a tampered log");
        }
    }

    /// On PostgreSQL (the log streamed by binary COPY) an edited payload and
    /// a deleted event are found too, by one walk or by segments.
    #[test]
    fn segments_find_tampering_on_postgres() {
        let Some(db) = crate::postgres::testing::TestDb::create() else { return };
        let mut c = Chronicle::open(db.url(), Mode::Write, crate::domain::Registry::builtin()).unwrap();
        c.demo(DemoOptions { events: 300, ..DemoOptions::default() }, &mut |_, _| {}).unwrap();
        let head = c.store().head().unwrap();
        drop(c);
        let found = |threads| {
            let store = crate::engines::open(db.url(), Access::Read).unwrap();
            let chain = check(segments(&store, head, threads).unwrap(), head, &mut |_, _| {}).unwrap();
            let mut p: Vec<String> = chain.problems.iter().map(ToString::to_string).collect();
            p.sort();
            p
        };
        assert_eq!(found(1), Vec::<String>::new());
        db.client()
            .batch_execute(
                "ALTER TABLE chronicle.events DISABLE TRIGGER USER;
                 UPDATE chronicle.events SET payload = '{}' WHERE position = 101;
                 DELETE FROM chronicle.events WHERE position = 200;",
            )
            .unwrap();
        let one = found(1);
        assert!(one.iter().any(|p| p.starts_with("position 101: hash does not match")), "{one:?}");
        assert!(one.iter().any(|p| p.starts_with("position 201: expected position 200")), "{one:?}");
        for threads in 2..=3 {
            assert_eq!(found(threads), one, "{threads} threads");
        }
    }
}
