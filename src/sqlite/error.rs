//! SQLite's errors, classified for the neutral [`StoreError::Backend`].

use rusqlite::ErrorCode;

use crate::es::backend::BackendKind;
use crate::es::store::StoreError;

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        let kind = kind(&e);
        let message = match &e {
            rusqlite::Error::SqliteFailure(f, msg) => msg.clone().unwrap_or_else(|| f.to_string()),
            other => other.to_string(),
        };
        let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
        Self::Backend { kind, message, source: Box::new(e) }
    }
}

/// What kind of failure `e` is. Damage: the file's pages, schema or stored
/// values (as opposed to I/O, locking or a bug). Our own statements name
/// only columns and tables of our schema: when SQLite cannot find them, the
/// file's schema is not ours any more.
fn kind(e: &rusqlite::Error) -> BackendKind {
    let missing = |m: &str| m.starts_with("no such column") || m.starts_with("no such table");
    let by_code = |code: ErrorCode| match code {
        ErrorCode::DiskFull | ErrorCode::SystemIoFailure => Some(BackendKind::DiskFull),
        ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => Some(BackendKind::Damaged),
        ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => Some(BackendKind::Busy),
        ErrorCode::ReadOnly => Some(BackendKind::ReadOnly),
        _ => None,
    };
    match e {
        rusqlite::Error::SqliteFailure(f, msg) => by_code(f.code)
            .or_else(|| msg.as_deref().is_some_and(missing).then_some(BackendKind::Damaged))
            .unwrap_or(BackendKind::Other),
        rusqlite::Error::SqlInputError { error, msg, .. } => {
            by_code(error.code).or_else(|| missing(msg).then_some(BackendKind::Damaged)).unwrap_or(BackendKind::Other)
        }
        rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::IntegralValueOutOfRange(..)
        | rusqlite::Error::Utf8Error(..)
        | rusqlite::Error::InvalidColumnType(..) => BackendKind::Damaged,
        _ => BackendKind::Other,
    }
}

/// An insert's constraint failure typed for the facade: a taken event id or
/// a taken (stream, version); anything else as it is.
pub(super) fn insert_error(e: rusqlite::Error, event_id: &str, stream_id: &str, version: u64) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, Some(msg)) = &e
        && f.code == ErrorCode::ConstraintViolation
    {
        if msg.contains("events.event_id") {
            return StoreError::EventIdTaken(event_id.to_owned());
        }
        if msg.contains("events.stream_id") {
            return StoreError::VersionTaken { stream_id: stream_id.to_owned(), version };
        }
    }
    e.into()
}
