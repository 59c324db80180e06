//! The read side: events, stream states and read models, at the head or at
//! any position.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::es::store::LogFilter;
use crate::es::{Row, Rows, StoredEvent, TimeTravel};

use super::timeline::{StreamAt, World};
use super::{AppError, Chronicle, repository};

mod view;
mod world;

pub use view::{FOREIGN_SNAPSHOT_NOTE, ProjectionView, StreamView, is_generic, unregistered_note};
pub use world::generic_notes;

impl Chronicle {
    /// Events matching `filter`, at most `limit`.
    ///
    /// # Errors
    /// Store failures.
    pub fn log(&self, filter: &LogFilter, limit: u64) -> Result<Vec<StoredEvent>, AppError> {
        Ok(self.store.log(filter, limit)?)
    }

    /// An event as JSON: the storage contract's fields with the payload
    /// upcast, plus `stored_payload` and `stored_schema_version` as written.
    /// An event that cannot be upcast carries `upcast_error` instead.
    #[must_use]
    pub fn event_json(&self, e: &StoredEvent) -> Value {
        let stored: Value = serde_json::from_str(&e.payload).unwrap_or_else(|_| Value::String(e.payload.clone()));
        let metadata: Value = serde_json::from_str(&e.metadata).unwrap_or_else(|_| Value::String(e.metadata.clone()));
        let mut v = json!({
            "position": e.position,
            "event_id": e.event_id,
            "stream_id": e.stream_id,
            "stream_type": e.stream_type,
            "version": e.version,
            "event_type": e.event_type,
            "schema_version": e.schema_version,
            "payload": stored,
            "metadata": metadata,
            "recorded_at": e.recorded_at,
            "hash": e.hash_hex(),
            "stored_payload": stored,
            "stored_schema_version": e.schema_version,
        });
        if self.store.format().is_some() {
            // A foreign log has no chain of its own: a computed one would
            // look like evidence it is not (and cost a walk from event 1).
            v["hash"] = Value::Null;
        }
        match self.registry.upcasters().upcast(e) {
            Ok(up) => {
                v["payload"] = up.payload;
                v["schema_version"] = json!(up.schema_version);
            }
            Err(err) => v["upcast_error"] = json!(err.to_string()),
        }
        v
    }

    /// The position a query at `at` / `at_time` means (default: the head).
    ///
    /// # Errors
    /// [`AppError::Usage`] for a position beyond the head or a malformed time.
    pub fn resolve_position(&self, at: Option<u64>, at_time: Option<&str>) -> Result<u64, AppError> {
        let head = self.store.head()?;
        if let Some(p) = at {
            if p > head {
                return Err(AppError::Usage(format!("position {p} is beyond the head ({head})")));
            }
            return Ok(p);
        }
        if let Some(t) = at_time {
            let parsed = chrono::DateTime::parse_from_rfc3339(t)
                .map_err(|e| AppError::Usage(format!("`{t}` is not an RFC 3339 time: {e}")))?;
            let utc = parsed.with_timezone(&chrono::Utc).to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
            return Ok(self.store.position_at_time(&utc)?);
        }
        Ok(head)
    }

    /// One stream's state as of `position` (snapshot-assisted).
    ///
    /// # Errors
    /// [`AppError::Usage`] for an unknown stream or one that did not exist yet.
    pub fn stream_state(&self, stream_id: &str, position: u64) -> Result<StreamView, AppError> {
        let shown = crate::domain::registry::sanitize(stream_id);
        let info = self.store.stream(stream_id)?.ok_or_else(|| AppError::Usage(format!("unknown stream `{shown}`")))?;
        if info.first_position > position {
            return Err(AppError::Usage(format!(
                "stream `{shown}` did not exist yet at position {position} (it starts at {})",
                info.first_position
            )));
        }
        let loaded = repository::load(&self.store, &self.registry, stream_id, &info.stream_type, position)?;
        let foreign_snapshot = match self.store.format() {
            Some(_) => self.store.foreign_snapshot(stream_id, loaded.version)?,
            None => None,
        };
        Ok(StreamView {
            foreign_snapshot,
            stream_id: stream_id.to_owned(),
            generic: self.registry.kind(&info.stream_type).is_none(),
            stream_type: info.stream_type,
            version: loaded.version,
            position: loaded.position,
            state: loaded.state.to_json(),
        })
    }

