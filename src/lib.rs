//! chronicle: an event-sourcing toolkit on SQLite with a terminal time machine.
//!
//! Layers, from the bottom up:
//! * [`es`]: the event-sourcing kernel: events, the engine-neutral store
//!   facade and the storage seam ([`es::backend`]), aggregates, projections
//!   and upcasters.
//! * [`sqlite`] (and `postgres`): the storage engines, the only places SQL
//!   lives; [`engines`] picks one from the `--db` value.
//! * [`domain`]: pluggable domains (`bank`, `users`) and the registry through
//!   which everything above names them.
//! * [`app`]: the command bus (write side), queries (read side), the timeline
//!   (time travel), verification, import/export and the demo generator.
//! * [`cli`] and `tui`: presentation only.
//! * [`testing`]: a given/when/then test kit for domain authors.

pub mod app;
pub mod cli;
pub mod domain;
pub mod engines;
pub mod es;
pub mod formats;
pub mod postgres;
pub mod sqlite;
pub mod testing;
#[cfg(feature = "tui")]
pub mod tui;
