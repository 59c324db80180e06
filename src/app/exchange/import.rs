//! Import: one pass over the file, in one transaction. Each line is checked
//! against the lines before it and the store, then appended in chunks with
//! the read models projected in step; any bad line aborts the transaction, so
//! a refused file records nothing.
//!
//! Every link of the file's hash chain is verified. A file is imported as
//! the store's own history: its first line is position 1 (chaining from
//! genesis, repeating the store's events if it has any) or the store's
//! head + 1 (chaining from the head's hash), and its events keep their
//! positions and hashes. With `rechain` its events are foreign facts appended at the
//! head instead (see `rechain.rs`).

mod append;
mod fields;
mod history;
mod rechain;
mod rules;

use std::collections::VecDeque;
use std::io::BufRead;
use std::path::Path;

use rustc_hash::FxHashMap as HashMap;

use super::parse::for_each_read_line;
use super::{ImportOptions, Imported, InLine, ReadLine, bad_line, open_file};
use crate::app::repository::transitions::Transitions;
use crate::app::{AppError, Chronicle};
use crate::es::hash::{self, GENESIS};
use crate::es::{Event, PendingEvent, StoredEvent, WriteTx};
use fields::{input, parse_hash, pending_event};
use history::{id_taken, not_stored_here};

/// Events appended per chunk inside the import transaction.
const CHUNK: usize = 10_000;

/// Stored events read per query while the file repeats the store's.
const READ_AHEAD: u64 = 1_000;

const ALTERED: &str = "hash does not match the event's content: the export was altered";

const RECHAIN_HINT: &str = "`import --rechain` appends foreign events as new ones";

/// The hash a line carries, as far as it still has to be checked.
#[derive(Clone, Copy)]
enum Expect {
    /// Checked already.
    Nothing,
    /// Must equal the link computed when the event is appended (the file's
    /// positions and chain are the store's).
    Link([u8; 32]),
}

/// A checked line waiting to be appended.
struct Pending {
    line: u64,
    position: u64,
    stream_id: String,
    stream_type: String,
    /// The version it takes in the store.
    version: u64,
    event: PendingEvent,
    upcast: (u32, serde_json::Value),
    expect: Expect,
    /// The first line of a stream the store holds no event of: its
    /// aggregate starts fresh, with nothing to read.
    new_stream: bool,
}

impl Chronicle {
    /// Imports a JSON Lines export as this store's history (see
    /// [`Chronicle::import_with`]).
    ///
    /// # Errors
    /// As [`Chronicle::import_with`].
    pub fn import(&mut self, path: &Path, progress: &mut dyn FnMut(u64, u64)) -> Result<Imported, AppError> {
        self.import_with(path, ImportOptions::default(), progress)
    }