    /// Checks a projection name.
    ///
    /// # Errors
    /// [`AppError::Usage`] naming the known projections.
    pub fn check_projection(&self, name: &str) -> Result<(), AppError> {
        if self.registry.projection(name).is_some() {
            return Ok(());
        }
        let known: Vec<&str> = self.registry.projections().iter().map(|p| p.name()).collect();
        Err(AppError::Usage(format!(
            "unknown projection `{}`: expected one of {}",
            crate::domain::registry::sanitize(name),
            known.join(", ")
        )))
    }

    /// A read model as of `position` (all rows of its main table).
    ///
    /// # Errors
    /// [`AppError::Usage`] for an unknown projection; store failures.
    pub fn projection_state(&self, name: &str, position: u64) -> Result<ProjectionView, AppError> {
        let rows = self.projection_rows(name, position, None, 0, u64::MAX >> 1)?;
        Ok(ProjectionView { projection: name.to_owned(), position, rows: rows.iter().map(Row::to_json).collect() })
    }

    /// Calls `f` for every row of a read model's main table as of `position`,
    /// in key order, streaming from SQLite where it can (see
    /// [`Chronicle::projection_rows`]). Returns how many rows it passed.
    ///
    /// # Errors
    /// [`AppError::Usage`] for an unknown projection; store failures; `f`'s.
    pub fn for_each_projection_row(
        &self,
        name: &str,
        position: u64,
        f: &mut dyn FnMut(Row) -> Result<(), AppError>,
    ) -> Result<u64, AppError> {
        self.check_projection(name)?;
        let p = self.registry.projection(name).ok_or_else(|| AppError::Usage(name.to_owned()))?;
        let spec = &p.tables()[0];
        let checkpoint = self.store.checkpoint(name)?;
        let upto = match p.time_travel() {
            _ if checkpoint == position => Some(None),
            TimeTravel::Query { position_column } if checkpoint >= position => Some(Some((position_column, position))),
            _ => None,
        };
        let mut n = 0u64;
        if let Some(upto) = upto {
            let mut failed = None;
            self.store.scan_table(spec, upto, &mut |row| {
                n += 1;
                if failed.is_none()
                    && let Err(e) = f(row)
                {
                    failed = Some(e);
                }
                Ok(())
            })?;
            return failed.map_or(Ok(n), Err);
        }
        for row in self.projection_rows(name, position, None, 0, u64::MAX >> 1)? {
            n += 1;
            f(row)?;
        }
        Ok(n)
    }

