//! Import: one pass over the file, in one transaction. Each line is checked
//! against the lines before it and the store, then appended in chunks with
//! the read models projected in step; any bad line aborts the transaction, so
//! a refused file records nothing.

use std::path::Path;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::{Imported, ReadLine, bad_line, for_each_line, read_line};
use crate::app::repository::transitions::{Incoming, Transitions};
use crate::app::{AppError, Chronicle, projector};
use crate::domain::Registry;
use crate::es::hash::{self, GENESIS, HashInput};
use crate::es::{Event, ExpectedVersion, PendingEvent, Upcasters, WriteTx};

/// Events appended per chunk inside the import transaction.
const CHUNK: usize = 10_000;

const ALTERED: &str = "hash does not match the event's content: the export was altered";

/// The hash a line carries, as far as it still has to be checked.
#[derive(Clone, Copy)]
enum Expect {
    /// Checked already (or the file does not start at position 1).
    Nothing,
    /// Must equal the link computed when the event is appended.
    Link([u8; 32]),
    /// Not 64 lowercase hex digits: can match no link.
    Malformed,
}

/// A checked line waiting to be appended.
struct Pending {
    line: u64,
    position: u64,
    stream_id: String,
    stream_type: String,
    version: u64,
    event: PendingEvent,
    upcast: (u32, serde_json::Value),
    expect: Expect,
}