    /// Imports a JSON Lines export. Checks every line (fields, JSON,
    /// contiguous positions and per-stream versions, unique ids, every link
    /// of the hash chain, and that each stream continues the store's) and
    /// appends it, all in one transaction.
    ///
    /// The file's first line must be position 1 or the store's head + 1.
    /// Lines at positions the store holds must be its events, identical (the
    /// same hash at the same position, which covers every field and all
    /// history before): a file whose events are all stored already appends
    /// nothing; one that repeats only some of them is refused. An event id
    /// stored with other content is a conflict. With
    /// [`ImportOptions::rechain`] the events are appended at the head as new
    /// ones instead, keeping their ids; their original position, version,
    /// hash and time go into `metadata.imported`.
    ///
    /// # Errors
    /// [`AppError::BadInput`] naming the first bad line; nothing is recorded.
    pub fn import_with(
        &mut self,
        path: &Path,
        options: ImportOptions,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Imported, AppError> {
        let file_len = std::fs::metadata(path).map_or(0, |m| m.len());
        let mut reader = open_file(path)?;
        self.import_lines(&mut reader, path, file_len, options, progress)
    }

    /// As [`Chronicle::import_with`], reading the export from `reader`
    /// (`name` names it in messages; `len`, its length in bytes if known, or
    /// 0, estimates progress). A read error refuses the whole import.
    ///
    /// # Errors
    /// As [`Chronicle::import_with`]; [`AppError::BadInput`] when `reader`
    /// fails.
    pub fn import_from(
        &mut self,
        reader: &mut dyn BufRead,
        name: &str,
        len: u64,
        options: ImportOptions,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Imported, AppError> {
        self.import_lines(reader, Path::new(name), len, options, progress)
    }

    fn import_lines(
        &mut self,
        reader: &mut dyn BufRead,
        path: &Path,
        file_len: u64,
        options: ImportOptions,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Imported, AppError> {
        let registry = std::sync::Arc::clone(&self.registry);
        self.store.write(|tx| {
            let mut run = Import::new(tx.head(), options.rechain);
            tx.bulk_load()?; // into an empty store: nothing read back (streams start fresh)
            let mut transitions = Transitions::default();
            let mut pending: Vec<Pending> = Vec::new();
            let mut bytes = 0u64;
            for_each_read_line(reader, path, registry.upcasters(), &mut |n, read| {
                bytes += read.as_ref().map_or(0, |r| r.len);
                match run.line(tx, path, n, read) {
                    Ok(Some(mut p)) => {
                        if let Err(e) = rules::check(&mut transitions, tx, &registry, path, &mut p) {
                            // A line whose hash does not match was altered:
                            // that, not the rule it breaks, is named first.
                            pending.push(p);
                            run.check_links(path, &pending)?;
                            return Err(e);
                        }
                        pending.push(p);
                    }
                    Ok(None) => {}
                    Err(e) => {
                        // An earlier line's hash, not yet checked, fails first.
                        run.check_links(path, &pending)?;
                        return Err(e);
                    }
                }
                if pending.len() >= CHUNK {
                    run.append(tx, &registry, path, &mut pending)?;
                    let estimate = u128::from(run.appended) * u128::from(file_len) / u128::from(bytes.max(1));
                    progress(run.appended, u64::try_from(estimate).unwrap_or(u64::MAX).max(run.appended));
                }
                Ok(())
            })?;
            run.append(tx, &registry, path, &mut pending)?;
            progress(run.appended, run.lines);
            Ok(Imported { lines: run.lines, appended: run.appended })
        })
    }
}

/// What an import has seen and done so far.
struct Import {
    /// The store's head when the import began.
    head_before: u64,
    /// Append the file's events as new ones (see `rechain.rs`).
    rechain: bool,
    /// Per stream appended to: its type and its version in the store after
    /// the lines checked so far.
    versions: HashMap<String, (String, u64)>,
    /// Per stream (re-chaining): its last version in the file.
    file_versions: HashMap<String, u64>,
    /// The file's event ids, and the line of each.
    ids: HashMap<String, u64>,
    lines: u64,
    stored_already: u64,
    appended: u64,
    /// The file's chain: the link of the last line checked or appended.
    prev_hash: [u8; 32],
    last_position: Option<u64>,
    /// Stored events the file repeats, read ahead.
    stored: VecDeque<StoredEvent>,
    /// The last chunk, upcast (kept for its allocation).
    recent: Vec<Event>,
}

impl Import {
    fn new(head_before: u64, rechain: bool) -> Self {
        Self {
            head_before,
            rechain,
            versions: HashMap::default(),
            file_versions: HashMap::default(),
            ids: HashMap::default(),
            lines: 0,
            stored_already: 0,
            appended: 0,
            prev_hash: GENESIS,
            last_position: None,
            stored: VecDeque::new(),
            recent: Vec::new(),
        }
    }

    /// Checks line `n`, as read, against the lines before it and the store; `Some`
    /// when its event is to be appended, `None` when it is stored already.
    fn line(
        &mut self,
        tx: &mut WriteTx<'_>,
        path: &Path,
        n: u64,
        read: Result<ReadLine, AppError>,
    ) -> Result<Option<Pending>, AppError> {
        let bad = |why: String| bad_line(path, n, &why);
        let ReadLine { event: e, upcast, .. } = read?;
        let first = self.last_position.is_none();
        match self.last_position {
            Some(p) if p.checked_add(1) != Some(e.position) => {
                return Err(bad(format!("position {} does not follow {p}", e.position)));
            }
            _ => {}
        }
        self.last_position = Some(e.position);
        if let Some(earlier) = self.ids.insert(e.event_id.clone(), n) {
            return Err(bad(format!("event id {} appears twice in the file (lines {earlier} and {n})", e.event_id)));
        }
        let given = parse_hash(&e.hash)
            .ok_or_else(|| bad(format!("hash {:?} is not 64 lowercase hex digits, as exported", e.hash)))?;
        self.lines += 1;
        if self.rechain {
            return self.rechain_line(tx, path, n, first, given, e, upcast);
        }
        if first {
            self.prev_hash = self.chain_start(tx, e.position).map_err(bad)?;
        }
        if e.position <= self.head_before {
            // The store holds this position: the line must be its event.
            let h = hash::link(&self.prev_hash, input(&e));
            if h != given {
                return Err(bad(ALTERED.into()));
            }
            let stored = self.stored_at(tx, e.position)?;
            if stored.hash != h {
                return Err(bad(not_stored_here(tx, &e, &stored)?));
            }
            self.prev_hash = h;
            self.stored_already += 1;
            return Ok(None);
        }
        if self.stored_already > 0 {
            return Err(bad(format!(
                "the {} lines before this one are already stored, but this one is not: refusing a partial \
                 re-import (import only the events after position {})",
                self.stored_already, self.head_before
            )));
        }
        // An empty store holds none of the file's ids.
        if self.head_before > 0 && tx.event_position(&e.event_id)?.is_some() {
            let event = pending_event(&e, e.metadata.get().to_owned(), Some(e.recorded_at.clone()));
            if let Some((position, differs)) = tx.stored_id(&e.stream_id, &e.stream_type, &event)? {
                return Err(bad(id_taken(&e, position, differs)));
            }
        }
        let (version, new_stream) = self.next_version(tx, &e).map_err(bad)?;
        if e.version != version {
            return Err(bad(format!(
                "stream {} is at version {}, so the next event must be version {version}, not {}",
                e.stream_id,
                version - 1,
                e.version
            )));
        }
        // The file's positions and chain are the store's: the link computed
        // on append is the one to compare, so it is computed once.
        Ok(Some(Pending {
            line: n,
            position: e.position,
            stream_id: e.stream_id,
            stream_type: e.stream_type,
            version,
            event: PendingEvent {
                event_id: e.event_id,
                event_type: e.event_type,
                schema_version: e.schema_version,
                payload: Box::<str>::from(e.payload).into(),
                metadata: Box::<str>::from(e.metadata).into(),
                recorded_at: Some(e.recorded_at),
            },
            upcast,
            expect: Expect::Link(given),
            new_stream,
        }))
    }

    /// The version `e` takes in the store's stream (checking its type), as
    /// the next after the lines checked so far, and whether it is the first
    /// line of a stream the store holds no event of. An empty store is not
    /// asked (it holds no stream); the streams are read when appended, a
    /// chunk at a time (see [`Import::append`]).
    fn next_version(&mut self, tx: &mut WriteTx<'_>, e: &InLine) -> Result<(u64, bool), String> {
        let (ty, version) = match self.versions.get(&e.stream_id) {
            Some((ty, v)) => (ty.as_str(), *v),
            None if self.head_before == 0 => (e.stream_type.as_str(), 0),
            None => match tx.stream_ref(&e.stream_id).map_err(|err| err.to_string())? {
                Some(s) => (s.stream_type.as_str(), s.version),
                None => (e.stream_type.as_str(), 0),
            },
        };
        let new_stream = version == 0;
        if ty != e.stream_type {
            return Err(format!("stream {} is a {ty}, not a {}", e.stream_id, e.stream_type));
        }
        let next = version + 1;
        match self.versions.get_mut(&e.stream_id) {
            Some(v) => v.1 = next,
            None => {
                self.versions.insert(e.stream_id.clone(), (e.stream_type.clone(), next));
            }
        }
        Ok((next, new_stream))
    }
}