    /// Rows of a read model's main table as of `position`, in key order,
    /// `offset` then at most `limit`: from SQLite when its table is at that
    /// position or the projection is a ledger ([`TimeTravel::Query`]), else
    /// from `world` (the time machine's world at `position`, if the caller
    /// has one), else folded from the log for this projection alone.
    ///
    /// # Errors
    /// [`AppError::Usage`] for an unknown projection; store failures.
    pub fn projection_rows(
        &self,
        name: &str,
        position: u64,
        world: Option<&World>,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<Row>, AppError> {
        self.check_projection(name)?;
        let p = self.registry.projection(name).ok_or_else(|| AppError::Usage(name.to_owned()))?;
        let spec = &p.tables()[0];
        let checkpoint = self.store.checkpoint(name)?;
        if checkpoint == position {
            return Ok(self.store.table_rows(spec, offset, limit)?);
        }
        if let TimeTravel::Query { position_column } = p.time_travel()
            && checkpoint >= position
        {
            return Ok(self.store.table_rows_upto(spec, position_column, position, offset, limit)?);
        }
        let window = |rows: &mut dyn Iterator<Item = &Row>| -> Vec<Row> {
            let skip = usize::try_from(offset).unwrap_or(usize::MAX);
            let take = usize::try_from(limit).unwrap_or(usize::MAX);
            rows.skip(skip).take(take).cloned().collect()
        };
        if let Some(w) = world
            && w.position == position
            && p.time_travel() == TimeTravel::Fold
        {
            return Ok(window(&mut w.tables.rows(spec.name)));
        }
        // From the nearest keyframe (cache frame or read-model snapshot) when
        // there is one, else from position 1.
        let (at, mut tables) = self.cached_tables(position).unwrap_or_default();
        self.fold_models(&[p], &mut tables, (at, position))?;
        Ok(window(&mut tables.rows(spec.name)))
    }

    /// The world at the head, read from the store instead of folded: every
    /// stream's type, version and position from the streams index, and the
    /// in-memory read models from their tables. Stream states are left
    /// unloaded (`None`; load the ones shown with [`Chronicle::stream_state`]).
    /// Costs one read of those tables, whatever the length of the log.
    /// `None` when a read model lags behind the head (folding is then the
    /// only way to the head's world).
    ///
    /// # Errors
    /// Store failures.
    pub fn head_world(&self) -> Result<Option<World>, AppError> {
        self.store.read_snapshot(|store| {
            let head = store.head()?;
            let mut world = World { position: head, ..World::lazy() };
            for p in self.registry.projections().iter().filter(|p| p.time_travel() == TimeTravel::Fold) {
                if store.checkpoint(p.name())? != head {
                    return Ok(None);
                }
                for spec in p.tables() {
                    store.scan_table(spec, None, &mut |row| {
                        // In-memory rows cannot fail.
                        let _ = world.tables.put(spec, row);
                        Ok(())
                    })?;
                }
            }
            world.streams = store
                .streams()?
                .into_iter()
                .map(|s| {
                    let at = StreamAt {
                        stream_type: s.stream_type,
                        version: s.version,
                        position: s.last_position,
                        state: None,
                    };
                    (Arc::from(s.stream_id), Arc::new(at))
                })
                .collect();
            world.touched = world.streams.iter().find(|(_, s)| s.position == head).map(|(id, _)| Arc::clone(id));
            Ok(Some(world))
        })
    }

    /// Loads the state of `stream_id` into a lazy `world` (snapshot plus
    /// tail at the world's position), and the state before the world's last
    /// event when that event belongs to the stream, so changes can be shown.
    /// Does nothing when the state is already there or the stream did not
    /// exist at that position.
    ///
    /// # Errors
    /// Store failures; an event that cannot be upcast.
    pub fn load_state_into(&self, world: &mut World, stream_id: &str) -> Result<(), AppError> {
        let position = world.position;
        let Some(at) = world.streams.get_mut(stream_id).map(Arc::make_mut) else { return Ok(()) };
        if at.state.is_some() {
            return Ok(());
        }
        if at.position != position || position == 0 {
            at.state = Some(repository::load(&self.store, &self.registry, stream_id, &at.stream_type, position)?.state);
            return Ok(());
        }
        // The world's last event is this stream's: load the state before it
        // and fold that one event, so both come from one load.
        let mut loaded = repository::load(&self.store, &self.registry, stream_id, &at.stream_type, position - 1)?;
        let before = if loaded.version == 0 { Value::Null } else { loaded.state.to_json() };
        self.store.scan_fold(position, position, |e| repository::fold_ref(&self.registry, &mut loaded, e))?;
        at.state = Some(loaded.state);
        if world.before_last.is_none() {
            world.before_last = Some((stream_id.to_owned(), before));
        }
        Ok(())
    }

    /// Loads every stream's state into a lazy `world` (see
    /// [`Chronicle::load_state_into`]): one snapshot-assisted load per stream.
    ///
    /// # Errors
    /// As [`Chronicle::load_state_into`].
    pub fn load_all_states(&self, world: &mut World) -> Result<(), AppError> {
        let ids: Vec<Arc<str>> = world.streams.keys().cloned().collect();
        ids.iter().try_for_each(|id| self.load_state_into(world, id))
    }

    /// The whole world (every stream, every read model) as of `position`,
    /// folded from the start in position ranges.
    ///
    /// # Errors
    /// Store failures.
    pub fn world_at(&self, position: u64) -> Result<World, AppError> {
        let mut world = World::default();
        let mut scratch = crate::es::Event::default();
        self.store.scan_fold(1, position, |e| {
            world.apply_ref(&self.registry, e, e.position == position, &mut scratch);
            Ok::<_, AppError>(())
        })?;
        Ok(world)
    }
}

#[cfg(test)]
mod tests;
