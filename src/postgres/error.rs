//! PostgreSQL failures as the store's neutral errors: the SQLSTATE decides
//! the [`BackendKind`], the message is one line.

use std::error::Error as _;

use postgres::error::SqlState;

use crate::es::StoreError;
use crate::es::backend::BackendKind;

/// The kind of a PostgreSQL failure (`in_tx`: it happened inside a
/// transaction, so a lost connection means the transaction was killed).
#[must_use]
pub fn kind_of(e: &postgres::Error, in_tx: bool) -> BackendKind {
    let lost = if in_tx { BackendKind::Terminated } else { BackendKind::Unreachable };
    let Some(code) = e.code() else {
        // No SQLSTATE: the socket (closed, I/O, timeout) or a decoding error.
        return if e.is_closed() || e.source().is_some_and(<dyn std::error::Error>::is::<std::io::Error>) {
            lost
        } else if e.to_string().starts_with("error connecting") || e.to_string().starts_with("timeout") {
            BackendKind::Unreachable
        } else {
            BackendKind::Other
        };
    };
    let c = code.code();
    if *code == SqlState::DISK_FULL || *code == SqlState::IO_ERROR {
        BackendKind::DiskFull
    } else if *code == SqlState::ADMIN_SHUTDOWN
        || *code == SqlState::CRASH_SHUTDOWN
        || *code == SqlState::CANNOT_CONNECT_NOW
        || *code == SqlState::IDLE_SESSION_TIMEOUT
        || c.starts_with("08")
    {
        lost
    } else if *code == SqlState::READ_ONLY_SQL_TRANSACTION || *code == SqlState::INSUFFICIENT_PRIVILEGE {
        BackendKind::ReadOnly
    } else if *code == SqlState::LOCK_NOT_AVAILABLE
        || *code == SqlState::T_R_SERIALIZATION_FAILURE
        || *code == SqlState::T_R_DEADLOCK_DETECTED
        || *code == SqlState::QUERY_CANCELED
        || *code == SqlState::TOO_MANY_CONNECTIONS
    {
        BackendKind::Busy
    } else if *code == SqlState::DATA_CORRUPTED || *code == SqlState::INDEX_CORRUPTED {
        BackendKind::Damaged
    } else {
        BackendKind::Other
    }
}

/// The one-line text of a PostgreSQL failure: the server's message (and
/// detail) for a database error, else the client's with its cause.
#[must_use]
pub fn one_line(e: &postgres::Error) -> String {
    let text = if let Some(db) = e.as_db_error() {
        let mut s = db.message().to_owned();
        if let Some(d) = db.detail() {
            s.push_str(": ");
            s.push_str(d);
        }
        s
    } else if let Some(src) = e.source() {
        format!("{e}: {src}")
    } else {
        e.to_string()
    };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A PostgreSQL failure outside any transaction.
#[must_use]
pub fn store_error(e: postgres::Error) -> StoreError {
    wrap(e, false)
}

/// A PostgreSQL failure inside a transaction.
#[must_use]
pub fn tx_error(e: postgres::Error) -> StoreError {
    wrap(e, true)
}

fn wrap(e: postgres::Error, in_tx: bool) -> StoreError {
    let kind = kind_of(&e, in_tx);
    let mut message = one_line(&e);
    if kind == BackendKind::Terminated {
        message = format!("the connection to PostgreSQL was lost mid-transaction, nothing was committed: {message}");
    } else if kind == BackendKind::Unreachable {
        message = format!("the connection to PostgreSQL was lost: {message}");
    }
    StoreError::Backend { kind, message, source: Box::new(e) }
}

/// A value read back that chronicle did not write (negative position, hash
/// of the wrong length…).
#[must_use]
pub fn damaged(what: impl Into<String>, reason: impl std::fmt::Display) -> StoreError {
    StoreError::Damaged { what: what.into(), reason: reason.to_string() }
}

/// The constraint `e` violates, when it is a unique violation.
#[must_use]
pub fn is_unique_violation(e: &postgres::Error) -> Option<&str> {
    let db = e.as_db_error()?;
    (*db.code() == SqlState::UNIQUE_VIOLATION).then(|| db.constraint().unwrap_or(""))
}
