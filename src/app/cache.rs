//! A cache of what the time machine computed from a log another tool wrote
//! (keyframes: the folded world every K events, and the world at the head),
//! in a file chronicle owns, never in or next to the log. A fresh process
//! then starts from the cached keyframes instead of walking the log from its
//! first event; a log that grew reuses them up to the old head and extends.
//!
//! The file is keyed by a header naming the log (its name, and a digest of
//! its format and mapping) and fingerprints of its first event and of the
//! event at the cached head: a log rewritten under the cache (fewer events,
//! other first or last event) starts the cache afresh. Where it lives: the
//! process's [`Choice`] (`--cache FILE`, `--no-cache`, else a file named by a
//! digest of the log under `$XDG_CACHE_HOME/chronicle/` or
//! `~/.cache/chronicle/`). Its storage is behind [`CacheFile`] (SQLite:
//! `crate::sqlite::cache`); a file that cannot be used is a warning and the
//! time machine carries on without it.

pub mod counts;
mod frame;
pub mod read;
mod save;
pub mod sums;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Chronicle, Timeline};
use crate::es::StoredEvent;
use frame::{Decoder, Encoder};

/// Where the cache goes, for the process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// Under the XDG cache directory, named by a digest of the log.
    Default,
    /// This file.
    File(PathBuf),
    /// No cache: nothing is read or written.
    Off,
}

static CHOICE: OnceLock<Choice> = OnceLock::new();

/// Sets where the cache goes for the process (the CLI's `--cache` and
/// `--no-cache`). Without a call there is none (a library user opts in).
/// Set once; a second call is ignored.
pub fn choose(choice: Choice) {
    let _ = CHOICE.set(choice);
}

/// What the cache file records about the log its frames were computed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// The log's name as shown (a URL without its password, or a path).
    pub log: String,
    /// A digest of the format and mapping the log is read through.
    pub layout: String,
    /// Fingerprint of the first event.
    pub first: String,
    /// The last position the frames cover.
    pub head: u64,
    /// Fingerprint of the event at `head`.
    pub last: String,
    /// How many events up to `head` could not be folded (`None`: not
    /// recorded, as in files written before it was): only a clean cache
    /// serves diffs and finds ([`read`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problems: Option<u64>,
    /// The frames' format ([`FORMAT`]; 0: written before it was
    /// recorded). A file of another format is started afresh, never read.
    #[serde(default)]
    pub format: u32,
}

/// The frames' format this build writes and reads: 2 since the frames keep
/// the events counted by type and actor (`counts.rs`), 3 since the file
/// keeps each frame interval's sums, streams touched included (`sums.rs`).
pub const FORMAT: u32 = 3;

/// What [`CacheFile::frames`] hands each frame to: its position and bytes.
pub type EachFrame<'a> = dyn FnMut(u64, &[u8]) -> Result<(), String> + 'a;

/// What [`CacheFile::frames_back`] hands each frame to: its position and
/// bytes; it returns whether to go on.
pub type EachBack<'a> = dyn FnMut(u64, &[u8]) -> Result<bool, String> + 'a;

/// What [`CacheFile::sums`] hands each interval to: its first position − 1,
/// its last position, and its sums' bytes.
pub type EachSum<'a> = dyn FnMut(u64, u64, &[u8]) -> Result<(), String> + 'a;

/// One frame interval's sums as stored: its first position − 1, its last
/// position, and the bytes (`sums.rs`).
pub type IntervalBytes = (u64, u64, Vec<u8>);