impl Chronicle {
    /// Imports a JSON Lines export. Checks every line (fields, JSON,
    /// contiguous positions and per-stream versions, unique ids, the hash
    /// chain when the file starts at position 1, and that each stream
    /// continues the store's) and appends it, all in one transaction. A file
    /// whose events are all stored already appends nothing; one that only
    /// partly overlaps the store is refused.
    ///
    /// # Errors
    /// [`AppError::BadInput`] naming the first bad line; nothing is recorded.
    pub fn import(&mut self, path: &Path, progress: &mut dyn FnMut(u64, u64)) -> Result<Imported, AppError> {
        let registry = std::sync::Arc::clone(&self.registry);
        let file_len = std::fs::metadata(path).map_or(0, |m| m.len());
        self.store.write(|tx| {
            let mut run = Import::new(tx.head());
            let mut transitions = Transitions::default();
            let mut pending: Vec<Pending> = Vec::new();
            let mut bytes = 0u64;
            for_each_line(path, &mut |n, line| {
                bytes += line.len() as u64 + 1;
                match run.line(tx, registry.upcasters(), path, n, line) {
                    Ok(Some(mut p)) => {
                        // The aggregate's transition check: the event must be
                        // one its stream's rules allow after the lines before.
                        let (line_no, incoming) = (
                            p.line,
                            Incoming {
                                position: p.position,
                                stream_id: &p.stream_id,
                                stream_type: &p.stream_type,
                                version: p.version,
                                event_type: &p.event.event_type,
                                schema_version: p.upcast.0,
                                payload: std::mem::take(&mut p.upcast.1),
                                recorded_at: p.event.recorded_at.as_deref().unwrap_or_default(),
                            },
                        );
                        match transitions.check(&*tx, &registry, incoming, |why| bad_line(path, line_no, &why)) {
                            Ok(payload) => p.upcast.1 = payload,
                            Err(e) => {
                                run.check_links(path, &pending)?;
                                return Err(e);
                            }
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
            let (lines, stored_already) = (run.lines, run.stored_already);
            if stored_already > 0 && stored_already < lines {
                return Err(AppError::BadInput(format!(
                    "{}: {stored_already} of its {lines} events are already stored: refusing a partial re-import",
                    path.display()
                )));
            }
            progress(run.appended, lines);
            Ok(Imported { lines, appended: run.appended })
        })
    }
}

/// What an import has seen and done so far.
struct Import {
    /// The store's head when the import began.
    head_before: u64,
    versions: HashMap<String, (String, u64)>,
    ids: HashSet<String>,
    lines: u64,
    stored_already: u64,
    appended: u64,
    /// The file's chain: the link of the last line checked or appended.
    prev_hash: [u8; 32],
    chained: bool,
    last_position: Option<u64>,
    /// The last chunk, upcast (kept for its allocation).
    recent: Vec<Event>,
}

impl Import {
    fn new(head_before: u64) -> Self {
        Self {
            head_before,
            versions: HashMap::default(),
            ids: HashSet::default(),
            lines: 0,
            stored_already: 0,
            appended: 0,
            prev_hash: GENESIS,
            chained: false,
            last_position: None,
            recent: Vec::new(),
        }
    }

    /// Checks line `n` against the lines before it and the store; `Some`
    /// when its event is to be appended, `None` when it is stored already.
    fn line(
        &mut self,
        tx: &mut WriteTx<'_>,
        upcasters: &Upcasters,
        path: &Path,
        n: u64,
        line: &str,
    ) -> Result<Option<Pending>, AppError> {
        let bad = |why: String| bad_line(path, n, &why);
        let ReadLine { event: e, upcast } = read_line(upcasters, path, n, line)?;
        match self.last_position {
            Some(p) if e.position != p + 1 => return Err(bad(format!("position {} does not follow {p}", e.position))),
            Some(_) => {}
            None => self.chained = e.position == 1,
        }
        self.last_position = Some(e.position);
        if self.ids.contains(e.event_id.as_str()) {
            return Err(bad(format!("event id {} appears twice in the file", e.event_id)));
        }
        self.ids.insert(e.event_id.clone());
        // An empty store holds none of the file's events.
        let stored = self.head_before > 0 && tx.event_position(&e.event_id)?.is_some();
        self.stored_already += u64::from(stored);
        if !stored {
            let (ty, version) = match self.versions.get(&e.stream_id) {
                Some((ty, v)) => (ty.as_str(), *v),
                None => match tx.stream_ref(&e.stream_id)? {
                    Some(s) => (s.stream_type.as_str(), s.version),
                    None => (e.stream_type.as_str(), 0),
                },
            };
            if ty != e.stream_type {
                return Err(bad(format!("stream {} is a {ty}, not a {}", e.stream_id, e.stream_type)));
            }
            if e.version != version + 1 {
                return Err(bad(format!(
                    "stream {} is at version {version}, so the next event must be version {}, not {}",
                    e.stream_id,
                    version + 1,
                    e.version
                )));
            }
            match self.versions.get_mut(&e.stream_id) {
                Some(v) => v.1 = e.version,
                None => {
                    self.versions.insert(e.stream_id.clone(), (e.stream_type.clone(), e.version));
                }
            }
        }
        // Into an empty store the file's positions and chain are the store's:
        // the link computed on append is the one to compare, so it is
        // computed once. Otherwise check the file's own chain now.
        let mut expect = Expect::Nothing;
        if self.chained && self.head_before == 0 {
            expect = parse_hash(&e.hash);
        } else if self.chained {
            let h = hash::link(
                &self.prev_hash,
                HashInput {
                    position: e.position,
                    event_id: &e.event_id,
                    stream_id: &e.stream_id,
                    stream_type: &e.stream_type,
                    version: e.version,
                    event_type: &e.event_type,
                    schema_version: e.schema_version,
                    payload: e.payload.get(),
                    metadata: e.metadata.get(),
                    recorded_at: &e.recorded_at,
                },
            );
            if !matches!(parse_hash(&e.hash), Expect::Link(x) if x == h) {
                return Err(bad(ALTERED.into()));
            }
            self.prev_hash = h;
        }
        self.lines += 1;
        if stored {
            return Ok(None);
        }
        Ok(Some(Pending {
            line: n,
            position: e.position,
            stream_id: e.stream_id,
            stream_type: e.stream_type,
            version: e.version,
            event: PendingEvent {
                event_id: e.event_id,
                event_type: e.event_type,
                schema_version: e.schema_version,
                payload: e.payload.get().to_owned(),
                metadata: e.metadata.get().to_owned(),
                recorded_at: Some(e.recorded_at),
            },
            upcast,
            expect,
        }))
    }

    /// Checks the links of `pending` without appending (before reporting a
    /// later line's error): the first altered line among them fails.
    fn check_links(&self, path: &Path, pending: &[Pending]) -> Result<(), AppError> {
        let mut prev = self.prev_hash;
        for p in pending {
            let expected = match p.expect {
                Expect::Nothing => continue,
                Expect::Malformed => return Err(bad_line(path, p.line, ALTERED)),
                Expect::Link(h) => h,
            };
            let h = hash::link(
                &prev,
                HashInput {
                    position: p.position,
                    event_id: &p.event.event_id,
                    stream_id: &p.stream_id,
                    stream_type: &p.stream_type,
                    version: p.version,
                    event_type: &p.event.event_type,
                    schema_version: p.event.schema_version,
                    payload: &p.event.payload,
                    metadata: &p.event.metadata,
                    recorded_at: p.event.recorded_at.as_deref().unwrap_or_default(),
                },
            );
            if h != expected {
                return Err(bad_line(path, p.line, ALTERED));
            }
            prev = h;
        }
        Ok(())
    }

    /// Appends `pending` (emptying it), checks the links still to check and
    /// projects the read models.
    fn append(
        &mut self,
        tx: &mut WriteTx<'_>,
        registry: &Registry,
        path: &Path,
        pending: &mut Vec<Pending>,
    ) -> Result<(), AppError> {
        if pending.is_empty() {
            return Ok(());
        }
        let mut upcast = std::mem::take(&mut self.recent);
        for p in pending.drain(..) {
            // Checked already: the id is neither stored nor repeated.
            let expected = ExpectedVersion::Exact(p.version.saturating_sub(1));
            let link = tx.append_one(&p.stream_id, &p.stream_type, expected, &p.event)?;
            match p.expect {
                Expect::Link(h) if h == link.hash => {}
                Expect::Link(_) | Expect::Malformed => return Err(bad_line(path, p.line, ALTERED)),
                Expect::Nothing => {}
            }
            self.prev_hash = link.hash;
            let (schema_version, payload) = p.upcast;
            upcast.push(Event {
                position: link.position,
                stream_id: p.stream_id,
                stream_type: p.stream_type,
                version: link.version,
                event_type: p.event.event_type,
                schema_version,
                payload,
                recorded_at: p.event.recorded_at.unwrap_or_default(),
            });
        }
        self.appended += upcast.len() as u64;
        projector::catch_up(tx, registry, &upcast)?;
        upcast.clear();
        self.recent = upcast;
        Ok(())
    }
}

/// A line's `hash` field as bytes, if it is 64 lowercase hex digits (as
/// exported).
fn parse_hash(text: &str) -> Expect {
    fn nibble(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            _ => None,
        }
    }
    let mut h = [0u8; 32];
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return Expect::Malformed;
    }
    for (out, pair) in h.iter_mut().zip(bytes.chunks_exact(2)) {
        match (nibble(pair[0]), nibble(pair[1])) {
            (Some(hi), Some(lo)) => *out = hi << 4 | lo,
            _ => return Expect::Malformed,
        }
    }
    Expect::Link(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_read_as_exported_lowercase_hex_only() {
        let h: [u8; 32] = std::array::from_fn(|i| u8::try_from(i * 7).unwrap());
        let text = hex::encode(h);
        assert!(matches!(parse_hash(&text), Expect::Link(x) if x == h));
        for bad in
            [text.to_uppercase(), text[..62].to_owned(), format!("{text}00"), text.replace('a', "g"), String::new()]
        {
            assert!(matches!(parse_hash(&bad), Expect::Malformed), "{bad}");
        }
    }
}
