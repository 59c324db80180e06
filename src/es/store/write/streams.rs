//! The write transaction's stream cache, filled from the engine: one stream
//! at a time, or many in one call when a batch names streams not yet seen.

use rustc_hash::FxHashSet as HashSet;

use super::super::StoreError;
use super::super::handle::check_stored_version;
use super::super::read::StreamInfo;
use super::{CachedStream, WriteTx};

impl WriteTx<'_> {
    /// One stream's summary from the index, and its events' highest version.
    pub(super) fn stream_of(&self, stream_id: &str) -> Result<(Option<StreamInfo>, u64), StoreError> {
        let mut found = self.w.streams_of(&[stream_id])?;
        Ok(found.pop().unwrap_or((None, 0)))
    }

    /// Reads the summaries of the streams named (id, type) that this
    /// transaction has not seen yet, in one engine call, so that appending to
    /// them asks nothing more. A no-op for fewer than two unseen streams. A
    /// stream whose index disagrees with its events is left unread: the
    /// append reading it on its own reports that.
    ///
    /// # Errors
    /// Database failures.
    pub fn prefetch_streams<'a>(
        &mut self,
        streams: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<(), StoreError> {
        let mut seen = HashSet::default();
        let unseen: Vec<(&str, &str)> =
            streams.into_iter().filter(|(id, _)| !self.streams.contains_key(*id) && seen.insert(*id)).collect();
        if unseen.len() < 2 {
            return Ok(());
        }
        let ids: Vec<&str> = unseen.iter().map(|s| s.0).collect();
        let found = self.w.streams_of(&ids)?;
        for ((stream_id, stream_type), (info, stored)) in unseen.into_iter().zip(found) {
            let info = info.unwrap_or_else(|| StreamInfo {
                stream_id: stream_id.to_owned(),
                stream_type: stream_type.to_owned(),
                version: 0,
                first_position: 0,
                last_position: 0,
            });
            if check_stored_version(stream_id, info.version, stored).is_ok() {
                self.streams.insert(stream_id.to_owned(), CachedStream { info, dirty: false });
            }
        }
        Ok(())
    }

    /// Declares that the transaction began on an empty store and will
    /// append many events without reading events back (an import): the
    /// engine may maintain its indexes once, at commit (see
    /// [`crate::es::backend::Writes::bulk_load`]). Then streams not seen yet
    /// start at version 0 without being read ([`WriteTx::start_streams`]).
    /// Read-model tables first seen empty are then cached whole: a row
    /// not written in this transaction is absent, without asking the engine.
    /// A no-op on a store holding events.
    ///
    /// # Errors
    /// Database failures.
    pub fn bulk_load(&mut self) -> Result<(), StoreError> {
        if self.head > 0 {
            return Ok(());
        }
        self.cache.bulk = true;
        self.w.bulk_load()
    }

    /// Caches the streams named (id, type) that this transaction has not
    /// seen yet as holding no event, without asking the engine: for a caller
    /// that knows the store held no event when the transaction began and
    /// that these streams received none since (an import into an empty
    /// store, whose file names each stream's first line).
    pub fn start_streams<'a>(&mut self, streams: impl IntoIterator<Item = (&'a str, &'a str)>) {
        for (stream_id, stream_type) in streams {
            if !self.streams.contains_key(stream_id) {
                let info = StreamInfo {
                    stream_id: stream_id.to_owned(),
                    stream_type: stream_type.to_owned(),
                    version: 0,
                    first_position: 0,
                    last_position: 0,
                };
                self.streams.insert(stream_id.to_owned(), CachedStream { info, dirty: false });
            }
        }
    }
}