/// Storage of a cache file: a header, frames by position, and the sums of
/// the intervals between frames.
pub trait CacheFile: Send + std::fmt::Debug {
    /// The header, if the file holds one.
    ///
    /// # Errors
    /// One line saying what is wrong with the file.
    fn header(&self) -> Result<Option<Header>, String>;
    /// Every frame in position order.
    ///
    /// # Errors
    /// As [`CacheFile::header`], or what `each` returns.
    fn frames(&self, each: &mut EachFrame<'_>) -> Result<(), String>;
    /// The frames at or before `upto`, latest first, while `each` says so.
    ///
    /// # Errors
    /// As [`CacheFile::frames`].
    fn frames_back(&self, upto: u64, each: &mut EachBack<'_>) -> Result<(), String>;
    /// Empties the file and records `header` (no frame).
    ///
    /// # Errors
    /// The file cannot be written.
    fn reset(&mut self, header: &Header) -> Result<(), String>;
    /// The interval sums lying wholly inside `(after, upto]`, in position
    /// order (read apart from the frames: no frame is decoded).
    ///
    /// # Errors
    /// As [`CacheFile::frames`].
    fn sums(&self, after: u64, upto: u64, each: &mut EachSum<'_>) -> Result<(), String>;
    /// Adds `frames` and the `sums` of the intervals they end, records
    /// `header` and the last world whole (`head`), all or nothing.
    ///
    /// # Errors
    /// The file cannot be written.
    fn append(
        &mut self,
        header: &Header,
        frames: &[(u64, Vec<u8>)],
        sums: &[IntervalBytes],
        head: &[u8],
    ) -> Result<(), String>;
    /// The last world, whole (a frame that needs none before it).
    ///
    /// # Errors
    /// As [`CacheFile::header`].
    fn head_frame(&self) -> Result<Option<Vec<u8>>, String>;
}

/// The default cache directory: `$XDG_CACHE_HOME/chronicle`, else
/// `~/.cache/chronicle`.
#[must_use]
pub fn default_dir() -> Option<PathBuf> {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    env("XDG_CACHE_HOME").map(|d| d.join("chronicle")).or_else(|| env("HOME").map(|h| h.join(".cache/chronicle")))
}

fn hex_digest(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    hex::encode(h.finalize())
}

/// A fingerprint of one event: what a rewrite would change (in chronicle's
/// own store, its link of the hash chain too, which covers every event
/// before it).
fn fingerprint(e: &StoredEvent) -> String {
    let chain = if e.hash == [0; 32] { String::new() } else { e.hash_hex() };
    hex_digest(&[
        &chain,
        &e.position.to_string(),
        &e.stream_id,
        &e.version.to_string(),
        &e.event_type,
        &e.payload,
        &e.metadata,
        &e.recorded_at,
    ])
}

/// The event at `position`, without the computed hash chain (which a
/// fresh reader of a foreign log would walk the whole log to compute).
fn plain_event(chron: &Chronicle, position: u64) -> Result<Option<StoredEvent>, String> {
    let was = chron.store().set_chained(false);
    let e = chron.store().event(position).map_err(|e| e.to_string());
    chron.store().set_chained(was);
    e
}

/// The log's name and layout digest: for a foreign log, its format and
/// mapping; for chronicle's own store, this build's read models (a build
/// with other read models folds other rows).
fn identity(chron: &Chronicle) -> (String, String) {
    let store = chron.store();
    let layout = if let Some(format) = store.format() {
        hex_digest(&[format, &store.layout().unwrap_or_default()])
    } else {
        let mut parts = vec!["chronicle".to_owned(), env!("CARGO_PKG_VERSION").to_owned()];
        for p in chron.registry().projections() {
            parts.push(p.name().to_owned());
            parts.extend(p.tables().iter().map(|t| format!("{t:?}")));
        }
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        hex_digest(&parts)
    };
    let name = store.name();
    let log = if crate::engines::is_postgres(name) {
        name.to_owned()
    } else {
        std::fs::canonicalize(name).map_or_else(|_| name.to_owned(), |p| p.to_string_lossy().into_owned())
    };
    (log, layout)
}

/// The cache file of `chron`'s log under the process's [`Choice`] (`None`:
/// no cache).
///
/// # Errors
/// No cache directory can be named.
fn chosen_path(log: &str, layout: &str) -> Result<Option<PathBuf>, String> {
    Ok(match CHOICE.get() {
        None | Some(Choice::Off) => None,
        Some(Choice::File(p)) => Some(p.clone()),
        Some(Choice::Default) => {
            let dir = default_dir().ok_or("no cache directory ($XDG_CACHE_HOME and $HOME are unset)")?;
            Some(dir.join(format!("{}.cache", &hex_digest(&[log, layout])[..32])))
        }
    })
}

/// Keyframes of one foreign log, kept in a cache file.
#[derive(Debug)]
pub struct KeyframeCache {
    file: Box<dyn CacheFile>,
    path: PathBuf,
    log: String,
    layout: String,
    /// What the file holds now (`None`: nothing usable yet).
    header: Option<Header>,
    /// Whether the header was checked against the log.
    validated: bool,
    encoder: Encoder,
}

impl KeyframeCache {
    /// The cache of `chron`'s log under the process's [`Choice`]: `Ok(None)`
    /// when there is none (turned off, not chosen, or the store is
    /// chronicle's own, whose read models make the head world).
    ///
    /// # Errors
    /// One line saying why the cache cannot be used (the caller warns and
    /// carries on without it).
    pub fn for_store(chron: &Chronicle) -> Result<Option<Self>, String> {
        if chron.store().format().is_none() {
            return Ok(None);
        }
        Self::for_any_store(chron)
    }

    /// As [`Self::for_store`], for chronicle's own store too (`chronicle
    /// cache` builds one, which diffs, what-ifs and finds then start from:
    /// [`read`]).
    ///
    /// # Errors
    /// As [`Self::for_store`].
    pub fn for_any_store(chron: &Chronicle) -> Result<Option<Self>, String> {
        let (log, layout) = identity(chron);
        match chosen_path(&log, &layout)? {
            Some(path) => Self::open(&path, chron).map(Some),
            None => Ok(None),
        }
    }

    /// The cache in the file at `path` (created when absent) for `chron`'s log.
    ///
    /// # Errors
    /// The file cannot be opened or created, or is not a chronicle cache.
    pub fn open(path: &Path, chron: &Chronicle) -> Result<Self, String> {
        let (log, layout) = identity(chron);
        let file = crate::engines::open_cache(path).map_err(|e| format!("cache {}: {e}", path.display()))?;
        let header = file.header().map_err(|e| format!("cache {}: {e}", path.display()))?;
        Ok(Self { file, path: path.to_owned(), log, layout, header, validated: false, encoder: Encoder::default() })
    }

    /// The file's path.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The last position the cached keyframes cover (0: none).
    #[must_use]
    pub fn head(&self) -> u64 {
        self.header.as_ref().map_or(0, |h| h.head)
    }

    /// Whether the file's header still matches the log (else it is to be
    /// started afresh: the header is forgotten).
    fn validate(&mut self, chron: &Chronicle) -> Result<bool, String> {
        if self.validated {
            return Ok(self.header.is_some());
        }
        self.validated = true;
        let Some(first) = plain_event(chron, 1)? else {
            self.header = None;
            return Ok(false);
        };
        let valid = match &self.header {
            Some(h)
                if h.format == FORMAT
                    && h.log == self.log
                    && h.layout == self.layout
                    && h.first == fingerprint(&first) =>
            {
                let last = plain_event(chron, h.head)?;
                last.is_some_and(|e| fingerprint(&e) == h.last)
            }
            _ => false,
        };
        if !valid {
            if self.header.is_some() {
                tracing::info!(cache = %self.path.display(), "the log changed under its cache: starting it afresh");
            }
            self.header = None;
        }
        Ok(valid)
    }

    /// Loads the world at the cached head alone into `timeline` (one frame,
    /// stored whole), so it can be shown before the other keyframes are
    /// restored ([`Self::restore`]). Returns whether there was one.
    ///
    /// # Errors
    /// As [`Self::restore`].
    pub fn restore_head(&mut self, chron: &Chronicle, timeline: &mut Timeline) -> Result<bool, String> {
        if !self.validate(chron)? {
            return Ok(false);
        }
        let io = |e: String| format!("cache {}: {e}", self.path.display());
        let Some(bytes) = self.file.head_frame().map_err(io)? else { return Ok(false) };
        let world = Decoder::default().decode(chron.registry(), &bytes).map_err(io)?;
        timeline.restore(vec![world]);
        Ok(true)
    }

    /// Loads the cached keyframes into `timeline`, when they still match the
    /// log (else the file is started afresh). Returns how many worlds were
    /// restored.
    ///
    /// # Errors
    /// The log cannot be read, or the file is corrupt or cannot be written
    /// (the caller warns and drops the cache).
    pub fn restore(&mut self, chron: &Chronicle, timeline: &mut Timeline) -> Result<usize, String> {
        if !self.validate(chron)? {
            return Ok(0);
        }
        let mut decoder = Decoder::default();
        let mut worlds = Vec::new();
        let registry = chron.registry();
        self.file
            .frames(&mut |_, bytes| {
                worlds.push(decoder.decode(registry, bytes)?);
                Ok(())
            })
            .map_err(|e| format!("cache {}: {e}", self.path.display()))?;
        let n = worlds.len();
        timeline.restore(worlds);
        self.encoder = Encoder::after(&decoder);
        Ok(n)
    }
}

#[cfg(test)]
mod tests;
