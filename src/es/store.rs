//! The SQLite event store: the only place SQL lives.

/// Placeholder until the store lands.
#[derive(Debug)]
pub struct Store;

/// Store errors.
#[derive(Debug, thiserror::Error)]
#[error("store")]
pub struct StoreError;
